package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
	"github.com/aajil/aajil/telegram"
	"github.com/aajil/aajil/telegram/telegramtest"
	"github.com/aajil/aajil/telegram/tgtext"
)

// Test users and chats. The group's admin and member are set up in
// newHarness.
var (
	arUser      = telegramtest.User{ID: 101, FirstName: "رهف", LanguageCode: "ar"}
	enUser      = telegramtest.User{ID: 102, FirstName: "Sam", LanguageCode: "en-GB"}
	groupAdmin  = telegramtest.User{ID: 201, FirstName: "مدير", LanguageCode: "ar"}
	groupMember = telegramtest.User{ID: 202, FirstName: "Member", LanguageCode: "en"}
	group       = telegramtest.Group(-1001234567890, "أخبار <الحي> & more")
)

// testEpoch is the harness clock's start.
var testEpoch = time.Date(2025, time.March, 8, 9, 30, 0, 0, time.UTC)

// harness is a Bot wired to a fake Bot API over real HTTP and a real
// Redis, with a clock the test moves.
type harness struct {
	t      *testing.T
	fake   *telegramtest.Fake
	api    *tgbotapi.BotAPI
	st     *store.Store
	bot    *Bot
	clock  *testClock
	logs   *errorLog
	offset int
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	fake := telegramtest.New(t, telegramtest.Options{})
	api, err := telegram.NewAPI(context.Background(), fake.Token(), fake.Endpoint(), fake.Client())
	if err != nil {
		t.Fatalf("NewAPI: %v", err)
	}
	fake.SetChat(group)
	fake.SetChatMember(group.ID, groupAdmin.ID, "administrator")
	fake.SetChatMember(group.ID, groupMember.ID, "member")
	h := &harness{t: t, fake: fake, api: api, st: storetest.Open(t), clock: &testClock{now: testEpoch}, logs: &errorLog{}}
	if opts.FloodBurst == 0 {
		opts.FloodBurst = 1000 // command tests are not about flooding
	}
	opts.Now = h.clock.Now
	opts.Logger = slog.New(h.logs)
	if opts.FileEndpoint == "" {
		opts.FileEndpoint = fake.FileEndpoint()
	}
	h.bot = New(api, h.st, opts)
	return h
}

// send delivers text from a user in a chat through the fake (getUpdates
// included), handles it, and returns what the bot sent to the chat in
// answer. Any error the bot logged fails the test: an escaping bug shows
// up as the fake's 400.
func (h *harness) send(chat telegramtest.Chat, from telegramtest.User, text string) []telegramtest.SentMessage {
	h.t.Helper()
	before := len(h.fake.Sent(chat.ID))
	h.fake.SendText(chat, from, text)
	h.handlePending()
	return h.fake.Sent(chat.ID)[before:]
}

// press presses an inline button of a bot message and returns the
// answerCallbackQuery text.
func (h *harness) press(chat telegramtest.Chat, from telegramtest.User, messageID int, data string) string {
	h.t.Helper()
	id := h.fake.SendCallback(chat, from, messageID, data)
	h.handlePending()
	for _, c := range h.fake.Calls("answerCallbackQuery") {
		if c.Params["callback_query_id"] == id {
			return c.Params["text"]
		}
	}
	h.t.Fatalf("button %q was not answered", data)
	return ""
}

// handlePending fetches the pending updates with getUpdates and hands
// them to the bot.
func (h *harness) handlePending() {
	h.t.Helper()
	updates, err := h.api.GetUpdates(tgbotapi.UpdateConfig{Offset: h.offset})
	if err != nil {
		h.t.Fatalf("getUpdates: %v", err)
	}
	for _, u := range updates {
		h.offset = u.UpdateID + 1
		h.bot.HandleUpdate(context.Background(), u)
	}
	if errs := h.logs.take(); len(errs) > 0 {
		h.t.Fatalf("the bot logged errors: %v", errs)
	}
}

// queued queues one delivery of story to chat and reads it back from
// the outbox, as the sender would, for a test to finish it (hold it for
// a digest, acknowledge it).
func (h *harness) queued(chat int64, story string) store.OutboxEntry {
	h.t.Helper()
	ctx := context.Background()
	d := store.Delivery{ChatID: chat, StoryID: story, SourceID: "sana", Title: "t"}
	if _, err := h.st.Enqueue(ctx, []store.Delivery{d}); err != nil {
		h.t.Fatal(err)
	}
	es, err := h.st.ReadPartition(ctx, h.st.PartitionOf(chat), "test", 10, 0)
	if err != nil || len(es) != 1 {
		h.t.Fatalf("ReadPartition: %d, %v; want the one queued", len(es), err)
	}
	return es[0]
}

