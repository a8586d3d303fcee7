package feeds

import (
	"math"
	"testing"
	"time"
)

// constRand is a random source that always returns v.
func constRand(v float64) func() float64 { return func() float64 { return v } }

func TestBackoff(t *testing.T) {
	const min = time.Minute
	tests := map[string]struct {
		interval   time.Duration
		failures   int
		retryAfter time.Duration
		ceiling    time.Duration
		rnd        float64
		want       time.Duration
	}{
		"healthy source polls at its interval":       {interval: min, failures: 0, rnd: 0.7, want: min},
		"first failure retries at the interval":      {interval: min, failures: 1, rnd: 0.99, want: min},
		"second failure, no jitter":                  {interval: min, failures: 2, rnd: 0, want: min},
		"second failure, half jitter":                {interval: min, failures: 2, rnd: 0.5, want: 90 * time.Second},
		"second failure, full jitter":                {interval: min, failures: 2, rnd: 1, want: 2 * min},
		"third failure doubles again":                {interval: min, failures: 3, rnd: 1, want: 4 * min},
		"third failure, low jitter":                  {interval: min, failures: 3, rnd: 0, want: 2 * min},
		"many failures stop at the default ceiling":  {interval: min, failures: 1000, rnd: 1, want: DefaultMaxBackoff},
		"many failures, low jitter under ceiling":    {interval: min, failures: 1000, rnd: 0, want: DefaultMaxBackoff / 2},
		"explicit ceiling":                           {interval: 10 * time.Second, failures: 20, ceiling: 5 * min, rnd: 1, want: 5 * min},
		"ceiling below the interval keeps interval":  {interval: 2 * time.Hour, failures: 5, ceiling: 30 * min, rnd: 0, want: 2 * time.Hour},
		"retry-after wins over a shorter delay":      {interval: min, failures: 1, retryAfter: 10 * min, rnd: 0, want: 10 * min},
		"retry-after wins over the ceiling":          {interval: min, failures: 50, retryAfter: 2 * time.Hour, rnd: 1, want: 2 * time.Hour},
		"retry-after is capped":                      {interval: min, failures: 1, retryAfter: 48 * time.Hour, rnd: 0, want: MaxRetryAfter},
		"retry-after honoured with no failure count": {interval: min, failures: 0, retryAfter: 5 * min, want: 5 * min},
		"zero interval means the default":            {interval: 0, failures: 0, want: DefaultInterval},
		"rnd above 1 is clamped":                     {interval: min, failures: 2, rnd: 7, want: 2 * min},
		"negative rnd is clamped":                    {interval: min, failures: 3, rnd: -3, want: 2 * min},
		"NaN rnd is clamped":                         {interval: min, failures: 3, rnd: math.NaN(), want: 2 * min},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := Backoff(tt.interval, tt.failures, tt.retryAfter, tt.ceiling, constRand(tt.rnd))
			if got != tt.want {
				t.Errorf("Backoff(%v, %d, %v, %v, %v) = %v, want %v",
					tt.interval, tt.failures, tt.retryAfter, tt.ceiling, tt.rnd, got, tt.want)
			}
		})
	}
}

// With the real random source the delay stays between the bounds equal
// jitter promises, and the bounds never shrink as failures grow.
func TestBackoffBounds(t *testing.T) {
	interval := 15 * time.Second
	prevHigh := time.Duration(0)
	for failures := 1; failures <= 64; failures++ {
		low := Backoff(interval, failures, 0, 0, constRand(0))
		high := Backoff(interval, failures, 0, 0, constRand(1))
		if low < interval || high > max(DefaultMaxBackoff, interval) || low > high {
			t.Fatalf("failures=%d: bounds [%v, %v] outside [%v, %v]", failures, low, high, interval, DefaultMaxBackoff)
		}
		if high < prevHigh {
			t.Errorf("failures=%d: upper bound %v shrank from %v", failures, high, prevHigh)
		}
		prevHigh = high
		for range 20 {
			if d := Backoff(interval, failures, 0, 0, nil); d < low || d > high {
				t.Errorf("failures=%d: Backoff with math/rand = %v, want within [%v, %v]", failures, d, low, high)
			}
		}
	}
}
