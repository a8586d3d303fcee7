package bot

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram"

	"github.com/aajil/aajil/internal/pause"
)

// UpdateHandler handles one update from Telegram: a command, a button
// press, a change of the bot's membership in a chat. Updates of different
// chats are handled concurrently, those of one chat one at a time, in
// order; a handler that blocks holds its own chat only.
type UpdateHandler interface {
	HandleUpdate(ctx context.Context, u tgbotapi.Update)
}

// UpdateHandlerFunc adapts a function to UpdateHandler.
type UpdateHandlerFunc func(ctx context.Context, u tgbotapi.Update)

// HandleUpdate calls f(ctx, u).
func (f UpdateHandlerFunc) HandleUpdate(ctx context.Context, u tgbotapi.Update) { f(ctx, u) }

// UpdateStore is what the Poller keeps in Redis: the lease that lets one
// instance poll, the offset to resume from, and a claim per update, with
// the update itself until it is handled, so that a re-delivered update
// is not handled twice and one whose handler died is not lost.
// *store.Store implements it.
type UpdateStore interface {
	TelegramLease(holder string, ttl time.Duration) *store.Lease
	TelegramOffset(ctx context.Context) (int, error)
	SaveTelegramOffset(ctx context.Context, f store.Fence, offset int) (bool, error)
	BeginUpdate(ctx context.Context, updateID int, raw []byte, claim time.Duration) (store.UpdateState, error)
	FinishUpdate(ctx context.Context, updateID int) error
	ReleaseUpdate(ctx context.Context, updateID int) error
	ClaimAbandonedUpdates(ctx context.Context, claim time.Duration, limit int) ([]store.AbandonedUpdate, error)
}

// Defaults of PollerOptions.
const (
	DefaultLeaseTTL        = 10 * time.Second
	DefaultAcquireEvery    = time.Second
	DefaultPollTimeout     = 25 * time.Second
	DefaultPollLimit       = 100
	DefaultHandleTimeout   = 30 * time.Second
	DefaultRetryMin        = time.Second
	DefaultRetryMax        = 30 * time.Second
	DefaultConflictBackoff = 5 * time.Second
)

// DefaultAllowedUpdates returns the update types the bot asks for: chat
// messages and channel posts (commands, imported files), button presses,
// and changes of the bot's own membership (blocked, added to a group).
func DefaultAllowedUpdates() []string {
	return []string{"message", "channel_post", "callback_query", "my_chat_member"}
}

// PollerOptions configure a Poller. Zero fields take the defaults above.
type PollerOptions struct {
	// Holder identifies this instance in the lease; by default the host
	// name, the process id and a random suffix.
	Holder string
	// LeaseTTL is how long the lease lasts unrenewed, so how soon another
	// instance takes over when the holder dies. It is renewed every
	// LeaseTTL/3.
	LeaseTTL time.Duration
	// AcquireEvery is how often an instance without the lease tries to
	// take it.
	AcquireEvery time.Duration
	// PollTimeout is getUpdates' long-poll timeout, in whole seconds
	// (Telegram's unit). NewPoller shortens it to stay 5 s below the
	// timeout of api's *http.Client, if that has one; negative means 0
	// (short polling).
	PollTimeout time.Duration
	// PollLimit is the most updates fetched at once (1 to 100).
	PollLimit int
	// AllowedUpdates are the update types asked for;
	// DefaultAllowedUpdates() when nil.
	AllowedUpdates []string
	// HandleTimeout bounds one HandleUpdate call. It is also how long an
	// update stays claimed by a handler whose process died before the
	// update is handled again.
	HandleTimeout time.Duration
	// RetryMin and RetryMax bound the backoff (with jitter) after network
	// errors, 5xx answers and Redis errors.
	RetryMin, RetryMax time.Duration
	// ConflictBackoff is the pause after a 409 Conflict: another process
	// polls with this token without the lease, or a webhook is set.
	ConflictBackoff time.Duration
	// Workers is how many updates are handled at once, across chats;
	// DefaultUpdateWorkers when zero.
	Workers int
	// Logger receives the poller's logs; slog.Default() when nil.
	Logger *slog.Logger
}

