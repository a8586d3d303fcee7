package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// TestRunServesCommandsInTelegram: with a token, `aajil run` checks it,
// sets the Arabic and English command menus and answers a subscriber's
// commands through the Bot API (a fake one on 127.0.0.1).
func TestRunServesCommandsInTelegram(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	feed, _ := countingFeed(t)
	cfgPath := filepath.Join(t.TempDir(), "aajil.yaml")
	if err := os.WriteFile(cfgPath, []byte("sources:\n  - id: tg-feed\n    url: "+feed.URL+"/feed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"AAJIL_CONFIG": cfgPath, "AAJIL_ALLOW_PRIVATE_SOURCES": "true", "AAJIL_HTTP_ADDR": "127.0.0.1:0",
		"AAJIL_REDIS_URL":      os.Getenv("AAJIL_TEST_REDIS_URL"),
		"AAJIL_TELEGRAM_TOKEN": fake.Token(), "AAJIL_TELEGRAM_API": fake.Endpoint(),
	}
	run := startRun(t, env)

	user := telegramtest.User{ID: 4242, FirstName: "سلمى", LanguageCode: "ar"}
	fake.SendText(telegramtest.PrivateChat(user.ID), user, "/start")
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	sent, err := fake.WaitSent(wctx, user.ID, 1)
	if err != nil {
		t.Fatalf("no reply to /start: %v; stderr:\n%s", err, run.stderr.String())
	}
	if !strings.Contains(sent[0].Text, "عاجل") {
		t.Errorf("/start reply %q is not the Arabic welcome", sent[0].Text)
	}
	if fake.Commands("ar") == "" || fake.Commands("en") == "" {
		t.Errorf("command menus not set: ar %q, en %q", fake.Commands("ar"), fake.Commands("en"))
	}
	if code := run.stop(); code != 0 {
		t.Errorf("run exited %d, want 0; stderr:\n%s", code, run.stderr.String())
	}
	if strings.Contains(run.stderr.String(), fake.Token()) {
		t.Error("the log shows the bot token")
	}
}

func TestRunRefusedTokenExits(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	env := map[string]string{
		"AAJIL_REDIS_URL":      os.Getenv("AAJIL_TEST_REDIS_URL"),
		"AAJIL_TELEGRAM_TOKEN": "123:not-the-token", "AAJIL_TELEGRAM_API": fake.Endpoint(),
	}
	code, _, errOut := runCLI(t, env, "run")
	if code != 1 || !strings.Contains(errOut, "refused the bot token") || strings.Contains(errOut, "not-the-token") {
		t.Errorf("exit %d, stderr %q; want 1 with a clear refusal and no token", code, errOut)
	}
}

// TestRunWebhookMode: with AAJIL_WEBHOOK_URL, run sets the webhook with a
// secret token and serves updates on AAJIL_HTTP_ADDR, refusing requests
// without the secret.
func TestRunWebhookMode(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	hook := "http://" + addr + "/tg-hook"
	env := map[string]string{
		"AAJIL_REDIS_URL":      os.Getenv("AAJIL_TEST_REDIS_URL"),
		"AAJIL_TELEGRAM_TOKEN": fake.Token(), "AAJIL_TELEGRAM_API": fake.Endpoint(),
		"AAJIL_WEBHOOK_URL": hook, "AAJIL_HTTP_ADDR": addr,
		"AAJIL_CONFIG": writeConfig(t, "sources: []\n"),
	}
	run := startRun(t, env)

	secret := webhookSecret(fake.Token())
	var set map[string]string
	wait.Within(t, 10*time.Second, "setWebhook", func() bool {
		calls := fake.Calls("setWebhook")
		if len(calls) > 0 {
			set = calls[0].Params
		}
		return set != nil
	})
	if set["url"] != hook || set["secret_token"] != secret {
		t.Errorf("setWebhook params = %v, want url %q and the derived secret", set, hook)
	}
	if strings.Contains(secret, fake.Token()) {
		t.Error("the webhook secret contains the token")
	}
	update := `{"update_id": 77, "message": {"message_id": 5, "date": 1700000000, "text": "/start",
		"entities": [{"type": "bot_command", "offset": 0, "length": 6}],
		"chat": {"id": 555, "type": "private"}, "from": {"id": 555, "is_bot": false, "first_name": "Omar", "language_code": "en"}}}`
	post := func(secret string) int {
		var code int
		wait.Within(t, 10*time.Second, "the webhook server", func() bool {
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, hook, strings.NewReader(update))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if secret != "" {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return false // not listening yet
			}
			resp.Body.Close()
			code = resp.StatusCode
			return true
		})
		return code
	}
	if code := post("wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong secret: status %d, want 401", code)
	}
	if code := post(secret); code != http.StatusOK {
		t.Errorf("right secret: status %d, want 200", code)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if _, err := fake.WaitSent(wctx, 555, 1); err != nil {
		t.Fatalf("no reply to /start through the webhook: %v; stderr:\n%s", err, run.stderr.String())
	}
	if code := run.stop(); code != 0 {
		t.Errorf("run exited %d, want 0; stderr:\n%s", code, run.stderr.String())
	}
}

