package store

import "strconv"

// Every Redis key Aajil uses is built here, except those built next to the
// one script that uses them: story keys (stories.go, {stories}), the send
// limiter's (ratelimit.go, {tg}), the counters' (stats.go, {stats}), source
// leases (lease.go), live instances (instances.go), managed
// channels (manage.go) and the web console's (web.go, {web}). docs/REDIS.md lists them all in tables.
//
// All keys start with the configured prefix (Options.Prefix, "aajil:" by
// default). The first {…} in a key is its Redis Cluster hash tag: keys
// used together in one Lua script or MULTI share a tag, so they live in
// one slot and a Cluster serves them like a single server.
//
//   - {sources}: the sources registry, changed as a whole by one
//     WATCH/MULTI transaction.
//   - {src:ID}: the per-source keys (poll state, seen ids, baseline
//     marker); MarkSeen's script touches two of them.
//   - {sub:CHAT}: one subscriber's record.
//   - {subs}: the global subscriber index, version and change log,
//     updated together by one script.
//   - {outbox:P}: outbox partition P: its two streams, delivery
//     markers, sent records and lease, updated together by Enqueue's and
//     Acknowledge's scripts.
//   - {dead}: the dead-letter stream.
//   - {storymsg:STORY}: the messages sent for one story.
//   - {edits}: the queue of due "also reported by" edits.
//
// Every structure that grows has a bound or a TTL, so that memory stays
// flat however long Aajil runs; the doc comment of each key says which.

// Hash tags of the global key groups.
const (
	tagSources = "{sources}"
	tagSubs    = "{subs}"
	tagDead    = "{dead}"
	tagEdits   = "{edits}"
)

// keySources is a HASH: source id → SourceRecord as JSON. The hash's
// field names are the index of sources (HKEYS). Bound: the configured
// sources (admin-controlled, hundreds at most). No TTL: sources are
// configuration.
func (s *Store) keySources() string { return s.prefix + tagSources + ":records" }

// keySourceTombstones is a HASH: source id → tombstone JSON (when and by
// whom a chat admin deleted it, and the file definition it had), so that
// the next file seed does not bring back what chat deleted unless the file
// changed later. Bound: SeedSources drops the tombstones of ids no longer
// in the file, so it never holds more than the file's sources.
func (s *Store) keySourceTombstones() string { return s.prefix + tagSources + ":tombstones" }

// keySourcesVersion is a STRING counter, INCRed on every change of the
// registry, so watchers detect a change with one GET. Constant size.
func (s *Store) keySourcesVersion() string { return s.prefix + tagSources + ":version" }

// srcTag is the hash tag of source id's keys.
func (s *Store) srcTag(id string) string { return s.prefix + "{src:" + id + "}" }

// keyState is a STRING: the source's poll state as JSON (validators,
// failures, last success and error, counts). TTL: Options.StateTTL
// (30 days), refreshed by every save, so a removed source's state expires.
func (s *Store) keyState(id string) string { return s.srcTag(id) + ":state" }

// keySeen is a ZSET: item id → when it was last in the source's document
// (Redis server time, ms). Bound: members older than Options.SeenTTL
// (7 days) are trimmed by score and at most Options.SeenMax (20,000) are
// kept, both on every MarkSeen; the key's TTL is SeenTTL, refreshed on
// every MarkSeen, so a removed source's set expires.
func (s *Store) keySeen(id string) string { return s.srcTag(id) + ":seen" }

// keySeenInit is a STRING: the time of the source's first (baseline) poll.
// Its presence means "not the first poll any more", even when the seen
// set is empty (an empty feed, or everything trimmed). TTL: SeenTTL,
// refreshed with keySeen.
func (s *Store) keySeenInit(id string) string { return s.srcTag(id) + ":init" }

// keySubscriber is a STRING: the Subscriber as JSON. Bound: one per
// subscribed chat; deleted by /stop (DeleteSubscriber). No TTL: a
// subscription lasts until stopped.
func (s *Store) keySubscriber(chatID int64) string {
	return s.prefix + "{sub:" + strconv.FormatInt(chatID, 10) + "}"
}

// keySubscriberIDs is a SET of the subscribed chat ids, the index that
// Subscribers reads instead of SCANning. Bound: as keySubscriber.
func (s *Store) keySubscriberIDs() string { return s.prefix + tagSubs + ":ids" }

// keySubscribersVersion is a STRING counter, INCRed on every subscriber
// change. Constant size.
func (s *Store) keySubscribersVersion() string { return s.prefix + tagSubs + ":version" }

