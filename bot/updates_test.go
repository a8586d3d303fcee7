package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
	"github.com/aajil/aajil/telegram"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// updateStores returns n Stores sharing one fresh key prefix on the
// package's real Redis (see TestMain), like n instances of Aajil.
func updateStores(t *testing.T, n int) []*store.Store {
	t.Helper()
	return storetest.OpenInstances(t, n)
}

// pollerRigs returns what Poller tests run on: n instances' Stores on
// one Redis, a fake Bot API, a client of it, and a recorder of the
// updates handled.
func pollerRigs(t *testing.T, n int) ([]*store.Store, *telegramtest.Fake, *tgbotapi.BotAPI, *updateRecorder) {
	t.Helper()
	fake := telegramtest.New(t, telegramtest.Options{})
	return updateStores(t, n), fake, pollerAPI(t, fake), &updateRecorder{}
}

// pollerRig is pollerRigs for one instance.
func pollerRig(t *testing.T) (*store.Store, *telegramtest.Fake, *tgbotapi.BotAPI, *updateRecorder) {
	t.Helper()
	ss, fake, api, rec := pollerRigs(t, 1)
	return ss[0], fake, api, rec
}

func pollerAPI(t *testing.T, fake *telegramtest.Fake) *tgbotapi.BotAPI {
	t.Helper()
	api, err := telegram.NewAPI(context.Background(), fake.Token(), fake.Endpoint(), fake.Client())
	if err != nil {
		t.Fatalf("NewAPI: %v", err)
	}
	return api
}

// fastOptions are PollerOptions scaled down for tests.
func fastPollerOptions(holder string) PollerOptions {
	return PollerOptions{
		Holder:          holder,
		LeaseTTL:        600 * time.Millisecond,
		AcquireEvery:    50 * time.Millisecond,
		PollTimeout:     time.Second,
		HandleTimeout:   2 * time.Second,
		RetryMin:        20 * time.Millisecond,
		RetryMax:        100 * time.Millisecond,
		ConflictBackoff: 400 * time.Millisecond,
		Logger:          slog.New(slog.DiscardHandler),
	}
}

// handledUpdate is one HandleUpdate call seen by an updateRecorder.
type handledUpdate struct {
	by   string
	id   int
	text string
}

// updateRecorder is an UpdateHandler that remembers what it was given.
type updateRecorder struct {
	mu   sync.Mutex
	seen []handledUpdate
	// hook, when set, runs inside HandleUpdate.
	hook func(by string, u tgbotapi.Update)
}

func (r *updateRecorder) handler(by string) UpdateHandler {
	return UpdateHandlerFunc(func(_ context.Context, u tgbotapi.Update) {
		text := ""
		if u.Message != nil {
			text = u.Message.Text
		}
		r.mu.Lock()
		r.seen = append(r.seen, handledUpdate{by: by, id: u.UpdateID, text: text})
		hook := r.hook
		r.mu.Unlock()
		if hook != nil {
			hook(by, u)
		}
	})
}

