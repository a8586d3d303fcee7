package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func sampleSub(chatID int64) store.Subscriber {
	return store.Subscriber{
		ChatID:  chatID,
		Type:    "private",
		Title:   "سامر",
		Lang:    "ar",
		Mode:    "urgent",
		Sources: []string{"sana-ticker", "aljazeera-rss"},
		Rules:   []string{"حمص", `"ريف دمشق" -مباراة`},
		Active:  true,
	}
}

func TestSubscriberRoundTrip(t *testing.T) {
	tests := map[string]store.Subscriber{
		"private chat with rules": sampleSub(1234567),
		"supergroup, all sources, paused until resume": {
			ChatID: -1001234567890123, Type: "supergroup", Title: "أخبار حمص", Lang: "ar", Mode: "all",
			PausedUntil: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), Active: true,
		},
		"inactive channel": {ChatID: -1009, Type: "channel", Lang: "en", Mode: "urgent"},
	}
	s := storetest.Open(t)
	ctx := t.Context()
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			before := time.Now()
			if err := s.PutSubscriber(ctx, want); err != nil {
				t.Fatal(err)
			}
			got, err := s.Subscriber(ctx, want.ChatID)
			if err != nil {
				t.Fatal(err)
			}
			if got.CreatedAt.Before(before.Add(-time.Second)) || got.UpdatedAt.Before(got.CreatedAt) {
				t.Errorf("CreatedAt %v UpdatedAt %v, want both set to about now", got.CreatedAt, got.UpdatedAt)
			}
			got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Subscriber(%d):\n got %+v\nwant %+v", want.ChatID, got, want)
			}
		})
	}
	all, err := s.Subscribers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, sub := range all {
		ids = append(ids, sub.ChatID)
	}
	if want := []int64{-1001234567890123, -1009, 1234567}; !slices.Equal(ids, want) {
		t.Errorf("Subscribers ids = %v, want %v", ids, want)
	}
	if _, err := s.Subscriber(ctx, 42); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Subscriber(42) error = %v, want ErrNotFound", err)
	}
}

func TestPutSubscriberKeepsCreatedAt(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	sub := sampleSub(1)
	sub.CreatedAt = t0
	if err := s.PutSubscriber(ctx, sub); err != nil {
		t.Fatal(err)
	}
	got, err := s.Subscriber(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(t0) || !got.UpdatedAt.After(t0) {
		t.Errorf("CreatedAt %v UpdatedAt %v, want %v and now", got.CreatedAt, got.UpdatedAt, t0)
	}
}

func TestRules(t *testing.T) {
	type step struct {
		add, del  string
		max       int
		wantRules []string
		wantErr   error
		removed   bool
	}
	tests := map[string][]step{
		"add and delete": {
			{add: "دمشق", wantRules: []string{"حمص", `"ريف دمشق" -مباراة`, "دمشق"}},
			{del: "حمص", removed: true, wantRules: []string{`"ريف دمشق" -مباراة`, "دمشق"}},
		},
		"adding a rule twice keeps one": {
			{add: "حمص", wantRules: []string{"حمص", `"ريف دمشق" -مباراة`}},
		},
		"deleting a missing rule changes nothing": {
			{del: "حلب", removed: false, wantRules: []string{"حمص", `"ريف دمشق" -مباراة`}},
		},
		"limit": {
			{add: "حلب", max: 3, wantRules: []string{"حمص", `"ريف دمشق" -مباراة`, "حلب"}},
			{add: "إدلب", max: 3, wantErr: store.ErrTooManyRules},
			{add: "حلب", max: 3, wantRules: []string{"حمص", `"ريف دمشق" -مباراة`, "حلب"}},
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) {
			s := storetest.Open(t)
			ctx := t.Context()
			if err := s.PutSubscriber(ctx, sampleSub(7)); err != nil {
				t.Fatal(err)
			}
			for i, st := range steps {
				var rules []string
				var removed bool
				var err error
				if st.add != "" {
					rules, err = s.AddRule(ctx, 7, st.add, st.max)
				} else {
					rules, removed, err = s.DelRule(ctx, 7, st.del)
				}
				if !errors.Is(err, st.wantErr) {
					t.Fatalf("step %d: error = %v, want %v", i, err, st.wantErr)
				}
				if err != nil {
					continue
				}
				if !slices.Equal(rules, st.wantRules) || removed != st.removed {
					t.Errorf("step %d: rules %q removed %v, want %q %v", i, rules, removed, st.wantRules, st.removed)
				}
				stored, err := s.Subscriber(ctx, 7)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(stored.Rules, st.wantRules) {
					t.Errorf("step %d: stored rules %q, want %q", i, stored.Rules, st.wantRules)
				}
			}
		})
	}
}

