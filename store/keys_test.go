package store

import (
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Hooks for the black-box tests (package store_test), which check what
// lands in Redis: TTLs, bounds and raw members.

// Redis returns the store's client.
func (s *Store) Redis() redis.UniversalClient { return s.rdb }

// KeyPrefix returns the store's key prefix.
func (s *Store) KeyPrefix() string { return s.prefix }

// SeenKeys returns the seen set and baseline marker keys of a source.
func (s *Store) SeenKeys(id string) (seen, init string) { return s.keySeen(id), s.keySeenInit(id) }

// StateKey returns the poll state key of a source.
func (s *Store) StateKey(id string) string { return s.keyState(id) }

// DeliveryKey returns the marker key of a delivery.
func (s *Store) DeliveryKey(chatID int64, storyID string) string {
	return s.keyDelivery(chatID, storyID)
}

// SubscriberChangesKey returns the subscriber change log key.
func (s *Store) SubscriberChangesKey() string { return s.keySubscriberChanges() }

// hashTag returns the part of key Redis Cluster hashes: the first {…}
// with something inside, else the whole key.
func hashTag(key string) string {
	i := strings.IndexByte(key, '{')
	if i < 0 {
		return key
	}
	j := strings.IndexByte(key[i+1:], '}')
	if j <= 0 {
		return key
	}
	return key[i+1 : i+1+j]
}

func TestKeyLayout(t *testing.T) {
	s := &Store{prefix: "p:", opts: Options{OutboxPartitions: 8}}
	// A chat of partition 3, so that its marker and sent record must
	// share the partition's streams' slot.
	var chat int64
	for s.PartitionOf(chat) != 3 {
		chat++
	}
	groups := map[string]struct {
		tag  string
		keys []string
	}{
		"sources registry": {"sources", []string{s.keySources(), s.keySourceTombstones(), s.keySourcesVersion()}},
		"one source":       {"src:sana-ticker", []string{s.keyState("sana-ticker"), s.keySeen("sana-ticker"), s.keySeenInit("sana-ticker")}},
		"one subscriber":   {"sub:-1001234567890", []string{s.keySubscriber(-1001234567890)}},
		"subscriber index": {"subs", []string{s.keySubscriberIDs(), s.keySubscribersVersion(), s.keySubscriberChanges(), s.keySubscriberTrimmed()}},
		// A story id with braces must not change the slot of its marker.
		"outbox partition": {"outbox:3", []string{
			s.keyOutboxStream(3, true), s.keyOutboxStream(3, false), s.keyPartitionLease(3),
			s.keyDelivery(chat, "st{x}y"), s.keyDelivery(chat, "abc"), s.keySent(3, chat, "st{x}y"),
		}},
		"dead letters":   {"dead", []string{s.keyDeadLetters()}},
		"edits queue":    {"edits", []string{s.keyEditsDue()}},
		"story messages": {"storymsg:42", []string{s.keyStoryMessages("42")}},
	}
	all := map[string]string{}
	for name, g := range groups {
		t.Run(name, func(t *testing.T) {
			for _, k := range g.keys {
				if !strings.HasPrefix(k, "p:") {
					t.Errorf("key %q: want prefix %q", k, "p:")
				}
				if got := hashTag(k); got != g.tag {
					t.Errorf("hash tag of %q = %q, want %q", k, got, g.tag)
				}
			}
		})
		for _, k := range g.keys {
			if other, dup := all[k]; dup {
				t.Errorf("key %q used by both %q and %q", k, other, name)
			}
			all[k] = name
		}
	}
}

func TestOpenRefusesBracesInPrefix(t *testing.T) {
	for name, prefix := range map[string]string{"open brace": "a{b:", "close brace": "a}b:"} {
		t.Run(name, func(t *testing.T) {
			if _, err := Open(t.Context(), "redis://127.0.0.1:1/0", Options{Prefix: prefix}); err == nil || !strings.Contains(err.Error(), "prefix") {
				t.Errorf("Open with prefix %q: got error %v, want a prefix error", prefix, err)
			}
		})
	}
}
