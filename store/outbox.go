package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Delivery is one alert for one chat: a story, as told by the item that
// made it an alert. There is at most one per (ChatID, StoryID).
type Delivery struct {
	ChatID   int64
	StoryID  string
	ItemID   string
	SourceID string
	Urgent   bool
	Title    string
	Link     string
	// Image is the item's picture (an http(s) URL), empty when it has
	// none. Entries queued before it existed have none.
	Image     string
	Published time.Time
	// Rule is the rule that matched, as written; empty for a chat
	// without rules (every urgent item).
	Rule      string
	MatchedAt time.Time
	// Lang is the subscriber's language when the delivery was matched
	// ("ar", "en"); empty when unknown.
	Lang string
	// Text, when set, is the message itself, already rendered (Telegram
	// HTML): a part of a digest (digest.go). Entries written before it
	// existed have none and are rendered as alerts.
	Text string
}

// OutboxEntry is a delivery read back from the outbox, with where it is:
// its stream id, partition and stream. Urgent (the stream) equals
// Delivery.Urgent for every entry Enqueue wrote; Acknowledge, Drop and
// DeadLetter go by the entry's ID, Partition and Urgent.
type OutboxEntry struct {
	ID        string
	Partition int
	Urgent    bool
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
	fImage     = "image"
	fPublished = "published"
	fRule      = "rule"
	fMatched   = "matched"
	fLang      = "lang"
	fText      = "text"
)

// deliveryFields is the number of stream field names and values of a
// delivery (deliveryArgs).
const deliveryFields = 26

// deliveryArgs is d as stream field/value pairs.
func deliveryArgs(d Delivery) []any {
	return []any{
		fChat, strconv.FormatInt(d.ChatID, 10),
		fStory, d.StoryID,
		fItem, d.ItemID,
		fSource, d.SourceID,
		fUrgent, strconv.FormatBool(d.Urgent),
		fTitle, d.Title,
		fLink, d.Link,
		fImage, d.Image,
		fPublished, formatTime(d.Published),
		fRule, d.Rule,
		fMatched, formatTime(d.MatchedAt),
		fLang, d.Lang,
		fText, d.Text,
	}
}

// enqueueScript queues deliveries of one partition exactly once.
//
// KEYS[1] urgent stream, KEYS[2] normal stream, then per delivery its
// marker and its story's delivery counters (keyStoryDeliveries). ARGV[1]
// marker TTL (ms), ARGV[2] stream MAXLEN (approximate), then per
// delivery: the stream (1 urgent, 2 normal) and deliveryFields field
// names and values. Returns the number queued; each story's "queued"
// counter goes up by its deliveries queued, one HINCRBY per story.
//
// A delivery whose marker already exists was queued before (by this or
// another instance) and is skipped; otherwise the marker is set and the
// delivery added to its stream, both inside the script, so that two
// instances racing on one delivery queue it once.
var enqueueScript = luaScript("enqueue", "PER", strconv.Itoa(deliveryFields+1))

// OutboxPartitions returns the number of outbox partitions
// (Options.OutboxPartitions): they are numbered 0 to OutboxPartitions-1.
func (s *Store) OutboxPartitions() int { return max(s.opts.OutboxPartitions, 1) }

// PartitionOf returns the outbox partition of a chat: FNV-1a (32 bits) of
// the chat id in decimal, modulo the number of partitions. Every
// delivery to a chat goes through this one partition, so that one
// consumer sends them in order.
func (s *Store) PartitionOf(chatID int64) int {
	h := fnv.New32a()
	h.Write([]byte(strconv.FormatInt(chatID, 10)))
	return int(h.Sum32() % uint32(s.OutboxPartitions()))
}

// streamMaxLen is the MAXLEN of each outbox stream: the partitions share
// Options.OutboxMaxLen.
func (s *Store) streamMaxLen() int64 {
	return max(s.opts.OutboxMaxLen/int64(s.OutboxPartitions()), 1)
}

// Enqueue adds deliveries to the outbox, each (chat, story) at most once
// across every instance and call within Options.DeliveryTTL, and returns
// how many were queued (the rest were queued before). Each goes to its
// chat's partition (PartitionOf), in the urgent or the normal stream;
// deliveries to one chat keep their order in deliveries.
//
// It runs one script per partition and Options.EnqueueBatch deliveries,
// and sends the scripts of different partitions in one pipeline, so a
// story's fan-out to many chats costs few round trips; a repeat in
// deliveries is queued once. On an error, queued counts the deliveries
// that were queued, and calling again with the same deliveries is safe:
// those already queued are skipped.
func (s *Store) Enqueue(ctx context.Context, deliveries []Delivery) (queued int, err error) {
	for _, d := range deliveries {
		if d.StoryID == "" {
			return 0, fmt.Errorf("enqueue for chat %d: empty story id", d.ChatID)
		}
	}
	parts := make([][]Delivery, s.OutboxPartitions())
	for _, d := range deliveries {
		p := s.PartitionOf(d.ChatID)
		parts[p] = append(parts[p], d)
	}
	// Calls go round-robin over the partitions, one pipeline per round,
	// so every round trip carries up to one batch of each partition.
	ttl, maxLen := pxMillis(s.opts.DeliveryTTL), s.streamMaxLen()
	for round := 0; ; round++ {
		var calls []scriptCall
		for p, ds := range parts {
			lo := round * s.opts.EnqueueBatch
			if lo >= len(ds) {
				continue
			}
			calls = append(calls, s.enqueueCall(p, ds[lo:min(lo+s.opts.EnqueueBatch, len(ds))], ttl, maxLen))
		}
		if len(calls) == 0 {
			return queued, nil
		}
		var firstErr error
		for i, cmd := range s.runScripts(ctx, calls) {
			n, err := cmd.Int()
			if err != nil {
				firstErr = cmp.Or(firstErr, fmt.Errorf("enqueue %d deliveries: %w", (len(calls[i].args)-2)/(deliveryFields+1), err))
				continue
			}
			queued += n
		}
		if firstErr != nil {
			return queued, firstErr
		}
	}
}

