package main

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aajil/aajil/alerts/story"
	"github.com/aajil/aajil/alerts/story/storycorpus"
	"github.com/aajil/aajil/internal/wait"
)

// storyCorpusPairs returns the test part of the story corpus: real pairs
// of headlines written by two newsrooms (alerts/story/testdata/stories).
func storyCorpusPairs(t *testing.T) [][2]string {
	t.Helper()
	test, err := storycorpus.TestPart("../../alerts/story/testdata/stories")
	if err != nil {
		t.Fatal(err)
	}
	pairs := make([][2]string, len(test))
	for i, p := range test {
		pairs[i] = [2]string{p.ATitle, p.BTitle}
	}
	return pairs
}

// pickIndependentPairs chooses up to n pairs that aajil story merges and n
// it does not, such that no headline of one pair is the same story as a
// headline of another (so the pairs can be published together).
func pickIndependentPairs(pairs [][2]string, n int) (chosen [][2]string, merged []bool) {
	var fps [][2]story.Fingerprint
	counts := map[bool]int{}
	for _, p := range pairs {
		a, b := story.NewFingerprint(p[0]), story.NewFingerprint(p[1])
		v, _ := story.Compare(a, b)
		m := v != story.Different
		if counts[m] == n {
			continue
		}
		independent := true
		for _, q := range fps {
			for _, x := range []story.Fingerprint{a, b} {
				for _, y := range q {
					if v, _ := story.Compare(x, y); v != story.Different {
						independent = false
					}
				}
			}
		}
		if !independent {
			continue
		}
		fps = append(fps, [2]story.Fingerprint{a, b})
		chosen = append(chosen, p)
		merged = append(merged, m)
		counts[m]++
	}
	return chosen, merged
}

// growingFeed is an RSS feed whose items the test sets.
type growingFeed struct {
	mu    sync.Mutex
	items []string
	polls int
}

// set makes items (oldest first) the feed's items; it lists them newest
// first.
func (f *growingFeed) set(items ...string) {
	f.mu.Lock()
	f.items = nil
	for i := len(items) - 1; i >= 0; i-- {
		f.items = append(f.items, items[i])
	}
	f.mu.Unlock()
}

func (f *growingFeed) polled() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polls
}

func (f *growingFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.polls++
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>t</title>`)
	for i, title := range f.items {
		link := itemLink(r.URL.Path, len(f.items)-1-i) // the newest first, as feeds list them
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>%s</guid></item>", html.EscapeString(title), link, link)
	}
	b.WriteString(`</channel></rss>`)
	w.Write([]byte(b.String()))
}

// itemLink is the link of a feed's item number n (counted from the oldest).
func itemLink(path string, n int) string {
	return fmt.Sprintf("https://example.org%s/item-%02d", path, n)
}

// TestRunStoryCorpusPairs: `aajil run` with two sources that publish the
// two sides of real corpus pairs, first every A, then every B. Each B is
// alerted again exactly when `aajil story` calls its pair different.
func TestRunStoryCorpusPairs(t *testing.T) {
	pairs, merged := pickIndependentPairs(storyCorpusPairs(t), 5)
	if len(pairs) < 8 {
		t.Fatalf("only %d independent test pairs", len(pairs))
	}
	feedA, feedB := &growingFeed{}, &growingFeed{}
	srvA, srvB := httptest.NewServer(feedA), httptest.NewServer(feedB)
	defer srvA.Close()
	defer srvB.Close()

	cfgPath := filepath.Join(t.TempDir(), "aajil.yaml")
	cfg := fmt.Sprintf("sources:\n  - id: outlet-a\n    url: %s/a\n    interval: 1s\n    all_urgent: true\n"+
		"  - id: outlet-b\n    url: %s/b\n    interval: 1s\n    all_urgent: true\n", srvA.URL, srvB.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AAJIL_CONFIG": cfgPath, "AAJIL_ALLOW_PRIVATE_SOURCES": "true",
		"AAJIL_HTTP_ADDR": freeAddr(t), "AAJIL_REDIS_URL": os.Getenv("AAJIL_TEST_REDIS_URL")}
	run := startRun(t, env)

	// The first polls are the baseline.
	wait.Within(t, 15*time.Second, "baseline polls", func() bool { return feedA.polled() > 0 && feedB.polled() > 0 })
	var as, bs []string
	for _, p := range pairs {
		as = append(as, p[0])
		bs = append(bs, p[1])
	}
	feedA.set(as...)
	wait.Within(t, 20*time.Second, "every A alerted", func() bool {
		out := run.stdout.String()
		for i := range as {
			if !strings.Contains(out, itemLink("/a", i)) {
				return false
			}
		}
		return true
	})
	// The sentinels come in polls after the one that brought every B, so
	// once the second is printed, every B has been decided.
	const sentinel1, sentinel2 = "Sentinel qzxv one ends the first poll", "Sentinel wkjh two ends the second poll"
	feedB.set(append(bs, sentinel1)...)
	wait.Within(t, 20*time.Second, "first sentinel alerted", func() bool { return strings.Contains(run.stdout.String(), sentinel1) })
	feedB.set(append(bs, sentinel1, sentinel2)...)
	wait.Within(t, 20*time.Second, "second sentinel alerted", func() bool { return strings.Contains(run.stdout.String(), sentinel2) })
	if code := run.stop(); code != 0 {
		t.Errorf("run exited %d; stderr %s", code, run.stderr.String())
	}
	out := run.stdout.String()
	t.Logf("%d corpus pairs through aajil run, %d of them merged by aajil story", len(pairs), countTrue(merged))
	for i, p := range pairs {
		if got := strings.Contains(out, itemLink("/b", i)); got == merged[i] {
			verdict := "different"
			if merged[i] {
				verdict = "same or update"
			}
			t.Errorf("pair %d: B alerted = %v, but aajil story says %s\n  A %s\n  B %s", i, got, verdict, p[0], p[1])
		}
	}
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
