package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Digests: a chat with a digest schedule (Subscriber.Digest) gets its
// non-urgent alerts collected and sent as one message at the scheduled
// time. Everything lives in the chat's outbox partition ({outbox:P}), so
// that moving an entry from the outbox into the digest, and the built
// digest back into the outbox, are each one script:
//
//   - HoldForDigest moves a non-urgent outbox entry into the chat's
//     pending items (RPUSH), schedules the chat's digest (ZADD NX) and
//     removes the entry (XACK + XDEL) at once: an item is always either
//     in the outbox or among the pending items, never in neither.
//   - DueDigests lists the chats whose digest is due; LoadDigests reads
//     their pending items (one pipeline); the caller renders them.
//   - CommitDigests queues the rendered parts in the outbox's normal
//     stream and drops the items they hold, in one script per chat
//     fenced by the due time read: a second builder of the same digest
//     (another instance, or a retry) finds the due time changed and
//     queues nothing. From there the parts are ordinary outbox entries,
//     sent at least once, with the sent record keeping a retry from
//     sending one twice.
//
// A process that dies after reading and before committing leaves the
// items and the due time as they were: the next builder builds the same
// digest again.

// DigestItem is one held alert, as a digest lists it.
type DigestItem struct {
	StoryID   string    `json:"st"`
	SourceID  string    `json:"s"`
	Title     string    `json:"t"`
	Link      string    `json:"l,omitempty"`
	Published time.Time `json:"p,omitzero"`
}

// DueDigest is a chat whose digest is due, with the due time that fences
// its commit.
type DueDigest struct {
	ChatID int64
	// Partition is the chat's outbox partition.
	Partition int
	// DueMs is the scheduled time (unix ms) as stored.
	DueMs int64
}

// Due is the scheduled time of the digest.
func (d DueDigest) Due() time.Time { return time.UnixMilli(d.DueMs) }

// MaxDigestItems bounds a chat's pending items: an entry that finds the
// digest full is sent on its own instead (HoldForDigest returns
// HoldFull).
const MaxDigestItems = 1000

// HoldResult is what HoldForDigest did.
type HoldResult int

const (
	// HoldGone: the entry was no longer in the outbox (held before, or
	// removed): nothing was added.
	HoldGone HoldResult = iota
	// Held: the entry moved into the digest.
	Held
	// HoldFull: the digest holds MaxDigestItems; the entry stays in the
	// outbox, to be sent on its own.
	HoldFull
)

// digestHoldScript moves an outbox entry into a chat's digest.
//
// KEYS[1] the entry's stream, KEYS[2] the chat's items, KEYS[3] the
// partition's due set. ARGV[1] group, ARGV[2] entry id, ARGV[3] item
// JSON, ARGV[4] due (unix ms), ARGV[5] chat id, ARGV[6] the most items.
// Returns 1 held, 0 the entry is gone, -1 the digest is full.
var digestHoldScript = luaScript("digest_hold")

// digestBuildScript queues a built digest and drops the items it holds.
//
// KEYS[1] the normal stream, KEYS[2] the chat's items, KEYS[3] the due
// set, KEYS[3+i] part i's delivery marker. ARGV[1] chat id, ARGV[2] the
// due time read (unix ms), ARGV[3] items consumed (the first ones),
// ARGV[4] when the items left are due, ARGV[5] marker TTL (ms), ARGV[6]
// stream MAXLEN, then deliveryFields field names and values per part.
// Returns 1 queued, 0 when the chat's due time is no longer ARGV[2]
// (built already): nothing is changed then.
var digestBuildScript = luaScript("digest_build", "PER", strconv.Itoa(deliveryFields))

// keyDigestItems is a LIST: a chat's held alerts (DigestItem JSON), in
// arrival order. Bound: MaxDigestItems; emptied by CommitDigests when due
// (hourly or daily). No TTL: the due set always names it until built.
func (s *Store) keyDigestItems(p int, chatID int64) string {
	return s.outboxTag(p) + ":digest:" + strconv.FormatInt(chatID, 10)
}

