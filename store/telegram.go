package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Telegram keys share the {tg} hash tag, so the scripts below, which read
// the lease and write the offset together, run in one Cluster slot.
const tagTelegram = "{tg}"

// keyTelegramOffset is a STRING: the getUpdates offset to resume from (the
// last handled update_id + 1). Constant size; no TTL, so a restart after
// any pause resumes where the last poller stopped. It belongs to one bot:
// after a change of bot token, delete it.
func (s *Store) keyTelegramOffset() string { return s.prefix + tagTelegram + ":offset" }

// keyTelegramLease is a STRING: the holder id of the instance allowed to
// call getUpdates. TTL: the lease's, renewed by its holder; it expires when
// the holder dies, which is how another instance takes over.
func (s *Store) keyTelegramLease() string { return s.prefix + tagTelegram + ":lease" }

// keyTelegramUpdate is a STRING: the handling state of one update
// ("pending" while a handler runs, "done" after), so that an update
// delivered twice is handled once. TTL: the claim's while pending,
// UpdateKeep once done.
func (s *Store) keyTelegramUpdate(updateID int) string {
	return s.prefix + tagTelegram + ":upd:" + strconv.Itoa(updateID)
}

// UpdateKeep is how long a handled update id is remembered. Telegram
// re-delivers an update only until the offset moves past it, which the
// poller does within one batch, or retries a webhook call for a short
// while; an hour covers both with a wide margin.
const UpdateKeep = time.Hour

// UpdateState is what BeginUpdate found for an update.
type UpdateState int

const (
	// UpdateNew: nobody had claimed the update; the caller now holds the
	// claim and must handle it, then call FinishUpdate.
	UpdateNew UpdateState = iota
	// UpdatePending: another handler claimed it and has not finished; its
	// claim expires if that handler died.
	UpdatePending
	// UpdateDone: the update was handled already.
	UpdateDone
)

// String names the state, for logs and test failures.
func (s UpdateState) String() string {
	switch s {
	case UpdateNew:
		return "new"
	case UpdatePending:
		return "pending"
	case UpdateDone:
		return "done"
	}
	return "UpdateState(" + strconv.Itoa(int(s)) + ")"
}

const (
	updatePending = "pending"
	updateDone    = "done"
)

// acquireLeaseScript takes the lease if it is free, or extends it if the
// caller already holds it (so a holder that lost track after a Redis
// error gets it back without waiting for the expiry).
//
// KEYS[1] lease; ARGV[1] holder, ARGV[2] TTL (ms). Returns 1 if the caller
// holds the lease now, 0 otherwise.
var acquireLeaseScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

// renewLeaseScript extends the lease only if the caller still holds it: a
// holder whose lease expired and was taken must not take it back.
//
// KEYS[1] lease; ARGV[1] holder, ARGV[2] TTL (ms). Returns 1 or 0.
var renewLeaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

// releaseLeaseScript deletes the lease only if the caller holds it.
//
// KEYS[1] lease; ARGV[1] holder. Returns 1 if released, 0 otherwise.
var releaseLeaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`)

// saveOffsetScript stores the offset if the caller holds the lease
// (fencing: a poller that lost the lease while handling a batch must not
// overwrite what the new holder stored) and only forwards, so a late
// write never makes Telegram re-deliver.
//
// KEYS[1] lease, KEYS[2] offset; ARGV[1] holder, ARGV[2] offset. Returns 1
// if the caller holds the lease (whether or not the value moved), 0 if not.
var saveOffsetScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[2]) > cur then
  redis.call('SET', KEYS[2], ARGV[2])
end
return 1
`)

// beginUpdateScript claims an update for handling.
//
// KEYS[1] update marker; ARGV[1] claim TTL (ms). Returns "new" when
// claimed, otherwise the marker's value ("pending" or "done").
var beginUpdateScript = redis.NewScript(`
if redis.call('SET', KEYS[1], '` + updatePending + `', 'NX', 'PX', ARGV[1]) then
  return 'new'
end
return redis.call('GET', KEYS[1])
`)

// AcquireLease tries to become the one instance that polls Telegram's
// getUpdates, for ttl. It reports whether holder holds the lease now:
// true if it was free or already held by holder (then extended), false if
// another holder has it.
func (s *Store) AcquireLease(ctx context.Context, holder string, ttl time.Duration) (bool, error) {
	if holder == "" {
		return false, errors.New("acquire telegram lease: empty holder")
	}
	n, err := acquireLeaseScript.Run(ctx, s.rdb, []string{s.keyTelegramLease()}, holder, pxMillis(ttl)).Int()
	if err != nil {
		return false, fmt.Errorf("acquire telegram lease: %w", err)
	}
	return n == 1, nil
}

