package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/feeds"
)

// gather scrapes m's registry once.
func gather(t *testing.T, m *Metrics) []*dto.MetricFamily {
	t.Helper()
	fams, err := m.reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	return fams
}

// find returns the series name{labels} of fams: a counter's or gauge's
// value, or a histogram's sample count and sum. ok is false when the
// series is not exposed.
func find(fams []*dto.MetricFamily, name string, labels map[string]string) (value, sum float64, ok bool) {
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			if !labelsEqual(mt.GetLabel(), labels) {
				continue
			}
			switch {
			case mt.Counter != nil:
				return mt.GetCounter().GetValue(), 0, true
			case mt.Gauge != nil:
				return mt.GetGauge().GetValue(), 0, true
			case mt.Histogram != nil:
				return float64(mt.GetHistogram().GetSampleCount()), mt.GetHistogram().GetSampleSum(), true
			}
		}
	}
	return 0, 0, false
}

// sample is find on a fresh scrape.
func sample(t *testing.T, m *Metrics, name string, labels map[string]string) (value, sum float64, ok bool) {
	t.Helper()
	return find(gather(t, m), name, labels)
}

func labelsEqual(got []*dto.LabelPair, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, lp := range got {
		if v, ok := want[lp.GetName()]; !ok || v != lp.GetValue() {
			return false
		}
	}
	return true
}

// value is sample for a series that must exist.
func value(t *testing.T, m *Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	v, _, ok := sample(t, m, name, labels)
	if !ok {
		t.Fatalf("series %s%v not exposed", name, labels)
	}
	return v
}

