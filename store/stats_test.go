package store_test

import (
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func TestCounts(t *testing.T) {
	// now is 14:30:20 UTC: the last hour is 13:31–14:30 (minutes), the
	// last day the hours 15:00 yesterday to 14:59 today.
	now := time.Date(2025, 3, 10, 14, 30, 20, 0, time.UTC)
	at := func(day, hour, min int) time.Time { return time.Date(2025, 3, day, hour, min, 59, 0, time.UTC) }
	type event struct {
		name store.Counter
		at   time.Time
		n    int64
	}
	tests := map[string]struct {
		events            []event
		lastHour, lastDay int64
	}{
		"nothing counted": {},
		"this minute": {
			events:   []event{{"alerts", now, 3}, {"alerts", now, 2}},
			lastHour: 5, lastDay: 5,
		},
		"across the hour boundary": {
			events:   []event{{"alerts", at(10, 13, 50), 5}, {"alerts", at(10, 14, 10), 2}, {"alerts", at(10, 13, 59), 1}},
			lastHour: 8, lastDay: 8,
		},
		"the minute an hour ago is out of the hour": {
			events:   []event{{"alerts", at(10, 13, 30), 4}, {"alerts", at(10, 13, 31), 1}},
			lastHour: 1, lastDay: 5,
		},
		"the day is 24 clock hours": {
			events: []event{
				{"alerts", at(9, 14, 59), 100}, // hour 14 yesterday: out
				{"alerts", at(9, 15, 0), 10},   // first hour in
				{"alerts", at(10, 0, 0), 20},
				{"alerts", at(10, 13, 0), 30},
			},
			lastHour: 0, lastDay: 60,
		},
		"other counters do not mix": {
			events: []event{
				{"alerts", now, 1}, {"alerts:src:sana", now, 7}, {"deliveries", now, 9}, {"alert", now, 11},
			},
			lastHour: 1, lastDay: 1,
		},
		"negative n takes back": {
			events:   []event{{"alerts", now, 5}, {"alerts", now, -2}},
			lastHour: 3, lastDay: 3,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := storetest.Open(t)
			ctx := t.Context()
			for _, e := range tc.events {
				if err := s.AddAt(ctx, e.name, e.n, e.at); err != nil {
					t.Fatal(err)
				}
			}
			h, d, err := s.CountsAt(ctx, store.CounterAlerts, now)
			if err != nil {
				t.Fatal(err)
			}
			if h != tc.lastHour || d != tc.lastDay {
				t.Errorf("CountsAt = %d, %d; want %d, %d", h, d, tc.lastHour, tc.lastDay)
			}
		})
	}
}

