package feeds

import (
	"container/heap"
	"log/slog"
	"time"
)

// Limits of a cascade.
const (
	// CascadeLead: a source due further away than this is pulled forward.
	CascadeLead = 10 * time.Second
	// CascadeSpread is the window the pulled sources are due within.
	CascadeSpread = 3 * time.Second
	// CascadeMaxFor caps how long a cascade lasts.
	CascadeMaxFor = 5 * time.Minute
	// CascadeEvery is the least time between two cascades: a storm of
	// urgent items starts one, not a flood of them.
	CascadeEvery = 30 * time.Second
	// CascadePoll is how often a source is polled during a cascade, after
	// the poll it brought forward (never below the source's min_interval,
	// and a source polled more often keeps its own interval).
	CascadePoll = 30 * time.Second
)

// DefaultCascadeFor is how long a cascade lasts unless its caller says
// otherwise (pipeline.Options.CascadeFor).
const DefaultCascadeFor = 2 * time.Minute

// CascadeGate lets at most one cascade start every CascadeEvery and caps
// how long one lasts. The zero value is ready to use; it is not safe for
// concurrent use.
type CascadeGate struct {
	last time.Time
}

// Start asks to start a cascade at now lasting until until. It returns
// the end of the cascade (until, at most CascadeMaxFor after now) and
// true, or false when a cascade started less than CascadeEvery ago (that
// one covers it).
func (g *CascadeGate) Start(now, until time.Time) (time.Time, bool) {
	if !g.last.IsZero() && now.Sub(g.last) < CascadeEvery {
		return time.Time{}, false
	}
	g.last = now
	if limit := now.Add(CascadeMaxFor); until.After(limit) {
		until = limit
	}
	return until, true
}

// CascadeDue returns when a source in a cascade is next polled: next
// when that is at most CascadeLead after now, otherwise within
// CascadeSpread of now, placed at random by rnd (values in [0, 1));
// pulled says which.
func CascadeDue(now, next time.Time, rnd func() float64) (due time.Time, pulled bool) {
	if next.Sub(now) <= CascadeLead {
		return next, false
	}
	return now.Add(time.Duration(rnd() * float64(CascadeSpread))), true
}

// Cascade polls the adaptive sources other than except soon (within
// CascadeSpread, through the per-host limits) and at their minimum
// interval until until (at most CascadeMaxFor on): another source has just
// broken a story, and the others are likely to follow. Pinned and fixed
// sources, failing ones, ones held by Retry-After and ones another
// instance polls are left alone. At most one cascade starts every
// CascadeEvery; one asked for sooner is dropped (the running one covers
// it). SchedulerOptions.OnCascade is told of each one started.
func (s *Scheduler) Cascade(except string, until time.Time) {
	now := time.Now()
	s.mu.Lock()
	until, ok := s.cascades.Start(now, until)
	if !ok {
		s.mu.Unlock()
		return
	}
	pulled := 0
	for id, e := range s.entries {
		if id == except || e.removed || e.Paused || e.Failures > 0 || e.Skipped || e.holdUntil.After(now) {
			continue
		}
		if !e.adapt.Cascade(until) {
			continue
		}
		e.CascadeUntil = until
		if e.state != stIdle {
			continue
		}
		if next, ok := CascadeDue(now, e.next, s.rand); ok {
			e.next = next
			heap.Fix(&s.due, e.index)
			pulled++
		}
	}
	s.mu.Unlock()
	s.log.Info("cascade", slog.String("after", except), slog.Int("pulled", pulled), slog.Time("until", until))
	s.nudge()
	if s.opts.OnCascade != nil {
		s.opts.OnCascade(pulled)
	}
}
