package feeds

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingPoller counts its polls and succeeds.
type countingPoller struct{ n atomic.Int64 }

func (c *countingPoller) Poll(_ context.Context, src Source, v Validators) PollResult {
	c.n.Add(1)
	return PollResult{Source: src, Validators: v}
}

// fakeLeases leases sources as the store does, on a clock the test moves.
type fakeLeases struct {
	mu     sync.Mutex
	now    time.Time
	holder map[string]string
	until  map[string]time.Time
	err    error
}

func newFakeLeases() *fakeLeases {
	return &fakeLeases{now: time.Unix(1_700_000_000, 0), holder: map[string]string{}, until: map[string]time.Time{}}
}

func (f *fakeLeases) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fakeLeases) LeaseSource(_ context.Context, id, holder string, ttl time.Duration) (bool, time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return false, 0, f.err
	}
	if h, ok := f.holder[id]; ok && h != holder && f.now.Before(f.until[id]) {
		return false, f.until[id].Sub(f.now), nil
	}
	f.holder[id], f.until[id] = holder, f.now.Add(ttl)
	return true, 0, nil
}

func (f *fakeLeases) ReleaseSources(_ context.Context, holder string, ids []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		if f.holder[id] == holder {
			delete(f.holder, id)
			delete(f.until, id)
		}
	}
	return nil
}

func TestLeasedPollerOneInstanceAtATime(t *testing.T) {
	leases := newFakeLeases()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	var innerA, innerB countingPoller
	a := NewLeasedPoller(&innerA, leases, "instance-a", log)
	b := NewLeasedPoller(&innerB, leases, "instance-b", log)
	src := Source{ID: "wire", URL: "https://news.example/feed", Interval: time.Second}
	ttl := LeaseTTL(src) // 2 s

	if r := a.Poll(ctx, src, Validators{}); r.Skipped {
		t.Fatalf("first poll by a skipped: %+v", r)
	}
	r := b.Poll(ctx, src, Validators{ETag: "x"})
	if !r.Skipped || r.RetryAfter <= 0 || r.RetryAfter > ttl+time.Second {
		t.Errorf("b's poll while a holds the lease = %+v, want Skipped with RetryAfter in (0, %v]", r, ttl+time.Second)
	}
	if r.Validators.ETag != "x" || r.Source.ID != "wire" {
		t.Errorf("skipped result = %+v, want the source and its validators kept", r)
	}
	// The holder renews at each poll.
	leases.advance(ttl - 100*time.Millisecond)
	if r := a.Poll(ctx, src, Validators{}); r.Skipped {
		t.Errorf("a's second poll skipped: %+v", r)
	}
	leases.advance(ttl - 100*time.Millisecond)
	if r := b.Poll(ctx, src, Validators{}); !r.Skipped {
		t.Errorf("b polled while a's renewed lease held")
	}
	if got := innerB.n.Load(); got != 0 {
		t.Errorf("b polled %d times while a held the lease, want 0", got)
	}

	// a dies (polls no more): b takes over when the lease lapses, within
	// two intervals of a's last poll.
	leases.advance(200 * time.Millisecond)
	if r := b.Poll(ctx, src, Validators{}); r.Skipped {
		t.Errorf("b's poll after a's lease lapsed skipped: %+v", r)
	}
	if r := a.Poll(ctx, src, Validators{}); !r.Skipped {
		t.Errorf("a came back and polled while b holds the lease")
	}

	// A clean shutdown gives the lease back at once.
	b.Release(ctx)
	if r := a.Poll(ctx, src, Validators{}); r.Skipped {
		t.Errorf("a's poll after b released its leases skipped: %+v", r)
	}
}

func TestLeaseTTL(t *testing.T) {
	for _, iv := range []time.Duration{time.Second, 10 * time.Second, time.Minute, time.Hour} {
		s := Source{Interval: iv}
		if ttl := LeaseTTL(s); ttl <= iv+iv/10 || ttl > 2*iv {
			t.Errorf("lease ttl for a %v interval = %v, want above the interval and its jitter, at most two intervals", iv, ttl)
		}
	}
}

func TestLeasedPollerPollsWhenLeasesAreUnavailable(t *testing.T) {
	leases := newFakeLeases()
	leases.err = errors.New("redis down")
	var inner countingPoller
	p := NewLeasedPoller(&inner, leases, "a", slog.New(slog.DiscardHandler))
	src := Source{ID: "wire", URL: "https://news.example/feed"}
	if r := p.Poll(context.Background(), src, Validators{}); r.Skipped {
		t.Errorf("poll skipped while the leases cannot be asked: %+v", r)
	}
	if got := inner.n.Load(); got != 1 {
		t.Errorf("inner polls = %d, want 1", got)
	}
}

func TestLeasedPollerReleasesOnlyWhatItHolds(t *testing.T) {
	leases := newFakeLeases()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	var inner countingPoller
	a := NewLeasedPoller(&inner, leases, "a", log)
	b := NewLeasedPoller(&inner, leases, "b", log)
	one := Source{ID: "one", URL: "https://one.example/feed"}
	two := Source{ID: "two", URL: "https://two.example/feed"}
	a.Poll(ctx, one, Validators{})
	b.Poll(ctx, two, Validators{})
	a.Poll(ctx, two, Validators{}) // skipped: b holds it
	a.Release(ctx)
	var held []string
	for id, h := range leases.holder {
		held = append(held, id+"="+h)
	}
	slices.Sort(held)
	if want := []string{"two=b"}; !slices.Equal(held, want) {
		t.Errorf("leases after a's release = %v, want %v", held, want)
	}
}