// TestCountsMany checks that CountsMany agrees with Counts for each name
// and gives zeros for names never counted.
func TestCountsMany(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	now := time.Date(2025, 3, 10, 0, 5, 0, 0, time.UTC)
	names := []store.Counter{store.SourceAlerts("sana"), store.SourceAlerts("bbc"), store.SourceAlerts("none")}
	for i, name := range names[:2] {
		for back := range 30 {
			// Every 40 minutes over 20 hours: some in the last hour, most
			// only in the day.
			at := now.Add(-time.Duration(back) * 40 * time.Minute)
			if err := s.AddAt(ctx, name, int64(i+1), at); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := s.CountsManyAt(ctx, names, now)
	if err != nil {
		t.Fatal(err)
	}
	want := map[store.Counter][2]int64{}
	for _, name := range names {
		h, d, err := s.CountsAt(ctx, name, now)
		if err != nil {
			t.Fatal(err)
		}
		want[name] = [2]int64{h, d}
	}
	if !maps.Equal(got, want) {
		t.Errorf("CountsManyAt = %v, want %v", got, want)
	}
	// 0:05, 23:25 yesterday: two in the last hour; all 30 in the day.
	if got[store.SourceAlerts("bbc")] != [2]int64{4, 60} || got[store.SourceAlerts("none")] != [2]int64{} {
		t.Errorf("CountsManyAt = %v, want bbc {4 60} and none {0 0}", got)
	}
	empty, err := s.CountsMany(ctx, nil)
	if err != nil || len(empty) != 0 {
		t.Errorf("CountsMany(nil) = %v, %v; want empty", empty, err)
	}
}

// TestCountNow checks Add and Counts on the wall clock: what was just
// counted is in both sums, whatever the minute; Count, by name, adds to
// the same counter.
func TestCountNow(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	if err := s.Add(ctx, store.CounterDeliveries, 4); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(ctx, store.CounterDeliveries, 1); err != nil {
		t.Fatal(err)
	}
	h, d, err := s.Counts(ctx, store.CounterDeliveries)
	if err != nil || h != 5 || d != 5 {
		t.Errorf("Counts = %d, %d, %v; want 5, 5, nil", h, d, err)
	}
	if err := s.Add(ctx, "", 1); err == nil {
		t.Error("Add with an empty name: no error")
	}
}

// TestCounterNames pins the names of the counters: they are the fields
// of the hour hashes, shared by every instance and kept 25 h, so a
// renamed one would read as zero until the old name's counts expire.
func TestCounterNames(t *testing.T) {
	want := []string{"alerts", "deliveries", "deliveries:failed", "telegram_errors", "dead_letters", "blocked", "telegram_429"}
	var got []string
	for _, c := range store.Counters() {
		got = append(got, string(c))
	}
	if !slices.Equal(got, want) {
		t.Errorf("Counters() = %q, want %q", got, want)
	}
	for _, tc := range []struct{ got, want store.Counter }{
		{store.SourceAlerts("sana"), "alerts:src:sana"},
		{store.SourceItems("sana"), "items:src:sana"},
		{store.SourceUrgentItems("sana"), "urgent:src:sana"},
	} {
		if tc.got != tc.want {
			t.Errorf("per-source counter = %q, want %q", tc.got, tc.want)
		}
	}
}

// TestCountTTL checks that the hour hashes expire StatsKeep after their
// last write, so memory stays flat.
func TestCountTTL(t *testing.T) {
	prefix := storetest.Prefix()
	s := openOpts(t, store.Options{Prefix: prefix})
	ctx := t.Context()
	at := time.Date(2025, 3, 10, 14, 30, 0, 0, time.UTC)
	if err := s.AddAt(ctx, "alerts", 1, at); err != nil {
		t.Fatal(err)
	}
	keys := scanKeys(t, s, prefix)
	want := prefix + "{stats}:" + strconv.FormatInt(at.Unix()/3600, 10)
	if len(keys) != 1 || keys[0] != want {
		t.Fatalf("keys = %v, want [%s]", keys, want)
	}
	ttl, err := s.Redis().PTTL(ctx, want).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= store.StatsKeep-time.Minute || ttl > store.StatsKeep {
		t.Errorf("PTTL = %v, want about %v", ttl, store.StatsKeep)
	}
}

// AddMany adds each counter as Add would, in one call.
func TestAddMany(t *testing.T) {
	st := storetest.Open(t)
	ctx := t.Context()
	now := time.Date(2026, 12, 6, 14, 30, 20, 0, time.UTC)
	a, b := store.SourceItems("sana"), store.SourceUrgentItems("sana")
	if err := st.AddAt(ctx, a, 2, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.AddMany(ctx, map[store.Counter]int64{a: 3, b: 1}, now); err != nil {
		t.Fatal(err)
	}
	if err := st.AddMany(ctx, nil, now); err != nil {
		t.Errorf("AddMany(nil) = %v, want nil", err)
	}
	got, err := st.CountsManyAt(ctx, []store.Counter{a, b}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := map[store.Counter][2]int64{a: {5, 5}, b: {1, 1}}
	if !maps.Equal(got, want) {
		t.Errorf("counts = %v, want %v", got, want)
	}
	if n, err := st.MinuteCount(ctx, a, now); err != nil || n != 3 {
		t.Errorf("MinuteCount = %d, %v; want 3 (this minute's)", n, err)
	}
	if err := st.AddMany(ctx, map[store.Counter]int64{"": 1}, now); err == nil {
		t.Error("AddMany with an empty name = nil, want an error")
	}
}
