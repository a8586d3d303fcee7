package store_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// openOpts opens a Store on the shared test Redis with opts, giving it a
// fresh prefix unless opts names one.
func openOpts(t testing.TB, opts store.Options) *store.Store {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = storetest.Prefix()
	}
	s, err := store.Open(t.Context(), os.Getenv("AAJIL_TEST_REDIS_URL"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var (
	t0 = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Hour)
	t2 = t0.Add(2 * time.Hour)
)

func src(id, url string) feeds.Source {
	return feeds.Source{ID: id, Name: id, URL: url, Interval: 30 * time.Second}
}

func TestSeedSources(t *testing.T) {
	admin := func(at time.Time) store.Origin { return store.Origin{By: "tg:1", At: at} }
	type want struct {
		url    string
		origin string
		paused bool
	}
	tests := map[string]struct {
		file1   []feeds.Source // seeded at t0
		chat    func(*store.Store) error
		file2   []feeds.Source
		file2At time.Time
		report  store.SeedReport
		want    map[string]want
		gone    []string
	}{
		"file adds a source": {
			file2: []feeds.Source{src("a", "https://a/1")}, file2At: t1,
			report: store.SeedReport{Added: []string{"a"}},
			want:   map[string]want{"a": {"https://a/1", store.OriginFile, false}},
		},
		"file change newer than chat edit wins": {
			file1: []feeds.Source{src("a", "https://a/1")},
			chat:  func(s *store.Store) error { return s.PutSource(t.Context(), src("a", "https://a/2"), admin(t1)) },
			file2: []feeds.Source{src("a", "https://a/3")}, file2At: t2,
			report: store.SeedReport{Updated: []string{"a"}},
			want:   map[string]want{"a": {"https://a/3", store.OriginFile, false}},
		},
		"chat edit newer than file change wins": {
			file1: []feeds.Source{src("a", "https://a/1")},
			chat:  func(s *store.Store) error { return s.PutSource(t.Context(), src("a", "https://a/2"), admin(t2)) },
			file2: []feeds.Source{src("a", "https://a/3")}, file2At: t1,
			report: store.SeedReport{KeptChat: []string{"a"}},
			want:   map[string]want{"a": {"https://a/2", store.OriginChat, false}},
		},
		"touching the file keeps an older chat edit of an unchanged source": {
			file1: []feeds.Source{src("a", "https://a/1")},
			chat:  func(s *store.Store) error { return s.SetPaused(t.Context(), "a", true, admin(t1)) },
			file2: []feeds.Source{src("a", "https://a/1")}, file2At: t2,
			report: store.SeedReport{Unchanged: 1},
			want:   map[string]want{"a": {"https://a/1", store.OriginChat, true}},
		},
		"source removed from the file is removed": {
			file1: []feeds.Source{src("a", "https://a/1"), src("b", "https://b/1")},
			file2: []feeds.Source{src("a", "https://a/1")}, file2At: t1,
			report: store.SeedReport{Removed: []string{"b"}, Unchanged: 1},
			want:   map[string]want{"a": {"https://a/1", store.OriginFile, false}},
			gone:   []string{"b"},
		},
		"source removed from the file but edited in chat later is kept": {
			file1: []feeds.Source{src("a", "https://a/1"), src("b", "https://b/1")},
			chat:  func(s *store.Store) error { return s.SetPaused(t.Context(), "b", true, admin(t2)) },
			file2: []feeds.Source{src("a", "https://a/1")}, file2At: t1,
			report: store.SeedReport{KeptChat: []string{"b"}, Unchanged: 1},
			want:   map[string]want{"a": {"https://a/1", store.OriginFile, false}, "b": {"https://b/1", store.OriginChat, true}},
		},
		"source added in chat is left alone": {
			file1: []feeds.Source{src("a", "https://a/1")},
			chat:  func(s *store.Store) error { return s.PutSource(t.Context(), src("c", "https://c/1"), admin(t1)) },
			file2: []feeds.Source{src("a", "https://a/1")}, file2At: t2,
			report: store.SeedReport{Unchanged: 1},
			want:   map[string]want{"a": {"https://a/1", store.OriginFile, false}, "c": {"https://c/1", store.OriginChat, false}},
		},
		"chat deletion survives a touched but unchanged file": {
			file1: []feeds.Source{src("a", "https://a/1")},
			chat:  func(s *store.Store) error { return s.DeleteSource(t.Context(), "a", admin(t1)) },
			file2: []feeds.Source{src("a", "https://a/1")}, file2At: t2,
			report: store.SeedReport{KeptGone: []string{"a"}},
			gone:   []string{"a"},
		},
		"file change after a chat deletion brings the source back": {
			file1: []feeds.Source{src("a", "https://a/1")},
			chat:  func(s *store.Store) error { return s.DeleteSource(t.Context(), "a", admin(t1)) },
			file2: []feeds.Source{src("a", "https://a/3")}, file2At: t2,
			report: store.SeedReport{Added: []string{"a"}},
			want:   map[string]want{"a": {"https://a/3", store.OriginFile, false}},
		},
		"chat deletion after a file change wins": {
			file1: []feeds.Source{src("a", "https://a/1")},
			chat:  func(s *store.Store) error { return s.DeleteSource(t.Context(), "a", admin(t2)) },
			file2: []feeds.Source{src("a", "https://a/3")}, file2At: t1,
			report: store.SeedReport{KeptGone: []string{"a"}},
			gone:   []string{"a"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := storetest.Open(t)
			ctx := t.Context()
			if _, err := s.SeedSources(ctx, tc.file1, t0); err != nil {
				t.Fatalf("first seed: %v", err)
			}
			if tc.chat != nil {
				if err := tc.chat(s); err != nil {
					t.Fatalf("chat change: %v", err)
				}
			}
			rep, err := s.SeedSources(ctx, tc.file2, tc.file2At)
			if err != nil {
				t.Fatalf("second seed: %v", err)
			}
			if !reflect.DeepEqual(rep, tc.report) {
				t.Errorf("report = %+v, want %+v", rep, tc.report)
			}
			recs, err := s.Sources(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]want{}
			for _, r := range recs {
				got[r.Source.ID] = want{r.Source.URL, r.Origin, r.Source.Paused}
			}
			if len(tc.want) == 0 {
				tc.want = map[string]want{}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("sources = %+v, want %+v", got, tc.want)
			}
			for _, id := range tc.gone {
				if _, err := s.Source(ctx, id); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("Source(%q) error = %v, want ErrNotFound", id, err)
				}
			}
		})
	}
}