// RenewLease extends holder's lease to ttl from now. It reports false if
// holder no longer holds it (it expired, and perhaps another instance took
// it): the caller must stop polling at once.
func (s *Store) RenewLease(ctx context.Context, holder string, ttl time.Duration) (bool, error) {
	n, err := renewLeaseScript.Run(ctx, s.rdb, []string{s.keyTelegramLease()}, holder, pxMillis(ttl)).Int()
	if err != nil {
		return false, fmt.Errorf("renew telegram lease: %w", err)
	}
	return n == 1, nil
}

// ReleaseLease gives the lease up, if holder holds it, so that another
// instance takes over without waiting for the expiry. It reports whether
// it did.
func (s *Store) ReleaseLease(ctx context.Context, holder string) (bool, error) {
	n, err := releaseLeaseScript.Run(ctx, s.rdb, []string{s.keyTelegramLease()}, holder).Int()
	if err != nil {
		return false, fmt.Errorf("release telegram lease: %w", err)
	}
	return n == 1, nil
}

// LeaseHolder returns the current holder of the lease, "" when free.
func (s *Store) LeaseHolder(ctx context.Context) (string, error) {
	h, err := s.rdb.Get(ctx, s.keyTelegramLease()).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read telegram lease: %w", err)
	}
	return h, nil
}

// TelegramOffset returns the stored getUpdates offset, 0 when none was
// stored (getUpdates then starts with the oldest unconfirmed update).
func (s *Store) TelegramOffset(ctx context.Context) (int, error) {
	v, err := s.rdb.Get(ctx, s.keyTelegramOffset()).Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read telegram offset: %w", err)
	}
	return v, nil
}

// SaveTelegramOffset stores offset (the last handled update_id + 1) if
// holder holds the lease; a lower offset than the stored one is ignored.
// It reports false, storing nothing, when holder does not hold the lease.
func (s *Store) SaveTelegramOffset(ctx context.Context, holder string, offset int) (bool, error) {
	keys := []string{s.keyTelegramLease(), s.keyTelegramOffset()}
	n, err := saveOffsetScript.Run(ctx, s.rdb, keys, holder, offset).Int()
	if err != nil {
		return false, fmt.Errorf("save telegram offset: %w", err)
	}
	return n == 1, nil
}

// BeginUpdate claims an update for handling, for at most claim: the
// handler then calls FinishUpdate. If the handler's process dies first,
// the claim expires and a re-delivery is handled again; until then
// BeginUpdate answers UpdatePending. An update already finished answers
// UpdateDone.
func (s *Store) BeginUpdate(ctx context.Context, updateID int, claim time.Duration) (UpdateState, error) {
	v, err := beginUpdateScript.Run(ctx, s.rdb, []string{s.keyTelegramUpdate(updateID)}, pxMillis(claim)).Text()
	if err != nil {
		return 0, fmt.Errorf("claim telegram update %d: %w", updateID, err)
	}
	switch v {
	case "new":
		return UpdateNew, nil
	case updateDone:
		return UpdateDone, nil
	}
	return UpdatePending, nil
}

// FinishUpdate records that an update was handled, for UpdateKeep.
func (s *Store) FinishUpdate(ctx context.Context, updateID int) error {
	if err := s.rdb.Set(ctx, s.keyTelegramUpdate(updateID), updateDone, UpdateKeep).Err(); err != nil {
		return fmt.Errorf("finish telegram update %d: %w", updateID, err)
	}
	return nil
}

// MarkUpdate records an update as handled unless it already was (or is
// being handled), and reports whether this call marked it: the
// at-most-once check a webhook needs, where Telegram retries a call it saw
// no answer to. It suits bot.WebhookHandler's dedup argument.
func (s *Store) MarkUpdate(ctx context.Context, updateID int) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.keyTelegramUpdate(updateID), updateDone, UpdateKeep).Result()
	if err != nil {
		return false, fmt.Errorf("mark telegram update %d: %w", updateID, err)
	}
	return ok, nil
}

// pxMillis is d in whole milliseconds, at least 1 (PX refuses 0).
func pxMillis(d time.Duration) int64 { return max(d.Milliseconds(), 1) }