func TestRulesOfMissingSubscriber(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	if _, err := s.AddRule(ctx, 5, "حمص", 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddRule error = %v, want ErrNotFound", err)
	}
	if _, _, err := s.DelRule(ctx, 5, "حمص"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DelRule error = %v, want ErrNotFound", err)
	}
	if err := s.SetActive(ctx, 5, true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetActive error = %v, want ErrNotFound", err)
	}
	if err := s.DeleteSubscriber(ctx, 5); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteSubscriber error = %v, want ErrNotFound", err)
	}
	if err := s.MigrateSubscriber(ctx, 5, 6); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MigrateSubscriber error = %v, want ErrNotFound", err)
	}
}

// TestAddRuleConcurrent: two instances adding rules to one chat at once
// lose none, and never exceed the limit.
func TestAddRuleConcurrent(t *testing.T) {
	prefix := storetest.Prefix()
	stores := []*store.Store{openOpts(t, store.Options{Prefix: prefix}), openOpts(t, store.Options{Prefix: prefix})}
	ctx := t.Context()
	sub := sampleSub(9)
	sub.Rules = nil
	if err := stores[0].PutSubscriber(ctx, sub); err != nil {
		t.Fatal(err)
	}
	for name, max := range map[string]int{"no limit": 0, "limit 10": 10} {
		t.Run(name, func(t *testing.T) {
			if _, err := stores[0].UpdateSubscriber(ctx, 9, func(s *store.Subscriber) error { s.Rules = nil; return nil }); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			tooMany := 0
			for g := range 16 {
				wg.Go(func() {
					_, err := stores[g%2].AddRule(ctx, 9, fmt.Sprintf("rule %d", g), max)
					if errors.Is(err, store.ErrTooManyRules) {
						mu.Lock()
						tooMany++
						mu.Unlock()
					} else if err != nil {
						t.Errorf("AddRule: %v", err)
					}
				})
			}
			wg.Wait()
			got, err := stores[1].Subscriber(ctx, 9)
			if err != nil {
				t.Fatal(err)
			}
			want := 16
			if max > 0 {
				want = max
			}
			if len(got.Rules) != want || len(got.Rules)+tooMany != 16 {
				t.Errorf("%d rules stored and %d refused, want %d stored and %d refused", len(got.Rules), tooMany, want, 16-want)
			}
		})
	}
}

