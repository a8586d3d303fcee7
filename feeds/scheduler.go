package feeds

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of SchedulerOptions.
const (
	DefaultConcurrency = 64
	DefaultPerHost     = 2
	DefaultJitter      = 0.1
	DefaultSlowPoll    = 10 * time.Second
)

// SourcePoller polls one source once. *Poller (fetch and parse) is the
// production implementation; tests and tools plug in their own.
type SourcePoller interface {
	Poll(ctx context.Context, src Source, v Validators) PollResult
}

// PollFunc adapts a function to SourcePoller.
type PollFunc func(ctx context.Context, src Source, v Validators) PollResult

// Poll calls f.
func (f PollFunc) Poll(ctx context.Context, src Source, v Validators) PollResult {
	return f(ctx, src, v)
}

// Consumer receives the result of every poll: items, 304s and errors
// alike. It is called from the worker goroutines, several at once, so it
// must be safe for concurrent use; while it runs the worker is busy, so a
// slow consumer lowers the polling throughput.
type Consumer func(ctx context.Context, r PollResult)

// SchedulerOptions tune a Scheduler. Zero values mean the defaults.
type SchedulerOptions struct {
	// Concurrency bounds the polls in flight (and the consumer calls,
	// which run on the same workers). Default DefaultConcurrency.
	Concurrency int
	// PerHost bounds the polls in flight to one host (host:port of the
	// URL). Default DefaultPerHost. A kind telegram source's poll starts
	// only when its host has none in flight.
	PerHost int
	// Jitter is the fraction of the interval by which each next poll is
	// moved at random, either way: 0.1 means interval ± 10 %. Default
	// DefaultJitter; negative means none.
	Jitter float64
	// StartupSpread is the window over which the first polls of the
	// sources of the initial load (the first Set) are spread uniformly.
	// Zero means each source's interval, so that ten thousand sources
	// loaded at once do not all poll in the first second; negative means
	// "at once". Sources added, resumed or changed by a later Set are due
	// at once: an admin who added one expects it polled now.
	StartupSpread time.Duration
	// SlowPoll is how long a poll may take before its source counts as
	// slow. Slow and failing sources hold at most PerHost−1 of their
	// host's slots, so that one slot is left to the healthy sources of
	// the host. Default DefaultSlowPoll.
	SlowPoll time.Duration
	// MaxBackoff caps the delay between polls of a failing source.
	// Default DefaultMaxBackoff.
	MaxBackoff time.Duration
	// Rand returns values in [0, 1). It is only called with the
	// scheduler's lock held, so it need not be safe for concurrent use.
	// Default math/rand/v2.Float64.
	Rand func() float64
	// FixedIntervals keeps every source at its configured interval:
	// sources that set no interval and no bounds do not adapt.
	FixedIntervals bool
	// Logger receives debug records of backoffs and recoveries. Default:
	// records are discarded.
	Logger *slog.Logger
	// IntervalFor, when set, may override a source's interval after a
	// successful poll: a positive result is the delay to its next poll
	// instead of its own interval (a source whose updates are pushed is
	// polled less often). Failures and skipped polls keep the source's
	// interval. It is called with the scheduler's lock held: it must be
	// quick and must not call the scheduler.
	IntervalFor func(Source) time.Duration
	// OnCascade, when set, is called after each cascade that starts
	// (Cascade) with the number of polls it brought forward. It is
	// called without the scheduler's lock, from Cascade's caller.
	OnCascade func(pulled int)
	// Scheduled, when set, is told after each poll whose result was
	// recorded (not skipped, not cut short, not stale) when the source's
	// next poll is due: LeasedPoller.Scheduled keeps the source's lease
	// until then. It is called from the worker, outside the scheduler's
	// lock, before the result is consumed.
	Scheduled func(id string, next time.Time)
	// Removed, when set, is told the id of each source removed by Set,
	// once its poll in flight (if any) has ended: Poller.Forget drops
	// what the poller keeps of it. It is called with the scheduler's
	// lock held: it must be quick and must not call the scheduler.
	Removed func(id string)
}

