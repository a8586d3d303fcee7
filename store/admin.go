package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// What the admin console reads: per-partition outbox figures, the story
// delivery counters, who holds which partition, the live instances, the
// minute counts, and the one write, putting a dead letter back.

// ErrDeadLetterNotFound means the dead letter is not in the dead-letter
// stream: retried already, trimmed, or never there.
var ErrDeadLetterNotFound = errors.New("dead letter not found")

// ErrDeadLetterRetried means the dead letter was put back into the outbox
// before: a dead letter is retried once.
var ErrDeadLetterRetried = errors.New("dead letter already retried")

// ErrDeadLetterCorrupt means the dead letter holds no delivery that could
// be sent again (an outbox entry that did not decode).
var ErrDeadLetterCorrupt = errors.New("dead letter holds no valid delivery")

// retryDeadScript puts a dead letter's delivery back into its partition,
// once.
//
// KEYS[1] the stream (urgent or normal), KEYS[2] the retried marker
// (keyRetried), KEYS[3] the story's delivery counters; ARGV[1] the
// marker's and counters' TTL (ms), ARGV[2] the stream's MAXLEN, then the
// delivery's field names and values. Returns 1 when queued, 0 when the
// marker was there (retried before). The story's "dead" goes down by one.
var retryDeadScript = luaScript("retry_dead")

// RetryDeadLetter puts dead letter id (DeadLetterEntry.ID) back into the
// outbox, to its chat's partition and stream, and removes it from the
// dead letters. A marker set in the same script as the XADD makes it
// once: a second retry of the same dead letter is ErrDeadLetterNotFound
// (it is gone from the stream) or, when the removal failed after the
// first, ErrDeadLetterRetried (and the removal is done then). A corrupt
// one is ErrDeadLetterCorrupt.
func (s *Store) RetryDeadLetter(ctx context.Context, id string) error {
	msgs, err := s.rdb.XRange(ctx, s.keyDeadLetters(), id, id).Result()
	if err != nil {
		return fmt.Errorf("retry dead letter %s: %w", id, err)
	}
	if len(msgs) == 0 {
		return fmt.Errorf("retry dead letter %s: %w", id, ErrDeadLetterNotFound)
	}
	d, err := decodeDelivery(msgs[0].Values)
	if err != nil {
		return fmt.Errorf("retry dead letter %s: %w: %w", id, ErrDeadLetterCorrupt, err)
	}
	p := s.PartitionOf(d.ChatID)
	keys := []string{s.keyOutboxStream(p, d.Urgent), s.keyRetried(p, id), s.keyStoryDeliveries(p, d.StoryID)}
	args := append([]any{pxMillis(s.opts.DeliveryTTL), s.streamMaxLen()}, deliveryArgs(d)...)
	n, err := retryDeadScript.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		return fmt.Errorf("retry dead letter %s: %w", id, err)
	}
	if err := s.rdb.XDel(ctx, s.keyDeadLetters(), id).Err(); err != nil {
		return fmt.Errorf("retry dead letter %s: remove it: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("retry dead letter %s: %w", id, ErrDeadLetterRetried)
	}
	return nil
}

// StoryDeliveries are a story's deliveries, summed over the partitions.
type StoryDeliveries struct {
	// Queued counts every delivery ever queued; Sent, Dropped and Dead
	// those finished so (Dead: in the dead letters, not retried).
	Queued, Sent, Dropped, Dead int64
	// Edited counts the messages edited to name later sources ("also
	// reported by", CountEdits).
	Edited int64
	// FirstSent is when the first one was acknowledged; zero if none.
	FirstSent time.Time
}

// Waiting is how many of the story's deliveries are still in the outbox.
func (d StoryDeliveries) Waiting() int64 { return max(d.Queued-d.Sent-d.Dropped-d.Dead, 0) }

// StoryDeliveryCounts returns the delivery counters of each story (kept
// Options.DeliveryTTL after its last change), in one round trip: one
// HGETALL per story and partition. A story never queued has zeros.
func (s *Store) StoryDeliveryCounts(ctx context.Context, storyIDs []string) (map[string]StoryDeliveries, error) {
	np := s.OutboxPartitions()
	cmds := make([]*redis.MapStringStringCmd, len(storyIDs)*np)
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, id := range storyIDs {
			for p := range np {
				cmds[i*np+p] = pipe.HGetAll(ctx, s.keyStoryDeliveries(p, id))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("story delivery counts: %w", err)
	}
	out := make(map[string]StoryDeliveries, len(storyIDs))
	for i, id := range storyIDs {
		var d StoryDeliveries
		for _, c := range cmds[i*np : (i+1)*np] {
			d.add(c.Val())
		}
		out[id] = d
	}
	return out, nil
}

// add adds one partition's counters to d.
func (d *StoryDeliveries) add(h map[string]string) {
	n := func(f string) int64 { v, _ := strconv.ParseInt(h[f], 10, 64); return v }
	d.Queued += n("queued")
	d.Sent += n("sent")
	d.Dropped += n(countDropped)
	d.Dead += n(countDead)
	d.Edited += n(countEdited)
	if ms := n("first_sent"); ms > 0 {
		if t := time.UnixMilli(ms); d.FirstSent.IsZero() || t.Before(d.FirstSent) {
			d.FirstSent = t
		}
	}
}

// countEdited is the field of a story's delivery counters that counts
// its edited messages.
const countEdited = "edited"

// CountEdits counts the messages of a story that were edited, one for
// each chat of chats, in the counters of the chats' partitions
// (StoryDeliveries.Edited), in one round trip.
func (s *Store) CountEdits(ctx context.Context, storyID string, chats []int64) error {
	if len(chats) == 0 {
		return nil
	}
	per := map[int]int64{}
	for _, c := range chats {
		per[s.PartitionOf(c)]++
	}
	ttl := s.opts.DeliveryTTL
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for p, n := range per {
			key := s.keyStoryDeliveries(p, storyID)
			pipe.HIncrBy(ctx, key, countEdited, n)
			pipe.PExpire(ctx, key, ttl)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("count edits of story %s: %w", storyID, err)
	}
	return nil
}

// PartitionHolders returns the holder of each outbox partition's lease,
// in partition order; "" for a partition nobody holds. One round trip.
func (s *Store) PartitionHolders(ctx context.Context) ([]string, error) {
	cmds := make([]*redis.StringCmd, s.OutboxPartitions())
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for p := range cmds {
			cmds[p] = pipe.Get(ctx, s.keyPartitionLease(p))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("partition holders: %w", err)
	}
	out := make([]string, len(cmds))
	for p, c := range cmds {
		out[p] = c.Val()
	}
	return out, nil
}

// LiveInstance is a sender instance whose heartbeat has not run out.
type LiveInstance struct {
	Name string
	// Until is when its liveness ends unless it beats again (Redis's
	// clock).
	Until time.Time
}

// LiveInstances returns the instances alive now (Redis's clock), sorted
// by name, without changing anything (Heartbeat prunes). One round trip.
func (s *Store) LiveInstances(ctx context.Context) ([]LiveInstance, error) {
	var now *redis.TimeCmd
	var members *redis.ZSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		now = pipe.Time(ctx)
		members = pipe.ZRangeWithScores(ctx, s.keyInstances(), 0, -1)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("live instances: %w", err)
	}
	var out []LiveInstance
	for _, z := range members.Val() {
		until := time.UnixMilli(int64(z.Score))
		name, _ := z.Member.(string)
		if until.After(now.Val()) {
			out = append(out, LiveInstance{Name: name, Until: until})
		}
	}
	slices.SortFunc(out, func(a, b LiveInstance) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
