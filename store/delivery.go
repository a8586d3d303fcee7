package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// OutboxGroup is the consumer group of every outbox stream.
const OutboxGroup = "senders"

// ReasonCorrupt is the dead-letter reason of an outbox entry whose fields
// do not decode into a Delivery.
const ReasonCorrupt = "corrupt"

// checkPartition refuses a partition number out of range, which would
// name keys nobody writes.
func (s *Store) checkPartition(op string, p int) error {
	if p < 0 || p >= s.OutboxPartitions() {
		return fmt.Errorf("%s: partition %d out of range [0, %d)", op, p, s.OutboxPartitions())
	}
	return nil
}

// EnsureOutboxGroups creates the consumer group of every outbox stream
// (creating empty streams where needed), reading from the start of each
// stream, so that nothing queued before the group existed is lost. Groups
// that exist are left alone. One round trip.
func (s *Store) EnsureOutboxGroups(ctx context.Context) error {
	ps := make([]int, s.OutboxPartitions())
	for p := range ps {
		ps[p] = p
	}
	if err := s.ensureGroups(ctx, ps...); err != nil {
		return fmt.Errorf("create outbox groups: %w", err)
	}
	return nil
}

// ensureGroups creates the consumer groups of partitions ps' streams.
func (s *Store) ensureGroups(ctx context.Context, ps ...int) error {
	pipe := s.rdb.Pipeline()
	var cmds []*redis.StatusCmd
	for _, p := range ps {
		for _, urgent := range []bool{true, false} {
			cmds = append(cmds, pipe.XGroupCreateMkStream(ctx, s.keyOutboxStream(p, urgent), OutboxGroup, "0"))
		}
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	for _, c := range cmds {
		if err := c.Err(); err != nil && !redisErrorIs(err, "BUSYGROUP") {
			return err
		}
	}
	return nil
}

// ReadPartition reads new entries (never delivered to any consumer) of
// partition p for consumer: up to count from each of the partition's two
// streams, so up to 2×count, urgent entries first, each stream's in queue
// order. The entries stay pending for consumer until Acknowledge, Drop or
// DeadLetter (or until another consumer claims them, ClaimPartition).
//
// With block > 0 it waits up to block (rounded up to a millisecond) for
// entries when there are none; block ≤ 0 does not wait. The wait holds a
// connection and is not cut short by ctx: keep it short (a second or two).
//
// An entry whose fields do not decode (corrupt: written by something else
// than Enqueue) is not returned: it is moved to the dead-letter stream with
// a reason starting with ReasonCorrupt, so it cannot wedge the partition. When the group
// is missing (Redis lost its data), ReadPartition creates the groups of
// the partition and reads again.
func (s *Store) ReadPartition(ctx context.Context, p int, consumer string, count int64, block time.Duration) ([]OutboxEntry, error) {
	wait := time.Duration(-1) // go-redis: no BLOCK argument
	if block > 0 {
		wait = max(block, time.Millisecond) // BLOCK 0 would wait forever
	}
	entries, err := s.readGroup(ctx, p, consumer, ">", count, wait)
	if err != nil {
		return nil, fmt.Errorf("read outbox partition %d: %w", p, err)
	}
	return entries, nil
}

// readGroup is XREADGROUP on both streams of partition p from id, with a
// retry after creating the groups when they are missing.
func (s *Store) readGroup(ctx context.Context, p int, consumer, id string, count int64, block time.Duration) ([]OutboxEntry, error) {
	if err := s.checkPartition("read", p); err != nil {
		return nil, err
	}
	if consumer == "" {
		return nil, errors.New("empty consumer name")
	}
	args := &redis.XReadGroupArgs{
		Group:    OutboxGroup,
		Consumer: consumer,
		Streams:  []string{s.keyOutboxStream(p, true), s.keyOutboxStream(p, false), id, id},
		Count:    max(count, 1),
		Block:    block,
	}
	res, err := s.rdb.XReadGroup(ctx, args).Result()
	if redisErrorIs(err, "NOGROUP") {
		if err := s.ensureGroups(ctx, p); err != nil {
			return nil, fmt.Errorf("create missing groups: %w", err)
		}
		res, err = s.rdb.XReadGroup(ctx, args).Result()
	}
	if errors.Is(err, redis.Nil) {
		return nil, nil // BLOCK timed out
	}
	if err != nil {
		return nil, err
	}
	var out []OutboxEntry
	for _, urgent := range []bool{true, false} {
		key := s.keyOutboxStream(p, urgent)
		for _, st := range res {
			if st.Stream != key {
				continue
			}
			es, _, err := s.decodeEntries(ctx, p, urgent, st.Messages)
			if err != nil {
				return out, err
			}
			out = append(out, es...)
		}
	}
	return out, nil
}

// decodeEntries turns stream messages of partition p's urgent or normal
// stream into entries. Messages without data (deleted from the stream
// while pending) are acknowledged away and counted in gone; corrupt ones
// are dead-lettered.
func (s *Store) decodeEntries(ctx context.Context, p int, urgent bool, msgs []redis.XMessage) (entries []OutboxEntry, gone int, err error) {
	key := s.keyOutboxStream(p, urgent)
	var vanished []string
	for _, m := range msgs {
		if m.Values == nil {
			vanished = append(vanished, m.ID)
			continue
		}
		d, derr := decodeDelivery(m.Values)
		if derr != nil {
			if err := s.deadLetter(ctx, p, urgent, m.ID, "", rawFields(m.Values), ReasonCorrupt+": "+derr.Error(), 0); err != nil {
				return entries, gone, err
			}
			continue
		}
		entries = append(entries, OutboxEntry{ID: m.ID, Partition: p, Urgent: urgent, Delivery: d})
	}
	if len(vanished) > 0 {
		if err := s.rdb.XAck(ctx, key, OutboxGroup, vanished...).Err(); err != nil {
			return entries, gone, fmt.Errorf("ack %d deleted entries: %w", len(vanished), err)
		}
	}
	return entries, len(vanished), nil
}

// rawFields is a stream message's fields as XADD arguments, sorted by
// name so that the dead letter of a corrupt entry is reproducible.
func rawFields(v map[string]any) []any {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	slices.Sort(names)
	out := make([]any, 0, 2*len(names))
	for _, k := range names {
		out = append(out, k, fmt.Sprint(v[k]))
	}
	return out
}

// ClaimPartition takes over (XAUTOCLAIM) up to count entries of partition
// p that have been pending for longer than minIdle with any consumer —
// left by a consumer that died or lost the partition — for consumer:
// urgent stream first, then the normal one with what count leaves. The
// claimed entries are pending for consumer, like ReadPartition's.
//
// Entries deleted from the stream while pending (trimmed by MAXLEN) are
// gone from the group's pending list after the claim and are counted in
// dropped; corrupt ones are dead-lettered as in ReadPartition. A missing
// group is created, as in ReadPartition.
func (s *Store) ClaimPartition(ctx context.Context, p int, consumer string, minIdle time.Duration, count int64) (entries []OutboxEntry, dropped int, err error) {
	if err := s.checkPartition("claim outbox entries", p); err != nil {
		return nil, 0, err
	}
	if consumer == "" {
		return nil, 0, fmt.Errorf("claim outbox entries of partition %d: empty consumer name", p)
	}
	count = max(count, 1)
	created := false
	for _, urgent := range []bool{true, false} {
		cursor := "0-0"
		for int64(len(entries)) < count {
			args := &redis.XAutoClaimArgs{
				Stream:   s.keyOutboxStream(p, urgent),
				Group:    OutboxGroup,
				Consumer: consumer,
				MinIdle:  minIdle,
				Start:    cursor,
				Count:    count - int64(len(entries)),
			}
			msgs, next, deleted, err := s.rdb.XAutoClaimWithDeleted(ctx, args).Result()
			if redisErrorIs(err, "NOGROUP") && !created {
				created = true
				if err := s.ensureGroups(ctx, p); err != nil {
					return entries, dropped, fmt.Errorf("claim outbox entries of partition %d: create missing groups: %w", p, err)
				}
				continue
			}
			if err != nil {
				return entries, dropped, fmt.Errorf("claim outbox entries of partition %d: %w", p, err)
			}
			// Redis 7 lists deleted entries apart (and removes them
			// from the pending list); Redis 6.2 returns them with nil
			// data, and decodeEntries acknowledges them.
			dropped += len(deleted)
			es, gone, err := s.decodeEntries(ctx, p, urgent, msgs)
			entries = append(entries, es...)
			dropped += gone
			if err != nil {
				return entries, dropped, fmt.Errorf("claim outbox entries of partition %d: %w", p, err)
			}
			if next == "0-0" || next == "" || next == cursor {
				break
			}
			cursor = next
		}
	}
	return entries, dropped, nil
}

// SentRecord is what Acknowledge remembers of a sent delivery.
type SentRecord struct {
	// MessageID is Telegram's id of the message sent.
	MessageID int
	// SentAt is when Telegram confirmed it (millisecond precision).
	SentAt time.Time
	// ChatID is where the message went; it differs from the delivery's
	// chat after a migration to a supergroup.
	ChatID int64
	// Photo says the message is a photo with the alert as its caption
	// (edited with editMessageCaption). It is kept among the story's
	// messages (StoryMessage.Photo), not in the sent record's value.
	Photo bool
}

// formatSent is a sent record's value: "messageID:sentUnixMs:chatID".
func formatSent(r SentRecord) string {
	return strconv.Itoa(r.MessageID) + ":" + strconv.FormatInt(r.SentAt.UnixMilli(), 10) + ":" + strconv.FormatInt(r.ChatID, 10)
}

func parseSent(v string) (SentRecord, error) {
	parts := strings.Split(v, ":")
	if len(parts) != 3 {
		return SentRecord{}, fmt.Errorf("sent record %q: want 3 fields", v)
	}
	msg, err1 := strconv.Atoi(parts[0])
	ms, err2 := strconv.ParseInt(parts[1], 10, 64)
	chat, err3 := strconv.ParseInt(parts[2], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return SentRecord{}, fmt.Errorf("sent record %q: %w", v, err)
	}
	return SentRecord{MessageID: msg, SentAt: time.UnixMilli(ms), ChatID: chat}, nil
}

// Sent reports the record Acknowledge wrote for (chat, story), if any
// (kept Options.DeliveryTTL). A sender retrying a delivery after an
// ambiguous failure checks it first: when found, the message went out.
func (s *Store) Sent(ctx context.Context, chatID int64, storyID string) (SentRecord, bool, error) {
	v, err := s.rdb.Get(ctx, s.keySent(s.PartitionOf(chatID), chatID, storyID)).Result()
	if errors.Is(err, redis.Nil) {
		return SentRecord{}, false, nil
	}
	if err != nil {
		return SentRecord{}, false, fmt.Errorf("read sent record of chat %d story %s: %w", chatID, storyID, err)
	}
	r, err := parseSent(v)
	if err != nil {
		return SentRecord{}, false, fmt.Errorf("read sent record of chat %d story %s: %w", chatID, storyID, err)
	}
	return r, true, nil
}

// ackScript records a sent delivery and removes its entry.
//
// KEYS[1] stream, KEYS[2] sent record, KEYS[3] the story's delivery
// counters; ARGV[1] group, ARGV[2] entry id, ARGV[3] sent record value,
// ARGV[4] its TTL (ms), ARGV[5] sent unix ms. When the entry was still
// in the stream (not acknowledged before), the story's "sent" goes up
// and its "first_sent" is set if unset. The sent record comes
// first: should the script fail half-way, the delivery is recorded as
// sent and a retry skips it rather than sending it twice. A missing group
// (nothing pending then) does not stop the XDEL.
var ackScript = luaScript("ack")

// dropScript removes an entry: XACK (a missing group is fine) and XDEL.
//
// KEYS[1] stream, KEYS[2] (optional) the story's delivery counters;
// ARGV[1] group, ARGV[2] entry id, ARGV[3] the counter to add one to
// when the entry was still there ("dropped", "dead"), ARGV[4] the
// counters' TTL (ms).
var dropScript = luaScript("drop")

// storyMessage is the JSON of a StoryMessage in the story's hash.
type storyMessage struct {
	MessageID int    `json:"m"`
	SentAt    int64  `json:"t"` // unix ms
	Rule      string `json:"r,omitempty"`
	Lang      string `json:"l,omitempty"`
	ChatID    int64  `json:"c"` // where the message is
	Photo     bool   `json:"p,omitempty"`
}

// storyBase is the JSON of the story's first delivery, minus what is
// particular to a chat, in the hash's field "_".
type storyBase struct {
	Source    string `json:"s"`
	Item      string `json:"i"`
	Urgent    bool   `json:"u,omitempty"`
	Title     string `json:"t"`
	Link      string `json:"l,omitempty"`
	Published string `json:"p,omitempty"`
}

// storyBaseField is the field of the story's hash that holds storyBase;
// chat ids never look like it.
const storyBaseField = "_"

// Acknowledge records that entry e was sent as rec (rec.ChatID 0: to
// e.ChatID; rec.SentAt zero: now) and removes it from the outbox: one
// script in the partition's slot writes the sent record (TTL
// Options.DeliveryTTL), XACKs and XDELs the entry. In the same round trip
// it records the message among the story's (StoryMessages) for later
// edits, and the alert in the chat's history (/last, see History).
// Acknowledging twice is harmless; after an error, call it again.
func (s *Store) Acknowledge(ctx context.Context, e OutboxEntry, rec SentRecord) error {
	if err := s.checkEntry("acknowledge", e); err != nil {
		return err
	}
	if rec.ChatID == 0 {
		rec.ChatID = e.ChatID
	}
	if rec.SentAt.IsZero() {
		rec.SentAt = time.Now()
	}
	msg, err := json.Marshal(storyMessage{
		MessageID: rec.MessageID, SentAt: rec.SentAt.UnixMilli(),
		Rule: e.Rule, Lang: e.Lang, ChatID: rec.ChatID, Photo: rec.Photo,
	})
	if err != nil {
		return fmt.Errorf("acknowledge %s: %w", e.ID, err)
	}
	base, err := json.Marshal(storyBase{
		Source: e.SourceID, Item: e.ItemID, Urgent: e.Delivery.Urgent,
		Title: e.Title, Link: e.Link, Published: formatTime(e.Published),
	})
	if err != nil {
		return fmt.Errorf("acknowledge %s: %w", e.ID, err)
	}
	keys := []string{s.keyOutboxStream(e.Partition, e.Urgent), s.keySent(e.Partition, e.ChatID, e.StoryID),
		s.keyStoryDeliveries(e.Partition, e.StoryID)}
	args := []any{OutboxGroup, e.ID, formatSent(rec), pxMillis(s.opts.DeliveryTTL), rec.SentAt.UnixMilli()}
	smKey := s.keyStoryMessages(e.StoryID)

	pipe := s.rdb.Pipeline()
	ack := ackScript.EvalSha(ctx, pipe, keys, args...)
	pipe.HSetNX(ctx, smKey, storyBaseField, base)
	pipe.HSet(ctx, smKey, strconv.FormatInt(e.ChatID, 10), msg)
	pipe.PExpire(ctx, smKey, s.opts.StoryMessagesTTL)
	if err := s.pushHistory(ctx, pipe, rec.ChatID, historyOf(e, rec.SentAt, false)); err != nil {
		return fmt.Errorf("acknowledge %s: %w", e.ID, err)
	}
	cmds, err := pipe.Exec(ctx)
	if isNoScript(ack.Err()) {
		err = errors.Join(cmdErrors(cmds[1:]), ackScript.Run(ctx, s.rdb, keys, args...).Err())
	}
	if err != nil {
		return fmt.Errorf("acknowledge %s (chat %d story %s): %w", e.ID, e.ChatID, e.StoryID, err)
	}
	return nil
}

// checkEntry refuses an entry that cannot name its keys.
func (s *Store) checkEntry(op string, e OutboxEntry) error {
	if e.ID == "" {
		return fmt.Errorf("%s: entry without id", op)
	}
	if e.StoryID == "" {
		return fmt.Errorf("%s %s: entry without story", op, e.ID)
	}
	return s.checkPartition(op+" "+e.ID, e.Partition)
}

// Drop removes entry e from the outbox (XACK + XDEL) without a sent
// record: the subscriber is gone or blocked the bot, or the delivery is
// no longer wanted. Dropping twice is harmless.
func (s *Store) Drop(ctx context.Context, e OutboxEntry) error {
	if e.ID == "" {
		return errors.New("drop: entry without id")
	}
	if err := s.checkPartition("drop "+e.ID, e.Partition); err != nil {
		return err
	}
	if err := s.dropEntry(ctx, e.Partition, e.Urgent, e.ID, e.StoryID, countDropped); err != nil {
		return fmt.Errorf("drop %s (chat %d story %s): %w", e.ID, e.ChatID, e.StoryID, err)
	}
	return nil
}

// The story delivery counters of a finished entry other than a sent one.
const (
	countDropped = "dropped"
	countDead    = "dead"
)

// dropEntry removes entry id from partition p's stream and, when it was
// there and storyID is known, counts it in the story's counter.
func (s *Store) dropEntry(ctx context.Context, p int, urgent bool, id, storyID, counter string) error {
	keys := []string{s.keyOutboxStream(p, urgent)}
	if storyID != "" {
		keys = append(keys, s.keyStoryDeliveries(p, storyID))
	}
	return dropScript.Run(ctx, s.rdb, keys, OutboxGroup, id, counter, pxMillis(s.opts.DeliveryTTL)).Err()
}

// Dead-letter stream fields besides the delivery's.
const (
	fReason    = "reason"
	fAttempts  = "attempts"
	fPartition = "partition"
	fEntry     = "entry"
	fDeadAt    = "dead_at"
)

// DeadLetter gives up on entry e: it appends the delivery, reason and
// number of attempts to the dead-letter stream (MAXLEN ~
// Options.DeadLetterMaxLen) and then removes e from the outbox (XACK +
// XDEL). The two are in different Cluster slots, so not atomic: after a
// failure between them, the entry is still pending and a second
// DeadLetter may record it twice, but it is never lost.
func (s *Store) DeadLetter(ctx context.Context, e OutboxEntry, reason string, attempts int) error {
	if e.ID == "" {
		return errors.New("dead-letter: entry without id")
	}
	if err := s.checkPartition("dead-letter "+e.ID, e.Partition); err != nil {
		return err
	}
	if err := s.deadLetter(ctx, e.Partition, e.Urgent, e.ID, e.StoryID, deliveryArgs(e.Delivery), reason, attempts); err != nil {
		return fmt.Errorf("dead-letter chat %d story %s: %w", e.ChatID, e.StoryID, err)
	}
	return nil
}

// deadLetter appends fields and the reason to the dead-letter stream,
// then removes entry id from partition p's stream.
func (s *Store) deadLetter(ctx context.Context, p int, urgent bool, id, storyID string, fields []any, reason string, attempts int) error {
	values := append(slices.Clip(fields),
		fReason, reason,
		fAttempts, strconv.Itoa(attempts),
		fPartition, strconv.Itoa(p),
		fEntry, id,
		fDeadAt, formatTime(time.Now()),
	)
	err := s.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: s.keyDeadLetters(),
		MaxLen: s.opts.DeadLetterMaxLen,
		Approx: true,
		Values: values,
	}).Err()
	if err != nil {
		return fmt.Errorf("add entry %s to dead letters: %w", id, err)
	}
	if err := s.dropEntry(ctx, p, urgent, id, storyID, countDead); err != nil {
		return fmt.Errorf("remove dead entry %s from outbox: %w", id, err)
	}
	return nil
}

