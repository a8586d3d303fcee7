package store_test

import (
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// queueNormal queues n non-urgent deliveries to chat and reads them as
// the sender would.
func queueNormal(t *testing.T, st *store.Store, chat int64, stories ...string) []store.OutboxEntry {
	t.Helper()
	ctx := t.Context()
	var ds []store.Delivery
	for _, id := range stories {
		d := delivery(chat, id)
		d.Urgent = false
		d.Title = "item " + id
		ds = append(ds, d)
	}
	if _, err := st.Enqueue(ctx, ds); err != nil {
		t.Fatal(err)
	}
	es, err := st.ReadPartition(ctx, st.PartitionOf(chat), "c1", int64(len(stories)), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != len(stories) {
		t.Fatalf("read %d entries, want %d", len(es), len(stories))
	}
	return es
}

// TestDigestHoldBuildOnce: held entries leave the outbox, the digest is
// due at its time, and a commit fenced by the due time queues it once
// however many builders try.
func TestDigestHoldBuildOnce(t *testing.T) {
	st := storetest.Open(t)
	ctx := t.Context()
	const chat = 42
	p := st.PartitionOf(chat)
	due := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	es := queueNormal(t, st, chat, "s1", "s2")
	for _, e := range es {
		got, err := st.HoldForDigest(ctx, e, due)
		if err != nil || got != store.Held {
			t.Fatalf("HoldForDigest(%s) = %v, %v; want Held", e.StoryID, got, err)
		}
	}
	// Held again (a retry after a lost reply): nothing added.
	if got, err := st.HoldForDigest(ctx, es[0], due.Add(time.Hour)); err != nil || got != store.HoldGone {
		t.Fatalf("HoldForDigest again = %v, %v; want HoldGone", got, err)
	}
	if left, err := st.ReadOutbox(ctx, 10); err != nil || len(left) != 0 {
		t.Fatalf("outbox after holding = %d entries, %v; want none", len(left), err)
	}
	if got, err := st.DueDigests(ctx, p, due.Add(-time.Second), 10); err != nil || len(got) != 0 {
		t.Fatalf("DueDigests before the time = %v, %v; want none", got, err)
	}
	dd, err := st.DueDigests(ctx, p, due, 10)
	if err != nil || len(dd) != 1 || dd[0].ChatID != chat || !dd[0].Due().Equal(due) {
		t.Fatalf("DueDigests at the time = %+v, %v; want chat %d due %v", dd, err, chat, due)
	}
	pend, err := st.LoadDigests(ctx, dd)
	if err != nil {
		t.Fatal(err)
	}
	if got := pend[0]; got.Read != 2 || len(got.Items) != 2 || got.Items[0].Title != "item s1" || got.Items[1].StoryID != "s2" {
		t.Fatalf("LoadDigests = %+v; want s1, s2", got)
	}
	// An item arriving after the read goes to the next digest.
	late := queueNormal(t, st, chat, "s3")
	if _, err := st.HoldForDigest(ctx, late[0], due); err != nil {
		t.Fatal(err)
	}
	next := due.Add(time.Hour)
	part := store.Delivery{ChatID: chat, StoryID: store.DigestPartID(dd[0].DueMs, 0), Text: "<b>digest</b>"}
	commit := store.DigestCommit{Due: dd[0], Consumed: pend[0].Read, Next: next, Parts: []store.Delivery{part}}
	ok, err := st.CommitDigests(ctx, []store.DigestCommit{commit, commit})
	if err != nil || !ok[0] || ok[1] {
		t.Fatalf("CommitDigests twice in a row = %v, %v; want [true false]", ok, err)
	}
	out, err := st.ReadOutbox(ctx, 10)
	if err != nil || len(out) != 1 || out[0].Text != "<b>digest</b>" || out[0].Urgent {
		t.Fatalf("outbox after commit = %+v, %v; want the one normal part", out, err)
	}
	n, at, err := st.PendingDigest(ctx, chat)
	if err != nil || n != 1 || !at.Equal(next) {
		t.Fatalf("PendingDigest = %d, %v, %v; want the late item, due %v", n, at, err, next)
	}
}

// TestDigestFull: a full digest refuses an entry, which stays in the
// outbox.
func TestDigestFull(t *testing.T) {
	st := storetest.Open(t)
	ctx := t.Context()
	const chat = 7
	due := time.Unix(1_800_000_000, 0)
	ids := make([]string, store.MaxDigestItems+1)
	for i := range ids {
		ids[i] = "s" + string(rune('a'+i%26)) + time.Duration(i).String()
	}
	es := queueNormal(t, st, chat, ids...)
	held := 0
	for _, e := range es {
		got, err := st.HoldForDigest(ctx, e, due)
		if err != nil {
			t.Fatal(err)
		}
		if got == store.Held {
			held++
		}
		if got == store.HoldFull && held != store.MaxDigestItems {
			t.Fatalf("HoldFull after %d items, want after %d", held, store.MaxDigestItems)
		}
	}
	if left, err := st.ReadOutbox(ctx, 10); err != nil || len(left) != 1 {
		t.Fatalf("outbox = %d entries, %v; want the one refused", len(left), err)
	}
}

// TestRescheduleDigest: a pending digest moves; a chat without one gets
// none.
func TestRescheduleDigest(t *testing.T) {
	st := storetest.Open(t)
	ctx := t.Context()
	due := time.Unix(1_800_000_000, 0)
	es := queueNormal(t, st, 5, "s1")
	if _, err := st.HoldForDigest(ctx, es[0], due); err != nil {
		t.Fatal(err)
	}
	now := due.Add(-30 * time.Minute)
	for _, chat := range []int64{5, 6} {
		if err := st.RescheduleDigest(ctx, chat, now); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		chat  int64
		wantN int
		want  time.Time
	}{{5, 1, now}, {6, 0, time.Time{}}}
	for _, tc := range tests {
		n, at, err := st.PendingDigest(ctx, tc.chat)
		if err != nil || n != tc.wantN || !at.Equal(tc.want) {
			t.Errorf("PendingDigest(%d) = %d, %v, %v; want %d, %v", tc.chat, n, at, err, tc.wantN, tc.want)
		}
	}
}
