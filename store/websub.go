package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// WebSubState is where a WebSub subscription stands.
type WebSubState string

// The states of a WebSub subscription.
const (
	// WebSubPending: subscription requested, the hub has not verified it.
	WebSubPending WebSubState = "pending"
	// WebSubVerified: the hub verified the subscription; pushes are
	// expected until Expires.
	WebSubVerified WebSubState = "verified"
	// WebSubDenied: the hub refused the subscription (Reason says why).
	WebSubDenied WebSubState = "denied"
	// WebSubFailed: the request to the hub failed (Reason says how).
	WebSubFailed WebSubState = "failed"
	// WebSubUnsubscribing: unsubscription requested; the record goes when
	// the hub verifies it, or after webSubKeep.
	WebSubUnsubscribing WebSubState = "unsubscribing"
)

// WebSubStates lists every state, for gauges by state.
func WebSubStates() []WebSubState {
	return []WebSubState{WebSubPending, WebSubVerified, WebSubDenied, WebSubFailed, WebSubUnsubscribing}
}

// WebSubSubscription is one subscription of a source's feed at a hub.
// ID is the last segment of its callback URL; Secret signs its pushes.
type WebSubSubscription struct {
	ID      string
	Source  string
	Hub     string
	Topic   string
	FeedURL string // the source's URL when subscribed
	Secret  string
	State   WebSubState
	Reason  string
	// Lease is the lease the hub granted (or, before verification, the
	// one requested).
	Lease time.Duration
	// Requested is when the last (un)subscription request was sent;
	// Verified when the hub last verified the subscription; Expires when
	// the granted lease ends; LastPush when the last signed push came.
	Requested, Verified, Expires, LastPush time.Time
}

// DiscoveredHub is what the last poll of a source found of WebSub: the
// URL polled, its hubs and its self URL.
type DiscoveredHub struct {
	URL  string   `json:"url"`
	Hubs []string `json:"hubs"`
	Self string   `json:"self,omitempty"`
}

// tagWebSub is the hash tag of the WebSub keys.
const tagWebSub = "{websub}"

// webSubKeep is how long a subscription's record outlives its lease (or,
// before a lease is granted, its last change): long enough to verify the
// pushes a hub still sends, short enough that abandoned records go.
const webSubKeep = 24 * time.Hour

// keyWebSub is a HASH: one subscription (fields below). TTL: the
// subscription's lease + webSubKeep, or webSubKeep while none is granted.
func (s *Store) keyWebSub(id string) string { return s.prefix + tagWebSub + ":sub:" + id }

// keyWebSubIDs is a SET of the subscription ids. Bound: one per source
// with a hub, plus those being unsubscribed; ids whose hash expired are
// removed when listed.
func (s *Store) keyWebSubIDs() string { return s.prefix + tagWebSub + ":ids" }

// keyWebSubHubs is a HASH: source id → DiscoveredHub as JSON. Bound: the
// sources; a removed source's field is deleted by the subscription
// manager.
func (s *Store) keyWebSubHubs() string { return s.prefix + tagWebSub + ":hubs" }

// keyWebSubLease is the subscription manager's lease (see Lease).
func (s *Store) keyWebSubLease() string { return s.prefix + tagWebSub + ":lease" }

var webSubUpdateScript = luaScript("websub_update")

// WebSubLease is holder's lease on managing the WebSub subscriptions
// (subscribing, renewing, unsubscribing), for ttl: one instance at a time
// talks to the hubs.
func (s *Store) WebSubLease(holder string, ttl time.Duration) *Lease {
	return s.newLease("websub lease", s.keyWebSubLease(), holder, ttl)
}

// CreateWebSub saves a new subscription.
func (s *Store) CreateWebSub(ctx context.Context, sub WebSubSubscription) error {
	if sub.ID == "" {
		return errors.New("create websub subscription: empty id")
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.keyWebSub(sub.ID), webSubFields(sub)...)
		p.PExpire(ctx, s.keyWebSub(sub.ID), webSubTTL(sub, time.Now()))
		p.SAdd(ctx, s.keyWebSubIDs(), sub.ID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("create websub subscription %s: %w", sub.ID, err)
	}
	return nil
}

// webSubTTL is the TTL of a subscription's record saved at now.
func webSubTTL(sub WebSubSubscription, now time.Time) time.Duration {
	if sub.Expires.After(now) {
		return sub.Expires.Sub(now) + webSubKeep
	}
	return webSubKeep
}

// webSubFields are a subscription's hash fields and values.
func webSubFields(sub WebSubSubscription) []any {
	return []any{
		"source", sub.Source, "hub", sub.Hub, "topic", sub.Topic, "feed", sub.FeedURL,
		"secret", sub.Secret, "state", string(sub.State), "reason", sub.Reason,
		"lease", strconv.FormatInt(int64(sub.Lease/time.Second), 10),
		"requested", unixMilli(sub.Requested), "verified", unixMilli(sub.Verified),
		"expires", unixMilli(sub.Expires), "push", unixMilli(sub.LastPush),
	}
}

