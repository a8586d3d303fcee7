package delivery

import (
	"context"
	"time"

	"github.com/aajil/aajil/store"
)

// Outbox is the outbox as the Sender consumes it: its partitions' streams
// read and claimed, and each entry finished one way (acknowledged after
// Telegram confirmed the send, dropped, or dead-lettered).
type Outbox interface {
	// EnsureOutboxGroups creates the partitions' consumer groups.
	EnsureOutboxGroups(ctx context.Context) error
	// ReadPartition reads new entries of partition p for consumer,
	// waiting up to block for some.
	ReadPartition(ctx context.Context, p int, consumer string, count int64, block time.Duration) ([]store.OutboxEntry, error)
	// ClaimPartition takes over the entries of partition p pending for
	// at least minIdle; dropped counts those gone from the stream.
	ClaimPartition(ctx context.Context, p int, consumer string, minIdle time.Duration, count int64) (entries []store.OutboxEntry, dropped int, err error)
	// Sent returns the record of a story already sent to a chat.
	Sent(ctx context.Context, chatID int64, storyID string) (store.SentRecord, bool, error)
	// Acknowledge records a sent entry and finishes it.
	Acknowledge(ctx context.Context, e store.OutboxEntry, rec store.SentRecord) error
	// Drop finishes an entry that is not to be sent.
	Drop(ctx context.Context, e store.OutboxEntry) error
	// DeadLetter moves an entry that cannot be sent to the dead letters.
	DeadLetter(ctx context.Context, e store.OutboxEntry, reason string, attempts int) error
}

// Leases are the instances' shares of the outbox partitions.
type Leases interface {
	// OutboxPartitions is the number of outbox partitions.
	OutboxPartitions() int
	// Heartbeat marks instance alive for ttl and returns the live
	// instances, in a stable order.
	Heartbeat(ctx context.Context, instance string, ttl time.Duration) ([]string, error)
	// Leave takes instance off the live instances.
	Leave(ctx context.Context, instance string) error
	// PartitionLease is holder's lease on outbox partition p, for ttl.
	PartitionLease(p int, holder string, ttl time.Duration) Lease
}

// Lease is one holder's lease on an outbox partition, as the Sender
// holds it: taken, then kept until the partition is given back or lost.
// *store.Lease is one.
type Lease interface {
	// Take takes the lease if it is free or the holder's: token > 0
	// when the holder holds it now, 0 when another holder has it.
	Take(ctx context.Context) (token int64, left time.Duration, err error)
	// Keep renews a taken lease until ctx ends, then releases it. When
	// the lease is lost or cannot be renewed, it calls onLost with the
	// cause (wrapping store.ErrLeaseLost) and returns it.
	Keep(ctx context.Context, onLost func(error)) error
}

// Rates are the send limits shared by every instance.
type Rates interface {
	// ReserveAt books a send to chatID under the global and the chat's
	// limits, at most maxAhead ahead.
	ReserveAt(ctx context.Context, chatID int64, global, chatLimit store.Limit, maxAhead time.Duration) (store.Reservation, error)
	// Penalize holds sends to chatID (0: every chat) back for d.
	Penalize(ctx context.Context, chatID int64, d time.Duration) error
}

// Subscribers are the chats alerts go to, as the Sender reads and
// corrects them.
type Subscribers interface {
	// Subscriber loads a chat's subscriber; store.ErrNotFound when none.
	Subscriber(ctx context.Context, chatID int64) (store.Subscriber, error)
	// SetActive turns a chat's alerts on or off.
	SetActive(ctx context.Context, chatID int64, active bool) error
	// MigrateSubscriber moves a group's subscriber to its supergroup.
	MigrateSubscriber(ctx context.Context, from, to int64) error
}

// Edits are the "also reported by" edits due and the messages they edit.
type Edits interface {
	// DueEdits takes up to count stories whose edit is due at now.
	DueEdits(ctx context.Context, now time.Time, count int64) ([]string, error)
	// StoryMessages returns the messages sent about a story.
	StoryMessages(ctx context.Context, storyID string) (store.StoryMessages, error)
	// CountEdits counts the story's messages edited, one per chat.
	CountEdits(ctx context.Context, storyID string, chats []int64) error
}

// Counter adds to the shared counters behind /stats.
type Counter interface {
	Add(ctx context.Context, c store.Counter, n int64) error
}

// Store is everything the Sender keeps in Redis; RedisStore adapts a
// *store.Store to it.
type Store interface {
	Outbox
	Leases
	Rates
	Subscribers
	Edits
	Counter
}

// RedisStore is the Store of a *store.Store: its own methods, with its
// partition leases as Lease.
type RedisStore struct{ *store.Store }

// PartitionLease is the store's lease on outbox partition p for holder,
// for ttl.
func (r RedisStore) PartitionLease(p int, holder string, ttl time.Duration) Lease {
	return r.Store.PartitionLease(p, holder, ttl)
}
