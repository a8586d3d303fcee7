package store_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// BenchmarkReserve measures Reserve calls per second against the test
// Redis from parallel goroutines, each sending to chats of its own, as
// the sender's workers do.
//
//   - booked: a global limit loose enough that every call books a slot
//     (the script's longest path: two SETs).
//   - refused: Telegram-like limits (29/s global, maxAhead 1 s), so most
//     calls are refused by the global limiter after reading it.
func BenchmarkReserve(b *testing.B) {
	tests := map[string]struct {
		global, chat store.Limit
		maxAhead     time.Duration
	}{
		"booked": {
			global: store.Limit{Interval: time.Microsecond, Burst: 1000}, chat: store.Limit{Interval: time.Second, Burst: 1000},
			maxAhead: time.Hour,
		},
		"refused": {
			global: store.Limit{Interval: time.Second / 29, Burst: 1}, chat: store.Limit{Interval: time.Second, Burst: 2},
			maxAhead: time.Second,
		},
	}
	for name, tc := range tests {
		b.Run(name, func(b *testing.B) {
			s := storetest.Open(b)
			var next, booked atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				base := next.Add(1) << 32
				var i int64
				for pb.Next() {
					i++
					_, ok, err := s.Reserve(b.Context(), base+i%1000, tc.global, tc.chat, tc.maxAhead)
					if err != nil {
						b.Error(err)
						return
					}
					if ok {
						booked.Add(1)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
			b.ReportMetric(float64(booked.Load())/float64(b.N), "booked/call")
		})
	}
}