// sub returns the stored subscriber of a chat, nil when there is none.
func (h *harness) sub(chatID int64) *store.Subscriber {
	h.t.Helper()
	s, err := h.st.Subscriber(context.Background(), chatID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		h.t.Fatalf("load subscriber %d: %v", chatID, err)
	}
	return &s
}

// addSources stores sources with the given ids (named "Source <id>").
func (h *harness) addSources(ids ...string) {
	h.t.Helper()
	for _, id := range ids {
		src := feeds.Source{ID: id, Name: "Source " + id, URL: "http://127.0.0.1/" + id}
		if err := h.st.PutSource(context.Background(), src, store.Origin{By: "test"}); err != nil {
			h.t.Fatalf("put source: %v", err)
		}
	}
}

// keyboard decodes the inline keyboard of a sent message.
func keyboard(t *testing.T, m telegramtest.SentMessage) [][]tgbotapi.InlineKeyboardButton {
	t.Helper()
	if m.ReplyMarkup == "" {
		return nil
	}
	var kb tgbotapi.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(m.ReplyMarkup), &kb); err != nil {
		t.Fatalf("decode keyboard %s: %v", m.ReplyMarkup, err)
	}
	return kb.InlineKeyboard
}

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// errorLog is a slog.Handler that keeps the error records.
type errorLog struct {
	mu   sync.Mutex
	errs []string
}

func (l *errorLog) Enabled(_ context.Context, lvl slog.Level) bool { return lvl >= slog.LevelError }

func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool {
		msg += " " + a.String()
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, msg)
	return nil
}

func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }

func (l *errorLog) take() []string { return drain(&l.mu, &l.errs) }

// drain returns what *s holds and empties it, under mu.
func drain[T any](mu *sync.Mutex, s *[]T) []T {
	mu.Lock()
	defer mu.Unlock()
	out := *s
	*s = nil
	return out
}

func TestHandleUpdateIgnoresWhatIsNotACommand(t *testing.T) {
	tests := map[string]struct {
		chat telegramtest.Chat
		text string
	}{
		"plain text":            {telegramtest.PrivateChat(arUser.ID), "مرحبا"},
		"empty":                 {telegramtest.PrivateChat(arUser.ID), ""},
		"another bot's command": {group, "/start@other_news_bot"},
		"slash then space":      {telegramtest.PrivateChat(arUser.ID), "/ start"},
		"path":                  {telegramtest.PrivateChat(arUser.ID), "/usr/bin"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, Options{})
			if got := h.send(tc.chat, groupAdmin, tc.text); len(got) != 0 {
				t.Errorf("replies = %q, want none", got[0].Text)
			}
			if got := h.sub(tc.chat.ID); got != nil {
				t.Errorf("subscriber = %+v, want none", *got)
			}
		})
	}
}

func TestHandleUpdateIgnoresOtherUpdates(t *testing.T) {
	h := newHarness(t, Options{})
	// A channel post, an edited message and an empty update: nothing to
	// answer, and no panic on the missing fields.
	for _, u := range []tgbotapi.Update{
		{UpdateID: 1},
		{UpdateID: 2, ChannelPost: &tgbotapi.Message{Text: "/start", Chat: &tgbotapi.Chat{ID: -100777, Type: "channel"}}},
		{UpdateID: 3, EditedMessage: &tgbotapi.Message{Text: "/stop", Chat: &tgbotapi.Chat{ID: 5, Type: "private"}}},
		{UpdateID: 4, Message: &tgbotapi.Message{Text: "/start"}},                      // no chat
		{UpdateID: 5, CallbackQuery: &tgbotapi.CallbackQuery{ID: "x", Data: "clr:no"}}, // no message
	} {
		h.bot.HandleUpdate(context.Background(), u)
	}
	if n := h.fake.SentCount(); n != 0 {
		t.Errorf("messages sent = %d, want 0", n)
	}
}

func TestAdminCommandsAnswerAsUnknown(t *testing.T) {
	const admin = 909
	adminUser := telegramtest.User{ID: admin, FirstName: "Admin", LanguageCode: "en"}
	tests := map[string]struct {
		from telegramtest.User
		text string
		want string
	}{
		"unknown":                         {enUser, "/frobnicate", T(LangEN, MsgUnknownCommand, "/frobnicate")},
		"unknown in Arabic":               {arUser, "/frobnicate now", T(LangAR, MsgUnknownCommand, "/frobnicate")},
		"admin command, non-admin":        {enUser, "/addfeed https://example.com/rss", T(LangEN, MsgUnknownCommand, "/addfeed")},
		"admin command, Arabic non-admin": {arUser, "/feeds", T(LangAR, MsgUnknownCommand, "/feeds")},
		// An admin's unknown command is unknown too.
		"unknown, admin": {adminUser, "/frobnicate", T(LangEN, MsgUnknownCommand, "/frobnicate")},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, Options{Admins: []int64{admin}})
			got := h.send(telegramtest.PrivateChat(tc.from.ID), tc.from, tc.text)
			if len(got) != 1 || got[0].Text != tc.want {
				t.Fatalf("replies = %+v, want one: %q", got, tc.want)
			}
		})
	}
}

