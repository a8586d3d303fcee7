package store_test

import (
	"fmt"
	"hash/fnv"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
	"github.com/redis/go-redis/v9"
)

// outbox is a store with a known prefix, so that tests can reach the
// keys docs/REDIS.md documents.
type outbox struct {
	*store.Store
	prefix string
}

func newOutbox(t testing.TB, opts store.Options) outbox {
	t.Helper()
	opts.Prefix = storetest.Prefix()
	return outbox{openOpts(t, opts), opts.Prefix}
}

// stream is the key of partition p's urgent or normal stream.
func (o outbox) stream(p int, urgent bool) string {
	if urgent {
		return o.prefix + "{outbox:" + strconv.Itoa(p) + "}:urgent"
	}
	return o.prefix + "{outbox:" + strconv.Itoa(p) + "}:normal"
}

// chatsIn returns n chat ids of partition p.
func (o outbox) chatsIn(p, n int) []int64 {
	var out []int64
	for c := int64(1000); len(out) < n; c++ {
		if o.PartitionOf(c) == p {
			out = append(out, c)
		}
	}
	return out
}

// enqueue queues one delivery per chat of story, urgent or not, and
// fails the test unless all were queued.
func (o outbox) enqueue(t testing.TB, story string, urgent bool, chats ...int64) []store.Delivery {
	t.Helper()
	ds := make([]store.Delivery, len(chats))
	for i, c := range chats {
		ds[i] = delivery(c, story)
		ds[i].Urgent = urgent
	}
	if n, err := o.Enqueue(t.Context(), ds); err != nil || n != len(ds) {
		t.Fatalf("Enqueue = %d, %v; want %d", n, err, len(ds))
	}
	return ds
}

// depth fails the test unless OutboxDepth is (depth, pending).
func (o outbox) wantDepth(t testing.TB, depth, pending int64) {
	t.Helper()
	d, p, err := o.OutboxDepth(t.Context())
	if err != nil {
		t.Fatalf("OutboxDepth: %v", err)
	}
	if d != depth || p != pending {
		t.Errorf("OutboxDepth = %d, %d; want %d, %d", d, p, depth, pending)
	}
}

func entryIDs(es []store.OutboxEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// stories lists entries as "chat/story/u" (urgent stream) or "…/n".
func stories(es []store.OutboxEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		u := "n"
		if e.Urgent {
			u = "u"
		}
		out[i] = fmt.Sprintf("%d/%s/%s", e.ChatID, e.StoryID, u)
	}
	return out
}

func TestPartitionOf(t *testing.T) {
	for _, partitions := range []int{1, 3, 8, 64} {
		t.Run(strconv.Itoa(partitions), func(t *testing.T) {
			s := openOpts(t, store.Options{OutboxPartitions: partitions})
			if got := s.OutboxPartitions(); got != partitions {
				t.Errorf("OutboxPartitions() = %d, want %d", got, partitions)
			}
			used := map[int]bool{}
			for _, chat := range []int64{0, 1, 42, -1, -1001234567890, 1 << 62, -1 << 63} {
				h := fnv.New32a()
				h.Write([]byte(strconv.FormatInt(chat, 10)))
				want := int(h.Sum32() % uint32(partitions))
				if got := s.PartitionOf(chat); got != want {
					t.Errorf("PartitionOf(%d) = %d, want %d", chat, got, want)
				}
				used[want] = true
			}
			if partitions > 1 && len(used) < 2 {
				t.Errorf("seven chats all in one of %d partitions", partitions)
			}
		})
	}
	if got := openOpts(t, store.Options{}).OutboxPartitions(); got != store.DefaultOutboxPartitions {
		t.Errorf("default OutboxPartitions() = %d, want %d", got, store.DefaultOutboxPartitions)
	}
}

// TestReadPartitionRouting: each partition reads its own chats' entries,
// urgent ones first, each stream in queue order.
func TestReadPartitionRouting(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 4})
	ctx := t.Context()
	if err := o.EnsureOutboxGroups(ctx); err != nil {
		t.Fatal(err)
	}
	// Chats of every partition; normal deliveries queued before urgent
	// ones, which must still come first.
	var all []int64
	for p := range 4 {
		all = append(all, o.chatsIn(p, 2)...)
	}
	o.enqueue(t, "n1", false, all...)
	o.enqueue(t, "n2", false, all...)
	o.enqueue(t, "u1", true, all...)
	for p := range 4 {
		got, err := o.ReadPartition(ctx, p, "c1", 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		c := o.chatsIn(p, 2)
		want := []string{
			fmt.Sprintf("%d/u1/u", c[0]), fmt.Sprintf("%d/u1/u", c[1]),
			fmt.Sprintf("%d/n1/n", c[0]), fmt.Sprintf("%d/n1/n", c[1]),
			fmt.Sprintf("%d/n2/n", c[0]), fmt.Sprintf("%d/n2/n", c[1]),
		}
		if !slices.Equal(stories(got), want) {
			t.Errorf("partition %d: read %v, want %v", p, stories(got), want)
		}
		for _, e := range got {
			if e.Partition != p || e.Urgent != e.Delivery.Urgent {
				t.Errorf("entry %s: partition %d urgent %t, want %d %t", e.ID, e.Partition, e.Urgent, p, e.Delivery.Urgent)
			}
		}
	}
}