// keyDigestDue is a ZSET: chat id → when its digest is due (unix ms), for
// the chats of partition p with held items. Bound: one member per chat
// with a pending digest; removed when built empty.
func (s *Store) keyDigestDue(p int) string { return s.outboxTag(p) + ":digest:due" }

// HoldForDigest moves non-urgent entry e into its chat's digest, due at
// due unless the chat's digest is already scheduled. Calling it again
// after it held the entry changes nothing (HoldGone).
func (s *Store) HoldForDigest(ctx context.Context, e OutboxEntry, due time.Time) (HoldResult, error) {
	if err := s.checkEntry("hold for digest", e); err != nil {
		return HoldGone, err
	}
	item, err := json.Marshal(DigestItem{StoryID: e.StoryID, SourceID: e.SourceID, Title: e.Title, Link: e.Link, Published: e.Published})
	if err != nil {
		return HoldGone, fmt.Errorf("hold %s for digest: %w", e.ID, err)
	}
	keys := []string{s.keyOutboxStream(e.Partition, e.Urgent), s.keyDigestItems(e.Partition, e.ChatID), s.keyDigestDue(e.Partition)}
	n, err := digestHoldScript.Run(ctx, s.rdb, keys, OutboxGroup, e.ID, item, due.UnixMilli(), e.ChatID, MaxDigestItems).Int()
	if err != nil {
		return HoldGone, fmt.Errorf("hold %s for digest of chat %d: %w", e.ID, e.ChatID, err)
	}
	switch n {
	case 1:
		return Held, nil
	case -1:
		return HoldFull, nil
	}
	return HoldGone, nil
}

// DueDigests returns up to count chats of partition p whose digest is
// due at now, earliest first.
func (s *Store) DueDigests(ctx context.Context, p int, now time.Time, count int64) ([]DueDigest, error) {
	if err := s.checkPartition("due digests", p); err != nil {
		return nil, err
	}
	zs, err := s.rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{
		Key: s.keyDigestDue(p), ByScore: true, Start: "-inf", Stop: strconv.FormatInt(now.UnixMilli(), 10), Count: max(count, 1),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("due digests of partition %d: %w", p, err)
	}
	out := make([]DueDigest, 0, len(zs))
	for _, z := range zs {
		id, err := strconv.ParseInt(fmt.Sprint(z.Member), 10, 64)
		if err != nil {
			continue // not written by HoldForDigest
		}
		out = append(out, DueDigest{ChatID: id, Partition: p, DueMs: int64(z.Score)})
	}
	return out, nil
}

// PendingItems are a due digest's items as LoadDigests read them.
type PendingItems struct {
	Items []DigestItem
	// Read counts the list entries read, those that did not decode
	// included: what a commit consumes.
	Read int
}

// LoadDigests reads the pending items of each due digest, in one
// pipeline. An item that does not decode is left out of Items.
func (s *Store) LoadDigests(ctx context.Context, due []DueDigest) ([]PendingItems, error) {
	cmds := make([]*redis.StringSliceCmd, len(due))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, d := range due {
			cmds[i] = p.LRange(ctx, s.keyDigestItems(d.Partition, d.ChatID), 0, -1)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load %d digests: %w", len(due), err)
	}
	out := make([]PendingItems, len(due))
	for i, c := range cmds {
		raw := c.Val()
		out[i].Read = len(raw)
		for _, r := range raw {
			var it DigestItem
			if json.Unmarshal([]byte(r), &it) == nil {
				out[i].Items = append(out[i].Items, it)
			}
		}
	}
	return out, nil
}

// DigestCommit is one built digest to queue: the due digest it was built
// from, how many of its items it consumed (PendingItems.Read),
// when the items that arrived since are due, and its messages.
type DigestCommit struct {
	Due      DueDigest
	Consumed int
	Next     time.Time
	// Parts are the messages, each a Delivery with Text set, in order.
	// Their StoryIDs must be unique to this digest (DigestPartID).
	Parts []Delivery
}