func (o PollerOptions) withDefaults() PollerOptions {
	if o.Holder == "" {
		o.Holder = defaultHolder()
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	if o.AcquireEvery <= 0 {
		o.AcquireEvery = DefaultAcquireEvery
	}
	if o.PollTimeout < 0 {
		o.PollTimeout = 0
	} else if o.PollTimeout == 0 {
		o.PollTimeout = DefaultPollTimeout
	}
	if o.PollLimit <= 0 || o.PollLimit > 100 {
		o.PollLimit = DefaultPollLimit
	}
	if o.AllowedUpdates == nil {
		o.AllowedUpdates = DefaultAllowedUpdates()
	}
	if o.HandleTimeout <= 0 {
		o.HandleTimeout = DefaultHandleTimeout
	}
	if o.RetryMin <= 0 {
		o.RetryMin = DefaultRetryMin
	}
	if o.RetryMax < o.RetryMin {
		o.RetryMax = max(DefaultRetryMax, o.RetryMin)
	}
	if o.ConflictBackoff <= 0 {
		o.ConflictBackoff = DefaultConflictBackoff
	}
	if o.Workers <= 0 {
		o.Workers = DefaultUpdateWorkers
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// defaultHolder names this process uniquely: two instances on one host,
// or a restarted one, must never share a lease.
func defaultHolder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "aajil"
	}
	var b [4]byte
	rand.Read(b[:])
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
}

// Poller receives updates by getUpdates long polling and hands them to a
// handler: concurrently across chats (up to Workers at once), one at a
// time and in order within a chat. A handler implementing Admitter sees
// each update as it arrives, before it queues behind its chat.
//
// Several instances may run a Poller on one Redis: only the holder of the
// lease polls, the others try to take it every AcquireEvery, and one of
// them does within LeaseTTL of the holder's death. Each update is claimed
// in Redis before it is handed out, with its JSON kept beside the claim,
// and marked done after, so an update delivered again (after a crash, or
// to a poller that lost its lease) is handled once. Because claimed
// updates are kept in Redis, the offset (stored in Redis, and sent to
// getUpdates) moves past them at once: a slow chat does not hold back
// the updates of the others. An update whose handler died, or that was
// not started before a shutdown or a lost lease, is taken up from Redis
// by the lease holder (this process after a restart, or another) once
// its claim ended, handled, and marked done. Only an update that could
// not be kept (no JSON), or more than maxHeldUpdates at once, hold the
// offset back as Telegram's own redelivery does.
type Poller struct {
	api     *tgbotapi.BotAPI
	store   UpdateStore
	handler UpdateHandler
	opts    PollerOptions
	log     *slog.Logger
	disp    *dispatcher
}

// NewPoller returns a Poller that polls api, keeps its state in st and
// hands updates to h.
func NewPoller(api *tgbotapi.BotAPI, st UpdateStore, h UpdateHandler, opts PollerOptions) *Poller {
	opts = opts.withDefaults()
	// A long poll outliving the HTTP client's timeout would fail every
	// time; keep it a few seconds shorter.
	if c, ok := api.Client.(*http.Client); ok && c.Timeout > 0 {
		if limit := (c.Timeout - 5*time.Second).Truncate(time.Second); opts.PollTimeout > limit {
			opts.PollTimeout = max(limit, 0)
		}
	}
	return &Poller{api: api, store: st, handler: h, opts: opts, log: opts.Logger.With(slog.String("holder", opts.Holder)),
		disp: newDispatcher(opts.Workers)}
}

// Holder is the id this poller holds the lease under.
func (p *Poller) Holder() string { return p.opts.Holder }

// Run polls until ctx is cancelled, then returns nil, releasing the lease
// if it holds it, once the updates being handled are done. It returns an
// error only when Telegram refuses the token (wrapping ErrTokenRefused):
// no retry can fix that.
func (p *Poller) Run(ctx context.Context) error {
	defer p.disp.wait()
	redisFailing := false
	lease := p.store.TelegramLease(p.opts.Holder, p.opts.LeaseTTL)
	for {
		token, _, err := lease.Take(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			if !redisFailing {
				p.log.Warn("telegram lease: redis error; retrying", slog.Any("error", err))
				redisFailing = true
			}
		case token > 0:
			redisFailing = false
			if err := p.hold(ctx, lease); err != nil {
				return err
			}
		default:
			redisFailing = false
		}
		if !pause.For(ctx, p.opts.AcquireEvery) {
			return nil
		}
	}
}

// hold polls while this instance holds the lease. The lease's keeper
// renews it and cancels the polling context the moment the lease is lost
// or cannot be confirmed, so a pending long poll ends at once (fencing:
// the store also refuses the offset of a former holder); it releases the
// lease once polling stops, even when ctx is cancelled (shutdown), so
// another instance takes over at once.
func (p *Poller) hold(ctx context.Context, lease *store.Lease) error {
	p.log.Info("telegram lease acquired: polling for updates")
	lctx, cancel := context.WithCancelCause(ctx)
	fl := newInFlight(lease.Fence())
	var wg sync.WaitGroup
	wg.Go(func() {
		err := lease.Keep(lctx, cancel)
		if err != nil && !errors.Is(err, store.ErrLeaseLost) {
			p.log.Warn("telegram lease: release failed; it expires by itself", slog.Any("error", err))
		}
	})
	wg.Go(func() { p.recoverAbandoned(lctx, fl) })
	err := p.poll(lctx, fl)
	cancel(nil)
	wg.Wait()
	fl.mu.Lock()
	fenced := fl.fencedOut
	fl.mu.Unlock()
	cause := context.Cause(lctx)
	if fenced && !errors.Is(cause, store.ErrLeaseLost) {
		// The store refused the offset before the keeper's next renewal
		// found the lease gone.
		cause = fmt.Errorf("offset refused: %w", store.ErrLeaseLost)
	}
	if errors.Is(cause, store.ErrLeaseLost) && ctx.Err() == nil {
		p.log.Warn("telegram lease lost: stopped polling", slog.Any("error", cause))
	}
	return err
}

// poll runs getUpdates and hands out the updates until ctx ends.
func (p *Poller) poll(ctx context.Context, fl *inFlight) error {
	offset, err := p.store.TelegramOffset(ctx)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("telegram updates: cannot read the offset", slog.Any("error", err))
		}
		return nil // retried with the next term
	}
	var (
		failures   int  // consecutive failures, for the backoff
		conflicted bool // a 409 was logged and not yet resolved
		failing    bool // a failure was logged and not yet resolved
	)
	cfg := tgbotapi.UpdateConfig{
		Limit:          p.opts.PollLimit,
		Timeout:        int(p.opts.PollTimeout / time.Second),
		AllowedUpdates: p.opts.AllowedUpdates,
	}
	fl.resume(offset)
	for ctx.Err() == nil {
		// Updates finished since the last batch are confirmed with
		// this call.
		if !p.advance(ctx, fl, &offset) {
			return nil
		}
		cfg.Offset = offset
		finished := fl.changed()
		updates, err := telegram.WithContext(ctx, p.api).GetUpdates(cfg)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			wait, fatal := p.classify(err, failures, &conflicted, &failing)
			if fatal != nil {
				return fatal
			}
			failures++
			if !pause.For(ctx, wait) {
				return nil
			}
			continue
		}
		if failing || conflicted {
			p.log.Info("telegram updates: polling again")
			failing, conflicted = false, false
		}
		failures = 0

		fresh, retry := p.handleBatch(ctx, updates, fl)
		if !p.advance(ctx, fl, &offset) {
			return nil
		}
		if retry == 0 && fresh == 0 && len(updates) > 0 {
			// Telegram sent again only updates still being handled and
			// those behind them: getUpdates answers at once while any
			// is unconfirmed. Poll again when one finishes, or after a
			// short pause for new updates, unless the answer was full
			// and only a finished update can make room.
			if !p.awaitProgress(ctx, finished, len(updates) >= cfg.Limit) {
				return nil
			}
			continue
		}
		if retry == 0 && len(updates) == 0 && cfg.Timeout == 0 {
			// Short polling: pace the empty answers instead of
			// spinning.
			retry = p.opts.AcquireEvery
		}
		if retry > 0 && !pause.For(ctx, retry) {
			return nil
		}
	}
	return nil
}