func TestReadPartitionCount(t *testing.T) {
	tests := map[string]struct {
		count         int64
		urgent, norm  int
		wantU, wantN  int
		wantRemaining int64
	}{
		"count per stream":    {count: 2, urgent: 3, norm: 3, wantU: 2, wantN: 2, wantRemaining: 2},
		"only normal":         {count: 2, urgent: 0, norm: 3, wantU: 0, wantN: 2, wantRemaining: 1},
		"fewer than count":    {count: 10, urgent: 1, norm: 2, wantU: 1, wantN: 2, wantRemaining: 0},
		"count below one = 1": {count: 0, urgent: 2, norm: 0, wantU: 1, wantN: 0, wantRemaining: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := newOutbox(t, store.Options{OutboxPartitions: 2})
			ctx := t.Context()
			chats := o.chatsIn(1, 3)
			if tc.urgent > 0 {
				o.enqueue(t, "u", true, chats[:tc.urgent]...)
			}
			if tc.norm > 0 {
				o.enqueue(t, "n", false, chats[:tc.norm]...)
			}
			got, err := o.ReadPartition(ctx, 1, "c", tc.count, 0)
			if err != nil {
				t.Fatal(err)
			}
			var u, n int
			for i, e := range got {
				if e.Urgent {
					u++
					if i >= tc.wantU {
						t.Errorf("urgent entry at %d after normal ones: %v", i, stories(got))
					}
				} else {
					n++
				}
			}
			if u != tc.wantU || n != tc.wantN {
				t.Errorf("read %d urgent, %d normal; want %d, %d", u, n, tc.wantU, tc.wantN)
			}
			more, err := o.ReadPartition(ctx, 1, "c", 100, 0)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(more)) != tc.wantRemaining {
				t.Errorf("second read got %d entries, want %d", len(more), tc.wantRemaining)
			}
		})
	}
}

// TestReadAcknowledge: read → acknowledge → nothing pending or queued,
// a sent record, and the story's messages.
func TestReadAcknowledge(t *testing.T) {
	o := newOutbox(t, store.Options{})
	ctx := t.Context()
	if err := o.EnsureOutboxGroups(ctx); err != nil {
		t.Fatal(err)
	}
	chats := o.chatsIn(5, 2)
	o.enqueue(t, "st7", true, chats...)
	o.wantDepth(t, 2, 0)
	got, err := o.ReadPartition(ctx, 5, "c1", 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("read %d entries, want 2", len(got))
	}
	o.wantDepth(t, 2, 2)
	sentAt := time.UnixMilli(time.Now().UnixMilli())
	for i, e := range got {
		if err := o.Acknowledge(ctx, e, store.SentRecord{MessageID: 100 + i, SentAt: sentAt}); err != nil {
			t.Fatalf("Acknowledge: %v", err)
		}
	}
	o.wantDepth(t, 0, 0)
	for i, c := range chats {
		rec, ok, err := o.Sent(ctx, c, "st7")
		want := store.SentRecord{MessageID: 100 + i, SentAt: sentAt, ChatID: c}
		if err != nil || !ok || rec != want {
			t.Errorf("Sent(%d) = %+v, %t, %v; want %+v, true", c, rec, ok, err, want)
		}
	}
	if _, ok, err := o.Sent(ctx, chats[0], "other"); ok || err != nil {
		t.Errorf("Sent of an unsent story = %t, %v; want false, nil", ok, err)
	}
	pending, err := o.ReadOwnPending(ctx, 5, "c1", 10)
	if err != nil || len(pending) != 0 {
		t.Errorf("ReadOwnPending after acks = %v, %v; want none", stories(pending), err)
	}
	again, err := o.ReadPartition(ctx, 5, "c2", 10, 0)
	if err != nil || len(again) != 0 {
		t.Errorf("ReadPartition after acks = %v, %v; want none", stories(again), err)
	}
}

