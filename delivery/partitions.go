package delivery

import (
	"cmp"
	"context"
	"errors"
	"iter"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aajil/aajil/store"

	"github.com/aajil/aajil/internal/pause"
)

// partition is an outbox partition this instance holds the lease of.
type partition struct {
	id int
	// lost: the lease is gone (renewal failed) or being given back;
	// nothing more is read or sent from it.
	lost bool
	// releasing: given back once inflight reaches 0.
	releasing bool
	known     map[entryKey]bool // the entries in memory
	inflight  int               // entries a worker holds
	stop      chan struct{}     // closed when lost
	done      chan struct{}     // closed when the reader returned
	// release ends the lease's keeper, which then gives the lease back;
	// kept is closed when the keeper has returned.
	release context.CancelFunc
	kept    chan struct{}
}

// leaseLoop keeps this instance's fair share of partitions, every
// LeaseTTL/3; each partition's lease is renewed by its own keeper. After
// ctx is done it acquires nothing more, and the keepers renew until the
// workers are done, so that no other instance takes an entry still being
// sent.
func (s *Sender) leaseLoop(ctx, hard context.Context, workersDone <-chan struct{}) {
	tick := time.NewTicker(max(s.opts.LeaseTTL/3, 10*time.Millisecond))
	defer tick.Stop()
	for {
		s.leaseRound(ctx, hard)
		select {
		case <-workersDone:
			return
		case <-hard.Done():
			return
		case <-tick.C:
		}
	}
}

// leaseRound is one round of leaseLoop: counts are flushed, the
// partitions given back released, and, unless shutting down, this
// instance's share of the partitions rebalanced.
func (s *Sender) leaseRound(ctx, hard context.Context) {
	rctx, cancel := context.WithTimeout(hard, s.opts.LeaseTTL/3+time.Second)
	defer cancel()
	s.flushCounts(rctx)
	shutting := ctx.Err() != nil

	live, err := s.leases.Heartbeat(rctx, s.opts.Instance, s.opts.LeaseTTL)
	if err != nil {
		s.redisError("heartbeat", err)
	}
	s.releaseGivenBack()
	defer func() { s.opts.Metrics.PartitionsHeld(s.partitionsHeld()) }()
	if shutting || err != nil || len(live) == 0 {
		return
	}
	total := s.leases.OutboxPartitions()
	n := len(live)
	fair := (total + n - 1) / n
	have := s.giveBackExcess(fair, n)
	// What is given back with nothing in flight is free for the others
	// now, not a round later.
	s.releaseGivenBack()
	me := max(slices.Index(live, s.opts.Instance), 0)
	s.acquireFree(ctx, hard, rctx, me, fair, have)
}

// giveBackExcess marks the partitions over this instance's fair share
// (of n instances) for release, and returns how many it keeps.
func (s *Sender) giveBackExcess(fair, n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var active []*partition
	for _, p := range s.parts {
		if !p.releasing {
			active = append(active, p)
		}
	}
	// Give back the excess: the highest ids, so that instances agree
	// roughly on who keeps what.
	slices.SortFunc(active, func(a, b *partition) int { return cmp.Compare(a.id, b.id) })
	for len(active) > fair {
		p := active[len(active)-1]
		active = active[:len(active)-1]
		s.abandonLocked(p)
		p.releasing = true
		s.log.Info("sender: giving partition back", slog.Int("partition", p.id), slog.Int("instances", n))
	}
	return len(active)
}

// acquireFree takes free partitions until this instance has its fair
// share, starting at its slice of the partitions (me is its index among
// the live instances) so that instances starting together rarely
// collide. rctx bounds the round.
func (s *Sender) acquireFree(ctx, hard, rctx context.Context, me, fair, have int) {
	total := s.leases.OutboxPartitions()
	for i := 0; i < total && have < fair; i++ {
		id := (me*fair + i) % total
		s.mu.Lock()
		_, mine := s.parts[id]
		s.mu.Unlock()
		if mine {
			continue
		}
		took, err := s.take(ctx, hard, rctx, id)
		if err != nil {
			s.redisError("acquire partition lease", err)
			return
		}
		if took {
			have++
		}
	}
}

// take takes partition id's lease if it is free. When it got it, a
// keeper renews the lease under hard, until the partition is given back
// or lost, and a reader feeds the partition's entries in under ctx.
func (s *Sender) take(ctx, hard, rctx context.Context, id int) (bool, error) {
	lease := s.leases.PartitionLease(id, s.opts.Instance, s.opts.LeaseTTL)
	token, _, err := lease.Take(rctx)
	if err != nil || token == 0 {
		return false, err
	}
	kctx, release := context.WithCancel(hard)
	p := &partition{id: id, known: map[entryKey]bool{}, stop: make(chan struct{}), done: make(chan struct{}),
		release: release, kept: make(chan struct{})}
	s.mu.Lock()
	s.parts[id] = p
	s.mu.Unlock()
	s.keepers.Go(func() {
		defer close(p.kept)
		err := lease.Keep(kctx, func(cause error) { s.lose(p, cause) })
		if err != nil && !errors.Is(err, store.ErrLeaseLost) {
			s.log.Warn("sender: partition lease not released; it expires by itself",
				slog.Int("partition", id), slog.Any("error", err))
		}
	})
	go func() {
		defer close(p.done)
		s.readPartition(ctx, p)
	}()
	return true, nil
}

