package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

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
	wantButtons := []string{"set:mode", "set:dig", "set:btn", "set:media", "set:quiet", "set:tz", "set:lang", "set:src"}
	if data := buttonData(t, msg); !slices.Equal(data, wantButtons) {
		t.Fatalf("buttons %q, want %q", data, wantButtons)
	}
	state := func(s *store.Subscriber) string {
		btn := "on"
		if s.NoButtons {
			btn = "off"
		}
		return s.Mode + "|" + s.Digest + "|" + btn + "|" + s.Lang + "|" + strconv.FormatBool(s.Media) + "|" + quietString(s.Quiet)
	}
	steps := []struct {
		press string
		want  string
		lang  Lang
		text  func(Lang) string // a line the redrawn message shows
	}{
		{"set:mode", "all||on|en|false|off", LangEN, func(l Lang) string { return Plain(l, MsgModeAllShort) }},
		{"set:dig", "all|hourly|on|en|false|off", LangEN, func(l Lang) string { return Plain(l, MsgDigestStateHour) }},
		{"set:dig", "all|daily 08:00|on|en|false|off", LangEN, func(l Lang) string { return Plain(l, MsgDigestStateDaily, "08:00") }},
		{"set:dig", "all||on|en|false|off", LangEN, func(l Lang) string { return Plain(l, MsgDigestStateOff) }},
		{"set:btn", "all||off|en|false|off", LangEN, func(l Lang) string { return Plain(l, MsgSetButtons, Plain(l, MsgStateOff)) }},
		{"set:mode", "urgent||off|en|false|off", LangEN, func(l Lang) string { return Plain(l, MsgSetMode, Plain(l, MsgModeUrgentShort)) }},
		{"set:media", "urgent||off|en|true|off", LangEN, func(l Lang) string { return Plain(l, MsgSetMedia, Plain(l, MsgStateOn)) }},
		{"set:quiet", "urgent||off|en|true|23:00-07:00", LangEN, func(l Lang) string { return Plain(l, MsgSetQuiet, Plain(l, MsgQuietStateRange, "23:00", "07:00")) }},
		{"set:quiet", "urgent||off|en|true|23:00-07:00 urgent", LangEN, func(l Lang) string { return Plain(l, MsgQuietStateUrgent, "23:00", "07:00") }},
		{"set:quiet", "urgent||off|en|true|00:00-08:00", LangEN, func(l Lang) string { return Plain(l, MsgSetQuiet, Plain(l, MsgQuietStateRange, "00:00", "08:00")) }},
		{"set:lang", "urgent||off|ar|true|00:00-08:00", LangAR, func(l Lang) string { return Plain(l, MsgSetLang, Plain(l, MsgLangNameAR)) }},
		{"set:quiet", "urgent||off|ar|true|off", LangAR, func(l Lang) string { return Plain(l, MsgSetQuiet, Plain(l, MsgQuietStateOff)) }},
		{"set:media", "urgent||off|ar|false|off", LangAR, func(l Lang) string { return Plain(l, MsgSetMedia, Plain(l, MsgStateOff)) }},
		{"set:lang", "urgent||off|en|false|off", LangEN, func(l Lang) string { return Plain(l, MsgSetLang, Plain(l, MsgLangNameEN)) }},
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

// quietString writes quiet hours as the tests compare them.
func quietString(q *store.Quiet) string {
	if q == nil {
		return "off"
	}
	s := FormatClock(q.From) + "-" + FormatClock(q.To)
	if q.Urgent {
		s += " urgent"
	}
	return s
}

// TestSettingsQuietCustom: hours set with /quiet that are no preset show
// as they are, and a tap turns them off.
func TestSettingsQuietCustom(t *testing.T) {
	h := newHarness(t, Options{})
	chat := telegramtest.PrivateChat(enUser.ID)
	h.send(chat, enUser, "/start")
	h.send(chat, enUser, "/quiet 22:30-06:00")
	msg := h.send(chat, enUser, "/settings")[0]
	if want := Plain(LangEN, MsgQuietStateRange, "22:30", "06:00"); !strings.Contains(msg.Text, want) {
		t.Errorf("/settings does not show %q:\n%s", want, msg.Text)
	}
	h.press(chat, enUser, msg.MessageID, "set:quiet")
	if q := h.sub(chat.ID).Quiet; q != nil {
		t.Errorf("quiet hours %s after a tap on custom hours, want off", quietString(q))
	}
}

// TestSettingsZone: the time zone row opens a keyboard of zones; a zone
// pressed is set as /tz sets it (a pending digest moves to its time
// there) and the settings come back, showing it.
func TestSettingsZone(t *testing.T) {
	h := newHarness(t, Options{Location: time.UTC})
	chat := telegramtest.PrivateChat(enUser.ID)
	h.send(chat, enUser, "/start")
	h.send(chat, enUser, "/mode all")
	h.send(chat, enUser, "/digest daily 20:00")
	ctx := context.Background()
	if _, err := h.st.HoldForDigest(ctx, h.queued(chat.ID, "1"), schedule.Daily(20, 0).Next(h.clock.Now(), time.UTC)); err != nil {
		t.Fatal(err)
	}
	msg := h.send(chat, enUser, "/settings")[0]
	if want := Plain(LangEN, MsgSetTZ, "UTC"); !slices.ContainsFunc(keyboard(t, msg), func(r []tgbotapi.InlineKeyboardButton) bool { return r[0].Text == want }) {
		t.Errorf("/settings has no button %q", want)
	}

	h.press(chat, enUser, msg.MessageID, "set:tz")
	zones := h.message(chat.ID, msg.MessageID)
	wantData := []string{"set:z:Asia/Damascus", "set:z:Asia/Beirut", "set:z:Asia/Amman", "set:z:Asia/Baghdad",
		"set:z:Asia/Riyadh", "set:z:Asia/Dubai", "set:z:Africa/Cairo", "set:z:Europe/Istanbul",
		"set:z:Europe/Berlin", "set:z:Europe/London", "set:z:America/New_York", "set:z:UTC", "set:view"}
	if got := buttonData(t, zones); !slices.Equal(got, wantData) {
		t.Fatalf("zone keyboard %q, want %q", got, wantData)
	}
	if kb := keyboard(t, zones); kb[5][1].Text != "✓ "+Plain(LangEN, MsgZoneUTC) {
		t.Errorf("the chat's zone is shown as %q, want it marked", kb[5][1].Text)
	}

	toast := h.press(chat, enUser, msg.MessageID, "set:z:Asia/Beirut")
	if want := Plain(LangEN, MsgTZSet, "Asia/Beirut", "11:30"); toast != want {
		t.Errorf("zone press answered %q, want %q", toast, want)
	}
	if tz := h.sub(chat.ID).TZ; tz != "Asia/Beirut" {
		t.Errorf("time zone %q after the press, want Asia/Beirut", tz)
	}
	// 20:00 in Beirut (UTC+2 on 8 March 2025) is 18:00 UTC.
	if n, due, err := h.st.PendingDigest(ctx, chat.ID); err != nil || n != 1 || !due.Equal(time.Date(2025, 3, 8, 18, 0, 0, 0, time.UTC)) {
		t.Errorf("pending digest %d due %v, %v; want 1 due 18:00 UTC", n, due, err)
	}
	back := h.message(chat.ID, msg.MessageID)
	if got := buttonData(t, back); len(got) == 0 || got[0] != "set:mode" {
		t.Errorf("after a zone the message shows %q, want the settings", got)
	}
	if !strings.Contains(back.Text, "Asia/Beirut") {
		t.Errorf("the settings do not show the new zone:\n%s", back.Text)
	}

	// Back without choosing changes nothing.
	h.press(chat, enUser, msg.MessageID, "set:tz")
	h.press(chat, enUser, msg.MessageID, "set:view")
	if got := buttonData(t, h.message(chat.ID, msg.MessageID)); len(got) == 0 || got[0] != "set:mode" {
		t.Errorf("after back the message shows %q, want the settings", got)
	}
	if tz := h.sub(chat.ID).TZ; tz != "Asia/Beirut" {
		t.Errorf("time zone %q after back, want Asia/Beirut still", tz)
	}
	// A zone this build does not know is refused.
	toast = h.press(chat, enUser, msg.MessageID, "set:z:Mars/Olympus")
	if want := Plain(LangEN, MsgBadTZ, "Mars/Olympus"); toast != want {
		t.Errorf("unknown zone answered %q, want %q", toast, want)
	}
	if tz := h.sub(chat.ID).TZ; tz != "Asia/Beirut" {
		t.Errorf("time zone %q after an unknown zone, want Asia/Beirut still", tz)
	}
}

// TestSettingsGroupAdminsOnly: a group member sees the settings but may
// change none of them; an admin may.
func TestSettingsGroupAdminsOnly(t *testing.T) {
	h := newHarness(t, Options{})
	h.send(group, groupAdmin, "/start")
	got := h.send(group, groupMember, "/settings")
	if len(got) != 1 {
		t.Fatalf("/settings from a member sent %d messages, want 1", len(got))
	}
	before := *h.sub(group.ID)
	for _, data := range []string{"set:mode", "set:dig", "set:btn", "set:media", "set:quiet", "set:tz", "set:z:Asia/Beirut", "set:view", "set:lang", "set:src"} {
		if answer := h.press(group, groupMember, got[0].MessageID, data); answer != Plain(LangAR, MsgNotAdmin) {
			t.Errorf("a member's %s answered %q, want MsgNotAdmin", data, answer)
		}
	}
	after := *h.sub(group.ID)
	if !after.UpdatedAt.Equal(before.UpdatedAt) || after.Mode != ModeUrgent || after.Media || after.Quiet != nil || after.TZ != "" {
		t.Errorf("settings changed by a member's presses: %+v", after)
	}
	if m := h.message(group.ID, got[0].MessageID); m.Text != got[0].Text {
		t.Errorf("a member's presses changed the message:\n%s", m.Text)
	}
	// The admin's presses change them.
	for _, data := range []string{"set:media", "set:quiet", "set:z:Asia/Damascus"} {
		if answer := h.press(group, groupAdmin, got[0].MessageID, data); answer == Plain(LangAR, MsgNotAdmin) {
			t.Errorf("the admin's %s was refused", data)
		}
	}
	if s := h.sub(group.ID); !s.Media || quietString(s.Quiet) != "23:00-07:00" || s.TZ != "Asia/Damascus" {
		t.Errorf("after the admin's presses: media %v, quiet %s, zone %q; want true, 23:00-07:00, Asia/Damascus", s.Media, quietString(s.Quiet), s.TZ)
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
	if _, err := h.st.HoldForDigest(ctx, h.queued(chat.ID, "1"), schedule.Hourly.Next(h.clock.Now(), time.UTC)); err != nil {
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

// TestSettingsZonesLoad: every zone of the keyboard loads as /tz reads it,
// and its button's data fits Telegram's 64 bytes behind the longest
// prefix of a managed channel.
func TestSettingsZonesLoad(t *testing.T) {
	c := &cmdContext{managed: &store.ManagedChat{ChatID: -1009999999999999}}
	for _, z := range settingsZones {
		if name, _, ok := ParseZone(z.name); !ok || name != z.name {
			t.Errorf("ParseZone(%q) = %q, %v; want the zone itself", z.name, name, ok)
		}
		if data := c.callbackPrefix() + cbSettings + setZone + z.name; len(data) > 64 {
			t.Errorf("button data %q is %d bytes, more than 64", data, len(data))
		}
	}
}