// SourceState is a snapshot of what the scheduler knows of one source,
// for health reports.
type SourceState struct {
	ID string
	// Paused sources are kept, with their state, but not polled.
	Paused bool
	// Validators will be sent with the next poll.
	Validators Validators
	// Failures counts the consecutive failed polls; zero when healthy.
	Failures int
	// NextDue is when the next poll is due (zero while paused); while a
	// poll is queued or in flight, when that poll was due.
	NextDue time.Time
	// LastPoll is when the last poll started; LastSuccess and LastErrorAt
	// when the last successful (including 304) and failed polls started.
	LastPoll, LastSuccess, LastErrorAt time.Time
	// LastError is the message of the last failure, kept after recovery;
	// LastErrorClass its class (dns, timeout, http_status, parse …).
	LastError      string
	LastErrorClass ErrorClass
	// LastLag is how late the last poll started after its due time.
	LastLag time.Duration
	// Polls, Errors and NotModified count polls since the source was
	// added (or its URL or kind changed); Items counts the items read.
	Polls, Errors, NotModified, Items int64
	// Skipped is true while another instance polls the source (the last
	// attempt was a Skipped result): this state is then not the source's
	// current health, and is not to be saved over the poller's.
	Skipped bool
	// Interval is the interval the source is polled at now (before
	// jitter, backoff and Retry-After) and IntervalReason why; Rate is
	// the learned rate of new items; CascadeUntil ends a cascade.
	Interval       time.Duration
	IntervalReason IntervalReason
	Rate           Rate
	CascadeUntil   time.Time
}

// ErrSchedulerRunning is returned by Run when the scheduler is already
// running.
var ErrSchedulerRunning = errors.New("scheduler already running")

// Scheduler polls many sources at their intervals.
//
// One dispatcher goroutine keeps the idle sources in a min-heap ordered by
// next due time and sleeps on a single timer until the earliest is due. A
// due source goes to its host's queue; when the host has a free slot
// (PerHost) it moves to the ready queue, and when a worker is free
// (Concurrency) it is handed to the pool. A source whose host is busy thus
// waits without holding a worker, and a slow or failing source only ever
// holds its own slot. A source is never polled twice at once: it returns to
// the heap only when its poll and consumer call are done.
//
// Next due times are last due + interval ± Jitter, so polls do not drift
// later by the poll's duration; after a failure they are the end of the
// poll + Backoff. Set changes the sources at any time, Run or not.
type Scheduler struct {
	poller  SourcePoller
	consume Consumer
	opts    SchedulerOptions
	log     *slog.Logger

	// wake nudges the dispatcher when the heap or the queues change; one
	// pending nudge is enough, so it has room for one and sends never
	// block.
	wake chan struct{}

	mu      sync.Mutex
	entries map[string]*entry
	due     dueHeap
	hosts   map[string]*hostQueue
	ready   []*entry
	// busy counts the jobs handed to the workers and not yet done.
	busy    int
	running bool
	// restored is state kept from an earlier run (Restore), taken by Set
	// when the source is added.
	restored map[string]SourceState
	// loaded is set by the first Set: sources added after it are due at
	// once, not spread.
	loaded bool
	// cascades lets one cascade start every CascadeEvery.
	cascades CascadeGate
	// quantum is the slot the dispatcher's wake-ups are rounded up to
	// (tickOf the sources), so that the polls due within one slot start
	// together: one wake-up of the process instead of one per poll.
	quantum time.Duration
}

// maxTick bounds the slot polls are gathered into: a second, under 2 % of
// the default interval, far inside its ±10 % jitter.
const maxTick = time.Second

// tickOf is how late a poll of src may start to share a wake-up with the
// polls due around it: a fiftieth of its shortest interval (the lower
// bound of an adaptive one), at most maxTick.
func tickOf(src Source, fixed bool) time.Duration {
	return min(policyOf(src, fixed).lo/50, maxTick)
}

// entry is one source and its scheduling state, guarded by Scheduler.mu.
type entry struct {
	src   Source
	host  string
	state entryState
	// gen changes with the source's URL or kind: the result of a poll of
	// the old URL must not set the new one's validators or failures.
	gen   uint64
	index int // in the heap, when state == stIdle
	next  time.Time

	removed bool // by Set while in flight; dropped when the job is done

	// slow is set when the last poll took SlowPoll or more; weakSlot when
	// the entry holds a host slot as a slow or failing source.
	slow, weakSlot bool

	// adapt learns the source's interval from its polls; its rate and
	// cascade are copied to SourceState after every change.
	adapt *Adapter
	// holdUntil is the end of a server's Retry-After: a cascade must not
	// poll before it.
	holdUntil time.Time

	SourceState
}

