package websub

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
)

// HealthStore lists the subscriptions (store.Store).
type HealthStore interface {
	WebSubs(ctx context.Context) ([]store.WebSubSubscription, error)
}

// PollSooner brings a source's next poll forward (feeds.Scheduler).
type PollSooner interface {
	PollBy(id string, at time.Time)
}

// HealthOptions configure a Health. Store is required.
type HealthOptions struct {
	Store HealthStore
	// Slow is the interval of a source while its pushes are healthy.
	// Default DefaultSlowPoll.
	Slow time.Duration
	// Quiet is how long a verified subscription may go without a push or
	// a renewal's verification before it no longer counts as healthy.
	// Default DefaultQuiet.
	Quiet time.Duration
	// Every is how often the subscriptions are read. Default 30 s.
	Every  time.Duration
	Logger *slog.Logger
	Now    func() time.Time // default time.Now
}

// DefaultSlowPoll is the interval of a source whose pushes are healthy.
const DefaultSlowPoll = 15 * time.Minute

// DefaultQuiet is how long a pushed source may stay silent before it is
// polled at its own interval again.
const DefaultQuiet = 2 * time.Hour

// Health knows, on every instance, which sources are pushed healthily —
// a verified subscription whose lease has not lapsed and that was heard
// from (a push or a verification) within Quiet — and gives the scheduler
// their slower interval (IntervalFor). It is safe for concurrent use.
type Health struct {
	opts HealthOptions
	log  *slog.Logger

	mu    sync.Mutex
	until map[string]time.Time // source id → healthy until
	// healthy are the sources healthy at the last refresh.
	healthy map[string]bool
}

// NewHealth returns a Health that knows of no subscription until Refresh
// or Run reads them.
func NewHealth(opts HealthOptions) *Health {
	if opts.Slow <= 0 {
		opts.Slow = DefaultSlowPoll
	}
	if opts.Quiet <= 0 {
		opts.Quiet = DefaultQuiet
	}
	if opts.Every <= 0 {
		opts.Every = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Health{opts: opts, log: opts.Logger, until: map[string]time.Time{}}
}

// IntervalFor is the scheduler's interval override
// (feeds.SchedulerOptions.IntervalFor): Slow for a source pushed
// healthily whose own interval is shorter, 0 (its own) otherwise.
func (h *Health) IntervalFor(src feeds.Source) time.Duration {
	if h.Healthy(src.ID) && src.EffectiveInterval() < h.opts.Slow {
		return h.opts.Slow
	}
	return 0
}

// Healthy reports whether source id is pushed healthily now.
func (h *Health) Healthy(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.opts.Now().Before(h.until[id])
}

// Run refreshes every Every until ctx is done; a source that stopped
// being healthy is polled at once through sched (nil: not).
func (h *Health) Run(ctx context.Context, sched PollSooner) {
	t := time.NewTicker(h.opts.Every)
	defer t.Stop()
	for {
		h.Refresh(ctx, sched)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh reads the subscriptions once. The sources that were healthy
// and are no longer are polled now through sched (nil: not). At the
// first refresh, those are all the sources with a subscription not
// healthy: an instance that starts again restores the poll times of the
// last run, which for a pushed source are up to the slow interval away,
// and its pushes may have stopped meanwhile.
func (h *Health) Refresh(ctx context.Context, sched PollSooner) {
	subs, err := h.opts.Store.WebSubs(ctx)
	if err != nil {
		h.log.Warn("websub health not refreshed", slog.Any("error", err))
		return
	}
	until := make(map[string]time.Time, len(subs))
	subscribed := make(map[string]bool, len(subs))
	for _, s := range subs {
		subscribed[s.Source] = true
		if s.State != store.WebSubVerified {
			continue
		}
		heard := s.Verified
		if s.LastPush.After(heard) {
			heard = s.LastPush
		}
		u := heard.Add(h.opts.Quiet)
		if s.Expires.Before(u) {
			u = s.Expires
		}
		if u.After(until[s.Source]) {
			until[s.Source] = u
		}
	}
	now := h.opts.Now()
	healthy := make(map[string]bool, len(until))
	for id, u := range until {
		if now.Before(u) {
			healthy[id] = true
		}
	}
	h.mu.Lock()
	was := h.healthy
	if was == nil {
		was = subscribed
	}
	var lapsed []string
	for id := range was {
		if !healthy[id] {
			lapsed = append(lapsed, id)
		}
	}
	h.until, h.healthy = until, healthy
	h.mu.Unlock()
	for _, id := range lapsed {
		h.log.Info("websub push no longer healthy; polled at its own interval", slog.String("source", id))
		if sched != nil {
			sched.PollBy(id, now)
		}
	}
}