func TestAcknowledgeTwiceAndMigrated(t *testing.T) {
	o := newOutbox(t, store.Options{DeliveryTTL: 5 * time.Hour})
	ctx := t.Context()
	chat := o.chatsIn(0, 1)[0]
	o.enqueue(t, "st1", false, chat)
	es, err := o.ReadPartition(ctx, 0, "c", 1, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("ReadPartition = %v, %v; want one entry", stories(es), err)
	}
	// Sent to the supergroup the chat migrated to.
	rec := store.SentRecord{MessageID: 9, SentAt: time.UnixMilli(1_750_000_000_000), ChatID: -100777}
	for i := range 2 {
		if err := o.Acknowledge(ctx, es[0], rec); err != nil {
			t.Fatalf("Acknowledge #%d: %v", i+1, err)
		}
	}
	got, ok, err := o.Sent(ctx, chat, "st1")
	if err != nil || !ok || got != rec {
		t.Errorf("Sent = %+v, %t, %v; want %+v", got, ok, err, rec)
	}
	ttl, err := o.Redis().PTTL(ctx, o.prefix+"{outbox:0}:sent:"+strconv.FormatInt(chat, 10)+":st1").Result()
	if err != nil || ttl <= 4*time.Hour || ttl > 5*time.Hour {
		t.Errorf("sent record PTTL = %v, %v; want about 5h", ttl, err)
	}
	o.wantDepth(t, 0, 0)
	sm, err := o.StoryMessages(ctx, "st1")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.StoryMessage{{ChatID: -100777, MessageID: 9, SentAt: rec.SentAt, Rule: "دمشق", Lang: "ar"}}
	if !reflect.DeepEqual(sm.Messages, want) {
		t.Errorf("story messages = %+v, want %+v", sm.Messages, want)
	}
}

func TestAcknowledgeRefusesBadEntries(t *testing.T) {
	s := openOpts(t, store.Options{OutboxPartitions: 2})
	tests := map[string]store.OutboxEntry{
		"no id":           {Delivery: store.Delivery{ChatID: 1, StoryID: "s"}},
		"no story":        {ID: "1-0", Delivery: store.Delivery{ChatID: 1}},
		"partition range": {ID: "1-0", Partition: 2, Delivery: store.Delivery{ChatID: 1, StoryID: "s"}},
	}
	for name, e := range tests {
		t.Run(name, func(t *testing.T) {
			if err := s.Acknowledge(t.Context(), e, store.SentRecord{MessageID: 1}); err == nil {
				t.Errorf("Acknowledge(%+v) succeeded, want an error", e)
			}
		})
	}
}

// TestClaimFromDeadConsumer: a consumer reads and dies without acking;
// another claims its entries once they are idle long enough.
func TestClaimFromDeadConsumer(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 2})
	ctx := t.Context()
	if err := o.EnsureOutboxGroups(ctx); err != nil {
		t.Fatal(err)
	}
	chats := o.chatsIn(1, 3)
	o.enqueue(t, "n", false, chats...)
	o.enqueue(t, "u", true, chats[0])
	read, err := o.ReadPartition(ctx, 1, "dead", 10, 0)
	if err != nil || len(read) != 4 {
		t.Fatalf("ReadPartition = %v, %v; want 4 entries", stories(read), err)
	}

	got, dropped, err := o.ClaimPartition(ctx, 1, "live", time.Hour, 10)
	if err != nil || len(got) != 0 || dropped != 0 {
		t.Errorf("ClaimPartition(minIdle 1h) = %v, %d, %v; want nothing", stories(got), dropped, err)
	}
	got, dropped, err = o.ClaimPartition(ctx, 1, "live", 0, 3)
	if err != nil || dropped != 0 {
		t.Fatalf("ClaimPartition = %d dropped, %v", dropped, err)
	}
	if want := entryIDs(read[:3]); !slices.Equal(entryIDs(got), want) {
		t.Errorf("claimed %v, want %v (urgent first, up to count)", stories(got), stories(read[:3]))
	}
	rest, _, err := o.ClaimPartition(ctx, 1, "live", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	// Claiming again takes the one left and re-claims "live"'s own
	// (idle 0), which is how a consumer recovers its stuck entries.
	if len(rest) != 4 {
		t.Errorf("second claim got %d entries, want 4", len(rest))
	}
	mine, err := o.ReadOwnPending(ctx, 1, "dead", 10)
	if err != nil || len(mine) != 0 {
		t.Errorf("dead consumer's own pending = %v, %v; want none (claimed away)", stories(mine), err)
	}
	mine, err = o.ReadOwnPending(ctx, 1, "live", 10)
	if err != nil || !slices.Equal(entryIDs(mine), entryIDs(read)) {
		t.Errorf("live consumer's own pending = %v, %v; want %v", stories(mine), err, stories(read))
	}
	for _, e := range mine {
		if err := o.Acknowledge(ctx, e, store.SentRecord{MessageID: 1}); err != nil {
			t.Fatal(err)
		}
	}
	o.wantDepth(t, 0, 0)
}