type entryState int

const (
	stIdle    entryState = iota // in the heap, waiting for its due time
	stWaiting                   // due, queued for a slot on its host
	stReady                     // holds a host slot, queued for a worker
	stBusy                      // handed to a worker
	stPaused                    // not scheduled
)

// hostQueue is the per-host limit: active polls (weak of them by slow or
// failing sources) and the due sources waiting for one of them to end.
type hostQueue struct {
	active  int
	weak    int
	waiting []*entry
}

// job is what a worker needs to poll one source, copied under the lock.
type job struct {
	e    *entry
	src  Source
	host string // whose slot the job holds
	weak bool   // whether that slot is one of a slow or failing source
	v    Validators
	due  time.Time
	gen  uint64
}

// NewScheduler returns a scheduler that polls with p and hands every
// result to c. It polls nothing until Set gives it sources and Run runs.
func NewScheduler(p SourcePoller, c Consumer, opts SchedulerOptions) *Scheduler {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.PerHost <= 0 {
		opts.PerHost = DefaultPerHost
	}
	switch {
	case opts.Jitter == 0:
		opts.Jitter = DefaultJitter
	case opts.Jitter < 0:
		opts.Jitter = 0
	case opts.Jitter > 1:
		opts.Jitter = 1
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.SlowPoll <= 0 {
		opts.SlowPoll = DefaultSlowPoll
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if c == nil {
		c = func(context.Context, PollResult) {}
	}
	return &Scheduler{
		poller:  p,
		consume: c,
		opts:    opts,
		log:     log,
		wake:    make(chan struct{}, 1),
		entries: make(map[string]*entry),
		hosts:   make(map[string]*hostQueue),
	}
}

// Restore hands the scheduler per-source state kept from an earlier run
// (validators, failures, counts, next due time). It applies to the
// sources of the initial load; call it before the first Set.
func (s *Scheduler) Restore(states []SourceState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.restored == nil {
		s.restored = make(map[string]SourceState, len(states))
	}
	for _, st := range states {
		s.restored[st.ID] = st
	}
}

// Set replaces the whole set of sources, diffing by ID.
//
// The first Set is the initial load: its sources are first due at a
// random time within StartupSpread, or at the due time given to Restore,
// so that a restart does not poll every source in the same second. After
// it, a source that a Set adds, resumes, or whose URL or kind it changes
// is due at once: it was just added or changed live, and what it
// publishes from now on is to be alerted now, not an interval later.
// State given to Restore for sources absent from the initial load is
// dropped then.
//
// A changed source keeps its state, unless its URL or kind changed: then
// it starts afresh, like a new one. Paused and absent sources stop being
// polled; a poll in flight finishes and its result is still delivered
// (unless its URL or kind changed meanwhile: then the old document's
// result is dropped). Set may be called at any time, from any goroutine.
func (s *Scheduler) Set(sources []Source) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	live := s.loaded
	s.loaded = true
	defer func() {
		// Restored state is for the sources of the initial load only.
		s.restored = nil
	}()
	first := func(src Source) time.Time {
		if live {
			return now
		}
		return now.Add(s.spread(src))
	}

	seen := make(map[string]bool, len(sources))
	s.quantum = 0
	for _, src := range sources {
		seen[src.ID] = true
		if q := tickOf(src, s.opts.FixedIntervals); !src.Paused && (s.quantum == 0 || q < s.quantum) {
			s.quantum = q
		}
		e, ok := s.entries[src.ID]
		switch {
		case !ok:
			s.add(src, first(src), now)
		case e.removed:
			// Removed while in flight and back before the poll ended:
			// treat it as new.
			e.removed = false
			s.reset(e, src)
			e.Paused = src.Paused
		case src.URL != e.src.URL || src.EffectiveKind() != e.src.EffectiveKind():
			s.unschedule(e)
			s.reset(e, src)
			e.Paused = src.Paused
			if !src.Paused && e.state != stBusy {
				s.schedule(e, first(src))
			}
		default:
			s.update(e, src, first, now)
		}
	}
	s.dropAbsent(seen)
	s.nudge()
}

// add makes an entry for a source new to the scheduler, due at next
// unless state restored from an earlier run says otherwise. s.mu is held.
func (s *Scheduler) add(src Source, next, now time.Time) {
	e := &entry{src: src, host: hostKey(src.URL), index: -1, state: stPaused, adapt: NewAdapter(src, s.opts.FixedIntervals)}
	if st, ok := s.restored[src.ID]; ok {
		// State kept from an earlier run: validators for a
		// conditional GET, counts, and the due time if it is
		// still ahead and sensible for the interval.
		delete(s.restored, src.ID)
		e.SourceState = st
		e.adapt.restore(st.Interval, st.Rate, st.CascadeUntil)
		if st.NextDue.After(now) && st.NextDue.Sub(now) <= max(intervalOf(src), MaxRetryAfter) {
			next = st.NextDue
		}
	}
	e.ID, e.Paused = src.ID, src.Paused
	s.entries[src.ID] = e
	if !src.Paused {
		s.schedule(e, next)
	}
}

// update applies a change other than of URL or kind to a known source:
// paused, resumed (due at first(src)), or a new interval. s.mu is held.
func (s *Scheduler) update(e *entry, src Source, first func(Source) time.Time, now time.Time) {
	wasPaused := e.src.Paused
	oldInterval := intervalOf(e.src)
	if src.Interval != e.src.Interval || src.MinInterval != e.src.MinInterval || src.MaxInterval != e.src.MaxInterval {
		e.adapt.Reconfigure(src, s.opts.FixedIntervals) // start again from the new configured interval
	}
	e.src = src
	e.Paused = src.Paused
	switch {
	case src.Paused:
		s.unschedule(e)
	case wasPaused && e.state == stPaused:
		s.schedule(e, first(src))
	case e.state == stIdle && e.Failures == 0 && intervalOf(src) != oldInterval:
		// Rebase the pending poll on the new interval, so a
		// shorter one takes effect now rather than after the
		// old, longer wait.
		next := e.next.Add(intervalOf(src) - oldInterval)
		e.next = later(next, now)
		heap.Fix(&s.due, e.index)
	}
}

// dropAbsent stops polling the sources not in seen; one in flight is
// dropped by its worker when done. s.mu is held.
func (s *Scheduler) dropAbsent(seen map[string]bool) {
	for id, e := range s.entries {
		if seen[id] {
			continue
		}
		s.unschedule(e)
		if e.state == stBusy {
			e.removed = true // the worker drops it when done
			continue
		}
		delete(s.entries, id)
		s.removed(id)
	}
}

// removed tells SchedulerOptions.Removed of a source removed. s.mu is held.
func (s *Scheduler) removed(id string) {
	if s.opts.Removed != nil {
		s.opts.Removed(id)
	}
}

// reset makes e a fresh source: no validators, no failures, no counters.
func (s *Scheduler) reset(e *entry, src Source) {
	e.src = src
	e.host = hostKey(src.URL)
	e.gen++
	e.SourceState = SourceState{ID: src.ID}
	e.adapt = NewAdapter(src, s.opts.FixedIntervals)
	if e.state == stBusy {
		// The worker will schedule it when done; make that soon.
		e.next = time.Time{}
	}
}

// schedule puts an unscheduled (paused) entry in the heap, due at next.
func (s *Scheduler) schedule(e *entry, next time.Time) {
	e.state = stIdle
	e.next = next
	heap.Push(&s.due, e)
}

// unschedule takes e out of the heap or the queues it is in, releasing
// its host slot if it held one. An entry in flight is left to its worker.
func (s *Scheduler) unschedule(e *entry) {
	switch e.state {
	case stIdle:
		heap.Remove(&s.due, e.index)
	case stWaiting:
		h := s.hosts[e.host]
		h.waiting = slices.DeleteFunc(h.waiting, func(x *entry) bool { return x == e })
		s.dropHostIfIdle(e.host, h)
	case stReady:
		s.ready = slices.DeleteFunc(s.ready, func(x *entry) bool { return x == e })
		s.releaseHost(e.host, e.weakSlot)
	default:
		return
	}
	e.state = stPaused
}

// PollBy brings the next poll of source id forward to at, if the source
// is waiting for a later one: when its interval override (IntervalFor)
// ends, it is polled at its own pace again without waiting out the longer
// delay. A source unknown, paused, failing or in flight is left alone.
func (s *Scheduler) PollBy(id string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok || e.state != stIdle || e.Failures > 0 || !e.next.After(at) {
		return
	}
	e.next = at
	heap.Fix(&s.due, e.index)
	s.nudge()
}

// spread returns the random delay of a new source's first poll.
func (s *Scheduler) spread(src Source) time.Duration {
	w := s.opts.StartupSpread
	if w == 0 {
		w = intervalOf(src)
	}
	if w < 0 {
		return 0
	}
	return time.Duration(s.rand() * float64(w))
}

// rand returns the injected random value clamped to [0, 1).
func (s *Scheduler) rand() float64 {
	r := s.opts.Rand()
	if !(r >= 0) {
		return 0
	}
	return min(r, 1)
}

// nudge wakes the dispatcher without blocking.
func (s *Scheduler) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// State returns a snapshot of the state of source id.
func (s *Scheduler) State(id string) (SourceState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok || e.removed {
		return SourceState{}, false
	}
	return e.snapshot(), true
}

// States returns a snapshot of the state of every source, by ID.
func (s *Scheduler) States() []SourceState {
	s.mu.Lock()
	out := make([]SourceState, 0, len(s.entries))
	for _, e := range s.entries {
		if !e.removed {
			out = append(out, e.snapshot())
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b SourceState) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// eachState calls fn with a snapshot of the state of every source, in no
// order, with the scheduler's lock held: fn must be quick and must not
// call the scheduler. Unlike States it copies nothing to the heap.
func (s *Scheduler) eachState(fn func(SourceState)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.entries {
		if !e.removed {
			fn(e.snapshot())
		}
	}
}

func (e *entry) snapshot() SourceState {
	st := e.SourceState
	if e.state != stPaused {
		st.NextDue = e.next
	}
	return st
}

// Run polls the sources until ctx is done, then waits for the polls in
// flight (which see ctx cancelled) to end and returns nil. Results of polls
// cut short by the cancellation are neither delivered nor counted as
// failures. Run may be called again after it returns, but not twice at
// once (ErrSchedulerRunning).
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return ErrSchedulerRunning
	}
	s.running = true
	s.mu.Unlock()

	// The dispatcher hands out a job only while busy < Concurrency, so a
	// buffer of Concurrency means the send never blocks it.
	jobs := make(chan job, s.opts.Concurrency)
	var wg sync.WaitGroup
	for range s.opts.Concurrency {
		wg.Go(func() {
			for j := range jobs {
				s.work(ctx, j)
			}
		})
	}

	s.dispatch(ctx, jobs)
	close(jobs)
	wg.Wait()

	s.mu.Lock()
	defer s.mu.Unlock()
	// No job is in flight any more: put what was queued back in the heap,
	// at its due time, so a later Run resumes it.
	for _, e := range s.ready {
		s.schedule(e, e.next)
	}
	for _, h := range s.hosts {
		for _, e := range h.waiting {
			s.schedule(e, e.next)
		}
	}
	s.ready = nil
	clear(s.hosts)
	s.running = false
	return nil
}

// dispatch is the dispatcher loop: it moves due sources to their host
// queues and ready sources to the workers, then sleeps until the next due
// time, a nudge or the end.
func (s *Scheduler) dispatch(ctx context.Context, jobs chan<- job) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		now := time.Now()
		for len(s.due) > 0 && !s.due[0].next.After(now) {
			e := heap.Pop(&s.due).(*entry)
			s.enqueue(e)
		}
		for len(s.ready) > 0 && s.busy < s.opts.Concurrency {
			e := s.ready[0]
			s.ready[0] = nil
			s.ready = s.ready[1:]
			e.state = stBusy
			s.busy++
			jobs <- job{e: e, src: e.src, host: e.host, weak: e.weakSlot, v: e.Validators, due: e.next, gen: e.gen}
		}
		wait := time.Duration(-1)
		if len(s.due) > 0 {
			wait = s.due[0].next.Sub(now)
			if q := s.quantum; wait > 0 && q > 0 {
				// Wake at the end of the slot the next poll is due in.
				at := s.due[0].next
				if slot := at.Truncate(q); slot.Before(at) {
					at = slot.Add(q)
				}
				wait = at.Sub(now)
			}
		}
		s.mu.Unlock()

		// Since Go 1.23 Reset and Stop leave no stale tick in timer.C.
		if wait >= 0 {
			timer.Reset(wait)
		} else {
			timer.Stop()
		}
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-s.wake:
		}
	}
}

