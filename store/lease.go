package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aajil/aajil/feeds"
)

// A lease lets one instance at a time do a job: poll a source, poll
// Telegram's getUpdates, consume an outbox partition. Its key is a STRING
// holding the holder id, with the lease's TTL: the holder renews it while
// it works, and when the holder dies the key expires and another instance
// takes over. Next to it, in the same hash tag, KEY:fence counts the takes:
// each new holder gets a higher fencing token, which writes only the
// holder may make (the Telegram offset) check in the same script. The
// counter outlives its last use by leaseFenceKeep.

// leaseFenceKeep is how long a lease's fencing counter outlives its last
// take or renewal: long past any holder's lease, so tokens keep
// increasing across holders; short enough that the counters of sources
// removed long ago go.
const leaseFenceKeep = 7 * 24 * time.Hour

// ErrLeaseLost is the cause Keep reports when the lease was lost or could
// not be renewed: the holder must stop the job at once.
var ErrLeaseLost = errors.New("lease lost")

var (
	leaseTakeScript    = luaScript("lease_take")
	leaseRenewScript   = luaScript("lease_renew")
	leaseReleaseScript = luaScript("lease_release")
)

// keySourceLease is a STRING: the holder id of the instance polling
// source id. TTL: the lease's, renewed by its holder while it polls; it
// expires when the holder dies, which is how another instance takes over.
// It shares the source's hash tag, so it sits in the slot of the source's
// other keys.
func (s *Store) keySourceLease(id string) string { return s.srcTag(id) + ":lease" }

// keyLeaseFence is the fencing counter of the lease at key: a STRING
// (integer), incremented by each new holder. TTL: leaseFenceKeep, renewed
// with the lease.
func keyLeaseFence(lease string) string { return lease + ":fence" }

// Lease is one holder's handle on a lease in Redis: Take it, Renew it (or
// let Keep renew it), Release it. It remembers the fencing token of its
// last take, which Fence presents to the writes only the holder may make.
// A Lease is safe for concurrent use.
type Lease struct {
	rdb    redis.UniversalClient
	what   string // names the lease in errors
	key    string
	holder string
	ttl    time.Duration
	err    error // why the lease cannot be used, if it cannot
	token  atomic.Int64
}

// Fence is what a write only a lease's holder may make presents: the
// holder and the fencing token of its take. The write is refused unless
// both are the lease's current ones.
type Fence struct {
	Holder string
	Token  int64
}

// newLease is the lease at key for holder, for ttl.
func (s *Store) newLease(what, key, holder string, ttl time.Duration) *Lease {
	l := &Lease{rdb: s.rdb, what: what, key: key, holder: holder, ttl: ttl}
	switch {
	case holder == "":
		l.err = fmt.Errorf("%s: empty holder", what)
	case ttl < time.Millisecond:
		l.err = fmt.Errorf("%s: ttl %v under 1ms", what, ttl)
	}
	return l
}

// TelegramLease is holder's lease on polling Telegram's getUpdates, for
// ttl: one instance at a time may call it.
func (s *Store) TelegramLease(holder string, ttl time.Duration) *Lease {
	return s.newLease("telegram lease", s.keyTelegramLease(), holder, ttl)
}

// SourceLease is holder's lease on polling source id, for ttl, so that
// one instance at a time polls a source.
func (s *Store) SourceLease(id, holder string, ttl time.Duration) *Lease {
	return s.newLease("lease source "+id, s.keySourceLease(id), holder, ttl)
}

// PartitionLease is holder's lease on outbox partition p, for ttl. Only
// the holder of a partition may read it, so that one consumer sends a
// chat's deliveries, in order. A partition out of range makes every call
// on the lease fail.
func (s *Store) PartitionLease(p int, holder string, ttl time.Duration) *Lease {
	what := "lease outbox partition " + strconv.Itoa(p)
	if err := s.checkPartition(what, p); err != nil {
		return &Lease{what: what, holder: holder, ttl: ttl, err: err}
	}
	return s.newLease(what, s.keyPartitionLease(p), holder, ttl)
}

// Holder is the id the lease is held under.
func (l *Lease) Holder() string { return l.holder }

// TTL is how long the lease lasts unrenewed.
func (l *Lease) TTL() time.Duration { return l.ttl }

// Fence is the holder and the fencing token of the last successful Take
// (token 0 before one).
func (l *Lease) Fence() Fence { return Fence{Holder: l.holder, Token: l.token.Load()} }

// Take takes the lease if it is free, or extends it if the holder already
// holds it. It returns the fencing token (> 0) when the holder holds the
// lease now: a new holder's is higher than any before it, a holder
// extending its lease keeps its own. When another holder has the lease,
// the token is 0 and left the time left on that holder's lease.
func (l *Lease) Take(ctx context.Context) (token int64, left time.Duration, err error) {
	if l.err != nil {
		return 0, 0, l.err
	}
	res, err := leaseTakeScript.Run(ctx, l.rdb, []string{l.key, keyLeaseFence(l.key)},
		l.holder, pxMillis(l.ttl), pxMillis(leaseFenceKeep)).Int64Slice()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", l.what, err)
	}
	if len(res) != 2 {
		return 0, 0, fmt.Errorf("%s: unexpected script reply %v", l.what, res)
	}
	if res[0] == 1 {
		l.token.Store(res[1])
		return res[1], 0, nil
	}
	// PTTL is -1 for a lease without expiry (never written so by us) and
	// -2 for none; neither leaves a positive time to wait.
	return 0, time.Duration(max(res[1], 0)) * time.Millisecond, nil
}

