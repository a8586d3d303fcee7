package alerts

import (
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The story corpus (alerts/testdata/stories/) holds real headline pairs
// written by different newsrooms, labelled by reading, and split once, by
// news cluster, into a tuning part and a test part (split.tsv). Nothing is
// fitted on the test part; its figures are the ones docs/DEDUP.md reports.

var (
	updateSplit = flag.Bool("update-split", false, "add the corpus groups missing from alerts/testdata/stories/split.tsv (existing groups keep their part)")
	storyReport = flag.String("story-report", "", "print the pairs of this corpus part (tune or test) that Compare gets wrong")
)

const (
	storyCorpusDir   = "testdata/stories"
	storySplitFile   = "testdata/stories/split.tsv"
	storyTestPercent = 40 // share of groups in the test part
)

// corpusPair is one labelled pair of the story corpus.
type corpusPair struct {
	file, group, label  string
	aLang, bLang        string
	aOutlet, bOutlet    string
	aTime, bTime        string
	aTitle, bTitle      string
	aURL, bURL          string
	note                string
	line                int
	aFP, bFP            Fingerprint
	verdict             Verdict
	score               float64
	explained           Explanation
	part                string
	kind                string // ar, en, xl (Arabic–English)
	wantMerged, merged  bool
	aSource, bSourceRef string
}

// readStoryCorpus reads every pair file of the corpus.
func readStoryCorpus(tb testing.TB) []*corpusPair {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(storyCorpusDir, "*.tsv"))
	if err != nil {
		tb.Fatal(err)
	}
	var out []*corpusPair
	for _, f := range files {
		if filepath.Base(f) == "split.tsv" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			c := strings.Split(line, "\t")
			if len(c) != 15 {
				tb.Errorf("%s:%d: %d columns, want 15", f, i+1, len(c))
				continue
			}
			p := &corpusPair{
				file: filepath.Base(f), line: i + 1, group: c[0], label: c[1], aLang: c[2], bLang: c[3],
				aOutlet: c[4], aTime: c[5], aURL: c[6], aSource: c[7], aTitle: c[8],
				bOutlet: c[9], bTime: c[10], bURL: c[11], bSourceRef: c[12], bTitle: c[13], note: c[14],
			}
			out = append(out, p)
		}
	}
	return out
}

// corpusTime reads a pair's time column: RFC 3339, or a date alone.
func corpusTime(s string) (int64, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.Unix(), true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		// A date alone: noon, so that two dates a few days apart are
		// days apart, and one date is the same time.
		return t.Add(12 * time.Hour).Unix(), true
	}
	return 0, false
}

// readStorySplit reads split.tsv: group → part.
func readStorySplit(tb testing.TB) map[string]string {
	tb.Helper()
	split := map[string]string{}
	data, err := os.ReadFile(storySplitFile)
	if err != nil {
		if os.IsNotExist(err) {
			return split
		}
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		g, part, _ := strings.Cut(line, "\t")
		split[g] = part
	}
	return split
}

// storySplitPart puts a new group in a part by a hash of its name, so the
// split depends on nothing but the group.
func storySplitPart(group string) string {
	h := fnv.New32a()
	h.Write([]byte(group))
	if h.Sum32()%100 < storyTestPercent {
		return "test"
	}
	return "tune"
}