func TestAdminCommandHook(t *testing.T) {
	const admin = 909
	adminUser := telegramtest.User{ID: admin, FirstName: "Admin", LanguageCode: "en"}
	h := newHarness(t, Options{Admins: []int64{admin}})
	h.bot.adminCommands["hook"] = func(ctx context.Context, c *cmdContext) error {
		return h.bot.reply(ctx, c, T(c.lang, MsgAdminHelp))
	}
	tests := map[string]struct {
		chat telegramtest.Chat
		from telegramtest.User
		want string
	}{
		"admin in private":     {telegramtest.PrivateChat(admin), adminUser, T(LangEN, MsgAdminHelp)},
		"non-admin in private": {telegramtest.PrivateChat(enUser.ID), enUser, T(LangEN, MsgUnknownCommand, "/hook")},
		// Admin commands are for private chats: in a group they would
		// show the sources' health to every member.
		"admin in a group": {group, adminUser, T(LangEN, MsgUnknownCommand, "/hook")},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := h.send(tc.chat, tc.from, "/hook")
			if len(got) != 1 || got[0].Text != tc.want {
				t.Fatalf("replies = %+v, want one: %q", got, tc.want)
			}
		})
	}
}

func TestInternalErrorIsAnswered(t *testing.T) {
	h := newHarness(t, Options{})
	chat := telegramtest.PrivateChat(enUser.ID)
	h.send(chat, enUser, "/start")
	// getChatMember is not involved in a private chat; make the store
	// fail by closing it.
	h.st.Close()
	h.fake.SendText(chat, enUser, "/list")
	updates, err := h.api.GetUpdates(tgbotapi.UpdateConfig{Offset: h.offset})
	if err != nil {
		t.Fatalf("getUpdates: %v", err)
	}
	for _, u := range updates {
		h.bot.HandleUpdate(context.Background(), u)
	}
	sent := h.fake.Sent(chat.ID)
	if got, want := sent[len(sent)-1].Text, T(LangEN, MsgInternalError); got != want {
		t.Errorf("reply = %q, want %q", got, want)
	}
	if errs := h.logs.take(); len(errs) != 1 {
		t.Errorf("logged errors = %q, want one", errs)
	}
}

