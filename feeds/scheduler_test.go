package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds/feedtest"
	"github.com/aajil/aajil/internal/wait"
)

// call is one Poll seen by the fake poller.
type call struct {
	v          Validators
	start, end time.Time
}

// fakePoller records every call and tracks how many polls run at once,
// overall, per host and per source. behave says what poll number n (from
// 0) of a source does: how long it blocks (or until ctx ends) and what it
// returns.
type fakePoller struct {
	behave func(src Source, n int) (time.Duration, PollResult)

	mu           sync.Mutex
	calls        map[string][]call
	active       int
	maxActive    int
	hostActive   map[string]int
	maxHost      map[string]int
	sourceActive map[string]int
	overlaps     []string
}

func newFakePoller(behave func(src Source, n int) (time.Duration, PollResult)) *fakePoller {
	if behave == nil {
		behave = func(Source, int) (time.Duration, PollResult) { return 0, PollResult{} }
	}
	return &fakePoller{
		behave:       behave,
		calls:        make(map[string][]call),
		hostActive:   make(map[string]int),
		maxHost:      make(map[string]int),
		sourceActive: make(map[string]int),
	}
}

func (p *fakePoller) Poll(ctx context.Context, src Source, v Validators) PollResult {
	host := hostKey(src.URL)
	p.mu.Lock()
	n := len(p.calls[src.ID])
	p.calls[src.ID] = append(p.calls[src.ID], call{v: v, start: time.Now()})
	p.active++
	p.maxActive = max(p.maxActive, p.active)
	p.hostActive[host]++
	p.maxHost[host] = max(p.maxHost[host], p.hostActive[host])
	p.sourceActive[src.ID]++
	if p.sourceActive[src.ID] > 1 {
		p.overlaps = append(p.overlaps, src.ID)
	}
	p.mu.Unlock()

	d, r := p.behave(src, n)
	if d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			r = PollResult{Err: ctx.Err()}
		}
	}

	p.mu.Lock()
	p.active--
	p.hostActive[host]--
	p.sourceActive[src.ID]--
	p.calls[src.ID][n].end = time.Now()
	p.mu.Unlock()
	return r
}

// Calls returns a copy of the calls of source id.
func (p *fakePoller) Calls(id string) []call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]call(nil), p.calls[id]...)
}

func (p *fakePoller) Count(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls[id])
}

// results collects what the consumer receives.
type results struct {
	mu  sync.Mutex
	all []PollResult
}

func (rs *results) consume(_ context.Context, r PollResult) {
	rs.mu.Lock()
	rs.all = append(rs.all, r)
	rs.mu.Unlock()
}

func (rs *results) of(id string) []PollResult {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var out []PollResult
	for _, r := range rs.all {
		if r.Source.ID == id {
			out = append(out, r)
		}
	}
	return out
}

// start runs s until the test ends (or stop is called) and returns stop,
// which cancels Run and waits for it to return.
func start(t *testing.T, s *Scheduler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run() = %v, want nil", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func src(id, host string, interval time.Duration) Source {
	return Source{ID: id, URL: "http://" + host + "/" + id, Interval: interval}
}