func (r *updateRecorder) all() []handledUpdate {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

func (r *updateRecorder) ids() []int {
	var ids []int
	for _, h := range r.all() {
		ids = append(ids, h.id)
	}
	return ids
}

// waitHandled waits until n updates were handled.
func (r *updateRecorder) waitHandled(t *testing.T, n int, within time.Duration) {
	t.Helper()
	if !wait.Until(within, func() bool { return len(r.all()) >= n }) {
		t.Fatalf("handled %v within %v, want %d updates", r.ids(), within, n)
	}
}

// span returns the ids from..to.
func idSpan(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// runningPoller is a Poller's Run in a goroutine.
type runningPoller struct {
	cancel context.CancelFunc
	done   chan error
}

func startPoller(t *testing.T, p *Poller) *runningPoller {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningPoller{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- p.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels Run and returns its result.
func (r *runningPoller) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok {
			close(r.done)
		}
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of its context's cancellation")
		return nil
	}
}

// waitOffset waits until the stored offset is want.
func waitOffset(t *testing.T, s *store.Store, want int) {
	t.Helper()
	got := 0
	ok := wait.Until(5*time.Second, func() bool {
		var err error
		if got, err = s.TelegramOffset(context.Background()); err != nil {
			t.Fatal(err)
		}
		return got == want
	})
	if !ok {
		t.Fatalf("stored offset = %d, want %d", got, want)
	}
}

// stopFinished stops a poller and checks that every update in ids is
// marked handled in s. Run returns once the updates in hand are
// finished, so what was handled by then is all that was; and a finished
// update is handed out again neither by a redelivery from Telegram nor
// by a take-up from Redis. Together they make a check that no update is
// handled twice that needs no waiting.
func stopFinished(t *testing.T, r *runningPoller, s *store.Store, ids []int) {
	t.Helper()
	if err := r.stop(t); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	for _, id := range ids {
		if got, err := s.BeginUpdate(context.Background(), id, nil, time.Millisecond); err != nil || got != store.UpdateDone {
			t.Errorf("update %d = %v, %v; want %v", id, got, err, store.UpdateDone)
		}
	}
}

// waitLeaseHolder waits until an instance holds the poller's lease, and
// returns its holder.
func waitLeaseHolder(t *testing.T, s *store.Store) string {
	t.Helper()
	var h string
	wait.Within(t, 5*time.Second, "an instance to take the lease", func() bool {
		var err error
		if h, err = s.LeaseHolder(context.Background()); err != nil {
			t.Fatal(err)
		}
		return h != ""
	})
	return h
}

var (
	updUser = telegramtest.User{ID: 42, FirstName: "Rama", LanguageCode: "ar"}
	updChat = telegramtest.PrivateChat(42)
)

func TestPollerHandlesInOrderAndResumesAfterRestart(t *testing.T) {
	st, fake, api, rec := pollerRig(t)

	// Waiting before the first start, and sent while running.
	fake.SendText(updChat, updUser, "/start")
	fake.SendText(updChat, updUser, "/add دمشق")
	fake.SendText(updChat, updUser, "/list")
	first := startPoller(t, NewPoller(api, st, rec.handler("p1"), fastPollerOptions("p1")))
	fake.SendText(updChat, updUser, "/mode all")
	fake.SendText(updChat, updUser, `/add "وزارة الخارجية" -رياضة`)
	rec.waitHandled(t, 5, 5*time.Second)
	waitOffset(t, st, 6)
	if err := first.stop(t); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	if h, _ := st.LeaseHolder(context.Background()); h != "" {
		t.Errorf("lease held by %q after shutdown, want released", h)
	}

	// Sent while no poller runs: the next one gets them, and only them.
	fake.SendText(updChat, updUser, "/sources")
	fake.SendText(updChat, updUser, "/pause 2h")
	fake.SendText(updChat, updUser, "/status")
	second := startPoller(t, NewPoller(api, st, rec.handler("p2"), fastPollerOptions("p2")))
	rec.waitHandled(t, 8, 5*time.Second)
	waitOffset(t, st, 9)
	stopFinished(t, second, st, idSpan(1, 8))

	wantTexts := []string{"/start", "/add دمشق", "/list", "/mode all", `/add "وزارة الخارجية" -رياضة`, "/sources", "/pause 2h", "/status"}
	got := rec.all()
	if len(got) != len(wantTexts) {
		t.Fatalf("handled %v, want ids %v", rec.ids(), idSpan(1, 8))
	}
	for i, h := range got {
		wantBy := "p1"
		if i >= 5 {
			wantBy = "p2"
		}
		if h.id != i+1 || h.text != wantTexts[i] || h.by != wantBy {
			t.Errorf("handled[%d] = {%s %d %q}, want {%s %d %q}", i, h.by, h.id, h.text, wantBy, i+1, wantTexts[i])
		}
	}
	for _, c := range fake.Calls("getUpdates") {
		if c.Params["allowed_updates"] == "" || !strings.Contains(c.Params["allowed_updates"], "callback_query") {
			t.Errorf("getUpdates allowed_updates = %q, want the default list", c.Params["allowed_updates"])
			break
		}
		if c.Params["timeout"] != "1" {
			t.Errorf("getUpdates timeout = %q, want %q", c.Params["timeout"], "1")
			break
		}
	}
}

func TestPollerRedeliveryAfterCrashIsHandledOnce(t *testing.T) {
	st, fake, api, rec := pollerRig(t)

	for _, text := range []string{"/start", "/add حلب", "/list"} {
		fake.SendText(updChat, updUser, text)
	}
	// The first poller "crashes" (its lease ends) while handling update 2
	// of the batch of three: update 3, queued behind it, is given back
	// unhandled. The offset may have moved past both, as they are kept
	// in Redis.
	crash, crashed := make(chan struct{}), make(chan struct{})
	rec.hook = func(by string, u tgbotapi.Update) {
		if by == "p1" && u.UpdateID == 2 {
			close(crash)
			<-crashed // the poller's context is cancelled before it goes on
		}
	}
	first := startPoller(t, NewPoller(api, st, rec.handler("p1"), fastPollerOptions("p1")))
	select {
	case <-crash:
	case <-time.After(5 * time.Second):
		t.Fatal("update 2 was not handled within 5s")
	}
	first.cancel()
	close(crashed)
	first.stop(t)

	if got := rec.ids(); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("before the crash: handled %v, want [1 2]", got)
	}
	second := startPoller(t, NewPoller(api, st, rec.handler("p2"), fastPollerOptions("p2")))
	rec.waitHandled(t, 3, 5*time.Second)
	waitOffset(t, st, 4)
	stopFinished(t, second, st, idSpan(1, 3))
	if got, want := rec.ids(), idSpan(1, 3); !slices.Equal(got, want) {
		t.Errorf("handled %v, want %v (each once)", got, want)
	}
	if got := rec.all()[2].by; got != "p2" {
		t.Errorf("update 3 handled by %s, want p2", got)
	}
}

// TestPollerTakesUpUpdatesOfADeadHandler: a process claimed two updates
// of one chat, stored the offset past them and died before handling
// them. Telegram will not deliver them again; the next poller takes them
// up from Redis once their claim expired and handles each once, in
// order, along with what it fetches.
func TestPollerTakesUpUpdatesOfADeadHandler(t *testing.T) {
	ctx := context.Background()
	st, fake, api, rec := pollerRig(t)

	fake.SendText(updChat, updUser, "/start")
	fake.SendText(updChat, updUser, "/add حلب")
	const claim = 300 * time.Millisecond
	dead := st.TelegramLease("dead", claim)
	if token, _, err := dead.Take(ctx); err != nil || token == 0 {
		t.Fatalf("Take = %d, %v", token, err)
	}
	updates, err := api.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(updates) != 2 {
		t.Fatalf("GetUpdates = %d updates, %v; want 2", len(updates), err)
	}
	for _, u := range updates {
		raw, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := st.BeginUpdate(ctx, u.UpdateID, raw, claim); err != nil || got != store.UpdateNew {
			t.Fatalf("BeginUpdate(%d) = %v, %v; want new", u.UpdateID, got, err)
		}
	}
	if ok, err := st.SaveTelegramOffset(ctx, dead.Fence(), 3); err != nil || !ok {
		t.Fatalf("SaveTelegramOffset = %v, %v", ok, err)
	}
	// The lease and the claims are left to expire.

	p := startPoller(t, NewPoller(api, st, rec.handler("p"), fastPollerOptions("p")))
	fake.SendText(updChat, updUser, "/list")
	rec.waitHandled(t, 3, 5*time.Second)
	waitOffset(t, st, 4)
	// Run returns once the updates in hand are finished: what was handled
	// by then is all that will be, and a repeat would be among it.
	if err := p.stop(t); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}

	got := rec.all()
	var ids []int
	textOf := map[int]string{}
	for _, h := range got {
		ids = append(ids, h.id)
		textOf[h.id] = h.text
	}
	if sorted := slices.Sorted(slices.Values(ids)); !slices.Equal(sorted, idSpan(1, 3)) {
		t.Fatalf("handled %v, want 1, 2 and 3 each once", ids)
	}
	if slices.Index(ids, 1) > slices.Index(ids, 2) {
		t.Errorf("handled %v, want the dead handler's updates in order", ids)
	}
	for id, want := range map[int]string{1: "/start", 2: "/add حلب", 3: "/list"} {
		if textOf[id] != want {
			t.Errorf("update %d text = %q, want %q", id, textOf[id], want)
		}
	}
	// Nothing is left to take up: a second poller handles nothing more.
	if left, err := st.ClaimAbandonedUpdates(ctx, time.Minute, 10); err != nil || len(left) != 0 {
		t.Errorf("abandoned updates after handling = %v, %v; want none", left, err)
	}
}