func TestPoll(t *testing.T) {
	src := feeds.Source{ID: "sana-ticker", Kind: feeds.KindHTML}
	dnsErr := fmt.Errorf("poll sana-ticker: %w", &net.DNSError{Err: "no such host", Name: "sana.sy", IsNotFound: true})
	tests := []struct {
		name        string
		result      feeds.PollResult
		wantOutcome string
		wantClass   string // "" when no error is counted
		wantItems   float64
		wantUrgent  float64
		wantTimed   bool
	}{
		{
			name: "ok with items",
			result: feeds.PollResult{Source: src, Duration: 120 * time.Millisecond, Items: []feeds.Item{
				{Title: "عاجل: انفجار في حلب", Urgent: true},
				{Title: "افتتاح معرض الكتاب"},
				{Title: "BREAKING: earthquake", Urgent: true},
			}},
			wantOutcome: PollOK, wantItems: 3, wantUrgent: 2, wantTimed: true,
		},
		{
			name:        "ok with an empty document",
			result:      feeds.PollResult{Source: src, Duration: time.Millisecond},
			wantOutcome: PollOK, wantTimed: true,
		},
		{
			name:        "not modified",
			result:      feeds.PollResult{Source: src, NotModified: true, Duration: 30 * time.Millisecond},
			wantOutcome: PollNotModified, wantTimed: true,
		},
		{
			name: "fetch error with a class",
			result: feeds.PollResult{Source: src, Duration: 10 * time.Second, Err: &feeds.FetchError{
				Class: feeds.ClassTimeout, URL: "https://sana.sy/", Err: context.DeadlineExceeded,
			}},
			wantOutcome: PollError, wantClass: string(feeds.ClassTimeout), wantTimed: true,
		},
		{
			name:        "wrapped cause classified",
			result:      feeds.PollResult{Source: src, Err: dnsErr},
			wantOutcome: PollError, wantClass: string(feeds.ClassDNS),
		},
		{
			name: "parse error",
			result: feeds.PollResult{Source: src, Duration: 5 * time.Millisecond,
				Err: &feeds.ParseError{Kind: feeds.KindHTML, Err: errors.New("no items matched")}},
			wantOutcome: PollError, wantClass: string(feeds.ClassParse), wantTimed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			m.Poll(tt.result)
			lbl := map[string]string{"source": src.ID}
			if got := value(t, m, "aajil_polls_total", map[string]string{"source": src.ID, "outcome": tt.wantOutcome}); got != 1 {
				t.Errorf("polls{outcome=%q} = %v, want 1", tt.wantOutcome, got)
			}
			for _, other := range []string{PollOK, PollNotModified, PollError} {
				if other == tt.wantOutcome {
					continue
				}
				if v, _, ok := sample(t, m, "aajil_polls_total", map[string]string{"source": src.ID, "outcome": other}); ok && v != 0 {
					t.Errorf("polls{outcome=%q} = %v, want 0", other, v)
				}
			}
			if tt.wantClass != "" {
				if got := value(t, m, "aajil_fetch_errors_total", map[string]string{"class": tt.wantClass}); got != 1 {
					t.Errorf("fetch_errors{class=%q} = %v, want 1", tt.wantClass, got)
				}
			} else if n := countSeries(t, m, "aajil_fetch_errors_total"); n != 0 {
				t.Errorf("fetch_errors has %d series, want 0", n)
			}
			items, _, _ := sample(t, m, "aajil_items_total", lbl)
			urgent, _, _ := sample(t, m, "aajil_urgent_items_total", lbl)
			if items != tt.wantItems || urgent != tt.wantUrgent {
				t.Errorf("items, urgent = %v, %v; want %v, %v", items, urgent, tt.wantItems, tt.wantUrgent)
			}
			secs, _, timed := sample(t, m, "aajil_poll_seconds_total", lbl)
			if timed != tt.wantTimed {
				t.Fatalf("poll seconds exposed = %v, want %v", timed, tt.wantTimed)
			}
			if timed && secs != tt.result.Duration.Seconds() {
				t.Errorf("poll seconds = %v, want %v", secs, tt.result.Duration.Seconds())
			}
			var wantCount, wantSum float64
			if tt.wantTimed {
				wantCount, wantSum = 1, tt.result.Duration.Seconds()
			}
			count, sum, _ := sample(t, m, "aajil_poll_duration_seconds", map[string]string{"kind": string(feeds.KindHTML)})
			if count != wantCount || sum != wantSum {
				t.Errorf("poll duration{kind=html} count, sum = %v, %v; want %v, %v", count, sum, wantCount, wantSum)
			}
			if n := countSeries(t, m, "aajil_poll_duration_seconds"); n != 4 {
				t.Errorf("poll duration has %d series, want 4 (one per kind)", n)
			}
		})
	}
}

func countSeries(t *testing.T, m *Metrics, name string) int {
	t.Helper()
	fams, err := m.reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return len(f.GetMetric())
		}
	}
	return 0
}