func TestSeedSourcesVersion(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	file := []feeds.Source{src("a", "https://a/1"), src("b", "https://b/1")}
	steps := []struct {
		name      string
		file      []feeds.Source
		at        time.Time
		wantBump  bool
		unchanged int
	}{
		{"first seed", file, t0, true, 0},
		{"same file again", file, t1, false, 2},
		{"one source changed", []feeds.Source{src("a", "https://a/2"), src("b", "https://b/1")}, t2, true, 1},
	}
	prev, err := s.SourcesVersion(ctx)
	if err != nil || prev != 0 {
		t.Fatalf("SourcesVersion before any change = %d, %v; want 0, nil", prev, err)
	}
	for _, st := range steps {
		rep, err := s.SeedSources(ctx, st.file, st.at)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		v, err := s.SourcesVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := v > prev; got != st.wantBump {
			t.Errorf("%s: version %d → %d, want bumped = %v", st.name, prev, v, st.wantBump)
		}
		if rep.Unchanged != st.unchanged {
			t.Errorf("%s: Unchanged = %d, want %d", st.name, rep.Unchanged, st.unchanged)
		}
		prev = v
	}
}

func TestSeedSourcesRejectsBadFile(t *testing.T) {
	tests := map[string][]feeds.Source{
		"empty id":     {src("", "https://a/1")},
		"duplicate id": {src("a", "https://a/1"), src("a", "https://a/2")},
	}
	for name, file := range tests {
		t.Run(name, func(t *testing.T) {
			s := storetest.Open(t)
			if _, err := s.SeedSources(t.Context(), file, t0); err == nil {
				t.Fatal("SeedSources succeeded, want an error")
			}
			if recs, _ := s.Sources(t.Context()); len(recs) != 0 {
				t.Errorf("Sources after a failed seed = %d records, want 0", len(recs))
			}
		})
	}
}

