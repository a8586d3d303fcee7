package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store/storetest"
)

// countingPoller counts its polls and succeeds.
type countingPoller struct{ n atomic.Int64 }

func (c *countingPoller) Poll(_ context.Context, src feeds.Source, v feeds.Validators) feeds.PollResult {
	c.n.Add(1)
	return feeds.PollResult{Source: src, Validators: v}
}

func TestLeasedPollerOneInstanceAtATime(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	var innerA, innerB countingPoller
	a := newLeasedPoller(&innerA, st, "instance-a", log)
	b := newLeasedPoller(&innerB, st, "instance-b", log)
	src := feeds.Source{ID: "wire", URL: "https://news.example/feed", Interval: time.Second}
	ttl := sourceLeaseTTL(src) // 2 s

	if r := a.Poll(ctx, src, feeds.Validators{}); r.Skipped {
		t.Fatalf("first poll by a skipped: %+v", r)
	}
	r := b.Poll(ctx, src, feeds.Validators{ETag: "x"})
	if !r.Skipped || r.RetryAfter <= 0 || r.RetryAfter > ttl+time.Second {
		t.Errorf("b's poll while a holds the lease = %+v, want Skipped with RetryAfter in (0, %v]", r, ttl+time.Second)
	}
	if r.Validators.ETag != "x" || r.Source.ID != "wire" {
		t.Errorf("skipped result = %+v, want the source and its validators kept", r)
	}
	// The holder renews at each poll.
	if r := a.Poll(ctx, src, feeds.Validators{}); r.Skipped {
		t.Errorf("a's second poll skipped: %+v", r)
	}
	if got := innerB.n.Load(); got != 0 {
		t.Errorf("b polled %d times while a held the lease, want 0", got)
	}

	// a dies (polls no more): b takes over when the lease lapses, within
	// two intervals of a's last poll.
	time.Sleep(ttl + 100*time.Millisecond)
	if r := b.Poll(ctx, src, feeds.Validators{}); r.Skipped {
		t.Errorf("b's poll after a's lease lapsed skipped: %+v", r)
	}
	if r := a.Poll(ctx, src, feeds.Validators{}); !r.Skipped {
		t.Errorf("a came back and polled while b holds the lease")
	}

	// A clean shutdown gives the lease back at once.
	b.release(ctx)
	if r := a.Poll(ctx, src, feeds.Validators{}); r.Skipped {
		t.Errorf("a's poll after b released its leases skipped: %+v", r)
	}
	for _, iv := range []time.Duration{time.Second, 10 * time.Second, time.Minute, time.Hour} {
		s := feeds.Source{Interval: iv}
		if ttl := sourceLeaseTTL(s); ttl <= iv+iv/10 || ttl > 2*iv {
			t.Errorf("lease ttl for a %v interval = %v, want above the interval and its jitter, at most two intervals", iv, ttl)
		}
	}
}
