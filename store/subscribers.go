package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Subscriber is a chat that receives alerts.
type Subscriber struct {
	ChatID int64 `json:"chat_id"`
	// Type is the Telegram chat type: private, group, supergroup or channel.
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
	// Lang is the language of replies and alerts: ar or en.
	Lang string `json:"lang,omitempty"`
	// Mode is urgent (urgent items only) or all (every item a rule matches).
	Mode string `json:"mode,omitempty"`
	// Media: alerts with a picture come as a photo with the alert as its
	// caption (/media on); off by default.
	Media bool `json:"media,omitempty"`
	// Sources are the followed source ids; empty means all.
	Sources []string `json:"sources,omitempty"`
	// Rules are the chat's rules, as written.
	Rules []string `json:"rules,omitempty"`
	// PausedUntil is the end of a /pause: zero when not paused, far in
	// the future for "until /resume".
	PausedUntil time.Time `json:"paused_until,omitzero"`
	// TZ is the chat's time zone (/tz), an IANA name; empty for the
	// configured delivery.timezone. See ChatLocation.
	TZ string `json:"tz,omitempty"`
	// Quiet is the chat's quiet hours (/quiet); nil when none.
	Quiet *Quiet `json:"quiet,omitempty"`
	// Digest is when the chat's non-urgent alerts are collected and
	// sent as one message: "hourly", "daily HH:MM", or empty (off: each
	// is sent at once). Urgent alerts are never held (digest.go).
	Digest string `json:"digest,omitempty"`
	// NoButtons turns off the inline buttons under alerts (/buttons off);
	// the zero value, and every record written before it existed, has them.
	NoButtons bool `json:"no_buttons,omitempty"`
	// Active is false when Telegram refuses to deliver to the chat
	// (blocked, kicked, deleted); it gets nothing until active again.
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// SubscriberState is what a subscriber receives now: active (alerts),
// paused (a /pause running) or stopped (Telegram refuses to deliver).
type SubscriberState string

// The states of a subscriber.
const (
	StateActive  SubscriberState = "active"
	StatePaused  SubscriberState = "paused"
	StateStopped SubscriberState = "stopped"
)

// State is the subscriber's state at now: stopped when not Active,
// paused while PausedUntil is after now, else active.
func (s Subscriber) State(now time.Time) SubscriberState {
	switch {
	case !s.Active:
		return StateStopped
	case s.PausedUntil.After(now):
		return StatePaused
	}
	return StateActive
}

// ErrTooManyRules is returned by AddRule when the chat has its maximum
// number of rules.
var ErrTooManyRules = errors.New("too many rules")

// ErrChangesTrimmed is returned by SubscriberChanges when the change log
// no longer reaches back to the version asked for (or Redis lost its
// data): the caller must reload every subscriber.
var ErrChangesTrimmed = errors.New("subscriber change log trimmed")

// subLogScript records subscriber changes: it bumps the version, updates
// the index and logs each changed chat at the new version, trimming the
// log to its bound and remembering the highest version trimmed.
//
// KEYS[1] ids SET, KEYS[2] version, KEYS[3] changes ZSET, KEYS[4] trimmed.
// ARGV[1] log cap, then pairs of op ('+' present, '-' gone) and chat id.
// Returns the new version.
var subLogScript = luaScript("sub_log")

// subChange is one entry for subLogScript.
type subChange struct {
	chatID  int64
	present bool
}

// logSubChanges runs subLogScript. It is a second step after the record
// write: a record and the global index live in different Cluster slots.
func (s *Store) logSubChanges(ctx context.Context, changes ...subChange) error {
	args := make([]any, 1, 1+2*len(changes))
	args[0] = s.opts.SubscriberLog
	for _, c := range changes {
		op := "-"
		if c.present {
			op = "+"
		}
		args = append(args, op, strconv.FormatInt(c.chatID, 10))
	}
	keys := []string{s.keySubscriberIDs(), s.keySubscribersVersion(), s.keySubscriberChanges(), s.keySubscriberTrimmed()}
	if err := subLogScript.Run(ctx, s.rdb, keys, args...).Err(); err != nil {
		return err
	}
	s.registryChanged(ctx, regSubscribers)
	return nil
}

// PutSubscriber creates or replaces a subscriber. CreatedAt is set when
// zero; UpdatedAt is set to now.
func (s *Store) PutSubscriber(ctx context.Context, sub Subscriber) error {
	if sub.ChatID == 0 {
		return errors.New("put subscriber: chat id 0")
	}
	now := time.Now().UTC()
	if sub.CreatedAt.IsZero() {
		sub.CreatedAt = now
	}
	sub.UpdatedAt = now
	b, err := json.Marshal(sub)
	if err != nil {
		return fmt.Errorf("put subscriber %d: %w", sub.ChatID, err)
	}
	if err := s.rdb.Set(ctx, s.keySubscriber(sub.ChatID), b, 0).Err(); err != nil {
		return fmt.Errorf("put subscriber %d: %w", sub.ChatID, err)
	}
	if err := s.logSubChanges(ctx, subChange{sub.ChatID, true}); err != nil {
		return fmt.Errorf("put subscriber %d: %w", sub.ChatID, err)
	}
	return nil
}

// Subscriber returns one subscriber; ErrNotFound when absent.
func (s *Store) Subscriber(ctx context.Context, chatID int64) (Subscriber, error) {
	raw, err := s.rdb.Get(ctx, s.keySubscriber(chatID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Subscriber{}, fmt.Errorf("subscriber %d: %w", chatID, ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("get subscriber %d: %w", chatID, err)
	}
	var sub Subscriber
	if err := json.Unmarshal(raw, &sub); err != nil {
		return Subscriber{}, fmt.Errorf("decode subscriber %d: %w", chatID, err)
	}
	return sub, nil
}

// DeleteSubscriber is /stop: it deletes everything kept about the chat,
// in one round trip: its record (with its quiet hours, time zone and
// other choices), its /last history, the channel it manages from a
// private chat, and its held digest items with their due time. No
// "stopped" marker is kept: a later /start simply starts afresh, and the
// sender drops queued deliveries to chats that no longer exist (and the
// digest builder the items of one, should an alert be held while it
// stops). What remains is the delivery bookkeeping that expires on its
// own: queued and sent markers (DeliveryTTL) and the chat's send limiter
// (seconds). ErrNotFound when there was no record; the rest is deleted
// all the same.
func (s *Store) DeleteSubscriber(ctx context.Context, chatID int64) error {
	p := s.PartitionOf(chatID)
	var del *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(pp redis.Pipeliner) error {
		del = pp.Del(ctx, s.keySubscriber(chatID))
		pp.Del(ctx, s.keyHistory(chatID), s.keyManaged(chatID)) // one slot: {sub:CHAT}
		pp.Del(ctx, s.keyDigestItems(p, chatID))
		pp.ZRem(ctx, s.keyDigestDue(p), strconv.FormatInt(chatID, 10))
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete subscriber %d: %w", chatID, err)
	}
	if del.Val() == 0 {
		return fmt.Errorf("delete subscriber %d: %w", chatID, ErrNotFound)
	}
	if err := s.logSubChanges(ctx, subChange{chatID, false}); err != nil {
		return fmt.Errorf("delete subscriber %d: %w", chatID, err)
	}
	return nil
}

// Subscribers returns every subscriber, by chat id, reading the index
// set and then the records in pipelined batches.
func (s *Store) Subscribers(ctx context.Context) ([]Subscriber, error) {
	raw, err := s.rdb.SMembers(ctx, s.keySubscriberIDs()).Result()
	if err != nil {
		return nil, fmt.Errorf("list subscribers: %w", err)
	}
	ids := make([]int64, 0, len(raw))
	for _, r := range raw {
		id, err := strconv.ParseInt(r, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("list subscribers: bad chat id %q in index", r)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	subs, _, err := s.loadSubscribers(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("list subscribers: %w", err)
	}
	return subs, nil
}

// loadSubscribers reads the records of ids, returning those found and the
// ids without a record.
func (s *Store) loadSubscribers(ctx context.Context, ids []int64) (found []Subscriber, missing []int64, err error) {
	const batch = 1000
	found = make([]Subscriber, 0, len(ids))
	for chunk := range slices.Chunk(ids, batch) {
		cmds := make([]*redis.StringCmd, len(chunk))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range chunk {
				cmds[i] = p.Get(ctx, s.keySubscriber(id))
			}
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, nil, err
		}
		for i, c := range cmds {
			raw, err := c.Bytes()
			if errors.Is(err, redis.Nil) {
				missing = append(missing, chunk[i])
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			var sub Subscriber
			if err := json.Unmarshal(raw, &sub); err != nil {
				return nil, nil, fmt.Errorf("decode subscriber %d: %w", chunk[i], err)
			}
			found = append(found, sub)
		}
	}
	return found, missing, nil
}

// UpdateSubscriber changes a subscriber atomically (WATCH/MULTI on its
// record, retried if another instance changed it meanwhile): fn edits the
// record; an error from fn aborts the update and is returned. It returns
// the record as stored; ErrNotFound when absent.
func (s *Store) UpdateSubscriber(ctx context.Context, chatID int64, fn func(*Subscriber) error) (Subscriber, error) {
	sub, err := s.updateSubscriber(ctx, chatID, func(sub *Subscriber) (bool, error) { return true, fn(sub) })
	if err != nil {
		return Subscriber{}, fmt.Errorf("update subscriber %d: %w", chatID, err)
	}
	return sub, nil
}

// updateSubscriber is UpdateSubscriber where fn also says whether it
// changed anything; nothing is written when it did not.
func (s *Store) updateSubscriber(ctx context.Context, chatID int64, fn func(*Subscriber) (bool, error)) (Subscriber, error) {
	key := s.keySubscriber(chatID)
	var out Subscriber
	var changed bool
	txf := func(tx *redis.Tx) error {
		raw, err := tx.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		var sub Subscriber
		if err := json.Unmarshal(raw, &sub); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		changed, err = fn(&sub)
		if err != nil {
			return err
		}
		out = sub
		if !changed {
			return nil
		}
		sub.ChatID = chatID
		sub.UpdatedAt = time.Now().UTC()
		b, err := json.Marshal(sub)
		if err != nil {
			return err
		}
		out = sub
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, b, 0)
			return nil
		})
		return err
	}
	if err := s.watchTx(ctx, txf, key); err != nil {
		return Subscriber{}, err
	}
	if changed {
		if err := s.logSubChanges(ctx, subChange{chatID, true}); err != nil {
			return Subscriber{}, err
		}
	}
	return out, nil
}

// SetActive marks a subscriber active or not (the sender deactivates a
// chat Telegram refuses; a new /start reactivates it).
func (s *Store) SetActive(ctx context.Context, chatID int64, active bool) error {
	_, err := s.updateSubscriber(ctx, chatID, func(sub *Subscriber) (bool, error) {
		if sub.Active == active {
			return false, nil
		}
		sub.Active = active
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("set subscriber %d active: %w", chatID, err)
	}
	return nil
}

// AddRule adds rule to a subscriber's rules, unless it is there already,
// atomically, and returns the rules. With max > 0, a chat that already
// has max rules gets ErrTooManyRules.
func (s *Store) AddRule(ctx context.Context, chatID int64, rule string, max int) ([]string, error) {
	sub, err := s.updateSubscriber(ctx, chatID, func(sub *Subscriber) (bool, error) {
		if slices.Contains(sub.Rules, rule) {
			return false, nil
		}
		if max > 0 && len(sub.Rules) >= max {
			return false, fmt.Errorf("%w (at most %d)", ErrTooManyRules, max)
		}
		sub.Rules = append(sub.Rules, rule)
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("add rule for %d: %w", chatID, err)
	}
	return sub.Rules, nil
}

// DelRule removes rule from a subscriber's rules, atomically, and returns
// the rules left and whether rule was there.
func (s *Store) DelRule(ctx context.Context, chatID int64, rule string) (rules []string, removed bool, err error) {
	sub, err := s.updateSubscriber(ctx, chatID, func(sub *Subscriber) (bool, error) {
		i := slices.Index(sub.Rules, rule)
		if i < 0 {
			return false, nil
		}
		sub.Rules = slices.Delete(sub.Rules, i, i+1)
		removed = true
		return true, nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("delete rule for %d: %w", chatID, err)
	}
	return sub.Rules, removed, nil
}

// MigrateSubscriber follows a group's upgrade to a supergroup (Telegram's
// migrate_to_chat_id): the record of from moves to to. When to already
// has a record (someone used /start in the supergroup first), that newer
// record is kept and from's is dropped. ErrNotFound when from is absent.
func (s *Store) MigrateSubscriber(ctx context.Context, from, to int64) error {
	sub, err := s.Subscriber(ctx, from)
	if err != nil {
		return fmt.Errorf("migrate subscriber %d to %d: %w", from, to, err)
	}
	sub.ChatID = to
	sub.Type = "supergroup"
	sub.UpdatedAt = time.Now().UTC()
	b, err := json.Marshal(sub)
	if err != nil {
		return fmt.Errorf("migrate subscriber %d to %d: %w", from, to, err)
	}
	// SET NX first: the record is never lost between the two keys, which
	// may live in different Cluster slots.
	if err := s.rdb.SetNX(ctx, s.keySubscriber(to), b, 0).Err(); err != nil {
		return fmt.Errorf("migrate subscriber %d to %d: %w", from, to, err)
	}
	if err := s.rdb.Del(ctx, s.keySubscriber(from)).Err(); err != nil {
		return fmt.Errorf("migrate subscriber %d to %d: %w", from, to, err)
	}
	if err := s.logSubChanges(ctx, subChange{to, true}, subChange{from, false}); err != nil {
		return fmt.Errorf("migrate subscriber %d to %d: %w", from, to, err)
	}
	return nil
}

// SubscribersVersion returns the subscribers' version, which changes on
// every change of a subscriber (0 before the first).
func (s *Store) SubscribersVersion(ctx context.Context) (int64, error) {
	return s.getInt64(ctx, s.keySubscribersVersion(), "get subscribers version")
}

// SubscriberChanges returns the chats changed (created, edited or
// deleted) after version since, and the current version, so that a
// matcher applies only what changed. The log keeps the latest
// Options.SubscriberLog changes; when since is older than that (or newer
// than the current version: Redis lost its data), it returns
// ErrChangesTrimmed and the caller must reload everything.
func (s *Store) SubscriberChanges(ctx context.Context, since int64) (changed []int64, version int64, err error) {
	var getV, getTrimmed *redis.StringCmd
	var rng *redis.StringSliceCmd
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		getV = p.Get(ctx, s.keySubscribersVersion())
		getTrimmed = p.Get(ctx, s.keySubscriberTrimmed())
		rng = p.ZRangeByScore(ctx, s.keySubscriberChanges(), &redis.ZRangeBy{
			Min: "(" + strconv.FormatInt(since, 10), Max: "+inf",
		})
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, fmt.Errorf("subscriber changes: %w", err)
	}
	version, _ = getV.Int64() // redis.Nil: 0
	trimmed, _ := getTrimmed.Int64()
	if since < trimmed || since > version {
		return nil, version, fmt.Errorf("subscriber changes since %d (log from %d, now %d): %w", since, trimmed, version, ErrChangesTrimmed)
	}
	for _, r := range rng.Val() {
		id, err := strconv.ParseInt(r, 10, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("subscriber changes: bad chat id %q in log", r)
		}
		changed = append(changed, id)
	}
	return changed, version, nil
}

// SubscriberUpdate is what WatchSubscribers hands its callback.
type SubscriberUpdate struct {
	// Version is the subscribers' version this update brings the caller to.
	Version int64
	// Full: Subscribers holds every subscriber and replaces what the
	// caller had. Otherwise Subscribers holds the created or changed
	// ones and Removed the chat ids deleted since the last update.
	Full        bool
	Subscribers []Subscriber
	Removed     []int64
}

// WatchSubscribers calls fn with every subscriber at once, and then,
// whenever the subscribers change (at once when the change is announced,
// as for WatchSources; re-read every interval, 1 s when every <= 0), with
// what changed; with everything again when the change
// log no longer reaches back. It blocks until ctx is done. Redis errors
// do not stop it: it retries at the next tick and reports the outage
// through Options.WatchErrors. fn runs on the watcher's goroutine.
func (s *Store) WatchSubscribers(ctx context.Context, every time.Duration, fn func(SubscriberUpdate)) {
	last := int64(-1)
	s.watch(ctx, regSubscribers, "subscribers", every, func(ctx context.Context, v int64) error {
		if v == last {
			return nil
		}
		if last >= 0 {
			ids, v, err := s.SubscriberChanges(ctx, last)
			if err == nil {
				found, missing, err := s.loadSubscribers(ctx, ids)
				if err != nil {
					return fmt.Errorf("load changed subscribers: %w", err)
				}
				last = v
				fn(SubscriberUpdate{Version: v, Subscribers: found, Removed: missing})
				return nil
			}
			if !errors.Is(err, ErrChangesTrimmed) {
				return err
			}
		}
		// Read the version before the records: a change in between is
		// then seen again at the next tick, never missed.
		v, err := s.SubscribersVersion(ctx)
		if err != nil {
			return err
		}
		subs, err := s.Subscribers(ctx)
		if err != nil {
			return err
		}
		last = v
		fn(SubscriberUpdate{Version: v, Full: true, Subscribers: subs})
		return nil
	})
}
