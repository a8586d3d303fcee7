package feeds

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"
)

// recordingStates is a StateStore that records the ids of each save.
type recordingStates struct {
	saves [][]string
	err   error
}

func (r *recordingStates) LoadStates(context.Context) (map[string]SourceState, error) {
	return nil, nil
}

func (r *recordingStates) SaveStates(_ context.Context, states []SourceState) error {
	if r.err != nil {
		return r.err
	}
	ids := make([]string, len(states))
	for i, st := range states {
		ids[i] = st.ID
	}
	r.saves = append(r.saves, ids)
	return nil
}

// TestStateSaverSavesWhatChanged checks that each save writes the states
// changed since the last successful one, and the others once a day.
func TestStateSaverSavesWhatChanged(t *testing.T) {
	sched := NewScheduler(PollFunc(func(context.Context, Source, Validators) PollResult { return PollResult{} }), nil, SchedulerOptions{})
	a := Source{ID: "a", URL: "https://a.example/feed"}
	b := Source{ID: "b", URL: "https://b.example/feed"}
	sched.Set([]Source{a, b})
	rec := &recordingStates{}
	saver := NewStateSaver(rec, sched, time.Second, slog.New(slog.DiscardHandler))
	clock := time.Unix(1_700_000_000, 0)
	saver.now = func() time.Time { return clock }
	ctx := t.Context()

	pausedB := b
	pausedB.Paused = true
	steps := []struct {
		name    string
		do      func()
		failing bool
		want    []string // ids saved, nil for no save
	}{
		{name: "first save: everything", want: []string{"a", "b"}},
		{name: "nothing changed", want: nil},
		{name: "b paused", do: func() { sched.Set([]Source{a, pausedB}) }, want: []string{"b"}},
		{name: "a save that fails", do: func() { sched.Set([]Source{a, b}) }, failing: true, want: nil},
		{name: "the failed change again", want: []string{"b"}},
		{name: "a day later, unchanged ones refreshed", do: func() { clock = clock.Add(StateRefresh) }, want: []string{"a", "b"}},
		{name: "a removed, b unchanged", do: func() { sched.Set([]Source{b}) }, want: nil},
		{name: "a back: saved afresh", do: func() { sched.Set([]Source{a, b}) }, want: []string{"a"}},
	}
	for _, step := range steps {
		if step.do != nil {
			step.do()
		}
		rec.err = nil
		if step.failing {
			rec.err = errors.New("redis down")
		}
		before := len(rec.saves)
		saver.Save(ctx)
		var got []string
		if len(rec.saves) > before {
			got = rec.saves[len(rec.saves)-1]
		}
		if !slices.Equal(got, step.want) {
			t.Errorf("%s: saved %v, want %v", step.name, got, step.want)
		}
	}
}
