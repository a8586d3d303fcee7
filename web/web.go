// Package web is the admin console: server-rendered pages under /admin/
// on AAJIL_HTTP_ADDR for the bot's admins, signed in with a one-time link
// from the bot's /web. It shows the sources with their health and makes
// the same changes as the admin commands (bot.SourceOps: validated,
// audited, live), tests selectors against a live page, and hosts the
// Stories, Delivery and Subscribers reports (Reports). Pages work without
// JavaScript; the one script, static/tester.js, only lets the tester show
// its result without a reload.
package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aajil/aajil/bot"
	"github.com/aajil/aajil/configs"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
)

// Store is what the console needs of Redis: its own state (the secret,
// login tokens, sessions) and what it shows. *store.Store is one.
type Store interface {
	WebSecret(ctx context.Context, candidate []byte) ([]byte, error)
	PutLoginToken(ctx context.Context, id string, userID int64, ttl time.Duration) error
	TakeLoginToken(ctx context.Context, id string) (int64, error)
	PutWebSession(ctx context.Context, id string, sess store.WebSession, ttl time.Duration) error
	WebSession(ctx context.Context, id string) (store.WebSession, error)
	DeleteWebSession(ctx context.Context, id string, userID int64) error
	RevokeWebSessions(ctx context.Context, userID int64) (int, error)

	Subscriber(ctx context.Context, chatID int64) (store.Subscriber, error)
	Sources(ctx context.Context) ([]store.SourceRecord, error)
	Source(ctx context.Context, id string) (store.SourceRecord, error)
	LoadStates(ctx context.Context) (map[string]feeds.SourceState, error)
	// Audit logs a change that is not a source's (a dead letter's retry).
	Audit(ctx context.Context, e store.AuditEntry) error
	CountsManyAt(ctx context.Context, names []store.Counter, now time.Time) (map[store.Counter][2]int64, error)
}

// SourceOps are the changes to the sources the console makes, the same as
// the admin commands': *bot.SourceOps.
type SourceOps interface {
	CheckURL(url string) error
	Probe(ctx context.Context, src feeds.Source) feeds.PollResult
	Exists(ctx context.Context, id string) (bool, error)
	Add(ctx context.Context, by string, src feeds.Source, probed []feeds.Item) error
	Update(ctx context.Context, by string, before, after feeds.Source) error
	SetPaused(ctx context.Context, by string, before feeds.Source, paused bool) error
	Delete(ctx context.Context, by string, before feeds.Source) error
	ParseImport(data []byte) (*configs.Config, error)
	PlanImport(ctx context.Context, cfg *configs.Config) (bot.ImportPlan, error)
	ApplyImport(ctx context.Context, by string, p bot.ImportPlan) error
}

// Inspector fetches a source once for the selector tester, through the
// same client and policy as /addfeed's probe: *feeds.Poller.
type Inspector interface {
	Inspect(ctx context.Context, src feeds.Source) feeds.PollResult
}

// Admins says who is an admin now (bot.AdminSet): checked on every
// request, so that someone no longer listed loses access at once.
type Admins interface {
	IsAdmin(userID int64) bool
}

// Options configures a Console.
type Options struct {
	Store     Store
	Ops       SourceOps
	Inspector Inspector
	Admins    Admins
	// Reports fills the Stories, Delivery and Subscribers pages; nil
	// shows them as not available.
	Reports Reports
	// BaseURL is where browsers reach the console's server, without
	// /admin (AAJIL_PUBLIC_URL, else "http://" + AAJIL_HTTP_ADDR); an
	// https one makes the session cookie Secure.
	BaseURL string
	// Secret signs login links (AAJIL_WEB_SECRET); when empty, one is
	// made once and kept in Redis for every instance.
	Secret []byte
	// Now is the clock, time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// Lifetimes of a login link and a session.
const (
	LinkTTL    = bot.WebLinkMinutes * time.Minute
	SessionTTL = 12 * time.Hour
)

// Console serves the admin console. It is safe for concurrent use.
type Console struct {
	opts   Options
	secret []byte
	secure bool
	log    *slog.Logger
	now    func() time.Time
	mux    *http.ServeMux
}

// New returns the console; without Options.Secret it reads (or makes)
// the shared secret in Redis.
func New(ctx context.Context, opts Options) (*Console, error) {
	if opts.Store == nil || opts.Ops == nil || opts.Admins == nil {
		return nil, errors.New("web console: store, source operations and admins are required")
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("web console: base URL %q is not an http or https URL", opts.BaseURL)
	}
	c := &Console{opts: opts, secure: u.Scheme == "https", log: opts.Logger, now: opts.Now}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.secret, err = loadSecret(ctx, opts.Store, opts.Secret); err != nil {
		return nil, err
	}
	c.mux = c.routes()
	return c, nil
}

// loadSecret is the configured secret, or the one shared in Redis.
func loadSecret(ctx context.Context, st Store, configured []byte) ([]byte, error) {
	if len(configured) > 0 {
		return configured, nil
	}
	candidate := make([]byte, 32)
	if _, err := rand.Read(candidate); err != nil {
		return nil, fmt.Errorf("web console: secret: %w", err)
	}
	secret, err := st.WebSecret(ctx, candidate)
	if err != nil {
		return nil, fmt.Errorf("web console: %w", err)
	}
	return secret, nil
}

// Prefix is the path the console is served under.
const Prefix = "/admin/"

// ServeHTTP serves the console's paths (everything under /admin/), each
// response with the security headers.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	c.mux.ServeHTTP(w, r)
}

// Mount serves the console on mux under Prefix.
func (c *Console) Mount(mux *http.ServeMux) {
	mux.Handle(Prefix, c)
}

// loginURL is the link /web hands out for token.
func (c *Console) loginURL(token string) string {
	return strings.TrimSuffix(c.opts.BaseURL, "/") + Prefix + "login?t=" + url.QueryEscape(token)
}
