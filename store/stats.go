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

// Counter is the name of a shared counter: the field of its hour totals
// in the hour hashes. It must not contain '@'. Writers and readers use
// the constants below (and SourceAlerts), never a bare string, so that a
// renamed counter cannot silently leave /stats reading another.
type Counter string

// The counters /stats and /feeds show.
const (
	// CounterAlerts counts new urgent stories (the pipeline).
	CounterAlerts Counter = "alerts"
	// CounterDeliveries counts messages sent to subscribers (the sender).
	CounterDeliveries Counter = "deliveries"
	// CounterDeliveriesFailed counts deliveries given up on (the sender).
	CounterDeliveriesFailed Counter = "deliveries:failed"
	// CounterTelegramErrors counts Telegram API errors met sending (the
	// sender).
	CounterTelegramErrors Counter = "telegram_errors"
	// CounterDeadLetters counts deliveries moved to the dead letters (the
	// sender).
	CounterDeadLetters Counter = "dead_letters"
	// CounterBlocked counts subscribers found to have blocked the bot
	// (the sender).
	CounterBlocked Counter = "blocked"
	// CounterTooManyRequests counts Telegram's 429 answers to sends (the
	// sender's sends and edits); the sends' are also in
	// CounterTelegramErrors.
	CounterTooManyRequests Counter = "telegram_429"
)

// Counters returns every counter of the list above, in that order: what
// /stats reads.
func Counters() []Counter {
	return []Counter{CounterAlerts, CounterDeliveries, CounterDeliveriesFailed,
		CounterTelegramErrors, CounterDeadLetters, CounterBlocked, CounterTooManyRequests}
}

// SourceAlerts is the counter of one source's alerts, which /feeds and
// /feed show: "alerts:src:ID".
func SourceAlerts(id string) Counter { return CounterAlerts + ":src:" + Counter(id) }

// SourceItems is the counter of one source's new items (not seen
// before, baseline polls excluded), which the web console's Sources page
// shows: "items:src:ID".
func SourceItems(id string) Counter { return "items:src:" + Counter(id) }

// SourceUrgentItems is the counter of one source's new items that were
// urgent: "urgent:src:ID".
func SourceUrgentItems(id string) Counter { return "urgent:src:" + Counter(id) }

// minuteField is the field of c's count in minute m (0–59) of an hour.
func minuteField(c Counter, m int64) string {
	return string(c) + "@" + fmt.Sprintf("%02d", m)
}

// Add adds n to counter c now (minute resolution, kept 25 h).
func (s *Store) Add(ctx context.Context, c Counter, n int64) error {
	return s.AddAt(ctx, c, n, time.Now())
}

// AddAt is Add at a given time (the caller's clock): the minute and hour
// n is added to.
func (s *Store) AddAt(ctx context.Context, c Counter, n int64, now time.Time) error {
	return s.AddMany(ctx, map[Counter]int64{c: n}, now)
}

// AddMany adds several counters at once, at now, in one round trip: n of
// each counter of counts.
func (s *Store) AddMany(ctx context.Context, counts map[Counter]int64, now time.Time) error {
	what := fmt.Sprintf("%d counters", len(counts))
	for c := range counts {
		if c == "" {
			return errors.New("count: empty counter name")
		}
		if len(counts) == 1 {
			what = string(c)
		}
	}
	if len(counts) == 0 {
		return nil
	}
	hour, minute := hourMinute(now)
	key := s.keyStatsHour(hour)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for c, n := range counts {
			p.HIncrBy(ctx, key, string(c), n)
			p.HIncrBy(ctx, key, minuteField(c, minute), n)
		}
		p.Expire(ctx, key, StatsKeep)
		return nil
	})
	if err != nil {
		return fmt.Errorf("count %s: %w", what, err)
	}
	return nil
}

// Counts returns a counter's sums for the last hour (the current minute
// and the 59 before it) and the last day (hour granularity: the current
// clock hour and the 23 before it).
func (s *Store) Counts(ctx context.Context, c Counter) (lastHour, lastDay int64, err error) {
	return s.CountsAt(ctx, c, time.Now())
}

// CountsAt is Counts as seen at now (the caller's clock).
func (s *Store) CountsAt(ctx context.Context, c Counter, now time.Time) (lastHour, lastDay int64, err error) {
	m, err := s.CountsManyAt(ctx, []Counter{c}, now)
	if err != nil {
		return 0, 0, err
	}
	v := m[c]
	return v[0], v[1], nil
}

// CountsMany is Counts of several counters in one round trip, for /stats
// and lists such as /feeds' per-source counts: counter → {last hour, last
// day}. Every counter has an entry, zero when never counted.
func (s *Store) CountsMany(ctx context.Context, names []Counter) (map[Counter][2]int64, error) {
	return s.CountsManyAt(ctx, names, time.Now())
}

// CountsManyAt is CountsMany as seen at now (the caller's clock).
func (s *Store) CountsManyAt(ctx context.Context, names []Counter, now time.Time) (map[Counter][2]int64, error) {
	out := make(map[Counter][2]int64, len(names))
	if len(names) == 0 {
		return out, nil
	}
	hour, minute := hourMinute(now)
	// Current hour: totals and minutes 0…minute; previous hour: totals
	// and minutes minute+1…59; the 22 hours before: totals only.
	fields := func(from, to int64) []string {
		f := make([]string, 0, len(names)*int(to-from+2))
		for _, n := range names {
			f = append(f, string(n))
			for m := from; m <= to; m++ {
				f = append(f, minuteField(n, m))
			}
		}
		return f
	}
	totals := make([]string, len(names))
	for i, n := range names {
		totals[i] = string(n)
	}
	cmds := make([]*redis.SliceCmd, statsHours)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		cmds[0] = p.HMGet(ctx, s.keyStatsHour(hour), fields(0, minute)...)
		cmds[1] = p.HMGet(ctx, s.keyStatsHour(hour-1), fields(minute+1, 59)...)
		for i := 2; i < statsHours; i++ {
			cmds[i] = p.HMGet(ctx, s.keyStatsHour(hour-int64(i)), totals...)
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

// MinuteCount returns counter c's count in the clock minute that t is
// in (the caller's clock). One round trip.
func (s *Store) MinuteCount(ctx context.Context, c Counter, t time.Time) (int64, error) {
	hour, minute := hourMinute(t)
	v, err := s.rdb.HGet(ctx, s.keyStatsHour(hour), minuteField(c, minute)).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read counter %s: %w", c, err)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read counter %s: %w", c, err)
	}
	return n, nil
}

// hourMinute is the clock hour (Unix s / 3600) and its minute (0–59)
// that t is in.
func hourMinute(t time.Time) (hour, minute int64) {
	sec := t.Unix()
	minute = floorDiv(sec, 60) % 60
	if minute < 0 {
		minute += 60
	}
	return floorDiv(sec, 3600), minute
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