func TestSchedulerPollsEachSourceAtItsInterval(t *testing.T) {
	const interval = 30 * time.Millisecond
	fp := newFakePoller(nil)
	var rs results
	s := NewScheduler(fp, rs.consume, SchedulerOptions{})
	var sources []Source
	for i := range 6 {
		sources = append(sources, src(fmt.Sprintf("s%d", i), fmt.Sprintf("h%d.test", i%3), interval))
	}
	// A source with a longer interval must be polled less often.
	sources = append(sources, src("slowpace", "h0.test", 4*interval))
	s.Set(sources)
	began := time.Now()
	stop := start(t, s)
	wait.For(t, "8 polls of every fast source", func() bool {
		for _, sc := range sources[:6] {
			if fp.Count(sc.ID) < 8 {
				return false
			}
		}
		return true
	})
	stop()
	elapsed := time.Since(began)

	for _, sc := range sources {
		got := rs.of(sc.ID)
		iv := sc.EffectiveInterval()
		// Due times are spaced by interval ± 10 % at least; more when a
		// poll starts late, never less.
		for k := 1; k < len(got); k++ {
			if gap := got[k].Due.Sub(got[k-1].Due); gap < iv*9/10 {
				t.Errorf("%s: due gap %d = %v, want ≥ %v", sc.ID, k, gap, iv*9/10)
			}
		}
		// So no more polls than the elapsed time allows.
		if limit := int(elapsed/(iv*9/10)) + 1; len(got) > limit {
			t.Errorf("%s: %d polls in %v, want ≤ %d", sc.ID, len(got), elapsed, limit)
		}
		for _, r := range got {
			if r.Started.Before(r.Due) {
				t.Errorf("%s: started %v before due %v", sc.ID, r.Started, r.Due)
			}
		}
	}
	if fast, slow := fp.Count("s0"), fp.Count("slowpace"); slow >= fast {
		t.Errorf("polls of 4×interval source = %d, of 1×interval source = %d, want fewer", slow, fast)
	}
	st, ok := s.State("s0")
	if !ok {
		t.Fatal(`State("s0") not found`)
	}
	if want := int64(fp.Count("s0")); st.Polls != want {
		t.Errorf("State(s0).Polls = %d, want %d", st.Polls, want)
	}
	if st.LastSuccess.IsZero() || st.Failures != 0 || st.NextDue.IsZero() {
		t.Errorf("State(s0) = %+v, want a success, no failures, a next due time", st)
	}
}

func TestSchedulerFirstPollsSpreadOverInterval(t *testing.T) {
	const n = 8
	fp := newFakePoller(nil)
	// Rand walks 0, 1/n, 2/n, … so the first polls are due evenly over the
	// spread: a herd at startup would put them all at once.
	var k atomic.Int64
	rnd := func() float64 { return float64(k.Add(1)-1) / n }
	var rs results
	s := NewScheduler(fp, rs.consume, SchedulerOptions{Rand: rnd, StartupSpread: 400 * time.Millisecond})
	var sources []Source
	for i := range n {
		sources = append(sources, src(fmt.Sprintf("s%d", i), fmt.Sprintf("h%d.test", i), time.Hour))
	}
	before := time.Now()
	s.Set(sources)
	start(t, s)
	wait.For(t, "every first poll", func() bool {
		for _, sc := range sources {
			if fp.Count(sc.ID) == 0 {
				return false
			}
		}
		return true
	})
	for i, sc := range sources {
		got := rs.of(sc.ID)
		if len(got) == 0 {
			t.Fatalf("%s: no result delivered", sc.ID)
		}
		offset := got[0].Due.Sub(before)
		want := time.Duration(i) * 50 * time.Millisecond
		if offset < want || offset > want+50*time.Millisecond {
			t.Errorf("%s: first due %v after Set, want in [%v, %v]", sc.ID, offset, want, want+50*time.Millisecond)
		}
	}
}

func TestSchedulerPerHostLimit(t *testing.T) {
	fp := newFakePoller(func(Source, int) (time.Duration, PollResult) {
		return 15 * time.Millisecond, PollResult{}
	})
	s := NewScheduler(fp, nil, SchedulerOptions{PerHost: 2, Concurrency: 64})
	var sources []Source
	for i := range 12 {
		// Spellings of one host that must share its limit.
		url := []string{"http://a.test/%d", "http://A.TEST:80/%d", "https://b.test/%d", "https://b.test:443/x%d"}[i%4]
		sources = append(sources, Source{ID: fmt.Sprintf("s%d", i), URL: fmt.Sprintf(url, i), Interval: 5 * time.Millisecond})
	}
	s.Set(sources)
	start(t, s)
	wait.For(t, "5 polls of every source", func() bool {
		for _, sc := range sources {
			if fp.Count(sc.ID) < 5 {
				return false
			}
		}
		return true
	})
	fp.mu.Lock()
	defer fp.mu.Unlock()
	for _, host := range []string{"a.test:80", "b.test:443"} {
		// Six sources of one host always due: the limit is what binds.
		if got := fp.maxHost[host]; got != 2 {
			t.Errorf("max concurrent polls of %s = %d, want 2", host, got)
		}
	}
	if len(fp.maxHost) != 2 {
		t.Errorf("hosts seen = %v, want a.test:80 and b.test:443", fp.maxHost)
	}
}

