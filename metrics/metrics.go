// Package metrics exposes Aajil's Prometheus metrics and its operations
// HTTP endpoint (/healthz, /readyz, /metrics).
//
// Every metric lives on a registry owned by one *Metrics, never on the
// global default registry, so tests and several instances in one process
// do not collide. All methods are safe on a nil *Metrics: a component that
// was given no metrics simply records nothing.
//
// Label values are bounded: source ids (set by admins), fixed outcome and
// class names, and Telegram error codes. Chat ids are never labels.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aajil/aajil/feeds"
)

// namespace prefixes every metric name.
const namespace = "aajil"

// Poll outcomes, the values of the outcome label of aajil_polls_total.
const (
	PollOK          = "ok"
	PollNotModified = "not_modified"
	PollError       = "error"
)

// Delivery outcomes the sender reports through Delivered; they are created
// at zero when Metrics is built so that rate() over them works from the
// first scrape.
var deliveryOutcomes = []string{"sent", "duplicate_skipped", "blocked", "migrated", "dead", "dropped", "retry", "photo_refused", "digest"}

// QueueFunc reports the outbox at scrape time: the entries in all outbox
// streams, those read but not yet acknowledged, and the dead letters.
type QueueFunc func(ctx context.Context) (depth, pending, deadLetters int64, err error)

// QueueTimeout bounds one call of the QueueFunc during a scrape, so a slow
// or unreachable Redis cannot hang Prometheus' scraper.
const QueueTimeout = 2 * time.Second

// pollKinds are the kinds of source, the values of the kind label of
// aajil_poll_duration_seconds, created at zero.
var pollKinds = []feeds.Kind{feeds.KindRSS, feeds.KindHTML, feeds.KindJSON, feeds.KindTelegram}

// Histogram buckets, in seconds.
var (
	// pollBuckets: a fetch and parse takes tens of milliseconds to the
	// client's timeout (tens of seconds).
	pollBuckets = []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}
	// alertBuckets: from the moment an item is first seen to Telegram's
	// confirmation — milliseconds when idle, seconds to a minute when a
	// large fan-out is rate-limited.
	alertBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300}
	// publishBuckets: from the source's own publication time, which
	// includes the source's delay in putting the item out and our poll
	// interval — seconds to hours.
	publishBuckets = []float64{5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600}
)

// Metrics holds Aajil's metrics and the registry they are exposed from.
// Build one with New; the zero value is not usable, a nil pointer is (it
// records nothing).
type Metrics struct {
	reg *prometheus.Registry

	sourcePolls  *sourceCollector // the per-source counters
	fetchErrors  *prometheus.CounterVec
	pollDuration *prometheus.HistogramVec
	cascades     prometheus.Counter
	cascadePolls prometheus.Counter

	alerts        prometheus.Counter
	storiesMerged prometheus.Counter
	queued        prometheus.Counter

	deliveries     *prometheus.CounterVec
	rateLimited    *prometheus.CounterVec
	alertLatency   prometheus.Histogram
	publishLatency prometheus.Histogram
	edits          *prometheus.CounterVec
	telegramErrors *prometheus.CounterVec
	scrapeErrors   prometheus.Counter
	sources        prometheus.Gauge
	partitions     prometheus.Gauge
	subscribers    *prometheus.GaugeVec
	queueCollector *queueCollector
}

// New builds a Metrics with its own registry, on which it also registers
// the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.initPolls()
	m.initPipeline()
	m.initDelivery()
	m.initGauges()
	m.queueCollector = newQueueCollector(m.scrapeErrors)

	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.sourcePolls, m.fetchErrors, m.pollDuration, m.cascades, m.cascadePolls,
		m.alerts, m.storiesMerged, m.queued,
		m.deliveries, m.rateLimited, m.alertLatency, m.publishLatency, m.edits,
		m.telegramErrors, m.scrapeErrors, m.sources, m.partitions, m.subscribers,
		m.queueCollector,
	)

	// Series whose label values are known up front start at zero, so that
	// rate() and ratios over them are defined before the first event.
	for _, o := range deliveryOutcomes {
		m.deliveries.WithLabelValues(o)
	}
	m.rateLimited.WithLabelValues("global")
	m.rateLimited.WithLabelValues("chat")
	for _, k := range pollKinds {
		m.pollDuration.WithLabelValues(string(k))
	}
	return m
}

