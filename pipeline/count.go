package pipeline

import (
	"cmp"
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
)

// countTimeout bounds the counting of one alert.
const countTimeout = 2 * time.Second

// CountQueued returns an Outbox that enqueues through o and reports the
// number of deliveries queued to queued.
func CountQueued(o Outbox, queued func(n int)) Outbox {
	return countingOutbox{o: o, queued: queued}
}

type countingOutbox struct {
	o      Outbox
	queued func(n int)
}

func (c countingOutbox) Enqueue(ctx context.Context, deliveries []store.Delivery) (int, error) {
	n, err := c.o.Enqueue(ctx, deliveries)
	c.queued(n)
	return n, err
}

// Counter adds to the counters shown by /stats and /feeds.
type Counter interface {
	Add(ctx context.Context, c store.Counter, n int64) error
}

// AlertCounter counts every new urgent story: in the process's metrics
// (Metric), and overall and per source in the store, then hands it on
// (Next). It is a Pipeline's OnAlert.
type AlertCounter struct {
	// Store keeps the counters (store.CounterAlerts and the source's
	// store.SourceAlerts).
	Store Counter
	// Metric, when set, is called once per alert.
	Metric func()
	// Next, when set, is called with each alert after it was counted.
	Next func(Alert)
	// Log reports a count that failed, at debug level.
	Log *slog.Logger
	// Recent, when set, keeps each alert among the latest urgent stories
	// (what /last shows a chat that never got an alert).
	Recent RecentRecorder
}

// RecentRecorder keeps the latest urgent stories (a *store.Store).
type RecentRecorder interface {
	RecordUrgent(ctx context.Context, h store.HistoryEntry) error
}

// OnAlert counts a and hands it on.
func (c *AlertCounter) OnAlert(a Alert) {
	if c.Metric != nil {
		c.Metric()
	}
	ctx, cancel := context.WithTimeout(context.Background(), countTimeout)
	defer cancel()
	if err := c.count(ctx, a.Source.ID); err != nil {
		c.Log.Debug("alert not counted", slog.Any("error", err))
	}
	if c.Recent != nil {
		h := store.HistoryEntry{StoryID: a.StoryID, SourceID: a.Source.ID, Title: a.Item.Title, Link: a.Item.Link,
			Urgent: true, Published: a.Item.Published, At: time.Now()}
		if err := c.Recent.RecordUrgent(ctx, h); err != nil {
			c.Log.Debug("alert not kept among the latest", slog.Any("error", err))
		}
	}
	if c.Next != nil {
		c.Next(a)
	}
}

// count counts a new urgent story, overall and for its source.
func (c *AlertCounter) count(ctx context.Context, source string) error {
	if err := c.Store.Add(ctx, store.CounterAlerts, 1); err != nil {
		return err
	}
	return c.Store.Add(ctx, store.SourceAlerts(source), 1)
}

// ItemCounter counts each source's new items, and how many of them were
// urgent, in the store (store.SourceItems, store.SourceUrgentItems): the
// figures of the web console's Sources page. Its OnFresh is a Pipeline's.
//
// Counts are gathered in memory and written together, in one round trip,
// Every after the first of them: a busy process writes them once a
// second whatever the number of polls, an idle one never wakes for them.
// Flush writes what is gathered at once (at shutdown).
type ItemCounter struct {
	Store ManyCounter
	// Every is how long counts gather before they are written; one
	// second when zero.
	Every time.Duration
	// Log reports a count that failed, at debug level.
	Log *slog.Logger

	mu      sync.Mutex
	pending map[store.Counter]int64
	timer   *time.Timer // set while counts gather
}

// ManyCounter adds several counters in one call (a *store.Store).
type ManyCounter interface {
	AddMany(ctx context.Context, counts map[store.Counter]int64, now time.Time) error
}

// OnFresh counts a source's new items.
func (c *ItemCounter) OnFresh(src feeds.Source, fresh []feeds.Item) {
	if len(fresh) == 0 {
		return
	}
	urgent := 0
	for _, it := range fresh {
		if it.Urgent {
			urgent++
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[store.Counter]int64{}
	}
	c.pending[store.SourceItems(src.ID)] += int64(len(fresh))
	if urgent > 0 {
		c.pending[store.SourceUrgentItems(src.ID)] += int64(urgent)
	}
	if c.timer == nil {
		c.timer = time.AfterFunc(cmp.Or(c.Every, time.Second), func() {
			ctx, cancel := context.WithTimeout(context.Background(), countTimeout)
			defer cancel()
			c.Flush(ctx)
		})
	}
}

// Flush writes the counts gathered so far. Counts that could not be
// written are logged and dropped: they are figures for a page, and a
// retry could count them twice.
func (c *ItemCounter) Flush(ctx context.Context) {
	c.mu.Lock()
	counts := c.pending
	c.pending = nil
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.mu.Unlock()
	if len(counts) == 0 {
		return
	}
	if err := c.Store.AddMany(ctx, counts, time.Now()); err != nil {
		c.Log.Debug("items not counted", slog.Int("counters", len(counts)), slog.Any("error", err))
	}
}