// TestPollFromPoller records the results of real polls of a fixture: a
// full document, a 304 for the same ETag, and a server error.
func TestPollFromPoller(t *testing.T) {
	body, err := os.ReadFile("../testdata/ar_aljazeera_net_scraped_2026-02-15_with_3ajil.rss")
	if err != nil {
		t.Fatal(err)
	}
	const etag = `"v1"`
	var fail atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(body)
	}))
	defer srv.Close()
	det, err := alerts.NewDetector(alerts.DefaultMarkers())
	if err != nil {
		t.Fatal(err)
	}
	p := feeds.NewPoller(feeds.NewFetcher(feeds.NewClient(feeds.ClientOptions{AllowPrivate: true}), ""), det)
	src := feeds.Source{ID: "aljazeera", URL: srv.URL}
	m := New()

	first := p.Poll(context.Background(), src, feeds.Validators{})
	if first.Err != nil {
		t.Fatalf("first poll: %v", first.Err)
	}
	m.Poll(first)
	second := p.Poll(context.Background(), src, first.Validators)
	if !second.NotModified {
		t.Fatalf("second poll: NotModified = false (err %v), want a 304", second.Err)
	}
	m.Poll(second)
	fail.Store(true)
	third := p.Poll(context.Background(), src, second.Validators)
	if third.Err == nil {
		t.Fatal("third poll: no error, want a 502")
	}
	m.Poll(third)

	var wantUrgent float64
	for _, it := range first.Items {
		if it.Urgent {
			wantUrgent++
		}
	}
	if len(first.Items) == 0 || wantUrgent == 0 {
		t.Fatalf("fixture gave %d items, %v urgent; want some of each", len(first.Items), wantUrgent)
	}
	lbl := map[string]string{"source": "aljazeera"}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"aajil_polls_total", map[string]string{"source": "aljazeera", "outcome": PollOK}, 1},
		{"aajil_polls_total", map[string]string{"source": "aljazeera", "outcome": PollNotModified}, 1},
		{"aajil_polls_total", map[string]string{"source": "aljazeera", "outcome": PollError}, 1},
		{"aajil_fetch_errors_total", map[string]string{"class": string(feeds.ClassHTTPStatus)}, 1},
		{"aajil_items_total", lbl, float64(len(first.Items))},
		{"aajil_urgent_items_total", lbl, wantUrgent},
	} {
		if got := value(t, m, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	m.Poll(feeds.PollResult{Source: src, NotModified: true, Duration: time.Second})
	m.RemoveSource("unknown")
	m.RemoveSource("aljazeera")
	for _, name := range []string{"aajil_polls_total", "aajil_items_total", "aajil_urgent_items_total", "aajil_poll_seconds_total"} {
		if n := countSeries(t, m, name); n != 0 {
			t.Errorf("after RemoveSource, %s has %d series, want 0", name, n)
		}
	}
}

func TestCounters(t *testing.T) {
	m := New()
	m.Alert()
	m.Alert()
	m.StoriesMerged(3)
	m.StoriesMerged(0)
	m.StoriesMerged(-2)
	m.Queued(10000)
	m.Delivered("sent")
	m.Delivered("sent")
	m.Delivered("blocked")
	m.RateLimited(true)
	m.RateLimited(false)
	m.RateLimited(false)
	m.Edited("edited")
	m.TelegramError(429)
	m.TelegramError(403)
	m.TelegramError(403)
	m.TelegramError(0)
	m.TelegramError(-1)
	m.TelegramError(99999)
	m.SetSources(12)
	m.SetSources(11)
	m.SetSubscribers(40, 2, 5)
	m.PartitionsHeld(4)
	m.Cascade(3)
	m.Cascade(0)
	m.Cascade(5)

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"aajil_alerts_total", nil, 2},
		{"aajil_stories_merged_total", nil, 3},
		{"aajil_deliveries_queued_total", nil, 10000},
		{"aajil_deliveries_total", map[string]string{"outcome": "sent"}, 2},
		{"aajil_deliveries_total", map[string]string{"outcome": "blocked"}, 1},
		{"aajil_deliveries_total", map[string]string{"outcome": "dead"}, 0},
		{"aajil_telegram_429_total", map[string]string{"scope": "global"}, 1},
		{"aajil_telegram_429_total", map[string]string{"scope": "chat"}, 2},
		{"aajil_edits_total", map[string]string{"outcome": "edited"}, 1},
		{"aajil_telegram_errors_total", map[string]string{"code": "429"}, 1},
		{"aajil_telegram_errors_total", map[string]string{"code": "403"}, 2},
		{"aajil_telegram_errors_total", map[string]string{"code": "0"}, 1},
		{"aajil_telegram_errors_total", map[string]string{"code": "other"}, 2},
		{"aajil_sources", nil, 11},
		{"aajil_cascades_total", nil, 3},
		{"aajil_cascade_polls_total", nil, 8},
		{"aajil_outbox_partitions_held", nil, 4},
		{"aajil_subscribers", map[string]string{"state": "active"}, 40},
		{"aajil_subscribers", map[string]string{"state": "paused"}, 2},
		{"aajil_subscribers", map[string]string{"state": "inactive"}, 5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s%v", tt.name, tt.labels), func(t *testing.T) {
			if got := value(t, m, tt.name, tt.labels); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if n := countSeries(t, m, "aajil_telegram_errors_total"); n != 4 {
		t.Errorf("telegram_errors has %d series, want 4 (429, 403, 0, other)", n)
	}
}

func TestLatency(t *testing.T) {
	confirmed := time.Date(2026, 3, 24, 4, 2, 0, 0, time.UTC)
	tests := []struct {
		name                 string
		firstSeen, published time.Time
		confirmed            time.Time
		wantAlert            []float64 // count, sum
		wantPublish          []float64
	}{
		{
			name:      "both",
			firstSeen: confirmed.Add(-1500 * time.Millisecond), published: confirmed.Add(-3 * time.Minute),
			confirmed: confirmed, wantAlert: []float64{1, 1.5}, wantPublish: []float64{1, 180},
		},
		{
			name:      "no publication time",
			firstSeen: confirmed.Add(-time.Second), confirmed: confirmed,
			wantAlert: []float64{1, 1}, wantPublish: []float64{0, 0},
		},
		{
			name:      "publication time in the future",
			firstSeen: confirmed.Add(-time.Second), published: confirmed.Add(3 * time.Hour), confirmed: confirmed,
			wantAlert: []float64{1, 1}, wantPublish: []float64{0, 0},
		},
		{
			name:      "first seen after confirmed (clock skew)",
			firstSeen: confirmed.Add(time.Second), published: confirmed.Add(-time.Hour), confirmed: confirmed,
			wantAlert: []float64{0, 0}, wantPublish: []float64{1, 3600},
		},
		{
			name:      "same instant",
			firstSeen: confirmed, published: confirmed, confirmed: confirmed,
			wantAlert: []float64{1, 0}, wantPublish: []float64{1, 0},
		},
		{
			name:      "no confirmation time",
			firstSeen: confirmed, published: confirmed,
			wantAlert: []float64{0, 0}, wantPublish: []float64{0, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			m.Latency(tt.firstSeen, tt.published, tt.confirmed)
			for _, h := range []struct {
				name string
				want []float64
			}{
				{"aajil_alert_latency_seconds", tt.wantAlert},
				{"aajil_publish_latency_seconds", tt.wantPublish},
			} {
				count, sum, ok := sample(t, m, h.name, nil)
				if !ok {
					t.Fatalf("%s not exposed", h.name)
				}
				if count != h.want[0] || sum != h.want[1] {
					t.Errorf("%s count, sum = %v, %v; want %v, %v", h.name, count, sum, h.want[0], h.want[1])
				}
			}
		})
	}
}

func TestQueue(t *testing.T) {
	t.Parallel() // waits out timeouts
	release := make(chan struct{})
	defer close(release)
	tests := []struct {
		name       string
		f          QueueFunc
		wantGauges []float64 // depth, pending, dead; nil: not exposed
		wantErrors float64
	}{
		{
			name:       "no function",
			wantGauges: nil,
		},
		{
			name: "values",
			f: func(context.Context) (int64, int64, int64, error) {
				return 120, 16, 3, nil
			},
			wantGauges: []float64{120, 16, 3},
		},
		{
			name: "redis down",
			f: func(context.Context) (int64, int64, int64, error) {
				return 0, 0, 0, fmt.Errorf("outbox depth: %w", net.ErrClosed)
			},
			wantErrors: 1,
		},
		{
			name: "a call ignoring its deadline",
			f: func(context.Context) (int64, int64, int64, error) {
				<-release
				return 1, 1, 1, nil
			},
			wantErrors: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			m.SetQueue(tt.f)
			fams := gather(t, m) // one scrape
			names := []string{"aajil_outbox_depth", "aajil_outbox_pending", "aajil_dead_letters"}
			for i, name := range names {
				got, _, ok := find(fams, name, nil)
				switch {
				case tt.wantGauges == nil && ok:
					t.Errorf("%s exposed as %v, want it left out", name, got)
				case tt.wantGauges != nil && !ok:
					t.Errorf("%s not exposed, want %v", name, tt.wantGauges[i])
				case tt.wantGauges != nil && got != tt.wantGauges[i]:
					t.Errorf("%s = %v, want %v", name, got, tt.wantGauges[i])
				}
			}
			// Read directly: within one scrape the counter may be
			// collected before or after the failing call.
			if got := testutil.ToFloat64(m.scrapeErrors); got != tt.wantErrors {
				t.Errorf("scrape errors = %v, want %v", got, tt.wantErrors)
			}
		})
	}
}

