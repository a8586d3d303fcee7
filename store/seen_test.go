package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func TestMarkSeen(t *testing.T) {
	type poll struct {
		ids          []string
		wantFresh    []string
		wantBaseline bool
	}
	tests := map[string][]poll{
		"first poll is a baseline, then only new ids": {
			{[]string{"a", "b", "c"}, nil, true},
			{[]string{"d", "a", "b", "c"}, []string{"d"}, false},
			{[]string{"e", "f", "d"}, []string{"e", "f"}, false},
			{[]string{"e", "f", "d"}, nil, false},
		},
		"empty first poll is still a baseline": {
			{nil, nil, true},
			{[]string{"a", "b"}, []string{"a", "b"}, false},
		},
		"a repeated id in one poll is fresh once": {
			{[]string{"a"}, nil, true},
			{[]string{"b", "b", "c", "b"}, []string{"b", "c"}, false},
		},
		"empty ids are ignored": {
			{[]string{""}, nil, true},
			{[]string{"", "a", ""}, []string{"a"}, false},
		},
		"arabic and long ids": {
			{[]string{"https://sana.sy/?p=1"}, nil, true},
			{[]string{"عاجل-دمشق-١", "https://sana.sy/?p=1", "x:" + string(make([]byte, 300))}, []string{"عاجل-دمشق-١", "x:" + string(make([]byte, 300))}, false},
		},
	}
	for name, polls := range tests {
		t.Run(name, func(t *testing.T) {
			s := storetest.Open(t)
			for i, p := range polls {
				fresh, baseline, err := s.MarkSeen(t.Context(), "src", p.ids)
				if err != nil {
					t.Fatalf("poll %d: %v", i, err)
				}
				if !slices.Equal(fresh, p.wantFresh) || baseline != p.wantBaseline {
					t.Errorf("poll %d of %q: got fresh %q baseline %v, want %q %v", i, p.ids, fresh, baseline, p.wantFresh, p.wantBaseline)
				}
			}
		})
	}
}

func TestMarkSeenSourcesAreSeparate(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	if _, _, err := s.MarkSeen(ctx, "one", []string{"a"}); err != nil {
		t.Fatal(err)
	}
	fresh, baseline, err := s.MarkSeen(ctx, "two", []string{"a"})
	if err != nil || !baseline || len(fresh) != 0 {
		t.Errorf("first poll of a second source = %v, %v, %v; want baseline with nothing fresh", fresh, baseline, err)
	}
}