// keySubscriberChanges is a ZSET: chat id → the version of its latest
// change, read by SubscriberChanges. Bound: the Options.SubscriberLog
// (100,000) most recent changes; older ones are trimmed and
// keySubscriberTrimmed remembers how far.
func (s *Store) keySubscriberChanges() string { return s.prefix + tagSubs + ":changes" }

// keySubscriberTrimmed is a STRING: the highest version trimmed from
// keySubscriberChanges; a reader behind it must reload everything.
// Constant size.
func (s *Store) keySubscriberTrimmed() string { return s.prefix + tagSubs + ":trimmed" }

// outboxTag is the hash tag of outbox partition p's keys.
func (s *Store) outboxTag(p int) string { return s.prefix + "{outbox:" + strconv.Itoa(p) + "}" }

// keyOutboxStream is a STREAM of partition p's deliveries for the sender,
// one entry per (chat, story): the urgent stream or the normal one, read
// through the consumer group "senders". Bound: MAXLEN ~
// Options.OutboxMaxLen/Options.OutboxPartitions on every XADD
// (approximate trimming: whole stream nodes, so a little over);
// Acknowledge, Drop and DeadLetter XDEL what they finish.
func (s *Store) keyOutboxStream(p int, urgent bool) string {
	if urgent {
		return s.outboxTag(p) + ":urgent"
	}
	return s.outboxTag(p) + ":normal"
}

// keyDelivery is a STRING marker: this (chat, story) was queued. SET NX
// makes Enqueue exactly-once across instances. It lives in the chat's
// partition, so the marker and the XADD share a script. TTL:
// Options.DeliveryTTL (48 h).
func (s *Store) keyDelivery(chatID int64, storyID string) string {
	return s.outboxTag(s.PartitionOf(chatID)) + ":dlv:" + strconv.FormatInt(chatID, 10) + ":" + storyID
}

// keySent is a STRING: the sent record of a (chat, story),
// "messageID:sentUnixMs:actualChatID", written by Acknowledge in the same
// script as the XACK, so that a retry after an ambiguous failure can tell
// the message went out. p is the chat's partition (the entry's, so the
// record is in the stream's slot). TTL: Options.DeliveryTTL (48 h), as
// the marker.
func (s *Store) keySent(p int, chatID int64, storyID string) string {
	return s.outboxTag(p) + ":sent:" + strconv.FormatInt(chatID, 10) + ":" + storyID
}

// keyStoryDeliveries is a HASH: the deliveries of a story through
// partition p, counted by the scripts that queue and finish them:
// "queued" (ever queued), "sent", "dropped", "dead" (dead letters not
// retried), "first_sent" (unix ms of its first acknowledged send) and
// "edited" (messages edited to name later sources, CountEdits).
// The story's figures are the sums over the partitions. TTL:
// Options.DeliveryTTL (48 h), refreshed by each count.
func (s *Store) keyStoryDeliveries(p int, storyID string) string {
	return s.outboxTag(p) + ":story:" + storyID
}

// keyRetried is a STRING marker: dead letter id was put back into
// partition p's outbox (RetryDeadLetter), so it is put back once. TTL:
// Options.DeliveryTTL (48 h).
func (s *Store) keyRetried(p int, deadID string) string {
	return s.outboxTag(p) + ":retried:" + deadID
}

// keyPartitionLease is a STRING: the holder of partition p, the one
// instance that consumes it. TTL: the lease's, renewed by its holder; it
// expires when the holder dies, which is how another instance takes over.
func (s *Store) keyPartitionLease(p int) string { return s.outboxTag(p) + ":lease" }

// keyDeadLetters is a STREAM of the deliveries given up on: the
// delivery's fields plus reason, attempts, partition, the outbox entry id
// and when. Bound: MAXLEN ~ Options.DeadLetterMaxLen (100,000) on every
// XADD.
func (s *Store) keyDeadLetters() string { return s.prefix + tagDead + ":stream" }

// keyStoryMessages is a HASH: chat id → the message sent there for the
// story (JSON: message id, sent time, rule, language, actual chat id),
// and field "_" → the story's first delivery, for re-rendering on edits.
// Bound: one field per chat the story went to; TTL:
// Options.StoryMessagesTTL (2 h), refreshed by every Acknowledge.
func (s *Store) keyStoryMessages(storyID string) string {
	return s.prefix + "{storymsg:" + storyID + "}"
}

// keyEditsDue is a ZSET: story id → when its "also reported by" edit is
// due (unix ms). Bound: one member per story with an edit pending,
// removed by DueEdits when due; ScheduleEdit also drops members overdue
// by more than Options.StoryMessagesTTL (their messages are forgotten by
// then), so the set holds at most the stories of that long even when no
// editor runs.
func (s *Store) keyEditsDue() string { return s.prefix + tagEdits + ":due" }