func TestPollerWaitsForAnotherHandlersClaim(t *testing.T) {
	st, fake, api, rec := pollerRig(t)

	// An instance that died while handling update 1 left its claim.
	const claim = 400 * time.Millisecond
	if s, err := st.BeginUpdate(context.Background(), 1, nil, claim); err != nil || s != store.UpdateNew {
		t.Fatalf("BeginUpdate = %v, %v", s, err)
	}
	began := time.Now()
	fake.SendText(updChat, updUser, "/start")
	fake.SendText(updChat, updUser, "/help")
	startPoller(t, NewPoller(api, st, rec.handler("p"), fastPollerOptions("p")))
	rec.waitHandled(t, 2, 5*time.Second)
	if got, want := rec.ids(), []int{1, 2}; !slices.Equal(got, want) {
		t.Errorf("handled %v, want %v: the dead handler's update must not be lost nor overtaken", got, want)
	}
	expiry := claim
	if storetest.Embedded() {
		expiry -= store.EmbeddedExpiryTick // its keys may go a tick early
	}
	if elapsed := time.Since(began); elapsed < expiry {
		t.Errorf("update 1 handled after %v, before the other handler's claim (%v) expired", elapsed, claim)
	}
}

func TestPollersOneAtATimeAndTakeover(t *testing.T) {
	ss, fake, api, rec := pollerRigs(t, 2)
	opts := map[string]PollerOptions{"a": fastPollerOptions("a"), "b": fastPollerOptions("b")}

	runs := map[string]*runningPoller{
		"a": startPoller(t, NewPoller(api, ss[0], rec.handler("a"), opts["a"])),
		"b": startPoller(t, NewPoller(api, ss[1], rec.handler("b"), opts["b"])),
	}
	stores := map[string]*store.Store{"a": ss[0], "b": ss[1]}
	holder := waitLeaseHolder(t, ss[0])
	other := map[string]string{"a": "b", "b": "a"}[holder]

	for i := range 5 {
		fake.SendText(updChat, updUser, fmt.Sprintf("/add خبر %d", i))
	}
	rec.waitHandled(t, 5, 5*time.Second)
	// Several lease periods with both running: the lease stays with the
	// holder, and only it polls.
	start := time.Now()
	wait.For(t, "three lease periods", func() bool {
		if h, err := ss[0].LeaseHolder(context.Background()); err != nil || h != holder {
			t.Fatalf("lease holder = %q, %v; want %q throughout", h, err, holder)
		}
		return time.Since(start) > 3*opts[holder].LeaseTTL
	})
	for _, h := range rec.all() {
		if h.by != holder {
			t.Errorf("update %d handled by %s, want only the holder %s", h.id, h.by, holder)
		}
	}

	// The holder dies without releasing, as a killed process does (its
	// connection to Redis gone): the other takes over after the lease
	// expires and gets what was sent meanwhile.
	died := time.Now()
	stores[holder].Close()
	runs[holder].stop(t)
	for i := range 5 {
		fake.SendText(updChat, updUser, fmt.Sprintf("/del %d", i))
	}
	rec.waitHandled(t, 10, 10*opts[holder].LeaseTTL)
	takeover := time.Since(died)
	waitOffset(t, stores[other], 11)
	// The lease is read before the survivor stops and releases it.
	if h, _ := stores[other].LeaseHolder(context.Background()); h != other {
		t.Errorf("lease holder = %q, want %q", h, other)
	}
	stopFinished(t, runs[other], stores[other], idSpan(1, 10))

	got := rec.all()
	if ids, want := rec.ids(), idSpan(1, 10); !slices.Equal(ids, want) {
		t.Fatalf("handled %v, want %v (each once, in order)", ids, want)
	}
	for _, h := range got[5:] {
		if h.by != other {
			t.Errorf("update %d handled by %s, want %s after the takeover", h.id, h.by, other)
		}
	}
	for _, c := range fake.Calls("getUpdates") {
		if c.Status == http.StatusConflict {
			t.Errorf("a getUpdates call at %v got 409: two pollers overlapped", c.At.Format("15:04:05.000"))
		}
	}
	t.Logf("takeover after %v (lease TTL %v)", takeover, opts[holder].LeaseTTL)
}