func TestMarkSeenTTLs(t *testing.T) {
	const ttl = 90 * time.Minute
	s := openOpts(t, store.Options{SeenTTL: ttl})
	ctx := t.Context()
	for i, ids := range [][]string{{"a"}, {"a", "b"}} {
		if _, _, err := s.MarkSeen(ctx, "src", ids); err != nil {
			t.Fatal(err)
		}
		seen, init := s.SeenKeys("src")
		for _, key := range []string{seen, init} {
			got, err := s.Redis().PTTL(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			if got <= ttl-time.Minute || got > ttl {
				t.Errorf("poll %d: PTTL(%s) = %v, want about %v", i, key, got, ttl)
			}
		}
	}
}

// redisNowMS returns the Redis server's clock in ms, the seen scores' clock.
func redisNowMS(t *testing.T, s *store.Store) int64 {
	t.Helper()
	now, err := s.Redis().Time(t.Context()).Result()
	if err != nil {
		t.Fatal(err)
	}
	return now.UnixMilli()
}

func TestMarkSeenExpiredIDsAreTrimmedAndFresh(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	if _, _, err := s.MarkSeen(ctx, "src", []string{"kept"}); err != nil {
		t.Fatal(err)
	}
	seen, _ := s.SeenKeys("src")
	old := float64(redisNowMS(t, s) - (store.DefaultSeenTTL + time.Hour).Milliseconds())
	if err := s.Redis().ZAdd(ctx, seen, redis.Z{Score: old, Member: "expired"}, redis.Z{Score: old, Member: "expired-gone"}).Err(); err != nil {
		t.Fatal(err)
	}
	fresh, _, err := s.MarkSeen(ctx, "src", []string{"kept", "expired"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fresh, []string{"expired"}) {
		t.Errorf("fresh = %q, want [expired] (seen longer ago than the TTL)", fresh)
	}
	members, err := s.Redis().ZRange(ctx, seen, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(members)
	if want := []string{"expired", "kept"}; !slices.Equal(members, want) {
		t.Errorf("seen set = %q, want %q (expired-gone trimmed)", members, want)
	}
}

func TestMarkSeenBaselineSurvivesEmptySeenSet(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	if _, _, err := s.MarkSeen(ctx, "src", []string{"a"}); err != nil {
		t.Fatal(err)
	}
	seen, _ := s.SeenKeys("src")
	if err := s.Redis().Del(ctx, seen).Err(); err != nil { // as if all were trimmed
		t.Fatal(err)
	}
	fresh, baseline, err := s.MarkSeen(ctx, "src", []string{"a"})
	if err != nil || baseline || !slices.Equal(fresh, []string{"a"}) {
		t.Errorf("poll after the seen set emptied = %q, %v, %v; want [a], false, nil", fresh, baseline, err)
	}
}

func TestMarkSeenCap(t *testing.T) {
	const max = 10
	s := openOpts(t, store.Options{SeenMax: max})
	ctx := t.Context()
	ids := make([]string, 25)
	for i := range ids {
		ids[i] = "id" + strconv.Itoa(i)
	}
	seen, _ := s.SeenKeys("src")
	for i := range 3 {
		if _, _, err := s.MarkSeen(ctx, "src", ids[i*5:i*5+10]); err != nil {
			t.Fatal(err)
		}
		n, err := s.Redis().ZCard(ctx, seen).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n > max {
			t.Errorf("after poll %d: %d seen ids, want at most %d", i, n, max)
		}
	}
}

// TestMarkSeenConcurrent races two Stores (two clients, as two instances)
// and several goroutines on the same ids: each id is fresh exactly once.
func TestMarkSeenConcurrent(t *testing.T) {
	prefix := storetest.Prefix()
	stores := []*store.Store{openOpts(t, store.Options{Prefix: prefix}), openOpts(t, store.Options{Prefix: prefix})}
	ctx := t.Context()
	if _, _, err := stores[0].MarkSeen(ctx, "src", []string{"old"}); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 300)
	for i := range ids {
		ids[i] = fmt.Sprintf("item-%03d", i)
	}
	var mu sync.Mutex
	count := map[string]int{}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			s := stores[g%2]
			r := rand.New(rand.NewPCG(uint64(g), 1))
			mine := slices.Clone(ids)
			r.Shuffle(len(mine), func(i, j int) { mine[i], mine[j] = mine[j], mine[i] })
			for chunk := range slices.Chunk(append(mine, "old"), 50) {
				fresh, baseline, err := s.MarkSeen(ctx, "src", chunk)
				if err != nil || baseline {
					t.Errorf("MarkSeen: baseline %v, error %v", baseline, err)
					return
				}
				mu.Lock()
				for _, id := range fresh {
					count[id]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		if count[id] != 1 {
			t.Errorf("%s fresh %d times, want 1", id, count[id])
		}
	}
	if count["old"] != 0 {
		t.Errorf("old fresh %d times, want 0", count["old"])
	}
}

func TestMarkSeenSurvivesRestart(t *testing.T) {
	prefix := storetest.Prefix()
	s1 := openOpts(t, store.Options{Prefix: prefix})
	if _, _, err := s1.MarkSeen(t.Context(), "src", []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	s1.Close()
	s2 := openOpts(t, store.Options{Prefix: prefix})
	fresh, baseline, err := s2.MarkSeen(t.Context(), "src", []string{"a", "b", "c"})
	if err != nil || baseline || !slices.Equal(fresh, []string{"c"}) {
		t.Errorf("after restart: %q, %v, %v; want [c], false, nil", fresh, baseline, err)
	}
}

// TestRedisDown kills the Redis server: every operation fails with an
// error IsUnavailable recognises, the watchers report the outage once and
// the recovery once, and everything works again after a restart.
func TestRedisDown(t *testing.T) {
	srv, err := storetest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if !srv.Real() {
		t.Skip("needs a redis-server process to kill; storetest fell back to the embedded server (CI insists on redis-server)")
	}
	type event struct {
		watch string
		err   error
	}
	events := make(chan event, 16)
	ctx := t.Context()
	s, err := store.Open(ctx, srv.URL(), store.Options{
		Prefix:      storetest.Prefix(),
		WatchErrors: func(w string, err error) { events <- event{w, err} },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	go s.WatchSources(ctx, 20*time.Millisecond, func([]feeds.Source) {})

	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	ops := map[string]func() error{
		"MarkSeen":          func() error { _, _, err := s.MarkSeen(ctx, "src", []string{"a"}); return err },
		"Enqueue":           func() error { _, err := s.Enqueue(ctx, []store.Delivery{{ChatID: 1, StoryID: "s"}}); return err },
		"SeedSources":       func() error { _, err := s.SeedSources(ctx, []feeds.Source{src("a", "https://a/1")}, t0); return err },
		"PutSource":         func() error { return s.PutSource(ctx, src("a", "https://a/1"), store.Origin{}) },
		"Sources":           func() error { _, err := s.Sources(ctx); return err },
		"SaveState":         func() error { return s.SaveState(ctx, feeds.SourceState{ID: "a"}) },
		"LoadStates":        func() error { _, err := s.LoadStates(ctx); return err },
		"PutSubscriber":     func() error { return s.PutSubscriber(ctx, store.Subscriber{ChatID: 1}) },
		"AddRule":           func() error { _, err := s.AddRule(ctx, 1, "حمص", 0); return err },
		"Subscribers":       func() error { _, err := s.Subscribers(ctx); return err },
		"SubscriberChanges": func() error { _, _, err := s.SubscriberChanges(ctx, 0); return err },
		"OutboxLen":         func() error { _, err := s.OutboxLen(ctx); return err },
	}
	// In parallel: each fails only after the client's dial retries.
	errs := make(map[string]error, len(ops))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, op := range ops {
		wg.Go(func() {
			err := op()
			mu.Lock()
			errs[name] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	for name, err := range errs {
		if err == nil || !store.IsUnavailable(err) || errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s with Redis down: error %v, want one IsUnavailable recognises", name, err)
		}
	}
	if ev := wait.Recv(t, events, "outage report"); ev.watch != "sources" || !store.IsUnavailable(ev.err) {
		t.Errorf("outage report = %q %v, want sources and an unavailable error", ev.watch, ev.err)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if ev := wait.Recv(t, events, "recovery report"); ev.err != nil {
		t.Errorf("recovery report = %q %v, want a nil error", ev.watch, ev.err)
	}
	// The watchers' pool may be back before the one MarkSeen uses, which
	// go-redis lets redial once a second after failed dials.
	var fresh []string
	var baseline bool
	wait.For(t, "MarkSeen to reach the restarted server", func() bool {
		fresh, baseline, err = s.MarkSeen(ctx, "src", []string{"a"})
		return !store.IsUnavailable(err)
	})
	if err != nil || !baseline || len(fresh) != 0 {
		t.Errorf("MarkSeen after restart (empty server) = %q, %v, %v; want a baseline", fresh, baseline, err)
	}
	select {
	case ev := <-events:
		t.Errorf("extra watcher report %q %v", ev.watch, ev.err)
	default:
	}
}

// BenchmarkMarkSeen polls one source with 50 items, 5 of them new each
// poll, as a busy ticker would: one round trip per poll.
func BenchmarkMarkSeen(b *testing.B) {
	s := openOpts(b, store.Options{})
	ctx := b.Context()
	const perPoll, newPerPoll = 50, 5
	ids := make([]string, perPoll)
	for i := range ids {
		ids[i] = fmt.Sprintf("https://sana.sy/?p=%d", i)
	}
	if _, _, err := s.MarkSeen(ctx, "bench", ids); err != nil {
		b.Fatal(err)
	}
	next := perPoll
	b.ResetTimer()
	for b.Loop() {
		copy(ids, ids[newPerPoll:])
		for i := perPoll - newPerPoll; i < perPoll; i++ {
			ids[i] = fmt.Sprintf("https://sana.sy/?p=%d", next)
			next++
		}
		fresh, _, err := s.MarkSeen(ctx, "bench", ids)
		if err != nil {
			b.Fatal(err)
		}
		if len(fresh) != newPerPoll {
			b.Fatalf("fresh = %d, want %d", len(fresh), newPerPoll)
		}
	}
	b.ReportMetric(float64(b.N*perPoll)/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(1, "roundtrips/poll")
}

// TestSetBaseline: the ids an admin was shown become the source's whole
// seen set, so its next poll alerts everything else, and an earlier seen
// set of the id is replaced.
func TestSetBaseline(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	src := feeds.Source{ID: "src", URL: "https://example.org/feed"}
	// An earlier source of that id saw "old".
	if _, _, err := s.MarkSeen(ctx, "src", []string{"old"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBaseline(ctx, src, []string{"a", "b", ""}); err != nil {
		t.Fatal(err)
	}
	fresh, baseline, err := s.MarkSeen(ctx, "src", []string{"new", "a", "b", "old"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"new", "old"}; !slices.Equal(fresh, want) || baseline {
		t.Errorf("first poll after SetBaseline: fresh %q baseline %v, want %q false", fresh, baseline, want)
	}
	if got, err := s.Redis().Get(ctx, s.BaselineTagKey("src")).Result(); err != nil || got != store.BaselineTag(src) {
		t.Errorf("baseline tag = %q, %v; want %q", got, err, store.BaselineTag(src))
	}
}

// TestResetChangedBaselines: a source whose URL changed has its seen set
// forgotten, once, so that its next poll is a baseline rather than a flood
// of the new document's items; an unchanged one, or one with no tag yet,
// keeps its set.
func TestResetChangedBaselines(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	a := feeds.Source{ID: "a", URL: "https://example.org/a"}
	b := feeds.Source{ID: "b", URL: "https://example.org/b"}
	for _, id := range []string{"a", "b"} {
		if _, _, err := s.MarkSeen(ctx, id, []string{"x"}); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name      string
		srcs      []feeds.Source
		wantReset []string
	}{
		{"no tag yet: recorded, sets kept", []feeds.Source{a, b}, nil},
		{"unchanged", []feeds.Source{a, b}, nil},
		{"a's URL changed", []feeds.Source{{ID: "a", URL: "https://example.net/a"}, b}, []string{"a"}},
		{"the same change seen again", []feeds.Source{{ID: "a", URL: "https://example.net/a"}, b}, nil},
		{"b's kind changed", []feeds.Source{{ID: "b", URL: b.URL, Kind: feeds.KindJSON}}, []string{"b"}},
	}
	for _, st := range steps {
		got, err := s.ResetChangedBaselines(ctx, st.srcs)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if !slices.Equal(got, st.wantReset) {
			t.Errorf("%s: reset %q, want %q", st.name, got, st.wantReset)
		}
	}
	for _, id := range []string{"a", "b"} {
		fresh, baseline, err := s.MarkSeen(ctx, id, []string{"y", "x"})
		if err != nil {
			t.Fatal(err)
		}
		if len(fresh) != 0 || !baseline {
			t.Errorf("%s: poll after the reset: fresh %q baseline %v, want none, a baseline", id, fresh, baseline)
		}
	}
	// ResetBaseline resets whatever the tag.
	if err := s.ResetBaseline(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, baseline, err := s.MarkSeen(ctx, "a", []string{"z"}); err != nil || !baseline {
		t.Errorf("poll after ResetBaseline: baseline %v, %v; want a baseline", baseline, err)
	}
}

// TestMarkSeenRefreshesBaselineTag: the tag lives as long as the seen set,
// so a URL change after weeks of polling is still recognised.
func TestMarkSeenRefreshesBaselineTag(t *testing.T) {
	const ttl = 90 * time.Minute
	s := openOpts(t, store.Options{SeenTTL: ttl})
	ctx := t.Context()
	src := feeds.Source{ID: "src", URL: "https://example.org/feed"}
	if _, err := s.ResetChangedBaselines(ctx, []feeds.Source{src}); err != nil {
		t.Fatal(err)
	}
	key := s.BaselineTagKey("src")
	if err := s.Redis().PExpire(ctx, key, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.MarkSeen(ctx, "src", []string{"a"}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Redis().PTTL(ctx, key).Result(); err != nil || got <= ttl-time.Minute {
		t.Errorf("PTTL(tag) after MarkSeen = %v, %v; want about %v", got, err, ttl)
	}
}

// MarkSeenMany gives each poll what MarkSeen gives it, in order (a source
// twice in one call sees its first poll's ids), also after the server
// lost its scripts.
func TestMarkSeenMany(t *testing.T) {
	type result struct {
		fresh    []string
		baseline bool
	}
	tests := []struct {
		name  string
		flush bool // SCRIPT FLUSH before the call
		polls []store.SeenPoll
		want  []result
	}{
		{
			name:  "first polls are baselines",
			polls: []store.SeenPoll{{SourceID: "a", ItemIDs: []string{"1", "2"}}, {SourceID: "b", ItemIDs: nil}},
			want:  []result{{nil, true}, {nil, true}},
		},
		{
			name:  "new ids are fresh, each source on its own",
			polls: []store.SeenPoll{{SourceID: "a", ItemIDs: []string{"3", "1", "2"}}, {SourceID: "b", ItemIDs: []string{"1", "", "4"}}},
			want:  []result{{[]string{"3"}, false}, {[]string{"1", "4"}, false}},
		},
		{
			name:  "a source twice: the second poll sees the first",
			flush: true,
			polls: []store.SeenPoll{{SourceID: "a", ItemIDs: []string{"5", "3"}}, {SourceID: "c", ItemIDs: []string{"x"}}, {SourceID: "a", ItemIDs: []string{"5", "6"}}},
			want:  []result{{[]string{"5"}, false}, {nil, true}, {[]string{"6"}, false}},
		},
		{
			name: "nothing asked",
		},
	}
	s := storetest.Open(t)
	for _, tt := range tests {
		if tt.flush {
			if err := s.Redis().ScriptFlush(t.Context()).Err(); err != nil {
				t.Fatal(err)
			}
		}
		got := s.MarkSeenMany(t.Context(), tt.polls)
		if len(got) != len(tt.want) {
			t.Fatalf("%s: %d results, want %d", tt.name, len(got), len(tt.want))
		}
		for i, r := range got {
			if r.Err != nil || !slices.Equal(r.Fresh, tt.want[i].fresh) || r.Baseline != tt.want[i].baseline {
				t.Errorf("%s: poll %d (%+v): got fresh %q baseline %v err %v, want %q %v", tt.name, i, tt.polls[i], r.Fresh, r.Baseline, r.Err, tt.want[i].fresh, tt.want[i].baseline)
			}
		}
	}
}
