package feeds

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aajil/aajil/alerts"
)

// TestSchedulerLiveChangesDueAtOnce: the sources of the initial load are
// spread over their interval; a source added, resumed, or whose URL
// changed after it is polled at once, not an interval later.
func TestSchedulerLiveChangesDueAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const iv = time.Hour
		fp := newFakePoller(nil)
		var rs results
		s := NewScheduler(fp, rs.consume, SchedulerOptions{Rand: constRand(0.5)})
		a, b := src("a", "h.test", iv), src("b", "h2.test", iv)
		loaded := time.Now()
		s.Set([]Source{a, b})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		synctest.Wait()
		if n := fp.Count("a") + fp.Count("b"); n != 0 {
			t.Fatalf("%d polls of the initial load at once, want 0 (spread)", n)
		}
		for _, id := range []string{"a", "b"} {
			st, _ := s.State(id)
			if got, want := st.NextDue.Sub(loaded), iv/2; got != want {
				t.Errorf("%s first due %v after the initial load, want %v (spread)", id, got, want)
			}
		}

		// Ten minutes later an admin adds c: polled at once.
		time.Sleep(10 * time.Minute)
		c := src("c", "h3.test", iv)
		s.Set([]Source{a, b, c})
		synctest.Wait()
		if got := rs.of("c"); len(got) != 1 || !got[0].Due.Equal(time.Now()) {
			t.Fatalf("results of c right after it was added: %+v, want 1 poll due now", got)
		}

		// Paused, then resumed: polled again at once.
		pc := c
		pc.Paused = true
		s.Set([]Source{a, b, pc})
		time.Sleep(time.Minute)
		s.Set([]Source{a, b, c})
		synctest.Wait()
		if got := len(rs.of("c")); got != 2 {
			t.Errorf("polls of c right after it was resumed = %d, want 2", got)
		}

		// a's URL changes before its first poll: polled at once at the
		// new URL.
		na := a
		na.URL = "http://h4.test/a"
		s.Set([]Source{na, b, c})
		synctest.Wait()
		if got := rs.of("a"); len(got) != 1 || got[0].Source.URL != na.URL {
			t.Errorf("results of a right after its URL changed: %+v, want 1 poll of %s", got, na.URL)
		}
		// b, from the initial load, still waits for its spread due time.
		if got := fp.Count("b"); got != 0 {
			t.Errorf("polls of b before its spread due time = %d, want 0", got)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run() = %v, want nil", err)
		}
	})
}

// TestSchedulerRestoredStateOnlyAtLoad: state given to Restore applies to
// the sources of the initial load; a source added later is polled at
// once even if a stale state of it was restored.
func TestSchedulerRestoredStateOnlyAtLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fp := newFakePoller(nil)
		s := NewScheduler(fp, nil, SchedulerOptions{})
		now := time.Now()
		s.Restore([]SourceState{
			{ID: "kept", NextDue: now.Add(20 * time.Minute)},
			{ID: "gone", NextDue: now.Add(20 * time.Minute), Validators: Validators{ETag: `"old"`}},
		})
		s.Set([]Source{src("kept", "h.test", time.Hour)})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		s.Set([]Source{src("kept", "h.test", time.Hour), src("gone", "h2.test", time.Hour)})
		synctest.Wait()
		if st, _ := s.State("kept"); !st.NextDue.Equal(now.Add(20 * time.Minute)) {
			t.Errorf("kept NextDue = %v, want the restored %v", st.NextDue, now.Add(20*time.Minute))
		}
		calls := fp.Calls("gone")
		if len(calls) != 1 || calls[0].v.ETag != "" {
			t.Errorf("polls of the source added later = %+v, want 1 at once without the stale validators", calls)
		}
		cancel()
		<-done
	})
}

// trickleServer serves /ok as a small RSS feed and every other path as a
// body that trickles one byte a second until the client gives up. It
// reports each request to a slow path when it starts and when it ends.
type trickleServer struct {
	*httptest.Server
	okPolls     atomic.Int64
	slowStarted chan string
	slowEnded   chan string
}

