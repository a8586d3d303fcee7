package feeds

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
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
	mu  sync.Mutex
	now time.Time
	// live makes the fake's clock time.Now (in a synctest bubble, the
	// bubble's) instead of now.
	live bool
	// extends is the size of each ExtendSources call; takes counts the
	// LeaseSource calls.
	extends []int
	takes   int
	holder  map[string]string
	until   map[string]time.Time
	err     error
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
	f.takes++
	if f.err != nil {
		return false, 0, f.err
	}
	now := f.nowLocked()
	if h, ok := f.holder[id]; ok && h != holder && now.Before(f.until[id]) {
		return false, f.until[id].Sub(now), nil
	}
	f.holder[id], f.until[id] = holder, now.Add(ttl)
	return true, 0, nil
}

func (f *fakeLeases) nowLocked() time.Time {
	if f.live {
		return time.Now()
	}
	return f.now
}

// holding returns the holder of source id's lease and when it lapses.
func (f *fakeLeases) holding(id string) (string, time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.holder[id], f.until[id]
}

func (f *fakeLeases) ExtendSources(ctx context.Context, holder string, leases []SourceLeaseTTL) ([]bool, []error) {
	f.mu.Lock()
	f.extends = append(f.extends, len(leases))
	f.mu.Unlock()
	held := make([]bool, len(leases))
	var errs []error
	for i, x := range leases {
		ok, _, err := f.LeaseSource(ctx, x.ID, holder, x.TTL)
		if err != nil {
			if errs == nil {
				errs = make([]error, len(leases))
			}
			errs[i] = err
		}
		held[i] = ok
	}
	return held, errs
}

// clock is the fake's time, for LeasedPoller.now.
func (f *fakeLeases) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nowLocked()
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
	a.now, b.now = leases.clock, leases.clock
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

// TestLeaseHeldAsTheIntervalGrows runs the scheduler with a leased poller
// on a source that never changes, so that its interval grows from 60 s to
// the 5-minute maximum, while another instance tries to take the source
// every second: the lease must never lapse between the holder's polls,
// and when the holder dies the other takes the source over within the
// grace after the poll that was due, not intervals later.
func TestLeaseHeldAsTheIntervalGrows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leases := newFakeLeases()
		leases.live = true
		var mu sync.Mutex
		var polls []time.Time
		inner := PollFunc(func(_ context.Context, src Source, v Validators) PollResult {
			mu.Lock()
			polls = append(polls, time.Now())
			mu.Unlock()
			if h, until := leases.holding(src.ID); h != "a" || !time.Now().Before(until) {
				t.Errorf("poll at %v with the lease held by %q until %v, want a's", time.Now(), h, until)
			}
			return PollResult{Source: src, Validators: v, Items: []Item{{ID: "same", Title: "Nothing new"}}}
		})
		a := NewLeasedPoller(inner, leases, "a", slog.New(slog.DiscardHandler))
		sched := NewScheduler(a, nil, SchedulerOptions{Scheduled: a.Scheduled, StartupSpread: -1})
		// No interval set: it adapts between 10 s and 5 minutes from 60 s.
		src := Source{ID: "wire", URL: "https://news.example/feed"}
		sched.Set([]Source{src})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			sched.Run(ctx)
			close(done)
		}()
		go a.Run(ctx)

		for range 3600 {
			time.Sleep(time.Second)
			if ok, _, _ := leases.LeaseSource(ctx, src.ID, "b", time.Minute); ok {
				t.Fatalf("b took the source at %v while a polls it (a's polls at %v)", time.Now(), polls)
			}
		}
		st, _ := sched.State(src.ID)
		if st.Interval != DefaultMaxPoll {
			t.Errorf("interval after an hour of no change = %v, want %v", st.Interval, DefaultMaxPoll)
		}
		if n := st.Polls; n < 12 || n > 40 {
			t.Errorf("polls in an hour = %d, want between 12 (5 min) and 40", n)
		}

		// a dies: it polls no more and releases nothing.
		cancel()
		<-done
		due := st.NextDue
		for {
			time.Sleep(time.Second)
			if ok, _, _ := leases.LeaseSource(t.Context(), src.ID, "b", time.Minute); ok {
				break
			}
		}
		if took, limit := time.Now(), due.Add(32*time.Second); took.Before(due) || took.After(limit) {
			t.Errorf("b took over at %v, want between a's next due poll %v and %v", took, due, limit)
		}
	})
}