// enqueue takes a due entry to its host: ready if the host has a slot it
// may take, waiting in the host's queue otherwise.
func (s *Scheduler) enqueue(e *entry) {
	h := s.hosts[e.host]
	if h == nil {
		h = &hostQueue{}
		s.hosts[e.host] = h
	}
	if s.mayTake(h, e) {
		s.take(h, e)
		return
	}
	e.state = stWaiting
	h.waiting = append(h.waiting, e)
}

// weak reports whether e is a slow or failing source.
func (s *Scheduler) weak(e *entry) bool {
	return e.Failures > 0 || e.slow
}

// mayTake reports whether e may take a slot of h now: a free slot, and
// for a slow or failing source, one that leaves a slot to the healthy
// ones (unless the host has a single slot). A source that keeps timing
// out thus never holds all of its host's slots.
func (s *Scheduler) mayTake(h *hostQueue, e *entry) bool {
	limit := s.hostLimit(e)
	if h.active >= limit {
		return false
	}
	return !s.weak(e) || limit == 1 || h.weak < limit-1
}

// hostLimit is how many polls may be in flight to e's host when e's
// starts: PerHost, but one for a kind telegram source, which t.me
// answers with 429s when asked for several previews at once.
func (s *Scheduler) hostLimit(e *entry) int {
	if e.src.EffectiveKind() == KindTelegram {
		return 1
	}
	return s.opts.PerHost
}

