package bot

import (
	"context"
	"slices"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/internal/callback"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// alert sends an alert to chat as the delivery sender does: queued in
// the outbox, sent with the alert's keyboard, acknowledged with its
// message (which is what "Why?" reads back). It returns the message.
func (h *harness) alert(chat int64, sourceID, storyID, rule, title, lang string) telegramtest.SentMessage {
	h.t.Helper()
	ctx := context.Background()
	d := store.Delivery{ChatID: chat, StoryID: storyID, ItemID: storyID, SourceID: sourceID, Title: title, Rule: rule, Lang: lang, MatchedAt: h.clock.Now()}
	if _, err := h.st.Enqueue(ctx, []store.Delivery{d}); err != nil {
		h.t.Fatal(err)
	}
	es, err := h.st.ReadPartition(ctx, h.st.PartitionOf(chat), "test", 10, 0)
	if err != nil || len(es) != 1 {
		h.t.Fatalf("ReadPartition = %d entries, %v; want 1", len(es), err)
	}
	m := tgbotapi.NewMessage(chat, title)
	rows := callback.AlertKeyboard(lang, sourceID, storyID, rule != "")
	kb := tgbotapi.InlineKeyboardMarkup{}
	for _, row := range rows {
		var r []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			r = append(r, tgbotapi.NewInlineKeyboardButtonData(b.Text, b.Data))
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	m.ReplyMarkup = kb
	sent, err := h.api.Send(m)
	if err != nil {
		h.t.Fatalf("send alert: %v", err)
	}
	if err := h.st.Acknowledge(ctx, es[0], store.SentRecord{MessageID: sent.MessageID}); err != nil {
		h.t.Fatal(err)
	}
	return h.message(chat, sent.MessageID)
}

// message is the current state of one of the bot's messages.
func (h *harness) message(chat int64, id int) telegramtest.SentMessage {
	h.t.Helper()
	for _, m := range h.fake.Sent(chat) {
		if m.MessageID == id {
			return m
		}
	}
	h.t.Fatalf("no message %d in chat %d", id, chat)
	return telegramtest.SentMessage{}
}

// buttonData lists a message's callback data, row by row.
func buttonData(t *testing.T, m telegramtest.SentMessage) []string {
	t.Helper()
	var out []string
	for _, row := range keyboard(t, m) {
		for _, b := range row {
			if b.CallbackData != nil {
				out = append(out, *b.CallbackData)
			}
		}
	}
	return out
}

// lastAnswer is the latest answerCallbackQuery's parameters.
func (h *harness) lastAnswer() map[string]string {
	calls := h.fake.Calls("answerCallbackQuery")
	if len(calls) == 0 {
		h.t.Fatal("no answerCallbackQuery")
	}
	return calls[len(calls)-1].Params
}

// TestMuteButtonInGroup: a member's press is refused politely, an admin
// confirms, the source leaves the group's sources, Undo brings it back.
func TestMuteButtonInGroup(t *testing.T) {
	h := newHarness(t, Options{})
	h.addSources("sana", "bbc")
	h.send(group, groupAdmin, "/start")
	h.send(group, groupAdmin, "/add دمشق")
	msg := h.alert(group.ID, "sana", "77", "دمشق", "انفجار في حي المزة بدمشق", "ar")
	want := []string{"am:sana", "aw:77"}
	if got := buttonData(t, msg); !slices.Equal(got, want) {
		t.Fatalf("alert buttons = %q, want %q", got, want)
	}

	steps := []struct {
		name        string
		from        telegramtest.User
		data        string
		wantAnswer  string
		wantAlert   bool
		wantButtons []string
		wantSources []string
	}{
		{"a member may not mute", groupMember, "am:sana", Plain(LangAR, MsgMuteNotAdmin), true, want, nil},
		{"the admin is asked once", groupAdmin, "am:sana", "", false, []string{"aM:sana", "ac:sana", "aw:77"}, nil},
		{"cancel puts the buttons back", groupAdmin, "ac:sana", "", false, want, nil},
		{"asked again", groupAdmin, "am:sana", "", false, []string{"aM:sana", "ac:sana", "aw:77"}, nil},
		{"confirmed: muted, with Undo", groupAdmin, "aM:sana", Plain(LangAR, MsgMuted, "Source sana"), false, []string{"au:sana", "aw:77"}, []string{"bbc"}},
		{"a member may not undo", groupMember, "au:sana", Plain(LangAR, MsgMuteNotAdmin), true, []string{"au:sana", "aw:77"}, []string{"bbc"}},
		{"undo follows it again", groupAdmin, "au:sana", Plain(LangAR, MsgSourceFollowed, "Source sana"), false, want, nil},
	}
	for _, s := range steps {
		got := h.press(group, s.from, msg.MessageID, s.data)
		if got != s.wantAnswer {
			t.Errorf("%s: answer %q, want %q", s.name, got, s.wantAnswer)
		}
		if alert := h.lastAnswer()["show_alert"] == "true"; alert != s.wantAlert {
			t.Errorf("%s: show_alert %v, want %v", s.name, alert, s.wantAlert)
		}
		if got := buttonData(t, h.message(group.ID, msg.MessageID)); !slices.Equal(got, s.wantButtons) {
			t.Errorf("%s: buttons %q, want %q", s.name, got, s.wantButtons)
		}
		if got := h.sub(group.ID).Sources; !slices.Equal(got, s.wantSources) {
			t.Errorf("%s: sources %q, want %q", s.name, got, s.wantSources)
		}
	}
	if got := h.message(group.ID, msg.MessageID).Text; got != "انفجار في حي المزة بدمشق" {
		t.Errorf("the alert's text changed: %q", got)
	}
}

// TestMuteLastSource: muting the only source followed is refused, as in
// /sources.
func TestMuteLastSource(t *testing.T) {
	h := newHarness(t, Options{})
	h.addSources("sana", "bbc")
	chat := telegramtest.PrivateChat(enUser.ID)
	h.send(chat, enUser, "/start")
	h.send(chat, enUser, "/sources sana") // now follows bbc only
	msg := h.alert(chat.ID, "bbc", "5", "", "Headline", "en")
	h.press(chat, enUser, msg.MessageID, "am:bbc")
	if got := h.press(chat, enUser, msg.MessageID, "aM:bbc"); got != Plain(LangEN, MsgSourceLastOne) {
		t.Errorf("answer %q, want the last-source refusal", got)
	}
	if got := h.sub(chat.ID).Sources; !slices.Equal(got, []string{"bbc"}) {
		t.Errorf("sources %q, want [bbc]", got)
	}
	if got := buttonData(t, h.message(chat.ID, msg.MessageID)); !slices.Equal(got, []string{"am:bbc"}) {
		t.Errorf("buttons %q, want the alert's own", got)
	}
}

// TestWhyButton: "Why?" names the rule and the headline's words that met
// it, for anyone in the chat.
func TestWhyButton(t *testing.T) {
	h := newHarness(t, Options{})
	h.addSources("sana")
	h.send(group, groupAdmin, "/start")
	h.send(group, groupAdmin, `/add "ريف دمشق" قصف`)
	msg := h.alert(group.ID, "sana", "91", `"ريف دمشق" قصف`, "قصف مدفعي على بلدات بريف دمشق", "ar")
	got := h.press(group, groupMember, msg.MessageID, "aw:91")
	if want := Plain(LangAR, MsgWhyRule, `"ريف دمشق" قصف`, "بريف دمشق، قصف"); got != want {
		t.Errorf("why = %q, want %q", got, want)
	}
	if h.lastAnswer()["show_alert"] != "true" {
		t.Error("why is not shown as an alert")
	}
	// A story whose messages are forgotten.
	if got := h.press(group, groupMember, msg.MessageID, "aw:404"); got != Plain(LangAR, MsgWhyGone) {
		t.Errorf("why of a forgotten alert = %q, want MsgWhyGone", got)
	}
}

func TestExplainRule(t *testing.T) {
	tests := map[string]struct {
		rule, title, want string
	}{
		"no rule: urgent": {"", "Blast in Damascus", Plain(LangEN, MsgWhyUrgent)},
		"one word":        {"Homs", "Shelling in Homs countryside", Plain(LangEN, MsgWhyRule, "Homs", "homs")},
		"no longer match": {"Aleppo", "Shelling in Homs", Plain(LangEN, MsgWhyRule, "Aleppo", "")},
		"not a rule":      {`"`, "x", Plain(LangEN, MsgWhyRule, `"`, "")},
	}
	for name, tc := range tests {
		if got := explainRule(LangEN, tc.rule, tc.title); got != tc.want {
			t.Errorf("%s: explainRule = %q, want %q", name, got, tc.want)
		}
	}
}

// TestButtonsCommand: /buttons off and on, in either language.
func TestButtonsCommand(t *testing.T) {
	h := newHarness(t, Options{})
	chat := telegramtest.PrivateChat(arUser.ID)
	h.send(chat, arUser, "/start")
	tests := []struct {
		arg     string
		wantOff bool
		want    MsgID
	}{
		{"off", true, MsgButtonsOff},
		{"تشغيل", false, MsgButtonsOn},
		{"إيقاف", true, MsgButtonsOff},
		{"on", false, MsgButtonsOn},
		{"maybe", false, MsgUsageButtons},
	}
	for _, tc := range tests {
		got := h.send(chat, arUser, "/buttons "+tc.arg)
		if len(got) != 1 || got[0].Text != T(LangAR, tc.want) {
			t.Errorf("/buttons %s answered %+v, want %s", tc.arg, got, tc.want)
		}
		if off := h.sub(chat.ID).NoButtons; off != tc.wantOff {
			t.Errorf("/buttons %s: NoButtons %v, want %v", tc.arg, off, tc.wantOff)
		}
	}
}