func newTrickleServer(t testing.TB) *trickleServer {
	ts := &trickleServer{slowStarted: make(chan string, 100), slowEnded: make(chan string, 100)}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		if r.URL.Path == "/ok" {
			ts.okPolls.Add(1)
			w.Write([]byte(`<rss version="2.0"><channel><title>t</title><item><title>Markets open</title><link>https://example.org/1</link></item></channel></rss>`))
			return
		}
		report(ts.slowStarted, r.URL.Path)
		defer report(ts.slowEnded, r.URL.Path)
		w.WriteHeader(http.StatusOK)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

// report sends path on ch unless ch is full: a long run need not read
// every event.
func report(ch chan<- string, path string) {
	select {
	case ch <- path:
	default:
	}
}

// TestSchedulerFailingSourcesLeaveAHostSlot: two sources of one host that
// keep timing out (their bodies trickle at 1 byte/s) hold at most one of
// its two slots, so the healthy source of that host is polled on its
// schedule, three times before either slow poll ends.
func TestSchedulerFailingSourcesLeaveAHostSlot(t *testing.T) {
	ts := newTrickleServer(t)
	det, err := alerts.NewDetector(alerts.DefaultMarkers())
	if err != nil {
		t.Fatal(err)
	}
	// The slow polls end only when the client gives up, after 10 s.
	p := NewPoller(NewFetcher(NewClient(ClientOptions{AllowPrivate: true, Timeout: 10 * time.Second}), ""), det)
	var (
		once    sync.Once
		healthy = make(chan struct{})
	)
	s := NewScheduler(p, func(_ context.Context, r PollResult) {
		if r.Source.ID == "ok" && r.Err == nil && ts.okPolls.Load() >= 3 {
			once.Do(func() { close(healthy) })
		}
	}, SchedulerOptions{PerHost: 2, StartupSpread: -1})
	// Both slow sources timed out on their last polls.
	s.Restore([]SourceState{{ID: "slow1", Failures: 2}, {ID: "slow2", Failures: 2}})
	s.Set([]Source{
		{ID: "slow1", URL: ts.URL + "/slow1", Interval: 20 * time.Millisecond},
		{ID: "slow2", URL: ts.URL + "/slow2", Interval: 20 * time.Millisecond},
		{ID: "ok", URL: ts.URL + "/ok", Interval: 20 * time.Millisecond},
	})
	start(t, s)
	<-ts.slowStarted
	select {
	case <-healthy:
	case path := <-ts.slowEnded:
		t.Fatalf("the poll of %s ended before the healthy source was polled 3 times (polled %d): the slow sources held the host", path, ts.okPolls.Load())
	}
}

// TestSchedulerSlowSourcesLeaveAHostSlot: sources that answer, but take
// longer than SlowPoll, also hold at most PerHost−1 of their host's
// slots once they are known to be slow.
func TestSchedulerSlowSourcesLeaveAHostSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fp := newFakePoller(func(src Source, _ int) (time.Duration, PollResult) {
			if src.ID == "fast" {
				return 0, PollResult{}
			}
			return 20 * time.Second, PollResult{}
		})
		s := NewScheduler(fp, nil, SchedulerOptions{PerHost: 2, StartupSpread: -1, Jitter: -1})
		s.Set([]Source{src("slow1", "h.test", time.Second), src("slow2", "h.test", time.Second), src("fast", "h.test", time.Second)})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		// The first round: nothing is known of the slow ones yet.
		time.Sleep(25 * time.Second)
		synctest.Wait()
		before := fp.Count("fast")
		time.Sleep(60 * time.Second)
		synctest.Wait()
		// Due every second, polled at once while a slot is left to it.
		if got := fp.Count("fast") - before; got < 59 {
			t.Errorf("polls of the fast source in 60 s after the first round = %d, want ≥ 59 (one a second)", got)
		}
		cancel()
		<-done
	})
}

// BenchmarkHealthyLagBesideTricklingSources measures how late a healthy
// source (due every second) is polled while two sources of its host
// trickle their bodies at 1 byte/s, over 95 s of real time: the largest
// lag in the first 35 s (the slow sources' first polls, their health not
// yet known) and after. Run it once: -benchtime 1x.
func BenchmarkHealthyLagBesideTricklingSources(b *testing.B) {
	ts := newTrickleServer(b)
	det, err := alerts.NewDetector(alerts.DefaultMarkers())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p := NewPoller(NewFetcher(NewClient(ClientOptions{AllowPrivate: true}), ""), det)
		var (
			mu            sync.Mutex
			first, second time.Duration
			polls         int
		)
		began := time.Now()
		s := NewScheduler(p, func(_ context.Context, r PollResult) {
			if r.Source.ID != "ok" {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			polls++
			if lag := r.Started.Sub(r.Due); r.Started.Sub(began) < 35*time.Second {
				first = max(first, lag)
			} else {
				second = max(second, lag)
			}
		}, SchedulerOptions{PerHost: 2, StartupSpread: -1})
		s.Set([]Source{
			{ID: "slow1", URL: ts.URL + "/slow1", Interval: 5 * time.Second},
			{ID: "slow2", URL: ts.URL + "/slow2", Interval: 5 * time.Second},
			{ID: "ok", URL: ts.URL + "/ok", Interval: time.Second},
		})
		ctx, cancel := context.WithTimeout(context.Background(), 95*time.Second)
		s.Run(ctx)
		cancel()
		mu.Lock()
		b.ReportMetric(first.Seconds(), "max-lag-first-35s")
		b.ReportMetric(second.Seconds(), "max-lag-after")
		b.ReportMetric(float64(polls), "healthy-polls")
		mu.Unlock()
	}
}