// TestLeasedPollerExtendsInOneRoundTrip checks that the leases of the
// polls that end together are extended in one call, each until its next
// poll and its grace, and that nothing is extended after Release.
func TestLeasedPollerExtendsInOneRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leases := newFakeLeases()
		leases.live = true
		var inner countingPoller
		p := NewLeasedPoller(&inner, leases, "a", slog.New(slog.DiscardHandler))
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go p.Run(ctx)

		ids := []string{"one", "two", "three"}
		next := time.Now().Add(5 * time.Minute)
		for _, id := range ids {
			p.Poll(ctx, Source{ID: id, URL: "https://" + id + ".example/feed"}, Validators{})
			p.Scheduled(id, next)
		}
		p.Scheduled("never-polled", next) // not held: not extended
		time.Sleep(2 * extendLinger)
		synctest.Wait()
		leases.mu.Lock()
		extends := slices.Clone(leases.extends)
		leases.mu.Unlock()
		if want := []int{3}; !slices.Equal(extends, want) {
			t.Errorf("ExtendSources calls of sizes %v, want %v", extends, want)
		}
		for _, id := range ids {
			if h, until := leases.holding(id); h != "a" || !until.Equal(next.Add(HoldFor(5*time.Minute)-5*time.Minute)) {
				t.Errorf("%s: held by %q until %v, want a's until %v and its grace", id, h, until, next)
			}
		}
		// The next polls need no round trip of their own.
		leases.mu.Lock()
		before, takes := len(leases.extends), leases.takes
		leases.mu.Unlock()
		time.Sleep(time.Until(next))
		for _, id := range ids {
			if r := p.Poll(ctx, Source{ID: id, URL: "https://" + id + ".example/feed"}, Validators{}); r.Skipped {
				t.Errorf("%s: poll at its due time skipped", id)
			}
		}
		if got := inner.n.Load(); got != 6 {
			t.Errorf("inner polls = %d, want 6", got)
		}
		leases.mu.Lock()
		if leases.takes != takes {
			t.Errorf("the polls at their due time took the lease %d times, want 0: it was extended", leases.takes-takes)
		}
		leases.mu.Unlock()

		p.Release(ctx)
		p.Scheduled("one", next.Add(5*time.Minute))
		time.Sleep(2 * extendLinger)
		synctest.Wait()
		leases.mu.Lock()
		after := len(leases.extends)
		leases.mu.Unlock()
		if after != before {
			t.Errorf("extensions after Release: %d calls, want none", after-before)
		}
		if h, _ := leases.holding("one"); h != "" {
			t.Errorf("one held by %q after Release, want free", h)
		}
	})
}

func TestFlushSoon(t *testing.T) {
	base := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name      string
		now, soon time.Time
		want      time.Time
	}{
		{"whole second before soon", base.Add(200 * time.Millisecond), base.Add(7950 * time.Millisecond), base.Add(7 * time.Second)},
		{"soon on a whole second", base.Add(time.Second), base.Add(3 * time.Second), base.Add(3 * time.Second)},
		{"no whole second left before soon", base.Add(200 * time.Millisecond), base.Add(900 * time.Millisecond), base.Add(900 * time.Millisecond)},
		{"the whole second is now", base, base.Add(500 * time.Millisecond), base.Add(500 * time.Millisecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := flushSoon(tt.now, tt.soon)
			if !got.Equal(tt.want) {
				t.Errorf("flushSoon(%v, %v) = %v, want %v", tt.now.Sub(base), tt.soon.Sub(base), got.Sub(base), tt.want.Sub(base))
			}
			if got.After(tt.soon) || !got.After(tt.now) {
				t.Errorf("flushSoon = %v, want in (now %v, soon %v]", got.Sub(base), tt.now.Sub(base), tt.soon.Sub(base))
			}
		})
	}
}
