package bot

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/schedule"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
	"github.com/aajil/aajil/telegram/tgtext"
)

// TestSettingsToggles: /settings shows every setting as a button, and
// each press changes it and redraws the message in place.
func TestSettingsToggles(t *testing.T) {
	h := newHarness(t, Options{})
	h.addSources("sana", "bbc")
	chat := telegramtest.PrivateChat(enUser.ID)
	h.send(chat, enUser, "/start")
	got := h.send(chat, enUser, "/settings")
	if len(got) != 1 {
		t.Fatalf("/settings sent %d messages, want 1", len(got))
	}
	msg := got[0]
	wantButtons := []string{"set:mode", "set:dig", "set:btn", "set:lang", "set:src"}
	if data := buttonData(t, msg); !slices.Equal(data, wantButtons) {
		t.Fatalf("buttons %q, want %q", data, wantButtons)
	}
	state := func(s *store.Subscriber) string {
		btn := "on"
		if s.NoButtons {
			btn = "off"
		}
		return s.Mode + "|" + s.Digest + "|" + btn + "|" + s.Lang
	}
	steps := []struct {
		press string
		want  string
		lang  Lang
		text  func(Lang) string // a line the redrawn message shows
	}{
		{"set:mode", "all||on|en", LangEN, func(l Lang) string { return Plain(l, MsgModeAllShort) }},
		{"set:dig", "all|hourly|on|en", LangEN, func(l Lang) string { return Plain(l, MsgDigestStateHour) }},
		{"set:dig", "all|daily 08:00|on|en", LangEN, func(l Lang) string { return Plain(l, MsgDigestStateDaily, "08:00") }},
		{"set:dig", "all||on|en", LangEN, func(l Lang) string { return Plain(l, MsgDigestStateOff) }},
		{"set:btn", "all||off|en", LangEN, func(l Lang) string { return Plain(l, MsgSetButtons, Plain(l, MsgStateOff)) }},
		{"set:mode", "urgent||off|en", LangEN, func(l Lang) string { return Plain(l, MsgSetMode, Plain(l, MsgModeUrgentShort)) }},
		{"set:lang", "urgent||off|ar", LangAR, func(l Lang) string { return Plain(l, MsgSetLang, Plain(l, MsgLangNameAR)) }},
		{"set:lang", "urgent||off|en", LangEN, func(l Lang) string { return Plain(l, MsgSetLang, Plain(l, MsgLangNameEN)) }},
	}
	for _, s := range steps {
		h.press(chat, enUser, msg.MessageID, s.press)
		if got := state(h.sub(chat.ID)); got != s.want {
			t.Errorf("after %s: settings %q, want %q", s.press, got, s.want)
		}
		now := h.message(chat.ID, msg.MessageID)
		found := false
		for _, row := range keyboard(t, now) {
			for _, b := range row {
				found = found || b.Text == s.text(s.lang)
			}
		}
		if !found && !strings.Contains(tgtext.StripBidiControls(now.Text), tgtext.StripBidiControls(s.text(s.lang))) {
			t.Errorf("after %s: the message shows neither button nor line %q:\n%s", s.press, s.text(s.lang), now.Text)
		}
	}
	// Sources opens the /sources keyboard in the same message.
	h.press(chat, enUser, msg.MessageID, "set:src")
	if data := buttonData(t, h.message(chat.ID, msg.MessageID)); !slices.Equal(data, []string{"src:0:bbc", "src:0:sana"}) {
		t.Errorf("after set:src: buttons %q, want the sources keyboard", data)
	}
}

// TestSettingsGroupAdminsOnly: a group member sees the settings but may
// not change them.
func TestSettingsGroupAdminsOnly(t *testing.T) {
	h := newHarness(t, Options{})
	h.send(group, groupAdmin, "/start")
	got := h.send(group, groupMember, "/settings")
	if len(got) != 1 {
		t.Fatalf("/settings from a member sent %d messages, want 1", len(got))
	}
	if answer := h.press(group, groupMember, got[0].MessageID, "set:mode"); answer != Plain(LangAR, MsgNotAdmin) {
		t.Errorf("a member's press answered %q, want MsgNotAdmin", answer)
	}
	if m := h.sub(group.ID).Mode; m != ModeUrgent {
		t.Errorf("mode %q after a member's press, want urgent", m)
	}
}

func TestDigestCommand(t *testing.T) {
	h := newHarness(t, Options{Location: time.UTC})
	chat := telegramtest.PrivateChat(arUser.ID)
	h.send(chat, arUser, "/start")
	tests := []struct {
		arg  string
		want string // the stored schedule
		msg  MsgID
	}{
		{"hourly", "hourly", MsgDigestSet},
		{"يومي 07:30", "daily 07:30", MsgDigestSet},
		{"إيقاف", "", MsgDigestOff},
		{"كل ساعة", "hourly", MsgDigestSet},
		{"daily", "daily 08:00", MsgDigestSet},
		{"يوميا ٢١:١٥", "daily 21:15", MsgDigestSet},
		{"daily 25:00", "daily 21:15", MsgUsageDigest},
		{"weekly", "daily 21:15", MsgUsageDigest},
		{"off", "", MsgDigestOff},
	}
	for _, tc := range tests {
		got := h.send(chat, arUser, "/digest "+tc.arg)
		if len(got) != 1 || !hasPrefixMsg(got[0].Text, tc.msg) {
			t.Errorf("/digest %s answered %+v, want %s", tc.arg, got, tc.msg)
		}
		if d := h.sub(chat.ID).Digest; d != tc.want {
			t.Errorf("/digest %s: stored %q, want %q", tc.arg, d, tc.want)
		}
	}
}

// hasPrefixMsg reports whether text starts as message id does in
// Arabic, before its first argument.
func hasPrefixMsg(text string, id MsgID) bool {
	tmpl := catalogue(LangAR)[id]
	tmpl, _, _ = strings.Cut(tmpl, "{")
	return strings.HasPrefix(text, tmpl)
}

// TestDigestRescheduled: changing the schedule moves a digest already
// pending; turning it off sends what was held at once.
func TestDigestRescheduled(t *testing.T) {
	h := newHarness(t, Options{Location: time.UTC})
	chat := telegramtest.PrivateChat(enUser.ID)
	h.send(chat, enUser, "/start")
	h.send(chat, enUser, "/digest hourly")
	ctx := context.Background()
	d := store.Delivery{ChatID: chat.ID, StoryID: "1", SourceID: "sana", Title: "t"}
	if _, err := h.st.Enqueue(ctx, []store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	es, err := h.st.ReadPartition(ctx, h.st.PartitionOf(chat.ID), "test", 10, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("ReadPartition: %d, %v", len(es), err)
	}
	if _, err := h.st.HoldForDigest(ctx, es[0], schedule.Hourly.Next(h.clock.Now(), time.UTC)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		arg  string
		want time.Time
	}{
		{"daily 20:00", time.Date(2025, 3, 8, 20, 0, 0, 0, time.UTC)},
		{"off", testEpoch},
	}
	for _, tc := range tests {
		h.send(chat, enUser, "/digest "+tc.arg)
		n, due, err := h.st.PendingDigest(ctx, chat.ID)
		if err != nil || n != 1 || !due.Equal(tc.want) {
			t.Errorf("/digest %s: pending %d due %v, %v; want 1 due %v", tc.arg, n, due, err, tc.want)
		}
	}
}
