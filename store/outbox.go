package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Delivery is one alert for one chat: a story, as told by the item that
// made it an alert. There is at most one per (ChatID, StoryID).
type Delivery struct {
	ChatID    int64
	StoryID   string
	ItemID    string
	SourceID  string
	Urgent    bool
	Title     string
	Link      string
	Published time.Time
	// Rule is the rule that matched, as written; empty for a chat
	// without rules (every urgent item).
	Rule      string
	MatchedAt time.Time
}

// OutboxEntry is a delivery read back from the outbox, with its stream id.
type OutboxEntry struct {
	ID string
	Delivery
}

// Stream field names of a delivery.
const (
	fChat      = "chat"
	fStory     = "story"
	fItem      = "item"
	fSource    = "source"
	fUrgent    = "urgent"
	fTitle     = "title"
	fLink      = "link"
	fPublished = "published"
	fRule      = "rule"
	fMatched   = "matched"
)

// deliveryFields is the number of ARGV values per delivery in enqueueScript.
const deliveryFields = 20

// enqueueScript queues deliveries exactly once.
//
// KEYS[1] outbox stream, KEYS[1+i] delivery i's marker.
// ARGV[1] marker TTL (ms), ARGV[2] stream MAXLEN (approximate), then
// deliveryFields field/value pairs per delivery.
// Returns the number queued.
//
// A delivery whose marker already exists was queued before (by this or
// another instance) and is skipped; otherwise the marker is set and the
// delivery added to the stream, both inside the script, so that two
// instances racing on one delivery queue it once.
var enqueueScript = redis.NewScript(`
local ttl = ARGV[1]
local maxlen = ARGV[2]
local per = ` + strconv.Itoa(deliveryFields) + `
local queued = 0
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'PX', ttl) then
    local base = 2 + (i - 2) * per
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', unpack(ARGV, base + 1, base + per))
    queued = queued + 1
  end
end
return queued
`)

// Enqueue adds deliveries to the outbox, each (chat, story) at most once
// across every instance and call within Options.DeliveryTTL, and returns
// how many were queued (the rest were queued before). It takes batches of
// Options.EnqueueBatch deliveries per script call, so a story's fan-out
// to many chats costs few round trips; a repeat in deliveries is queued
// once. On an error, queued counts the deliveries queued before it, and
// calling again with the same deliveries is safe: those already queued
// are skipped.
func (s *Store) Enqueue(ctx context.Context, deliveries []Delivery) (queued int, err error) {
	ttl := s.opts.DeliveryTTL.Milliseconds()
	for chunk := range slices.Chunk(deliveries, s.opts.EnqueueBatch) {
		keys := make([]string, 1, 1+len(chunk))
		keys[0] = s.keyOutbox()
		args := make([]any, 2, 2+deliveryFields*len(chunk))
		args[0], args[1] = ttl, s.opts.OutboxMaxLen
		for _, d := range chunk {
			if d.StoryID == "" {
				return queued, fmt.Errorf("enqueue for chat %d: empty story id", d.ChatID)
			}
			keys = append(keys, s.keyDelivery(d.ChatID, d.StoryID))
			args = append(args,
				fChat, strconv.FormatInt(d.ChatID, 10),
				fStory, d.StoryID,
				fItem, d.ItemID,
				fSource, d.SourceID,
				fUrgent, strconv.FormatBool(d.Urgent),
				fTitle, d.Title,
				fLink, d.Link,
				fPublished, formatTime(d.Published),
				fRule, d.Rule,
				fMatched, formatTime(d.MatchedAt),
			)
		}
		n, err := enqueueScript.Run(ctx, s.rdb, keys, args...).Int()
		if err != nil {
			return queued, fmt.Errorf("enqueue %d deliveries: %w", len(chunk), err)
		}
		queued += n
	}
	return queued, nil
}

// OutboxLen returns the number of entries in the outbox stream.
func (s *Store) OutboxLen(ctx context.Context) (int64, error) {
	n, err := s.rdb.XLen(ctx, s.keyOutbox()).Result()
	if err != nil {
		return 0, fmt.Errorf("outbox length: %w", err)
	}
	return n, nil
}

// ReadOutbox returns the first count entries of the outbox, oldest first,
// without consuming them (the sender reads with a consumer group; this
// is for console mode and tests).
func (s *Store) ReadOutbox(ctx context.Context, count int64) ([]OutboxEntry, error) {
	msgs, err := s.rdb.XRangeN(ctx, s.keyOutbox(), "-", "+", count).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	out := make([]OutboxEntry, 0, len(msgs))
	for _, m := range msgs {
		d, err := decodeDelivery(m.Values)
		if err != nil {
			return nil, fmt.Errorf("read outbox entry %s: %w", m.ID, err)
		}
		out = append(out, OutboxEntry{ID: m.ID, Delivery: d})
	}
	return out, nil
}

// DecodeDelivery turns an outbox stream entry's fields back into a
// Delivery, for the sender.
func DecodeDelivery(values map[string]any) (Delivery, error) { return decodeDelivery(values) }

func decodeDelivery(v map[string]any) (Delivery, error) {
	str := func(k string) string { s, _ := v[k].(string); return s }
	chat, err := strconv.ParseInt(str(fChat), 10, 64)
	if err != nil {
		return Delivery{}, fmt.Errorf("chat id %q: %w", str(fChat), err)
	}
	d := Delivery{
		ChatID:   chat,
		StoryID:  str(fStory),
		ItemID:   str(fItem),
		SourceID: str(fSource),
		Urgent:   str(fUrgent) == "true",
		Title:    str(fTitle),
		Link:     str(fLink),
		Rule:     str(fRule),
	}
	if d.Published, err = parseTime(str(fPublished)); err != nil {
		return Delivery{}, fmt.Errorf("published: %w", err)
	}
	if d.MatchedAt, err = parseTime(str(fMatched)); err != nil {
		return Delivery{}, fmt.Errorf("matched: %w", err)
	}
	return d, nil
}

// formatTime is RFC 3339 with nanoseconds, "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}