// take gives e a slot of h and queues it for a worker.
func (s *Scheduler) take(h *hostQueue, e *entry) {
	h.active++
	e.weakSlot = s.weak(e)
	if e.weakSlot {
		h.weak++
	}
	e.state = stReady
	s.ready = append(s.ready, e)
}

// releaseHost frees a slot of host (a slow or failing source's when
// weak) and gives the free slots to the first waiting sources that may
// take them.
func (s *Scheduler) releaseHost(host string, weak bool) {
	h := s.hosts[host]
	h.active--
	if weak {
		h.weak--
	}
	for h.active < s.opts.PerHost {
		i := slices.IndexFunc(h.waiting, func(e *entry) bool { return s.mayTake(h, e) })
		if i < 0 {
			break
		}
		e := h.waiting[i]
		h.waiting = slices.Delete(h.waiting, i, i+1)
		s.take(h, e)
	}
	s.dropHostIfIdle(host, h)
}

// dropHostIfIdle forgets an idle host, so the map does not grow with every
// host ever polled.
func (s *Scheduler) dropHostIfIdle(host string, h *hostQueue) {
	if h.active == 0 && len(h.waiting) == 0 {
		delete(s.hosts, host)
	}
}

// work runs one job on a worker: poll, record, consume, reschedule.
func (s *Scheduler) work(ctx context.Context, j job) {
	var r PollResult
	started := time.Now()
	if ctx.Err() != nil {
		r = PollResult{Err: ctx.Err()}
	} else {
		r = s.poll(ctx, j)
	}
	r.Source, r.Due, r.Started = j.src, j.due, started
	r.Duration = time.Since(started)
	// A poll cut short by shutdown says nothing about the source.
	dropped := r.Err != nil && ctx.Err() != nil

	s.mu.Lock()
	s.releaseHost(j.host, j.weak)
	// A result of the URL or kind the source had before a Set changed it
	// is dropped: the new document's first poll follows at once.
	stale := j.gen != j.e.gen
	if !dropped && !stale {
		s.record(j, &r, started.Add(r.Duration))
	}
	next := j.e.next
	// The dispatcher is woken only when it has something to do: sources
	// that took the freed host slot wait for a worker.
	handOut := len(s.ready) > 0
	s.mu.Unlock()
	if handOut {
		s.nudge()
	}
	if !dropped && !stale && !r.Skipped && s.opts.Scheduled != nil {
		s.opts.Scheduled(j.src.ID, next)
	}

	if !dropped && !stale && !r.Skipped {
		s.consume(ctx, r)
	}

	s.mu.Lock()
	s.busy--
	e := j.e
	switch {
	case e.removed:
		if s.entries[e.ID] == e {
			delete(s.entries, e.ID)
			s.removed(e.ID)
		}
		e.state = stPaused
	case e.src.Paused:
		e.state = stPaused
	default:
		s.schedule(e, e.next)
	}
	// Wake the dispatcher if a worker is free for a ready source, or if
	// this source is now the first due: its timer is set for a later one.
	wake := len(s.ready) > 0 || (e.state == stIdle && e.index == 0)
	s.mu.Unlock()
	if wake {
		s.nudge()
	}
}