func TestSchedulerConcurrencyBound(t *testing.T) {
	fp := newFakePoller(func(Source, int) (time.Duration, PollResult) {
		return 10 * time.Millisecond, PollResult{}
	})
	s := NewScheduler(fp, nil, SchedulerOptions{Concurrency: 3, PerHost: 2})
	var sources []Source
	for i := range 20 {
		sources = append(sources, src(fmt.Sprintf("s%d", i), fmt.Sprintf("h%d.test", i), 5*time.Millisecond))
	}
	s.Set(sources)
	start(t, s)
	wait.For(t, "3 polls of every source", func() bool {
		for _, sc := range sources {
			if fp.Count(sc.ID) < 3 {
				return false
			}
		}
		return true
	})
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if fp.maxActive != 3 {
		t.Errorf("max concurrent polls = %d, want 3", fp.maxActive)
	}
}

func TestSchedulerSlowSourceDoesNotDelayOthers(t *testing.T) {
	release := make(chan struct{})
	fp := newFakePoller(func(sc Source, _ int) (time.Duration, PollResult) {
		if sc.ID == "stuck" {
			<-release
		}
		return 0, PollResult{}
	})
	// Two workers: the stuck poll holds one, the others share the other.
	s := NewScheduler(fp, nil, SchedulerOptions{Concurrency: 2})
	s.Set([]Source{
		src("stuck", "slow.test", 5*time.Millisecond),
		src("a", "fast1.test", 10*time.Millisecond),
		src("b", "fast2.test", 10*time.Millisecond),
	})
	start(t, s)
	defer close(release)
	wait.For(t, "the stuck poll to start", func() bool { return fp.Count("stuck") == 1 })
	wait.For(t, "10 polls of each other source", func() bool {
		return fp.Count("a") >= 10 && fp.Count("b") >= 10
	})
	if got := fp.Count("stuck"); got != 1 {
		t.Errorf("polls of the stuck source = %d, want 1 (never two at once)", got)
	}
	st, _ := s.State("a")
	if st.LastLag > 500*time.Millisecond {
		t.Errorf("lag of a fast source = %v, want well under the stuck poll's time", st.LastLag)
	}
}

func TestSchedulerNoConcurrentPollsOfOneSource(t *testing.T) {
	// Each poll takes six intervals: the next must wait for it.
	fp := newFakePoller(func(Source, int) (time.Duration, PollResult) {
		return 30 * time.Millisecond, PollResult{}
	})
	s := NewScheduler(fp, nil, SchedulerOptions{})
	s.Set([]Source{src("long", "h.test", 5*time.Millisecond)})
	start(t, s)
	wait.For(t, "4 polls", func() bool { return fp.Count("long") >= 4 })
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if len(fp.overlaps) > 0 {
		t.Errorf("overlapping polls of %v, want none", fp.overlaps)
	}
	calls := fp.calls["long"]
	for k := 1; k < len(calls); k++ {
		if calls[k].start.Before(calls[k-1].end) {
			t.Errorf("poll %d started at %v, before poll %d ended at %v", k, calls[k].start, k-1, calls[k-1].end)
		}
	}
}

