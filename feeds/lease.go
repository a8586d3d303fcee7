package feeds

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// SourceLeaser leases sources to one instance at a time among the
// instances that share them.
type SourceLeaser interface {
	// LeaseSource takes or extends holder's lease on source id for ttl;
	// when another holder has it, ok is false and left the time left on
	// that holder's lease.
	LeaseSource(ctx context.Context, id, holder string, ttl time.Duration) (ok bool, left time.Duration, err error)
	// ExtendSources is LeaseSource for many sources in one round trip:
	// held[i] reports whether holder holds leases[i] now. A lease the
	// call could not ask about is reported in errs[i] (errs is nil when
	// every one was asked).
	ExtendSources(ctx context.Context, holder string, leases []SourceLeaseTTL) (held []bool, errs []error)
	ReleaseSources(ctx context.Context, holder string, ids []string) error
}

// SourceLeaseTTL is one lease for ExtendSources: source ID, for TTL.
type SourceLeaseTTL struct {
	ID  string
	TTL time.Duration
}

// LeasedPoller polls a source only while this instance holds its lease,
// so that several instances on one Redis poll each source once.
//
// A source's first poll takes the lease (LeaseTTL: an interval and a
// half) in a round trip of its own. After each poll the scheduler says
// when the next is due (Scheduled), and the lease is extended to that
// time and a grace (HoldFor): the extensions of all the polls of a short
// window go to Redis in one round trip (Run). So the next poll finds the
// lease still held and needs no round trip of its own, however long the
// source's interval has grown, and when the holder dies, another instance
// takes the source over about a grace after the poll that was due next.
// A poll whose lease is not known to be held long enough takes it again
// first. If the leaser cannot be asked, the source is polled anyway: a
// duplicate fetch costs little, and the seen set keeps it from alerting
// twice.
type LeasedPoller struct {
	inner  SourcePoller
	leases SourceLeaser
	holder string
	log    *slog.Logger
	// now is the clock of the leases' expiry as this instance sees it.
	now func() time.Time
	// linger is how long extensions are gathered before they are sent.
	linger time.Duration

	mu      sync.Mutex
	state   map[string]*sourceLease
	pending map[string]time.Time // extensions to send: id → its next poll
	flushBy time.Time            // when the pending extensions are to be sent
	wake    chan struct{}        // flushBy came nearer
	closed  bool                 // released: nothing is extended any more

	// flushing is held while extensions are sent, so that Release
	// waits for them.
	flushing sync.Mutex
}

// sourceLease is what this instance knows of its lease on a source.
type sourceLease struct {
	held bool
	// until is when the lease lapses at the earliest, as last taken or
	// extended; zero when unknown. A poll needs cover of it left to go
	// on without taking the lease first.
	until time.Time
	cover time.Duration
}

// extendLinger is how long the extensions of the polls that end close
// together are gathered into one round trip, at most: they are sent at
// the next multiple of 10 s of the wall clock (with the poll states,
// saved on the same ticks), or within half the cover their next poll
// needs (coverOf: a quarter of its grace), whichever comes first. A
// lease's expiry counts from the send, so the wait shortens nothing; a
// source at 60 s has its extension sent within 7.75 s of its poll.
const extendLinger = 10 * time.Second

// NewLeasedPoller returns a poller that polls through inner the sources
// whose lease holder takes from leases. Run sends the leases' extensions.
func NewLeasedPoller(inner SourcePoller, leases SourceLeaser, holder string, log *slog.Logger) *LeasedPoller {
	return &LeasedPoller{
		inner: inner, leases: leases, holder: holder, log: log, now: time.Now, linger: extendLinger,
		state: make(map[string]*sourceLease), pending: make(map[string]time.Time), wake: make(chan struct{}, 1),
	}
}

// LeaseTTL is how long the lease taken at a source's poll lasts when its
// next poll is not known yet: an interval and a half (the holder's next
// poll comes an interval later, give or take its jitter), plus up to a
// second for a slow poll, and never more than two intervals.
func LeaseTTL(src Source) time.Duration {
	iv := src.EffectiveInterval()
	return iv + iv/2 + min(time.Second, iv/2)
}

// HoldFor is how long a lease is held when the next poll is due in delay
// (its jitter, backoff or Retry-After included): until then, and a grace
// of half the delay (at most 30 s) plus up to a second, for the next poll
// to start late and to take its time. A dead holder's source is thus
// taken over within two delays of its last poll, and never more than 31 s
// after the poll that was due.
func HoldFor(delay time.Duration) time.Duration {
	delay = max(delay, MinInterval)
	return delay + min(delay/2, 30*time.Second) + min(time.Second, delay/2)
}

// coverOf is how much of a lease held for ttl, with the next poll due in
// delay, that poll must find left to go on without taking the lease
// first: half the grace. A poll that starts on time finds the whole grace
// left.
func coverOf(ttl, delay time.Duration) time.Duration {
	return max(ttl-max(delay, MinInterval), 0) / 2
}

