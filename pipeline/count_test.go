package pipeline

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// fakeCounter records the counts, or fails.
type fakeCounter struct {
	mu    sync.Mutex
	names []store.Counter
	calls []map[store.Counter]int64 // AddMany's
	err   error
}

func (f *fakeCounter) AddMany(_ context.Context, counts map[store.Counter]int64, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.calls = append(f.calls, maps.Clone(counts))
	return nil
}

func (f *fakeCounter) addManyCalls() []map[store.Counter]int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeCounter) Add(_ context.Context, c store.Counter, n int64) error {
	if f.err != nil {
		return f.err
	}
	f.names = append(f.names, c)
	return nil
}

// queueN queues n of the deliveries it is given.
type queueN struct{ n int }

func (q queueN) Enqueue(context.Context, []store.Delivery) (int, error) { return q.n, nil }

func TestCountQueued(t *testing.T) {
	var got []int
	o := CountQueued(queueN{n: 3}, func(n int) { got = append(got, n) })
	if n, err := o.Enqueue(context.Background(), make([]store.Delivery, 5)); n != 3 || err != nil {
		t.Errorf("Enqueue = %d, %v; want 3, nil", n, err)
	}
	if !slices.Equal(got, []int{3}) {
		t.Errorf("queued reported %v, want [3]", got)
	}
}

func TestAlertCounter(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantNames []store.Counter
		wantLog   bool
	}{
		{name: "counted", wantNames: []store.Counter{"alerts", "alerts:src:sana"}},
		{name: "store down", err: errors.New("redis down"), wantLog: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeCounter{err: tc.err}
			var log bytes.Buffer
			metric, next := 0, 0
			ac := &AlertCounter{Store: c, Metric: func() { metric++ }, Next: func(Alert) { next++ },
				Log: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			ac.OnAlert(Alert{Source: feeds.Source{ID: "sana"}, Item: feeds.Item{Title: "t", Published: time.Now()}})
			if !slices.Equal(c.names, tc.wantNames) {
				t.Errorf("counted %v, want %v", c.names, tc.wantNames)
			}
			if metric != 1 || next != 1 {
				t.Errorf("metric called %d times, next %d; want 1 and 1", metric, next)
			}
			if got := bytes.Contains(log.Bytes(), []byte("alert not counted")); got != tc.wantLog {
				t.Errorf("logged a failed count: %v, want %v; log:\n%s", got, tc.wantLog, log.String())
			}
		})
	}
}

// TestItemsCountedPerSource: the new items of a source, and its urgent
// ones, are counted in the store; a baseline poll and a repeat count
// nothing.
func TestItemsCountedPerSource(t *testing.T) {
	st := storetest.Open(t)
	counter := &ItemCounter{Store: st, Log: slog.New(slog.DiscardHandler)}
	h := newHarnessWith(t, st, func(o *Options) { o.OnFresh = counter.OnFresh })
	h.poll(sana, item("1", "خبر قديم", true))
	doc := []feeds.Item{item("2", "انفجار في ريف حمص", true), item("3", "افتتاح معرض للكتاب", false), item("1", "خبر قديم", true)}
	h.poll(sana, doc...)
	h.poll(sana, doc...)
	counter.Flush(context.Background())
	names := []store.Counter{store.SourceItems("sana"), store.SourceUrgentItems("sana")}
	got, err := st.CountsMany(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name store.Counter
		want int64
	}{{names[0], 2}, {names[1], 1}} {
		if got[tc.name][1] != tc.want {
			t.Errorf("%s over a day = %d, want %d", tc.name, got[tc.name][1], tc.want)
		}
	}
}

func TestItemCounterLogsAFailedCount(t *testing.T) {
	var log bytes.Buffer
	c := &ItemCounter{Store: &fakeCounter{err: errors.New("redis down")},
		Log: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	c.OnFresh(sana, []feeds.Item{item("1", "t", true)})
	c.Flush(context.Background())
	if !bytes.Contains(log.Bytes(), []byte("items not counted")) {
		t.Errorf("log = %q, want it to say the items were not counted", log.String())
	}
}

// Counts gather and are written together, once, after Every; nothing is
// written for polls without new items.
func TestItemCounterBatches(t *testing.T) {
	f := &fakeCounter{}
	c := &ItemCounter{Store: f, Every: 20 * time.Millisecond, Log: slog.New(slog.DiscardHandler)}
	other := feeds.Source{ID: "bbc"}
	c.OnFresh(sana, []feeds.Item{item("1", "a", true), item("2", "b", false)})
	c.OnFresh(other, nil)
	c.OnFresh(other, []feeds.Item{item("3", "c", false)})
	c.OnFresh(sana, []feeds.Item{item("4", "d", true)})
	wait.For(t, "the gathered counts written", func() bool { return len(f.addManyCalls()) > 0 })
	want := map[store.Counter]int64{
		store.SourceItems("sana"): 3, store.SourceUrgentItems("sana"): 2, store.SourceItems("bbc"): 1,
	}
	if got := f.addManyCalls(); len(got) != 1 || !maps.Equal(got[0], want) {
		t.Errorf("AddMany calls = %v, want one with %v", got, want)
	}
	c.Flush(context.Background()) // nothing gathered: no call
	if got := f.addManyCalls(); len(got) != 1 {
		t.Errorf("AddMany calls after an empty flush = %d, want 1", len(got))
	}
}
