package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aajil/aajil/internal/pause"
)

// The registries whose versions the watchers read together (versions).
const (
	regSources = iota
	regSubscribers
	numRegistries
)

// watch runs check with the registry's version at once, then every
// interval (on the wall clock's multiples of it, pause.Tick, so that the
// watchers of a process wake it together) and whenever changed fires,
// until ctx is done, reporting the transitions between failing and
// working to Options.WatchErrors. At a tick the version comes from the
// read the process's watchers share (versions), one round trip for both
// registries; after this process's own change, from a read of its own.
func (s *Store) watch(ctx context.Context, reg int, name string, every time.Duration, check func(context.Context, int64) error) {
	if every <= 0 {
		every = time.Second
	}
	changed := s.changed[reg]
	t := pause.NewTick(every)
	defer t.Stop()
	failing := false
	var tick time.Time // zero: read the version alone
	for {
		// Taken before the check: a change made while it runs is
		// checked again right after.
		wake := changed.wait()
		v, err := s.versions.read(ctx, s, reg, tick)
		if err == nil {
			err = check(ctx, v)
		}
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
		case now := <-t.C:
			t.Next()
			tick = now.Truncate(every)
		case <-wake:
			tick = time.Time{}
		}
	}
}

// versions is the registries' versions as last read at a tick, shared by
// the process's watchers: the first watcher to wake at a tick reads both
// in one round trip, and the other uses that read unless its registry
// changed in this process since it began.
type versions struct {
	mu   sync.Mutex
	tick time.Time             // the tick of the read; zero: none
	gen  [numRegistries]uint64 // the signals' generations before the read
	v    [numRegistries]int64  // the versions read
}

// read returns registry reg's version: the shared read of tick when there
// is one the registry's changes since do not outdate, otherwise a new
// read of both (shared for tick unless tick is zero).
func (vs *versions) read(ctx context.Context, s *Store, reg int, tick time.Time) (int64, error) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if !tick.IsZero() && vs.tick.Equal(tick) && vs.gen[reg] == s.changed[reg].generation() {
		return vs.v[reg], nil
	}
	var gen [numRegistries]uint64
	for i := range gen {
		gen[i] = s.changed[i].generation()
	}
	// Two GETs in one pipeline, not an MGET: the keys have different
	// hash tags, and a Cluster pipeline splits by slot.
	cmds := [numRegistries]*redis.StringCmd{}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		cmds[regSources] = p.Get(ctx, s.keySourcesVersion())
		cmds[regSubscribers] = p.Get(ctx, s.keySubscribersVersion())
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		vs.tick = time.Time{}
		return 0, fmt.Errorf("get registry versions: %w", err)
	}
	var v [numRegistries]int64
	for i, c := range cmds {
		n, err := c.Int64()
		if err != nil && !errors.Is(err, redis.Nil) {
			vs.tick = time.Time{}
			return 0, fmt.Errorf("get registry versions: %w", err)
		}
		v[i] = n
	}
	vs.tick, vs.gen, vs.v = tick, gen, v
	return v[reg], nil
}

// signal wakes every goroutine waiting on it, any number of times: wait
// returns a channel that notify closes, and the next wait a new one.
type signal struct {
	mu  sync.Mutex
	ch  chan struct{}
	gen uint64 // notifications so far
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

// generation is the number of notifications so far.
func (s *signal) generation() uint64 {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
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
	s.gen++
}