func TestSetActiveAndDelete(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	if err := s.PutSubscriber(ctx, sampleSub(3)); err != nil {
		t.Fatal(err)
	}
	v0, _ := s.SubscribersVersion(ctx)
	steps := []struct {
		name       string
		active     bool
		wantActive bool
		wantBump   bool
	}{
		{"deactivate", false, false, true},
		{"deactivate again", false, false, false},
		{"reactivate", true, true, true},
	}
	prev := v0
	for _, st := range steps {
		if err := s.SetActive(ctx, 3, st.active); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, err := s.Subscriber(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := s.SubscribersVersion(ctx)
		if got.Active != st.wantActive || (v > prev) != st.wantBump {
			t.Errorf("%s: active %v, version %d → %d; want active %v, bumped %v", st.name, got.Active, prev, v, st.wantActive, st.wantBump)
		}
		prev = v
	}
	if err := s.DeleteSubscriber(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Subscriber(ctx, 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Subscriber after delete: error = %v, want ErrNotFound", err)
	}
	if all, err := s.Subscribers(ctx); err != nil || len(all) != 0 {
		t.Errorf("Subscribers after delete = %v, %v; want none", all, err)
	}
}

func TestMigrateSubscriber(t *testing.T) {
	const group, super = -4001, -1004001
	tests := map[string]struct {
		existing  *store.Subscriber // already at the supergroup id
		wantRules []string
	}{
		"moves the record":                {wantRules: sampleSub(group).Rules},
		"keeps a newer supergroup record": {existing: &store.Subscriber{ChatID: super, Type: "supergroup", Rules: []string{"حلب"}, Active: true}, wantRules: []string{"حلب"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := storetest.Open(t)
			ctx := t.Context()
			g := sampleSub(group)
			g.Type = "group"
			if err := s.PutSubscriber(ctx, g); err != nil {
				t.Fatal(err)
			}
			if tc.existing != nil {
				if err := s.PutSubscriber(ctx, *tc.existing); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.MigrateSubscriber(ctx, group, super); err != nil {
				t.Fatal(err)
			}
			got, err := s.Subscriber(ctx, super)
			if err != nil {
				t.Fatal(err)
			}
			if got.ChatID != super || got.Type != "supergroup" || !slices.Equal(got.Rules, tc.wantRules) {
				t.Errorf("migrated = id %d type %q rules %q, want %d supergroup %q", got.ChatID, got.Type, got.Rules, super, tc.wantRules)
			}
			if _, err := s.Subscriber(ctx, group); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("old group record: error = %v, want ErrNotFound", err)
			}
			all, _ := s.Subscribers(ctx)
			if len(all) != 1 || all[0].ChatID != super {
				t.Errorf("Subscribers = %+v, want only %d", all, super)
			}
		})
	}
}

func TestSubscriberChanges(t *testing.T) {
	s := openOpts(t, store.Options{SubscriberLog: 3})
	ctx := t.Context()
	if ids, v, err := s.SubscriberChanges(ctx, 0); err != nil || len(ids) != 0 || v != 0 {
		t.Fatalf("changes of an empty store = %v, %d, %v; want none, 0, nil", ids, v, err)
	}
	for _, id := range []int64{1, 2, 3} {
		if err := s.PutSubscriber(ctx, sampleSub(id)); err != nil {
			t.Fatal(err)
		}
	}
	v3, _ := s.SubscribersVersion(ctx)
	if _, err := s.AddRule(ctx, 1, "حلب", 0); err != nil { // 1 changes again
		t.Fatal(err)
	}
	if err := s.DeleteSubscriber(ctx, 2); err != nil {
		t.Fatal(err)
	}
	// A fourth chat: the log keeps 3, so chat 3's change (v3) is trimmed.
	if err := s.PutSubscriber(ctx, sampleSub(4)); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		since   int64
		want    []int64
		wantErr error
	}{
		"since the third put":       {since: v3, want: []int64{1, 2, 4}},
		"since the last rule added": {since: v3 + 1, want: []int64{2, 4}},
		"up to date":                {since: v3 + 3, want: nil},
		"behind the trimmed log":    {since: v3 - 1, wantErr: store.ErrChangesTrimmed},
		"from the start":            {since: 0, wantErr: store.ErrChangesTrimmed},
		"ahead of the server":       {since: v3 + 10, wantErr: store.ErrChangesTrimmed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ids, v, err := s.SubscriberChanges(ctx, tc.since)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if v != v3+3 {
				t.Errorf("version = %d, want %d", v, v3+3)
			}
			if err == nil && !slices.Equal(ids, tc.want) {
				t.Errorf("changed = %v, want %v", ids, tc.want)
			}
		})
	}
	n, err := s.Redis().ZCard(ctx, s.SubscriberChangesKey()).Result()
	if err != nil || n > 3 {
		t.Errorf("change log holds %d entries (%v), want at most 3", n, err)
	}
}

