package delivery

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// countingDigests counts the calls to the store's digest side; each is
// one round trip to Redis (one command, or one pipeline).
type countingDigests struct {
	Digests
	calls atomic.Int64
}

func (c *countingDigests) DueDigests(ctx context.Context, p int, now time.Time, count int64) ([]store.DueDigest, error) {
	c.calls.Add(1)
	return c.Digests.DueDigests(ctx, p, now, count)
}

func (c *countingDigests) LoadDigests(ctx context.Context, due []store.DueDigest) ([]store.PendingItems, error) {
	c.calls.Add(1)
	return c.Digests.LoadDigests(ctx, due)
}

func (c *countingDigests) CommitDigests(ctx context.Context, commits []store.DigestCommit) ([]bool, error) {
	c.calls.Add(1)
	return c.Digests.CommitDigests(ctx, commits)
}

func (c *countingDigests) SubscribersByID(ctx context.Context, ids []int64) ([]store.Subscriber, error) {
	c.calls.Add(1)
	return c.Digests.SubscribersByID(ctx, ids)
}

// BenchmarkDigestBuild builds the hourly digests of 10,000 chats, five
// held items each, from a real Redis into the outbox: what the sender's
// digest loop does at the top of the hour. It reports the time per chat
// and the round trips to Redis per chat.
//
//	go test -run '^$' -bench BenchmarkDigestBuild -benchtime 1x -count 3 ./delivery/
func BenchmarkDigestBuild(b *testing.B) {
	const chats, perChat = 10_000, 5
	for range b.N {
		b.StopTimer()
		h := newSenderHarness(b, telegramtest.Options{})
		ctx := context.Background()
		clock := newManualClock(time.Date(2026, 12, 5, 10, 20, 0, 0, time.UTC))
		opts, _ := fastOptions()
		opts.Now = clock.Now
		s := h.sender(opts)
		counter := &countingDigests{Digests: s.digests}
		s.digests = counter
		ids := make([]int64, chats)
		var ds []store.Delivery
		for i := range chats {
			ids[i] = int64(2_000_000 + i)
			for j := range perChat {
				d := testDelivery(ids[i], "story-"+strconv.Itoa(j), false)
				d.SourceID = []string{"sana", "bbc", "reuters"}[j%3]
				ds = append(ds, d)
			}
		}
		for _, id := range ids {
			if err := h.st.PutSubscriber(ctx, store.Subscriber{ChatID: id, Type: "private", Lang: "ar", Mode: "all", Digest: "hourly", Active: true}); err != nil {
				b.Fatal(err)
			}
		}
		h.enqueue(ds...)
		var wg sync.WaitGroup
		for p := range h.st.OutboxPartitions() {
			es, err := h.st.ReadPartition(ctx, p, "bench", int64(len(ds)), 0)
			if err != nil {
				b.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, e := range es {
					sub, _, _ := s.subscriber(ctx, e.ChatID)
					if _, _, done := s.holdForDigest(ctx, &item{e: e}, sub); !done {
						b.Errorf("entry of chat %d not held", e.ChatID)
						return
					}
				}
			}()
		}
		wg.Wait()
		clock.Set(time.Date(2026, 12, 5, 11, 0, 0, 0, time.UTC))
		counter.calls.Store(0)
		start := time.Now()
		b.StartTimer()
		built := 0
		for p := range h.st.OutboxPartitions() {
			built += s.buildPartitionDigests(ctx, p)
		}
		b.StopTimer()
		took := time.Since(start)
		if built != chats {
			b.Fatalf("built %d digests, want %d", built, chats)
		}
		if d, _ := h.depth(); d != chats {
			b.Fatalf("outbox holds %d entries, want %d digests", d, chats)
		}
		b.ReportMetric(float64(took.Microseconds())/chats, "µs/chat")
		b.ReportMetric(float64(counter.calls.Load())/chats, "roundtrips/chat")
		b.ReportMetric(took.Seconds(), "s_total")
	}
}
