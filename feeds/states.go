package feeds

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
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
// run stopped (validators, backoff, due times). Each save writes only the
// states that changed since they were last saved (a source polled since),
// and the others once a day (StateRefresh), so that a source that is not
// polled (paused) keeps its state in the store.
type StateSaver struct {
	store StateStore
	sched *Scheduler
	every time.Duration
	log   *slog.Logger
	now   func() time.Time

	// mu serialises saves; saved is what the last successful saves wrote,
	// and round counts the saves, so that a source no longer in the
	// scheduler is found without a set of the live ones.
	mu    sync.Mutex
	saved map[string]*savedState
	round uint64
}

// savedState is a state as saved, and when; round is the last save that
// found its source in the scheduler.
type savedState struct {
	state SourceState
	at    time.Time
	round uint64
}

// StateRefresh is how often a source's state is saved when it has not
// changed: far within the store's expiry of a state (30 days).
const StateRefresh = 24 * time.Hour

// NewStateSaver returns a StateSaver that saves sched's state to store
// every interval.
func NewStateSaver(store StateStore, sched *Scheduler, every time.Duration, log *slog.Logger) *StateSaver {
	return &StateSaver{store: store, sched: sched, every: every, log: log, now: time.Now, saved: make(map[string]*savedState)}
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

// Save saves the states changed since their last save (and those saved
// more than StateRefresh ago); a failure is logged, and the next save
// tries again.
func (s *StateSaver) Save(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.round++
	var changed []SourceState
	live := 0
	// Compared where they are, under the scheduler's lock: only the
	// changed states are copied (a 304 changes its source's; the others
	// wait for their polls).
	s.sched.eachState(func(st SourceState) {
		live++
		last := s.saved[st.ID]
		if last != nil {
			last.round = s.round
		}
		if last == nil || last.state != st || now.Sub(last.at) >= StateRefresh {
			changed = append(changed, st)
		}
	})
	// Sources gone from the scheduler are forgotten.
	if len(s.saved) > live {
		for id, sv := range s.saved {
			if sv.round != s.round {
				delete(s.saved, id)
			}
		}
	}
	if len(changed) == 0 {
		return
	}
	slices.SortFunc(changed, func(a, b SourceState) int { return strings.Compare(a.ID, b.ID) })
	if err := s.store.SaveStates(ctx, changed); err != nil {
		s.log.Debug("poll state not saved", slog.Any("error", err))
		return
	}
	for _, st := range changed {
		if sv := s.saved[st.ID]; sv != nil {
			sv.state, sv.at = st, now
			continue
		}
		s.saved[st.ID] = &savedState{state: st, at: now, round: s.round}
	}
}