// cliRun is `aajil run` running in this process.
type cliRun struct {
	stdout, stderr syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

// startRun starts `aajil run` with env as its environment, in a
// goroutine. It is cancelled when the test ends, and the log's tail is
// shown if the test failed.
func startRun(t *testing.T, env map[string]string) *cliRun {
	t.Helper()
	return startRunEvery(t, env, 0)
}

// startRunEvery is startRun with the registries checked every watch
// (and what is paced by it: the WebSub manager and health every 30
// watches, the poll state saved every 10) instead of every second.
func startRunEvery(t *testing.T, vars map[string]string, watch time.Duration) *cliRun {
	t.Helper()
	getenv := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	ctx, cancel := context.WithCancel(context.Background())
	r := &cliRun{cancel: cancel, done: make(chan int, 1)}
	e := env{stdin: strings.NewReader(""), stdout: &r.stdout, stderr: &r.stderr, getenv: getenv, watchEvery: watch}
	go func() { r.done <- runCmd(ctx, e, nil) }()
	t.Cleanup(func() {
		cancel()
		if t.Failed() {
			t.Logf("log:\n%s", lastLines(r.stderr.String(), 40))
		}
	})
	return r
}

// stop cancels the run and returns its exit code once it has returned.
// It is called at most once.
func (r *cliRun) stop() int {
	r.cancel()
	return <-r.done
}

// waitSent waits (up to 30 s) until chat has been sent n messages and
// returns them.
func waitSent(t *testing.T, fake *telegramtest.Fake, chat int64, n int) []telegramtest.SentMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sent, err := fake.WaitSent(ctx, chat, n)
	if err != nil {
		t.Fatalf("chat %d: %v (got %d messages)", chat, err, len(fake.Sent(chat)))
	}
	return sent
}

