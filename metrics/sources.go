package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// sourceCollector holds the per-source counters (aajil_polls_total,
// aajil_items_total, aajil_urgent_items_total, aajil_poll_seconds_total)
// as one small record per source and builds their series at scrape time.
// A CounterVec keeps a counter object, its label pairs and a hash entry
// for each series: with thousands of sources, five series each, that was
// a megabyte or two of the live heap; a record is a few words.
//
// A series is exposed once it has been counted, as a CounterVec's would
// be: a poll outcome once it happened, the items counts once a document
// brought items, the poll seconds once a poll was timed.
type sourceCollector struct {
	polls, items, urgent, seconds *prometheus.Desc

	mu sync.Mutex
	by map[string]*sourceCounts
}

// sourceCounts are one source's counters.
type sourceCounts struct {
	polls         [3]uint64 // by outcome: outcomeOK…
	items, urgent float64   // items > 0 once a document brought items
	seconds       float64   // > 0 once a poll was timed
}

// pollOutcomes are the values of the outcome label, in the order of
// sourceCounts.polls: outcomeOK, outcomeNotModified, outcomeError.
var pollOutcomes = [3]string{PollOK, PollNotModified, PollError}

const (
	outcomeOK = iota
	outcomeNotModified
	outcomeError
)

func newSourceCollector() *sourceCollector {
	return &sourceCollector{
		polls: prometheus.NewDesc(namespace+"_polls_total",
			"Polls of a source, by outcome: ok, not_modified (HTTP 304) or error.", []string{"source", "outcome"}, nil),
		items: prometheus.NewDesc(namespace+"_items_total",
			"Items found in the polled documents (new or not), by source.", []string{"source"}, nil),
		urgent: prometheus.NewDesc(namespace+"_urgent_items_total",
			"Items marked urgent in the polled documents (new or not), by source.", []string{"source"}, nil),
		seconds: prometheus.NewDesc(namespace+"_poll_seconds_total",
			"Time spent fetching and parsing a source, by source: over aajil_polls_total, the mean time of its polls.", []string{"source"}, nil),
		by: make(map[string]*sourceCounts),
	}
}

// poll counts one poll of source id: its outcome (outcomeOK…), its items (items > 0 only) and its time (seconds > 0
// only).
func (c *sourceCollector) poll(id string, outcome int, items, urgent int, seconds float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.by[id]
	if s == nil {
		s = &sourceCounts{}
		c.by[id] = s
	}
	s.polls[outcome]++
	if items > 0 {
		s.items += float64(items)
		s.urgent += float64(urgent)
	}
	if seconds > 0 {
		s.seconds += seconds
	}
}

// remove drops a source's counters.
func (c *sourceCollector) remove(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.by, id)
}

// Describe implements prometheus.Collector.
func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.polls
	ch <- c.items
	ch <- c.urgent
	ch <- c.seconds
}

// Collect implements prometheus.Collector. The counts are copied under
// the lock, the series built after it, so a scrape holds polls back for a
// copy only.
func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	type row struct {
		id string
		sourceCounts
	}
	c.mu.Lock()
	rows := make([]row, 0, len(c.by))
	for id, s := range c.by {
		rows = append(rows, row{id: id, sourceCounts: *s})
	}
	c.mu.Unlock()
	for _, r := range rows {
		for i, n := range r.polls {
			if n > 0 {
				ch <- prometheus.MustNewConstMetric(c.polls, prometheus.CounterValue, float64(n), r.id, pollOutcomes[i])
			}
		}
		if r.items > 0 {
			ch <- prometheus.MustNewConstMetric(c.items, prometheus.CounterValue, r.items, r.id)
			ch <- prometheus.MustNewConstMetric(c.urgent, prometheus.CounterValue, r.urgent, r.id)
		}
		if r.seconds > 0 {
			ch <- prometheus.MustNewConstMetric(c.seconds, prometheus.CounterValue, r.seconds, r.id)
		}
	}
}
