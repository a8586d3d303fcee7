package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// Channels of the channel tests: chanSY is subscribed by arUser, its
// creator; enUser is one of its admins too. chanOther has the bot as
// admin but is not subscribed; chanNoBot does not have the bot as admin.
var (
	chanSY     = telegramtest.Channel(-1009876543210, "aajil_sy")
	chanOther  = telegramtest.Channel(-1005555555555, "other_news")
	chanNoBot  = telegramtest.Channel(-1004444444444, "no_bot_here")
	plainUser  = telegramtest.User{ID: 103, FirstName: "Reader", LanguageCode: "ar"}
	plainChat  = telegramtest.PrivateChat(plainUser.ID)
	channelIDs = []int64{chanSY.ID, chanOther.ID, chanNoBot.ID}
)

// newChannelHarness is a harness with the test channels set up and
// chanSY subscribed (by arUser, with /start @aajil_sy).
func newChannelHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	h := newHarness(t, opts)
	for _, ch := range []telegramtest.Chat{chanSY, chanOther, chanNoBot} {
		h.fake.SetChat(ch)
	}
	h.fake.SetChatMember(chanSY.ID, h.api.Self.ID, "administrator")
	h.fake.SetChatMember(chanOther.ID, h.api.Self.ID, "administrator")
	h.fake.SetChatMember(chanNoBot.ID, h.api.Self.ID, "member")
	h.fake.SetChatMember(chanSY.ID, arUser.ID, "creator")
	h.fake.SetChatMember(chanSY.ID, enUser.ID, "administrator")
	h.fake.SetChatMember(chanOther.ID, arUser.ID, "creator")
	h.fake.SetChatMember(chanNoBot.ID, arUser.ID, "creator")
	if got := texts(h.send(arChat, arUser, "/start @aajil_sy")); len(got) != 1 || got[0] != T(LangAR, MsgChannelSubscribed, "@aajil_sy") {
		t.Fatalf("/start @aajil_sy = %q", got)
	}
	return h
}

// onChannel is a reply about a managed channel: its header, then text.
func onChannel(lang Lang, name, text string) string {
	return T(lang, MsgChannelHeader, name) + "\n" + text
}

// managed returns the chat a private chat manages, 0 for none.
func managed(t *testing.T, h *harness, chatID int64) int64 {
	t.Helper()
	m, err := h.st.ManagedChat(context.Background(), chatID, time.Hour)
	if errors.Is(err, store.ErrNotFound) {
		return 0
	}
	if err != nil {
		t.Fatalf("managed chat of %d: %v", chatID, err)
	}
	return m.ChatID
}

// wantReplies checks the texts of the replies to one command.
func wantReplies(t *testing.T, cmd string, got []telegramtest.SentMessage, want ...string) {
	t.Helper()
	if g := texts(got); !slices.Equal(g, want) {
		t.Errorf("replies to %q:\n got %q\nwant %q", cmd, g, want)
	}
}