// Renew extends the lease to its TTL from now if the holder still holds
// it under the token of its last Take. It reports false if not (it
// expired, and perhaps another instance took it): the holder must stop
// the job at once.
func (l *Lease) Renew(ctx context.Context) (bool, error) {
	if l.err != nil {
		return false, l.err
	}
	n, err := leaseRenewScript.Run(ctx, l.rdb, []string{l.key, keyLeaseFence(l.key)},
		l.holder, pxMillis(l.ttl), l.token.Load(), pxMillis(leaseFenceKeep)).Int()
	if err != nil {
		return false, fmt.Errorf("renew %s: %w", l.what, err)
	}
	return n == 1, nil
}

// Release gives the lease up, if the holder holds it, so that another
// instance takes over without waiting for the expiry. It reports whether
// it did.
func (l *Lease) Release(ctx context.Context) (bool, error) {
	if l.err != nil {
		return false, l.err
	}
	n, err := leaseReleaseScript.Run(ctx, l.rdb, []string{l.key}, l.holder).Int()
	if err != nil {
		return false, fmt.Errorf("release %s: %w", l.what, err)
	}
	return n == 1, nil
}

// releaseTimeout bounds the release Keep makes on its way out, after its
// context ended.
const releaseTimeout = 2 * time.Second

// Keep keeps a taken lease: it renews it every third of its TTL until ctx
// ends, then releases it and returns nil (or the release's error; the
// lease then expires by itself). When a renewal fails or finds the lease
// lost, it calls onLost (if not nil) with the cause, which wraps
// ErrLeaseLost, then releases what may still be held, and returns the
// cause: after a Redis error the lease may expire before the next
// attempt, and two holders must never overlap, so the holder stops at
// once, before the release's round trip.
func (l *Lease) Keep(ctx context.Context, onLost func(error)) error {
	lost := l.renewUntilLost(ctx)
	if lost != nil && onLost != nil {
		onLost(lost)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	_, rerr := l.Release(rctx)
	if lost != nil {
		return lost
	}
	return rerr
}

// renewUntilLost renews the lease every third of its TTL. It returns nil
// when ctx ends, and the cause, wrapping ErrLeaseLost, when a renewal
// fails or finds the lease lost.
func (l *Lease) renewUntilLost(ctx context.Context) error {
	t := time.NewTicker(max(l.ttl/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		ok, err := l.Renew(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			return fmt.Errorf("%w: %w", ErrLeaseLost, err)
		case !ok:
			return fmt.Errorf("%s: %w", l.what, ErrLeaseLost)
		}
	}
}

// LeaseSource takes or renews the lease on polling source id for holder,
// for ttl, so that one instance at a time polls a source. When another
// holder has it, it returns false and the time left on that holder's
// lease.
// It is SourceLease(id, holder, ttl).Take for a poller that takes the
// lease at each poll (feeds.LeasedPoller): the take extends it.
func (s *Store) LeaseSource(ctx context.Context, id, holder string, ttl time.Duration) (ok bool, left time.Duration, err error) {
	token, left, err := s.SourceLease(id, holder, ttl).Take(ctx)
	return token > 0, left, err
}

// ExtendSources takes or extends holder's leases on many sources, each
// for its own TTL, in one round trip (a pipeline; a Cluster client splits
// it by node): feeds.LeasedPoller extends the lease of each source it
// polled to that source's next poll. held[i] reports whether holder holds
// leases[i] now; a lease another instance holds is left alone. errs is
// nil when every lease was asked about, else errs[i] is the error of
// leases[i] (nil for those asked).
func (s *Store) ExtendSources(ctx context.Context, holder string, leases []feeds.SourceLeaseTTL) (held []bool, errs []error) {
	held = make([]bool, len(leases))
	calls := make([]scriptCall, len(leases))
	for i, x := range leases {
		l := s.SourceLease(x.ID, holder, x.TTL)
		if l.err != nil {
			if errs == nil {
				errs = make([]error, len(leases))
			}
			errs[i] = l.err
			continue
		}
		calls[i] = scriptCall{script: leaseTakeScript, keys: []string{l.key, keyLeaseFence(l.key)},
			args: []any{holder, pxMillis(x.TTL), pxMillis(leaseFenceKeep)}}
	}
	if errs != nil {
		return held, errs // a caller's mistake: nothing sent
	}
	for i, c := range s.runScripts(ctx, calls) {
		res, err := c.Int64Slice()
		if err == nil && len(res) != 2 {
			err = fmt.Errorf("unexpected script reply %v", res)
		}
		if err != nil {
			if errs == nil {
				errs = make([]error, len(leases))
			}
			errs[i] = fmt.Errorf("extend lease source %s: %w", leases[i].ID, err)
			continue
		}
		held[i] = res[0] == 1
	}
	return held, errs
}

// ReleaseSources gives up holder's leases on the sources ids, in one
// round trip (a pipeline), so that another instance may poll them at once
// (at shutdown, or when a source is removed or paused). Leases that holder
// does not hold are left alone.
func (s *Store) ReleaseSources(ctx context.Context, holder string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			// EVAL, not EVALSHA: a pipeline cannot fall back on
			// NOSCRIPT, and the script is a few bytes.
			leaseReleaseScript.Eval(ctx, p, []string{s.keySourceLease(id)}, holder)
		}
		return nil
	})
	if err != nil {
		for i, c := range cmds {
			if e := c.Err(); e != nil && !errors.Is(e, redis.Nil) {
				return fmt.Errorf("release source %s: %w", ids[i], e)
			}
		}
		return fmt.Errorf("release sources: %w", err)
	}
	return nil
}