func TestPollerStopsWhenLeaseIsLost(t *testing.T) {
	ss, fake, api, rec := pollerRigs(t, 2)
	opts := fastPollerOptions("p")
	opts.PollTimeout = 5 * time.Second // a long poll that must be cut short
	logs := &messageLog{}
	opts.Logger = slog.New(logs)
	p := NewPoller(api, ss[0], rec.handler("p"), opts)
	startPoller(t, p)
	waitLeaseHolder(t, ss[0])
	fake.SendText(updChat, updUser, "/start")
	rec.waitHandled(t, 1, 5*time.Second)

	// Another instance takes the lease from under the poller (as after a
	// pause longer than the TTL).
	ctx := context.Background()
	if ok, err := ss[1].TelegramLease(p.Holder(), time.Minute).Release(ctx); err != nil || !ok {
		t.Fatalf("release the poller's lease: %v, %v", ok, err)
	}
	intruder := ss[1].TelegramLease("intruder", time.Minute)
	if token, _, err := intruder.Take(ctx); err != nil || token == 0 {
		t.Fatalf("intruder take: %d, %v", token, err)
	}
	// Within a renewal period the poller notices and its pending long
	// poll is abandoned.
	logs.waitFor(t, "telegram lease lost: stopped polling")
	before := len(fake.Calls("getUpdates"))
	fake.SendText(updChat, updUser, "/help")
	if wait.Until(opts.LeaseTTL, func() bool { return len(fake.Calls("getUpdates")) != before }) {
		t.Errorf("getUpdates calls went from %d to %d while another instance held the lease", before, len(fake.Calls("getUpdates")))
	}
	if got := rec.ids(); !slices.Equal(got, []int{1}) {
		t.Errorf("handled %v without the lease, want [1]", got)
	}
	if got := fake.Pending(); got != 1 {
		t.Errorf("fake has %d unconfirmed updates, want 1 (left for the lease holder)", got)
	}

	// When the lease is free again the poller takes it and carries on.
	if ok, err := intruder.Release(ctx); err != nil || !ok {
		t.Fatalf("intruder release: %v, %v", ok, err)
	}
	rec.waitHandled(t, 2, 5*time.Second)
	if got := rec.ids(); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("handled %v, want [1 2]", got)
	}
}