// initPolls builds the metrics of the polls, by source.
func (m *Metrics) initPolls() {
	m.sourcePolls = newSourceCollector()
	m.fetchErrors = counterVec("fetch_errors_total",
		"Failed polls, by error class (dns, connect, tls, timeout, http_status, too_large, parse, blocked, canceled, other).", "class")
	// The histogram is by kind, not by source: a histogram's buckets for
	// each of thousands of sources were the largest part of the metrics'
	// memory and the series count Prometheus advises against; a source's
	// own time is aajil_poll_seconds_total.
	m.pollDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "poll_duration_seconds",
		Help:    "Time to fetch and parse a source, by kind of source (rss, html, json, telegram).",
		Buckets: pollBuckets,
	}, []string{"kind"})
	m.cascades = counter("cascades_total",
		"Cascades started: a new urgent story had the other adaptive sources polled soon and at their minimum interval.")
	m.cascadePolls = counter("cascade_polls_total",
		"Polls brought forward by cascades (sources due more than 10 s later, polled within 3 s).")
}

// initPipeline builds the metrics of the stories found and queued.
func (m *Metrics) initPipeline() {
	m.alerts = counter("alerts_total",
		"New stories alerted (one per story, before fan-out to subscribers).")
	m.storiesMerged = counter("stories_merged_total",
		"Items found to tell a story already alerted by another source.")
	m.queued = counter("deliveries_queued_total",
		"Deliveries (one story to one chat) added to the outbox.")
}

// initDelivery builds the metrics of the sends to Telegram.
func (m *Metrics) initDelivery() {
	m.deliveries = counterVec("deliveries_total",
		"Delivery attempts, by outcome: sent, blocked, migrated, dead, dropped, retry.", "outcome")
	m.rateLimited = counterVec("telegram_429_total",
		"Telegram 429 (Too Many Requests) answers, by scope: global (every chat waits) or chat.", "scope")
	m.alertLatency = histogram("alert_latency_seconds",
		"Time from an item first being seen to Telegram confirming its delivery.", alertBuckets)
	m.publishLatency = histogram("publish_latency_seconds",
		"Time from the source's publication time to Telegram confirming delivery (items with a publication time only).", publishBuckets)
	m.edits = counterVec("edits_total",
		"\"Also reported by\" edits of sent messages, by outcome.", "outcome")
	m.telegramErrors = counterVec("telegram_errors_total",
		"Errors answered by the Telegram Bot API, by error code (0: no answer, e.g. a timeout).", "code")
}

// initGauges builds the gauges and the scrape error count.
func (m *Metrics) initGauges() {
	m.scrapeErrors = counter("scrape_errors_total",
		"Scrapes in which the outbox gauges could not be read (Redis unreachable or slow).")
	m.sources = gauge("sources", "Sources configured (paused ones included).")
	m.partitions = gauge("outbox_partitions_held",
		"Outbox partitions this instance consumes (its share of the sending).")
	m.subscribers = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "subscribers",
		Help: "Subscribers, by state: active, paused, inactive (blocked the bot or chat gone).",
	}, []string{"state"})
}

// counter builds the counter aajil_<name>.
func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help})
}

// counterVec builds the counter aajil_<name> with a series per value of
// its labels.
func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
}

// gauge builds the gauge aajil_<name>.
func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help})
}

// histogram builds the histogram aajil_<name> with buckets (in seconds).
func histogram(name, help string, buckets []float64) prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Name: name, Help: help, Buckets: buckets})
}

