package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Counters for /stats and /feeds, shared by all instances. Each clock
// hour has one HASH holding, per counter name, the hour's total (field
// "NAME") and the per-minute counts (fields "NAME@MM", MM the minute
// 00–59). The last hour is summed from minutes, the last day from hour
// totals. All hashes share the {stats} hash tag, so one pipeline reads a
// day of them from one Cluster node.
const tagStats = "{stats}"

// StatsKeep is how long an hour's counter hash outlives its last write.
// The last day reads the current hour and the 23 before it, so the
// oldest hash read was last written at most 24 h before.
const StatsKeep = 25 * time.Hour

// statsHours is how many hour hashes the last day sums: the current hour
// and the 23 before it.
const statsHours = 24

// keyStatsHour is a HASH: counter name → that hour's total, and
// "NAME@MM" → that minute's count. hour is Unix seconds / 3600. Bound: one
// per clock hour; TTL StatsKeep (25 h), refreshed by every Count.
func (s *Store) keyStatsHour(hour int64) string {
	return s.prefix + tagStats + ":" + strconv.FormatInt(hour, 10)
}

// minuteField is the field of name's count in minute m (0–59) of an hour.
func minuteField(name string, m int64) string {
	return name + "@" + fmt.Sprintf("%02d", m)
}

// Count adds n to the named counter now (minute resolution, kept 25 h).
// Names used: "alerts", "alerts:src:ID", "deliveries",
// "deliveries:failed", "telegram_errors", "dead_letters", "blocked". A
// name must not contain '@'.
func (s *Store) Count(ctx context.Context, name string, n int64) error {
	return s.CountAt(ctx, name, n, time.Now())
}

// CountAt is Count at a given time (the caller's clock): the minute and
// hour n is added to.
func (s *Store) CountAt(ctx context.Context, name string, n int64, now time.Time) error {
	if name == "" {
		return errors.New("count: empty counter name")
	}
	sec := now.Unix()
	key := s.keyStatsHour(floorDiv(sec, 3600))
	minute := floorDiv(sec, 60) % 60
	if minute < 0 {
		minute += 60
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, key, name, n)
		p.HIncrBy(ctx, key, minuteField(name, minute), n)
		p.Expire(ctx, key, StatsKeep)
		return nil
	})
	if err != nil {
		return fmt.Errorf("count %s: %w", name, err)
	}
	return nil
}

// Counts returns a counter's sums for the last hour (the current minute
// and the 59 before it) and the last day (hour granularity: the current
// clock hour and the 23 before it).
func (s *Store) Counts(ctx context.Context, name string) (lastHour, lastDay int64, err error) {
	return s.CountsAt(ctx, name, time.Now())
}

// CountsAt is Counts as seen at now (the caller's clock).
func (s *Store) CountsAt(ctx context.Context, name string, now time.Time) (lastHour, lastDay int64, err error) {
	m, err := s.CountsManyAt(ctx, []string{name}, now)
	if err != nil {
		return 0, 0, err
	}
	c := m[name]
	return c[0], c[1], nil
}

// CountsMany is Counts of several counters in one round trip, for lists
// such as /feeds' per-source counts: name → {last hour, last day}. Every
// name has an entry, zero when never counted.
func (s *Store) CountsMany(ctx context.Context, names []string) (map[string][2]int64, error) {
	return s.CountsManyAt(ctx, names, time.Now())
}

// CountsManyAt is CountsMany as seen at now (the caller's clock).
func (s *Store) CountsManyAt(ctx context.Context, names []string, now time.Time) (map[string][2]int64, error) {
	out := make(map[string][2]int64, len(names))
	if len(names) == 0 {
		return out, nil
	}
	sec := now.Unix()
	hour := floorDiv(sec, 3600)
	minute := floorDiv(sec, 60) % 60
	if minute < 0 {
		minute += 60
	}
	// Current hour: totals and minutes 0…minute; previous hour: totals
	// and minutes minute+1…59; the 22 hours before: totals only.
	fields := func(from, to int64) []string {
		f := make([]string, 0, len(names)*int(to-from+2))
		for _, n := range names {
			f = append(f, n)
			for m := from; m <= to; m++ {
				f = append(f, minuteField(n, m))
			}
		}
		return f
	}
	cmds := make([]*redis.SliceCmd, statsHours)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		cmds[0] = p.HMGet(ctx, s.keyStatsHour(hour), fields(0, minute)...)
		cmds[1] = p.HMGet(ctx, s.keyStatsHour(hour-1), fields(minute+1, 59)...)
		for i := 2; i < statsHours; i++ {
			cmds[i] = p.HMGet(ctx, s.keyStatsHour(hour-int64(i)), names...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read counters: %w", err)
	}
	for i, cmd := range cmds {
		vals := cmd.Val()
		per := len(vals) / len(names) // fields per name in this hash
		for j, name := range names {
			c := out[name]
			for k, v := range vals[j*per : (j+1)*per] {
				n, err := counterValue(v)
				if err != nil {
					return nil, fmt.Errorf("read counter %s: %w", name, err)
				}
				switch {
				case k == 0:
					c[1] += n // an hour total
				case i <= 1:
					c[0] += n // a minute of the last hour
				}
			}
			out[name] = c
		}
	}
	return out, nil
}

// counterValue reads one HMGET value: nil (missing) is 0.
func counterValue(v any) (int64, error) {
	if v == nil {
		return 0, nil
	}
	str, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("unexpected value %v", v)
	}
	return strconv.ParseInt(str, 10, 64)
}

// floorDiv is a/b rounded down, for times before 1970 as well.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