// TestReadOwnPendingAfterRestart: an instance that read entries and
// restarted (a new Store, same consumer name) gets them back.
func TestReadOwnPendingAfterRestart(t *testing.T) {
	prefix := storetest.Prefix()
	before := openOpts(t, store.Options{Prefix: prefix, OutboxPartitions: 2})
	ctx := t.Context()
	o := outbox{before, prefix}
	o.enqueue(t, "st", false, o.chatsIn(0, 3)...)
	read, err := before.ReadPartition(ctx, 0, "inst-a", 2, 0)
	if err != nil || len(read) != 2 {
		t.Fatalf("ReadPartition = %v, %v; want 2 entries", stories(read), err)
	}
	before.Close()

	after := openOpts(t, store.Options{Prefix: prefix, OutboxPartitions: 2})
	for i := range 2 { // not consumed by reading
		got, err := after.ReadOwnPending(ctx, 0, "inst-a", 10)
		if err != nil || !slices.Equal(entryIDs(got), entryIDs(read)) {
			t.Errorf("ReadOwnPending #%d = %v, %v; want %v", i+1, stories(got), err, stories(read))
		}
	}
	if got, err := after.ReadOwnPending(ctx, 0, "inst-b", 10); err != nil || len(got) != 0 {
		t.Errorf("other consumer's ReadOwnPending = %v, %v; want none", stories(got), err)
	}
	if got, err := after.ReadOwnPending(ctx, 0, "inst-a", 1); err != nil || len(got) != 1 || got[0].ID != read[0].ID {
		t.Errorf("ReadOwnPending(count 1) = %v, %v; want %v", stories(got), err, stories(read[:1]))
	}
}

func TestDrop(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 1})
	ctx := t.Context()
	o.enqueue(t, "st", true, 1, 2)
	es, err := o.ReadPartition(ctx, 0, "c", 10, 0)
	if err != nil || len(es) != 2 {
		t.Fatalf("ReadPartition = %v, %v", stories(es), err)
	}
	for range 2 {
		if err := o.Drop(ctx, es[0]); err != nil {
			t.Fatalf("Drop: %v", err)
		}
	}
	o.wantDepth(t, 1, 1)
	if _, ok, err := o.Sent(ctx, es[0].ChatID, "st"); ok || err != nil {
		t.Errorf("Sent after Drop = %t, %v; want false", ok, err)
	}
	if n, err := o.DeadLetterCount(ctx); n != 0 || err != nil {
		t.Errorf("DeadLetterCount after Drop = %d, %v; want 0", n, err)
	}
	// Dropped deliveries are not queued again.
	if n, err := o.Enqueue(ctx, []store.Delivery{es[0].Delivery}); n != 0 || err != nil {
		t.Errorf("Enqueue of a dropped delivery = %d, %v; want 0", n, err)
	}
}

func TestDeadLetter(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 2})
	ctx := t.Context()
	chats := o.chatsIn(1, 2)
	ds := o.enqueue(t, "st", false, chats...)
	es, err := o.ReadPartition(ctx, 1, "c", 10, 0)
	if err != nil || len(es) != 2 {
		t.Fatalf("ReadPartition = %v, %v", stories(es), err)
	}
	if err := o.DeadLetter(ctx, es[1], "http 502 for 6h", 41); err != nil {
		t.Fatalf("DeadLetter: %v", err)
	}
	o.wantDepth(t, 1, 1)
	if n, err := o.DeadLetterCount(ctx); n != 1 || err != nil {
		t.Errorf("DeadLetterCount = %d, %v; want 1", n, err)
	}
	dl, err := o.DeadLetters(ctx, 10)
	if err != nil || len(dl) != 1 {
		t.Fatalf("DeadLetters = %+v, %v; want one", dl, err)
	}
	got := dl[0]
	if !reflect.DeepEqual(got.Delivery, ds[1]) || got.Reason != "http 502 for 6h" || got.Attempts != 41 || got.Partition != 1 || got.Entry != es[1].ID || got.At.IsZero() {
		t.Errorf("dead letter = %+v\nwant delivery %+v, reason, 41 attempts, partition 1, entry %s, a time", got, ds[1], es[1].ID)
	}
}

func TestDeadLetterBound(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 1, DeadLetterMaxLen: 10})
	ctx := t.Context()
	chats := make([]int64, 300)
	for i := range chats {
		chats[i] = int64(i + 1)
	}
	o.enqueue(t, "st", false, chats...)
	es, err := o.ReadPartition(ctx, 0, "c", 1000, 0)
	if err != nil || len(es) != len(chats) {
		t.Fatalf("ReadPartition = %d entries, %v", len(es), err)
	}
	for _, e := range es {
		if err := o.DeadLetter(ctx, e, "gone", 1); err != nil {
			t.Fatal(err)
		}
	}
	// Approximate trimming: whole nodes of 100 entries.
	if n, err := o.DeadLetterCount(ctx); err != nil || n < 10 || n > 110 {
		t.Errorf("DeadLetterCount = %d, %v; want in [10, 110]", n, err)
	}
}