func TestChannelSwitch(t *testing.T) {
	tests := map[string]struct {
		chat        telegramtest.Chat
		from        telegramtest.User
		setup       []string
		text        string
		want        string
		wantManaged int64
	}{
		"admin ar": {chat: arChat, from: arUser, text: "/channel @aajil_sy",
			want: onChannel(LangAR, "@aajil_sy", T(LangAR, MsgChannelManaging, "@aajil_sy")), wantManaged: chanSY.ID},
		"admin en, /manage and a t.me link": {chat: enChat, from: enUser, text: "/manage https://t.me/aajil_sy",
			want: onChannel(LangEN, "@aajil_sy", T(LangEN, MsgChannelManaging, "@aajil_sy")), wantManaged: chanSY.ID},
		"name spelled as Telegram has it": {chat: enChat, from: enUser, text: "/channel @AAJIL_SY",
			want: onChannel(LangEN, "@aajil_sy", T(LangEN, MsgChannelManaging, "@aajil_sy")), wantManaged: chanSY.ID},
		"not an admin": {chat: plainChat, from: plainUser, text: "/channel @aajil_sy",
			want: T(LangAR, MsgChannelManageNotAdmin, "@aajil_sy")},
		"channel not subscribed": {chat: arChat, from: arUser, text: "/channel @other_news",
			want: T(LangAR, MsgChannelNotSubscribed, "@other_news")},
		"bot not admin": {chat: arChat, from: arUser, text: "/channel @no_bot_here",
			want: T(LangAR, MsgChannelBotNotAdmin, "@no_bot_here")},
		"no such channel": {chat: enChat, from: enUser, text: "/channel @nowhere_news",
			want: T(LangEN, MsgChannelNotFound, "@nowhere_news")},
		"not a channel name": {chat: enChat, from: enUser, text: "/channel <b>news</b>",
			want: T(LangEN, MsgChannelUsage)},
		"in a group": {chat: group, from: groupAdmin, text: "/channel@aajil_test_bot @aajil_sy",
			want: T(LangAR, MsgChannelPrivateOnly)},
		"nothing managed": {chat: enChat, from: enUser, text: "/channel",
			want: T(LangEN, MsgChannelNone)},
		"which one": {chat: arChat, from: arUser, setup: []string{"/channel @aajil_sy"}, text: "/channel",
			want: T(LangAR, MsgChannelCurrent, "@aajil_sy"), wantManaged: chanSY.ID},
		"off": {chat: enChat, from: enUser, setup: []string{"/channel @aajil_sy"}, text: "/channel off",
			want: T(LangEN, MsgChannelOff)},
		"me": {chat: enChat, from: enUser, setup: []string{"/channel @aajil_sy"}, text: "/channel ME",
			want: T(LangEN, MsgChannelOff)},
		"off in Arabic": {chat: arChat, from: arUser, setup: []string{"/channel @aajil_sy"}, text: "/channel خروج",
			want: T(LangAR, MsgChannelOff)},
		"another channel refused keeps the first": {chat: arChat, from: arUser, setup: []string{"/channel @aajil_sy"}, text: "/channel @other_news",
			want: T(LangAR, MsgChannelNotSubscribed, "@other_news"), wantManaged: chanSY.ID},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newChannelHarness(t, Options{})
			for _, s := range tc.setup {
				h.send(tc.chat, tc.from, s)
			}
			wantReplies(t, tc.text, h.send(tc.chat, tc.from, tc.text), tc.want)
			if got := managed(t, h, tc.chat.ID); got != tc.wantManaged {
				t.Errorf("managed chat = %d, want %d", got, tc.wantManaged)
			}
			for _, id := range channelIDs {
				if n := len(h.fake.Sent(id)); n != 0 {
					t.Errorf("%d messages sent to channel %d, want none", n, id)
				}
			}
		})
	}
}

