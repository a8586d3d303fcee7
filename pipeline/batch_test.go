package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// batchingSeen is the store's seen set, recording the sources of each
// MarkSeenMany and counting single MarkSeens; the first MarkSeenMany that
// holds source fail fails that source's poll without marking it.
type batchingSeen struct {
	*store.Store
	mu      sync.Mutex
	batches [][]string
	singles int
	fail    string
}

func (b *batchingSeen) MarkSeen(ctx context.Context, sourceID string, itemIDs []string) ([]string, bool, error) {
	b.mu.Lock()
	b.singles++
	b.mu.Unlock()
	return b.Store.MarkSeen(ctx, sourceID, itemIDs)
}

func (b *batchingSeen) MarkSeenMany(ctx context.Context, polls []store.SeenPoll) []store.SeenResult {
	b.mu.Lock()
	var ids []string
	failAt := -1
	for i, p := range polls {
		ids = append(ids, p.SourceID)
		if p.SourceID == b.fail {
			failAt, b.fail = i, ""
		}
	}
	b.batches = append(b.batches, ids)
	b.mu.Unlock()
	if failAt < 0 {
		return b.Store.MarkSeenMany(ctx, polls)
	}
	rest := slices.Delete(slices.Clone(polls), failAt, failAt+1)
	res := b.Store.MarkSeenMany(ctx, rest)
	return slices.Insert(res, failAt, store.SeenResult{Err: errors.New("injected failure")})
}

func (b *batchingSeen) counts() ([][]string, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.batches), b.singles
}

// batchSources are n sources, s0…
func batchSources(n int) []feeds.Source {
	out := make([]feeds.Source, n)
	for i := range out {
		out[i] = feeds.Source{ID: fmt.Sprintf("s%d", i), URL: fmt.Sprintf("https://example.com/%d", i)}
	}
	return out
}

// runBatching submits a first poll of every source of srcs, then runs a
// pipeline of one worker with opts set by set, and returns it once it has
// done that work.
func runBatching(t *testing.T, seen *batchingSeen, srcs []feeds.Source, set func(*Options)) *Pipeline {
	t.Helper()
	opts := Options{Seen: seen, Stories: seen.Stories(store.StoryOptions{}), Outbox: seen.Store, Workers: 1}
	set(&opts)
	p := New(opts)
	for _, src := range srcs {
		p.Submit(feeds.PollResult{Source: src, Items: []feeds.Item{{ID: src.ID + "-1", SourceID: src.ID, Title: "headline " + src.ID}}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx, time.Second); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	wait.Within(t, 20*time.Second, "the pipeline to finish its work", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.queued) == 0
	})
	return p
}

// Sources ready together are marked seen in one round trip, at most
// BatchSize at a time; a batch of one goes alone.
func TestSeenMarkedInBatches(t *testing.T) {
	tests := []struct {
		name        string
		batchSize   int
		wantBatches [][]string
		wantSingles int
	}{
		{"all at once", 0, [][]string{{"s0", "s1", "s2", "s3", "s4"}}, 0},
		{"by two", 2, [][]string{{"s0", "s1"}, {"s2", "s3"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := &batchingSeen{Store: storetest.Open(t)}
			runBatching(t, seen, batchSources(5), func(o *Options) { o.BatchSize = tt.batchSize })
			batches, singles := seen.counts()
			if !slices.EqualFunc(batches, tt.wantBatches, slices.Equal) || singles != tt.wantSingles {
				t.Errorf("got batches %q and %d single marks, want %q and %d", batches, singles, tt.wantBatches, tt.wantSingles)
			}
		})
	}
}

// A source whose mark fails in a batch is tried again; the others of the
// batch go on.
func TestSeenBatchFailureOfOneSource(t *testing.T) {
	st := storetest.Open(t)
	seen := &batchingSeen{Store: st, fail: "s1"}
	srcs := batchSources(3)
	p := runBatching(t, seen, srcs, func(*Options) {})
	batches, singles := seen.counts()
	if want := [][]string{{"s0", "s1", "s2"}}; !slices.EqualFunc(batches, want, slices.Equal) || singles != 1 {
		t.Errorf("got batches %q and %d single marks, want %q and 1 (s1 again)", batches, singles, want)
	}
	p.mu.Lock()
	marked := len(p.marked)
	p.mu.Unlock()
	if marked != 3 {
		t.Errorf("%d sources marked, want 3", marked)
	}
	for _, src := range srcs {
		fresh, baseline, err := st.MarkSeen(t.Context(), src.ID, []string{src.ID + "-1"})
		if err != nil || baseline || len(fresh) != 0 {
			t.Errorf("%s after the pipeline: fresh %q baseline %v err %v; want its first poll's item seen", src.ID, fresh, baseline, err)
		}
	}
}

// Polls submitted while the pipeline runs are all processed, whatever
// batches they fall into, and their new urgent items alert.
func TestSeenBatchesWhileRunning(t *testing.T) {
	st := storetest.Open(t)
	seen := &batchingSeen{Store: st}
	srcs := batchSources(6)
	var mu sync.Mutex
	var alerted []string
	p := runBatching(t, seen, srcs, func(o *Options) {
		o.BatchSize = 4
		o.OnAlert = func(a Alert) {
			mu.Lock()
			alerted = append(alerted, a.Item.ID)
			mu.Unlock()
		}
	})
	subscribe(t, st, p, store.Subscriber{ChatID: 1, Active: true})
	var want []string
	for i, src := range srcs {
		id := src.ID + "-2"
		want = append(want, id)
		p.Submit(feeds.PollResult{Source: src, Items: []feeds.Item{{ID: id, SourceID: src.ID, Urgent: true, Title: fmt.Sprintf("انفجار في مدينة رقم %d", i)}}})
	}
	wait.Within(t, 20*time.Second, "every new item alerted", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(alerted) == len(want)
	})
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(alerted)
	if !slices.Equal(alerted, want) {
		t.Errorf("alerted %q, want %q", alerted, want)
	}
}