func TestPollerRetries(t *testing.T) {
	tests := map[string]struct {
		fail    telegramtest.Failure
		minWait time.Duration // lower bound of the pause after the failure
	}{
		"500":                  {fail: telegramtest.ServerError(http.StatusInternalServerError)},
		"502":                  {fail: telegramtest.ServerError(http.StatusBadGateway)},
		"429 with retry_after": {fail: telegramtest.TooManyRequests(1), minWait: time.Second},
		"409 conflict": {
			fail:    telegramtest.Failure{Code: http.StatusConflict, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"},
			minWait: fastPollerOptions("").ConflictBackoff / 2,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st, fake, api, rec := pollerRig(t)
			fake.FailNextWith("getUpdates", tc.fail)
			fake.FailNextWith("getUpdates", tc.fail)
			fake.SendText(updChat, updUser, "/start")
			r := startPoller(t, NewPoller(api, st, rec.handler("p"), fastPollerOptions("p")))
			rec.waitHandled(t, 1, 10*time.Second)

			calls := fake.Calls("getUpdates")
			if len(calls) < 3 {
				t.Fatalf("getUpdates called %d times, want at least 3", len(calls))
			}
			for i, want := range []int{tc.fail.Code, tc.fail.Code, http.StatusOK} {
				if calls[i].Status != want {
					t.Errorf("getUpdates call %d: status %d, want %d", i, calls[i].Status, want)
				}
			}
			for i := 1; i < 3; i++ {
				if gap := calls[i].At.Sub(calls[i-1].At); gap < tc.minWait {
					t.Errorf("retry %d after %v, want at least %v", i, gap, tc.minWait)
				}
			}
			if got := rec.ids(); !slices.Equal(got, []int{1}) {
				t.Errorf("handled %v, want [1]", got)
			}
			if err := r.stop(t); err != nil {
				t.Errorf("Run = %v, want nil", err)
			}
		})
	}
}