// TestCorruptEntry: an entry that does not decode is dead-lettered and
// does not block the partition.
func TestCorruptEntry(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 1})
	ctx := t.Context()
	if err := o.EnsureOutboxGroups(ctx); err != nil {
		t.Fatal(err)
	}
	if err := o.Redis().XAdd(ctx, &redis.XAddArgs{Stream: o.stream(0, true), Values: []any{"chat", "not-a-number", "story", "s"}}).Err(); err != nil {
		t.Fatal(err)
	}
	o.enqueue(t, "good", true, 7)
	got, err := o.ReadPartition(ctx, 0, "c", 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"7/good/u"}; !slices.Equal(stories(got), want) {
		t.Errorf("read %v, want %v", stories(got), want)
	}
	o.wantDepth(t, 1, 1)
	dl, err := o.DeadLetters(ctx, 10)
	if err != nil || len(dl) != 1 {
		t.Fatalf("DeadLetters = %+v, %v; want one", dl, err)
	}
	if !strings.HasPrefix(dl[0].Reason, store.ReasonCorrupt) || dl[0].Fields["chat"] != "not-a-number" {
		t.Errorf("dead letter reason %q, fields %v; want %q… and the raw fields", dl[0].Reason, dl[0].Fields, store.ReasonCorrupt)
	}
}

// TestTrimmedPending: an entry deleted from its stream while pending is
// dropped by the claim, and acknowledged away by ReadOwnPending.
func TestTrimmedPending(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 1})
	ctx := t.Context()
	o.enqueue(t, "st", false, 1, 2, 3)
	es, err := o.ReadPartition(ctx, 0, "a", 10, 0)
	if err != nil || len(es) != 3 {
		t.Fatalf("ReadPartition = %v, %v", stories(es), err)
	}
	if err := o.Redis().XDel(ctx, o.stream(0, false), es[0].ID, es[1].ID).Err(); err != nil {
		t.Fatal(err)
	}
	own, err := o.ReadOwnPending(ctx, 0, "a", 10)
	if err != nil || !slices.Equal(entryIDs(own), entryIDs(es[2:])) {
		t.Errorf("ReadOwnPending = %v, %v; want only %v", stories(own), err, stories(es[2:]))
	}
	o.wantDepth(t, 1, 1)

	// The same for a claim (the pending list has the survivor only now,
	// so trim it too and put a fresh pending deleted entry in place).
	o.enqueue(t, "st2", false, 4)
	more, err := o.ReadPartition(ctx, 0, "a", 10, 0)
	if err != nil || len(more) != 1 {
		t.Fatalf("ReadPartition = %v, %v", stories(more), err)
	}
	if err := o.Redis().XDel(ctx, o.stream(0, false), more[0].ID).Err(); err != nil {
		t.Fatal(err)
	}
	got, dropped, err := o.ClaimPartition(ctx, 0, "b", 0, 10)
	if storetest.Embedded() {
		// The embedded server's XAUTOCLAIM does not list deleted entries
		// (Redis 7 does): the survivor is claimed, the deleted one is
		// neither returned nor counted.
		if err != nil || dropped != 0 || !slices.Equal(entryIDs(got), entryIDs(es[2:])) {
			t.Errorf("ClaimPartition (embedded) = %v, %d dropped, %v; want %v", stories(got), dropped, err, stories(es[2:]))
		}
		return
	}
	if err != nil || dropped != 1 || !slices.Equal(entryIDs(got), entryIDs(es[2:])) {
		t.Errorf("ClaimPartition = %v, %d dropped, %v; want %v, 1 dropped", stories(got), dropped, err, stories(es[2:]))
	}
	o.wantDepth(t, 1, 1)
}

// TestNoGroupRecovery: after the streams (and so their groups) are gone
// — Redis lost its data — reads and claims create the groups again and
// nothing queued since is lost.
func TestNoGroupRecovery(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 1})
	ctx := t.Context()
	if err := o.EnsureOutboxGroups(ctx); err != nil {
		t.Fatal(err)
	}
	if err := o.EnsureOutboxGroups(ctx); err != nil {
		t.Fatalf("EnsureOutboxGroups twice: %v", err)
	}
	if err := o.Redis().Del(ctx, o.stream(0, true), o.stream(0, false)).Err(); err != nil {
		t.Fatal(err)
	}
	got, dropped, err := o.ClaimPartition(ctx, 0, "c", 0, 10)
	if err != nil || len(got) != 0 || dropped != 0 {
		t.Errorf("ClaimPartition without groups = %v, %d, %v; want nothing, no error", stories(got), dropped, err)
	}
	if err := o.Redis().Del(ctx, o.stream(0, true), o.stream(0, false)).Err(); err != nil {
		t.Fatal(err)
	}
	// Queued after the loss, before any group exists.
	o.enqueue(t, "st", true, 3)
	o.enqueue(t, "st", false, 4)
	o.wantDepth(t, 2, 0)
	got2, err := o.ReadPartition(ctx, 0, "c", 10, 0)
	if err != nil {
		t.Fatalf("ReadPartition without groups: %v", err)
	}
	if want := []string{"3/st/u", "4/st/n"}; !slices.Equal(stories(got2), want) {
		t.Errorf("read %v, want %v", stories(got2), want)
	}
}