// TestStorySplit checks that every group of the corpus has its part, and
// with -update-split adds the missing ones.
func TestStorySplit(t *testing.T) {
	pairs := readStoryCorpus(t)
	split := readStorySplit(t)
	var missing []string
	for _, p := range pairs {
		if _, ok := split[p.group]; !ok && !slices.Contains(missing, p.group) {
			missing = append(missing, p.group)
		}
	}
	if len(missing) == 0 {
		return
	}
	if !*updateSplit {
		t.Fatalf("%d corpus groups have no part in %s (e.g. %q): run go test -run TestStorySplit ./alerts/ -update-split", len(missing), storySplitFile, missing[0])
	}
	slices.Sort(missing)
	f, err := os.OpenFile(storySplitFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if len(split) == 0 {
		fmt.Fprintln(f, "# The frozen split of the story corpus by group: group<TAB>part (tune or test).")
		fmt.Fprintf(f, "# A new group is placed by FNV-1a of its name (%d%% test) and never moved.\n", storyTestPercent)
	}
	for _, g := range missing {
		fmt.Fprintf(f, "%s\t%s\n", g, storySplitPart(g))
	}
}

// TestStoryCorpusWellFormed checks every pair: known labels and languages,
// titles present, times readable, provenance given, no pair twice.
func TestStoryCorpusWellFormed(t *testing.T) {
	seen := map[string]string{}
	for _, p := range readStoryCorpus(t) {
		where := fmt.Sprintf("%s:%d", p.file, p.line)
		if p.label != "same" && p.label != "update" && p.label != "different" {
			t.Errorf("%s: label %q, want same, update or different", where, p.label)
		}
		for _, l := range []string{p.aLang, p.bLang} {
			if l != "ar" && l != "en" {
				t.Errorf("%s: language %q, want ar or en", where, l)
			}
		}
		if p.aTitle == "" || p.bTitle == "" {
			t.Errorf("%s: titles %q / %q: want two non-empty titles", where, p.aTitle, p.bTitle)
		}
		if p.aTitle == p.bTitle && p.label != "different" {
			t.Errorf("%s: one title twice is not a pair to label %s", where, p.label)
		}
		for _, ts := range []string{p.aTime, p.bTime} {
			if _, ok := corpusTime(ts); !ok {
				t.Errorf("%s: time %q is neither RFC 3339 nor a date", where, ts)
			}
		}
		if p.aSource == "" || p.bSourceRef == "" || p.aOutlet == "" || p.bOutlet == "" {
			t.Errorf("%s: outlet and source are required on both sides", where)
		}
		key := p.aTitle + "\x00" + p.bTitle
		if other, dup := seen[key]; dup {
			t.Errorf("%s: the same pair as %s", where, other)
		}
		seen[key] = where
		seen[p.bTitle+"\x00"+p.aTitle] = where
	}
}

// evaluateStoryCorpus compares every pair of the corpus.
func evaluateStoryCorpus(tb testing.TB) []*corpusPair {
	pairs := readStoryCorpus(tb)
	split := readStorySplit(tb)
	for _, p := range pairs {
		p.part = split[p.group]
		p.kind = p.aLang
		if p.aLang != p.bLang {
			p.kind = "xl"
		}
		p.aFP, p.bFP = NewFingerprint(p.aTitle), NewFingerprint(p.bTitle)
		p.aFP.At, _ = corpusTime(p.aTime)
		p.bFP.At, _ = corpusTime(p.bTime)
		p.explained = Explain(p.aFP, p.bFP)
		p.verdict, p.score = p.explained.Verdict, p.explained.Score
		p.wantMerged = p.label != "different"
		p.merged = p.verdict != Different
	}
	return pairs
}

// storyRates are the corpus figures of one part and kind.
type storyRates struct {
	same, sameMerged int // same-event pairs (same or update), merged
	diff, diffMerged int // different-event pairs, merged
	upd, updMerged   int // of the same-event pairs, the updates
}

func (r storyRates) String() string {
	pct := func(a, b int) string {
		if b == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f%% (%d/%d)", 100*float64(a)/float64(b), a, b)
	}
	return fmt.Sprintf("same-event merged %s, updates merged %s, different-event merged %s",
		pct(r.sameMerged, r.same), pct(r.updMerged, r.upd), pct(r.diffMerged, r.diff))
}

func storyCorpusRates(pairs []*corpusPair) map[string]storyRates {
	rates := map[string]storyRates{}
	for _, p := range pairs {
		for _, k := range []string{p.part + " " + p.kind, p.part + " all"} {
			r := rates[k]
			if p.wantMerged {
				r.same++
				if p.merged {
					r.sameMerged++
				}
				if p.label == "update" {
					r.upd++
					if p.merged {
						r.updMerged++
					}
				}
			} else {
				r.diff++
				if p.merged {
					r.diffMerged++
				}
			}
			rates[k] = r
		}
	}
	return rates
}

// TestStoryCorpus measures the comparison on the real corpus, logs both
// parts' figures, and holds the test part to the targets: no more than 1%
// of different-event pairs merged, and the same-event merge rates no lower
// than the floors below (the figures measured when the method was frozen,
// rounded down; docs/DEDUP.md).
func TestStoryCorpus(t *testing.T) {
	pairs := evaluateStoryCorpus(t)
	if len(pairs) == 0 {
		t.Fatal("no corpus pairs")
	}
	rates := storyCorpusRates(pairs)
	keys := make([]string, 0, len(rates))
	for k := range rates {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Logf("%-10s %v", k, rates[k])
	}
	if *storyReport != "" {
		for _, p := range pairs {
			if p.part == *storyReport && p.wantMerged != p.merged {
				fmt.Printf("%s:%d %s %s want %s got %s %.3f\n  A %s\n  B %s\n  matched %v\n  conflicts %v\n  onlyA %v\n  onlyB %v\n",
					p.file, p.line, p.group, p.kind, p.label, p.verdict, p.score, p.aTitle, p.bTitle,
					p.explained.Matched, p.explained.Conflicts, p.explained.OnlyA, p.explained.OnlyB)
			}
		}
	}
	test := rates["test all"]
	if test.diff == 0 || test.same == 0 {
		t.Fatalf("test part: %v: want both kinds of pairs", test)
	}
	if got := float64(test.diffMerged) / float64(test.diff); got > 0.01 {
		// The pairs are not listed here: whoever tunes the method must
		// not see the test part's errors (-story-report=test lists them).
		t.Errorf("test part: %.1f%% of different-event pairs merged, want ≤ 1%%", 100*got)
	}
	for kind, floor := range storyCorpusFloors {
		r := rates["test "+kind]
		if r.same == 0 {
			t.Errorf("test part has no %s same-event pairs", kind)
			continue
		}
		if got := float64(r.sameMerged) / float64(r.same); got < floor {
			t.Errorf("test part %s: %.1f%% of same-event pairs merged, want ≥ %.0f%%", kind, 100*got, 100*floor)
		}
	}
}

// storyCorpusFloors are the least same-event merge rates of the test part,
// by kind (ar, en, xl).
var storyCorpusFloors = map[string]float64{
	"ar": 0.28, // measured 29.5%
	"en": 0.15, // measured 17.4%
	"xl": 0.0,  // measured 0% of 3; reported, not held
}

var storyTune = flag.Bool("story-tune", false, "try a grid of thresholds and weights on the tuning part of the story corpus and print the best")

// storyGrid returns the decision parameters the tuning tool tries: every
// combination of the values below.
func storyGrid() []storyParams {
	grid := []storyParams{storyDefaults}
	vary := func(values []float64, set func(*storyParams, float64)) {
		var next []storyParams
		for _, p := range grid {
			for _, v := range values {
				set(&p, v)
				next = append(next, p)
			}
		}
		grid = next
	}
	vary([]float64{0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65}, func(p *storyParams, v float64) { p.same = v })
	vary([]float64{1, 1.5, 2, 2.5, 3}, func(p *storyParams, v float64) { p.penalty = v })
	vary([]float64{5, 8}, func(p *storyParams, v float64) { p.entity = v })
	vary([]float64{0, 1}, func(p *storyParams, v float64) { p.events = v == 1 })
	vary([]float64{0, 4, 6, 8}, func(p *storyParams, v float64) { p.subst = v })
	vary([]float64{0.55, 0.75}, func(p *storyParams, v float64) { p.update = v })
	return grid
}

// TestStoryTune is the tuning tool: with -story-tune it scores a grid of
// decision parameters on the tuning part only (never the test part) and
// prints, for each, the share of same-event pairs merged and of
// different-event pairs merged.
func TestStoryTune(t *testing.T) {
	if !*storyTune {
		t.Skip("a tool: run with -story-tune")
	}
	var tune []*corpusPair
	for _, p := range evaluateStoryCorpus(t) {
		if p.part == "tune" {
			tune = append(tune, p)
		}
	}
	type result struct {
		p          storyParams
		same, diff float64
	}
	var results []result
	for _, p := range storyGrid() {
		var sm, sn, dm, dn int
		for _, c := range tune {
			v := storyExplain(c.aFP, c.bFP, p, false).Verdict
			if c.wantMerged {
				sn++
				if v != Different {
					sm++
				}
			} else {
				dn++
				if v != Different {
					dm++
				}
			}
		}
		results = append(results, result{p, float64(sm) / float64(sn), float64(dm) / float64(dn)})
	}
	slices.SortFunc(results, func(a, b result) int {
		switch {
		case (a.diff <= 0.01) != (b.diff <= 0.01):
			if a.diff <= 0.01 {
				return -1
			}
			return 1
		case a.diff <= 0.01 && a.same != b.same:
			if a.same > b.same {
				return -1
			}
			return 1
		case a.diff != b.diff:
			if a.diff < b.diff {
				return -1
			}
			return 1
		case a.same != b.same:
			if a.same > b.same {
				return -1
			}
			return 1
		}
		return 0
	})
	best := map[float64]bool{}
	for _, r := range results {
		if best[r.diff] {
			continue
		}
		best[r.diff] = true
		fmt.Printf("diff merged %5.1f%%  same merged %5.1f%%  %+v\n", 100*r.diff, 100*r.same, r.p)
	}
	// The best candidates at the lowest rates, with the rule-derived
	// regression sets (hard negatives must stay unmerged).
	negatives := readStoryPairs(t, "testdata/story_hard_negatives.tsv")
	rewordings := readStoryPairs(t, "testdata/story_rewordings.tsv")
	rate := func(pairs []storyPair, p storyParams) float64 {
		n := 0
		for _, x := range pairs {
			if storyExplain(NewFingerprint(x.a), NewFingerprint(x.b), p, false).Verdict != Different {
				n++
			}
		}
		return float64(n) / float64(len(pairs))
	}
	shown := map[float64]int{}
	for _, r := range results {
		if r.diff > 0.01 || shown[r.p.subst] == 3 {
			continue
		}
		shown[r.p.subst]++
		fmt.Printf("diff %4.1f%% same %4.1f%% rule-derived negatives merged %4.1f%% rewordings merged %4.1f%%  %+v\n",
			100*r.diff, 100*r.same, 100*rate(negatives, r.p), 100*rate(rewordings, r.p), r.p)
	}
}
