package feeds

import (
	"context"
	"log/slog"
	"time"

	"github.com/aajil/aajil/internal/pause"
)

// StateStore keeps the sources' poll state across restarts.
type StateStore interface {
	LoadStates(ctx context.Context) (map[string]SourceState, error)
	SaveStates(ctx context.Context, states []SourceState) error
}

// StateSaver restores a scheduler's poll state at start and saves it
// regularly and at the end, so that a restart carries on where the last
// run stopped (validators, backoff, due times).
type StateSaver struct {
	store StateStore
	sched *Scheduler
	every time.Duration
	log   *slog.Logger
}

// NewStateSaver returns a StateSaver that saves sched's state to store
// every interval.
func NewStateSaver(store StateStore, sched *Scheduler, every time.Duration, log *slog.Logger) *StateSaver {
	return &StateSaver{store: store, sched: sched, every: every, log: log}
}

// Restore hands the saved state to the scheduler; when it cannot be read,
// the sources start afresh.
func (s *StateSaver) Restore(ctx context.Context) {
	states, err := s.store.LoadStates(ctx)
	if err != nil {
		s.log.Warn("poll state not restored; sources start afresh", slog.Any("error", err))
		return
	}
	restored := make([]SourceState, 0, len(states))
	for _, st := range states {
		restored = append(restored, st)
	}
	s.sched.Restore(restored)
}

// Run saves the state every interval until ctx is done.
func (s *StateSaver) Run(ctx context.Context) {
	pause.Every(ctx, s.every, s.Save)
}

// Save saves the state once; a failure is logged, and the next save
// tries again.
func (s *StateSaver) Save(ctx context.Context) {
	if err := s.store.SaveStates(ctx, s.sched.States()); err != nil {
		s.log.Debug("poll state not saved", slog.Any("error", err))
	}
}
