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

// Every calls f every d until ctx ends; the first call is d after the
// start. A call that outlasts d delays the next one, never doubles it.
func Every(ctx context.Context, d time.Duration, f func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(ctx)
		}
	}
}