// Poll polls the source if this instance holds its lease: known held long
// enough from the last take or extension, or taken now. While another
// instance holds the lease, the poll is skipped until the lease may
// lapse.
func (l *LeasedPoller) Poll(ctx context.Context, src Source, v Validators) PollResult {
	now := l.now()
	l.mu.Lock()
	st := l.state[src.ID]
	known := st != nil && st.held && st.until.Sub(now) >= st.cover
	l.mu.Unlock()
	if known {
		return l.inner.Poll(ctx, src, v)
	}

	ttl := LeaseTTL(src)
	ok, left, err := l.leases.LeaseSource(ctx, src.ID, l.holder, ttl)
	var until time.Time
	delay := src.EffectiveInterval()
	if err != nil {
		l.log.Debug("source lease unavailable; polling anyway", slog.String("source", src.ID), slog.Any("error", err))
		ok = true
	} else if ok {
		until = now.Add(ttl)
	}
	l.mu.Lock()
	if st == nil {
		st = &sourceLease{}
		l.state[src.ID] = st
	}
	was := st.held
	st.held, st.until, st.cover = ok, until, coverOf(ttl, delay)
	l.mu.Unlock()
	if !ok {
		if was {
			l.log.Info("source taken over by another instance", slog.String("source", src.ID))
		}
		return PollResult{Source: src, Validators: v, Skipped: true, RetryAfter: left + 100*time.Millisecond}
	}
	return l.inner.Poll(ctx, src, v)
}

// Scheduled extends the lease of source id, if this instance holds it,
// to the poll due at next and its grace (HoldFor). The extension is sent
// by Run with the others of its window. It is SchedulerOptions.Scheduled.
func (l *LeasedPoller) Scheduled(id string, next time.Time) {
	now := l.now()
	delay := next.Sub(now)
	// On the linger's multiples of the wall clock, with the process's
	// other periodic work (pause.Tick), unless the lease needs it sooner.
	by := now.Truncate(l.linger).Add(l.linger)
	if soon := flushSoon(now, now.Add(coverOf(HoldFor(delay), delay)/2)); soon.Before(by) {
		by = soon
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if st := l.state[id]; st == nil || !st.held || l.closed {
		return
	}
	l.pending[id] = next
	if l.flushBy.IsZero() || by.Before(l.flushBy) {
		l.flushBy = by
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}

// flushSoon is when extensions needed by soon are sent: the whole second
// of the wall clock at or before soon, when it is still to come, so that
// the send shares the wake-up of the process's other work on whole
// seconds (the dispatcher's slots, pause.Tick) instead of waking it on
// its own; soon itself otherwise. It is never later than soon.
func flushSoon(now, soon time.Time) time.Time {
	if s := soon.Truncate(time.Second); s.After(now) {
		return s
	}
	return soon
}

// Run sends the extensions Scheduled gathers until ctx is done: those
// of polls that end within 10 s of each other (less for short intervals:
// extendLinger) in one round trip. It wakes only when there are extensions
// to send.
func (l *LeasedPoller) Run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
			l.mu.Lock()
			by := l.flushBy
			l.mu.Unlock()
			if !by.IsZero() {
				timer.Reset(max(by.Sub(l.now()), 0))
			}
		case <-timer.C:
			l.flush(ctx)
		}
	}
}

// flush sends the pending extensions in one round trip and records what
// they found.
func (l *LeasedPoller) flush(ctx context.Context) {
	l.flushing.Lock()
	defer l.flushing.Unlock()
	l.mu.Lock()
	if l.closed || len(l.pending) == 0 {
		l.mu.Unlock()
		return
	}
	// The TTLs count from now: the lease lasts until the next poll and its
	// grace, however long the extension waited.
	sent := l.now()
	batch := make([]SourceLeaseTTL, 0, len(l.pending))
	delays := make([]time.Duration, 0, len(l.pending))
	for id, next := range l.pending {
		delay := next.Sub(sent)
		batch = append(batch, SourceLeaseTTL{ID: id, TTL: HoldFor(delay)})
		delays = append(delays, delay)
	}
	clear(l.pending)
	l.flushBy = time.Time{}
	l.mu.Unlock()

	held, errs := l.leases.ExtendSources(ctx, l.holder, batch)
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, x := range batch {
		st := l.state[x.ID]
		if st == nil {
			continue
		}
		switch {
		case errs != nil && errs[i] != nil:
			// Not known: the next poll takes the lease first.
			st.until = time.Time{}
			l.log.Debug("source lease not extended; the next poll takes it", slog.String("source", x.ID), slog.Any("error", errs[i]))
		case held[i]:
			st.until, st.cover = sent.Add(x.TTL), coverOf(x.TTL, delays[i])
		default:
			if st.held {
				l.log.Info("source taken over by another instance", slog.String("source", x.ID))
			}
			st.held, st.until = false, time.Time{}
		}
	}
}

// Release gives up the leases held, so that another instance takes the
// sources over at once rather than when the leases lapse. Nothing is
// extended after it.
func (l *LeasedPoller) Release(ctx context.Context) {
	l.flushing.Lock()
	defer l.flushing.Unlock()
	l.mu.Lock()
	l.closed = true
	clear(l.pending)
	l.flushBy = time.Time{}
	var ids []string
	for id, st := range l.state {
		if st.held {
			ids = append(ids, id)
		}
	}
	l.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	if err := l.leases.ReleaseSources(ctx, l.holder, ids); err != nil {
		l.log.Debug("source leases not released; they lapse on their own", slog.Any("error", err))
	}
}
