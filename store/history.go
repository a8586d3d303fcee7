package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Bounds of the alert histories (/last).
const (
	// HistoryMax is the most alerts kept per chat: what /last shows at
	// most.
	HistoryMax = 20
	// HistoryTTL is how long a chat's history outlives its latest alert.
	HistoryTTL = 7 * 24 * time.Hour
	// RecentUrgentMax is the most urgent stories kept in the list of the
	// latest ones (shown by /last in a chat that never got an alert).
	RecentUrgentMax = 200
)

// HistoryEntry is one alert of a chat's history: what it was sent, or
// would have been sent while it was paused. The list of the latest
// urgent stories (RecentUrgent) holds the same, without Paused.
type HistoryEntry struct {
	StoryID   string    `json:"s"`
	SourceID  string    `json:"src"`
	Title     string    `json:"t"`
	Link      string    `json:"l,omitempty"`
	Urgent    bool      `json:"u,omitempty"`
	Published time.Time `json:"p,omitzero"`
	// At is when it was sent (or skipped).
	At time.Time `json:"at"`
	// Paused: not sent, the chat was paused.
	Paused bool `json:"paused,omitempty"`
}

// historyOf is the history entry of outbox entry e, at at.
func historyOf(e OutboxEntry, at time.Time, paused bool) HistoryEntry {
	return HistoryEntry{
		StoryID: e.StoryID, SourceID: e.SourceID, Title: e.Title, Link: e.Link,
		Urgent: e.Delivery.Urgent, Published: e.Published, At: at, Paused: paused,
	}
}

// keyHistory is a LIST: the chat's latest alerts as JSON HistoryEntry,
// newest first, written by Acknowledge and SkipPaused in the round trip
// that finishes the delivery. Bound: HistoryMax (LTRIM on every push);
// TTL: HistoryTTL, refreshed on every push; deleted by /stop
// (DeleteSubscriber). It shares the chat's subscriber tag.
func (s *Store) keyHistory(chatID int64) string { return s.keySubscriber(chatID) + ":last" }

// keyRecentUrgent is a LIST: the latest new urgent stories of every
// source, as JSON HistoryEntry, newest first (RecordUrgent). Bound:
// RecentUrgentMax; TTL: HistoryTTL, refreshed on every push.
func (s *Store) keyRecentUrgent() string { return s.prefix + "{recent}:urgent" }

// pushCapped queues, on p, the push of v at the head of the capped list
// key: LPUSH, LTRIM to limit, PEXPIRE ttl.
func pushCapped(ctx context.Context, p redis.Pipeliner, key string, v []byte, limit int64, ttl time.Duration) {
	p.LPush(ctx, key, v)
	p.LTrim(ctx, key, 0, limit-1)
	p.PExpire(ctx, key, ttl)
}

// pushHistory queues the push of h on chatID's history.
func (s *Store) pushHistory(ctx context.Context, p redis.Pipeliner, chatID int64, h HistoryEntry) error {
	b, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("encode history entry: %w", err)
	}
	pushCapped(ctx, p, s.keyHistory(chatID), b, HistoryMax, HistoryTTL)
	return nil
}

// SkipPaused finishes entry e of a paused chat: it removes it from the
// outbox as Drop does and, in the same round trip, records it in the
// chat's history as an alert it would have been sent at at.
func (s *Store) SkipPaused(ctx context.Context, e OutboxEntry, at time.Time) error {
	if err := s.checkEntry("skip", e); err != nil {
		return err
	}
	keys := []string{s.keyOutboxStream(e.Partition, e.Urgent)}
	pipe := s.rdb.Pipeline()
	drop := dropScript.EvalSha(ctx, pipe, keys, OutboxGroup, e.ID)
	if err := s.pushHistory(ctx, pipe, e.ChatID, historyOf(e, at, true)); err != nil {
		return fmt.Errorf("skip %s: %w", e.ID, err)
	}
	cmds, err := pipe.Exec(ctx)
	if isNoScript(drop.Err()) {
		err = errors.Join(cmdErrors(cmds[1:]), dropScript.Run(ctx, s.rdb, keys, OutboxGroup, e.ID).Err())
	}
	if err != nil {
		return fmt.Errorf("skip %s (chat %d story %s): %w", e.ID, e.ChatID, e.StoryID, err)
	}
	return nil
}

// cmdErrors joins the errors of cmds.
func cmdErrors(cmds []redis.Cmder) error {
	var err error
	for _, c := range cmds {
		err = errors.Join(err, c.Err())
	}
	return err
}

// History returns up to n of chatID's latest alerts, newest first.
func (s *Store) History(ctx context.Context, chatID int64, n int) ([]HistoryEntry, error) {
	out, err := s.readHistory(ctx, s.keyHistory(chatID), n)
	if err != nil {
		return nil, fmt.Errorf("read history of chat %d: %w", chatID, err)
	}
	return out, nil
}

// RecordUrgent puts a new urgent story at the head of the latest urgent
// stories.
func (s *Store) RecordUrgent(ctx context.Context, h HistoryEntry) error {
	b, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("record urgent story %s: %w", h.StoryID, err)
	}
	pipe := s.rdb.Pipeline()
	pushCapped(ctx, pipe, s.keyRecentUrgent(), b, RecentUrgentMax, HistoryTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("record urgent story %s: %w", h.StoryID, err)
	}
	return nil
}

// RecentUrgent returns up to n of the latest new urgent stories, newest
// first.
func (s *Store) RecentUrgent(ctx context.Context, n int) ([]HistoryEntry, error) {
	out, err := s.readHistory(ctx, s.keyRecentUrgent(), n)
	if err != nil {
		return nil, fmt.Errorf("read recent urgent stories: %w", err)
	}
	return out, nil
}

// readHistory reads up to n entries of a history list; entries that do
// not decode are skipped.
func (s *Store) readHistory(ctx context.Context, key string, n int) ([]HistoryEntry, error) {
	if n <= 0 {
		return nil, nil
	}
	raw, err := s.rdb.LRange(ctx, key, 0, int64(n)-1).Result()
	if err != nil {
		return nil, err
	}
	out := make([]HistoryEntry, 0, len(raw))
	for _, r := range raw {
		var h HistoryEntry
		if json.Unmarshal([]byte(r), &h) == nil {
			out = append(out, h)
		}
	}
	return out, nil
}
