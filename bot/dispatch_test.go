package bot

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// startPoller runs a Poller over the harness's fake, store and bot.
func (h *harness) startPoller() {
	h.t.Helper()
	startPoller(h.t, NewPoller(h.api, h.st, h.bot, fastPollerOptions("p")))
}

// TestPollerHungReplyHoldsOnlyItsChat: while Telegram does not answer a
// reply to one chat, another chat's command is answered.
func TestPollerHungReplyHoldsOnlyItsChat(t *testing.T) {
	h := newHarness(t, Options{})
	hang := h.fake.HangChat(enChat.ID, 0)
	t.Cleanup(hang.Release)
	h.startPoller()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	h.fake.SendText(enChat, enUser, "/help")
	if err := hang.WaitHanging(ctx, 1); err != nil {
		t.Fatal(err)
	}
	h.fake.SendText(arChat, arUser, "/help")
	if _, err := h.fake.WaitSent(ctx, arChat.ID, 1); err != nil {
		t.Fatalf("the other chat's reply: %v", err)
	}
	if got := hang.Waiting(); got != 1 {
		t.Errorf("hanging replies when the other chat was answered = %d, want 1 (still hanging)", got)
	}

	// Once Telegram answers again, the hung reply is sent again.
	hang.Release()
	got, err := h.fake.WaitSent(ctx, enChat.ID, 1)
	if err != nil {
		t.Fatalf("the hung chat's reply after the hang: %v", err)
	}
	if !strings.Contains(got[0].Text, "/add") {
		t.Errorf("reply after the hang = %q, want the help", got[0].Text)
	}
}

// TestPollerKeepsChatOrderAndOffset: a chat's updates are handled one at
// a time in order while other chats go on, and the offset moves past the
// updates still being handled (they are kept in Redis), so Telegram is
// not asked for them again.
func TestPollerKeepsChatOrderAndOffset(t *testing.T) {
	st := updateStores(t, 1)[0]
	fake := telegramtest.New(t, telegramtest.Options{})
	api := pollerAPI(t, fake)
	rec := &updateRecorder{}
	release := make(chan struct{})
	rec.hook = func(_ string, u tgbotapi.Update) {
		if u.UpdateID == 1 {
			<-release
		}
	}
	other := telegramtest.PrivateChat(43)
	otherUser := telegramtest.User{ID: 43, FirstName: "Sam"}
	fake.SendText(updChat, updUser, "/start") // 1: hangs
	fake.SendText(updChat, updUser, "/help")  // 2: waits behind 1
	fake.SendText(other, otherUser, "/start") // 3
	fake.SendText(other, otherUser, "/help")  // 4
	startPoller(t, NewPoller(api, st, rec.handler("p"), fastPollerOptions("p")))

	wait.For(t, "the other chat's updates", func() bool { return len(rec.all()) == 3 })
	if got, want := slices.Sorted(slices.Values(rec.ids())), []int{1, 3, 4}; !slices.Equal(got, want) {
		t.Errorf("handled while update 1 hangs: %v, want %v", got, want)
	}
	waitOffset(t, st, 5)
	wait.For(t, "Telegram told of all four updates while update 1 hangs", func() bool { return fake.Pending() == 0 })
	close(release)
	rec.waitHandled(t, 4, 5*time.Second)
	got := rec.ids()
	if slices.Index(got, 1) > slices.Index(got, 2) || slices.Index(got, 3) > slices.Index(got, 4) {
		t.Errorf("handled %v, want each chat in order (1 before 2, 3 before 4)", got)
	}
}

// blockingLimiter holds every send until open is closed.
type blockingLimiter struct{ open chan struct{} }

