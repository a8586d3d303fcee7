package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// countingFeed serves a small RSS document and counts the requests.
func countingFeed(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Write([]byte(`<rss version="2.0"><channel><title>t</title><item><title>Markets open</title><link>https://example.org/m</link></item></channel></rss>`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// liveRun is `run` started by a test on a file of sources.
type liveRun struct {
	addr           string // of /metrics
	stdout, stderr syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

// startLiveRun writes cfg (YAML: the sources) to a config file and runs
// runCmd on it, with the test Redis, private sources allowed, /metrics
// on a free address and the registry read every 20 ms.
func startLiveRun(t *testing.T, cfg string) *liveRun {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), "aajil.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &liveRun{addr: freeAddr(t), done: make(chan int)}
	vars := map[string]string{"AAJIL_CONFIG": cfgPath, "AAJIL_ALLOW_PRIVATE_SOURCES": "true",
		"AAJIL_REDIS_URL": os.Getenv("AAJIL_TEST_REDIS_URL"), "AAJIL_HTTP_ADDR": r.addr}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	t.Cleanup(cancel)
	e := env{stdin: strings.NewReader(""), stdout: &r.stdout, stderr: &r.stderr, watchEvery: 20 * time.Millisecond,
		getenv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
	go func() { r.done <- runCmd(ctx, e, nil) }()
	return r
}

// stop stops the run and checks that it exited 0.
func (r *liveRun) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	if code := <-r.done; code != 0 {
		t.Errorf("run exited %d, want 0; stderr:\n%s", code, r.stderr.String())
	}
}

// TestRunPicksUpSourceChangesLive: an admin's change to the sources in
// Redis reaches the running scheduler within seconds, without a restart.
//
// Time passes here in the sources' 1 s intervals, over real sockets (the
// feeds' httptest servers, Redis): testing/synctest cannot advance a
// bubble's clock while its goroutines wait on network I/O, so the test
// runs on the wall clock, with the registry checked every 20 ms instead
// of every second, and waits on events. A third source, polled every
// second throughout, is the clock of the windows in which a paused or
// removed source must not be polled.
func TestRunPicksUpSourceChangesLive(t *testing.T) {
	a, polledA := countingFeed(t)
	b, polledB := countingFeed(t)
	c, ticks := countingFeed(t)
	redisURL := os.Getenv("AAJIL_TEST_REDIS_URL")
	run := startLiveRun(t, "sources:\n  - id: live-a\n    url: "+a.URL+"/feed\n    interval: 1s\n"+
		"  - id: live-clock\n    url: "+c.URL+"/feed\n    interval: 1s\n")
	addr := run.addr
	ctx := context.Background()
	// polls waits until the clock source has been polled n more times:
	// n-1 intervals at least.
	polls := func(n int64, what string) {
		t.Helper()
		from := ticks.Load()
		wait.For(t, what, func() bool { return ticks.Load() >= from+n })
	}

	wait.Within(t, 10*time.Second, "the file's source is polled", func() bool { return polledA.Load() > 0 })

	st, err := store.Open(ctx, redisURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	admin := store.Origin{By: "tg:1"}
	srcB := feeds.Source{ID: "live-b", URL: b.URL + "/feed", Interval: time.Second}
	if err := st.PutSource(ctx, srcB, admin); err != nil {
		t.Fatal(err)
	}
	wait.Within(t, 5*time.Second, "a source added in Redis is polled", func() bool { return polledB.Load() > 0 })

	// One source paused, the other removed, at once: both must stop
	// being polled.
	polledSample := `aajil_polls_total{outcome="ok",source="live-a"}`
	if metricValue(t, addr, polledSample) == 0 {
		t.Errorf("/metrics has no %s before the source is removed", polledSample)
	}
	if err := st.SetPaused(ctx, "live-b", true, admin); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSource(ctx, "live-a", admin); err != nil {
		t.Fatal(err)
	}
	// A removed source's series go with it, once the scheduler has the
	// new set (which has the pause too: it was written first).
	wait.For(t, "the removed source's series gone", func() bool { return metricValue(t, addr, polledSample) == 0 })
	// A poll in flight may end.
	polls(2, "a second after the changes")
	paused, removed := polledB.Load(), polledA.Load()
	polls(3, "two intervals without the paused and the removed source")
	if got := polledB.Load(); got != paused {
		t.Errorf("paused source polled %d more times", got-paused)
	}
	if got := polledA.Load(); got != removed {
		t.Errorf("removed source polled %d more times", got-removed)
	}
	if v := metricValue(t, addr, polledSample); v != 0 {
		t.Errorf("/metrics still has %s = %v after the source was removed", polledSample, v)
	}

	run.stop(t)
	// State survives in Redis for the next start.
	states, err := st.LoadStates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := states["live-b"]; !ok || s.Polls == 0 || !s.Paused {
		t.Errorf("saved state of live-b = %+v, %v; want its polls counted, paused", s, ok)
	}
}

// TestRunURLChangedInFileIsABaseline: a source's URL changed in the file
// while no instance ran. At the next start, the new document's items are
// its baseline: none of them is alerted as news.
func TestRunURLChangedInFileIsABaseline(t *testing.T) {
	redisURL, _ := redisDB(t, 9)
	before := newSwitchFeed(t, feedItem{"a-1", "الأسواق تفتح على ارتفاع في دمشق"})
	after := newSwitchFeed(t, feedItem{"b-1", "عاجل | خبر قديم في الموقع الجديد"}, feedItem{"b-2", "عاجل | خبر أقدم في الموقع الجديد"})
	cfgPath := filepath.Join(t.TempDir(), "aajil.yaml")
	runOnce := func(url, wantLog string) string {
		t.Helper()
		if err := os.WriteFile(cfgPath, []byte("sources:\n  - id: moved\n    url: "+url+"\n    interval: 1s\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"AAJIL_CONFIG": cfgPath, "AAJIL_ALLOW_PRIVATE_SOURCES": "true", "AAJIL_REDIS_URL": redisURL, "AAJIL_HTTP_ADDR": "off"}
		run := startRun(t, env)
		if !wait.Until(20*time.Second, func() bool { return strings.Contains(run.stderr.String(), wantLog) }) {
			t.Errorf("timed out after 20s waiting for the baseline poll of %s", url)
		}
		if code := run.stop(); code != 0 {
			t.Errorf("run exited %d, want 0", code)
		}
		return run.stdout.String()
	}
	const baseline = "first poll of a source: its current items are the baseline"
	runOnce(before.srv.URL+"/feed", baseline)
	if out := runOnce(after.srv.URL+"/feed", baseline); out != "" {
		t.Errorf("alerts after the URL change:\n%s\nwant none: the new document's items are its baseline", out)
	}
}