func TestReadPartitionBlocks(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 1})
	ctx := t.Context()
	if err := o.EnsureOutboxGroups(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := o.ReadPartition(ctx, 0, "c", 10, 20*time.Millisecond)
	if err != nil || len(got) != 0 {
		t.Errorf("blocking read of an empty partition = %v, %v; want nothing", stories(got), err)
	}
	if storetest.Embedded() {
		t.Skip("needs a redis-server to see the read blocked (the embedded server does not count blocked clients)")
	}
	before := blockedClients(t, o)
	done := make(chan []store.OutboxEntry, 1)
	go func() {
		es, err := o.ReadPartition(ctx, 0, "c", 10, 10*time.Second)
		if err != nil {
			t.Errorf("blocking ReadPartition: %v", err)
		}
		done <- es
	}()
	wait.For(t, "the read blocked in Redis", func() bool { return blockedClients(t, o) > before })
	select {
	case es := <-done:
		t.Fatalf("the read returned %v before an entry was added, want it blocked", stories(es))
	default:
	}
	o.enqueue(t, "st", false, 11)
	if es := wait.Recv(t, done, "the blocked read"); !slices.Equal(stories(es), []string{"11/st/n"}) {
		t.Errorf("blocked read woke with %v, want [11/st/n]", stories(es))
	}
}

// blockedClients is the number of Redis clients blocked in a command
// (INFO clients).
func blockedClients(t *testing.T, o outbox) int {
	t.Helper()
	info, err := o.Redis().Info(t.Context(), "clients").Result()
	if err != nil {
		t.Fatalf("INFO clients: %v", err)
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "blocked_clients:"); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("INFO clients: blocked_clients %q: %v", v, err)
			}
			return n
		}
	}
	t.Fatalf("INFO clients has no blocked_clients: %q", info)
	return 0
}

func TestOutboxDepth(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 3})
	ctx := t.Context()
	o.wantDepth(t, 0, 0) // no streams, no groups
	var chats []int64
	for p := range 3 {
		chats = append(chats, o.chatsIn(p, 2)...)
	}
	o.enqueue(t, "a", true, chats...)
	o.enqueue(t, "b", false, chats[:3]...)
	o.wantDepth(t, 9, 0)
	if err := o.EnsureOutboxGroups(ctx); err != nil {
		t.Fatal(err)
	}
	o.wantDepth(t, 9, 0)
	var read []store.OutboxEntry
	for p := range 3 {
		es, err := o.ReadPartition(ctx, p, "c", 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		read = append(read, es...)
	}
	// One per stream that has entries: 3 urgent, 2 normal (chats[:3]
	// span partitions 0 and 1).
	if len(read) != 5 {
		t.Fatalf("read %d entries, want 5", len(read))
	}
	o.wantDepth(t, 9, 5)
	if err := o.Acknowledge(ctx, read[0], store.SentRecord{MessageID: 1}); err != nil {
		t.Fatal(err)
	}
	if err := o.Drop(ctx, read[1]); err != nil {
		t.Fatal(err)
	}
	o.wantDepth(t, 7, 3)
	if n, err := o.OutboxLen(ctx); n != 7 || err != nil {
		t.Errorf("OutboxLen = %d, %v; want 7", n, err)
	}
}