// advance stores the offset past the updates finished since it last
// moved, and reports false when polling must stop (ctx ended, or the
// lease was lost).
func (p *Poller) advance(ctx context.Context, fl *inFlight, offset *int) bool {
	next := fl.low()
	if next <= *offset {
		return true
	}
	ok, err := p.store.SaveTelegramOffset(ctx, fl.fence, next)
	switch {
	case ctx.Err() != nil:
		return false
	case err != nil:
		// The next getUpdates still confirms the updates to Telegram,
		// and the claims keep a restart from handling them twice; only
		// a log is due.
		p.log.Warn("telegram updates: cannot store the offset", slog.Int("offset", next), slog.Any("error", err))
	case !ok:
		p.log.Warn("telegram updates: lease lost before storing the offset", slog.Int("offset", next))
		fl.mu.Lock()
		fl.fencedOut = true
		fl.mu.Unlock()
		return false
	}
	*offset = next
	return true
}

// heldPollEvery is how often getUpdates is called while handled updates
// hold the offset back: Telegram answers at once then, with the
// unconfirmed updates, so a long poll cannot wait for new ones. It is the
// most a new update waits while another chat's update is slow.
const heldPollEvery = 200 * time.Millisecond

// awaitProgress waits until an update finishes (finished is closed) or,
// unless full, heldPollEvery has passed. It reports false when ctx ended.
func (p *Poller) awaitProgress(ctx context.Context, finished <-chan struct{}, full bool) bool {
	var tick <-chan time.Time
	if !full {
		t := time.NewTimer(heldPollEvery)
		defer t.Stop()
		tick = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-finished:
	case <-tick:
	}
	return true
}

