package websub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
)

// ManagerStore is what the manager needs of Redis.
type ManagerStore interface {
	WebSubs(ctx context.Context) ([]store.WebSubSubscription, error)
	CreateWebSub(ctx context.Context, sub store.WebSubSubscription) error
	SetWebSubState(ctx context.Context, id string, state store.WebSubState, reason string, requested time.Time) (bool, error)
	DeleteWebSub(ctx context.Context, id string) error
	DiscoveredHubs(ctx context.Context) (map[string]store.DiscoveredHub, error)
	DeleteDiscoveredHub(ctx context.Context, source string) error
}

// Leaser is the manager's lease (a *store.Lease): Take takes or extends
// it and reports a token > 0 while this instance holds it.
type Leaser interface {
	Take(ctx context.Context) (token int64, left time.Duration, err error)
	Release(ctx context.Context) (bool, error)
}

// StateMetrics sets the subscriptions by state (metrics.WebSub).
type StateMetrics interface {
	SetSubscriptions(states []string, byState map[string]int)
}

// ManagerOptions configure a Manager. Store, Sources, Lease, Client and
// PublicURL are required.
type ManagerOptions struct {
	Store ManagerStore
	// Sources lists every source of the registry, paused ones included.
	Sources func(ctx context.Context) ([]feeds.Source, error)
	Lease   Leaser
	// Client sends the requests to the hubs: the feeds' client, which
	// refuses private addresses unless allowed.
	Client *http.Client
	// PublicURL is the base URL at which the hubs reach the callback.
	PublicURL string
	// LeaseAsked is the lease asked of the hubs. Default DefaultLease.
	LeaseAsked time.Duration
	// Every is how often the subscriptions are brought in line with the
	// sources. Default 30 s.
	Every time.Duration
	// Retry is how long a request left unverified, or failed, waits
	// before it is sent again. Default 10 min.
	Retry time.Duration
	// DeniedRetry is how long a denied subscription waits before it is
	// asked for again. Default 24 h.
	DeniedRetry time.Duration
	Metrics     StateMetrics // may be nil
	Logger      *slog.Logger
	Now         func() time.Time // default time.Now
}

// DefaultLease is the lease asked of the hubs: ten days, as many hubs
// grant by default.
const DefaultLease = 10 * 24 * time.Hour

// renewAt is the part of a lease after which it is renewed.
const renewAt = 0.8

// Manager keeps the subscriptions in line with the sources: it subscribes
// a source whose poll found a hub, renews a subscription at 80 % of its
// lease, and unsubscribes a source removed, paused or whose URL, hub or
// topic changed. Only the holder of the lease does this, so one instance
// talks to the hubs.
type Manager struct {
	opts ManagerOptions
	log  *slog.Logger
}

