package delivery

import (
	"sync"
	"time"
)

// ttlCache is a map whose entries are trusted for ttl after they were
// put, on the Sender's clock; one from the future (the clock was set
// back) is not trusted either. When it holds more than max entries, the
// expired ones are swept on the next put. Safe for concurrent use.
//
// It is not github.com/hashicorp/golang-lru/v2/expirable: that one starts
// a sweeping goroutine that never ends, one per Sender, and reads the
// wall clock rather than Options.Now.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu sync.Mutex
	m  map[K]cacheEntry[V]
}

// cacheEntry is a value and when it was put.
type cacheEntry[V any] struct {
	v  V
	at time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration, max int, now func() time.Time) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, max: max, now: now, m: map[K]cacheEntry[V]{}}
}

// get returns k's value if it is fresh.
func (c *ttlCache[K, V]) get(k K) (V, bool) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if !ok || !c.fresh(e, now) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put sets k's value, fresh from at: when it was read, before the load
// that took time.
func (c *ttlCache[K, V]) put(k K, v V, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > c.max {
		for key, e := range c.m {
			if at.Sub(e.at) >= c.ttl {
				delete(c.m, key)
			}
		}
	}
	c.m[k] = cacheEntry[V]{v: v, at: at}
}

// forget drops k.
func (c *ttlCache[K, V]) forget(k K) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

func (c *ttlCache[K, V]) fresh(e cacheEntry[V], now time.Time) bool {
	age := now.Sub(e.at)
	return age >= 0 && age < c.ttl
}
