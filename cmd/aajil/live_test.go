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

func eventually(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRunPicksUpSourceChangesLive: an admin's change to the sources in
// Redis reaches the running scheduler within seconds, without a restart.
func TestRunPicksUpSourceChangesLive(t *testing.T) {
	a, polledA := countingFeed(t)
	b, polledB := countingFeed(t)
	redisURL := os.Getenv("AAJIL_TEST_REDIS_URL")

	cfgPath := filepath.Join(t.TempDir(), "aajil.yaml")
	cfg := "sources:\n  - id: live-a\n    url: " + a.URL + "/feed\n    interval: 1s\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	env := map[string]string{"AAJIL_CONFIG": cfgPath, "AAJIL_ALLOW_PRIVATE_SOURCES": "true", "AAJIL_REDIS_URL": redisURL, "AAJIL_HTTP_ADDR": addr}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int)
	go func() { done <- cli(ctx, []string{"run"}, strings.NewReader(""), &stdout, &stderr, getenv) }()

	eventually(t, "the file's source is polled", 10*time.Second, func() bool { return polledA.Load() > 0 })

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
	eventually(t, "a source added in Redis is polled", 5*time.Second, func() bool { return polledB.Load() > 0 })

	if err := st.SetPaused(ctx, "live-b", true, admin); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond) // the change is seen within ~1 s; a poll in flight may end
	paused := polledB.Load()
	time.Sleep(2500 * time.Millisecond)
	if got := polledB.Load(); got != paused {
		t.Errorf("paused source polled %d more times", got-paused)
	}
	polledSample := `aajil_polls_total{outcome="ok",source="live-a"}`
	if metricValue(t, addr, polledSample) == 0 {
		t.Errorf("/metrics has no %s before the source is removed", polledSample)
	}
	if err := st.DeleteSource(ctx, "live-a", admin); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	// A removed source's series go with it.
	if v := metricValue(t, addr, polledSample); v != 0 {
		t.Errorf("/metrics still has %s = %v after the source was removed", polledSample, v)
	}
	removed := polledA.Load()
	time.Sleep(2500 * time.Millisecond)
	if got := polledA.Load(); got != removed {
		t.Errorf("removed source polled %d more times", got-removed)
	}

	cancel()
	if code := <-done; code != 0 {
		t.Errorf("run exited %d, want 0; stderr:\n%s", code, stderr.String())
	}
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
		getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stdout, stderr syncBuffer
		done := make(chan int)
		go func() { done <- cli(ctx, []string{"run"}, strings.NewReader(""), &stdout, &stderr, getenv) }()
		ok := waitFor(t, "the baseline poll of "+url, 20*time.Second, func() bool {
			return strings.Contains(stderr.String(), wantLog)
		})
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("run exited %d, want 0", code)
		}
		if !ok {
			t.Logf("log:\n%s", lastLines(stderr.String(), 30))
		}
		return stdout.String()
	}
	const baseline = "first poll of a source: its current items are the baseline"
	runOnce(before.srv.URL+"/feed", baseline)
	if out := runOnce(after.srv.URL+"/feed", baseline); out != "" {
		t.Errorf("alerts after the URL change:\n%s\nwant none: the new document's items are its baseline", out)
	}
}
