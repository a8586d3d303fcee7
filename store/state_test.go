package store_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func TestSaveLoadStates(t *testing.T) {
	at := time.Date(2025, 3, 1, 8, 0, 0, 123456789, time.UTC)
	states := map[string]feeds.SourceState{
		"healthy with validators": {
			ID:          "sana-ticker",
			Validators:  feeds.Validators{ETag: `W/"6a1-abc"`, LastModified: "Sat, 01 Mar 2025 08:00:00 GMT"},
			NextDue:     at.Add(time.Minute),
			LastPoll:    at,
			LastSuccess: at,
			LastLag:     15 * time.Millisecond,
			Polls:       120, NotModified: 80, Items: 4000,
		},
		"failing with backoff": {
			ID:             "aljazeera-rss",
			Failures:       3,
			NextDue:        at.Add(8 * time.Minute),
			LastPoll:       at,
			LastSuccess:    at.Add(-time.Hour),
			LastErrorAt:    at,
			LastError:      "fetch https://www.aljazeera.net/rss: 503 Service Unavailable",
			LastErrorClass: feeds.ClassHTTPStatus,
			Polls:          10, Errors: 3,
		},
		"paused, never polled": {ID: "paused-feed", Paused: true},
		"adaptive in a cascade": {
			ID: "reuters-ticker", Interval: 10 * time.Second, IntervalReason: feeds.ReasonCascade,
			Rate: feeds.Rate{Items: 12.5, Span: 90 * time.Minute}, CascadeUntil: at.Add(2 * time.Minute),
			LastPoll: at, LastSuccess: at, Polls: 40, Items: 300,
		},
	}
	s := storetest.Open(t)
	ctx := t.Context()
	var file []feeds.Source
	var batch []feeds.SourceState
	for _, st := range states {
		file = append(file, src(st.ID, "https://example.org/"+st.ID))
		batch = append(batch, st)
	}
	// All in one pipelined call; a batch with a bad entry writes nothing.
	if err := s.SaveStates(ctx, append(slices.Clone(batch), feeds.SourceState{})); err == nil {
		t.Fatal("SaveStates with an empty id succeeded, want an error")
	}
	for _, st := range batch {
		if n, _ := s.Redis().Exists(ctx, s.StateKey(st.ID)).Result(); n != 0 {
			t.Fatalf("a refused batch wrote the state of %s", st.ID)
		}
	}
	if err := s.SaveStates(ctx, batch); err != nil {
		t.Fatalf("SaveStates: %v", err)
	}
	// A registered source without state, and a state of an unregistered one.
	file = append(file, src("new-source", "https://example.org/new"))
	if err := s.SaveState(ctx, feeds.SourceState{ID: "removed-source", Polls: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedSources(ctx, file, at); err != nil {
		t.Fatal(err)
	}

	got, err := s.LoadStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(states) {
		t.Errorf("LoadStates returned %d states, want %d (only registered sources with a state)", len(got), len(states))
	}
	for name, want := range states {
		t.Run(name, func(t *testing.T) {
			if g := got[want.ID]; !reflect.DeepEqual(g, want) {
				t.Errorf("state of %s:\n got %+v\nwant %+v", want.ID, g, want)
			}
			ttl, err := s.Redis().PTTL(ctx, s.StateKey(want.ID)).Result()
			if err != nil {
				t.Fatal(err)
			}
			if ttl <= 0 || ttl > store.DefaultStateTTL {
				t.Errorf("state TTL = %v, want in (0, %v]", ttl, store.DefaultStateTTL)
			}
		})
	}
}

func TestLoadStatesEmpty(t *testing.T) {
	s := storetest.Open(t)
	got, err := s.LoadStates(t.Context())
	if err != nil || len(got) != 0 {
		t.Errorf("LoadStates on an empty registry = %v, %v; want empty, nil", got, err)
	}
}

func TestSaveStateEmptyID(t *testing.T) {
	s := storetest.Open(t)
	if err := s.SaveState(t.Context(), feeds.SourceState{}); err == nil {
		t.Error("SaveState with an empty id succeeded, want an error")
	}
}

// A record written before the adaptive interval existed still loads.
func TestLoadStatesOldRecord(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	if _, err := s.SeedSources(ctx, []feeds.Source{src("old-source", "https://example.org/old")}, time.Now()); err != nil {
		t.Fatalf("SeedSources: %v", err)
	}
	old := `{"id":"old-source","etag":"\"x\"","failures":1,"polls":7,"last_lag":2000000}`
	if err := s.Redis().Set(ctx, s.StateKey("old-source"), old, 0).Err(); err != nil {
		t.Fatalf("set: %v", err)
	}
	got, err := s.LoadStates(ctx)
	if err != nil {
		t.Fatalf("LoadStates: %v", err)
	}
	want := feeds.SourceState{ID: "old-source", Validators: feeds.Validators{ETag: `"x"`}, Failures: 1, Polls: 7, LastLag: 2 * time.Millisecond}
	if !reflect.DeepEqual(got["old-source"], want) {
		t.Errorf("old record = %+v, want %+v", got["old-source"], want)
	}
}