// TestChannelCommands runs the subscription commands on a managed
// channel, in both languages, and checks that they change the channel's
// subscription and not the private chat's.
func TestChannelCommands(t *testing.T) {
	tests := map[string]struct {
		chat telegramtest.Chat
		from telegramtest.User
		lang Lang
		// subscribed: the private chat has a subscription of its own.
		subscribed bool
	}{
		"ar, private chat subscribed":     {chat: arChat, from: arUser, lang: LangAR, subscribed: true},
		"en, private chat not subscribed": {chat: enChat, from: enUser, lang: LangEN},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newChannelHarness(t, Options{})
			h.addSources("sana", "bbc", "rt")
			if tc.subscribed {
				h.send(tc.chat, tc.from, "/start")
			}
			h.send(tc.chat, tc.from, "/channel @aajil_sy")
			on := func(text string) string { return onChannel(tc.lang, "@aajil_sy", text) }
			steps := []struct{ cmd, want string }{
				{"/add حمص", on(T(tc.lang, MsgRuleAdded, "حمص", 1))},
				{`/add "Damascus airport" -weather`, on(T(tc.lang, MsgRuleAdded, `"Damascus airport" -weather`, 2))},
				{"/list", on(T(tc.lang, MsgRulesList, 2) + "\n" + T(tc.lang, MsgRuleLine, 1, "حمص") + "\n" + T(tc.lang, MsgRuleLine, 2, `"Damascus airport" -weather`))},
				{"/del 2", on(T(tc.lang, MsgRuleDeleted, `"Damascus airport" -weather`))},
				{"/mode all", on(T(tc.lang, MsgModeAll))},
				{"/media on", on(T(tc.lang, MsgMediaOn))},
				{"/sources bbc", on(T(tc.lang, MsgSourceUnfollowed, "Source bbc"))},
				{"/pause 2h", on(T(tc.lang, MsgPausedUntil, 2*time.Hour, testEpoch.Add(2*time.Hour)))},
				{"/status", on(T(tc.lang, MsgStatus, HTML(T(tc.lang, MsgStatusPausedUntil, testEpoch.Add(2*time.Hour))), HTML(T(tc.lang, MsgStatusModeAll)), 2, 3, 1, HTML(T(tc.lang, MsgStatusMediaOn))))},
				{"/resume", on(T(tc.lang, MsgResumed))},
				// The channel's alerts change language; the replies
				// stay in the reader's.
				{"/lang en", on(T(tc.lang, MsgChannelLangSet, HTML(T(tc.lang, MsgLangNameEN))))},
				{"/lang ar", on(T(tc.lang, MsgChannelLangSet, HTML(T(tc.lang, MsgLangNameAR))))},
				{"/lang fr", on(T(tc.lang, MsgBadLang))},
				{"/help", T(tc.lang, MsgHelp)},
			}
			for _, s := range steps {
				wantReplies(t, s.cmd, h.send(tc.chat, tc.from, s.cmd), s.want)
			}
			ch := h.sub(chanSY.ID)
			if ch == nil {
				t.Fatal("channel unsubscribed")
			}
			if !slices.Equal(ch.Rules, []string{"حمص"}) || ch.Mode != ModeAll || !slices.Equal(ch.Sources, []string{"rt", "sana"}) ||
				!ch.PausedUntil.IsZero() || Lang(ch.Lang) != LangAR {
				t.Errorf("channel subscriber = %+v, want rules [حمص], mode all, sources [rt sana], not paused, ar", *ch)
			}
			own := h.sub(tc.chat.ID)
			if (own != nil) != tc.subscribed {
				t.Fatalf("private chat subscribed = %v, want %v", own != nil, tc.subscribed)
			}
			if own != nil && (len(own.Rules) != 0 || own.Mode != ModeUrgent || len(own.Sources) != 0 || Lang(own.Lang) != tc.lang) {
				t.Errorf("private chat subscriber changed: %+v", *own)
			}
			for _, id := range channelIDs {
				if n := len(h.fake.Sent(id)); n != 0 {
					t.Errorf("%d messages sent to channel %d, want none", n, id)
				}
			}

			// Back to the private chat: no header, its own subscription.
			wantReplies(t, "/channel off", h.send(tc.chat, tc.from, "/channel off"), T(tc.lang, MsgChannelOff))
			if tc.subscribed {
				wantReplies(t, "/add درعا", h.send(tc.chat, tc.from, "/add درعا"), T(tc.lang, MsgRuleAdded, "درعا", 1))
				if got := h.sub(tc.chat.ID).Rules; !slices.Equal(got, []string{"درعا"}) {
					t.Errorf("private chat rules = %q, want [درعا]", got)
				}
			} else {
				wantReplies(t, "/add درعا", h.send(tc.chat, tc.from, "/add درعا"), T(tc.lang, MsgNotSubscribed))
			}
			if got := h.sub(chanSY.ID).Rules; !slices.Equal(got, []string{"حمص"}) {
				t.Errorf("channel rules = %q, want [حمص]", got)
			}
		})
	}
}

// TestChannelAccessRechecked: every command re-checks the user's admin
// rights (cached for a minute); a demoted admin is refused and the
// private chat manages itself again.
func TestChannelAccessRechecked(t *testing.T) {
	h := newChannelHarness(t, Options{})
	h.send(enChat, enUser, "/channel @aajil_sy")
	h.send(enChat, enUser, "/add Homs")
	h.fake.SetChatMember(chanSY.ID, enUser.ID, "member")
	h.clock.Advance(DefaultAdminCacheTTL + time.Second)
	wantReplies(t, "/add Aleppo", h.send(enChat, enUser, "/add Aleppo"), T(LangEN, MsgChannelAccessLost, "@aajil_sy"))
	if got := h.sub(chanSY.ID).Rules; !slices.Equal(got, []string{"Homs"}) {
		t.Errorf("channel rules = %q, want [Homs]", got)
	}
	if got := managed(t, h, enChat.ID); got != 0 {
		t.Errorf("managed chat = %d, want none", got)
	}
	// The next command is about the private chat, which is not
	// subscribed.
	wantReplies(t, "/list", h.send(enChat, enUser, "/list"), T(LangEN, MsgNotSubscribed))
	// And switching back is refused.
	wantReplies(t, "/channel @aajil_sy", h.send(enChat, enUser, "/channel @aajil_sy"), T(LangEN, MsgChannelManageNotAdmin, "@aajil_sy"))
}

