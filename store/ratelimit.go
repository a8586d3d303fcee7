package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Telegram's send limits are shared by every instance, so they live in
// Redis as GCRA limiters ("generic cell rate algorithm": a token bucket
// that needs one timestamp per key, the theoretical arrival time or TAT,
// instead of a count and a refill time). All their keys share the {tg}
// hash tag, so one script reads and books the global and the chat's
// limiter together on a Cluster too.
//
// Times are integer microseconds of Redis's own clock (TIME), so
// instances with skewed clocks agree on them.

// keyRateGlobal is a STRING: the global limiter's TAT (µs, Redis clock).
// Constant size; expires rateKeyMargin (1 s) after its TAT, when it no
// longer matters.
func (s *Store) keyRateGlobal() string { return s.prefix + tagTelegram + ":rl:global" }

// keyRateChat is a STRING: one chat's limiter TAT (µs, Redis clock).
// Bound: one per chat sent to recently; expires rateKeyMargin (1 s)
// after its TAT (at most Interval·Burst after the chat's last send):
// from its TAT on, a missing key means the same as the stored one, so
// idle chats' keys vanish and memory stays flat.
func (s *Store) keyRateChat(chatID int64) string {
	return s.prefix + tagTelegram + ":rl:chat:" + strconv.FormatInt(chatID, 10)
}

// keyPenaltyGlobal is a STRING: the end (µs, Redis clock) of a 429
// penalty on every chat. TTL: the penalty's own plus rateKeyMargin (1 s),
// so it vanishes when it ends.
func (s *Store) keyPenaltyGlobal() string { return s.prefix + tagTelegram + ":pen:global" }

// keyPenaltyChat is a STRING: the end (µs, Redis clock) of a 429 penalty
// on one chat. Bound: one per chat penalised; TTL: the penalty's own plus
// rateKeyMargin (1 s).
func (s *Store) keyPenaltyChat(chatID int64) string {
	return s.prefix + tagTelegram + ":pen:chat:" + strconv.FormatInt(chatID, 10)
}

// rateKeyMargin is how long limiter and penalty keys outlive the instant
// after which they no longer matter. The keys hold the times themselves,
// so a longer life changes no decision; the margin only guards against
// servers whose expiry is coarse (the embedded server expires keys in
// ticks, so a key may go up to a tick early), where an early expiry would
// forget a TAT or a penalty.
const rateKeyMargin = time.Second

// Limit is a rate limit: one send per Interval on average, up to Burst at
// once after a quiet spell. Over any window of length W it allows at most
// Burst + floor(W/Interval) sends.
type Limit struct {
	// Interval is the average time between sends; 0 means no limit.
	Interval time.Duration
	// Burst is how many sends may go at once, at least 1 (smaller values
	// count as 1).
	Burst int
}

// Refusal says what made Reserve refuse a send.
type Refusal int

const (
	// NotRefused: the send was booked.
	NotRefused Refusal = iota
	// RefusedPenalty: a 429 penalty (the chat's or the global one) runs.
	RefusedPenalty
	// RefusedChat: the chat's own limit allows no send now.
	RefusedChat
	// RefusedGlobal: the next free global slot is further away than
	// maxAhead.
	RefusedGlobal
)

// String names the refusal, for logs and test failures.
func (r Refusal) String() string {
	switch r {
	case NotRefused:
		return "booked"
	case RefusedPenalty:
		return "penalty"
	case RefusedChat:
		return "chat"
	case RefusedGlobal:
		return "global"
	}
	return "Refusal(" + strconv.Itoa(int(r)) + ")"
}

// Reservation is the outcome of ReserveAt.
type Reservation struct {
	// OK: a send was booked; the caller sleeps Wait and sends.
	OK bool
	// Wait is the time from Now to the booked slot (OK), or until a
	// retry may succeed (not OK).
	Wait time.Duration
	// Now is Redis's clock at the reservation.
	Now time.Time
	// Refused says why nothing was booked (NotRefused when OK).
	Refused Refusal
}

// At is the booked slot (OK) or the earliest instant worth retrying, on
// Redis's clock.
func (r Reservation) At() time.Time { return r.Now.Add(r.Wait) }

