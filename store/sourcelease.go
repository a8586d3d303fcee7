package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// keySourceLease is a STRING: the holder id of the instance polling
// source id. TTL: the lease's, renewed by its holder while it polls; it
// expires when the holder dies, which is how another instance takes over.
// It shares the source's hash tag, so it sits in the slot of the source's
// other keys.
func (s *Store) keySourceLease(id string) string { return s.srcTag(id) + ":lease" }

// leaseSourceScript takes the lease if it is free, or renews it if the
// caller already holds it.
//
// KEYS[1] lease; ARGV[1] holder, ARGV[2] TTL (ms). Returns {1, 0} when the
// caller holds the lease now, else {0, the other holder's PTTL (ms)}.
var leaseSourceScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, 0}
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, 0}
end
return {0, redis.call('PTTL', KEYS[1])}
`)

// releaseSourceScript deletes the lease only if the caller holds it.
//
// KEYS[1] lease; ARGV[1] holder. Returns 1 if released, 0 otherwise.
var releaseSourceScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// LeaseSource takes or renews the lease on polling source id for holder,
// for ttl, so that one instance at a time polls a source. When another
// holder has it, it returns false and the time left on that holder's
// lease.
func (s *Store) LeaseSource(ctx context.Context, id, holder string, ttl time.Duration) (ok bool, left time.Duration, err error) {
	if holder == "" {
		return false, 0, fmt.Errorf("lease source %s: empty holder", id)
	}
	if ttl < time.Millisecond {
		return false, 0, fmt.Errorf("lease source %s: ttl %v under 1ms", id, ttl)
	}
	res, err := leaseSourceScript.Run(ctx, s.rdb, []string{s.keySourceLease(id)}, holder, ttl.Milliseconds()).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("lease source %s: %w", id, err)
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("lease source %s: unexpected script reply %v", id, res)
	}
	if res[0] == 1 {
		return true, 0, nil
	}
	// PTTL is -1 for a lease without expiry (never written so by us) and
	// -2 for none; neither leaves a positive time to wait.
	return false, time.Duration(max(res[1], 0)) * time.Millisecond, nil
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
			releaseSourceScript.Eval(ctx, p, []string{s.keySourceLease(id)}, holder)
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
