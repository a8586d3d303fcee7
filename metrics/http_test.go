package metrics

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/aajil/aajil/feeds"
)

var updateExposition = flag.Bool("update-exposition", false, "rewrite metrics/testdata/exposition.golden from /metrics")

// get sends a GET to url and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

func TestHealthAndReady(t *testing.T) {
	t.Parallel() // waits out timeouts
	tests := []struct {
		name       string
		ready      ReadyFunc
		path       string
		wantStatus int
		wantBody   string
	}{
		{"healthz", nil, "/healthz", http.StatusOK, "ok\n"},
		{"healthz while not ready", func(context.Context) error { return errors.New("redis down") }, "/healthz", http.StatusOK, "ok\n"},
		{"readyz without a check", nil, "/readyz", http.StatusOK, "ready\n"},
		{"readyz ok", func(context.Context) error { return nil }, "/readyz", http.StatusOK, "ready\n"},
		{
			name: "readyz failing",
			ready: func(context.Context) error {
				return fmt.Errorf("redis ping: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
			},
			path: "/readyz", wantStatus: http.StatusServiceUnavailable,
			wantBody: "not ready: redis ping: dial tcp: connection refused\n",
		},
		{
			name:  "readyz reason kept on one line",
			ready: func(context.Context) error { return errors.New("telegram getMe:\n  401 Unauthorized") },
			path:  "/readyz", wantStatus: http.StatusServiceUnavailable,
			wantBody: "not ready: telegram getMe: 401 Unauthorized\n",
		},
		{
			name: "readyz check honouring its deadline",
			ready: func(ctx context.Context) error {
				<-ctx.Done()
				return fmt.Errorf("redis ping: %w", ctx.Err())
			},
			path: "/readyz", wantStatus: http.StatusServiceUnavailable,
			wantBody: "not ready: redis ping: context deadline exceeded\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(Mux(New(), tt.ready))
			defer srv.Close()
			status, body := get(t, srv.URL+tt.path)
			if status != tt.wantStatus || body != tt.wantBody {
				t.Errorf("GET %s = %d %q, want %d %q", tt.path, status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// TestReadyTimeout: a check that ignores its context still answers 503
// after ReadyTimeout rather than hanging the probe.
func TestReadyTimeout(t *testing.T) {
	t.Parallel() // waits out timeouts
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(Mux(nil, func(context.Context) error {
		<-release
		return nil
	}))
	defer srv.Close()
	status, body := get(t, srv.URL+"/readyz")
	want := "not ready: readiness check: context deadline exceeded\n"
	if status != http.StatusServiceUnavailable || body != want {
		t.Errorf("GET /readyz = %d %q, want %d %q", status, body, http.StatusServiceUnavailable, want)
	}
}

func TestMuxMethods(t *testing.T) {
	srv := httptest.NewServer(Mux(New(), nil))
	defer srv.Close()
	tests := []struct {
		name, method, path string
		wantStatus         int
	}{
		{"head healthz", http.MethodHead, "/healthz", http.StatusOK},
		{"post healthz", http.MethodPost, "/healthz", http.StatusMethodNotAllowed},
		{"post metrics", http.MethodPost, "/metrics", http.StatusMethodNotAllowed},
		{"unknown path", http.MethodGet, "/nope", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("%s %s = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.wantStatus)
			}
		})
	}
}

// recordAll calls every recording method of m once or more, so that every
// metric has a series.
func recordAll(m *Metrics) {
	now := time.Now()
	src := feeds.Source{ID: "sana-ticker"}
	m.Poll(feeds.PollResult{Source: src, Items: []feeds.Item{{Urgent: true}, {}}, Duration: 50 * time.Millisecond})
	m.Poll(feeds.PollResult{Source: src, NotModified: true})
	m.Poll(feeds.PollResult{Source: src, Err: &feeds.FetchError{Class: feeds.ClassTLS, Err: errors.New("bad certificate")}})
	m.Cascade(4)
	m.Alert()
	m.StoriesMerged(1)
	m.Queued(5)
	m.Delivered("sent")
	m.RateLimited(false)
	m.Latency(now.Add(-time.Second), now.Add(-time.Minute), now)
	m.Edited("edited")
	m.TelegramError(400)
	m.SetSources(3)
	m.SetSubscribers(10, 1, 2)
	m.PartitionsHeld(2)
	m.SetQueue(func(context.Context) (int64, int64, int64, error) { return 7, 2, 1, nil })
}

// scrape serves m on Mux, reads /metrics in the text format and parses it.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(Mux(m, nil))
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics status = %d, want 200", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// TestMetricsEndpoint exercises every method, scrapes /metrics and parses
// the text exposition: every metric is there, with the Go and process
// collectors.
func TestMetricsEndpoint(t *testing.T) {
	m := New()
	recordAll(m)
	fams := scrape(t, m)
	for _, name := range []string{
		"aajil_polls_total", "aajil_fetch_errors_total", "aajil_items_total", "aajil_urgent_items_total",
		"aajil_poll_seconds_total", "aajil_poll_duration_seconds", "aajil_alerts_total", "aajil_stories_merged_total",
		"aajil_deliveries_queued_total", "aajil_deliveries_total", "aajil_telegram_429_total",
		"aajil_alert_latency_seconds", "aajil_publish_latency_seconds", "aajil_edits_total",
		"aajil_telegram_errors_total", "aajil_scrape_errors_total", "aajil_sources", "aajil_outbox_partitions_held", "aajil_subscribers",
		"aajil_outbox_depth", "aajil_outbox_pending", "aajil_dead_letters",
		"go_goroutines", "process_start_time_seconds",
	} {
		f, ok := fams[name]
		if !ok {
			t.Errorf("/metrics lacks %s", name)
			continue
		}
		if len(f.GetMetric()) == 0 {
			t.Errorf("/metrics has no series of %s", name)
		}
	}
	if f, ok := fams["aajil_outbox_depth"]; ok {
		if got := f.GetMetric()[0].GetGauge().GetValue(); got != 7 {
			t.Errorf("aajil_outbox_depth = %v, want 7", got)
		}
	}
}

// TestWebhookMountable: the caller mounts a POST route on the same mux.
func TestWebhookMountable(t *testing.T) {
	mux := Mux(New(), nil)
	mux.Handle("POST /telegram/hook", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/telegram/hook", "application/json", strings.NewReader(`{"update_id":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("POST /telegram/hook = %d, want %d", resp.StatusCode, http.StatusAccepted)
	}
	if status, _ := get(t, srv.URL+"/healthz"); status != http.StatusOK {
		t.Errorf("GET /healthz = %d, want 200", status)
	}
}

// TestServe serves on a real listener, then returns nil once ctx is
// canceled.
func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- ServeListener(ctx, ln, Mux(New(), nil)) }()

	url := "http://" + ln.Addr().String()
	if status, body := get(t, url+"/healthz"); status != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 %q", status, body, "ok\n")
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("ServeListener after cancel = %v, want nil", err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("GET after shutdown succeeded, want a connection error")
	}
}

// TestServeWaitsForRequests: a request in flight when ctx is canceled
// completes before Serve returns.
func TestServeWaitsForRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, finish := make(chan struct{}), make(chan struct{})
	mux := Mux(nil, nil)
	mux.HandleFunc("POST /slow", func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		<-finish
		io.WriteString(w, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- ServeListener(ctx, ln, mux) }()

	type result struct {
		body string
		err  error
	}
	resc := make(chan result, 1)
	go func() {
		resp, err := http.Post("http://"+ln.Addr().String()+"/slow", "text/plain", nil)
		if err != nil {
			resc <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		resc <- result{string(b), err}
	}()
	<-started
	cancel()
	// Shutdown has begun once the listener refuses new connections; the
	// request in flight must still hold ServeListener then.
	wait.For(t, "the listener closed", func() bool {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-errc:
		t.Fatalf("ServeListener returned %v with a request in flight", err)
	default:
	}
	close(finish)
	if r := <-resc; r.err != nil || r.body != "done" {
		t.Errorf("in-flight request = %q, %v; want %q, nil", r.body, r.err, "done")
	}
	if err := <-errc; err != nil {
		t.Errorf("ServeListener = %v, want nil", err)
	}
}

// TestServeAddressInUse: a listen error names the address and keeps the
// cause.
func TestServeAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	err = Serve(context.Background(), addr, Mux(nil, nil))
	if err == nil {
		t.Fatal("Serve on a used address = nil, want an error")
	}
	if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), addr) {
		t.Errorf("Serve error = %q, want one naming %s and matching EADDRINUSE", err, addr)
	}
}

// TestServeCanceledBeforeStart returns at once.
func TestServeCanceledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Listening may or may not notice the canceled context first; either
	// way Serve must return, and without an error when it did listen.
	if err := Serve(ctx, "127.0.0.1:0", Mux(nil, nil)); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Serve with a canceled context = %v, want nil or context.Canceled", err)
	}
}

