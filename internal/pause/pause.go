// Package pause waits for a while unless told to stop: the one
// cancellable sleep of the bot and the delivery engine (For, Until), and
// the one loop that does a job at every interval until stopped (Every).
package pause

import (
	"context"
	"time"
)

// For waits d and reports true, or false as soon as ctx ends. A d of
// zero or less does not wait: it reports whether ctx is still live.
func For(ctx context.Context, d time.Duration) bool {
	return Until(ctx, nil, d)
}

// Until is For that also ends, reporting false, when stop is closed. A
// nil stop is never closed.
func Until(ctx context.Context, stop <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-stop:
		return false
	case <-t.C:
		return true
	}
}

// Every calls f every d until ctx ends, at the multiples of d on the
// wall clock (Tick): the first call is at the first one after the start,
// less than d after it. A call that outlasts d delays the next one to the
// multiple after it, never doubles it.
func Every(ctx context.Context, d time.Duration, f func(context.Context)) {
	t := NewTick(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(ctx)
			t.Next()
		}
	}
}

// Tick is a ticker whose ticks fall on the multiples of its period on the
// wall clock (whole seconds for a period of a second), so that the
// periodic work of a process on the same period, or on multiples of it,
// shares its wake-ups instead of waking it once for each. After each
// tick received from C, call Next for the next one.
type Tick struct {
	C <-chan time.Time
	t *time.Timer
	d time.Duration
}

// NewTick returns a Tick of period d (a millisecond at least), its first
// tick at the next multiple of d.
func NewTick(d time.Duration) *Tick {
	d = max(d, time.Millisecond)
	t := time.NewTimer(untilNext(d))
	return &Tick{C: t.C, t: t, d: d}
}

// Next arms the tick for the next multiple of its period.
func (t *Tick) Next() { t.t.Reset(untilNext(t.d)) }

// Stop stops the tick.
func (t *Tick) Stop() { t.t.Stop() }

// untilNext is the time to the next multiple of d after now.
func untilNext(d time.Duration) time.Duration {
	now := time.Now()
	return now.Truncate(d).Add(d).Sub(now)
}