// maxHeldUpdates bounds the updates one poller has claimed and not
// finished (queued or running), so its memory and the in-flight updates
// kept in Redis stay bounded: past it, the offset stops at the lowest
// unfinished update, so Telegram keeps the rest and fetching waits for
// updates to finish.
const maxHeldUpdates = 1000

// inFlight tracks the updates of one term as the lease holder: which are
// being handled, and how far updates were handed out.
type inFlight struct {
	mu sync.Mutex
	// running holds the updates handed out and not finished; true for
	// those the offset must not pass (not kept in Redis).
	running map[int]bool
	seen    int           // the highest update id handed out or skipped
	done    chan struct{} // closed and replaced when an update finishes
	// fence is the lease's fence of this term, which storing the
	// offset presents.
	fence store.Fence
	// fencedOut says the store refused the offset for that fence: the
	// lease was lost before its keeper noticed.
	fencedOut bool
}

func newInFlight(fence store.Fence) *inFlight {
	return &inFlight{running: map[int]bool{}, done: make(chan struct{}), fence: fence}
}

// resume starts the count of handed-out updates at offset.
func (f *inFlight) resume(offset int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = offset - 1
}

// isSeen reports whether id was handed out or skipped already.
func (f *inFlight) isSeen(id int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return id <= f.seen
}

// skip records id as passed without handling (done before, or dropped).
func (f *inFlight) skip(id int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = max(f.seen, id)
}

// passRunning records id as passed if it is being handled already (taken
// up from Redis), and reports whether it was.
func (f *inFlight) passRunning(id int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.running[id]; !ok {
		return false
	}
	f.seen = max(f.seen, id)
	return true
}