func TestWatchSubscribers(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	if err := s.PutSubscriber(ctx, sampleSub(1)); err != nil {
		t.Fatal(err)
	}
	got := make(chan store.SubscriberUpdate, 16)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.WatchSubscribers(wctx, 10*time.Millisecond, func(u store.SubscriberUpdate) { got <- u })

	type want struct {
		full    bool
		ids     []int64
		removed []int64
	}
	summary := func(u store.SubscriberUpdate) want {
		w := want{full: u.Full, removed: u.Removed}
		for _, sub := range u.Subscribers {
			w.ids = append(w.ids, sub.ChatID)
		}
		return w
	}
	steps := []struct {
		name string
		do   func() error
		want want
	}{
		{"initial load", func() error { return nil }, want{full: true, ids: []int64{1}}},
		{"new subscriber", func() error { return s.PutSubscriber(ctx, sampleSub(2)) }, want{ids: []int64{2}}},
		{"rule added", func() error { _, err := s.AddRule(ctx, 1, "حلب", 0); return err }, want{ids: []int64{1}}},
		{"stopped", func() error { return s.DeleteSubscriber(ctx, 2) }, want{removed: []int64{2}}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		u := wait.Recv(t, got, st.name)
		if g := summary(u); !reflect.DeepEqual(g, st.want) {
			t.Errorf("%s: got %+v, want %+v", st.name, g, st.want)
		}
		if v, _ := s.SubscribersVersion(ctx); u.Version != v {
			t.Errorf("%s: update version %d, want %d", st.name, u.Version, v)
		}
	}
}

func TestSubscribersSurviveRestart(t *testing.T) {
	prefix := storetest.Prefix()
	s1 := openOpts(t, store.Options{Prefix: prefix})
	if err := s1.PutSubscriber(t.Context(), sampleSub(11)); err != nil {
		t.Fatal(err)
	}
	s1.Close()
	s2 := openOpts(t, store.Options{Prefix: prefix})
	all, err := s2.Subscribers(t.Context())
	if err != nil || len(all) != 1 || !slices.Equal(all[0].Rules, sampleSub(11).Rules) {
		t.Errorf("Subscribers after restart = %+v, %v; want subscriber 11 with its rules", all, err)
	}
}

// TestDeleteSubscriberLeavesNothing: /stop deletes every key of the chat
// but the delivery markers, which expire: a SCAN of the store's keys for
// the chat id finds nothing else.
func TestDeleteSubscriberLeavesNothing(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	const chat = -1009876543
	other := sampleSub(5)
	sub := sampleSub(chat)
	sub.Type, sub.TZ, sub.Digest = "channel", "Asia/Beirut", "hourly"
	sub.Quiet = &store.Quiet{From: 23 * 60, To: 7 * 60, Urgent: true}
	for _, x := range []store.Subscriber{sub, other} {
		if err := s.PutSubscriber(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.EnsureOutboxGroups(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)
	// Three deliveries: one sent, one skipped while paused (both in
	// /last), one held for the digest.
	for i, finish := range []string{"ack", "skip", "hold"} {
		d := store.Delivery{ChatID: chat, StoryID: fmt.Sprint("s", i), ItemID: "i", SourceID: "src", Title: "t"}
		if _, err := s.Enqueue(ctx, []store.Delivery{d}); err != nil {
			t.Fatal(err)
		}
		es, err := s.ReadPartition(ctx, s.PartitionOf(chat), "c", 1, 0)
		if err != nil || len(es) != 1 {
			t.Fatalf("read: %v, %d", err, len(es))
		}
		switch finish {
		case "ack":
			err = s.Acknowledge(ctx, es[0], store.SentRecord{MessageID: 7, SentAt: at})
		case "skip":
			err = s.SkipPaused(ctx, es[0], at)
		case "hold":
			_, err = s.HoldForDigest(ctx, es[0], at.Add(time.Hour))
		}
		if err != nil {
			t.Fatalf("%s: %v", finish, err)
		}
	}
	if err := s.SetManagedChat(ctx, chat, store.ManagedChat{ChatID: -100555, Name: "@x"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.History(ctx, chat, 10); len(h) != 2 {
		t.Fatalf("History before /stop: %d entries, want 2", len(h))
	}
	if n, _, _ := s.PendingDigest(ctx, chat); n != 1 {
		t.Fatalf("PendingDigest before /stop: %d, want 1", n)
	}

	if err := s.DeleteSubscriber(ctx, chat); err != nil {
		t.Fatal(err)
	}

	id := fmt.Sprint(chat)
	markers := regexp.MustCompile(`^\{outbox:[0-9]+\}:(dlv|sent):` + regexp.QuoteMeta(id) + `:`)
	iter := s.Redis().Scan(ctx, 0, s.KeyPrefix()+"*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		short := strings.TrimPrefix(k, s.KeyPrefix())
		if !strings.Contains(short, id) {
			continue
		}
		if !markers.MatchString(short) {
			t.Errorf("key %s left after /stop", short)
			continue
		}
		if ttl, err := s.Redis().PTTL(ctx, k).Result(); err != nil || ttl <= 0 {
			t.Errorf("marker %s left after /stop without a TTL (%v, %v)", short, ttl, err)
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if n, due, err := s.PendingDigest(ctx, chat); err != nil || n != 0 || !due.IsZero() {
		t.Errorf("PendingDigest after /stop = %d, %v, %v; want none", n, due, err)
	}
	if _, err := s.ManagedChat(ctx, chat, time.Hour); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ManagedChat after /stop: error %v, want ErrNotFound", err)
	}
	if all, err := s.Subscribers(ctx); err != nil || len(all) != 1 || all[0].ChatID != other.ChatID {
		t.Errorf("Subscribers after /stop = %v, %v; want only chat %d", all, err, other.ChatID)
	}
	// A second /stop finds nothing.
	if err := s.DeleteSubscriber(ctx, chat); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteSubscriber: error %v, want ErrNotFound", err)
	}
}