// DeadLetterCount returns the number of entries in the dead-letter stream
// (at most about Options.DeadLetterMaxLen).
func (s *Store) DeadLetterCount(ctx context.Context) (int64, error) {
	n, err := s.rdb.XLen(ctx, s.keyDeadLetters()).Result()
	if err != nil {
		return 0, fmt.Errorf("count dead letters: %w", err)
	}
	return n, nil
}

// DeadLetterEntry is a delivery given up on, read from the dead-letter
// stream.
type DeadLetterEntry struct {
	// ID is the entry's id in the dead-letter stream.
	ID string
	// Delivery is the delivery as far as it decodes (a corrupt entry's
	// may be mostly empty; Fields has everything).
	Delivery Delivery
	Reason   string
	Attempts int
	// Partition and Entry are where the delivery was in the outbox.
	Partition int
	Entry     string
	At        time.Time
	// Fields are the raw fields of the dead letter.
	Fields map[string]string
}

// DeadLetters returns the newest count dead letters, newest first, for
// operators.
func (s *Store) DeadLetters(ctx context.Context, count int64) ([]DeadLetterEntry, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, s.keyDeadLetters(), "+", "-", count).Result()
	if err != nil {
		return nil, fmt.Errorf("read dead letters: %w", err)
	}
	out := make([]DeadLetterEntry, 0, len(msgs))
	for _, m := range msgs {
		fields := make(map[string]string, len(m.Values))
		for k, v := range m.Values {
			fields[k] = fmt.Sprint(v)
		}
		d, _ := decodeDelivery(m.Values) // best effort: corrupt ones are why they are here
		attempts, _ := strconv.Atoi(fields[fAttempts])
		p, _ := strconv.Atoi(fields[fPartition])
		at, _ := parseTime(fields[fDeadAt])
		out = append(out, DeadLetterEntry{
			ID: m.ID, Delivery: d, Reason: fields[fReason], Attempts: attempts,
			Partition: p, Entry: fields[fEntry], At: at, Fields: fields,
		})
	}
	return out, nil
}