func unixMilli(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func fromMilli(s string) time.Time {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// decodeWebSub reads a subscription from its hash.
func decodeWebSub(id string, f map[string]string) WebSubSubscription {
	lease, _ := strconv.ParseInt(f["lease"], 10, 64)
	return WebSubSubscription{
		ID: id, Source: f["source"], Hub: f["hub"], Topic: f["topic"], FeedURL: f["feed"],
		Secret: f["secret"], State: WebSubState(f["state"]), Reason: f["reason"],
		Lease:     time.Duration(lease) * time.Second,
		Requested: fromMilli(f["requested"]), Verified: fromMilli(f["verified"]),
		Expires: fromMilli(f["expires"]), LastPush: fromMilli(f["push"]),
	}
}

// WebSub returns one subscription; ErrNotFound when absent.
func (s *Store) WebSub(ctx context.Context, id string) (WebSubSubscription, error) {
	f, err := s.rdb.HGetAll(ctx, s.keyWebSub(id)).Result()
	if err != nil {
		return WebSubSubscription{}, fmt.Errorf("get websub subscription %s: %w", id, err)
	}
	if len(f) == 0 {
		return WebSubSubscription{}, fmt.Errorf("websub subscription %s: %w", id, ErrNotFound)
	}
	return decodeWebSub(id, f), nil
}

// WebSubs returns every subscription, and forgets the ids whose record
// expired.
func (s *Store) WebSubs(ctx context.Context) ([]WebSubSubscription, error) {
	ids, err := s.rdb.SMembers(ctx, s.keyWebSubIDs()).Result()
	if err != nil {
		return nil, fmt.Errorf("list websub subscriptions: %w", err)
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.keyWebSub(id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list websub subscriptions: %w", err)
	}
	var subs []WebSubSubscription
	var gone []any
	for i, c := range cmds {
		if len(c.Val()) == 0 {
			gone = append(gone, ids[i])
			continue
		}
		subs = append(subs, decodeWebSub(ids[i], c.Val()))
	}
	if len(gone) > 0 {
		if err := s.rdb.SRem(ctx, s.keyWebSubIDs(), gone...).Err(); err != nil {
			return nil, fmt.Errorf("list websub subscriptions: %w", err)
		}
	}
	return subs, nil
}

// update sets fields of subscription id if it still exists, with the TTL
// ttl (0: unchanged). It reports whether it existed.
func (s *Store) updateWebSub(ctx context.Context, id string, ttl time.Duration, fields ...string) (bool, error) {
	args := make([]any, 0, len(fields)+1)
	args = append(args, ttl.Milliseconds())
	for _, f := range fields {
		args = append(args, f)
	}
	n, err := webSubUpdateScript.Run(ctx, s.rdb, []string{s.keyWebSub(id)}, args...).Int()
	if err != nil {
		return false, fmt.Errorf("update websub subscription %s: %w", id, err)
	}
	return n == 1, nil
}

// VerifyWebSub records the hub's verification of subscription id at at,
// with the lease it granted. It reports whether the subscription exists.
func (s *Store) VerifyWebSub(ctx context.Context, id string, lease time.Duration, at time.Time) (bool, error) {
	exp := at.Add(lease)
	return s.updateWebSub(ctx, id, lease+webSubKeep,
		"state", string(WebSubVerified), "reason", "", "lease", strconv.FormatInt(int64(lease/time.Second), 10),
		"verified", unixMilli(at), "expires", unixMilli(exp))
}

// SetWebSubState records a new state of subscription id, with its reason
// (empty for none), and, when requested is not zero, when the request
// that led to it was sent. It reports whether the subscription exists.
func (s *Store) SetWebSubState(ctx context.Context, id string, state WebSubState, reason string, requested time.Time) (bool, error) {
	fields := []string{"state", string(state), "reason", reason}
	if !requested.IsZero() {
		fields = append(fields, "requested", unixMilli(requested))
	}
	return s.updateWebSub(ctx, id, 0, fields...)
}

// WebSubPushed records a signed push to subscription id at at.
func (s *Store) WebSubPushed(ctx context.Context, id string, at time.Time) (bool, error) {
	return s.updateWebSub(ctx, id, 0, "push", unixMilli(at))
}

// DeleteWebSub deletes subscription id.
func (s *Store) DeleteWebSub(ctx context.Context, id string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.keyWebSub(id))
		p.SRem(ctx, s.keyWebSubIDs(), id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete websub subscription %s: %w", id, err)
	}
	return nil
}

// SetDiscoveredHub records what a poll of source found of WebSub; hubs
// with no Hubs delete the record.
func (s *Store) SetDiscoveredHub(ctx context.Context, source string, hub DiscoveredHub) error {
	if len(hub.Hubs) == 0 {
		return s.DeleteDiscoveredHub(ctx, source)
	}
	raw, err := json.Marshal(hub)
	if err != nil {
		return fmt.Errorf("set websub hub of %s: %w", source, err)
	}
	if err := s.rdb.HSet(ctx, s.keyWebSubHubs(), source, raw).Err(); err != nil {
		return fmt.Errorf("set websub hub of %s: %w", source, err)
	}
	return nil
}

// DeleteDiscoveredHub forgets the WebSub links found for source.
func (s *Store) DeleteDiscoveredHub(ctx context.Context, source string) error {
	if err := s.rdb.HDel(ctx, s.keyWebSubHubs(), source).Err(); err != nil {
		return fmt.Errorf("delete websub hub of %s: %w", source, err)
	}
	return nil
}

// DiscoveredHubs returns the WebSub links found for each source, by
// source id. A record that cannot be read is skipped.
func (s *Store) DiscoveredHubs(ctx context.Context) (map[string]DiscoveredHub, error) {
	raw, err := s.rdb.HGetAll(ctx, s.keyWebSubHubs()).Result()
	if err != nil {
		return nil, fmt.Errorf("list websub hubs: %w", err)
	}
	out := make(map[string]DiscoveredHub, len(raw))
	for id, v := range raw {
		var h DiscoveredHub
		if json.Unmarshal([]byte(v), &h) == nil {
			out[id] = h
		}
	}
	return out, nil
}
