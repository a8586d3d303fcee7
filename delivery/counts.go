package delivery

import (
	"context"

	"github.com/aajil/aajil/store"
)

// count adds to a shared counter; counts are flushed to Redis by the
// lease loop, so a fan-out costs no extra round trip per message.
func (s *Sender) count(name store.Counter, n int64) {
	s.countsMu.Lock()
	s.counts[name] += n
	s.countsMu.Unlock()
}

// flushCounts writes the counts gathered since the last flush; those
// that fail are kept for the next.
func (s *Sender) flushCounts(ctx context.Context) {
	s.countsMu.Lock()
	counts := s.counts
	s.counts = map[store.Counter]int64{}
	s.countsMu.Unlock()
	for name, n := range counts {
		if err := s.counter.Add(ctx, name, n); err != nil {
			s.redisError("count "+string(name), err)
			s.count(name, n)
		}
	}
}
