package store_test

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func delivery(chatID int64, story string) store.Delivery {
	return store.Delivery{
		ChatID:    chatID,
		StoryID:   story,
		ItemID:    "https://sana.sy/?p=2104871",
		SourceID:  "sana-ticker",
		Urgent:    true,
		Title:     "انفجار في حي المزة بدمشق",
		Link:      "https://sana.sy/?p=2104871",
		Image:     "https://sana.sy/wp-content/uploads/2025/03/mazzeh.jpg",
		Published: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC),
		Rule:      "دمشق",
		MatchedAt: time.Date(2025, 3, 1, 8, 0, 2, 500_000_000, time.UTC),
		Lang:      "ar",
	}
}

// byChatStory orders deliveries by chat, then story.
func byChatStory(a, b store.Delivery) int {
	return cmp.Or(cmp.Compare(a.ChatID, b.ChatID), cmp.Compare(a.StoryID, b.StoryID))
}

func TestEnqueue(t *testing.T) {
	a, b, c := delivery(1, "st1"), delivery(-1002, "st1"), delivery(1, "st2")
	c.Urgent, c.Rule, c.Published, c.Lang, c.Image = false, "", time.Time{}, "", ""
	tests := map[string]struct {
		batches    [][]store.Delivery
		wantQueued []int
		want       []store.Delivery
	}{
		"each delivery once": {
			batches:    [][]store.Delivery{{a, b}, {a, b, c}},
			wantQueued: []int{2, 1},
			want:       []store.Delivery{a, b, c},
		},
		"a repeat within a batch is queued once": {
			batches:    [][]store.Delivery{{a, a, b, a}},
			wantQueued: []int{2},
			want:       []store.Delivery{a, b},
		},
		"same story, other chat; same chat, other story": {
			batches:    [][]store.Delivery{{a}, {b}, {c}, {a, b, c}},
			wantQueued: []int{1, 1, 1, 0},
			want:       []store.Delivery{a, b, c},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			// A batch size of 2 makes the 3- and 4-delivery calls span
			// several script calls.
			s := openOpts(t, store.Options{EnqueueBatch: 2})
			ctx := t.Context()
			for i, batch := range tc.batches {
				n, err := s.Enqueue(ctx, batch)
				if err != nil {
					t.Fatalf("batch %d: %v", i, err)
				}
				if n != tc.wantQueued[i] {
					t.Errorf("batch %d: queued %d, want %d", i, n, tc.wantQueued[i])
				}
			}
			entries, err := s.ReadOutbox(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			var got []store.Delivery
			for _, e := range entries {
				if e.ID == "" {
					t.Error("entry without a stream id")
				}
				if p := s.PartitionOf(e.ChatID); e.Partition != p || e.Urgent != e.Delivery.Urgent {
					t.Errorf("chat %d urgent %t: in partition %d urgent stream %t, want partition %d urgent stream %t",
						e.ChatID, e.Delivery.Urgent, e.Partition, e.Urgent, p, e.Delivery.Urgent)
				}
				got = append(got, e.Delivery)
			}
			// Chats are in different partitions: only a chat's own
			// deliveries keep an order.
			slices.SortFunc(got, byChatStory)
			want := slices.SortedFunc(slices.Values(tc.want), byChatStory)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("outbox:\n got %+v\nwant %+v", got, want)
			}
			if n, err := s.OutboxLen(ctx); err != nil || n != int64(len(tc.want)) {
				t.Errorf("OutboxLen = %d, %v; want %d", n, err, len(tc.want))
			}
		})
	}
}

