package store

import (
	"context"
	"sync"
	"time"

	"github.com/aajil/aajil/internal/pause"
)

// watch runs check at once, then every interval (on the wall clock's
// multiples of it, pause.Tick, so that the watchers of a process wake it
// together) and whenever changed fires, until ctx is done, reporting the
// transitions between failing and working to Options.WatchErrors.
func (s *Store) watch(ctx context.Context, name string, changed *signal, every time.Duration, check func(context.Context) error) {
	if every <= 0 {
		every = time.Second
	}
	t := pause.NewTick(every)
	defer t.Stop()
	failing := false
	for {
		// Taken before the check: a change made while it runs is
		// checked again right after.
		wake := changed.wait()
		err := check(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil && s.opts.WatchChecked != nil {
			s.opts.WatchChecked(name)
		}
		if (err != nil) != failing {
			failing = err != nil
			if s.opts.WatchErrors != nil {
				s.opts.WatchErrors(name, err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			t.Next()
		case <-wake:
		}
	}
}

// signal wakes every goroutine waiting on it, any number of times: wait
// returns a channel that notify closes, and the next wait a new one.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }

// wait returns the channel the next notify closes (nil, which never
// fires, on a nil signal).
func (s *signal) wait() <-chan struct{} {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ch
}

// notify wakes the goroutines waiting on the channels wait handed out.
func (s *signal) notify() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.ch)
	s.ch = make(chan struct{})
}