func TestSourceChatChanges(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	by := store.Origin{By: "tg:42", At: t1}
	if err := s.PutSource(ctx, src("b", "https://b/1"), by); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSource(ctx, src("a", "https://a/1"), store.Origin{By: "tg:42"}); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Source(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	wantRec := store.SourceRecord{Source: src("b", "https://b/1"), Origin: store.OriginChat, UpdatedAt: t1, UpdatedBy: "tg:42"}
	if !reflect.DeepEqual(rec, wantRec) {
		t.Errorf("Source(b) = %+v, want %+v", rec, wantRec)
	}
	recs, err := s.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.Source.ID)
	}
	if !slices.Equal(ids, []string{"a", "b"}) {
		t.Errorf("Sources ids = %v, want [a b]", ids)
	}
	if recs[0].UpdatedAt.IsZero() {
		t.Error("a source put without a time has a zero UpdatedAt, want now")
	}

	// Each change bumps the version; a no-op pause does not.
	steps := []struct {
		name     string
		do       func() error
		wantBump bool
		wantErr  error
	}{
		{"pause", func() error { return s.SetPaused(ctx, "a", true, by) }, true, nil},
		{"pause again", func() error { return s.SetPaused(ctx, "a", true, by) }, false, nil},
		{"resume", func() error { return s.SetPaused(ctx, "a", false, by) }, true, nil},
		{"pause missing", func() error { return s.SetPaused(ctx, "zz", true, by) }, false, store.ErrNotFound},
		{"delete", func() error { return s.DeleteSource(ctx, "a", by) }, true, nil},
		{"delete missing", func() error { return s.DeleteSource(ctx, "a", by) }, false, store.ErrNotFound},
		{"put empty id", func() error { return s.PutSource(ctx, feeds.Source{}, by) }, false, nil},
	}
	prev, _ := s.SourcesVersion(ctx)
	for _, st := range steps {
		err := st.do()
		switch {
		case st.name == "put empty id":
			if err == nil {
				t.Errorf("%s: no error", st.name)
			}
		case !errors.Is(err, st.wantErr):
			t.Errorf("%s: error = %v, want %v", st.name, err, st.wantErr)
		}
		v, _ := s.SourcesVersion(ctx)
		if got := v > prev; got != st.wantBump {
			t.Errorf("%s: version %d → %d, want bumped = %v", st.name, prev, v, st.wantBump)
		}
		prev = v
	}
	if _, err := s.Source(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Source(a) after delete: error = %v, want ErrNotFound", err)
	}
}

func TestSourcesSurviveRestart(t *testing.T) {
	prefix := storetest.Prefix()
	s1 := openOpts(t, store.Options{Prefix: prefix})
	if _, err := s1.SeedSources(t.Context(), []feeds.Source{src("a", "https://a/1")}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s1.SetPaused(t.Context(), "a", true, store.Origin{By: "tg:1", At: t1}); err != nil {
		t.Fatal(err)
	}
	s1.Close()
	s2 := openOpts(t, store.Options{Prefix: prefix})
	rec, err := s2.Source(t.Context(), "a")
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Source.Paused || rec.Origin != store.OriginChat {
		t.Errorf("after restart: paused=%v origin=%q, want true %q", rec.Source.Paused, rec.Origin, store.OriginChat)
	}
	rep, err := s2.SeedSources(t.Context(), []feeds.Source{src("a", "https://a/1")}, t2)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unchanged != 1 || rep.Changed() {
		t.Errorf("re-seed after restart = %+v, want 1 unchanged and no change", rep)
	}
}

func TestWatchSources(t *testing.T) {
	var checks atomic.Int64 // the watcher's checks of Redis, with or without a change
	s := storetest.OpenWith(t, store.Options{WatchChecked: func(string) { checks.Add(1) }})
	ctx := t.Context()
	if _, err := s.SeedSources(ctx, []feeds.Source{src("a", "https://a/1")}, t0); err != nil {
		t.Fatal(err)
	}
	got := make(chan []feeds.Source, 16)
	done := make(chan struct{}, 1)
	wctx, cancel := context.WithCancel(ctx)
	go func() {
		s.WatchSources(wctx, 10*time.Millisecond, func(srcs []feeds.Source) { got <- srcs })
		done <- struct{}{}
	}()

	ids := func(srcs []feeds.Source) (out []string) {
		for _, x := range srcs {
			id := x.ID
			if x.Paused {
				id += "(paused)"
			}
			out = append(out, id)
		}
		return out
	}
	by := store.Origin{By: "tg:1"}
	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"initial set", func() error { return nil }, []string{"a"}},
		{"added in chat", func() error { return s.PutSource(ctx, src("b", "https://b/1"), by) }, []string{"a", "b"}},
		{"paused", func() error { return s.SetPaused(ctx, "a", true, by) }, []string{"a(paused)", "b"}},
		{"removed", func() error { return s.DeleteSource(ctx, "b", by) }, []string{"a(paused)"}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if g := ids(wait.Recv(t, got, st.name)); !slices.Equal(g, st.want) {
			t.Errorf("%s: got %v, want %v", st.name, g, st.want)
		}
	}
	// Ticks without a change call nothing: five checks pass, and no call.
	from := checks.Load()
	wait.For(t, "five checks of the watcher", func() bool { return checks.Load() >= from+5 })
	select {
	case extra := <-got:
		t.Errorf("call without a change: %v", ids(extra))
	default:
	}
	// Nor does a write that changes nothing: the next call is the next
	// change's.
	if err := s.SetPaused(ctx, "a", true, by); err != nil {
		t.Fatalf("pause again: %v", err)
	}
	if err := s.SetPaused(ctx, "a", false, by); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if g := ids(wait.Recv(t, got, "resumed")); !slices.Equal(g, []string{"a"}) {
		t.Errorf("after a write without a change and a resume: got %v, want [a] (a call without a change came first)", g)
	}
	cancel()
	wait.Recv(t, done, "watcher exit after cancel")
}

