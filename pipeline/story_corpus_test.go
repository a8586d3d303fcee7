package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store/storetest"
)

// corpusTestPairs returns the pairs of the test part of the story corpus
// (alerts/testdata/stories): two real headlines of two newsrooms each.
func corpusTestPairs(t *testing.T) [][2]string {
	t.Helper()
	dir := "../alerts/testdata/stories"
	split := map[string]string{}
	data, err := os.ReadFile(filepath.Join(dir, "split.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if g, part, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(line, "#") {
			split[g] = part
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var pairs [][2]string
	for _, f := range files {
		if filepath.Base(f) == "split.tsv" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			c := strings.Split(line, "\t")
			if strings.HasPrefix(line, "#") || len(c) != 15 || split[c[0]] != "test" {
				continue
			}
			pairs = append(pairs, [2]string{c[8], c[13]})
		}
	}
	return pairs
}

// TestStoryCorpusThroughThePipeline: two sources publish the two sides of
// every pair of the corpus's test part, one pair at a time on a fresh
// Redis prefix. The second report is alerted again exactly when Compare
// (what `aajil story` prints) calls the pair different: the index finds the
// first story through the keys, and the pipeline decides as Compare does.
func TestStoryCorpusThroughThePipeline(t *testing.T) {
	pairs := corpusTestPairs(t)
	if len(pairs) < 100 {
		t.Fatalf("%d test pairs, want the corpus's test part", len(pairs))
	}
	if testing.Short() {
		pairs = pairs[:40]
	}
	a := feeds.Source{ID: "outlet-a", Name: "A"}
	b := feeds.Source{ID: "outlet-b", Name: "B"}
	merged, separate := 0, 0
	for i, p := range pairs {
		v, _ := alerts.Compare(alerts.NewFingerprint(p[0]), alerts.NewFingerprint(p[1]))
		want := 2
		if v != alerts.Different {
			want = 1
			merged++
		} else {
			separate++
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			st := storetest.Open(t)
			h := newHarness(t, st)
			h.poll(a)
			h.poll(b)
			h.poll(a, item("a", p[0], true))
			h.poll(b, item("b", p[1], true))
			if got := len(h.titles()); got != want {
				t.Errorf("%d alerts, want %d (aajil story says %s)\n  A %s\n  B %s", got, want, v, p[0], p[1])
			}
		})
	}
	t.Logf("%d pairs through the pipeline: %d merged, %d alerted twice, as aajil story decides", len(pairs), merged, separate)
}
