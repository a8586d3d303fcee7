package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/redis/go-redis/v9"
)

// TestStoryDeliveryCounts follows one story's deliveries through every
// way an entry is finished, the dead letter's retry included, and checks
// the counters after each step.
func TestStoryDeliveryCounts(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 2})
	ctx := t.Context()
	chats := append(o.chatsIn(0, 2), o.chatsIn(1, 2)...)
	o.enqueue(t, "st", true, chats...)
	o.enqueue(t, "other", true, chats[0])
	// Queued again: the markers keep it once, and the counter too.
	if n, err := o.Enqueue(ctx, []store.Delivery{delivery(chats[0], "st")}); n != 0 || err != nil {
		t.Fatalf("Enqueue again = %d, %v; want 0", n, err)
	}
	want := func(step string, w store.StoryDeliveries) {
		t.Helper()
		got, err := o.StoryDeliveryCounts(ctx, []string{"st"})
		if err != nil {
			t.Fatalf("%s: StoryDeliveryCounts: %v", step, err)
		}
		g := got["st"]
		g.FirstSent = time.Time{}
		if g != w {
			t.Errorf("%s: counts = %+v, want %+v", step, g, w)
		}
	}
	want("queued", store.StoryDeliveries{Queued: 4})
	p0, err := o.ReadPartition(ctx, 0, "c", 10, 0)
	if err != nil || len(p0) != 3 {
		t.Fatalf("ReadPartition 0 = %v, %v; want 3", stories(p0), err)
	}
	p1, err := o.ReadPartition(ctx, 1, "c", 10, 0)
	if err != nil || len(p1) != 2 {
		t.Fatalf("ReadPartition 1 = %v, %v; want 2", stories(p1), err)
	}
	sentAt := time.UnixMilli(1_700_000_000_000)
	for range 2 { // twice: counted once
		if err := o.Acknowledge(ctx, p0[0], store.SentRecord{MessageID: 7, SentAt: sentAt}); err != nil {
			t.Fatal(err)
		}
		if err := o.Drop(ctx, p0[1]); err != nil {
			t.Fatal(err)
		}
	}
	if p0[0].StoryID != "st" || p0[1].StoryID != "st" {
		t.Fatalf("partition 0 read %v, want st first", stories(p0))
	}
	if err := o.DeadLetter(ctx, p1[0], "telegram 400: bad", 1); err != nil {
		t.Fatal(err)
	}
	want("finished", store.StoryDeliveries{Queued: 4, Sent: 1, Dropped: 1, Dead: 1})
	got, err := o.StoryDeliveryCounts(ctx, []string{"st", "none"})
	if err != nil {
		t.Fatal(err)
	}
	if !got["st"].FirstSent.Equal(sentAt) || got["st"].Waiting() != 1 {
		t.Errorf("first sent %v, waiting %d; want %v, 1", got["st"].FirstSent, got["st"].Waiting(), sentAt)
	}
	if got["none"] != (store.StoryDeliveries{}) {
		t.Errorf("unknown story: %+v, want zeros", got["none"])
	}

	dl, err := o.DeadLetters(ctx, 10)
	if err != nil || len(dl) != 1 {
		t.Fatalf("DeadLetters = %v, %v", dl, err)
	}
	if err := o.RetryDeadLetter(ctx, dl[0].ID); err != nil {
		t.Fatalf("RetryDeadLetter: %v", err)
	}
	want("retried", store.StoryDeliveries{Queued: 4, Sent: 1, Dropped: 1})
	if err := o.RetryDeadLetter(ctx, dl[0].ID); !errors.Is(err, store.ErrDeadLetterNotFound) {
		t.Errorf("second RetryDeadLetter = %v, want ErrDeadLetterNotFound", err)
	}
	back, err := o.ReadPartition(ctx, 1, "c", 10, 0)
	if err != nil || len(back) != 1 || back[0].Delivery != p1[0].Delivery {
		t.Fatalf("read after retry = %v, %v; want the dead letter's delivery %v", stories(back), err, stories(p1[:1]))
	}
	if n, _ := o.DeadLetterCount(ctx); n != 0 {
		t.Errorf("dead letters after retry = %d, want 0", n)
	}
}