func TestPartitionLease(t *testing.T) {
	s := openOpts(t, store.Options{OutboxPartitions: 4})
	ctx := t.Context()
	type step struct {
		op     string // acquire (Take), release
		p      int
		holder string
		want   bool // whether holder holds the lease after a take, or released it
	}
	steps := []step{
		{"acquire", 2, "a", true},
		{"acquire", 2, "b", false},
		{"acquire", 3, "b", true}, // other partition
		{"acquire", 2, "a", true}, // renew
		{"release", 2, "b", false},
		{"acquire", 2, "b", false}, // b's release did nothing
		{"release", 2, "a", true},
		{"acquire", 2, "b", true},
		{"acquire", 2, "a", false},
	}
	for i, st := range steps {
		switch st.op {
		case "acquire":
			token, _, err := s.PartitionLease(st.p, st.holder, time.Minute).Take(ctx)
			if err != nil || (token > 0) != st.want {
				t.Errorf("step %d: PartitionLease(%d, %s).Take = %d, %v; want held %t", i, st.p, st.holder, token, err, st.want)
			}
		case "release":
			ok, err := s.PartitionLease(st.p, st.holder, time.Minute).Release(ctx)
			if err != nil || ok != st.want {
				t.Errorf("step %d: PartitionLease(%d, %s).Release = %t, %v; want %t", i, st.p, st.holder, ok, err, st.want)
			}
		}
	}
	if h, err := s.PartitionHolder(ctx, 2); h != "b" || err != nil {
		t.Errorf("PartitionHolder(2) = %q, %v; want b", h, err)
	}
	if h, err := s.PartitionHolder(ctx, 0); h != "" || err != nil {
		t.Errorf("PartitionHolder(0) = %q, %v; want free", h, err)
	}

	// A lease its holder stops renewing expires.
	if token, _, err := s.PartitionLease(1, "dies", 30*time.Millisecond).Take(ctx); token == 0 || err != nil {
		t.Fatalf("PartitionLease(1, dies).Take = %d, %v; want a token", token, err)
	}
	heir := s.PartitionLease(1, "heir", time.Minute)
	wait.Within(t, 5*time.Second, "the expired lease taken over", func() bool {
		token, _, err := heir.Take(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return token > 0
	})

	for name, f := range map[string]func() error{
		"acquire -1":   func() error { _, _, err := s.PartitionLease(-1, "a", time.Second).Take(ctx); return err },
		"acquire 4":    func() error { _, _, err := s.PartitionLease(4, "a", time.Second).Take(ctx); return err },
		"acquire anon": func() error { _, _, err := s.PartitionLease(0, "", time.Second).Take(ctx); return err },
		"release 4":    func() error { _, err := s.PartitionLease(4, "a", time.Second).Release(ctx); return err },
		"read 4":       func() error { _, err := s.ReadPartition(ctx, 4, "c", 1, 0); return err },
		"claim 4":      func() error { _, _, err := s.ClaimPartition(ctx, 4, "c", 0, 1); return err },
		"read anon":    func() error { _, err := s.ReadPartition(ctx, 0, "", 1, 0); return err },
	} {
		if err := f(); err == nil {
			t.Errorf("%s: no error, want one", name)
		}
	}
}

func TestStoryMessages(t *testing.T) {
	const ttl = 90 * time.Minute
	o := newOutbox(t, store.Options{OutboxPartitions: 2, StoryMessagesTTL: ttl})
	ctx := t.Context()
	if sm, err := o.StoryMessages(ctx, "none"); err != nil || len(sm.Messages) != 0 || sm.Base != (store.Delivery{}) {
		t.Errorf("StoryMessages of an unknown story = %+v, %v; want none", sm, err)
	}
	first := delivery(o.chatsIn(0, 1)[0], "42")
	second := delivery(o.chatsIn(1, 1)[0], "42")
	second.Rule, second.Lang = "", "en"
	second.Title = "a later title" // the base stays the first's
	if _, err := o.Enqueue(ctx, []store.Delivery{first, second}); err != nil {
		t.Fatal(err)
	}
	var es []store.OutboxEntry
	for p := range 2 {
		got, err := o.ReadPartition(ctx, p, "c", 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, got...)
	}
	t0 := time.UnixMilli(1_750_000_000_000)
	for i, e := range es {
		// The second went as a photo.
		if err := o.Acknowledge(ctx, e, store.SentRecord{MessageID: 500 + i, SentAt: t0.Add(time.Duration(i) * time.Second), Photo: i == 1}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := o.StoryMessages(ctx, "42")
	if err != nil {
		t.Fatal(err)
	}
	want := store.StoryMessages{
		Base: store.Delivery{
			StoryID: "42", ItemID: first.ItemID, SourceID: first.SourceID, Urgent: true,
			Title: first.Title, Link: first.Link, Published: first.Published,
		},
		Messages: []store.StoryMessage{
			{ChatID: first.ChatID, MessageID: 500, SentAt: t0, Rule: "دمشق", Lang: "ar"},
			{ChatID: second.ChatID, MessageID: 501, SentAt: t0.Add(time.Second), Lang: "en", Photo: true},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("StoryMessages:\n got %+v\nwant %+v", got, want)
	}
	pttl, err := o.Redis().PTTL(ctx, o.prefix+"{storymsg:42}").Result()
	if err != nil || pttl <= ttl-time.Minute || pttl > ttl {
		t.Errorf("story messages PTTL = %v, %v; want about %v", pttl, err, ttl)
	}
}

func TestScheduleEdit(t *testing.T) {
	s := openOpts(t, store.Options{})
	ctx := t.Context()
	now := time.UnixMilli(time.Now().UnixMilli())
	// "s1" first at now+1s; the later schedule does not push it back.
	for _, e := range []struct {
		story string
		due   time.Time
	}{
		{"s1", now.Add(time.Second)},
		{"s2", now.Add(3 * time.Second)},
		{"s1", now.Add(10 * time.Second)},
		{"s3", now.Add(2 * time.Second)},
	} {
		if err := s.ScheduleEdit(ctx, e.story, e.due); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		at    time.Time
		count int64
		want  []string
	}{
		{now, 10, nil},
		{now.Add(time.Second), 10, []string{"s1"}},
		{now.Add(time.Second), 10, nil}, // popped once
		{now.Add(5 * time.Second), 1, []string{"s3"}},
		{now.Add(5 * time.Second), 10, []string{"s2"}},
		{now.Add(time.Hour), 10, nil},
	}
	for i, st := range steps {
		got, err := s.DueEdits(ctx, st.at, st.count)
		if err != nil || !slices.Equal(got, st.want) {
			t.Errorf("step %d: DueEdits(+%v, %d) = %v, %v; want %v", i, st.at.Sub(now), st.count, got, err, st.want)
		}
	}
	// Popped, it can be scheduled again.
	if err := s.ScheduleEdit(ctx, "s1", now.Add(7*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.DueEdits(ctx, now.Add(7*time.Second), 10); err != nil || !slices.Equal(got, []string{"s1"}) {
		t.Errorf("DueEdits after rescheduling = %v, %v; want [s1]", got, err)
	}
}

// TestScheduleEditForgetsStale: edits overdue by more than the story
// messages' TTL are dropped (the queue stays bounded without an editor).
func TestScheduleEditForgetsStale(t *testing.T) {
	s := openOpts(t, store.Options{StoryMessagesTTL: time.Hour})
	ctx := t.Context()
	now := time.Now()
	if err := s.ScheduleEdit(ctx, "old", now.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.ScheduleEdit(ctx, "recent", now.Add(-30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.ScheduleEdit(ctx, "new", now); err != nil {
		t.Fatal(err)
	}
	got, err := s.DueEdits(ctx, now, 10)
	if err != nil || !slices.Equal(got, []string{"recent", "new"}) {
		t.Errorf("DueEdits = %v, %v; want [recent new]", got, err)
	}
}

// TestDueEditsConcurrent: two instances popping at once get each due
// story exactly once between them.
func TestDueEditsConcurrent(t *testing.T) {
	prefix := storetest.Prefix()
	stores := []*store.Store{
		openOpts(t, store.Options{Prefix: prefix}),
		openOpts(t, store.Options{Prefix: prefix}),
	}
	ctx := t.Context()
	now := time.Now()
	const n = 500
	for i := range n {
		if err := stores[0].ScheduleEdit(ctx, "st"+strconv.Itoa(i), now.Add(-time.Duration(i)*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if err := stores[0].ScheduleEdit(ctx, "later", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	popped := map[string]int{}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for {
				got, err := stores[g%2].DueEdits(ctx, now, 7)
				if err != nil {
					t.Errorf("DueEdits: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, id := range got {
					popped[id]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(popped) != n {
		t.Errorf("popped %d stories, want %d", len(popped), n)
	}
	for id, k := range popped {
		if k != 1 || id == "later" {
			t.Errorf("%s popped %d times, want once (and never \"later\")", id, k)
		}
	}
}

// BenchmarkDeliver is the sender's store work per delivery: read a batch
// of 100 from a partition, acknowledge each (one round trip apiece, as
// the sender's workers do).
func BenchmarkDeliver(b *testing.B) {
	o := newOutbox(b, store.Options{OutboxPartitions: 1})
	ctx := b.Context()
	if err := o.EnsureOutboxGroups(ctx); err != nil {
		b.Fatal(err)
	}
	const batch = 100
	ds := make([]store.Delivery, batch)
	story := 0
	rec := store.SentRecord{MessageID: 1, SentAt: time.Now()}
	for b.Loop() {
		b.StopTimer()
		story++
		for i := range ds {
			ds[i] = delivery(int64(i), "st"+strconv.Itoa(story))
		}
		if _, err := o.Enqueue(ctx, ds); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		es, err := o.ReadPartition(ctx, 0, "c", batch, 0)
		if err != nil || len(es) != batch {
			b.Fatalf("ReadPartition = %d entries, %v", len(es), err)
		}
		for _, e := range es {
			if err := o.Acknowledge(ctx, e, rec); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "deliveries/s")
}

// TestScriptCacheFlushed: after the server lost its script cache
// (restart, failover), the pipelined scripts load themselves again.
func TestScriptCacheFlushed(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 2})
	ctx := t.Context()
	chats := append(o.chatsIn(0, 1), o.chatsIn(1, 1)...)
	o.enqueue(t, "warm", false, chats...) // the scripts are cached now
	if err := o.Redis().ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	o.enqueue(t, "st", false, chats...)
	es, err := o.ReadPartition(ctx, 0, "c", 10, 0)
	if err != nil || len(es) != 2 {
		t.Fatalf("ReadPartition = %v, %v; want 2 entries", stories(es), err)
	}
	if err := o.Redis().ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if err := o.Acknowledge(ctx, e, store.SentRecord{MessageID: 3}); err != nil {
			t.Fatalf("Acknowledge after SCRIPT FLUSH: %v", err)
		}
		if _, ok, err := o.Sent(ctx, e.ChatID, e.StoryID); !ok || err != nil {
			t.Errorf("Sent(%d, %s) = %t, %v; want true", e.ChatID, e.StoryID, ok, err)
		}
	}
	if sm, err := o.StoryMessages(ctx, "warm"); err != nil || len(sm.Messages) != 1 {
		t.Errorf("StoryMessages(warm) = %+v, %v; want one message", sm, err)
	}
	o.wantDepth(t, 2, 0)
}