func TestPollerRefusedToken(t *testing.T) {
	tests := map[string]func(fake *telegramtest.Fake, api *tgbotapi.BotAPI){
		// The token is revoked while the bot runs.
		"revoked": func(_ *telegramtest.Fake, api *tgbotapi.BotAPI) {
			api.Token = "123456789:AARevokedTokenValue_zyxwvutsrqponm"
		},
		"401": func(fake *telegramtest.Fake, _ *tgbotapi.BotAPI) { fake.FailNext("getUpdates", 401, "Unauthorized", 0) },
	}
	for name, setup := range tests {
		t.Run(name, func(t *testing.T) {
			st := updateStores(t, 1)[0]
			fake := telegramtest.New(t, telegramtest.Options{})
			api := pollerAPI(t, fake)
			setup(fake, api)
			p := NewPoller(api, st, (&updateRecorder{}).handler("p"), fastPollerOptions("p"))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := p.Run(ctx)
			if ctx.Err() != nil {
				t.Fatal("Run did not return on a refused token")
			}
			if !errors.Is(err, telegram.ErrTokenRefused) {
				t.Fatalf("Run = %v, want ErrTokenRefused", err)
			}
			for _, tok := range []string{api.Token, fake.Token()} {
				if strings.Contains(err.Error(), tok) {
					t.Errorf("error %q contains the token", err)
				}
			}
			if h, _ := st.LeaseHolder(context.Background()); h != "" {
				t.Errorf("lease held by %q after Run returned, want released", h)
			}
		})
	}
}

func TestPollerSurvivesHandlerPanic(t *testing.T) {
	st, fake, api, rec := pollerRig(t)
	rec.hook = func(_ string, u tgbotapi.Update) {
		if u.UpdateID == 1 {
			panic("handler bug")
		}
	}
	fake.SendText(updChat, updUser, "\u200f/start\x00")
	fake.SendText(updChat, updUser, "/help")
	startPoller(t, NewPoller(api, st, rec.handler("p"), fastPollerOptions("p")))
	rec.waitHandled(t, 2, 5*time.Second)
	waitOffset(t, st, 3)
	if got := rec.ids(); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("handled %v, want [1 2]", got)
	}
}

// webhookBody is an update as Telegram posts it to a webhook.
func webhookBody(id int, text string) string {
	b, _ := json.Marshal(map[string]any{
		"update_id": id,
		"message": map[string]any{
			"message_id": id, "date": 1767225600, "text": text,
			"chat": map[string]any{"id": 42, "type": "private"},
			"from": map[string]any{"id": 42, "is_bot": false, "first_name": "رامة", "language_code": "ar"},
		},
	})
	return string(b)
}

