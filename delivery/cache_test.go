package delivery

import (
	"testing"
	"time"
)

func TestTTLCache(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		at     time.Duration // when the value was put, from start
		now    time.Duration // when it is read
		forget bool
		want   bool
	}{
		"fresh":           {now: time.Second, want: true},
		"at the ttl":      {now: 3 * time.Second},
		"expired":         {now: time.Minute},
		"from the future": {at: time.Second, now: 0}, // the clock was set back
		"forgotten":       {now: time.Second, forget: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			now := start
			c := newTTLCache[int, string](3*time.Second, 10, func() time.Time { return now })
			c.put(1, "one", start.Add(tc.at))
			if tc.forget {
				c.forget(1)
			}
			now = start.Add(tc.now)
			v, ok := c.get(1)
			if ok != tc.want || (ok && v != "one") {
				t.Errorf("get = %q, %v; want found %v", v, ok, tc.want)
			}
		})
	}
}

func TestTTLCacheSweepsPastMax(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	c := newTTLCache[int, int](time.Second, 2, func() time.Time { return now })
	for i := range 3 {
		c.put(i, i, now)
	}
	now = now.Add(time.Minute)
	c.put(10, 10, now) // more than max: the expired three go
	if got := len(c.m); got != 1 {
		t.Errorf("%d entries after the sweep, want 1", got)
	}
	if v, ok := c.get(10); !ok || v != 10 {
		t.Errorf("get(10) = %d, %v; want 10, true", v, ok)
	}
}