func writeConfig(t *testing.T, doc string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "aajil.yaml")
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunEndToEnd: a subscriber starts the bot and adds a rule, an admin
// adds a source from the chat, the source publishes an urgent item that
// matches the rule, and the subscriber gets the alert, rendered, once.
// When a second source reports the same story, the alert already sent is
// edited to name it; no second message is sent.
func TestRunEndToEnd(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{Limits: telegramtest.TelegramLimits()})
	redisURL, st := redisDB(t, 3)
	feed := newSwitchFeed(t, feedItem{"old-1", "الأسواق تفتح على ارتفاع في دمشق"})
	other := newSwitchFeed(t, feedItem{"r-old", "Markets open higher in Tokyo"})
	const adminID, userID = 900, 4242
	env := map[string]string{
		"AAJIL_CONFIG":                writeConfig(t, "sources:\n  - id: other-wire\n    name: Reuters\n    url: "+other.srv.URL+"/feed\n    interval: 1s\n"),
		"AAJIL_ALLOW_PRIVATE_SOURCES": "true",
		"AAJIL_REDIS_URL":             redisURL, "AAJIL_HTTP_ADDR": "127.0.0.1:0",
		"AAJIL_TELEGRAM_TOKEN": fake.Token(), "AAJIL_TELEGRAM_API": fake.Endpoint(),
		"AAJIL_ADMINS": "900",
	}
	run := startRun(t, env)

	user := telegramtest.User{ID: userID, FirstName: "سلمى", LanguageCode: "ar"}
	admin := telegramtest.User{ID: adminID, FirstName: "Admin", LanguageCode: "en"}
	received := func(chat int64, n int) []telegramtest.SentMessage { t.Helper(); return waitSent(t, fake, chat, n) }
	fake.SendText(telegramtest.PrivateChat(userID), user, "/start")
	received(userID, 1)
	fake.SendText(telegramtest.PrivateChat(userID), user, "/add اللاذقية")
	if got := received(userID, 2)[1].Text; !strings.Contains(got, "اللاذقية") {
		t.Errorf("/add reply = %q, want the rule echoed", got)
	}
	fake.SendText(telegramtest.PrivateChat(adminID), admin, "/addfeed "+feed.srv.URL+"/feed id=e2e-wire name=Wire interval=1s")
	// The probe's preview, then the source added.
	added := received(adminID, 2)
	if !strings.Contains(added[len(added)-1].Text, "e2e-wire") {
		t.Fatalf("/addfeed reply = %q, want the source added", added[len(added)-1].Text)
	}
	// The new source's first poll is its baseline.
	start := feed.pollCount()
	wait.Within(t, 20*time.Second, "the new source polled", func() bool { return feed.pollCount() >= start+2 })
	feed.set(feedItem{"old-1", "الأسواق تفتح على ارتفاع في دمشق"},
		feedItem{"new-1", "عاجل | انفجار في مرفأ اللاذقية وأنباء عن إصابات"},
		feedItem{"new-2", "عاجل | وزير الخارجية يصل إلى عمّان"})
	alert := received(userID, 3)[2]
	for _, want := range []string{"عاجل", "Wire", "انفجار في مرفأ اللاذقية", "اللاذقية"} {
		if !strings.Contains(alert.Text, want) {
			t.Errorf("alert %q does not contain %q", alert.Text, want)
		}
	}
	// Both urgent items were processed (each counted once its deliveries
	// were queued) and the outbox is empty: nothing more is on its way.
	ctx := context.Background()
	wait.For(t, "both urgent items counted and the outbox drained", func() bool {
		alerts, _, err := st.Counts(ctx, "alerts")
		depth, pending, derr := st.OutboxDepth(ctx)
		return err == nil && derr == nil && alerts >= 2 && depth == 0 && pending == 0
	})
	if got := fake.Sent(userID); len(got) != 3 {
		t.Errorf("subscriber got %d messages, want 3 (welcome, /add, one alert: the other item matches no rule)", len(got))
	}
	// The other source reports the same story: the alert is edited to
	// name it (about 5 s later), and nothing new is sent.
	other.set(feedItem{"r-old", "Markets open higher in Tokyo"},
		feedItem{"r-1", "انفجار في مرفأ اللاذقية وأنباء عن إصابات"})
	wait.Within(t, 30*time.Second, "the alert edited", func() bool {
		msgs := fake.Sent(userID)
		return len(msgs) == 3 && msgs[2].Edits > 0
	})
	if msgs := fake.Sent(userID); len(msgs) != 3 || !strings.Contains(msgs[2].Text, "Reuters") || !strings.Contains(msgs[2].Text, "انفجار في مرفأ اللاذقية") {
		t.Errorf("messages after the second source = %d, the alert now %q; want 3, the alert naming Reuters", len(msgs), msgs[len(msgs)-1].Text)
	}
	// Replies and the alert shared the chat's limit: Telegram never had
	// to refuse one.
	if n := tooMany(fake); n != 0 {
		t.Errorf("the fake answered 429 %d times, want 0", n)
	}
	if code := run.stop(); code != 0 {
		t.Errorf("run exited %d, want 0", code)
	}
}