func TestWebhookHandler(t *testing.T) {
	st := updateStores(t, 1)[0]
	rec := &updateRecorder{}
	const secret = "s3cr3t-Token_for-tests"
	srv := httptest.NewServer(WebhookHandler(secret, rec.handler("hook"), st.MarkUpdate))
	t.Cleanup(srv.Close)

	// Steps run in order: the duplicate depends on the first delivery.
	steps := []struct {
		name       string
		method     string
		secret     *string
		body       string
		wantStatus int
		wantIDs    []int // handled so far
	}{
		{"right secret", "POST", strPtr(secret), webhookBody(1, "/start"), 200, []int{1}},
		{"duplicate update", "POST", strPtr(secret), webhookBody(1, "/start"), 200, []int{1}},
		{"next update", "POST", strPtr(secret), webhookBody(2, "/add \"سوريا\""), 200, []int{1, 2}},
		{"wrong secret", "POST", strPtr("s3cr3t-Token_for-test"), webhookBody(3, "/stop"), 401, []int{1, 2}},
		{"missing secret", "POST", nil, webhookBody(4, "/stop"), 401, []int{1, 2}},
		{"empty secret", "POST", strPtr(""), webhookBody(5, "/stop"), 401, []int{1, 2}},
		{"bad JSON", "POST", strPtr(secret), `{"update_id": 6, "message": `, 400, []int{1, 2}},
		{"not an update", "POST", strPtr(secret), `["update_id", 7]`, 400, []int{1, 2}},
		{"no update_id", "POST", strPtr(secret), `{"message": {"text": "/start"}}`, 400, []int{1, 2}},
		{"too large", "POST", strPtr(secret), `{"update_id": 8, "x": "` + strings.Repeat("ع", MaxWebhookBody) + `"}`, 413, []int{1, 2}},
		{"GET", "GET", strPtr(secret), "", 405, []int{1, 2}},
		{"after refusals", "POST", strPtr(secret), webhookBody(9, "/help"), 200, []int{1, 2, 9}},
	}
	for _, s := range steps {
		req, err := http.NewRequest(s.method, srv.URL, strings.NewReader(s.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if s.secret != nil {
			req.Header.Set(SecretHeader, *s.secret)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != s.wantStatus {
			t.Errorf("%s: status %d, want %d", s.name, resp.StatusCode, s.wantStatus)
		}
		if got := rec.ids(); !slices.Equal(got, s.wantIDs) {
			t.Errorf("%s: handled %v, want %v", s.name, got, s.wantIDs)
		}
	}
	if got := rec.all()[1].text; got != `/add "سوريا"` {
		t.Errorf("update 2 text = %q, want %q", got, `/add "سوريا"`)
	}
}

func TestWebhookHandlerWithoutSecretRefusesAll(t *testing.T) {
	rec := &updateRecorder{}
	h := WebhookHandler("", rec.handler("hook"), nil)
	for name, header := range map[string]*string{"no header": nil, "empty header": strPtr("")} {
		req := httptest.NewRequest("POST", "/", strings.NewReader(webhookBody(1, "/start")))
		if header != nil {
			req.Header.Set(SecretHeader, *header)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, w.Code)
		}
	}
	if got := rec.ids(); len(got) != 0 {
		t.Errorf("handled %v, want nothing", got)
	}
}

func TestWebhookHandlerDedupError(t *testing.T) {
	rec := &updateRecorder{}
	failing := func(context.Context, int) (bool, error) { return false, errors.New("redis down") }
	h := WebhookHandler("abc", rec.handler("hook"), failing)
	req := httptest.NewRequest("POST", "/", strings.NewReader(webhookBody(1, "/start")))
	req.Header.Set(SecretHeader, "abc")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	// An error answer makes Telegram retry later: nothing is lost.
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", w.Code)
	}
	if got := rec.ids(); len(got) != 0 {
		t.Errorf("handled %v, want nothing", got)
	}
}

// FuzzWebhookHandler: no body, however malformed, panics the handler or
// gets an answer other than handled (200), refused as malformed (400) or
// too large (413); an update is handled at most once.
func FuzzWebhookHandler(f *testing.F) {
	f.Add(webhookBody(1, "/start"))
	f.Add(webhookBody(2, "/add \"وزارة الدفاع\" -رياضة"))
	f.Add(webhookBody(3, "\u200f/help@aajil_test_bot\u200e <b>x</b>"))
	f.Add(`{"update_id": 4, "callback_query": {"id": "cbq-4", "from": {"id": 42}, "data": "src:sana"}}`)
	f.Add(`{"update_id": -1}`)
	f.Add(`{"update_id": 1e400}`)
	f.Add("\xff\xfe{")
	f.Fuzz(func(t *testing.T, body string) {
		rec := &updateRecorder{}
		seen := map[int]bool{}
		dedup := func(_ context.Context, id int) (bool, error) {
			if seen[id] {
				return false, nil
			}
			seen[id] = true
			return true, nil
		}
		h := WebhookHandler("k", rec.handler("hook"), dedup)
		for range 2 {
			req := httptest.NewRequest("POST", "/", strings.NewReader(body))
			req.Header.Set(SecretHeader, "k")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			switch w.Code {
			case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			default:
				t.Fatalf("status %d for body %q", w.Code, body)
			}
		}
		if n := len(rec.ids()); n > 1 {
			t.Errorf("handled %d times, want at most once", n)
		}
	})
}

func strPtr[T any](v T) *T { return &v }

func TestNewPollerKeepsLongPollBelowClientTimeout(t *testing.T) {
	tests := map[string]struct {
		client  tgbotapi.HTTPClient
		timeout time.Duration // PollerOptions.PollTimeout
		want    time.Duration
	}{
		"no client timeout":      {client: &http.Client{}, want: DefaultPollTimeout},
		"long client timeout":    {client: &http.Client{Timeout: time.Minute}, want: DefaultPollTimeout},
		"short client timeout":   {client: &http.Client{Timeout: 12500 * time.Millisecond}, want: 7 * time.Second},
		"very short":             {client: &http.Client{Timeout: 3 * time.Second}, want: 0},
		"explicit, within limit": {client: &http.Client{Timeout: 10 * time.Second}, timeout: 2 * time.Second, want: 2 * time.Second},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			api := &tgbotapi.BotAPI{Client: tc.client}
			p := NewPoller(api, nil, nil, PollerOptions{PollTimeout: tc.timeout})
			if got := p.opts.PollTimeout; got != tc.want {
				t.Errorf("PollTimeout = %v, want %v", got, tc.want)
			}
		})
	}
}

