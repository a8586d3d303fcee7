package store

import "strconv"

// Every Redis key Aajil uses is built here (story keys excepted: they live
// in stories.go under the {stories} hash tag), and docs/REDIS.md lists them
// in a table.
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
//   - {outbox}: the outbox stream and its delivery markers, updated
//     together by Enqueue's script.
//
// Every structure that grows has a bound or a TTL, so that memory stays
// flat however long Aajil runs; the doc comment of each key says which.

// Hash tags of the global key groups.
const (
	tagSources = "{sources}"
	tagSubs    = "{subs}"
	tagOutbox  = "{outbox}"
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

// keyOutbox is a STREAM of deliveries for the sender, one entry per
// (chat, story). Bound: MAXLEN ~ Options.OutboxMaxLen (1,000,000) on
// every XADD (approximate trimming: whole stream nodes, so a little over).
func (s *Store) keyOutbox() string { return s.prefix + tagOutbox + ":stream" }

// keyDelivery is a STRING marker: this (chat, story) was queued. SET NX
// makes Enqueue exactly-once across instances. TTL: Options.DeliveryTTL
// (48 h).
func (s *Store) keyDelivery(chatID int64, storyID string) string {
	return s.prefix + tagOutbox + ":dlv:" + strconv.FormatInt(chatID, 10) + ":" + storyID
}