// TestRunAddFeedAlertsWhatFollowsTheProbe: an admin adds a source in chat
// (default interval, a minute); an urgent item appears in it right after
// the bot probed it. The source is polled at once, and its first poll
// alerts the item: the baseline is what the admin was shown, not what the
// first poll found.
func TestRunAddFeedAlertsWhatFollowsTheProbe(t *testing.T) {
	feed := newSwitchFeed(t, feedItem{"old-1", "الأسواق تفتح على ارتفاع في دمشق"}, feedItem{"old-2", "عاجل | خبر قديم عرضه المعاينة"})
	const userID = 4343
	c := startChatRun(t, 8, "sources: []\n", userID)

	// Request 1 is the probe; the urgent item is published right after it.
	feed.then(1, feedItem{"new-1", "عاجل | انفجار في مرفأ اللاذقية وأنباء عن إصابات"},
		feedItem{"old-1", "الأسواق تفتح على ارتفاع في دمشق"}, feedItem{"old-2", "عاجل | خبر قديم عرضه المعاينة"})
	sent := time.Now()
	c.fromAdmin("/addfeed " + feed.srv.URL + "/feed id=added-live name=Wire")
	alert := c.received(userID, 2)[1]
	if !strings.Contains(alert.Text, "انفجار في مرفأ اللاذقية") {
		t.Errorf("alert = %q, want the item published after the probe", alert.Text)
	}
	if times := feed.requestTimes(); len(times) >= 2 {
		t.Logf("first poll %v after /addfeed was sent (probe %v)", times[1].Sub(sent).Round(time.Millisecond), times[0].Sub(sent).Round(time.Millisecond))
	}
	c.stop()
	for _, m := range c.fake.Sent(userID) {
		if strings.Contains(m.Text, "خبر قديم") {
			t.Errorf("the item the admin was shown was alerted: %q", m.Text)
		}
	}
}

// chatRun is `aajil run` on a fake Bot API with one admin (900) and one
// Arabic-speaking subscriber who has sent /start and is known to the
// pipeline (its watcher applied the change), so that a source can alert.
type chatRun struct {
	t     *testing.T
	fake  *telegramtest.Fake
	run   *cliRun
	addr  string // the HTTP address: /metrics
	admin telegramtest.User
	st    *store.Store // on the run's Redis database
}

// startChatRun starts the run on Redis database db with config as its
// YAML file; userID is the subscriber's.
func startChatRun(t *testing.T, db int, config string, userID int64) *chatRun {
	t.Helper()
	fake := telegramtest.New(t, telegramtest.Options{})
	redisURL, st := redisDB(t, db)
	addr := freeAddr(t)
	run := startRun(t, map[string]string{
		"AAJIL_CONFIG":                writeConfig(t, config),
		"AAJIL_ALLOW_PRIVATE_SOURCES": "true",
		"AAJIL_REDIS_URL":             redisURL, "AAJIL_HTTP_ADDR": addr,
		"AAJIL_TELEGRAM_TOKEN": fake.Token(), "AAJIL_TELEGRAM_API": fake.Endpoint(),
		"AAJIL_ADMINS": "900",
	})
	c := &chatRun{
		t: t, fake: fake, run: run, addr: addr,
		admin: telegramtest.User{ID: 900, FirstName: "Admin", LanguageCode: "en"}, st: st,
	}
	subscribe(t, fake, addr, userID)
	return c
}

// received waits for chat's first n messages and returns them.
func (c *chatRun) received(chat int64, n int) []telegramtest.SentMessage {
	c.t.Helper()
	return waitSent(c.t, c.fake, chat, n)
}

// fromAdmin sends text to the bot from the admin's private chat.
func (c *chatRun) fromAdmin(text string) {
	c.fake.SendText(telegramtest.PrivateChat(c.admin.ID), c.admin, text)
}

// stop stops the run and checks that it exited 0.
func (c *chatRun) stop() {
	c.t.Helper()
	if code := c.run.stop(); code != 0 {
		c.t.Errorf("run exited %d, want 0", code)
	}
}

// subscribe starts the bot in private chat userID and waits until the run
// serving /metrics on addr counts it as an active subscriber: the
// pipeline knows it (its watcher applied the change), so the next alert
// reaches it.
func subscribe(t *testing.T, fake *telegramtest.Fake, addr string, userID int64) {
	t.Helper()
	user := telegramtest.User{ID: userID, FirstName: "سلمى", LanguageCode: "ar"}
	fake.SendText(telegramtest.PrivateChat(userID), user, "/start")
	waitSent(t, fake, userID, 1)
	wait.Within(t, 10*time.Second, "the pipeline knows the subscriber", func() bool {
		return metricValue(t, addr, `aajil_subscribers{state="active"}`) == 1
	})
}