// NewManager returns a manager; Run runs it.
func NewManager(opts ManagerOptions) *Manager {
	if opts.LeaseAsked <= 0 {
		opts.LeaseAsked = DefaultLease
	}
	if opts.Every <= 0 {
		opts.Every = 30 * time.Second
	}
	if opts.Retry <= 0 {
		opts.Retry = 10 * time.Minute
	}
	if opts.DeniedRetry <= 0 {
		opts.DeniedRetry = 24 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	return &Manager{opts: opts, log: opts.Logger}
}

// Run reconciles every Every while this instance holds the lease (taken
// or extended at each tick), until ctx is done; then it releases the
// lease.
func (m *Manager) Run(ctx context.Context) {
	t := time.NewTicker(m.opts.Every)
	defer t.Stop()
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_, _ = m.opts.Lease.Release(rctx)
	}()
	for {
		if tok, _, err := m.opts.Lease.Take(ctx); err != nil {
			m.log.Warn("websub lease not taken", slog.Any("error", err))
		} else if tok > 0 {
			m.Reconcile(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Reconcile brings the subscriptions in line with the sources once.
// Errors are logged; what failed is tried again at a later call.
func (m *Manager) Reconcile(ctx context.Context) {
	sources, err := m.opts.Sources(ctx)
	if err != nil {
		m.log.Warn("websub: sources not read", slog.Any("error", err))
		return
	}
	hubs, err := m.opts.Store.DiscoveredHubs(ctx)
	if err != nil {
		m.log.Warn("websub: hubs not read", slog.Any("error", err))
		return
	}
	subs, err := m.opts.Store.WebSubs(ctx)
	if err != nil {
		m.log.Warn("websub: subscriptions not read", slog.Any("error", err))
		return
	}
	all := make(map[string]feeds.Source, len(sources))
	for _, s := range sources {
		all[s.ID] = s
	}
	for id := range hubs {
		if _, ok := all[id]; !ok {
			_ = m.opts.Store.DeleteDiscoveredHub(ctx, id)
		}
	}
	wanted := make(map[string]store.WebSubSubscription)
	for _, s := range sources {
		if w, ok := m.want(s, hubs[s.ID]); ok {
			wanted[s.ID] = w
		}
	}
	covered := m.keep(ctx, subs, wanted)
	for id, w := range wanted {
		if !covered[id] {
			m.subscribe(ctx, w)
		}
	}
	m.count(ctx)
}

// want is the subscription source s should have, if any: it is active
// and its last poll, of its current URL, found a hub.
func (m *Manager) want(s feeds.Source, h store.DiscoveredHub) (store.WebSubSubscription, bool) {
	if s.Paused || len(h.Hubs) == 0 || h.URL != s.URL {
		return store.WebSubSubscription{}, false
	}
	topic := h.Self
	if topic == "" {
		topic = s.URL
	}
	return store.WebSubSubscription{Source: s.ID, Hub: h.Hubs[0], Topic: topic, FeedURL: s.URL}, true
}

// keep goes through the existing subscriptions: those still wanted are
// renewed or retried when due, the others unsubscribed or dropped. It
// returns the sources whose wanted subscription exists.
func (m *Manager) keep(ctx context.Context, subs []store.WebSubSubscription, wanted map[string]store.WebSubSubscription) map[string]bool {
	now := m.opts.Now()
	covered := make(map[string]bool)
	for _, sub := range subs {
		if sub.State == store.WebSubUnsubscribing {
			if now.Sub(sub.Requested) > m.opts.Retry {
				// The hub never confirmed; its lease ends on its own.
				_ = m.opts.Store.DeleteWebSub(ctx, sub.ID)
			}
			continue
		}
		w, ok := wanted[sub.Source]
		if !ok || covered[sub.Source] || w.Hub != sub.Hub || w.Topic != sub.Topic || w.FeedURL != sub.FeedURL {
			m.unsubscribe(ctx, sub)
			continue
		}
		covered[sub.Source] = true
		if m.due(sub, now) {
			m.request(ctx, sub)
		}
	}
	return covered
}

// due reports whether sub's (re)subscription request is to be sent now.
func (m *Manager) due(sub store.WebSubSubscription, now time.Time) bool {
	since := now.Sub(sub.Requested)
	switch sub.State {
	case store.WebSubVerified:
		renew := sub.Verified.Add(time.Duration(float64(sub.Lease) * renewAt))
		// A renewal sent since the last verification waits for Retry.
		inFlight := sub.Requested.After(sub.Verified) && since < m.opts.Retry
		return !now.Before(renew) && !inFlight
	case store.WebSubDenied:
		return since > m.opts.DeniedRetry
	default: // pending, failed
		return since > m.opts.Retry
	}
}

// subscribe creates the subscription w (a new id and secret) and asks its
// hub for it.
func (m *Manager) subscribe(ctx context.Context, w store.WebSubSubscription) {
	w.ID, w.Secret = newID(), newSecret()
	w.State, w.Lease, w.Requested = store.WebSubPending, m.opts.LeaseAsked, m.opts.Now()
	// Saved before the request: the hub may verify before it answers.
	if err := m.opts.Store.CreateWebSub(ctx, w); err != nil {
		m.log.Warn("websub subscription not saved", slog.String("source", w.Source), slog.Any("error", err))
		return
	}
	m.send(ctx, w)
}

// request sends again sub's subscription request (a retry or a
// renewal), recording when before it is sent: the hub may verify before
// it answers.
func (m *Manager) request(ctx context.Context, sub store.WebSubSubscription) {
	state := sub.State
	if state != store.WebSubVerified {
		state = store.WebSubPending
	}
	sub.Requested = m.opts.Now()
	if _, err := m.opts.Store.SetWebSubState(ctx, sub.ID, state, sub.Reason, sub.Requested); err != nil {
		m.log.Warn("websub subscription state not saved", slog.String("source", sub.Source), slog.Any("error", err))
		return
	}
	sub.State = state
	m.send(ctx, sub)
}

// send sends sub's subscription request; a failure is recorded in its
// state (failed, or, while a granted lease still runs, only as reason).
func (m *Manager) send(ctx context.Context, sub store.WebSubSubscription) {
	err := Subscribe(ctx, m.opts.Client, Request{
		Hub: sub.Hub, Topic: sub.Topic, Callback: m.callback(sub.ID), Secret: sub.Secret, Lease: m.opts.LeaseAsked,
	})
	if err == nil {
		m.log.Info("websub subscription requested", slog.String("source", sub.Source),
			slog.String("hub", sub.Hub), slog.String("topic", sub.Topic))
		return
	}
	m.log.Warn("websub subscription request failed", slog.String("source", sub.Source), slog.Any("error", err))
	state := store.WebSubFailed
	if sub.State == store.WebSubVerified {
		// The granted lease still runs: pushes may still come.
		state = store.WebSubVerified
	}
	if _, err := m.opts.Store.SetWebSubState(ctx, sub.ID, state, err.Error(), time.Time{}); err != nil {
		m.log.Warn("websub subscription state not saved", slog.String("source", sub.Source), slog.Any("error", err))
	}
}

// unsubscribe ends sub: a subscription the hub may hold is unsubscribed
// (the record stays until the hub verifies it), others are deleted.
func (m *Manager) unsubscribe(ctx context.Context, sub store.WebSubSubscription) {
	if sub.State == store.WebSubDenied || sub.State == store.WebSubFailed {
		_ = m.opts.Store.DeleteWebSub(ctx, sub.ID)
		return
	}
	now := m.opts.Now()
	// Marked before the request: the hub may verify before it answers.
	if _, err := m.opts.Store.SetWebSubState(ctx, sub.ID, store.WebSubUnsubscribing, "", now); err != nil {
		m.log.Warn("websub unsubscription not saved", slog.String("source", sub.Source), slog.Any("error", err))
		return
	}
	err := Unsubscribe(ctx, m.opts.Client, Request{Hub: sub.Hub, Topic: sub.Topic, Callback: m.callback(sub.ID)})
	if err != nil {
		m.log.Warn("websub unsubscription request failed", slog.String("source", sub.Source), slog.Any("error", err))
		return
	}
	m.log.Info("websub unsubscription requested", slog.String("source", sub.Source), slog.String("hub", sub.Hub))
}

// count sets the gauges of subscriptions by state.
func (m *Manager) count(ctx context.Context) {
	if m.opts.Metrics == nil {
		return
	}
	subs, err := m.opts.Store.WebSubs(ctx)
	if err != nil {
		return
	}
	by := make(map[string]int)
	for _, s := range subs {
		by[string(s.State)]++
	}
	states := make([]string, 0, len(store.WebSubStates()))
	for _, s := range store.WebSubStates() {
		states = append(states, string(s))
	}
	m.opts.Metrics.SetSubscriptions(states, by)
}

// callback is the callback URL of subscription id.
func (m *Manager) callback(id string) string { return m.opts.PublicURL + "/websub/" + id }

// newID returns a random subscription id: 32 hex digits.
func newID() string { return randomHex(16) }

// newSecret returns a random secret: 64 hex digits, well under the
// 200 bytes the recommendation allows.
func newSecret() string { return randomHex(32) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