func (l blockingLimiter) Wait(ctx context.Context, _ int64) error {
	select {
	case <-l.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (blockingLimiter) Hold(context.Context, int64, time.Duration) error { return nil }

// TestPollerCountsFloodOnArrival: commands sent at once are counted
// against the flood limit when they arrive, not when their turn to be
// answered comes: a burst of 10 gets 5 answers and one warning, however
// slowly the answers go out.
func TestPollerCountsFloodOnArrival(t *testing.T) {
	lim := blockingLimiter{open: make(chan struct{})}
	h := newHarness(t, Options{FloodBurst: DefaultFloodBurst, FloodRate: DefaultFloodRate, Limiter: lim})
	for range 10 {
		h.fake.SendText(enChat, enUser, "/help")
	}
	h.startPoller()
	// The poller asks for more once the first batch is handed out,
	// while the first reply still waits for its turn.
	wait.For(t, "a second getUpdates", func() bool { return len(h.fake.Calls("getUpdates")) >= 2 })
	// Counted now, every command would find a full burst again.
	h.clock.Advance(time.Hour)
	close(lim.open)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.fake.WaitSent(ctx, enChat.ID, 6); err != nil {
		t.Fatalf("5 answers and a warning: %v", err)
	}
	waitOffset(t, h.st, 11)
	got := texts(h.fake.Sent(enChat.ID))
	if len(got) != 6 {
		t.Fatalf("sent %d messages, want 5 answers and a warning: %q", len(got), got)
	}
	for i, text := range got[:5] {
		if !strings.Contains(text, "/add") {
			t.Errorf("message %d = %q, want the help", i, text)
		}
	}
	if want := T(LangEN, MsgFlood); got[5] != want {
		t.Errorf("message 6 = %q, want %q", got[5], want)
	}
}

// TestWebhookKeepsChatOrder: a webhook call for a chat whose earlier
// update is still being handled waits for it; another chat's call does
// not.
func TestWebhookKeepsChatOrder(t *testing.T) {
	rec := &updateRecorder{}
	release := make(chan struct{})
	rec.hook = func(_ string, u tgbotapi.Update) {
		if u.UpdateID == 1 {
			<-release
		}
	}
	arrived := make(chan int, 10)
	dedup := func(_ context.Context, id int) (bool, error) {
		arrived <- id
		return true, nil
	}
	srv := httptest.NewServer(WebhookHandler("k", rec.handler("hook"), dedup))
	t.Cleanup(srv.Close)
	post := func(body string) int {
		req, err := http.NewRequest("POST", srv.URL, strings.NewReader(body))
		if err != nil {
			t.Error(err)
			return 0
		}
		req.Header.Set(SecretHeader, "k")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	var wg sync.WaitGroup
	wg.Go(func() { post(webhookBody(1, "/start")) })
	wait.For(t, "update 1 in hand", func() bool { return len(rec.all()) == 1 })
	<-arrived
	wg.Go(func() { post(webhookBody(2, "/help")) })
	if id := <-arrived; id != 2 {
		t.Fatalf("arrived update %d, want 2", id)
	}
	other := strings.Replace(webhookBody(3, "/start"), `"id":42`, `"id":43`, 2)
	if code := post(other); code != http.StatusOK {
		t.Errorf("other chat's call: status %d, want 200", code)
	}
	if got, want := rec.ids(), []int{1, 3}; !slices.Equal(got, want) {
		t.Errorf("handled while update 1 hangs: %v, want %v (update 2 waits behind it)", got, want)
	}
	close(release)
	wg.Wait()
	if got, want := rec.ids(), []int{1, 3, 2}; !slices.Equal(got, want) {
		t.Errorf("handled %v, want %v", got, want)
	}
}

// TestReplyRetried: a reply that fails with a 5xx or times out is sent
// again, and the command's effect is reported, never an internal error.
func TestReplyRetried(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(h *harness)
	}{
		{"5xx twice", func(h *harness) {
			h.fake.FailNextWith("sendMessage", telegramtest.ServerError(http.StatusBadGateway))
			h.fake.FailNextWith("sendMessage", telegramtest.ServerError(http.StatusInternalServerError))
		}},
		{"timeout", func(h *harness) { h.fake.HangChat(enChat.ID, 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{ReplyTimeout: 300 * time.Millisecond})
			tc.fail(h)
			got := h.send(enChat, enUser, "/start")
			if len(got) != 1 || !strings.Contains(got[0].Text, "/add") {
				t.Fatalf("replies = %q, want the welcome once", texts(got))
			}
			if h.sub(enChat.ID) == nil {
				t.Error("not subscribed after /start")
			}
		})
	}
}

// TestFailedReplyIsNotAnInternalError: when every attempt to answer a
// command that took effect fails, the failure is logged and the chat is
// not told that something went wrong.
func TestFailedReplyIsNotAnInternalError(t *testing.T) {
	h := newHarness(t, Options{ReplyTimeout: 300 * time.Millisecond})
	h.fake.FailAlways("sendMessage", telegramtest.ServerError(http.StatusInternalServerError))
	h.fake.SendText(enChat, enUser, "/start")
	updates, err := h.api.GetUpdates(tgbotapi.UpdateConfig{Offset: h.offset})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range updates {
		h.bot.HandleUpdate(context.Background(), u)
	}
	if errs := h.logs.take(); len(errs) != 1 || !strings.Contains(errs[0], "send to") {
		t.Errorf("logged errors = %q, want the failed reply", errs)
	}
	if got, want := len(h.fake.Calls("sendMessage")), replyAttempts; got != want {
		t.Errorf("sendMessage calls = %d, want %d (the reply and its retries, no internal error)", got, want)
	}
	if h.sub(enChat.ID) == nil {
		t.Error("not subscribed after /start")
	}
}

// TestUpdateChat: every kind of update is queued by its chat, and none
// panics, not even a button press Telegram sends without its message.
func TestUpdateChat(t *testing.T) {
	chat := &tgbotapi.Chat{ID: -100}
	for _, tc := range []struct {
		name string
		u    tgbotapi.Update
		want int64
	}{
		{"message", tgbotapi.Update{Message: &tgbotapi.Message{Chat: chat}}, -100},
		{"message without chat", tgbotapi.Update{Message: &tgbotapi.Message{}}, 0},
		{"channel post", tgbotapi.Update{ChannelPost: &tgbotapi.Message{Chat: chat}}, -100},
		{"button", tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{Message: &tgbotapi.Message{Chat: chat}}}, -100},
		{"button without message", tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{From: &tgbotapi.User{ID: 7}}}, 7},
		{"button without message or user", tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{}}, 0},
		{"membership", tgbotapi.Update{MyChatMember: &tgbotapi.ChatMemberUpdated{Chat: *chat}}, -100},
		{"empty", tgbotapi.Update{}, 0},
	} {
		if got := updateChat(tc.u); got != tc.want {
			t.Errorf("%s: updateChat = %d, want %d", tc.name, got, tc.want)
		}
	}
}