// reserveScript books a send under the global and the chat's GCRA.
//
// KEYS[1] global TAT, KEYS[2] chat TAT, KEYS[3] global penalty, KEYS[4]
// chat penalty. ARGV[1] global interval (µs), ARGV[2] global burst,
// ARGV[3] chat interval (µs), ARGV[4] chat burst, ARGV[5] maxAhead (µs),
// ARGV[6] expiry margin (ms).
// Returns {refusal (0 booked, 1 penalty, 2 chat, 3 global), wait (µs),
// now (µs)}.
//
// A GCRA with interval T and burst b admits a send at t when
// t ≥ TAT − (b−1)·T and then moves TAT to max(TAT, t) + T. The chat is
// checked at now and books nothing when it refuses, so a chat at its limit
// never takes global slots from other chats. The global limiter books the
// next slot it admits, which may be in the future (up to maxAhead): that
// is the queue, and callers wait for their slot rather than retrying.
// Booking the chat at that slot t (≥ now, so admitted) keeps both
// limiters exact at the instants sends actually happen.
//
// Numbers are formatted with %.0f before going to Redis: Lua would print
// microsecond timestamps in %.14g, losing digits.
var reserveScript = luaScript("reserve")

// penalizeScript sets a penalty's end to now + d unless it already ends
// later: a shorter retry_after never shortens a running penalty.
//
// KEYS[1] penalty; ARGV[1] d (µs), ARGV[2] expiry margin (ms). Returns 1 if the end moved, 0 if not.
var penalizeScript = luaScript("penalize")

// limitArgs checks l and returns its interval (µs) and burst.
func limitArgs(l Limit) (int64, int, error) {
	if l.Interval < 0 {
		return 0, 0, fmt.Errorf("negative interval %v", l.Interval)
	}
	return l.Interval.Microseconds(), max(l.Burst, 1), nil
}

// ReserveAt books a send to chatID under the global limit and the chat's
// limit (chatLimit).
//
// If the chat's own limit (or a penalty, see Penalize) does not allow a
// send now, the Reservation is not OK and books nothing; its Wait is when
// a retry may succeed. Otherwise it finds the next free global slot
// t ≥ now; if t−now > maxAhead it is refused without booking; else it
// books both limiters and is OK with Wait t−now: the caller sleeps until
// then and sends. Every send to Telegram, alert or command reply, goes
// through ReserveAt, so the limits hold across all of them and all
// instances.
//
// The Reservation also gives Redis's clock at the call (so the booked
// slot's absolute time) and why a send was refused.
func (s *Store) ReserveAt(ctx context.Context, chatID int64, global, chatLimit Limit, maxAhead time.Duration) (Reservation, error) {
	gT, gB, err := limitArgs(global)
	if err != nil {
		return Reservation{}, fmt.Errorf("reserve send to %d: global limit: %w", chatID, err)
	}
	cT, cB, err := limitArgs(chatLimit)
	if err != nil {
		return Reservation{}, fmt.Errorf("reserve send to %d: chat limit: %w", chatID, err)
	}
	keys := []string{s.keyRateGlobal(), s.keyRateChat(chatID), s.keyPenaltyGlobal(), s.keyPenaltyChat(chatID)}
	res, err := reserveScript.Run(ctx, s.rdb, keys, gT, gB, cT, cB, max(maxAhead, 0).Microseconds(), rateKeyMargin.Milliseconds()).Slice()
	if err != nil {
		return Reservation{}, fmt.Errorf("reserve send to %d: %w", chatID, err)
	}
	r, err := parseReservation(res)
	if err != nil {
		return Reservation{}, fmt.Errorf("reserve send to %d: %w", chatID, err)
	}
	return r, nil
}

// parseReservation reads reserveScript's reply.
func parseReservation(res []any) (Reservation, error) {
	if len(res) != 3 {
		return Reservation{}, fmt.Errorf("unexpected script reply %v", res)
	}
	code, ok := res[0].(int64)
	if !ok {
		return Reservation{}, fmt.Errorf("unexpected script reply %v", res)
	}
	var us [2]int64
	for i, v := range res[1:] {
		str, ok := v.(string)
		if !ok {
			return Reservation{}, fmt.Errorf("unexpected script reply %v", res)
		}
		n, err := strconv.ParseInt(str, 10, 64)
		if err != nil {
			return Reservation{}, fmt.Errorf("unexpected script reply %v: %w", res, err)
		}
		us[i] = n
	}
	return Reservation{
		OK:      code == 0,
		Wait:    time.Duration(us[0]) * time.Microsecond,
		Now:     time.UnixMicro(us[1]),
		Refused: Refusal(code),
	}, nil
}

// Penalize makes Reserve refuse sends to chatID (chatID 0: every chat)
// for d, a 429's retry_after. A penalty is only ever extended: a shorter
// d while a longer penalty runs changes nothing.
func (s *Store) Penalize(ctx context.Context, chatID int64, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	key := s.keyPenaltyGlobal()
	if chatID != 0 {
		key = s.keyPenaltyChat(chatID)
	}
	if err := penalizeScript.Run(ctx, s.rdb, []string{key}, d.Microseconds(), rateKeyMargin.Milliseconds()).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("penalize chat %d for %v: %w", chatID, d, err)
	}
	return nil
}