func TestSchedulerBackoffAndRecovery(t *testing.T) {
	const (
		interval = 20 * time.Millisecond
		failing  = 4
	)
	fp := newFakePoller(func(_ Source, n int) (time.Duration, PollResult) {
		if n < failing {
			return 0, PollResult{Err: fmt.Errorf("poll %d: %w", n, errBoom)}
		}
		return 0, PollResult{}
	})
	var rs results
	s := NewScheduler(fp, rs.consume, SchedulerOptions{Rand: constRand(0.5), MaxBackoff: time.Second})
	s.Set([]Source{src("flaky", "h.test", interval)})
	start(t, s)

	wait.For(t, "failing polls", func() bool { return fp.Count("flaky") >= failing })
	st, _ := s.State("flaky")
	if st.Failures < failing-1 || st.LastError == "" || st.LastErrorAt.IsZero() {
		t.Errorf("State while failing = %+v, want ≥ %d failures and the last error", st, failing-1)
	}
	wait.For(t, "recovered polls", func() bool { return fp.Count("flaky") >= failing+3 })

	calls := fp.Calls("flaky")
	var prevGap time.Duration
	for k := 1; k <= failing; k++ {
		// After failure k the next poll waits at least Backoff(k) from
		// the end of the failed one, and the gaps grow.
		want := Backoff(interval, k, 0, time.Second, constRand(0.5))
		gap := calls[k].start.Sub(calls[k-1].end)
		if gap < want {
			t.Errorf("gap after failure %d = %v, want ≥ %v", k, gap, want)
		}
		if k > 1 && gap < prevGap {
			t.Errorf("gap after failure %d = %v, shorter than the previous %v", k, gap, prevGap)
		}
		prevGap = gap
	}
	got := rs.of("flaky")
	for k := failing + 1; k < len(got); k++ {
		// Back at the normal pace: due times interval apart (no jitter
		// with Rand = 0.5), however late the polls started.
		if gap := got[k].Due.Sub(got[k-1].Due); gap < interval || gap > interval+got[k-1].Started.Sub(got[k-1].Due)+got[k-1].Duration {
			t.Errorf("due gap %d after recovery = %v, want the interval %v", k, gap, interval)
		}
	}
	for k, r := range got {
		if wantErr := k < failing; (r.Err != nil) != wantErr || (wantErr && !errors.Is(r.Err, errBoom)) {
			t.Errorf("result %d: Err = %v, want failure %v", k, r.Err, wantErr)
		}
	}
	st, _ = s.State("flaky")
	if st.Failures != 0 || st.Errors != failing || st.LastError == "" || !st.LastSuccess.After(st.LastErrorAt) {
		t.Errorf("State after recovery = %+v, want 0 failures, %d errors, last error kept, success after it", st, failing)
	}
}

var errBoom = errors.New("boom")

func TestSchedulerRetryAfter(t *testing.T) {
	const retry = 150 * time.Millisecond
	fp := newFakePoller(func(_ Source, n int) (time.Duration, PollResult) {
		if n == 0 {
			return 0, PollResult{Err: errBoom, RetryAfter: retry}
		}
		return 0, PollResult{}
	})
	s := NewScheduler(fp, nil, SchedulerOptions{})
	s.Set([]Source{src("limited", "h.test", 10*time.Millisecond)})
	start(t, s)
	wait.For(t, "a second poll", func() bool { return fp.Count("limited") >= 2 })
	calls := fp.Calls("limited")
	if gap := calls[1].start.Sub(calls[0].end); gap < retry {
		t.Errorf("gap after Retry-After %v = %v, want ≥ %v", retry, gap, retry)
	}
}

func TestSchedulerValidators(t *testing.T) {
	// Poll n returns: 0 → ETag e0 and Last-Modified; 1 → 304 without
	// validators; 2 → error; 3 → 304 with a new ETag; 4 → 200 with e4 only.
	results := []PollResult{
		{Validators: Validators{ETag: `"e0"`, LastModified: "Thu, 13 Aug 2026 04:23:37 GMT"}, Items: make([]Item, 3)},
		{NotModified: true},
		{Err: errBoom, Validators: Validators{ETag: `"bogus"`}},
		{NotModified: true, Validators: Validators{ETag: `"e3"`}},
		{Validators: Validators{ETag: `"e4"`}, Items: make([]Item, 2)},
	}
	fp := newFakePoller(func(_ Source, n int) (time.Duration, PollResult) {
		return 0, results[min(n, len(results)-1)]
	})
	s := NewScheduler(fp, nil, SchedulerOptions{MaxBackoff: 10 * time.Millisecond})
	s.Set([]Source{src("v", "h.test", 5*time.Millisecond)})
	start(t, s)
	wait.For(t, "6 polls", func() bool { return fp.Count("v") >= 6 })

	lm := "Thu, 13 Aug 2026 04:23:37 GMT"
	want := []Validators{
		{},
		{ETag: `"e0"`, LastModified: lm},
		{ETag: `"e0"`, LastModified: lm}, // a 304 keeps them
		{ETag: `"e0"`, LastModified: lm}, // an error keeps them
		{ETag: `"e3"`, LastModified: lm}, // a 304 may update them
		{ETag: `"e4"`},                   // a 200 replaces them
	}
	calls := fp.Calls("v")
	for k, w := range want {
		if calls[k].v != w {
			t.Errorf("poll %d sent %+v, want %+v", k, calls[k].v, w)
		}
	}
	st, _ := s.State("v")
	if st.NotModified < 2 || st.Errors != 1 || st.Items < 5 {
		t.Errorf("State = %+v, want ≥ 2 not modified, 1 error, ≥ 5 items", st)
	}
}