// lose stops partition p at once: its lease was lost, or could not be
// renewed and may lapse before the next attempt, when another instance
// may take it.
func (s *Sender) lose(p *partition, cause error) {
	s.mu.Lock()
	s.abandonLocked(p)
	if s.parts[p.id] == p {
		delete(s.parts, p.id)
	}
	s.mu.Unlock()
	s.log.Warn("sender: partition lease lost", slog.Int("partition", p.id), slog.Any("error", cause))
}

// releaseGivenBack releases the leases of the partitions given back whose
// in-flight work is done.
func (s *Sender) releaseGivenBack() {
	s.mu.Lock()
	var free []*partition
	for id, p := range s.parts {
		if p.releasing && p.inflight == 0 {
			free = append(free, p)
			delete(s.parts, id)
		}
	}
	s.mu.Unlock()
	// Their keepers release them, together.
	for _, p := range free {
		p.release()
	}
	for _, p := range free {
		<-p.kept
	}
}

// partitionsHeld counts the partitions this instance consumes.
func (s *Sender) partitionsHeld() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return countFunc(maps.Values(s.parts), func(p *partition) bool { return !p.releasing })
}

// countFunc counts the values of seq for which f is true.
func countFunc[T any](seq iter.Seq[T], f func(T) bool) int {
	n := 0
	for v := range seq {
		if f(v) {
			n++
		}
	}
	return n
}

// abandonLocked stops partition p: its reader stops, its queued entries
// are forgotten (they stay pending in Redis for the next owner) and
// nothing more of it is sent. Entries a worker holds finish. s.mu held.
func (s *Sender) abandonLocked(p *partition) {
	if p.lost {
		return
	}
	p.lost = true
	close(p.stop)
	for id, c := range s.chats {
		for class := range c.q {
			c.q[class] = slices.DeleteFunc(c.q[class], func(it *item) bool {
				// The item a worker holds stays, so that the worker finds it.
				return it.part == p && it != c.cur
			})
		}
		if c.empty() && !c.busy {
			delete(s.chats, id)
		}
	}
	clear(p.known)
}

// readPartition feeds partition p's entries into the chat queues until p
// is lost or ctx is done: first everything pending (a previous owner's),
// then new entries, with at most readAhead in memory.
func (s *Sender) readPartition(ctx context.Context, p *partition) {
	claimMore := true
	minIdle := takeoverIdle
	nextClaim := s.now().Add(settleClaim)
	settled := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.stop:
			return
		default:
		}
		s.mu.Lock()
		room := readAhead - len(p.known)
		s.mu.Unlock()
		if room <= 0 {
			if !pause.Until(ctx, p.stop, 50*time.Millisecond) {
				return
			}
			continue
		}
		n := int64(min(room, readBatch))
		if !claimMore && !s.now().Before(nextClaim) {
			claimMore = true
			if settled {
				minIdle = s.opts.ClaimIdle
			}
			settled = true
			nextClaim = s.now().Add(max(s.opts.ClaimIdle/2, settleClaim))
		}
		var entries []store.OutboxEntry
		var err error
		if claimMore {
			var dropped int
			entries, dropped, err = s.outbox.ClaimPartition(ctx, p.id, s.opts.Instance, minIdle, n)
			if err == nil && int64(len(entries)+dropped) < n {
				claimMore = false
			}
		} else {
			entries, err = s.outbox.ReadPartition(ctx, p.id, s.opts.Instance, n, readBlock)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.redisError("read outbox", err)
			if !pause.Until(ctx, p.stop, redisRetry) {
				return
			}
			continue
		}
		s.redisUp()
		s.add(p, entries)
	}
}

// add queues entries of partition p, each in its chat's queue in stream
// order (a claimed entry may be older than one read before it).
func (s *Sender) add(p *partition, entries []store.OutboxEntry) {
	if len(entries) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.lost {
		return
	}
	for _, e := range entries {
		k := keyOf(e)
		if p.known[k] {
			continue
		}
		p.known[k] = true
		it := &item{e: e, part: p}
		c := s.chats[e.ChatID]
		if c == nil {
			c = &chatQueue{id: e.ChatID}
			s.chats[e.ChatID] = c
		}
		class := it.class()
		q := c.q[class]
		i := len(q)
		// Never before the entry in flight: it is going out already.
		for i > 0 && streamIDLess(e.ID, q[i-1].e.ID) && q[i-1] != c.cur {
			i--
		}
		c.q[class] = slices.Insert(q, i, it)
		s.scheduleLocked(c, s.now())
	}
}

// entryKey identifies an entry of a partition: ids are unique within
// one stream only.
type entryKey struct {
	urgent bool
	id     string
}

func keyOf(e store.OutboxEntry) entryKey { return entryKey{e.Urgent, e.ID} }

// streamIDLess compares two Redis stream ids ("ms-seq").
func streamIDLess(a, b string) bool {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	ai, _ := strconv.ParseUint(am, 10, 64)
	bi, _ := strconv.ParseUint(bm, 10, 64)
	if ai != bi {
		return ai < bi
	}
	aj, _ := strconv.ParseUint(as, 10, 64)
	bj, _ := strconv.ParseUint(bs, 10, 64)
	return aj < bj
}