// OutboxDepth returns the entries in all outbox streams (depth: queued or
// pending) and how many of them were read but not yet acknowledged
// (pending), over every partition. One round trip.
func (s *Store) OutboxDepth(ctx context.Context) (depth, pending int64, err error) {
	parts, err := s.OutboxDepths(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, p := range parts {
		depth += p.Depth
		pending += p.Pending
	}
	return depth, pending, nil
}

// PartitionDepth is one outbox partition's depth (entries queued or
// pending, both streams) and pending entries (read, not acknowledged).
type PartitionDepth struct {
	Partition      int
	Depth, Pending int64
}

// OutboxDepths is OutboxDepth per partition, in partition order. One
// round trip.
func (s *Store) OutboxDepths(ctx context.Context) ([]PartitionDepth, error) {
	streams := s.outboxStreams()
	pipe := s.rdb.Pipeline()
	lens := make([]*redis.IntCmd, len(streams))
	pends := make([]*redis.XPendingCmd, len(streams))
	for i, st := range streams {
		lens[i] = pipe.XLen(ctx, st.key)
		pends[i] = pipe.XPending(ctx, st.key, OutboxGroup)
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	out := make([]PartitionDepth, s.OutboxPartitions())
	for i, st := range streams {
		d := &out[st.partition]
		d.Partition = st.partition
		n, err := lens[i].Result()
		if err != nil {
			return nil, fmt.Errorf("outbox depth: %w", err)
		}
		d.Depth += n
		pi, err := pends[i].Result()
		if redisErrorIs(err, "NOGROUP") {
			continue // no group yet: nothing pending
		}
		if err != nil {
			return nil, fmt.Errorf("outbox pending: %w", err)
		}
		d.Pending += pi.Count
	}
	return out, nil
}

// StoryMessage is a message sent for a story, as Acknowledge recorded it.
type StoryMessage struct {
	// ChatID is where the message is (after a migration, the new chat).
	ChatID    int64
	MessageID int
	SentAt    time.Time
	// Rule is the rule that matched; Lang the subscriber's language
	// then.
	Rule, Lang string
	// Photo: the message is a photo, the alert its caption.
	Photo bool
}

// StoryMessages is what is known of the messages sent for a story.
type StoryMessages struct {
	// Base is the story's first acknowledged delivery without what is
	// particular to its chat (ChatID, Rule, Lang, MatchedAt are zero):
	// source, item, urgency, title, link, publication time, for
	// rendering the message again.
	Base Delivery
	// Messages are the messages, oldest first.
	Messages []StoryMessage
}

// StoryMessages returns the messages sent for a story in the last
// Options.StoryMessagesTTL (counted from the story's latest
// Acknowledge), for "also reported by" edits. An unknown or expired story
// has none.
func (s *Store) StoryMessages(ctx context.Context, storyID string) (StoryMessages, error) {
	h, err := s.rdb.HGetAll(ctx, s.keyStoryMessages(storyID)).Result()
	if err != nil {
		return StoryMessages{}, fmt.Errorf("read messages of story %s: %w", storyID, err)
	}
	var out StoryMessages
	for field, v := range h {
		if field == storyBaseField {
			var b storyBase
			if err := json.Unmarshal([]byte(v), &b); err != nil {
				return StoryMessages{}, fmt.Errorf("read messages of story %s: base: %w", storyID, err)
			}
			pub, err := parseTime(b.Published)
			if err != nil {
				return StoryMessages{}, fmt.Errorf("read messages of story %s: base published: %w", storyID, err)
			}
			out.Base = Delivery{StoryID: storyID, SourceID: b.Source, ItemID: b.Item, Urgent: b.Urgent, Title: b.Title, Link: b.Link, Published: pub}
			continue
		}
		var m storyMessage
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return StoryMessages{}, fmt.Errorf("read messages of story %s: chat %s: %w", storyID, field, err)
		}
		out.Messages = append(out.Messages, StoryMessage{
			ChatID: m.ChatID, MessageID: m.MessageID, SentAt: time.UnixMilli(m.SentAt), Rule: m.Rule, Lang: m.Lang,
			Photo: m.Photo,
		})
	}
	slices.SortFunc(out.Messages, func(a, b StoryMessage) int {
		if c := a.SentAt.Compare(b.SentAt); c != 0 {
			return c
		}
		return cmpInt64(a.ChatID, b.ChatID)
	})
	return out, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// scheduleEditScript queues a story's edit unless one is queued already,
// and forgets edits overdue by more than the story messages' TTL.
//
// KEYS[1] edits queue; ARGV[1] due (unix ms), ARGV[2] story id, ARGV[3]
// how long an overdue edit is kept (ms). Returns 1 if queued, 0 if one
// was queued already.
var scheduleEditScript = luaScript("schedule_edit")

// dueEditsScript pops the stories whose edit is due.
//
// KEYS[1] edits queue; ARGV[1] now (unix ms), ARGV[2] count. Returns the
// story ids, earliest due first.
var dueEditsScript = luaScript("due_edits")

// ScheduleEdit queues an "also reported by" edit of a story's messages,
// due at due. When one is queued already it stays as it is (not pushed
// later), so that many later sources coalesce into one edit.
func (s *Store) ScheduleEdit(ctx context.Context, storyID string, due time.Time) error {
	if storyID == "" {
		return errors.New("schedule edit: empty story id")
	}
	err := scheduleEditScript.Run(ctx, s.rdb, []string{s.keyEditsDue()},
		due.UnixMilli(), storyID, s.opts.StoryMessagesTTL.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("schedule edit of story %s: %w", storyID, err)
	}
	return nil
}

// DueEdits removes and returns up to count stories whose edit is due by
// now, earliest first. Each queued edit is returned once, to one caller,
// however many instances poll.
func (s *Store) DueEdits(ctx context.Context, now time.Time, count int64) ([]string, error) {
	ids, err := dueEditsScript.Run(ctx, s.rdb, []string{s.keyEditsDue()}, now.UnixMilli(), max(count, 1)).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("pop due edits: %w", err)
	}
	return ids, nil
}