// start records id as handed out; pinned holds the offset below it until
// it finishes.
func (f *inFlight) start(id int, pinned bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = max(f.seen, id)
	f.running[id] = pinned
}

// adopt records id, taken up from Redis, as handed out, unless it is
// handed out already; it reports whether it recorded it.
func (f *inFlight) adopt(id int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.running[id]; ok {
		return false
	}
	f.running[id] = false
	return true
}

// count is how many updates are handed out and not finished.
func (f *inFlight) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.running)
}

// finish records id as finished.
func (f *inFlight) finish(id int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.running, id)
	close(f.done)
	f.done = make(chan struct{})
}

// changed is closed at the next finish.
func (f *inFlight) changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.done
}

// low is the offset that confirms only updates finished or kept in
// Redis: the one after the last seen, or the lowest unfinished update
// that is not kept, or, past maxHeldUpdates, the lowest unfinished one.
func (f *inFlight) low() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	low := f.seen + 1
	full := len(f.running) > maxHeldUpdates
	for id, pinned := range f.running {
		if pinned || full {
			low = min(low, id)
		}
	}
	return low
}

// classify turns a getUpdates error into a pause before the next try, or
// a fatal error for a refused token. It logs the first of a run of
// failures of one kind, not every retry.
func (p *Poller) classify(err error, failures int, conflicted, failing *bool) (time.Duration, error) {
	switch v := telegram.Classify(err); {
	case v.Kind == telegram.Unauthorized:
		return 0, fmt.Errorf("telegram getUpdates: %w (%d %s)", telegram.ErrTokenRefused, v.Code, v.Description)
	case v.Kind == telegram.Conflict:
		if !*conflicted {
			p.log.Warn("telegram updates: 409 conflict: another process polls with this token, or a webhook is set; backing off",
				slog.String("error", v.Description))
			*conflicted = true
		}
		return jitter(p.opts.ConflictBackoff), nil
	case v.Kind == telegram.TooManyRequests && v.Code == http.StatusTooManyRequests && v.RetryAfter > 0:
		p.log.Warn("telegram updates: 429 too many requests", slog.Int("retry_after", int(v.RetryAfter/time.Second)))
		return v.RetryAfter, nil
	}
	if !*failing {
		p.log.Warn("telegram updates: getUpdates failed; retrying with backoff", slog.Any("error", telegram.RedactToken(err, p.api.Token)))
		*failing = true
	}
	return p.backoff(failures), nil
}

// handleBatch claims the new updates in order and hands them out: each
// to its chat's queue, after the handler's Admit (when it has one) saw
// it. It returns how many updates it saw first in this term (handed out,
// dropped, or done before). retry is non-zero
// when it stopped early, for an update claimed by another handler still
// at work (its claim ends when that handler finishes or dies) or a Redis
// error: the caller waits that long and fetches again; the updates not
// handed out are fetched again, as the offset stays below them.
func (p *Poller) handleBatch(ctx context.Context, updates []tgbotapi.Update, fl *inFlight) (fresh int, retry time.Duration) {
	for _, u := range updates {
		if ctx.Err() != nil {
			// The lease was lost or we are shutting down: the rest is
			// the next holder's (or the next run's).
			return fresh, 0
		}
		if fl.isSeen(u.UpdateID) || fl.passRunning(u.UpdateID) {
			continue // being handled, or finished, in this term
		}
		// Kept with the claim, so the offset may pass the update before
		// it is handled. An update that cannot be encoded is not kept,
		// and holds the offset back until it is done.
		raw, err := json.Marshal(u)
		if err != nil {
			raw = nil
		}
		st, err := p.store.BeginUpdate(ctx, u.UpdateID, raw, p.claimTTL())
		if err != nil {
			if ctx.Err() == nil {
				p.log.Warn("telegram updates: cannot claim an update", slog.Int("update_id", u.UpdateID), slog.Any("error", err))
			}
			return fresh, p.opts.RetryMin
		}
		switch st {
		case store.UpdatePending:
			p.log.Info("telegram updates: update claimed by another handler; waiting", slog.Int("update_id", u.UpdateID))
			return fresh, p.opts.RetryMin
		}
		fresh++
		if st == store.UpdateDone {
			fl.skip(u.UpdateID)
			continue
		}
		h := admit(p.handler, u)
		if h == nil {
			p.finish(ctx, u.UpdateID)
			fl.skip(u.UpdateID)
			continue
		}
		fl.start(u.UpdateID, raw == nil)
		p.dispatch(ctx, fl, h, u)
	}
	return fresh, 0
}