func TestReplyLinesSplitsLongReplies(t *testing.T) {
	h := newHarness(t, Options{})
	chat := telegramtest.PrivateChat(arUser.ID)
	h.send(chat, arUser, "/start")
	// MaxRules rules of the longest length: far over one message.
	var rules []string
	for i := range 50 {
		rule := ""
		for len([]rune(rule)) < 190 {
			rule += "كلمة" + string(rune('أ'+i%20)) + " "
		}
		rules = append(rules, rule)
	}
	if _, err := h.st.UpdateSubscriber(context.Background(), chat.ID, func(s *store.Subscriber) error {
		s.Rules = rules
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got := h.send(chat, arUser, "/list")
	if len(got) < 2 {
		t.Fatalf("/list of %d long rules sent %d messages, want it split", len(rules), len(got))
	}
	lines := 0
	for _, m := range got {
		if n := tgtext.UTF16Len(m.Text); n > telegramtest.MaxMessageLength {
			t.Errorf("message of %d UTF-16 units, over the limit", n)
		}
		for _, r := range m.Text {
			if r == '\n' {
				lines++
			}
		}
	}
	// Header + 50 lines, joined by newlines within each message.
	if want := len(rules) + 1 - len(got); lines != want {
		t.Errorf("newlines = %d, want %d", lines, want)
	}
}

func TestAnyTextIsAnswered(t *testing.T) {
	nasty := map[string]string{
		"html":             `<b>bold</b> <a href="x">&amp; &`,
		"bidi overrides":   "\u202eحمص\u202c \u2066x\u2069 \u200f",
		"nul and controls": "a\x00b\x07c\x1b[31m",
		"emoji":            "🔴🇸🇾👨‍👩‍👧 عاجل",
		"invalid utf-8":    "\xff\xfe حمص",
		"4,000 characters": strings.Repeat("ع", 4000),
		"quotes":           `"open 'mixed” «`,
		"only marks":       "\u200f\u200e\u061c",
	}
	h := newHarness(t, Options{})
	h.addSources("sana", "bbc")
	names := []string{"frobnicate", "addfeed"}
	for name := range h.bot.commands {
		names = append(names, name)
	}
	for _, name := range names {
		for what, arg := range nasty {
			t.Run(name+"/"+what, func(t *testing.T) {
				h.t = t
				h.send(arChat, arUser, "/start")
				before := len(h.fake.Sent(arChat.ID))
				got := h.send(arChat, arUser, "/"+name+" "+arg)
				if len(got) == 0 {
					t.Fatalf("no reply (messages before: %d)", before)
				}
				for _, m := range got {
					if n := tgtext.UTF16Len(m.Text); n > telegramtest.MaxMessageLength {
						t.Errorf("reply of %d UTF-16 units", n)
					}
				}
			})
		}
	}
}

// recordingLimiter is a Limiter that notes the chats it paces, and
// refuses while refuse is set.
type recordingLimiter struct {
	mu     sync.Mutex
	chats  []int64
	holds  []string // "chat duration" of each Hold
	refuse error
}

func (l *recordingLimiter) Wait(_ context.Context, chatID int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refuse != nil {
		return l.refuse
	}
	l.chats = append(l.chats, chatID)
	return nil
}

func (l *recordingLimiter) Hold(_ context.Context, chatID int64, d time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holds = append(l.holds, fmt.Sprintf("%d %v", chatID, d))
	return nil
}

func (l *recordingLimiter) take() []int64 { return drain(&l.mu, &l.chats) }

// TestRepliesArePaced: every reply and edit waits for the Limiter first,
// and a refusal sends nothing.
func TestRepliesArePaced(t *testing.T) {
	lim := &recordingLimiter{}
	h := newHarness(t, Options{Limiter: lim})
	h.send(enChat, enUser, "/start")
	h.send(enChat, enUser, "/add Homs")
	q := h.send(enChat, enUser, "/clear")
	h.press(enChat, enUser, q[0].MessageID, *keyboard(t, q[0])[0][0].CallbackData)
	// Three replies and one edit.
	if got, want := lim.take(), []int64{enChat.ID, enChat.ID, enChat.ID, enChat.ID}; !slices.Equal(got, want) {
		t.Errorf("paced chats = %v, want %v", got, want)
	}
	lim.mu.Lock()
	lim.refuse = context.DeadlineExceeded
	lim.mu.Unlock()
	before := len(h.fake.Sent(enChat.ID))
	h.fake.SendText(enChat, enUser, "/status")
	updates, err := h.api.GetUpdates(tgbotapi.UpdateConfig{Offset: h.offset})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range updates {
		h.offset = u.UpdateID + 1
		h.bot.HandleUpdate(context.Background(), u)
	}
	if errs := h.logs.take(); len(errs) != 1 || !strings.Contains(errs[0], "pace send") {
		t.Errorf("logged errors = %q, want one pacing error", errs)
	}
	if n := len(h.fake.Sent(enChat.ID)) - before; n != 0 {
		t.Errorf("%d messages sent while the limiter refuses, want 0", n)
	}
}

// TestReplyAfter429: when Telegram answers a reply with 429 (its own
// count, which the limiter could not see), the chat is held back through
// the Limiter for retry_after, so that alerts wait too, and the reply is
// paced and sent again; without a Limiter it waits and is sent again.
func TestReplyAfter429(t *testing.T) {
	t.Run("with a limiter", func(t *testing.T) {
		lim := &recordingLimiter{}
		h := newHarness(t, Options{Limiter: lim})
		h.fake.FailNextWith("sendMessage", telegramtest.TooManyRequests(1))
		got := h.send(enChat, enUser, "/start")
		if len(got) != 1 || !strings.Contains(got[0].Text, "/add") {
			t.Fatalf("replies = %v, want the welcome", texts(got))
		}
		lim.mu.Lock()
		defer lim.mu.Unlock()
		if want := []string{fmt.Sprintf("%d 1s", enChat.ID)}; !slices.Equal(lim.holds, want) {
			t.Errorf("holds = %q, want %q", lim.holds, want)
		}
		if want := []int64{enChat.ID, enChat.ID}; !slices.Equal(lim.chats, want) {
			t.Errorf("paced = %v, want %v: once before the send, once before the retry", lim.chats, want)
		}
	})
	t.Run("without a limiter", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.fake.FailNextWith("sendMessage", telegramtest.TooManyRequests(1))
		began := time.Now()
		got := h.send(enChat, enUser, "/start")
		if len(got) != 1 || !strings.Contains(got[0].Text, "/add") {
			t.Fatalf("replies = %v, want the welcome", texts(got))
		}
		if waited := time.Since(began); waited < time.Second {
			t.Errorf("retried after %v, want after the 1s retry_after", waited)
		}
	})
}