func TestSchedulerSetLive(t *testing.T) {
	fp := newFakePoller(nil)
	var rs results
	s := NewScheduler(fp, rs.consume, SchedulerOptions{})
	const iv = 10 * time.Millisecond
	a, b, c := src("a", "h.test", iv), src("b", "h.test", iv), src("c", "h.test", iv)
	s.Set([]Source{a, b})
	start(t, s)
	wait.For(t, "a and b polled", func() bool { return fp.Count("a") >= 2 && fp.Count("b") >= 2 })

	// Pause a, remove b, add c.
	pa := a
	pa.Paused = true
	s.Set([]Source{pa, c})
	changed := time.Now()
	wait.For(t, "c polled 5 times", func() bool { return fp.Count("c") >= 5 })
	for _, id := range []string{"a", "b"} {
		for _, cl := range fp.Calls(id) {
			// A poll in flight during Set may end after it; none starts.
			if cl.start.After(changed) {
				t.Errorf("%s polled at %v, after it was paused or removed at %v", id, cl.start, changed)
			}
		}
	}
	if _, ok := s.State("b"); ok {
		t.Error(`State("b") found after removal, want not found`)
	}
	if st, ok := s.State("a"); !ok || !st.Paused || st.Polls < 2 {
		t.Errorf(`State("a") = %+v, %v; want paused with its polls kept`, st, ok)
	}
	if got := len(s.States()); got != 2 {
		t.Errorf("len(States()) = %d, want 2", got)
	}

	// Resume a; change c's interval (state kept) and then its URL (state
	// reset: no validators, counters from zero).
	nc := c
	nc.Interval = 20 * time.Millisecond
	s.Set([]Source{a, nc})
	resumed := fp.Count("a")
	wait.For(t, "a polled again", func() bool { return fp.Count("a") > resumed })
	if st, _ := s.State("c"); st.Polls < 5 {
		t.Errorf("State(c).Polls after an interval change = %d, want ≥ 5 (kept)", st.Polls)
	}
	nc.URL = "http://other.test/c"
	before := fp.Count("c")
	s.Set([]Source{a, nc})
	wait.For(t, "c polled at its new URL", func() bool { return fp.Count("c") > before+1 })
	st, _ := s.State("c")
	if st.Polls > int64(fp.Count("c")-before) {
		t.Errorf("State(c).Polls = %d after a URL change, want ≤ %d (counted afresh)", st.Polls, fp.Count("c")-before)
	}
	last := rs.of("c")
	if got := last[len(last)-1].Source.URL; got != nc.URL {
		t.Errorf("last result of c is for %q, want %q", got, nc.URL)
	}
}

