package main

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// steady is a model that publishes one item every gap.
func steady(name string, gap time.Duration) Model {
	gaps := make([]Gap, 20)
	for i := range gaps {
		gaps[i] = Gap{D: gap}
	}
	return Model{Name: name, Gaps: gaps}
}

func TestLoadModels(t *testing.T) {
	models, err := LoadModels(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(models), len(specs); got != want {
		t.Fatalf("%d models, want %d", got, want)
	}
	for _, split := range []Split{Tune, Report} {
		if n := len(splitModels(models, split)); n != 6 {
			t.Errorf("split %s has %d models, want 6", split, n)
		}
	}
	for _, m := range models {
		if len(m.Gaps) < 5 {
			t.Errorf("%s: %d gaps, want at least 5", m.Name, len(m.Gaps))
		}
		if len(m.Gaps)+m.Dropped != m.Items-1 {
			t.Errorf("%s: %d gaps + %d dropped, want %d (items − 1)", m.Name, len(m.Gaps), m.Dropped, m.Items-1)
		}
		for _, g := range m.Gaps {
			if g.D < 0 || g.D > maxGap {
				t.Errorf("%s: gap %v outside [0, %v]", m.Name, g.D, maxGap)
			}
		}
	}
	// The two snapshots of BBC World share 25 items: merged, not doubled.
	for _, m := range models {
		if strings.HasPrefix(m.Name, "bbc world") && m.Items != 35 {
			t.Errorf("bbc world: %d items, want 35 (28 + 7 new)", m.Items)
		}
	}
}

func TestRunFixed(t *testing.T) {
	cfg := Config{Models: []Model{steady("ten minutes", 10*time.Minute)}, Sources: 50,
		Warmup: time.Hour, Span: 6 * time.Hour, Seed: 1, Window: 30, Fixed: time.Minute, Jitter: 0.1}
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.PerHour(); got < 2950 || got > 3050 {
		t.Errorf("requests an hour = %.1f, want about 3000 (50 sources every minute)", got)
	}
	if got, want := len(r.Delays), 50*6*6; got < want-50 || got > want+50 {
		t.Errorf("%d publications seen, want about %d", got, want)
	}
	if got := Percentile(r.Delays, 100); got >= 66*time.Second {
		t.Errorf("longest wait %v, want under the interval and its jitter", got)
	}
	if got := Percentile(r.Delays, 50); got < 20*time.Second || got > 40*time.Second {
		t.Errorf("median wait %v, want about 30 s", got)
	}
}

// TestRunAdaptive: the adaptive policy polls a busy source more often
// than a quiet one, and the same seed gives the same run.
func TestRunAdaptive(t *testing.T) {
	cfg := Config{Models: []Model{steady("busy", 2*time.Minute), steady("quiet", 2*time.Hour)}, Sources: 10,
		Warmup: 2 * time.Hour, Span: 6 * time.Hour, Seed: 7, Window: 30, Jitter: 0.1}
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	busy, quiet := r.ByModel[0], r.ByModel[1]
	if busy.Requests <= 3*quiet.Requests {
		t.Errorf("busy sources polled %d times, quiet ones %d: want the busy ones more than thrice as often", busy.Requests, quiet.Requests)
	}
	if got := Percentile(busy.Delays, 50); got >= Percentile(quiet.Delays, 50) {
		t.Errorf("busy median wait %v, want below the quiet one's %v", got, Percentile(quiet.Delays, 50))
	}
	again, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if again.Requests != r.Requests || !slices.Equal(again.Delays, r.Delays) {
		t.Errorf("a second run with the same seed differs: %d requests, want %d", again.Requests, r.Requests)
	}
}

// TestRunCascade: stories carried by three sources are seen sooner by
// the later ones with cascades, and the cascades are counted.
func TestRunCascade(t *testing.T) {
	cfg := Config{Models: []Model{steady("quiet", 2*time.Hour)}, Sources: 10,
		Warmup: 2 * time.Hour, Span: 12 * time.Hour, Seed: 3, Window: 30, Jitter: 0.1,
		Stories: 20, StoryAt: []time.Duration{0, 40 * time.Second, 90 * time.Second}}
	without, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Cascade = true
	with, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if without.Cascades != 0 || with.Cascades == 0 || with.Pulled == 0 {
		t.Errorf("cascades %d (pulled %d) without, %d (pulled %d) with; want none, then some", without.Cascades, without.Pulled, with.Cascades, with.Pulled)
	}
	for pos := 1; pos < 3; pos++ {
		a, b := Percentile(with.StoryDelays[pos], 50), Percentile(without.StoryDelays[pos], 50)
		if len(with.StoryDelays[pos]) != cfg.Stories || a >= b {
			t.Errorf("story publication %d: %d seen, median wait %v with cascades, %v without; want %d seen, shorter with", pos, len(with.StoryDelays[pos]), a, b, cfg.Stories)
		}
	}
}

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 6, 8, 7, 10, 9}
	tests := []struct {
		p    float64
		want time.Duration
	}{{0, 1}, {50, 5}, {90, 9}, {100, 10}}
	for _, tt := range tests {
		if got := Percentile(ds, tt.p); got != tt.want {
			t.Errorf("Percentile(p%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("Percentile(nil) = %v, want 0", got)
	}
}

// TestRunCommand runs the command's output on the real fixtures, small.
func TestRunCommand(t *testing.T) {
	var out bytes.Buffer
	o := options{testdata: filepath.Join("..", "..", "testdata"), sources: 12, days: 0.25, warmup: time.Hour, seed: 1, window: 30, stories: 8}
	if err := run(&out, o); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Models", "fixed", "same req/h", "tune, adaptive:", "report, adaptive + cascades:", "+1m30s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