func TestEnqueueMarkerTTL(t *testing.T) {
	const ttl = 3 * time.Hour
	s := openOpts(t, store.Options{DeliveryTTL: ttl})
	ctx := t.Context()
	if _, err := s.Enqueue(ctx, []store.Delivery{delivery(5, "st{9}")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Redis().PTTL(ctx, s.DeliveryKey(5, "st{9}")).Result()
	if err != nil {
		t.Fatal(err)
	}
	if got <= ttl-time.Minute || got > ttl {
		t.Errorf("marker PTTL = %v, want about %v", got, ttl)
	}
}

func TestEnqueueEmptyStory(t *testing.T) {
	s := storetest.Open(t)
	if _, err := s.Enqueue(t.Context(), []store.Delivery{{ChatID: 1}}); err == nil {
		t.Error("Enqueue of a delivery without a story succeeded, want an error")
	}
	if n, err := s.Enqueue(t.Context(), nil); err != nil || n != 0 {
		t.Errorf("Enqueue(nil) = %d, %v; want 0, nil", n, err)
	}
}

func TestEnqueueBound(t *testing.T) {
	// Redis trims "~" streams by whole nodes (stream-node-max-entries,
	// 100 by default), so each stream stays under its share + 100.
	const slack = 100
	tests := map[string]struct {
		maxLen     int64
		partitions int
	}{
		"one partition":     {maxLen: 50, partitions: 1},
		"shared by four":    {maxLen: 200, partitions: 4},
		"more than entries": {maxLen: 5000, partitions: 8},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := openOpts(t, store.Options{OutboxMaxLen: tc.maxLen, OutboxPartitions: tc.partitions})
			ctx := t.Context()
			ds := make([]store.Delivery, 1000)
			perPartition := make([]int64, tc.partitions)
			for i := range ds {
				ds[i] = delivery(int64(i), "st")
				perPartition[s.PartitionOf(int64(i))]++
			}
			if n, err := s.Enqueue(ctx, ds); err != nil || n != len(ds) {
				t.Fatalf("Enqueue = %d, %v; want %d", n, err, len(ds))
			}
			share := tc.maxLen / int64(tc.partitions)
			var lo, hi int64
			for _, n := range perPartition {
				lo += min(n, share)
				hi += min(n, share+slack)
			}
			n, err := s.OutboxLen(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n < lo || n > hi {
				t.Errorf("outbox length %d after 1000 deliveries, want in [%d, %d]", n, lo, hi)
			}
		})
	}
}

// TestEnqueueChatOrder: a chat's deliveries keep their order within each
// stream, however the batch is split over partitions and script calls.
func TestEnqueueChatOrder(t *testing.T) {
	s := openOpts(t, store.Options{EnqueueBatch: 3, OutboxPartitions: 4})
	ctx := t.Context()
	var ds []store.Delivery
	for story := range 10 {
		for chat := range int64(6) {
			d := delivery(chat, fmt.Sprintf("st%02d", story))
			d.Urgent = story%3 == 0
			ds = append(ds, d)
		}
	}
	if n, err := s.Enqueue(ctx, ds); err != nil || n != len(ds) {
		t.Fatalf("Enqueue = %d, %v; want %d", n, err, len(ds))
	}
	entries, err := s.ReadOutbox(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	type stream struct {
		chat   int64
		urgent bool
	}
	got := map[stream][]string{}
	for _, e := range entries {
		k := stream{e.ChatID, e.Urgent}
		got[k] = append(got[k], e.StoryID)
	}
	want := map[stream][]string{}
	for _, d := range ds {
		k := stream{d.ChatID, d.Urgent}
		want[k] = append(want[k], d.StoryID)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stories per chat and stream:\n got %v\nwant %v", got, want)
	}
}

// TestEnqueueConcurrent: two instances (two Stores) and several
// goroutines enqueue the same fan-out at once; each delivery is queued
// exactly once.
func TestEnqueueConcurrent(t *testing.T) {
	prefix := storetest.Prefix()
	stores := []*store.Store{
		openOpts(t, store.Options{Prefix: prefix, EnqueueBatch: 64}),
		openOpts(t, store.Options{Prefix: prefix, EnqueueBatch: 64}),
	}
	ctx := t.Context()
	ds := make([]store.Delivery, 500)
	for i := range ds {
		ds[i] = delivery(int64(1000+i), "st-"+strconv.Itoa(i%7))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for g := range 8 {
		wg.Go(func() {
			// Each goroutine starts at another offset, so the races
			// happen inside batches too.
			off := g * 37 % len(ds)
			mine := append(append([]store.Delivery{}, ds[off:]...), ds[:off]...)
			n, err := stores[g%2].Enqueue(ctx, mine)
			if err != nil {
				t.Errorf("Enqueue: %v", err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != len(ds) {
		t.Errorf("queued %d in total, want %d", total, len(ds))
	}
	entries, err := stores[0].ReadOutbox(ctx, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range entries {
		seen[fmt.Sprintf("%d/%s", e.ChatID, e.StoryID)]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s queued %d times, want 1", k, n)
		}
	}
	if len(entries) != len(ds) {
		t.Errorf("outbox holds %d entries, want %d", len(entries), len(ds))
	}
}

func TestDecodeDeliveryErrors(t *testing.T) {
	tests := map[string]map[string]any{
		"no chat":        {"story": "s"},
		"bad chat":       {"chat": "x1", "story": "s"},
		"bad published":  {"chat": "1", "story": "s", "published": "yesterday"},
		"bad matched at": {"chat": "1", "story": "s", "matched": "2025-13-01"},
		"no story":       {"chat": "1"},
	}
	for name, v := range tests {
		t.Run(name, func(t *testing.T) {
			if d, err := store.DecodeDelivery(v); err == nil {
				t.Errorf("DecodeDelivery(%v) = %+v, want an error", v, d)
			}
		})
	}
}

// An entry queued before deliveries had an image (no "image" field)
// still decodes, without one.
func TestDecodeDeliveryWithoutImage(t *testing.T) {
	old := map[string]any{
		"chat": "42", "story": "s1", "item": "i1", "source": "sana", "urgent": "true",
		"title": "انفجار في حي المزة بدمشق", "link": "https://sana.sy/?p=1",
		"published": "2025-03-01T08:00:00Z", "rule": "", "matched": "2025-03-01T08:00:02Z", "lang": "ar",
	}
	d, err := store.DecodeDelivery(old)
	if err != nil {
		t.Fatalf("DecodeDelivery: %v", err)
	}
	want := store.Delivery{
		ChatID: 42, StoryID: "s1", ItemID: "i1", SourceID: "sana", Urgent: true,
		Title: "انفجار في حي المزة بدمشق", Link: "https://sana.sy/?p=1",
		Published: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC), MatchedAt: time.Date(2025, 3, 1, 8, 0, 2, 0, time.UTC), Lang: "ar",
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("DecodeDelivery:\n got %+v\nwant %+v", d, want)
	}
}

// BenchmarkEnqueue fans one story out to 10,000 chats per op, with
// several batch sizes (deliveries per script call), over the default 8
// partitions.
func BenchmarkEnqueue(b *testing.B) {
	const fanout = 10_000
	for _, batch := range []int{100, 1000, 10_000} {
		b.Run("batch="+strconv.Itoa(batch), func(b *testing.B) {
			s := openOpts(b, store.Options{EnqueueBatch: batch})
			ctx := b.Context()
			ds := make([]store.Delivery, fanout)
			perPartition := make([]int, s.OutboxPartitions())
			for i := range ds {
				ds[i] = delivery(int64(i), "")
				perPartition[s.PartitionOf(int64(i))]++
			}
			// Enqueue pipelines one batch of every partition per round
			// trip: as many round trips as the fullest partition has
			// batches.
			roundTrips := (slices.Max(perPartition) + batch - 1) / batch
			story := 0
			for b.Loop() {
				story++
				id := "story-" + strconv.Itoa(story)
				for i := range ds {
					ds[i].StoryID = id
				}
				n, err := s.Enqueue(ctx, ds)
				if err != nil {
					b.Fatal(err)
				}
				if n != fanout {
					b.Fatalf("queued %d, want %d", n, fanout)
				}
			}
			b.ReportMetric(float64(b.N*fanout)/b.Elapsed().Seconds(), "deliveries/s")
			b.ReportMetric(float64(roundTrips), "roundtrips/op")
		})
	}
}