func TestSchedulerSetBeforeAndDuringRunIsSafe(t *testing.T) {
	fp := newFakePoller(func(Source, int) (time.Duration, PollResult) {
		return time.Millisecond, PollResult{}
	})
	s := NewScheduler(fp, nil, SchedulerOptions{})
	mk := func(n int, paused bool) []Source {
		var out []Source
		for i := range n {
			sc := src(strconv.Itoa(i), fmt.Sprintf("h%d.test", i%5), 5*time.Millisecond)
			sc.Paused = paused && i%2 == 0
			if i%3 == 0 {
				sc.URL += "?v=" + strconv.Itoa(n)
			}
			out = append(out, sc)
		}
		return out
	}
	s.Set(mk(30, false))
	start(t, s)
	// Churn the set from several goroutines while polls are in flight:
	// the race detector and the final state check for mistakes.
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				s.Set(mk(10+(i*7+g)%40, i%2 == 0))
				time.Sleep(time.Millisecond) // paces the churn so that polls run between Sets; not a wait

			}
		})
	}
	wg.Wait()
	final := mk(25, false)
	s.Set(final)
	wait.For(t, "every source of the final set polled", func() bool {
		for _, sc := range final {
			if st, ok := s.State(sc.ID); !ok || st.Polls == 0 {
				return false
			}
		}
		return true
	})
	if got := len(s.States()); got != len(final) {
		t.Errorf("len(States()) = %d, want %d", got, len(final))
	}
	fp.mu.Lock()
	defer fp.mu.Unlock()
	if len(fp.overlaps) > 0 {
		t.Errorf("overlapping polls of %v, want none", fp.overlaps)
	}
}

func TestSchedulerPanickingPollerIsAnError(t *testing.T) {
	fp := newFakePoller(func(sc Source, _ int) (time.Duration, PollResult) {
		if sc.ID == "bad" {
			panic("parser bug")
		}
		return 0, PollResult{}
	})
	var rs results
	s := NewScheduler(fp, rs.consume, SchedulerOptions{})
	s.Set([]Source{src("bad", "h.test", 10*time.Millisecond), src("good", "h.test", 10*time.Millisecond)})
	start(t, s)
	wait.For(t, "both polled twice", func() bool { return fp.Count("bad") >= 2 && fp.Count("good") >= 2 })
	got := rs.of("bad")
	if len(got) == 0 || got[0].Err == nil {
		t.Fatalf("results of the panicking source = %+v, want an error", got)
	}
}