// TestChannelStopped: /stop on the managed channel unsubscribes it and
// ends its management; another admin managing it is told at their next
// command.
func TestChannelStopped(t *testing.T) {
	h := newChannelHarness(t, Options{})
	h.send(arChat, arUser, "/channel @aajil_sy")
	h.send(enChat, enUser, "/channel @aajil_sy")
	wantReplies(t, "/stop", h.send(enChat, enUser, "/stop"), onChannel(LangEN, "@aajil_sy", T(LangEN, MsgChannelStopped, "@aajil_sy")))
	if s := h.sub(chanSY.ID); s != nil {
		t.Errorf("channel still subscribed: %+v", *s)
	}
	if got := managed(t, h, enChat.ID); got != 0 {
		t.Errorf("managed chat of the stopper = %d, want none", got)
	}
	wantReplies(t, "/list", h.send(arChat, arUser, "/list"), T(LangAR, MsgChannelGone, "@aajil_sy"))
	if got := managed(t, h, arChat.ID); got != 0 {
		t.Errorf("managed chat of the other admin = %d, want none", got)
	}
}

// TestChannelSurvivesRestart: the choice is in Redis, so a new Bot (a
// restart, or another instance) keeps acting on the channel.
func TestChannelSurvivesRestart(t *testing.T) {
	h := newChannelHarness(t, Options{})
	h.send(arChat, arUser, "/channel @aajil_sy")
	h.send(arChat, arUser, "/add حمص")
	h.bot = New(h.api, h.st, Options{Now: h.clock.Now, Logger: h.bot.log, FloodBurst: 1000})
	wantReplies(t, "/list", h.send(arChat, arUser, "/list"),
		onChannel(LangAR, "@aajil_sy", T(LangAR, MsgRulesList, 1)+"\n"+T(LangAR, MsgRuleLine, 1, "حمص")))
	wantReplies(t, "/channel", h.send(arChat, arUser, "/channel"), T(LangAR, MsgChannelCurrent, "@aajil_sy"))
}

// speaker is a private chat and its user, who speaks lang.
type speaker struct {
	chat telegramtest.Chat
	from telegramtest.User
	lang Lang
}

// bothLanguages returns an Arabic and an English speaker, by language,
// for tests run in both.
func bothLanguages() map[string]speaker {
	return map[string]speaker{
		"ar": {arChat, arUser, LangAR},
		"en": {enChat, enUser, LangEN},
	}
}

// TestStartChannelOffersToManage: the reply to /start @channel has a
// button that does /channel @channel.
func TestStartChannelOffersToManage(t *testing.T) {
	for name, tc := range bothLanguages() {
		t.Run(name, func(t *testing.T) {
			h := newChannelHarness(t, Options{})
			got := h.send(tc.chat, tc.from, "/start https://t.me/aajil_sy")
			wantReplies(t, "/start", got, T(tc.lang, MsgChannelSubscribed, "@aajil_sy"))
			kb := keyboard(t, got[0])
			if len(kb) != 1 || len(kb[0]) != 1 || kb[0][0].Text != Plain(tc.lang, MsgButtonManage) {
				t.Fatalf("keyboard = %+v, want one %q button", kb, Plain(tc.lang, MsgButtonManage))
			}
			before := len(h.fake.Sent(tc.chat.ID))
			if toast := h.press(tc.chat, tc.from, got[0].MessageID, *kb[0][0].CallbackData); toast != "" {
				t.Errorf("toast = %q, want none", toast)
			}
			wantReplies(t, "the button", h.fake.Sent(tc.chat.ID)[before:], onChannel(tc.lang, "@aajil_sy", T(tc.lang, MsgChannelManaging, "@aajil_sy")))
			if got := managed(t, h, tc.chat.ID); got != chanSY.ID {
				t.Errorf("managed chat = %d, want %d", got, chanSY.ID)
			}
			// Someone who is not an admin gets the refusal, not the
			// channel.
			before = len(h.fake.Sent(plainChat.ID))
			h.fake.SendCallback(plainChat, plainUser, 1, *kb[0][0].CallbackData)
			h.handlePending()
			wantReplies(t, "the button, not an admin", h.fake.Sent(plainChat.ID)[before:], T(LangAR, MsgChannelManageNotAdmin, "@aajil_sy"))
			if got := managed(t, h, plainChat.ID); got != 0 {
				t.Errorf("managed chat of a non-admin = %d, want none", got)
			}
		})
	}
}

