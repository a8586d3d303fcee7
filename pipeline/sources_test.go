package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
)

// fakeWatch hands the test's source sets to the watcher's callback.
type fakeWatch struct {
	sets [][]feeds.Source
}

func (f *fakeWatch) WatchSources(_ context.Context, _ time.Duration, fn func([]feeds.Source)) {
	for _, s := range f.sets {
		fn(s)
	}
}

// setRecorder records the sets the scheduler gets.
type setRecorder struct{ sets [][]string }

func (r *setRecorder) Set(srcs []feeds.Source) { r.sets = append(r.sets, ids(srcs)) }

// fakeSourceMetrics records the source count and the sources removed.
type fakeSourceMetrics struct {
	count   int
	removed []string
}

func (m *fakeSourceMetrics) SetSources(n int)       { m.count = n }
func (m *fakeSourceMetrics) RemoveSource(id string) { m.removed = append(m.removed, id) }

// fakeResetter resets the baselines of the sources asked, or fails.
type fakeResetter struct {
	asked [][]string
	err   error
}

func (f *fakeResetter) ResetChangedBaselines(_ context.Context, srcs []feeds.Source) ([]string, error) {
	f.asked = append(f.asked, ids(srcs))
	if f.err != nil {
		return nil, f.err
	}
	return ids(srcs), nil
}

func ids(srcs []feeds.Source) []string {
	out := make([]string, 0, len(srcs))
	for _, s := range srcs {
		out = append(out, s.ID)
	}
	return out
}

func TestSourceSync(t *testing.T) {
	a := feeds.Source{ID: "a", Name: "Agency", URL: "https://a.example/feed"}
	b := feeds.Source{ID: "b", URL: "https://b.example/feed"}
	watch := &fakeWatch{sets: [][]feeds.Source{{a, b}, {b}}}
	sched := &setRecorder{}
	names := NewSourceNames(nil)
	m := &fakeSourceMetrics{}
	reset := &fakeResetter{}
	s := NewSourceSync(SourceSyncOptions{
		Watch: watch, Rebaser: NewRebaser(reset, slog.New(slog.DiscardHandler)),
		Scheduler: sched, Names: names, Metrics: m, Every: time.Second,
	})
	select {
	case <-s.Loaded():
		t.Fatal("loaded before the first set")
	default:
	}
	s.Run(context.Background())

	select {
	case <-s.Loaded():
	default:
		t.Error("not loaded after the first set")
	}
	if want := [][]string{{"a", "b"}, {"b"}}; !slices.EqualFunc(sched.sets, want, slices.Equal) {
		t.Errorf("scheduler got %v, want %v", sched.sets, want)
	}
	if want := [][]string{{"a", "b"}, nil}; len(reset.asked) != 2 || !slices.Equal(reset.asked[0], want[0]) || len(reset.asked[1]) != 0 {
		t.Errorf("baselines checked %v, want %v", reset.asked, want)
	}
	if m.count != 1 || !slices.Equal(m.removed, []string{"a"}) {
		t.Errorf("metrics: %d sources, removed %v; want 1, [a]", m.count, m.removed)
	}
	if got := names.Name("a"); got != "a" {
		t.Errorf("name of the removed source a = %q, want its id", got)
	}
}

func TestSourceNames(t *testing.T) {
	n := NewSourceNames([]feeds.Source{{ID: "sana", Name: "SANA"}, {ID: "wire"}})
	tests := []struct{ id, want string }{
		{"sana", "SANA"},
		{"wire", "wire"},
		{"unknown", "unknown"},
	}
	for _, tc := range tests {
		if got := n.Name(tc.id); got != tc.want {
			t.Errorf("Name(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
	n.Set([]feeds.Source{{ID: "sana", Name: "Syrian Arab News Agency"}})
	if got, want := n.Name("sana"), "Syrian Arab News Agency"; got != want {
		t.Errorf("after Set, Name(sana) = %q, want %q", got, want)
	}
}

func TestRebaser(t *testing.T) {
	a := feeds.Source{ID: "a", URL: "https://a.example/feed"}
	b := feeds.Source{ID: "b", URL: "https://b.example/feed"}
	moved := a
	moved.URL = "https://a.example/new"
	paused := b
	paused.Paused = true
	tests := []struct {
		name string
		sets [][]feeds.Source
		want [][]string // the sources checked at each set
	}{
		{name: "every source at the first set", sets: [][]feeds.Source{{a, b}}, want: [][]string{{"a", "b"}}},
		{name: "unchanged sources not again", sets: [][]feeds.Source{{a, b}, {a, b}}, want: [][]string{{"a", "b"}, {}}},
		{name: "a new URL", sets: [][]feeds.Source{{a, b}, {moved, b}}, want: [][]string{{"a", "b"}, {"a"}}},
		{name: "paused: checked when resumed", sets: [][]feeds.Source{{a, paused}, {a, b}}, want: [][]string{{"a"}, {"b"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reset := &fakeResetter{}
			r := NewRebaser(reset, slog.New(slog.DiscardHandler))
			for _, set := range tc.sets {
				r.Changed(context.Background(), set)
			}
			if !slices.EqualFunc(reset.asked, tc.want, slices.Equal) {
				t.Errorf("checked %v, want %v", reset.asked, tc.want)
			}
		})
	}
}

func TestRebaserChecksAgainAfterAFailure(t *testing.T) {
	a := feeds.Source{ID: "a", URL: "https://a.example/feed"}
	reset := &fakeResetter{err: errors.New("redis down")}
	r := NewRebaser(reset, slog.New(slog.DiscardHandler))
	r.Changed(context.Background(), []feeds.Source{a})
	reset.err = nil
	r.Changed(context.Background(), []feeds.Source{a})
	if want := [][]string{{"a"}, {"a"}}; !slices.EqualFunc(reset.asked, want, slices.Equal) {
		t.Errorf("checked %v, want %v", reset.asked, want)
	}
}
