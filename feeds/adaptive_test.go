package feeds

import (
	"context"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestPolicyOf(t *testing.T) {
	tests := []struct {
		name  string
		src   Source
		fixed bool
		want  pollPolicy
	}{
		{"nothing set adapts", Source{}, false, pollPolicy{base: DefaultInterval, lo: DefaultMinPoll, hi: DefaultMaxPoll, adaptive: true}},
		{"nothing set, fixed everywhere", Source{}, true, pollPolicy{base: DefaultInterval, lo: DefaultInterval, hi: DefaultInterval}},
		{"interval only is fixed", Source{Interval: 30 * time.Second}, false, pollPolicy{base: 30 * time.Second, lo: 30 * time.Second, hi: 30 * time.Second}},
		{"min only", Source{MinInterval: 5 * time.Second}, false, pollPolicy{base: DefaultInterval, lo: 5 * time.Second, hi: DefaultMaxPoll, adaptive: true}},
		{"max below default min", Source{MaxInterval: 5 * time.Second}, false, pollPolicy{base: 5 * time.Second, lo: 5 * time.Second, hi: 5 * time.Second}},
		{"pinned", Source{Interval: 20 * time.Second, MinInterval: 20 * time.Second, MaxInterval: 20 * time.Second}, false, pollPolicy{base: 20 * time.Second, lo: 20 * time.Second, hi: 20 * time.Second}},
		{"bounds with fixed everywhere still adapt", Source{MinInterval: time.Second, MaxInterval: time.Minute}, true, pollPolicy{base: time.Minute, lo: time.Second, hi: time.Minute, adaptive: true}},
		{"telegram stays at or above its default", Source{Kind: KindTelegram}, false, pollPolicy{base: DefaultTelegramInterval, lo: DefaultTelegramInterval, hi: DefaultMaxPoll, adaptive: true}},
		{"telegram with max only", Source{Kind: KindTelegram, MaxInterval: 2 * time.Minute}, false, pollPolicy{base: DefaultTelegramInterval, lo: DefaultTelegramInterval, hi: 2 * time.Minute, adaptive: true}},
		{"telegram below its default when min says so", Source{Kind: KindTelegram, MinInterval: 5 * time.Second}, false, pollPolicy{base: DefaultTelegramInterval, lo: 5 * time.Second, hi: DefaultMaxPoll, adaptive: true}},
		{"telegram max below its default pins", Source{Kind: KindTelegram, MaxInterval: 12 * time.Second}, false, pollPolicy{base: 12 * time.Second, lo: 12 * time.Second, hi: 12 * time.Second}},
		{"telegram interval only is fixed", Source{Kind: KindTelegram, Interval: 20 * time.Second}, false, pollPolicy{base: 20 * time.Second, lo: 20 * time.Second, hi: 20 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policyOf(tt.src, tt.fixed); got != tt.want {
				t.Errorf("policyOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNextInterval(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	adaptive := pollPolicy{base: time.Minute, lo: 10 * time.Second, hi: 5 * time.Minute, adaptive: true}
	busy := Rate{Items: 60, Span: time.Hour} // one a minute
	tests := []struct {
		name    string
		st      adaptState
		ob      observation
		want    time.Duration // exact, or 0 to check the range
		lo, hi  time.Duration
		wantWhy IntervalReason
		shorter bool // than st.interval
		longer  bool
	}{
		{name: "fixed stays", st: adaptState{policy: pollPolicy{base: time.Minute, lo: time.Minute, hi: time.Minute}},
			ob: observation{now: now, elapsed: time.Minute, fresh: 5}, want: time.Minute, wantWhy: ReasonFixed},
		{name: "baseline keeps the base", st: adaptState{policy: adaptive},
			ob: observation{now: now, baseline: true, fresh: 20}, want: time.Minute, wantWhy: ReasonLearned},
		{name: "unchanged poll lengthens by at most a step", st: adaptState{policy: adaptive, interval: time.Minute},
			ob: observation{now: now, elapsed: time.Minute}, lo: 70 * time.Second, hi: 75 * time.Second, wantWhy: ReasonLearned},
		{name: "new items on a busy source shorten at once", st: adaptState{policy: adaptive, interval: time.Minute, rate: busy},
			ob: observation{now: now, elapsed: time.Minute, fresh: 1}, lo: 10 * time.Second, hi: 20 * time.Second, wantWhy: ReasonLearned},
		{name: "urgent items weigh more", st: adaptState{policy: adaptive, interval: time.Minute, rate: Rate{Items: 6, Span: time.Hour}},
			ob: observation{now: now, elapsed: time.Minute, fresh: 10, urgent: 10}, lo: 10 * time.Second, hi: 30 * time.Second, wantWhy: ReasonLearned},
		{name: "quiet source reaches the maximum", st: adaptState{policy: adaptive, interval: 5 * time.Minute, rate: Rate{Span: 2 * time.Hour}},
			ob: observation{now: now, elapsed: 5 * time.Minute}, want: 5 * time.Minute, wantWhy: ReasonLearned},
		{name: "cascade polls every CascadePoll", st: adaptState{policy: adaptive, interval: 2 * time.Minute, cascadeUntil: now.Add(time.Minute)},
			ob: observation{now: now, elapsed: time.Minute}, want: CascadePoll, wantWhy: ReasonCascade},
		{name: "cascade keeps a busier source's own interval", st: adaptState{policy: adaptive, interval: 12 * time.Second, rate: Rate{Items: 300, Span: time.Hour}, cascadeUntil: now.Add(time.Minute)},
			ob: observation{now: now, elapsed: 12 * time.Second, fresh: 1}, lo: 10 * time.Second, hi: 20 * time.Second, wantWhy: ReasonCascade},
		{name: "cascade not below min_interval", st: adaptState{policy: pollPolicy{base: 2 * time.Minute, lo: time.Minute, hi: 5 * time.Minute, adaptive: true}, interval: 2 * time.Minute, cascadeUntil: now.Add(time.Minute)},
			ob: observation{now: now, elapsed: time.Minute}, want: time.Minute, wantWhy: ReasonCascade},
		{name: "cascade over", st: adaptState{policy: adaptive, interval: 2 * time.Minute, cascadeUntil: now},
			ob: observation{now: now, baseline: true}, want: 2 * time.Minute, wantWhy: ReasonLearned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got, why := nextInterval(tt.st, tt.ob)
			if why != tt.wantWhy {
				t.Errorf("reason = %q, want %q", why, tt.wantWhy)
			}
			if tt.want != 0 && got != tt.want {
				t.Errorf("interval = %v, want %v", got, tt.want)
			}
			if tt.want == 0 && (got < tt.lo || got > tt.hi) {
				t.Errorf("interval = %v, want within [%v, %v]", got, tt.lo, tt.hi)
			}
		})
	}
}

func TestIntervalForGap(t *testing.T) {
	tests := []struct {
		gap, want time.Duration
	}{
		{2 * time.Hour, 30 * time.Minute},                 // a quarter
		{busyGap, busyGap / 4},                            // both rules meet
		{busyGap / 4, busyGap / 32},                       // a quarter of √¼
		{5 * time.Minute, 30619 * time.Millisecond},       // 0.25 × 5 min × √(1/6)
		{7500 * time.Millisecond, 121 * time.Millisecond}, // 0.25 × 7.5 s × √(1/240)
	}
	for _, tt := range tests {
		got := time.Duration(intervalForGap(float64(tt.gap)))
		if d := got - tt.want; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("intervalForGap(%v) = %v, want %v", tt.gap, got, tt.want)
		}
		if back := time.Duration(gapForInterval(float64(got))); back-tt.gap < -time.Millisecond || back-tt.gap > time.Millisecond {
			t.Errorf("gapForInterval(%v) = %v, want %v", got, back, tt.gap)
		}
	}
}

func TestAdapter(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	a := NewAdapter(Source{}, false)
	if !a.Adaptive() {
		t.Fatal("a source with no interval fields does not adapt")
	}
	d, why := a.Observe(&PollResult{Started: t0, Items: []Item{{ID: "a"}, {ID: "b"}}})
	if d != DefaultInterval || why != ReasonLearned || a.Rate().Items != 0 {
		t.Errorf("baseline: %v (%s), rate %+v; want %v (learned), nothing counted", d, why, a.Rate(), DefaultInterval)
	}
	d, _ = a.Observe(&PollResult{Started: t0.Add(time.Minute), Items: []Item{{ID: "c", Urgent: true}, {ID: "a"}, {ID: "b"}}})
	if got, want := a.Rate().Items, urgentWeight; got != want {
		t.Errorf("rate items after one new urgent item = %v, want %v", got, want)
	}
	if d >= DefaultInterval {
		t.Errorf("interval after a new urgent item = %v, want shorter than %v", d, DefaultInterval)
	}
	if d2, _ := a.Observe(&PollResult{Started: t0.Add(2 * time.Minute), NotModified: true}); d2 <= d {
		t.Errorf("interval after a 304 = %v, want longer than %v", d2, d)
	}
	until := t0.Add(3 * time.Minute)
	if !a.Cascade(until) || !a.CascadeUntil().Equal(until) {
		t.Fatalf("Cascade on an adaptive source: until %v, want %v", a.CascadeUntil(), until)
	}
	if d, why := a.Observe(&PollResult{Started: t0.Add(150 * time.Second), NotModified: true}); d < DefaultMinPoll || d > CascadePoll || why != ReasonCascade {
		t.Errorf("in a cascade: %v (%s), want within [%v, %v] (cascade)", d, why, DefaultMinPoll, CascadePoll)
	}
	a.Reconfigure(Source{Interval: 30 * time.Second}, false)
	if a.Adaptive() || a.Cascade(until) {
		t.Error("a source reconfigured to a fixed interval still adapts")
	}
	if d, why := a.Observe(&PollResult{Started: t0.Add(4 * time.Minute), NotModified: true}); d != 30*time.Second || why != ReasonFixed {
		t.Errorf("fixed: %v (%s), want 30s (fixed)", d, why)
	}
}

func TestCascadeGate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var g CascadeGate
	tests := []struct {
		at, until time.Duration // after t0
		wantOK    bool
		wantUntil time.Duration
	}{
		{0, 2 * time.Minute, true, 2 * time.Minute},
		{CascadeEvery - time.Second, time.Hour, false, 0},
		{CascadeEvery, time.Hour, true, CascadeEvery + CascadeMaxFor},
	}
	for _, tt := range tests {
		until, ok := g.Start(t0.Add(tt.at), t0.Add(tt.until))
		if ok != tt.wantOK || (ok && !until.Equal(t0.Add(tt.wantUntil))) {
			t.Errorf("Start at +%v until +%v = %v, %v; want +%v, %v", tt.at, tt.until, until.Sub(t0), ok, tt.wantUntil, tt.wantOK)
		}
	}
}

func TestCascadeDue(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	half := func() float64 { return 0.5 }
	tests := []struct {
		next       time.Duration
		want       time.Duration
		wantPulled bool
	}{
		{CascadeLead, CascadeLead, false},
		{time.Second, time.Second, false},
		{CascadeLead + time.Millisecond, CascadeSpread / 2, true},
		{5 * time.Minute, CascadeSpread / 2, true},
	}
	for _, tt := range tests {
		due, pulled := CascadeDue(now, now.Add(tt.next), half)
		if got := due.Sub(now); got != tt.want || pulled != tt.wantPulled {
			t.Errorf("CascadeDue(next +%v) = +%v, %v; want +%v, %v", tt.next, got, pulled, tt.want, tt.wantPulled)
		}
	}
}

func TestItemSetDiff(t *testing.T) {
	seed := maphash.MakeSeed()
	old, fresh, urgent := itemSet(nil).diff(seed, []Item{{ID: "a"}, {ID: "b"}})
	if fresh != 2 || urgent != 0 {
		t.Fatalf("first diff: fresh %d urgent %d, want 2 0", fresh, urgent)
	}
	_, fresh, urgent = old.diff(seed, []Item{{ID: "c", Urgent: true}, {ID: "a"}, {ID: "d"}})
	if fresh != 2 || urgent != 1 {
		t.Errorf("second diff: fresh %d urgent %d, want 2 1", fresh, urgent)
	}
}

// TestSchedulerAdaptsToNewItems runs the scheduler in a bubble: a source
// that has a new item at every poll is polled faster and faster down to
// its minimum; a quiet one slower up to its maximum.
func TestSchedulerAdaptsToNewItems(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		n := map[string]int{}
		p := PollFunc(func(_ context.Context, src Source, _ Validators) PollResult {
			mu.Lock()
			defer mu.Unlock()
			n[src.ID]++
			if src.ID == "quiet" {
				return PollResult{Items: []Item{{ID: "same"}}}
			}
			return PollResult{Items: []Item{{ID: fmt.Sprint(n[src.ID])}}}
		})
		s := NewScheduler(p, nil, SchedulerOptions{Jitter: -1, StartupSpread: -1})
		s.Set([]Source{
			{ID: "busy", URL: "http://a.example/busy"},
			{ID: "quiet", URL: "http://b.example/quiet"},
			{ID: "channel", URL: "https://t.me/s/example_news", Kind: KindTelegram},
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = s.Run(ctx); close(done) }()
		time.Sleep(2 * time.Hour)
		synctest.Wait()
		busy, _ := s.State("busy")
		quiet, _ := s.State("quiet")
		channel, _ := s.State("channel")
		cancel()
		<-done
		if busy.Interval != DefaultMinPoll || busy.IntervalReason != ReasonLearned {
			t.Errorf("busy: interval %v (%s), want %v (learned)", busy.Interval, busy.IntervalReason, DefaultMinPoll)
		}
		if channel.Interval != DefaultTelegramInterval {
			t.Errorf("busy telegram channel: interval %v (%s), want %v", channel.Interval, channel.IntervalReason, DefaultTelegramInterval)
		}
		if quiet.Interval != DefaultMaxPoll {
			t.Errorf("quiet: interval %v, want %v", quiet.Interval, DefaultMaxPoll)
		}
		if busy.Rate.PerHour() < 100 {
			t.Errorf("busy: rate %.1f/h, want ≥ 100", busy.Rate.PerHour())
		}
	})
}

func TestSchedulerCascade(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := PollFunc(func(context.Context, Source, Validators) PollResult { return PollResult{} })
		var started []int
		s := NewScheduler(p, nil, SchedulerOptions{Jitter: -1, StartupSpread: -1,
			OnCascade: func(pulled int) { started = append(started, pulled) }})
		s.Set([]Source{
			{ID: "origin", URL: "http://a.example/1"},
			{ID: "far", URL: "http://a.example/2"},
			{ID: "fixed", URL: "http://b.example/3", Interval: time.Minute},
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = s.Run(ctx); close(done) }()
		time.Sleep(time.Second)
		synctest.Wait()
		s.Cascade("origin", time.Now().Add(2*time.Minute))
		for id, want := range map[string]bool{"origin": false, "far": true, "fixed": false} {
			st, _ := s.State(id)
			if got := st.NextDue.Sub(time.Now()) <= CascadeSpread; got != want {
				t.Errorf("%s pulled forward = %v, want %v (due in %v)", id, got, want, st.NextDue.Sub(time.Now()))
			}
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if st, _ := s.State("far"); st.IntervalReason != ReasonCascade || st.Interval != CascadePoll {
			t.Errorf("far: interval %v (%s), want %v (cascade)", st.Interval, st.IntervalReason, CascadePoll)
		}
		before, _ := s.State("origin")
		s.Cascade("far", time.Now().Add(2*time.Minute)) // within CascadeEvery: dropped
		if after, _ := s.State("origin"); !after.NextDue.Equal(before.NextDue) {
			t.Errorf("a second cascade within %v moved origin from %v to %v", CascadeEvery, before.NextDue, after.NextDue)
		}
		if want := []int{1}; !slices.Equal(started, want) {
			t.Errorf("OnCascade calls (polls brought forward) = %v, want %v", started, want)
		}
		cancel()
		<-done
	})
}

func TestValidateIntervalBounds(t *testing.T) {
	tests := []struct {
		name       string
		iv, lo, hi time.Duration
		want       []string // fields in error
	}{
		{"none", 0, 0, 0, nil},
		{"bounds", time.Minute, 10 * time.Second, 5 * time.Minute, nil},
		{"pinned", time.Minute, time.Minute, time.Minute, nil},
		{"min below a second", 0, time.Millisecond, 0, []string{"min_interval"}},
		{"max below a second", 0, 0, time.Millisecond, []string{"max_interval"}},
		{"min above max", 0, time.Minute, time.Second, []string{"min_interval"}},
		{"interval below min", time.Second, time.Minute, 0, []string{"interval"}},
		{"interval above max", time.Hour, 0, time.Minute, []string{"interval"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Source{ID: "a", URL: "https://example.org/feed", Interval: tt.iv, MinInterval: tt.lo, MaxInterval: tt.hi}
			var got []string
			if err := s.Validate(); err != nil {
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					got = append(got, e.(*FieldError).Field)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("fields in error = %v, want %v", got, tt.want)
			}
		})
	}
}
