package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func TestQuietContains(t *testing.T) {
	beirut, err := time.LoadLocation("Asia/Beirut")
	if err != nil {
		t.Fatal(err)
	}
	night := store.Quiet{From: 23 * 60, To: 7 * 60}
	day := store.Quiet{From: 13 * 60, To: 17*60 + 30}
	at := func(h, m int) time.Time { return time.Date(2026, time.March, 1, h, m, 0, 0, beirut) }
	tests := []struct {
		name string
		q    store.Quiet
		t    time.Time
		want bool
	}{
		{"night, before", night, at(22, 59), false},
		{"night, at start", night, at(23, 0), true},
		{"night, after midnight", night, at(3, 0), true},
		{"night, end excluded", night, at(7, 0), false},
		{"day, inside", day, at(17, 29), true},
		{"day, end", day, at(17, 30), false},
		{"day, before", day, at(12, 59), false},
		{"empty range", store.Quiet{From: 60, To: 60}, at(1, 0), false},
		{"out of range", store.Quiet{From: -1, To: 5000}, at(1, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The same instant seen from UTC: the zone decides.
			if got := tt.q.Contains(tt.t.UTC(), beirut); got != tt.want {
				t.Errorf("Contains(%v) = %v; want %v", tt.t, got, tt.want)
			}
		})
	}
	urgent := store.Quiet{From: 23 * 60, To: 7 * 60, Urgent: true}
	if urgent.Silent(at(1, 0), beirut, true) || !urgent.Silent(at(1, 0), beirut, false) {
		t.Error("Quiet{Urgent}: want urgent alerts ringing and the others silent")
	}
	var none *store.Quiet
	if none.Silent(at(1, 0), beirut, false) {
		t.Error("nil Quiet: want nothing silent")
	}
}

func TestHistoryIsCapped(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	const chat = 4242
	if err := st.EnsureOutboxGroups(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)
	for i := range store.HistoryMax + 5 {
		d := store.Delivery{ChatID: chat, StoryID: "s" + strconv.Itoa(i), ItemID: "i", SourceID: "src", Title: "t" + strconv.Itoa(i)}
		if _, err := st.Enqueue(ctx, []store.Delivery{d}); err != nil {
			t.Fatal(err)
		}
		es, err := st.ReadPartition(ctx, st.PartitionOf(chat), "c", 1, 0)
		if err != nil || len(es) != 1 {
			t.Fatalf("read: %v, %d", err, len(es))
		}
		if i%2 == 0 {
			err = st.Acknowledge(ctx, es[0], store.SentRecord{MessageID: i + 1, SentAt: at.Add(time.Duration(i) * time.Minute)})
		} else {
			err = st.SkipPaused(ctx, es[0], at.Add(time.Duration(i)*time.Minute))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.History(ctx, chat, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != store.HistoryMax {
		t.Fatalf("History: %d entries; want %d", len(got), store.HistoryMax)
	}
	last := store.HistoryMax + 4
	if got[0].StoryID != "s"+strconv.Itoa(last) || got[0].Paused != (last%2 == 1) || !got[0].At.Equal(at.Add(time.Duration(last)*time.Minute)) {
		t.Errorf("History[0] = %+v; want s%d, the newest", got[0], last)
	}
	if got[1].Paused == got[0].Paused {
		t.Errorf("History: sent and paused entries should alternate; got %+v, %+v", got[0], got[1])
	}
	if d, p, err := st.OutboxDepth(ctx); err != nil || d != 0 || p != 0 {
		t.Errorf("OutboxDepth = %d, %d, %v; want 0, 0", d, p, err)
	}
}
