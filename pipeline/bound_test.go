package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/feeds/feedtest"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// logBuffer is a log destination safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A feed of 5,000 items, served over HTTP and read by the real poller: a
// new urgent item that is the newest by date is alerted wherever the feed
// lists it, and so is an undated one at the top.
func TestBigFeedAlertsItsNewestItem(t *testing.T) {
	det, err := alerts.NewDetector(alerts.DefaultMarkers())
	if err != nil {
		t.Fatal(err)
	}
	poller := feeds.NewPoller(feeds.NewFetcher(feeds.NewClient(feeds.ClientOptions{AllowPrivate: true}), ""), det)
	const n = 5000
	for _, c := range feedtest.Placements(n) {
		t.Run(c.Name, func(t *testing.T) {
			var (
				mu  sync.Mutex
				doc = feedtest.BigBBC(t, n, c.Dated, 0, "")
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				mu.Lock()
				body := doc
				mu.Unlock()
				w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
				_, _ = w.Write(body)
			}))
			defer srv.Close()
			st := storetest.Open(t)
			var logs logBuffer
			h := newHarnessWith(t, st, func(o *Options) {
				o.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			subscribe(t, st, h.p, store.Subscriber{ChatID: 1, Active: true})
			src := feeds.Source{ID: "bbc-big", URL: srv.URL + "/rss.xml", MaxBytes: 50 << 20}

			poll := func() {
				t.Helper()
				r := poller.Poll(context.Background(), src, feeds.Validators{})
				if r.Err != nil {
					t.Fatal(r.Err)
				}
				h.p.Submit(r)
				h.waitIdle()
			}
			poll() // the baseline
			mu.Lock()
			doc = feedtest.BigBBC(t, n, c.Dated, c.At, feedtest.QuakeItem(c.New))
			mu.Unlock()
			poll()
			poll() // the same document again

			if got, want := h.titles(), []string{feedtest.QuakeTitle}; !slices.Equal(got, want) {
				t.Errorf("alerts = %q, want %q", got, want)
			}
			out := logs.String()
			if strings.Contains(out, "redis was unavailable") {
				t.Errorf("the log speaks of redis while it was up:\n%s", out)
			}
			if !strings.Contains(out, "the oldest are left out") || !strings.Contains(out, "left_out=3001") {
				t.Errorf("the log does not say what was left out and why:\n%s", out)
			}
		})
	}
}

// flakySeen fails MarkSeen while down is set, as Redis being away would.
type flakySeen struct {
	SeenStore
	mu   sync.Mutex
	down bool
}

func (f *flakySeen) setDown(v bool) {
	f.mu.Lock()
	f.down = v
	f.mu.Unlock()
}

func (f *flakySeen) MarkSeen(ctx context.Context, sourceID string, ids []string) ([]string, bool, error) {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		return nil, false, fmt.Errorf("mark seen: %w", context.DeadlineExceeded)
	}
	return f.SeenStore.MarkSeen(ctx, sourceID, ids)
}

// Items held through an outage are bounded, and the newest are kept: new
// items at the top of an undated feed survive though older ones were held
// first.
func TestOutageKeepsTheNewestHeldItems(t *testing.T) {
	st := storetest.Open(t)
	seen := &flakySeen{SeenStore: st}
	var logs logBuffer
	h := newHarnessWith(t, st, func(o *Options) {
		o.Seen, o.MaxPending = seen, 5
		o.Log = slog.New(slog.NewTextHandler(&logs, nil))
	})
	subscribe(t, st, h.p, store.Subscriber{ChatID: 1, Active: true})
	titles := realTitles(t, 6)
	old := []feeds.Item{item("o1", titles[0], false), item("o2", titles[1], false), item("o3", titles[2], false)}
	h.poll(sana, old...)

	seen.setDown(true)
	items := old
	var want []string
	for i, title := range titles[3:] {
		items = append([]feeds.Item{item(fmt.Sprint("n", i), title, true)}, items...)
		h.p.Submit(feeds.PollResult{Source: sana, Items: items})
		want = append(want, title)
	}
	// Nothing re-lists an item dropped meanwhile: what was held is what
	// is alerted.
	seen.setDown(false)
	h.waitIdle()

	got := h.titles()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("alerts after the outage = %q, want every new item: %q", got, want)
	}
}