// Registry returns the registry the metrics are registered on, for adding
// collectors of other components.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// Handler serves the metrics in the Prometheus exposition formats. On a
// nil *Metrics it answers 404 "metrics disabled".
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "metrics disabled", http.StatusNotFound)
		})
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// A failing collector must not blank the whole page: the other
		// metrics are what an operator needs most when something fails.
		ErrorHandling:     promhttp.ContinueOnError,
		Registry:          m.reg,
		EnableOpenMetrics: true,
	})
}

// Poll records one poll of a source: its outcome, the class of its error,
// the items in the document and how many are urgent, and how long the
// fetch and parse took.
func (m *Metrics) Poll(r feeds.PollResult) {
	if m == nil {
		return
	}
	outcome := outcomeOK
	switch {
	case r.Err != nil:
		outcome = outcomeError
		m.fetchErrors.WithLabelValues(string(feeds.ClassOf(r.Err))).Inc()
	case r.NotModified:
		outcome = outcomeNotModified
	}
	urgent := 0
	for _, it := range r.Items {
		if it.Urgent {
			urgent++
		}
	}
	m.sourcePolls.poll(r.Source.ID, outcome, len(r.Items), urgent, r.Duration.Seconds())
	if r.Duration > 0 {
		m.pollDuration.WithLabelValues(string(r.Source.EffectiveKind())).Observe(r.Duration.Seconds())
	}
}

// Cascade counts one cascade started that brought pulled polls forward
// (feeds.SchedulerOptions.OnCascade).
func (m *Metrics) Cascade(pulled int) {
	if m == nil {
		return
	}
	m.cascades.Inc()
	if pulled > 0 {
		m.cascadePolls.Add(float64(pulled))
	}
}

// RemoveSource drops every series labelled with source id, for a source
// that was deleted, so its last values do not linger in /metrics.
func (m *Metrics) RemoveSource(id string) {
	if m == nil {
		return
	}
	m.sourcePolls.remove(id)
}

// Alert counts one new story alerted.
func (m *Metrics) Alert() {
	if m == nil {
		return
	}
	m.alerts.Inc()
}

// StoriesMerged counts n items merged into stories already alerted.
func (m *Metrics) StoriesMerged(n int) {
	if m == nil || n <= 0 {
		return
	}
	m.storiesMerged.Add(float64(n))
}

// Queued counts n deliveries added to the outbox.
func (m *Metrics) Queued(n int) {
	if m == nil || n <= 0 {
		return
	}
	m.queued.Add(float64(n))
}

// Delivered counts one delivery attempt ending in outcome ("sent",
// "blocked", "migrated", "dead", "dropped", "retry", "photo_refused" (a
// photo alert that goes as text instead) or "digest" (held for the
// chat's digest)).
func (m *Metrics) Delivered(outcome string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(outcome).Inc()
}

// RateLimited counts a 429 from Telegram; global says it held back every
// chat rather than one.
func (m *Metrics) RateLimited(global bool) {
	if m == nil {
		return
	}
	scope := "chat"
	if global {
		scope = "global"
	}
	m.rateLimited.WithLabelValues(scope).Inc()
}

// Latency observes a confirmed delivery: firstSeen → confirmed in
// aajil_alert_latency_seconds and, when the source gave a publication time
// that is not after the confirmation, published → confirmed in
// aajil_publish_latency_seconds. A zero firstSeen, or one after confirmed
// (clocks of two instances disagreeing), is not observed.
func (m *Metrics) Latency(firstSeen, published, confirmed time.Time) {
	if m == nil || confirmed.IsZero() {
		return
	}
	if !firstSeen.IsZero() && !firstSeen.After(confirmed) {
		m.alertLatency.Observe(confirmed.Sub(firstSeen).Seconds())
	}
	// A publication time in the future is a source's clock or time-zone
	// mistake; observing it as zero would flatter the histogram.
	if !published.IsZero() && !published.After(confirmed) {
		m.publishLatency.Observe(confirmed.Sub(published).Seconds())
	}
}

