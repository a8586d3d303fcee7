// Command pollsim simulates days of polling many sources whose
// publications follow the real publication times of the repository's
// feed fixtures, and compares the scheduler's adaptive interval (the
// feeds.Adapter the scheduler uses, and its cascades) with fixed polling
// at the same number of requests an hour. See README.md.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aajil/aajil/feeds"
)

type options struct {
	testdata string
	sources  int
	days     float64
	warmup   time.Duration
	seed     uint64
	window   int
	stories  int
	split    string
	byModel  bool
}

func main() {
	var o options
	flag.StringVar(&o.testdata, "testdata", "testdata", "the repository's testdata directory")
	flag.IntVar(&o.sources, "sources", 100, "sources per split")
	flag.Float64Var(&o.days, "days", 3, "simulated days measured")
	flag.DurationVar(&o.warmup, "warmup", 6*time.Hour, "simulated time before the measured days")
	flag.Uint64Var(&o.seed, "seed", 1, "random seed")
	flag.IntVar(&o.window, "window", 30, "items a feed shows")
	flag.IntVar(&o.stories, "stories", 100, "three-source stories per day in the cascade runs (0: none)")
	flag.BoolVar(&o.byModel, "by-model", false, "also print the figures of each model's sources")
	flag.StringVar(&o.split, "split", "", "run only this split (tune or report); both when empty")
	flag.Parse()
	if err := run(os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "pollsim:", err)
		os.Exit(1)
	}
}

// storyAt: one story, published by a first source, then by two more
// 40 s and 90 s later.
var storyAt = []time.Duration{0, 40 * time.Second, 90 * time.Second}

func run(w io.Writer, o options) error {
	models, err := LoadModels(o.testdata)
	if err != nil {
		return err
	}
	printModels(w, models)
	base := Config{
		Sources: o.sources, Warmup: o.warmup, Span: time.Duration(o.days * 24 * float64(time.Hour)),
		Seed: o.seed, Window: o.window, Jitter: feeds.DefaultJitter,
	}
	fmt.Fprintf(w, "\nPolling: %g days of %d sources a split after %v of warm-up, seed %d; publication → first seen\n",
		o.days, o.sources, o.warmup, o.seed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "split\trun\treq/h\tp50\tp90\tp99\tmean\tpubs\tcascades\tpulled\t")
	var summary []string
	for _, split := range o.splits() {
		cfg := base
		cfg.Models = splitModels(models, split)
		for _, cascade := range []bool{false, true} {
			cfg.Cascade = cascade
			adaptive, err := Run(cfg)
			if err != nil {
				return err
			}
			matched := cfg
			matched.Cascade = false
			matched.Fixed = time.Duration(float64(cfg.Sources) * float64(time.Hour) / adaptive.PerHour())
			fixed, err := Run(matched)
			if err != nil {
				return err
			}
			name := "adaptive"
			if cascade {
				name += " + cascades"
			}
			row(tw, split, name, adaptive)
			row(tw, split, fmt.Sprintf("fixed %v (same req/h)", matched.Fixed.Round(100*time.Millisecond)), fixed)
			if o.byModel {
				for i, m := range cfg.Models {
					a, f := adaptive.ByModel[i], fixed.ByModel[i]
					fmt.Fprintf(tw, "%s\t  %s\t%.0f / %.0f\t%s / %s\t%s / %s\t%s / %s\t\t%d\t\t\t\n", split, m.Name,
						float64(a.Requests)/adaptive.Hours, float64(f.Requests)/fixed.Hours,
						secs(Percentile(a.Delays, 50)), secs(Percentile(f.Delays, 50)),
						secs(Percentile(a.Delays, 90)), secs(Percentile(f.Delays, 90)),
						secs(Percentile(a.Delays, 99)), secs(Percentile(f.Delays, 99)), len(a.Delays))
				}
			}
			summary = append(summary, fmt.Sprintf("%s, %s: p50 %.2f× fixed, p90 %.2f× fixed, req/h %.2f× fixed",
				split, name, ratio(adaptive, fixed, 50), ratio(adaptive, fixed, 90), adaptive.PerHour()/fixed.PerHour()))
		}
		def := cfg
		def.Cascade, def.Fixed = false, feeds.DefaultInterval
		fixed, err := Run(def)
		if err != nil {
			return err
		}
		row(tw, split, fmt.Sprintf("fixed %v (default interval)", def.Fixed), fixed)
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, s := range summary {
		fmt.Fprintln(w, s)
	}
	if o.stories <= 0 {
		return nil
	}
	return cascadeFigure(w, models, base, o)
}

// splits are the splits to run.
func (o options) splits() []Split {
	if o.split != "" {
		return []Split{Split(o.split)}
	}
	return []Split{Tune, Report}
}

// cascadeFigure runs each split with injected three-source stories, with
// and without cascades, and prints the first-seen delay of each of the
// story's publications.
func cascadeFigure(w io.Writer, models []Model, base Config, o options) error {
	fmt.Fprintf(w, "\nCascade: %d stories a day, each published by 3 random sources of the %d at +0 s, +40 s and +90 s; publication → first seen\n",
		o.stories, o.sources)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "split\trun\tpublished\tp50\tp90\tmean\treq/h\tcascades\tpulled\t")
	for _, split := range o.splits() {
		cfg := base
		cfg.Models = splitModels(models, split)
		cfg.Stories, cfg.StoryAt = int(float64(o.stories)*o.days+0.5), storyAt
		for _, cascade := range []bool{false, true} {
			cfg.Cascade = cascade
			r, err := Run(cfg)
			if err != nil {
				return err
			}
			name := "no cascade"
			if cascade {
				name = "cascade"
			}
			for pos, ds := range r.StoryDelays {
				fmt.Fprintf(tw, "%s\t%s\t+%v\t%s\t%s\t%s\t%.0f\t%d\t%d\t\n", split, name, storyAt[pos],
					secs(Percentile(ds, 50)), secs(Percentile(ds, 90)), secs(mean(ds)), r.PerHour(), r.Cascades, r.Pulled)
			}
		}
	}
	return tw.Flush()
}

func row(tw io.Writer, split Split, name string, r Result) {
	fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t\n", split, name, r.PerHour(),
		secs(Percentile(r.Delays, 50)), secs(Percentile(r.Delays, 90)), secs(Percentile(r.Delays, 99)),
		secs(mean(r.Delays)), len(r.Delays), r.Cascades, r.Pulled)
}

func ratio(a, b Result, p float64) float64 {
	return Percentile(a.Delays, p).Seconds() / Percentile(b.Delays, p).Seconds()
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

func splitModels(models []Model, split Split) []Model {
	return slices.DeleteFunc(slices.Clone(models), func(m Model) bool { return m.Split != split })
}

func printModels(w io.Writer, models []Model) {
	fmt.Fprintln(w, "Models (real publication times of the fixtures in testdata/):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "split\tfeed\titems\tgaps\tdropped > 24h\tmean gap\tmedian gap\turgent\tfiles")
	for _, m := range models {
		ds := make([]time.Duration, len(m.Gaps))
		urgent := 0
		for i, g := range m.Gaps {
			ds[i] = g.D
			if g.Urgent {
				urgent++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%v\t%v\t%d\t%s\n", m.Split, m.Name, m.Items, len(m.Gaps), m.Dropped,
			m.Mean().Round(time.Minute), Percentile(ds, 50).Round(time.Minute), urgent, strings.Join(m.Files, " "))
	}
	tw.Flush()
}