// TestChannelSourcesKeyboard: the /sources keyboard of a managed channel
// acts on the channel, even when pressed after going back to the private
// chat, and only for one of its admins.
func TestChannelSourcesKeyboard(t *testing.T) {
	h := newChannelHarness(t, Options{SourcesPerPage: 2})
	// Sources are listed by id: bbc and sana on page 1, the long one
	// (too long for callback data as is) on page 2.
	long := "z-" + strings.Repeat("long-id-", 8)
	h.addSources("sana", "bbc", long)
	h.send(arChat, arUser, "/start")
	h.send(arChat, arUser, "/channel @aajil_sy")
	got := h.send(arChat, arUser, "/sources")
	wantReplies(t, "/sources", got, onChannel(LangAR, "@aajil_sy", T(LangAR, MsgSourcesHeader, 3, 3)))
	msg := got[0]
	kb := keyboard(t, msg)
	for _, row := range kb {
		for _, btn := range row {
			if d := *btn.CallbackData; !strings.HasPrefix(d, cbChannel) || len(d) > 64 {
				t.Errorf("button data %q: want the channel's prefix and at most 64 bytes", d)
			}
		}
	}

	// Unfollow bbc: the channel changes, the private chat does not, and
	// the edited message keeps its header.
	if toast := h.press(arChat, arUser, msg.MessageID, *kb[0][0].CallbackData); toast != Plain(LangAR, MsgSourceUnfollowed, "Source bbc") {
		t.Errorf("toast = %q, want %q", toast, Plain(LangAR, MsgSourceUnfollowed, "Source bbc"))
	}
	if s := h.sub(chanSY.ID); !slices.Equal(s.Sources, []string{"sana", long}) {
		t.Errorf("channel sources = %q, want [sana %s]", s.Sources, long)
	}
	if s := h.sub(arChat.ID); len(s.Sources) != 0 {
		t.Errorf("private chat sources = %q, want all", s.Sources)
	}
	msg = lastEdit(t, h, arChat.ID, msg.MessageID)
	if want := onChannel(LangAR, "@aajil_sy", T(LangAR, MsgSourcesHeader, 2, 3)); msg.Text != want {
		t.Errorf("edited text = %q, want %q", msg.Text, want)
	}

	// The next page keeps the channel's prefix; its long source fits.
	kb = keyboard(t, msg)
	h.press(arChat, arUser, msg.MessageID, *kb[2][0].CallbackData)
	msg = lastEdit(t, h, arChat.ID, msg.MessageID)
	kb = keyboard(t, msg)
	if d := *kb[0][0].CallbackData; !strings.HasPrefix(d, cbChannel) || len(d) > 64 {
		t.Errorf("page 2 button data %q: want the channel's prefix and at most 64 bytes", d)
	}
	h.press(arChat, arUser, msg.MessageID, *kb[0][0].CallbackData)
	if s := h.sub(chanSY.ID); !slices.Equal(s.Sources, []string{"sana"}) {
		t.Errorf("channel sources = %q, want [sana]", s.Sources)
	}

	// Back to the private chat: the old keyboard still names the
	// channel, so it changes the channel, never the private chat.
	h.send(arChat, arUser, "/channel off")
	h.press(arChat, arUser, msg.MessageID, *kb[0][0].CallbackData)
	if s := h.sub(chanSY.ID); !slices.Equal(s.Sources, []string{"sana", long}) {
		t.Errorf("channel sources = %q, want [sana %s]", s.Sources, long)
	}
	if s := h.sub(arChat.ID); len(s.Sources) != 0 {
		t.Errorf("private chat sources = %q, want all", s.Sources)
	}

	// Demoted: the press is refused and nothing changes.
	h.fake.SetChatMember(chanSY.ID, arUser.ID, "member")
	h.clock.Advance(DefaultAdminCacheTTL + time.Second)
	if toast := h.press(arChat, arUser, msg.MessageID, *kb[0][0].CallbackData); toast != Plain(LangAR, MsgChannelNoAccess, "@aajil_sy") {
		t.Errorf("toast = %q, want %q", toast, Plain(LangAR, MsgChannelNoAccess, "@aajil_sy"))
	}
	if s := h.sub(chanSY.ID); !slices.Equal(s.Sources, []string{"sana", long}) {
		t.Errorf("channel sources after a refused press = %q, want [sana %s]", s.Sources, long)
	}
}

