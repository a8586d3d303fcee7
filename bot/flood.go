package bot

import (
	"sync"
	"time"
)

// Defaults of the per-user flood limit.
const (
	// DefaultFloodBurst is how many commands a user may send at once.
	DefaultFloodBurst = 5
	// DefaultFloodRate is how many commands a second a user may send
	// once the burst is spent.
	DefaultFloodRate = 1.0
)

// floodVerdict is what the flood guard says about one command.
type floodVerdict int

const (
	// floodAllow: handle the command.
	floodAllow floodVerdict = iota
	// floodWarn: the first command over the limit; answer it with
	// MsgFlood and nothing else.
	floodWarn
	// floodDrop: over the limit and already warned; ignore it without
	// a word, so that a flood costs no Bot API calls at all.
	floodDrop
)

// floodGuard is a token bucket per user: burst tokens, refilled at rate a
// second. It is kept in memory, per instance: a user who spreads a flood
// over several instances gets a few more commands through, which is
// harmless; what matters is that one user cannot keep the bot busy.
// Safe for concurrent use.
type floodGuard struct {
	burst float64
	rate  float64 // tokens a second

	mu      sync.Mutex
	buckets map[int64]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
	warned bool
}

func newFloodGuard(burst int, rate float64) *floodGuard {
	if burst <= 0 {
		burst = DefaultFloodBurst
	}
	if rate <= 0 {
		rate = DefaultFloodRate
	}
	return &floodGuard{burst: float64(burst), rate: rate, buckets: map[int64]*bucket{}}
}

// check takes a token for user at now.
func (g *floodGuard) check(user int64, now time.Time) floodVerdict {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweep(now)
	b, ok := g.buckets[user]
	if !ok {
		b = &bucket{tokens: g.burst, last: now}
		g.buckets[user] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(g.burst, b.tokens+elapsed*g.rate)
		b.last = now
	}
	if b.tokens >= g.burst {
		// Quiet long enough to have a full burst again: the next
		// flood deserves a new warning. Not sooner, or a steady
		// flooder would get a warning with every token.
		b.warned = false
	}
	if b.tokens >= 1 {
		b.tokens--
		return floodAllow
	}
	if b.warned {
		return floodDrop
	}
	b.warned = true
	return floodWarn
}

// sweep forgets, at most once a minute, the buckets that are full again:
// they hold nothing a new bucket would not, and the map would otherwise
// grow with every user ever seen. g.mu held.
func (g *floodGuard) sweep(now time.Time) {
	if now.Sub(g.swept) < time.Minute {
		return
	}
	g.swept = now
	full := time.Duration(g.burst / g.rate * float64(time.Second))
	for id, b := range g.buckets {
		if now.Sub(b.last) >= full {
			delete(g.buckets, id)
		}
	}
}
