package feeds

import (
	"math/rand/v2"
	"time"
)

// Limits of the delay between the polls of a failing source.
const (
	// DefaultMaxBackoff caps the delay after repeated failures when no
	// other cap is configured. Thirty minutes keeps a broken source from
	// costing much while still noticing, within a news cycle, that it is
	// back.
	DefaultMaxBackoff = 30 * time.Minute
	// MaxRetryAfter caps the Retry-After a server may ask for. A bogus
	// header ("Retry-After: 99999999") must not silence a source for good,
	// and a breaking-news source that is quiet for more than a few hours
	// is worth asking again even if it asked for more.
	MaxRetryAfter = 6 * time.Hour
)

// Backoff returns the delay until the next poll of a source after
// failures consecutive failures.
//
// The delay grows exponentially from the interval, interval·2^(failures-1),
// capped at ceiling (DefaultMaxBackoff when ceiling ≤ 0). "Equal jitter" is applied
// to it: half of it is fixed and the other half scaled by rnd(), so that
// sources failing together (one host down) do not retry in lockstep. The
// result is never below the interval, so the first failure retries at the
// normal pace, and never below retryAfter (capped at MaxRetryAfter), so a
// server's Retry-After is honoured even beyond the ceiling.
//
// With failures ≤ 0 the source is healthy and the delay is the interval
// (still at least retryAfter). A non-positive interval means
// DefaultInterval. rnd returns values in [0, 1); nil means math/rand/v2.
// Backoff is pure: with a deterministic rnd it is deterministic.
func Backoff(interval time.Duration, failures int, retryAfter, ceiling time.Duration, rnd func() float64) time.Duration {
	if interval <= 0 {
		interval = DefaultInterval
	}
	if ceiling <= 0 {
		ceiling = DefaultMaxBackoff
	}
	ceiling = max(ceiling, interval)
	retryAfter = min(retryAfter, MaxRetryAfter)

	d := interval
	if failures > 0 {
		// Double by steps rather than shifting by failures-1: a shift
		// overflows after a few dozen failures, the loop stops at the ceiling.
		for i := 1; i < failures && d < ceiling; i++ {
			d *= 2
		}
		d = min(d, ceiling)
		if rnd == nil {
			rnd = rand.Float64
		}
		r := rnd()
		if !(r >= 0) { // also catches NaN
			r = 0
		}
		r = min(r, 1)
		half := d / 2
		d = half + time.Duration(r*float64(d-half))
	}
	return max(d, interval, retryAfter)
}
