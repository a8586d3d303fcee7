package main

import (
	"net/http"
	"net/http/httptest"
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
	// The slow source adapts between 1 s and an hour, starting at an
	// hour: the initial load spreads its first poll over that hour, so
	// the cascade is what polls it within the test.
	run := startLiveRun(t, "sources:\n  - id: cascade-breaker\n    url: "+breaker.URL+"/feed\n    interval: 1s\n"+
		"  - id: cascade-slow\n    url: "+slow.URL+"/feed\n    interval: 1h\n    min_interval: 1s\n    max_interval: 1h\n")

	wait.Within(t, 10*time.Second, "the breaking story alerted", func() bool { return strings.Contains(run.stdout.String(), "زلزال") })
	wait.Within(t, 10*time.Second, "the slow source polled by the cascade", func() bool { return slowPolls.Load() > 0 })
	wait.Within(t, 5*time.Second, "the cascade counted", func() bool {
		return metricValue(t, run.addr, "aajil_cascades_total") >= 1 && metricValue(t, run.addr, "aajil_cascade_polls_total") >= 1
	})
	run.stop(t)
}