// TestWatchWakesOnOwnChanges: the registries' changes this process makes
// reach its own watchers at once, not at the next tick (an hour here).
func TestWatchWakesOnOwnChanges(t *testing.T) {
	s := storetest.Open(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	srcs := make(chan []feeds.Source, 16)
	subs := make(chan store.SubscriberUpdate, 16)
	go s.WatchSources(ctx, time.Hour, func(x []feeds.Source) { srcs <- x })
	go s.WatchSubscribers(ctx, time.Hour, func(u store.SubscriberUpdate) { subs <- u })
	if got := wait.Recv(t, srcs, "initial sources"); len(got) != 0 {
		t.Fatalf("initial sources = %v, want none", got)
	}
	wait.Recv(t, subs, "initial subscribers")

	if err := s.PutSource(ctx, src("b", "https://b/1"), store.Origin{By: "tg:1"}); err != nil {
		t.Fatal(err)
	}
	if got := wait.Recv(t, srcs, "the added source"); len(got) != 1 || got[0].ID != "b" {
		t.Errorf("sources after PutSource = %v, want [b]", got)
	}
	if err := s.PutSubscriber(ctx, store.Subscriber{ChatID: 7, Type: "private", Lang: "en", Mode: "urgent", Active: true}); err != nil {
		t.Fatal(err)
	}
	if u := wait.Recv(t, subs, "the new subscriber"); len(u.Subscribers) != 1 || u.Subscribers[0].ChatID != 7 {
		t.Errorf("update after PutSubscriber = %+v, want subscriber 7", u)
	}
}

func TestRegistryVersionsSharedAtATick(t *testing.T) {
	prefix := storetest.Prefix()
	a := openOpts(t, store.Options{Prefix: prefix})
	other := openOpts(t, store.Options{Prefix: prefix})
	ctx := t.Context()
	tick1, tick2 := time.Unix(1000, 0), time.Unix(1001, 0)
	version := func(reg int, tick time.Time) int64 {
		t.Helper()
		v, err := a.RegistryVersion(ctx, reg, tick)
		if err != nil {
			t.Fatalf("RegistryVersion: %v", err)
		}
		return v
	}

	if got := version(store.RegSources, tick1); got != 0 {
		t.Fatalf("sources version at first = %d, want 0", got)
	}
	// Another instance's changes: the watchers of a tick share its read.
	if err := other.PutSource(ctx, src("x", "https://x/1"), store.Origin{By: "tg:1"}); err != nil {
		t.Fatal(err)
	}
	if err := other.PutSubscriber(ctx, store.Subscriber{ChatID: 7, Type: "private", Lang: "en", Mode: "urgent", Active: true}); err != nil {
		t.Fatal(err)
	}
	if got := version(store.RegSubscribers, tick1); got != 0 {
		t.Errorf("subscribers version at the same tick = %d, want 0 (the tick's read)", got)
	}
	if got := version(store.RegSources, tick2); got != 1 {
		t.Errorf("sources version at the next tick = %d, want 1", got)
	}
	if got := version(store.RegSubscribers, tick2); got != 1 {
		t.Errorf("subscribers version at the next tick = %d, want 1", got)
	}
	// This instance's own change outdates the tick's read of its registry.
	if err := a.PutSource(ctx, src("y", "https://y/1"), store.Origin{By: "tg:1"}); err != nil {
		t.Fatal(err)
	}
	if got := version(store.RegSources, tick2); got != 2 {
		t.Errorf("sources version after an own change = %d, want 2", got)
	}
	// A zero tick always reads.
	if err := other.PutSubscriber(ctx, store.Subscriber{ChatID: 8, Type: "private", Lang: "en", Mode: "urgent", Active: true}); err != nil {
		t.Fatal(err)
	}
	if got := version(store.RegSubscribers, time.Time{}); got != 2 {
		t.Errorf("subscribers version read alone = %d, want 2", got)
	}
}