// claimTTL is how long an update stays claimed by a handler whose
// process may have died.
func (p *Poller) claimTTL() time.Duration { return p.opts.HandleTimeout + p.opts.LeaseTTL }

// dispatch queues u, recorded in fl, behind its chat's earlier updates.
func (p *Poller) dispatch(ctx context.Context, fl *inFlight, h UpdateHandler, u tgbotapi.Update) {
	p.disp.dispatch(updateChat(u), func() {
		defer fl.finish(u.UpdateID)
		if ctx.Err() != nil {
			// Not started before the term ended: given back, so the
			// next holder handles it (from Telegram if the offset is
			// still below it, or from Redis) at once.
			p.releaseClaim(ctx, u.UpdateID)
			return
		}
		p.handle(ctx, h, u)
	})
}

// releaseClaim ends this poller's claim on an update it will not handle.
func (p *Poller) releaseClaim(ctx context.Context, updateID int) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := p.store.ReleaseUpdate(rctx, updateID); err != nil {
		p.log.Warn("telegram updates: cannot give an update back; it is handled when its claim expires",
			slog.Int("update_id", updateID), slog.Any("error", err))
	}
}

// recoverAbandoned takes up, every LeaseTTL/3 while ctx lasts, the
// updates kept in Redis whose claim ended without their being handled
// (their handler died, or gave them back at a shutdown or a lost lease),
// and hands them out like fetched ones, after the updates of their chat
// already queued. They were screened by Admit on arrival, so they go to
// the handler itself.
func (p *Poller) recoverAbandoned(ctx context.Context, fl *inFlight) {
	t := time.NewTicker(p.opts.LeaseTTL / 3)
	defer t.Stop()
	failing := false
	for {
		if room := maxHeldUpdates - fl.count(); room > 0 {
			ups, err := p.store.ClaimAbandonedUpdates(ctx, p.claimTTL(), room)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				if !failing {
					p.log.Warn("telegram updates: cannot read abandoned updates; retrying", slog.Any("error", err))
					failing = true
				}
			default:
				failing = false
				p.handOutAbandoned(ctx, fl, ups)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// handOutAbandoned hands out the updates taken up from Redis, in order.
func (p *Poller) handOutAbandoned(ctx context.Context, fl *inFlight, ups []store.AbandonedUpdate) {
	for _, a := range ups {
		var u tgbotapi.Update
		if err := json.Unmarshal(a.Raw, &u); err != nil || u.UpdateID != a.ID {
			p.log.Warn("telegram updates: dropping an unreadable kept update", slog.Int("update_id", a.ID), slog.Any("error", err))
			p.finish(ctx, a.ID)
			continue
		}
		if !fl.adopt(a.ID) {
			// Still queued here: its claim ran out while it waited, and
			// its own turn finishes it.
			continue
		}
		p.log.Info("telegram updates: handling an abandoned update", slog.Int("update_id", a.ID))
		p.dispatch(ctx, fl, p.handler, u)
	}
}

// handle calls h with a context of its own, so that a shutdown or a lost
// lease does not cut a command off half-way, and records the update as
// done. A panicking handler is logged and the update counted as handled,
// so that one poisonous update cannot stop the bot.
func (p *Poller) handle(ctx context.Context, h UpdateHandler, u tgbotapi.Update) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.opts.HandleTimeout)
	defer cancel()
	runHandler(hctx, h, u, func(r any) {
		p.log.Error("telegram updates: handler panicked", slog.Int("update_id", u.UpdateID), slog.Any("panic", r))
	})
	p.finish(hctx, u.UpdateID)
}

// finish records an update as done.
func (p *Poller) finish(ctx context.Context, updateID int) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.opts.HandleTimeout)
	defer cancel()
	if err := p.store.FinishUpdate(fctx, updateID); err != nil {
		p.log.Warn("telegram updates: cannot record a handled update", slog.Int("update_id", updateID), slog.Any("error", err))
	}
}