// enqueueCall is the enqueueScript call for deliveries ds of partition p.
func (s *Store) enqueueCall(p int, ds []Delivery, ttl, maxLen int64) scriptCall {
	keys := make([]string, 2, 2+2*len(ds))
	keys[0], keys[1] = s.keyOutboxStream(p, true), s.keyOutboxStream(p, false)
	args := make([]any, 2, 2+(deliveryFields+1)*len(ds))
	args[0], args[1] = ttl, maxLen
	for _, d := range ds {
		keys = append(keys, s.keyDelivery(d.ChatID, d.StoryID), s.keyStoryDeliveries(p, d.StoryID))
		stream := 2
		if d.Urgent {
			stream = 1
		}
		args = append(args, stream)
		args = append(args, deliveryArgs(d)...)
	}
	return scriptCall{script: enqueueScript, keys: keys, args: args}
}

// outboxStreams lists every outbox stream: urgent then normal of each
// partition, with where it belongs.
func (s *Store) outboxStreams() []outboxStream {
	out := make([]outboxStream, 0, 2*s.OutboxPartitions())
	for p := range s.OutboxPartitions() {
		for _, urgent := range []bool{true, false} {
			out = append(out, outboxStream{key: s.keyOutboxStream(p, urgent), partition: p, urgent: urgent})
		}
	}
	return out
}

// outboxStream is one stream of the outbox.
type outboxStream struct {
	key       string
	partition int
	urgent    bool
}

// ReadOutbox returns the first count entries of the outbox, oldest first
// (by stream id) over all partitions and both priorities, without
// consuming them (the sender reads with a consumer group; this is for
// console mode and tests).
func (s *Store) ReadOutbox(ctx context.Context, count int64) ([]OutboxEntry, error) {
	streams := s.outboxStreams()
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, len(streams))
	for i, st := range streams {
		cmds[i] = pipe.XRangeN(ctx, st.key, "-", "+", count)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	var out []OutboxEntry
	for i, st := range streams {
		for _, m := range cmds[i].Val() {
			d, err := decodeDelivery(m.Values)
			if err != nil {
				return nil, fmt.Errorf("read outbox entry %s: %w", m.ID, err)
			}
			out = append(out, OutboxEntry{ID: m.ID, Partition: st.partition, Urgent: st.urgent, Delivery: d})
		}
	}
	slices.SortStableFunc(out, func(a, b OutboxEntry) int { return compareStreamIDs(a.ID, b.ID) })
	if int64(len(out)) > count {
		out = out[:count]
	}
	return out, nil
}

// compareStreamIDs orders stream ids ("ms-seq") by time, then sequence.
func compareStreamIDs(a, b string) int {
	am, as := splitStreamID(a)
	bm, bs := splitStreamID(b)
	return cmp.Or(cmp.Compare(am, bm), cmp.Compare(as, bs))
}

func splitStreamID(id string) (ms, seq uint64) {
	m, q, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(m, 10, 64)
	seq, _ = strconv.ParseUint(q, 10, 64)
	return ms, seq
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
		Image:    str(fImage),
		Rule:     str(fRule),
		Lang:     str(fLang),
		Text:     str(fText),
	}
	if d.StoryID == "" {
		return Delivery{}, errors.New("empty story id")
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

// runScripts runs calls (scriptCall, stories.go) in one pipeline and returns their results,
// in order, each with its own error. Calls that found the script missing
// from the server's cache (NOSCRIPT: not run) are sent again with the
// script's source, which loads it (on the node that runs it).
func (s *Store) runScripts(ctx context.Context, calls []scriptCall) []*redis.Cmd {
	cmds := make([]*redis.Cmd, len(calls))
	pipe := s.rdb.Pipeline()
	for i, c := range calls {
		cmds[i] = c.script.EvalSha(ctx, pipe, c.keys, c.args...)
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	var retry []int
	for i, c := range cmds {
		if isNoScript(c.Err()) {
			retry = append(retry, i)
		}
	}
	if len(retry) > 0 {
		pipe := s.rdb.Pipeline()
		for _, i := range retry {
			cmds[i] = calls[i].script.Eval(ctx, pipe, calls[i].keys, calls[i].args...)
		}
		_, _ = pipe.Exec(ctx)
	}
	return cmds
}

// isNoScript reports a NOSCRIPT reply: EVALSHA of a script the server
// does not have (restarted, failed over, SCRIPT FLUSH).
func isNoScript(err error) bool { return redisErrorIs(err, "NOSCRIPT") }

// redisErrorIs reports whether err is a reply of the server whose error
// code is code (e.g. "NOGROUP").
func redisErrorIs(err error, code string) bool {
	var re redis.Error
	return errors.As(err, &re) && strings.HasPrefix(re.Error(), code)
}