// poll calls the poller, turning a panic into an error: one broken source
// must not take the others down.
func (s *Scheduler) poll(ctx context.Context, j job) (r PollResult) {
	defer func() {
		if p := recover(); p != nil {
			r = PollResult{Err: fmt.Errorf("poll %s: panic: %v", j.src.ID, p)}
		}
	}()
	return s.poller.Poll(ctx, j.src, j.v)
}

// record updates the entry's state from a result and sets its next due
// time. end is when the poll ended.
func (s *Scheduler) record(j job, r *PollResult, end time.Time) {
	e := j.e
	interval := intervalOf(j.src)
	if r.Skipped {
		// Another instance polls the source; look again when its lease
		// may have lapsed, at least a second and at most two intervals on.
		e.Skipped = true
		e.next = end.Add(min(max(r.RetryAfter, time.Second), 2*interval))
		return
	}
	e.Skipped = false
	e.slow = r.Duration >= s.opts.SlowPoll
	e.Polls++
	e.LastPoll = r.Started
	e.LastLag = r.Started.Sub(r.Due)
	if r.Err != nil {
		e.Errors++
		e.Failures++
		e.LastErrorAt = r.Started
		e.LastError = r.Err.Error()
		e.LastErrorClass = ClassOf(r.Err)
		d := Backoff(interval, e.Failures, r.RetryAfter, s.opts.MaxBackoff, s.rand)
		e.next = end.Add(d)
		s.log.Debug("source failing", slog.String("source", e.ID),
			slog.Int("failures", e.Failures), slog.Duration("retry_in", d),
			slog.String("error", e.LastError))
		return
	}
	if e.Failures > 0 {
		s.log.Debug("source recovered", slog.String("source", e.ID),
			slog.Int("failures", e.Failures))
	}
	e.Failures = 0
	e.LastSuccess = r.Started
	if r.NotModified {
		e.NotModified++
		// A 304 need not repeat the validators; keep what we had.
		if r.Validators.ETag != "" {
			e.Validators.ETag = r.Validators.ETag
		}
		if r.Validators.LastModified != "" {
			e.Validators.LastModified = r.Validators.LastModified
		}
	} else {
		e.Validators = r.Validators
		e.Items += int64(len(r.Items))
	}
	interval = s.adapt(e, r)
	if s.opts.IntervalFor != nil {
		// A source whose pushes arrive is polled only as a safety net;
		// its rate is still learned, for when the pushes stop.
		if iv := s.opts.IntervalFor(j.src); iv > 0 {
			interval = iv
			e.Interval, e.IntervalReason = iv, ReasonPush
		}
	}
	jit := s.opts.Jitter * (2*s.rand() - 1)
	next := j.due.Add(interval + time.Duration(jit*float64(interval)))
	// A poll that overran its interval, or a scheduler that fell behind,
	// polls again now rather than catching up on missed rounds.
	next = later(next, end)
	if r.RetryAfter > 0 {
		e.holdUntil = end.Add(min(r.RetryAfter, MaxRetryAfter))
		next = later(next, e.holdUntil)
	}
	e.next = next
}

// adapt feeds a successful poll to the source's Adapter and returns the
// interval until the next poll. s.mu is held.
func (s *Scheduler) adapt(e *entry, r *PollResult) time.Duration {
	d, why := e.adapt.Observe(r)
	e.Rate, e.Interval, e.IntervalReason = e.adapt.Rate(), d, why
	return d
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// hostKey returns the lowercased host:port of a URL, with the scheme's
// default port made explicit, so that http://Example.com and
// http://example.com:80 share one limit. An unparsable URL is its own host:
// its polls fail fast and must not hold up anyone else's.
func hostKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "invalid:" + raw
	}
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		default:
			port = "80"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// dueHeap is a min-heap of idle entries by next due time.
type dueHeap []*entry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].next.Before(h[j].next) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *dueHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}

func (h *dueHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	e.index = -1
	*h = old[:n-1]
	return e
}

// intervalOf is the source's interval, made safe for scheduling: a
// negative one (config validation should have refused it) would otherwise
// poll the source in a tight loop.
func intervalOf(src Source) time.Duration {
	if iv := src.EffectiveInterval(); iv > 0 {
		return iv
	}
	return DefaultInterval
}