// TestExposition: the name, type, label names, buckets and help of every aajil_
// metric in /metrics are those of testdata/exposition.golden (the Go and
// process collectors' change with the toolchain and are left out).
func TestExposition(t *testing.T) {
	m := New()
	recordAll(m)
	var got []string
	for name, f := range scrape(t, m) {
		if !strings.HasPrefix(name, namespace+"_") {
			continue
		}
		var labels []string
		for _, series := range f.GetMetric() {
			for _, l := range series.GetLabel() {
				if !slices.Contains(labels, l.GetName()) {
					labels = append(labels, l.GetName())
				}
			}
		}
		slices.Sort(labels)
		var buckets []string
		if series := f.GetMetric(); len(series) > 0 {
			for _, b := range series[0].GetHistogram().GetBucket() {
				buckets = append(buckets, fmt.Sprint(b.GetUpperBound()))
			}
		}
		got = append(got, fmt.Sprintf("%s %s {%s} [%s] %s", name, f.GetType(),
			strings.Join(labels, ","), strings.Join(buckets, " "), f.GetHelp()))
	}
	slices.Sort(got)
	path := filepath.Join("testdata", "exposition.golden")
	if *updateExposition {
		if err := os.WriteFile(path, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if !slices.Equal(got, want) {
		t.Errorf("/metrics families:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}
