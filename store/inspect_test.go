package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Readers the tests use to see what the sender does not need to: who holds
// a partition, what a consumer holds, how long the streams are, and the
// plain form of ReserveAt.

// PartitionHolder returns the holder of partition p's lease, "" when free.
func (s *Store) PartitionHolder(ctx context.Context, p int) (string, error) {
	if err := s.checkPartition("read outbox partition lease", p); err != nil {
		return "", err
	}
	h, err := s.rdb.Get(ctx, s.keyPartitionLease(p)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read outbox partition %d lease: %w", p, err)
	}
	return h, nil
}

// ReadOwnPending reads the entries of partition p that consumer read
// before and still holds (not acknowledged, dropped or claimed by
// another): up to count from each stream, urgent first, oldest first; as
// long as it does not acknowledge, drop or dead-letter them, the same
// entries come back on every call. Entries whose stream
// data was trimmed meanwhile are acknowledged away; corrupt ones are
// dead-lettered as in ReadPartition.
func (s *Store) ReadOwnPending(ctx context.Context, p int, consumer string, count int64) ([]OutboxEntry, error) {
	entries, err := s.readGroup(ctx, p, consumer, "0", count, -1)
	if err != nil {
		return nil, fmt.Errorf("read own pending of outbox partition %d: %w", p, err)
	}
	// COUNT is per stream; the embedded server ignores it when reading
	// history, so keep to count of each here.
	var out []OutboxEntry
	n := map[bool]int64{}
	for _, e := range entries {
		if n[e.Urgent] < max(count, 1) {
			n[e.Urgent]++
			out = append(out, e)
		}
	}
	return out, nil
}

// OutboxLen returns the number of entries in all outbox streams: queued,
// and read but not yet acknowledged.
func (s *Store) OutboxLen(ctx context.Context) (int64, error) {
	streams := s.outboxStreams()
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, len(streams))
	for i, st := range streams {
		cmds[i] = pipe.XLen(ctx, st.key)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("outbox length: %w", err)
	}
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	return n, nil
}

// Reserve is ReserveAt's Wait and OK.
func (s *Store) Reserve(ctx context.Context, chatID int64, global, chatLimit Limit, maxAhead time.Duration) (wait time.Duration, ok bool, err error) {
	r, err := s.ReserveAt(ctx, chatID, global, chatLimit, maxAhead)
	return r.Wait, r.OK, err
}