// TestQueueDeadline: the function is called with a deadline of
// QueueTimeout.
func TestQueueDeadline(t *testing.T) {
	m := New()
	var left atomic.Int64
	m.SetQueue(func(ctx context.Context) (int64, int64, int64, error) {
		dl, ok := ctx.Deadline()
		if !ok {
			return 0, 0, 0, errors.New("no deadline")
		}
		left.Store(int64(time.Until(dl)))
		return 0, 0, 0, nil
	})
	if _, _, ok := sample(t, m, "aajil_outbox_depth", nil); !ok {
		t.Fatal("aajil_outbox_depth not exposed")
	}
	if got := time.Duration(left.Load()); got <= 0 || got > QueueTimeout {
		t.Errorf("deadline in %v, want within (0, %v]", got, QueueTimeout)
	}
	m.SetQueue(nil)
	if _, _, ok := sample(t, m, "aajil_outbox_depth", nil); ok {
		t.Error("aajil_outbox_depth exposed after SetQueue(nil)")
	}
}

// TestNilMetrics: every method is a no-op on a nil *Metrics.
func TestNilMetrics(t *testing.T) {
	var m *Metrics
	recordAll(m)
	m.RemoveSource("sana-ticker")
	if r := m.Registry(); r != nil {
		t.Errorf("Registry() = %v, want nil", r)
	}
	// The sender takes the interface; a nil *Metrics in it must work too.
	var sm interface {
		Delivered(string)
		RateLimited(bool)
		Latency(firstSeen, published, confirmed time.Time)
		Edited(string)
		TelegramError(int)
		PartitionsHeld(int)
	} = m
	sm.Delivered("sent")

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil Handler status = %d, want %d", rec.Code, http.StatusNotFound)
	}
}

