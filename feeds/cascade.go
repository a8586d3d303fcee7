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
)

// Cascade polls the adaptive sources other than except soon (within
// CascadeSpread, through the per-host limits) and at their minimum
// interval until until (at most CascadeMaxFor on): another source has just
// broken a story, and the others are likely to follow. Pinned and fixed
// sources, failing ones, ones held by Retry-After and ones another
// instance polls are left alone. At most one cascade starts every
// CascadeEvery; one asked for sooner is dropped (the running one covers
// it).
func (s *Scheduler) Cascade(except string, until time.Time) {
	now := time.Now()
	if limit := now.Add(CascadeMaxFor); until.After(limit) {
		until = limit
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.lastCascade.IsZero() && now.Sub(s.lastCascade) < CascadeEvery {
		return
	}
	s.lastCascade = now
	pulled := 0
	for id, e := range s.entries {
		if id == except || e.removed || e.Paused || e.Failures > 0 || e.Skipped || e.holdUntil.After(now) {
			continue
		}
		if !policyOf(e.src, s.opts.FixedIntervals).adaptive {
			continue
		}
		e.CascadeUntil = until
		if e.state == stIdle && e.next.Sub(now) > CascadeLead {
			e.next = now.Add(time.Duration(s.rand() * float64(CascadeSpread)))
			heap.Fix(&s.due, e.index)
			pulled++
		}
	}
	s.log.Info("cascade", slog.String("after", except), slog.Int("pulled", pulled), slog.Time("until", until))
	s.nudge()
}
