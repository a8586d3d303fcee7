package pipeline

import (
	"fmt"
	"testing"

	"github.com/aajil/aajil/alerts/story"
	"github.com/aajil/aajil/alerts/story/storycorpus"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store/storetest"
)

// TestStoryCorpusThroughThePipeline: two sources publish the two sides of
// every pair of the corpus's test part, one pair at a time on a fresh
// Redis prefix. The second report is alerted again exactly when Compare
// (what `aajil story` prints) calls the pair different: the index finds the
// first story through the keys, and the pipeline decides as Compare does.
func TestStoryCorpusThroughThePipeline(t *testing.T) {
	pairs, err := storycorpus.TestPart("../alerts/story/testdata/stories")
	if err != nil {
		t.Fatal(err)
	}
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
		v, _ := story.Compare(story.NewFingerprint(p.ATitle), story.NewFingerprint(p.BTitle))
		want := 2
		if v != story.Different {
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
			h.poll(a, item("a", p.ATitle, true))
			h.poll(b, item("b", p.BTitle, true))
			if got := len(h.titles()); got != want {
				t.Errorf("%d alerts, want %d (aajil story says %s)\n  A %s\n  B %s", got, want, v, p.ATitle, p.BTitle)
			}
		})
	}
	t.Logf("%d pairs through the pipeline: %d merged, %d alerted twice, as aajil story decides", len(pairs), merged, separate)
}
