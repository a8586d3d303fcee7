package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	return s.keyTelegramUpdatePrefix() + strconv.Itoa(updateID)
}

// keyTelegramUpdatePrefix is keyTelegramUpdate without the update id.
func (s *Store) keyTelegramUpdatePrefix() string { return s.prefix + tagTelegram + ":upd:" }

// keyTelegramInFlight is a HASH: update_id → the update's JSON, for every
// update claimed by a handler and not finished, so the poller's offset
// can move past updates still being handled and a handler that dies
// loses nothing: the next poller handles its updates once their claim
// expired (ClaimAbandonedUpdates). FinishUpdate removes a field. Size:
// bounded by the poller (maxHeldUpdates per holder); TTL: UpdateKeep,
// renewed at each claim, so entries no poller takes up go with it.
func (s *Store) keyTelegramInFlight() string { return s.prefix + tagTelegram + ":inflight" }

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

// saveOffsetScript stores the offset if the caller holds the poller's
// lease (see lua/save_offset.lua).
var saveOffsetScript = luaScript("save_offset")

// beginUpdateScript claims an update for handling and, when given its
// JSON, keeps it in the in-flight hash in the same step.
//
// KEYS[1] update marker, KEYS[2] in-flight hash; ARGV[1] claim TTL (ms),
// ARGV[2] update id, ARGV[3] JSON ("" to keep none), ARGV[4] the hash's
// TTL (ms). Returns "new" when claimed, otherwise the marker's value
// ("pending" or "done").
var beginUpdateScript = luaScript("begin_update", "PENDING", updatePending)

// finishUpdateScript marks an update done and drops its kept JSON.
//
// KEYS[1] update marker, KEYS[2] in-flight hash; ARGV[1] update id,
// ARGV[2] UpdateKeep (ms).
var finishUpdateScript = luaScript("finish_update", "DONE", updateDone)

// releaseUpdateScript ends a claim without finishing the update, so that
// the next ClaimAbandonedUpdates takes it at once.
//
// KEYS[1] update marker. Returns 1 if a pending claim was ended.
var releaseUpdateScript = luaScript("release_update", "PENDING", updatePending)

// claimAbandonedScript claims again the kept updates whose claim is gone
// (expired or released), drops those found done, and returns the claimed
// ones as id, JSON, id, JSON, ... The markers share the {tg} hash tag
// with the hash, so they live in its Cluster slot.
//
// KEYS[1] in-flight hash; ARGV[1] marker key prefix, ARGV[2] claim TTL
// (ms), ARGV[3] the most updates to claim.
var claimAbandonedScript = luaScript("claim_abandoned", "PENDING", updatePending, "DONE", updateDone)

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
	v, err := s.getInt64(ctx, s.keyTelegramOffset(), "read telegram offset")
	return int(v), err
}

// SaveTelegramOffset stores offset (the last handled update_id + 1) if
// f is the fence of the current holder of the poller's lease
// (TelegramLease): its holder and the token of its take. A lower offset
// than the stored one is ignored. It reports false, storing nothing, when
// f is not the current holder's.
func (s *Store) SaveTelegramOffset(ctx context.Context, f Fence, offset int) (bool, error) {
	lease := s.keyTelegramLease()
	keys := []string{lease, keyLeaseFence(lease), s.keyTelegramOffset()}
	n, err := saveOffsetScript.Run(ctx, s.rdb, keys, f.Holder, f.Token, offset).Int()
	if err != nil {
		return false, fmt.Errorf("save telegram offset: %w", err)
	}
	return n == 1, nil
}

// BeginUpdate claims an update for handling, for at most claim: the
// handler then calls FinishUpdate. If the handler's process dies first,
// the claim expires and a re-delivery is handled again; until then
// BeginUpdate answers UpdatePending. An update already finished answers
// UpdateDone. When raw (the update's JSON) is not empty, a new claim
// keeps it in Redis too, until FinishUpdate, so that the update need not
// be delivered again: ClaimAbandonedUpdates hands it out once the claim
// is gone.
func (s *Store) BeginUpdate(ctx context.Context, updateID int, raw []byte, claim time.Duration) (UpdateState, error) {
	keys := []string{s.keyTelegramUpdate(updateID), s.keyTelegramInFlight()}
	v, err := beginUpdateScript.Run(ctx, s.rdb, keys, pxMillis(claim), updateID, string(raw), pxMillis(UpdateKeep)).Text()
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

// FinishUpdate records that an update was handled, for UpdateKeep, and
// drops the JSON BeginUpdate kept.
func (s *Store) FinishUpdate(ctx context.Context, updateID int) error {
	keys := []string{s.keyTelegramUpdate(updateID), s.keyTelegramInFlight()}
	if err := finishUpdateScript.Run(ctx, s.rdb, keys, updateID, pxMillis(UpdateKeep)).Err(); err != nil {
		return fmt.Errorf("finish telegram update %d: %w", updateID, err)
	}
	return nil
}

// ReleaseUpdate ends the caller's claim on an update it will not handle
// (it shuts down, or lost the poller lease, before the update's turn), so
// that the next poller's ClaimAbandonedUpdates takes it without waiting
// for the claim to expire. A finished update stays finished.
func (s *Store) ReleaseUpdate(ctx context.Context, updateID int) error {
	if err := releaseUpdateScript.Run(ctx, s.rdb, []string{s.keyTelegramUpdate(updateID)}).Err(); err != nil {
		return fmt.Errorf("release telegram update %d: %w", updateID, err)
	}
	return nil
}

// AbandonedUpdate is a kept update whose handler died or gave it up.
type AbandonedUpdate struct {
	ID  int
	Raw []byte // the JSON BeginUpdate kept
}

// ClaimAbandonedUpdates claims, for claim, up to limit kept updates
// (BeginUpdate with their JSON) whose claim expired or was released
// without FinishUpdate, and returns them in update id order. The caller
// handles each, then calls FinishUpdate. Kept updates found finished are
// dropped.
func (s *Store) ClaimAbandonedUpdates(ctx context.Context, claim time.Duration, limit int) ([]AbandonedUpdate, error) {
	vals, err := claimAbandonedScript.Run(ctx, s.rdb, []string{s.keyTelegramInFlight()},
		s.keyTelegramUpdatePrefix(), pxMillis(claim), max(limit, 1)).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("claim abandoned telegram updates: %w", err)
	}
	out := make([]AbandonedUpdate, 0, len(vals)/2)
	for i := 0; i+1 < len(vals); i += 2 {
		id, err := strconv.Atoi(vals[i])
		if err != nil {
			continue // not written by BeginUpdate
		}
		out = append(out, AbandonedUpdate{ID: id, Raw: []byte(vals[i+1])})
	}
	slices.SortFunc(out, func(a, b AbandonedUpdate) int { return a.ID - b.ID })
	return out, nil
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