// Edited counts one "also reported by" edit ending in outcome.
func (m *Metrics) Edited(outcome string) {
	if m == nil {
		return
	}
	m.edits.WithLabelValues(outcome).Inc()
}

// TelegramError counts an error answered by the Bot API with code (its
// error_code; 0 when there was no answer). Codes outside 100–599 are
// counted as "other", which keeps the label's values few.
func (m *Metrics) TelegramError(code int) {
	if m == nil {
		return
	}
	label := "other"
	if code == 0 || (code >= 100 && code <= 599) {
		label = strconv.Itoa(code)
	}
	m.telegramErrors.WithLabelValues(label).Inc()
}

// SetSources sets the number of sources configured.
func (m *Metrics) SetSources(n int) {
	if m == nil {
		return
	}
	m.sources.Set(float64(n))
}

// PartitionsHeld sets the number of outbox partitions this instance
// consumes; with several instances, each holds about its share.
func (m *Metrics) PartitionsHeld(n int) {
	if m == nil {
		return
	}
	m.partitions.Set(float64(n))
}

// SetSubscribers sets the number of subscribers in each state: active
// (receiving alerts), paused (/pause) and inactive (the bot was blocked or
// the chat is gone).
func (m *Metrics) SetSubscribers(active, paused, inactive int) {
	if m == nil {
		return
	}
	m.subscribers.WithLabelValues("active").Set(float64(active))
	m.subscribers.WithLabelValues("paused").Set(float64(paused))
	m.subscribers.WithLabelValues("inactive").Set(float64(inactive))
}

// SetQueue installs the function read at every scrape for the gauges
// aajil_outbox_depth, aajil_outbox_pending and aajil_dead_letters. It is
// called with a QueueTimeout deadline; when it fails the three gauges are
// left out of that scrape and aajil_scrape_errors_total is incremented.
// A nil f removes the gauges.
func (m *Metrics) SetQueue(f QueueFunc) {
	if m == nil {
		return
	}
	m.queueCollector.set(f)
}

// queueCollector reads the outbox gauges at scrape time: they live in
// Redis, shared by every instance, so a value pushed by one instance would
// be stale on the others.
type queueCollector struct {
	depth, pending, dead *prometheus.Desc
	errors               prometheus.Counter

	mu sync.Mutex
	f  QueueFunc
}

func newQueueCollector(errors prometheus.Counter) *queueCollector {
	return &queueCollector{
		depth: prometheus.NewDesc(namespace+"_outbox_depth",
			"Entries in all outbox streams (sent ones are deleted), read from Redis at scrape time.", nil, nil),
		pending: prometheus.NewDesc(namespace+"_outbox_pending",
			"Outbox entries read by a sender but not yet acknowledged, read from Redis at scrape time.", nil, nil),
		dead: prometheus.NewDesc(namespace+"_dead_letters",
			"Entries in the dead-letter stream (deliveries given up on), read from Redis at scrape time.", nil, nil),
		errors: errors,
	}
}

func (c *queueCollector) set(f QueueFunc) {
	c.mu.Lock()
	c.f = f
	c.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.pending
	ch <- c.dead
}

// Collect implements prometheus.Collector. The Collector interface carries
// no context, so the deadline starts from Background.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	f := c.f
	c.mu.Unlock()
	if f == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), QueueTimeout)
	defer cancel()
	type result struct {
		depth, pending, dead int64
		err                  error
	}
	// f runs on its own goroutine so that one ignoring its context cannot
	// hold the scrape past the deadline; the buffered channel lets it
	// finish and be collected whenever it returns.
	done := make(chan result, 1)
	go func() {
		var r result
		r.depth, r.pending, r.dead, r.err = f(ctx)
		done <- r
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		r.err = ctx.Err()
	}
	if r.err != nil {
		c.errors.Inc()
		return
	}
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(r.depth))
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(r.pending))
	ch <- prometheus.MustNewConstMetric(c.dead, prometheus.GaugeValue, float64(r.dead))
}
