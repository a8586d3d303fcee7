package store

import (
	"context"
	"errors"
	"fmt"
	"net"
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

// registryName is the name of registry reg in the change notices.
func registryName(reg int) string {
	if reg == regSubscribers {
		return "subscribers"
	}
	return "sources"
}

// registryOf is the registry named name in a change notice.
func registryOf(name string) (int, bool) {
	switch name {
	case "sources":
		return regSources, true
	case "subscribers":
		return regSubscribers, true
	}
	return 0, false
}

// keyRegistryNotices is the pub/sub channel (not a key: nothing is
// stored) on which every change of a registry is announced, the
// registry's name as the message, so that the watchers of every process
// re-read it at once instead of polling its version.
func (s *Store) keyRegistryNotices() string { return s.prefix + "registries:changed" }

// registryChanged tells the watchers that registry reg changed: this
// process's at once, the others' through a notice. A notice that cannot
// be sent is not an error of the change, which is made: the watchers'
// slow re-read finds it (watch).
func (s *Store) registryChanged(ctx context.Context, reg int) {
	s.changed[reg].notify()
	_ = s.rdb.Publish(ctx, s.keyRegistryNotices(), registryName(reg)).Err()
}

// watch runs check with the registry's version at once, then whenever
// the registry changes (a change by this process, or another's notice:
// notices), and every interval as a safety net for a notice missed (on
// the wall clock's multiples of it, pause.Tick, so that the watchers of a
// process wake it together), until ctx is done, reporting the
// transitions between failing and working to Options.WatchErrors. At a
// tick the version comes from the read the process's watchers share
// (versions), one round trip for both registries; after a change, from a
// read of its own.
func (s *Store) watch(ctx context.Context, reg int, name string, every time.Duration, check func(context.Context, int64) error) {
	if every <= 0 {
		every = time.Second
	}
	s.notices.start(s)
	defer s.notices.stop()
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

// How the change notices' subscription keeps itself alive: after
// noticeIdle without a message it pings Redis (a dead connection is then
// found and made again), and after an error it waits noticeRetry before
// trying again.
const (
	noticeIdle  = time.Minute
	noticeRetry = time.Second
)

// notices is the process's one subscription to the registries' change
// channel (keyRegistryNotices), open while at least one watcher runs. A
// notice wakes the watchers of its registry; so does every subscription
// made, the first and each one again after a lost connection (go-redis
// subscribes again on its own), since a change may have been announced
// while there was none.
type notices struct {
	mu    sync.Mutex
	users int
	ps    *redis.PubSub
	quit  chan struct{} // closed to stop the receiver
	done  chan struct{} // closed when the receiver has returned
}

// start subscribes for one more watcher, unless subscribed already.
func (n *notices) start(s *Store) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.users++
	if n.users > 1 {
		return
	}
	// No channel yet, so no round trip under the lock: the receiver
	// subscribes.
	n.ps = s.rdb.Subscribe(context.Background())
	n.quit, n.done = make(chan struct{}), make(chan struct{})
	go n.receive(s, n.ps, n.quit, n.done)
}

// stop unsubscribes when the last watcher stops, and waits for the
// receiver to return.
func (n *notices) stop() {
	n.mu.Lock()
	n.users--
	if n.users > 0 {
		n.mu.Unlock()
		return
	}
	ps, quit, done := n.ps, n.quit, n.done
	n.ps, n.quit, n.done = nil, nil, nil
	n.mu.Unlock()
	close(quit)
	_ = ps.Close() // unblocks the receiver's read; nothing to do about a failure
	<-done
}

// receive hands the notices of ps to the watchers until quit is closed.
func (n *notices) receive(s *Store, ps *redis.PubSub, quit, done chan struct{}) {
	defer close(done)
	ctx := context.Background()
	// A SUBSCRIBE that fails is made again, with the connection, by the
	// next read: the channel is recorded either way.
	_ = ps.Subscribe(ctx, s.keyRegistryNotices())
	for {
		msg, err := ps.ReceiveTimeout(ctx, noticeIdle)
		select {
		case <-quit:
			return
		default:
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && ps.Ping(ctx) == nil {
				continue // the pong comes as the next message
			}
			if !pause.Until(ctx, quit, noticeRetry) {
				return
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				for reg := range numRegistries {
					s.changed[reg].notify()
				}
			}
		case *redis.Message:
			if reg, ok := registryOf(m.Payload); ok {
				s.changed[reg].notify()
			}
		}
	}
}

// versions is the registries' versions as last read at a tick, shared by
// the process's watchers: the first watcher to wake at a tick reads both
// in one round trip, and the other uses that read unless its registry
// changed since it began (a change by this process, or a notice).
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
