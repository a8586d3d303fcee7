package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// keyInstances is a ZSET: instance name → the end of its liveness (ms,
// Redis clock). Bound: the running instances; members past their end are
// removed by every Heartbeat, and the key's TTL is the longest heartbeat
// TTL, so it vanishes when every instance stops.
func (s *Store) keyInstances() string { return s.prefix + "{instances}" }

// heartbeatScript records an instance alive and lists the live ones.
//
// KEYS[1] instances; ARGV[1] instance, ARGV[2] TTL (ms). Returns the
// live members (any order).
var heartbeatScript = luaScript("heartbeat")

// Heartbeat records instance as alive until now+ttl (Redis's clock, so
// skewed instances agree) and returns the live instances, sorted by name,
// instance included. Instances whose last heartbeat is older than its ttl
// are dropped. Senders use the list to share the outbox partitions fairly.
func (s *Store) Heartbeat(ctx context.Context, instance string, ttl time.Duration) ([]string, error) {
	if instance == "" {
		return nil, fmt.Errorf("heartbeat: empty instance name")
	}
	if ttl < time.Millisecond {
		return nil, fmt.Errorf("heartbeat %s: ttl %v under 1ms", instance, ttl)
	}
	live, err := heartbeatScript.Run(ctx, s.rdb, []string{s.keyInstances()}, instance, ttl.Milliseconds()).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("heartbeat %s: %w", instance, err)
	}
	slices.Sort(live)
	return live, nil
}

// Leave removes instance from the live instances at once (at shutdown),
// so the others take over its share without waiting for its ttl.
func (s *Store) Leave(ctx context.Context, instance string) error {
	if err := s.rdb.ZRem(ctx, s.keyInstances(), instance).Err(); err != nil {
		return fmt.Errorf("leave %s: %w", instance, err)
	}
	return nil
}