// DigestPartID is the story id of part i of the digest due at dueMs: a
// (chat, story) pair is queued once, so a digest built twice is queued
// once.
func DigestPartID(dueMs int64, i int) string {
	return "digest:" + strconv.FormatInt(dueMs, 10) + ":" + strconv.Itoa(i)
}

// CommitDigests queues built digests, one script each, in one pipeline,
// and reports for each whether it was queued (false: it had been built
// already, by this or another instance).
func (s *Store) CommitDigests(ctx context.Context, commits []DigestCommit) ([]bool, error) {
	ttl, maxLen := pxMillis(s.opts.DeliveryTTL), s.streamMaxLen()
	calls := make([]scriptCall, len(commits))
	for i, c := range commits {
		p := c.Due.Partition
		if err := s.checkPartition("commit digest", p); err != nil {
			return nil, err
		}
		keys := []string{s.keyOutboxStream(p, false), s.keyDigestItems(p, c.Due.ChatID), s.keyDigestDue(p)}
		args := []any{c.Due.ChatID, c.Due.DueMs, c.Consumed, c.Next.UnixMilli(), ttl, maxLen}
		for _, d := range c.Parts {
			if d.ChatID != c.Due.ChatID || d.StoryID == "" {
				return nil, fmt.Errorf("commit digest of chat %d: part for chat %d story %q", c.Due.ChatID, d.ChatID, d.StoryID)
			}
			keys = append(keys, s.keyDelivery(d.ChatID, d.StoryID))
			args = append(args, deliveryArgs(d)...)
		}
		calls[i] = scriptCall{script: digestBuildScript, keys: keys, args: args}
	}
	out := make([]bool, len(commits))
	var errs error
	for i, cmd := range s.runScripts(ctx, calls) {
		n, err := cmd.Int()
		if err != nil {
			errs = errors.Join(errs, fmt.Errorf("commit digest of chat %d: %w", commits[i].Due.ChatID, err))
			continue
		}
		out[i] = n == 1
	}
	return out, errs
}

// RescheduleDigest moves a chat's pending digest to due; nothing when
// the chat has none pending. /digest uses it when the schedule changes
// (and with now when digests are turned off, so that what was held goes
// out at once).
func (s *Store) RescheduleDigest(ctx context.Context, chatID int64, due time.Time) error {
	p := s.PartitionOf(chatID)
	err := s.rdb.ZAddXX(ctx, s.keyDigestDue(p), redis.Z{Score: float64(due.UnixMilli()), Member: strconv.FormatInt(chatID, 10)}).Err()
	if err != nil {
		return fmt.Errorf("reschedule digest of chat %d: %w", chatID, err)
	}
	return nil
}

// PendingDigest returns how many items a chat's digest holds and when it
// is due (zero when none is pending).
func (s *Store) PendingDigest(ctx context.Context, chatID int64) (int, time.Time, error) {
	p := s.PartitionOf(chatID)
	var n *redis.IntCmd
	var score *redis.FloatCmd
	_, err := s.rdb.Pipelined(ctx, func(pp redis.Pipeliner) error {
		n = pp.LLen(ctx, s.keyDigestItems(p, chatID))
		score = pp.ZScore(ctx, s.keyDigestDue(p), strconv.FormatInt(chatID, 10))
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, time.Time{}, fmt.Errorf("pending digest of chat %d: %w", chatID, err)
	}
	var due time.Time
	if v, err := score.Result(); err == nil {
		due = time.UnixMilli(int64(v))
	}
	return int(n.Val()), due, nil
}

// SubscribersByID loads the records of chats in pipelined batches,
// returning those found (a digest builder reads its chats' languages and
// schedules in a round trip).
func (s *Store) SubscribersByID(ctx context.Context, ids []int64) ([]Subscriber, error) {
	found, _, err := s.loadSubscribers(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load %d subscribers: %w", len(ids), err)
	}
	return found, nil
}
