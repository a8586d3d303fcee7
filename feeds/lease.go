package feeds

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// SourceLeaser leases sources to one instance at a time among the
// instances that share them.
type SourceLeaser interface {
	LeaseSource(ctx context.Context, id, holder string, ttl time.Duration) (ok bool, left time.Duration, err error)
	ReleaseSources(ctx context.Context, holder string, ids []string) error
}

// LeasedPoller polls a source only while this instance holds its lease,
// so that several instances on one Redis poll each source once. The lease
// lasts about an interval and a half, so the holder renews it at every
// poll and, when the holder dies, another instance takes the source over
// within two intervals (LeaseTTL). If the leaser cannot be asked, the
// source is polled anyway: a duplicate fetch costs little, and the seen
// set keeps it from alerting twice.
type LeasedPoller struct {
	inner  SourcePoller
	leases SourceLeaser
	holder string
	log    *slog.Logger

	mu   sync.Mutex
	held map[string]bool
}

// NewLeasedPoller returns a poller that polls through inner the sources
// whose lease holder takes from leases.
func NewLeasedPoller(inner SourcePoller, leases SourceLeaser, holder string, log *slog.Logger) *LeasedPoller {
	return &LeasedPoller{inner: inner, leases: leases, holder: holder, log: log, held: make(map[string]bool)}
}

// LeaseTTL is how long a poll's lease on its source lasts: an interval
// and a half (the holder's next poll comes an interval later, give or
// take its jitter), plus up to a second for a slow poll, and never more
// than two intervals, so a dead holder's sources are taken over within two
// intervals of its last poll.
func LeaseTTL(src Source) time.Duration {
	iv := src.EffectiveInterval()
	return iv + iv/2 + min(time.Second, iv/2)
}

// Poll takes or renews the source's lease and polls it; while another
// instance holds the lease, the poll is skipped until the lease may lapse.
func (l *LeasedPoller) Poll(ctx context.Context, src Source, v Validators) PollResult {
	ok, left, err := l.leases.LeaseSource(ctx, src.ID, l.holder, LeaseTTL(src))
	if err != nil {
		l.log.Debug("source lease unavailable; polling anyway", slog.String("source", src.ID), slog.Any("error", err))
		ok = true
	}
	l.mu.Lock()
	was := l.held[src.ID]
	l.held[src.ID] = ok
	l.mu.Unlock()
	if !ok {
		if was {
			l.log.Info("source taken over by another instance", slog.String("source", src.ID))
		}
		return PollResult{Source: src, Validators: v, Skipped: true, RetryAfter: left + 100*time.Millisecond}
	}
	return l.inner.Poll(ctx, src, v)
}

// Release gives up the leases held, so that another instance takes the
// sources over at once rather than when the leases lapse.
func (l *LeasedPoller) Release(ctx context.Context) {
	l.mu.Lock()
	var ids []string
	for id, held := range l.held {
		if held {
			ids = append(ids, id)
		}
	}
	l.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	if err := l.leases.ReleaseSources(ctx, l.holder, ids); err != nil {
		l.log.Debug("source leases not released; they lapse on their own", slog.Any("error", err))
	}
}