// backoff is the pause after the n-th consecutive failure (from 0):
// exponential from RetryMin to RetryMax, with jitter so that instances
// do not retry in step.
func (p *Poller) backoff(n int) time.Duration {
	d := p.opts.RetryMin
	for i := 0; i < n && d < p.opts.RetryMax; i++ {
		d *= 2
	}
	return jitter(min(d, p.opts.RetryMax))
}

// jitter spreads d over [d/2, 3d/2).
func jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(mrand.Int64N(int64(d)+1))
}

// Webhook.

// SecretHeader is the header in which Telegram sends a webhook's secret
// token.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// MaxWebhookBody caps a webhook request's body. Updates are a few
// kilobytes (a 4,096-character message with entities); anything far
// larger is not from Telegram.
const MaxWebhookBody = 1 << 20

// webhookHandleTimeout bounds one HandleUpdate call from a webhook.
const webhookHandleTimeout = 30 * time.Second

// WebhookHandler serves Telegram's webhook calls: a POST of one update as
// JSON, with the secret token in SecretHeader. A request without the
// right secret (or any request, when secret is empty) gets 401 and nothing
// is handled. dedup, when not nil, reports whether an update is new
// (store.Store.MarkUpdate does): Telegram retries a call it got no answer
// to, and an update seen before is answered 200 without being handled
// again.
//
// Updates are handled as the poller's are: concurrently across chats (as
// many as Telegram has connections open, up to DefaultUpdateWorkers), in
// order of arrival within a chat, each seen by h's Admit (when it has
// one) on arrival. A call is answered once its update is handled, so a
// server shutdown waits for it.
func WebhookHandler(secret string, h UpdateHandler, dedup func(ctx context.Context, updateID int) (bool, error)) http.Handler {
	disp := newDispatcher(DefaultUpdateWorkers)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		// Constant time, so the secret cannot be guessed byte by byte
		// from response times.
		got := r.Header.Get(SecretHeader)
		if secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var u tgbotapi.Update
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxWebhookBody)).Decode(&u); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "bad update JSON", http.StatusBadRequest)
			return
		}
		if u.UpdateID <= 0 {
			http.Error(w, "missing update_id", http.StatusBadRequest)
			return
		}
		// Detached from the request: Telegram hanging up must not cut a
		// command off half-way.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), webhookHandleTimeout)
		defer cancel()
		if dedup != nil {
			first, err := dedup(ctx, u.UpdateID)
			if err != nil {
				// Telegram retries on an error answer; the update is
				// not lost.
				slog.Default().Warn("telegram webhook: dedup failed", slog.Int("update_id", u.UpdateID), slog.Any("error", err))
				http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
				return
			}
			if !first {
				w.WriteHeader(http.StatusOK)
				return
			}
		}
		if uh := admit(h, u); uh != nil {
			done := make(chan struct{})
			disp.dispatch(updateChat(u), func() {
				defer close(done)
				runHandler(ctx, uh, u, func(p any) {
					slog.Default().Error("telegram webhook: handler panicked", slog.Int("update_id", u.UpdateID), slog.Any("panic", p))
				})
			})
			<-done
		}
		w.WriteHeader(http.StatusOK)
	})
}