func TestSchedulerRunStopsCleanly(t *testing.T) {
	baseline := runtime.NumGoroutine()
	fp := newFakePoller(func(Source, int) (time.Duration, PollResult) {
		return time.Hour, PollResult{} // returns only when ctx ends
	})
	var rs results
	s := NewScheduler(fp, rs.consume, SchedulerOptions{Concurrency: 8})
	var sources []Source
	for i := range 5 {
		sources = append(sources, src(fmt.Sprintf("s%d", i), fmt.Sprintf("h%d.test", i), 5*time.Millisecond))
	}
	s.Set(sources)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	wait.For(t, "every poll in flight", func() bool {
		fp.mu.Lock()
		defer fp.mu.Unlock()
		return fp.active == len(sources)
	})
	if err := s.Run(ctx); !errors.Is(err, ErrSchedulerRunning) {
		t.Errorf("second Run() = %v, want ErrSchedulerRunning", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run() = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	fp.mu.Lock()
	active, total := fp.active, len(fp.calls)
	fp.mu.Unlock()
	if active != 0 {
		t.Errorf("polls in flight after Run returned = %d, want 0", active)
	}
	if n := len(rs.all); n != 0 {
		t.Errorf("results delivered for polls cut short by shutdown = %d, want 0", n)
	}
	for _, sc := range sources {
		if st, _ := s.State(sc.ID); st.Failures != 0 {
			t.Errorf("State(%s).Failures = %d after shutdown, want 0", sc.ID, st.Failures)
		}
	}
	// With the scheduler's goroutines gone, nothing is left to poll: the
	// count is final.
	wait.For(t, "goroutines back to the baseline", func() bool { return runtime.NumGoroutine() <= baseline })
	fp.mu.Lock()
	if len(fp.calls) != total {
		t.Errorf("sources polled after Run returned: %d, want %d", len(fp.calls), total)
	}
	fp.mu.Unlock()

	// Run again: the sources are still there and polled.
	before := fp.Count("s0")
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan error, 1)
	go func() { done2 <- s.Run(ctx2) }()
	wait.For(t, "polls after a restart", func() bool { return fp.Count("s0") > before })
	cancel2()
	if err := <-done2; err != nil {
		t.Errorf("second Run() = %v, want nil", err)
	}
}

// TestSchedulerHTTP runs the scheduler against a real HTTP server with a
// small conditional-GET poller: the ETag of the first response comes back
// as If-None-Match and earns 304s, and the server never sees more than
// PerHost requests at once.
func TestSchedulerHTTP(t *testing.T) {
	body, err := os.ReadFile("../testdata/en_bbc_world_2026-08-13T0424Z.rss")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu               sync.Mutex
		inFlight, maxIn  int
		conditional, ok3 int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		maxIn = max(maxIn, inFlight)
		mu.Unlock()
		defer func() {
			mu.Lock()
			inFlight--
			mu.Unlock()
		}()
		time.Sleep(2 * time.Millisecond) // paces the fake server so that requests overlap; not a wait
		etag := `"` + r.URL.Path + `-1"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			mu.Lock()
			conditional++
			mu.Unlock()
			w.WriteHeader(http.StatusNotModified)
			return
		}
		mu.Lock()
		ok3++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(body)
	}))
	defer srv.Close()

	poll := PollFunc(func(ctx context.Context, sc Source, v Validators) PollResult {
		f, err := feedtest.Get(ctx, srv.Client(), sc.URL, v.ETag)
		res := PollResult{Validators: v, Err: err, NotModified: f.NotModified}
		if err != nil || f.NotModified {
			return res
		}
		res.Validators = Validators{ETag: f.ETag, LastModified: f.LastModified}
		for _, it := range f.Items {
			res.Items = append(res.Items, Item{ID: it.GUID, SourceID: sc.ID, Title: it.Title, Link: it.Link})
		}
		return res
	})
	var rs results
	s := NewScheduler(poll, rs.consume, SchedulerOptions{PerHost: 2})
	var sources []Source
	for i := range 6 {
		sources = append(sources, Source{ID: fmt.Sprintf("s%d", i), URL: fmt.Sprintf("%s/feed%d.rss", srv.URL, i), Interval: 20 * time.Millisecond})
	}
	s.Set(sources)
	start(t, s)
	wait.For(t, "3 polls of every source", func() bool {
		for _, sc := range sources {
			if len(rs.of(sc.ID)) < 3 {
				return false
			}
		}
		return true
	})
	for _, sc := range sources {
		got := rs.of(sc.ID)
		if got[0].Err != nil || len(got[0].Items) != 28 || got[0].NotModified {
			t.Errorf("%s first poll: err %v, %d items, not modified %v; want 28 items", sc.ID, got[0].Err, len(got[0].Items), got[0].NotModified)
		}
		for k, r := range got[1:] {
			if r.Err != nil || !r.NotModified {
				t.Errorf("%s poll %d: err %v, not modified %v; want a 304", sc.ID, k+1, r.Err, r.NotModified)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if maxIn > 2 {
		t.Errorf("max concurrent requests at the server = %d, want ≤ 2", maxIn)
	}
	if ok3 != len(sources) || conditional == 0 {
		t.Errorf("server sent %d full responses and %d 304s, want %d full and some 304s", ok3, conditional, len(sources))
	}
}

func TestHostKey(t *testing.T) {
	tests := map[string]struct{ url, want string }{
		"http default port":     {"http://Example.COM/feed", "example.com:80"},
		"https default port":    {"https://example.com/feed", "example.com:443"},
		"explicit port":         {"http://127.0.0.1:8081/x", "127.0.0.1:8081"},
		"ipv6":                  {"http://[::1]:9000/x", "[::1]:9000"},
		"scheme case":           {"HTTPS://sana.sy/?page_id=20025", "sana.sy:443"},
		"no host is its own":    {"not a url", "invalid:not a url"},
		"unparsable is its own": {"http://%zz", "invalid:http://%zz"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := hostKey(tc.url); got != tc.want {
				t.Errorf("hostKey(%q) = %q, want %q", tc.url, got, tc.want)
			}
		})
	}
}

// BenchmarkSchedulerDispatch measures the scheduler's own cost per poll
// with an instant poller: heap, queues, workers and bookkeeping.
func BenchmarkSchedulerDispatch(b *testing.B) {
	var polls atomic.Int64
	done := make(chan struct{})
	target := int64(b.N)
	var once sync.Once
	p := PollFunc(func(context.Context, Source, Validators) PollResult {
		if polls.Add(1) >= target {
			once.Do(func() { close(done) })
		}
		return PollResult{NotModified: true}
	})
	s := NewScheduler(p, nil, SchedulerOptions{StartupSpread: -1})
	var sources []Source
	for i := range 1000 {
		sources = append(sources, src(strconv.Itoa(i), fmt.Sprintf("h%d.test", i%50), time.Nanosecond))
	}
	s.Set(sources)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	b.ResetTimer()
	go func() { ran <- s.Run(ctx) }()
	<-done
	b.StopTimer()
	cancel()
	<-ran
}

func TestSchedulerRestore(t *testing.T) {
	fp := newFakePoller(nil)
	s := NewScheduler(fp, nil, SchedulerOptions{StartupSpread: time.Hour})
	now := time.Now()
	s.Restore([]SourceState{
		// Due soon: polled then, with the kept validators and counts.
		{ID: "r", Validators: Validators{ETag: `"kept"`}, Polls: 41, LastPoll: now.Add(-time.Second), NextDue: now.Add(20 * time.Millisecond)},
		// Due far beyond its interval (a clock jump, a stale record):
		// spread like a new source instead.
		{ID: "far", NextDue: now.Add(48 * time.Hour), LastPoll: now.Add(-time.Second)},
	})
	s.Set([]Source{src("r", "h.test", time.Second), src("far", "h2.test", time.Second)})
	start(t, s)
	wait.For(t, "the restored source's poll", func() bool { return fp.Count("r") >= 1 })
	if got := fp.Calls("r")[0].v; got.ETag != `"kept"` {
		t.Errorf("first poll sent %+v, want the restored ETag", got)
	}
	st, _ := s.State("r")
	if st.Polls < 42 {
		t.Errorf("Polls = %d, want the restored 41 counted on", st.Polls)
	}
	far, _ := s.State("far")
	if far.NextDue.After(now.Add(2 * time.Hour)) {
		t.Errorf("far NextDue = %v, want within the startup spread, not the stale 48 h", far.NextDue)
	}
}

func TestSchedulerSkippedPolls(t *testing.T) {
	const skipped = 3
	fp := newFakePoller(func(_ Source, n int) (time.Duration, PollResult) {
		if n < skipped {
			// Another instance holds the source's lease for another 50 ms.
			return 0, PollResult{Skipped: true, RetryAfter: 50 * time.Millisecond}
		}
		return 0, PollResult{Items: []Item{{ID: "a"}}}
	})
	var rs results
	s := NewScheduler(fp, rs.consume, SchedulerOptions{Rand: constRand(0.5)})
	s.Set([]Source{src("shared", "h.test", 10*time.Second)})
	start(t, s)

	wait.For(t, "skipped polls", func() bool { return fp.Count("shared") >= skipped })
	st, _ := s.State("shared")
	if !st.Skipped || st.Polls != 0 || st.Errors != 0 || st.Failures != 0 {
		t.Errorf("State while skipped = %+v, want Skipped and nothing counted", st)
	}
	if got := rs.of("shared"); len(got) != 0 {
		t.Errorf("consumer got %d results of skipped polls, want 0", len(got))
	}
	wait.For(t, "the poll after the lease lapsed", func() bool { return len(rs.of("shared")) == 1 })
	calls := fp.Calls("shared")
	for k := 1; k <= skipped; k++ {
		// A skipped source is tried again when the holder's lease may
		// have lapsed (at least a second on), not after its interval.
		if gap := calls[k].start.Sub(calls[k-1].end); gap < time.Second || gap > 10*time.Second {
			t.Errorf("gap after skip %d = %v, want between 1s and the 10s interval", k, gap)
		}
	}
	st, _ = s.State("shared")
	if st.Skipped || st.Polls != 1 || st.Items != 1 {
		t.Errorf("State after the poll = %+v, want not Skipped, 1 poll, 1 item", st)
	}
}