// messageLog is a slog.Handler that keeps the messages logged, so a test
// can wait for what the code under test reports.
type messageLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *messageLog) Enabled(context.Context, slog.Level) bool { return true }

func (l *messageLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.msgs = append(l.msgs, r.Message)
	l.mu.Unlock()
	return nil
}

func (l *messageLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *messageLog) WithGroup(string) slog.Handler      { return l }

// waitFor waits until msg was logged.
func (l *messageLog) waitFor(t *testing.T, msg string) {
	t.Helper()
	wait.For(t, "the log "+strconv.Quote(msg), func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return slices.Contains(l.msgs, msg)
	})
}

// TestPollerStopsWhenTheOffsetIsRefused: the lease is taken from under
// the poller while it handles an update, long before its keeper's next
// renewal. The next offset it stores is refused by the fence, and the
// poller stops, says the lease was lost, and handles nothing more.
func TestPollerStopsWhenTheOffsetIsRefused(t *testing.T) {
	ss, fake, api, rec := pollerRigs(t, 2)
	opts := fastPollerOptions("p")
	opts.LeaseTTL = time.Minute // the keeper renews every 20 s: too late here
	logs := &messageLog{}
	opts.Logger = slog.New(logs)
	p := NewPoller(api, ss[0], rec.handler("p"), opts)
	ctx := context.Background()
	rec.hook = func(_ string, u tgbotapi.Update) {
		if u.UpdateID != 1 {
			return
		}
		if ok, err := ss[1].TelegramLease(p.Holder(), time.Minute).Release(ctx); err != nil || !ok {
			t.Errorf("release the poller's lease: %v, %v", ok, err)
		}
		if token, _, err := ss[1].TelegramLease("intruder", time.Minute).Take(ctx); err != nil || token == 0 {
			t.Errorf("intruder take: %d, %v", token, err)
		}
	}
	startPoller(t, p)
	waitLeaseHolder(t, ss[0])
	fake.SendText(updChat, updUser, "/start")
	rec.waitHandled(t, 1, 5*time.Second)
	// The next update's offset is the first stored after the lease was
	// taken, whether or not update 1's went before.
	fake.SendText(updChat, updUser, "/help")
	logs.waitFor(t, "telegram lease lost: stopped polling")
	handled := len(rec.all()) // /help may have been handled before the refusal
	fake.SendText(updChat, updUser, "/status")
	if wait.Until(time.Second, func() bool { return len(rec.all()) > handled }) {
		t.Errorf("handled %v after stopping, while another instance held the lease", rec.ids())
	}
}
