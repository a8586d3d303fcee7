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

	"github.com/aajil/aajil/internal/wait"
)

// TestRunCountsCascades: a new urgent story on one source starts a
// cascade that polls a slow adaptive source at once, and /metrics counts
// the cascade and the poll it brought forward.
func TestRunCountsCascades(t *testing.T) {
	var breakerPolls atomic.Int64
	breaker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		item := `<item><title>Markets open</title><link>https://example.org/cascade-m</link></item>`
		if breakerPolls.Add(1) > 1 {
			// After the baseline: a breaking story.
			item += `<item><title>عاجل | زلزال بقوة 6 درجات يضرب جنوب تركيا</title><link>https://example.org/cascade-quake</link></item>`
		}
		w.Write([]byte(`<rss version="2.0"><channel><title>t</title>` + item + `</channel></rss>`))
	}))
	t.Cleanup(breaker.Close)
	slow, slowPolls := countingFeed(t)
	redisURL := os.Getenv("AAJIL_TEST_REDIS_URL")

	// The slow source adapts between 1 s and an hour, starting at an
	// hour: only a cascade polls it a second time within the test.
	cfgPath := filepath.Join(t.TempDir(), "aajil.yaml")
	cfg := "sources:\n  - id: cascade-breaker\n    url: " + breaker.URL + "/feed\n    interval: 1s\n" +
		"  - id: cascade-slow\n    url: " + slow.URL + "/feed\n    interval: 1h\n    min_interval: 1s\n    max_interval: 1h\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	vars := map[string]string{"AAJIL_CONFIG": cfgPath, "AAJIL_ALLOW_PRIVATE_SOURCES": "true", "AAJIL_REDIS_URL": redisURL, "AAJIL_HTTP_ADDR": addr}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	e := env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, watchEvery: 20 * time.Millisecond,
		getenv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
	done := make(chan int)
	go func() { done <- runCmd(ctx, e, nil) }()

	wait.Within(t, 10*time.Second, "the breaking story alerted", func() bool { return strings.Contains(stdout.String(), "زلزال") })
	wait.Within(t, 10*time.Second, "the slow source polled by the cascade", func() bool { return slowPolls.Load() > 0 })
	wait.Within(t, 5*time.Second, "the cascade counted", func() bool {
		return metricValue(t, addr, "aajil_cascades_total") >= 1 && metricValue(t, addr, "aajil_cascade_polls_total") >= 1
	})

	cancel()
	if code := <-done; code != 0 {
		t.Errorf("run exited %d, want 0; stderr:\n%s", code, stderr.String())
	}
}