// TestRetryDeadLetterOnce: a dead letter whose removal failed after its
// retry (it is still in the stream) is not queued a second time.
func TestRetryDeadLetterOnce(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 1})
	ctx := t.Context()
	o.enqueue(t, "st", false, 5)
	es, err := o.ReadPartition(ctx, 0, "c", 10, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("ReadPartition = %v, %v", stories(es), err)
	}
	if err := o.DeadLetter(ctx, es[0], "bad", 1); err != nil {
		t.Fatal(err)
	}
	dl, err := o.DeadLetters(ctx, 1)
	if err != nil || len(dl) != 1 {
		t.Fatalf("DeadLetters = %v, %v", dl, err)
	}
	fields := make(map[string]any, len(dl[0].Fields))
	for k, v := range dl[0].Fields {
		fields[k] = v
	}
	if err := o.RetryDeadLetter(ctx, dl[0].ID); err != nil {
		t.Fatal(err)
	}
	// Put it back as if the removal had failed (a new stream takes its
	// old id).
	if err := o.Redis().Del(ctx, o.prefix+"{dead}:stream").Err(); err != nil {
		t.Fatal(err)
	}
	if err := o.Redis().XAdd(ctx, &redis.XAddArgs{Stream: o.prefix + "{dead}:stream", ID: dl[0].ID, Values: fields}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := o.RetryDeadLetter(ctx, dl[0].ID); !errors.Is(err, store.ErrDeadLetterRetried) {
		t.Errorf("retry again = %v, want ErrDeadLetterRetried", err)
	}
	if n, _ := o.DeadLetterCount(ctx); n != 0 {
		t.Errorf("dead letters = %d, want 0 (the second retry removes it)", n)
	}
	if d, _, _ := o.OutboxDepth(ctx); d != 1 {
		t.Errorf("outbox depth = %d, want 1: queued once", d)
	}
	if err := o.RetryDeadLetter(ctx, "0-1"); !errors.Is(err, store.ErrDeadLetterNotFound) {
		t.Errorf("retry of an unknown id = %v, want ErrDeadLetterNotFound", err)
	}
}

func TestOutboxDepthsAndHolders(t *testing.T) {
	o := newOutbox(t, store.Options{OutboxPartitions: 3})
	ctx := t.Context()
	o.enqueue(t, "a", true, o.chatsIn(2, 3)...)
	o.enqueue(t, "b", false, o.chatsIn(0, 1)...)
	if _, err := o.ReadPartition(ctx, 2, "c", 2, 0); err != nil {
		t.Fatal(err)
	}
	got, err := o.OutboxDepths(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.PartitionDepth{{0, 1, 0}, {1, 0, 0}, {2, 3, 2}}
	if len(got) != len(want) {
		t.Fatalf("OutboxDepths = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("partition %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if tok, _, err := o.PartitionLease(1, "inst-b", time.Minute).Take(ctx); err != nil || tok == 0 {
		t.Fatalf("Take = %d, %v", tok, err)
	}
	holders, err := o.PartitionHolders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(holders) != 3 || holders[0] != "" || holders[1] != "inst-b" || holders[2] != "" {
		t.Errorf("PartitionHolders = %q, want [\"\" inst-b \"\"]", holders)
	}
}

func TestLiveInstances(t *testing.T) {
	s := openOpts(t, store.Options{})
	ctx := t.Context()
	for _, name := range []string{"b", "a"} {
		if _, err := s.Heartbeat(ctx, name, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.LiveInstances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" || !got[0].Until.After(time.Now()) {
		t.Errorf("LiveInstances = %+v, want a, b alive", got)
	}
	if err := s.Leave(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LiveInstances(ctx); len(got) != 1 || got[0].Name != "b" {
		t.Errorf("after Leave: %+v, want b", got)
	}
}

func TestMinuteCount(t *testing.T) {
	s := openOpts(t, store.Options{})
	ctx := t.Context()
	at := time.Date(2026, 3, 1, 10, 59, 30, 0, time.UTC)
	for _, a := range []struct {
		t time.Time
		n int64
	}{{at, 3}, {at.Add(-20 * time.Second), 2}, {at.Add(-time.Minute), 5}, {at.Add(time.Minute), 7}} {
		if err := s.AddAt(ctx, store.CounterDeliveries, a.n, a.t); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		t    time.Time
		want int64
	}{{at, 5}, {at.Add(-time.Minute), 5}, {at.Add(time.Minute), 7}, {at.Add(2 * time.Minute), 0}}
	for _, tt := range tests {
		if got, err := s.MinuteCount(ctx, store.CounterDeliveries, tt.t); got != tt.want || err != nil {
			t.Errorf("MinuteCount(%v) = %d, %v; want %d", tt.t, got, err, tt.want)
		}
	}
}

func TestSubscriberState(t *testing.T) {
	now := time.Now()
	tests := []struct {
		sub  store.Subscriber
		want store.SubscriberState
	}{
		{store.Subscriber{Active: true}, store.StateActive},
		{store.Subscriber{Active: true, PausedUntil: now.Add(time.Hour)}, store.StatePaused},
		{store.Subscriber{Active: true, PausedUntil: now.Add(-time.Hour)}, store.StateActive},
		{store.Subscriber{Active: false, PausedUntil: now.Add(time.Hour)}, store.StateStopped},
	}
	for _, tt := range tests {
		if got := tt.sub.State(now); got != tt.want {
			t.Errorf("State(%+v) = %s, want %s", tt.sub, got, tt.want)
		}
	}
}