// TestRegistriesIndependent: two Metrics in one process do not share
// state (no global registry).
func TestRegistriesIndependent(t *testing.T) {
	a, b := New(), New()
	a.Alert()
	if got := value(t, b, "aajil_alerts_total", nil); got != 0 {
		t.Errorf("b alerts = %v after a.Alert(), want 0", got)
	}
	if got := value(t, a, "aajil_alerts_total", nil); got != 1 {
		t.Errorf("a alerts = %v, want 1", got)
	}
}

// BenchmarkPoll measures recording one successful poll of 30 items, the
// per-poll cost added to the scheduler.
func BenchmarkPoll(b *testing.B) {
	m := New()
	items := make([]feeds.Item, 30)
	for i := range items {
		items[i].Urgent = i%5 == 0
	}
	r := feeds.PollResult{Source: feeds.Source{ID: "sana-ticker"}, Items: items, Duration: 80 * time.Millisecond}
	b.ReportAllocs()
	for b.Loop() {
		m.Poll(r)
	}
}

// BenchmarkScrape measures one /metrics scrape in the text format.
func BenchmarkScrape(b *testing.B) {
	m := New()
	for i := range 50 {
		m.Poll(feeds.PollResult{Source: feeds.Source{ID: fmt.Sprintf("source-%d", i)}, Items: make([]feeds.Item, 20), Duration: time.Second})
	}
	m.SetQueue(func(context.Context) (int64, int64, int64, error) { return 1, 2, 3, nil })
	h := m.Handler()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