// TestChannelButtonOfAnotherChannel: a button made while managing one
// channel, pressed while managing another, acts on the first; a user
// who is no admin of the channel a button names cannot use it.
func TestChannelButtonOfAnotherChannel(t *testing.T) {
	h := newChannelHarness(t, Options{})
	h.addSources("sana", "bbc")
	h.fake.SetChatMember(chanOther.ID, enUser.ID, "administrator")
	h.send(enChat, enUser, "/start @other_news")
	h.send(enChat, enUser, "/channel @aajil_sy")
	msg := h.send(enChat, enUser, "/sources")[0]
	data := *keyboard(t, msg)[0][0].CallbackData
	h.send(enChat, enUser, "/channel @other_news")
	h.press(enChat, enUser, msg.MessageID, data)
	if s := h.sub(chanSY.ID); !slices.Equal(s.Sources, []string{"sana"}) {
		t.Errorf("@aajil_sy sources = %q, want [sana]", s.Sources)
	}
	if s := h.sub(chanOther.ID); len(s.Sources) != 0 {
		t.Errorf("@other_news sources = %q, want all", s.Sources)
	}
	// The same data from a user who is no admin of @aajil_sy, in their
	// own private chat: refused.
	h.send(plainChat, plainUser, "/start")
	if toast := h.press(plainChat, plainUser, 1, data); toast != Plain(LangAR, MsgChannelNoAccess, "@aajil_sy") {
		t.Errorf("toast = %q, want %q", toast, Plain(LangAR, MsgChannelNoAccess, "@aajil_sy"))
	}
	if s := h.sub(chanSY.ID); !slices.Equal(s.Sources, []string{"sana"}) {
		t.Errorf("@aajil_sy sources = %q, want [sana]", s.Sources)
	}
	if s := h.sub(plainChat.ID); len(s.Sources) != 0 {
		t.Errorf("private chat sources = %q, want all", s.Sources)
	}
}

// TestChannelClearButton: /clear on a managed channel asks, with the
// header, and its button clears the channel's rules.
func TestChannelClearButton(t *testing.T) {
	for name, tc := range bothLanguages() {
		t.Run(name, func(t *testing.T) {
			h := newChannelHarness(t, Options{})
			h.send(tc.chat, tc.from, "/start")
			h.send(tc.chat, tc.from, "/add Aleppo")
			h.send(tc.chat, tc.from, "/channel @aajil_sy")
			h.send(tc.chat, tc.from, "/add Homs")
			h.send(tc.chat, tc.from, "/add Idlib")
			q := h.send(tc.chat, tc.from, "/clear")
			wantReplies(t, "/clear", q, onChannel(tc.lang, "@aajil_sy", T(tc.lang, MsgClearConfirm, 2)))
			yes := *keyboard(t, q[0])[0][0].CallbackData
			if toast := h.press(tc.chat, tc.from, q[0].MessageID, yes); toast != "" {
				t.Errorf("toast = %q, want none", toast)
			}
			if got := h.sub(chanSY.ID).Rules; len(got) != 0 {
				t.Errorf("channel rules = %q, want none", got)
			}
			if got := h.sub(tc.chat.ID).Rules; !slices.Equal(got, []string{"Aleppo"}) {
				t.Errorf("private chat rules = %q, want [Aleppo]", got)
			}
			if m := lastEdit(t, h, tc.chat.ID, q[0].MessageID); m.Text != onChannel(tc.lang, "@aajil_sy", T(tc.lang, MsgCleared, 2)) {
				t.Errorf("question now reads %q, want %q", m.Text, onChannel(tc.lang, "@aajil_sy", T(tc.lang, MsgCleared, 2)))
			}
		})
	}
}

func TestChannelName(t *testing.T) {
	tests := map[string]struct {
		arg    string
		want   string
		wantOK bool
	}{
		"at name":        {"@aajil_sy", "@aajil_sy", true},
		"https link":     {"https://t.me/aajil_sy", "@aajil_sy", true},
		"bare link":      {"t.me/aajil_sy", "@aajil_sy", true},
		"spaces":         {"  @aajil_sy ", "@aajil_sy", true},
		"no at":          {"aajil_sy", "", false},
		"too short":      {"@abc", "", false},
		"too long":       {"@" + strings.Repeat("a", 33), "", false},
		"html":           {"@<b>x</b>", "", false},
		"Arabic letters": {"@قناة_الأخبار", "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := channelName(tc.arg)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("channelName(%q) = %q, %v; want %q, %v", tc.arg, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}
