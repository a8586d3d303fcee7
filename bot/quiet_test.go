package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

func TestParseQuiet(t *testing.T) {
	const h = 60
	tests := []struct {
		in     string
		want   store.Quiet
		off    bool
		wantOK bool
	}{
		{"23:00-07:00", store.Quiet{From: 23 * h, To: 7 * h}, false, true},
		{"23-7", store.Quiet{From: 23 * h, To: 7 * h}, false, true},
		{"11pm-7am", store.Quiet{From: 23 * h, To: 7 * h}, false, true},
		{"11 pm to 7 am", store.Quiet{From: 23 * h, To: 7 * h}, false, true},
		{"from 22:30 until 6:15 urgent", store.Quiet{From: 22*h + 30, To: 6*h + 15, Urgent: true}, false, true},
		{"23:00 – 07:00", store.Quiet{From: 23 * h, To: 7 * h}, false, true},
		{"12am-6am", store.Quiet{From: 0, To: 6 * h}, false, true},
		{"13-17", store.Quiet{From: 13 * h, To: 17 * h}, false, true},
		{"23:00-07:00 URGENT", store.Quiet{From: 23 * h, To: 7 * h, Urgent: true}, false, true},
		{"off", store.Quiet{}, true, true},
		{"OFF", store.Quiet{}, true, true},
		// Arabic.
		{"من 11 مساءً إلى 7 صباحاً", store.Quiet{From: 23 * h, To: 7 * h}, false, true},
		{"من ١١ مساء الى ٧ صباحا", store.Quiet{From: 23 * h, To: 7 * h}, false, true},
		{"٢٣:٠٠-٠٧:٠٠", store.Quiet{From: 23 * h, To: 7 * h}, false, true},
		{"23-7 عاجل", store.Quiet{From: 23 * h, To: 7 * h, Urgent: true}, false, true},
		{"11 م - 7 ص", store.Quiet{From: 23 * h, To: 7 * h}, false, true},
		{"10 ليلاً حتى 6 صباحاً", store.Quiet{From: 22 * h, To: 6 * h}, false, true},
		{"۲۲-۶", store.Quiet{From: 22 * h, To: 6 * h}, false, true},
		{"إيقاف", store.Quiet{}, true, true},
		// Refused.
		{"", store.Quiet{}, false, false},
		{"23", store.Quiet{}, false, false},
		{"7-7", store.Quiet{}, false, false},
		{"25-7", store.Quiet{}, false, false},
		{"23:60-7", store.Quiet{}, false, false},
		{"13pm-7am", store.Quiet{}, false, false},
		{"0pm-7", store.Quiet{}, false, false},
		{"23-7 tomorrow", store.Quiet{}, false, false},
		{"23:5-7", store.Quiet{}, false, false},
		{"a-b", store.Quiet{}, false, false},
		{"-", store.Quiet{}, false, false},
		{"urgent", store.Quiet{}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, off, err := ParseQuiet(tt.in)
			if (err == nil) != tt.wantOK {
				t.Fatalf("ParseQuiet(%q) error = %v; want ok %v", tt.in, err, tt.wantOK)
			}
			if got != tt.want || off != tt.off {
				t.Errorf("ParseQuiet(%q) = %+v, off %v; want %+v, off %v", tt.in, got, off, tt.want, tt.off)
			}
		})
	}
}

func TestParseZone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Asia/Beirut", "Asia/Beirut"},
		{"asia/beirut", "Asia/Beirut"},
		{"america/new_york", "America/New_York"},
		{"بيروت", "Asia/Beirut"},
		{"دمشق", "Asia/Damascus"},
		{"القاهرة", "Africa/Cairo"},
		{"الدار البيضاء", "Africa/Casablanca"},
		{"الدوحة", "Asia/Qatar"},
		{"Damascus", "Asia/Damascus"},
		{"New York", "America/New_York"},
		{"los angeles", "America/Los_Angeles"},
		{"Tokyo", "Asia/Tokyo"},
		{"UTC", "UTC"},
		// Refused.
		{"", ""},
		{"Local", ""},
		{"Atlantis", ""},
		{"../../etc/passwd", ""},
		{"Asia/Nowhere", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, loc, ok := ParseZone(tt.in)
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("ParseZone(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			}
			if ok && loc.String() != tt.want {
				t.Errorf("ParseZone(%q) location = %v; want %s", tt.in, loc, tt.want)
			}
		})
	}
}

func FuzzParseQuiet(f *testing.F) {
	for _, s := range []string{"23:00-07:00", "23-7", "11pm-7am", "من 11 مساءً إلى 7 صباحاً", "٢٣:٠٠-٠٧:٠٠", "off", "23-7 urgent", ":-:", "12a.m.-1p.m."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, off, err := ParseQuiet(s)
		if err == nil && !off && !q.Valid() {
			t.Errorf("ParseQuiet(%q) = %+v: accepted an invalid range", s, q)
		}
	})
}

func FuzzParseZone(f *testing.F) {
	for _, s := range []string{"Asia/Beirut", "بيروت", "new york", "../x", "Local", "a/b/c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if name, loc, ok := ParseZone(s); ok && (name == "" || loc == nil) {
			t.Errorf("ParseZone(%q) = %q, %v, ok", s, name, loc)
		}
	})
}

func TestQuietAndTZCommands(t *testing.T) {
	h := newHarness(t, Options{})
	user := telegramtest.User{ID: 7, FirstName: "U", LanguageCode: "en"}
	chat := telegramtest.PrivateChat(user.ID)
	h.send(chat, user, "/start")

	if got := h.send(chat, user, "/quiet"); len(got) != 1 || got[0].Text != T(LangEN, MsgQuietNone) {
		t.Fatalf("/quiet alone: got %v; want MsgQuietNone", got)
	}
	h.send(chat, user, "/quiet 11pm-7am urgent")
	if q := h.sub(chat.ID).Quiet; q == nil || *q != (store.Quiet{From: 23 * 60, To: 7 * 60, Urgent: true}) {
		t.Fatalf("after /quiet 11pm-7am urgent: quiet = %+v", q)
	}
	if got := h.send(chat, user, "/quiet sometimes"); len(got) != 1 || got[0].Text != T(LangEN, MsgBadQuiet, "sometimes") {
		t.Errorf("/quiet sometimes: got %v; want MsgBadQuiet", got)
	}
	h.send(chat, user, "/tz Europe/London")
	got := h.send(chat, user, "/quiet")
	if want := T(LangEN, MsgQuietSetUrgent, "23:00", "07:00", "Europe/London"); len(got) != 1 || got[0].Text != want {
		t.Errorf("/quiet alone: got %v; want %q", got, want)
	}
	h.send(chat, user, "/quiet off")
	if q := h.sub(chat.ID).Quiet; q != nil {
		t.Errorf("after /quiet off: quiet = %+v; want none", q)
	}
	if got := h.send(chat, user, "/tz Atlantis"); len(got) != 1 || got[0].Text != T(LangEN, MsgBadTZ, "Atlantis") {
		t.Errorf("/tz Atlantis: got %v; want MsgBadTZ", got)
	}
}

func TestTZByArabicCityInAGroup(t *testing.T) {
	h := newHarness(t, Options{})
	h.send(group, groupAdmin, "/start")
	got := h.send(group, groupAdmin, "/tz بيروت")
	beirut, _ := time.LoadLocation("Asia/Beirut")
	if want := T(LangAR, MsgTZSet, "Asia/Beirut", testEpoch.In(beirut).Format("15:04")); len(got) != 1 || got[0].Text != want {
		t.Fatalf("/tz بيروت: got %v; want %q", got, want)
	}
	if tz := h.sub(group.ID).TZ; tz != "Asia/Beirut" {
		t.Errorf("group tz = %q; want Asia/Beirut", tz)
	}
	// A member who is not an admin changes nothing.
	for _, cmd := range []string{"/tz London", "/quiet 23-7"} {
		got := h.send(group, groupMember, cmd)
		if len(got) != 1 || got[0].Text != T(LangAR, MsgNotAdmin) {
			t.Errorf("%s by a member: got %v; want MsgNotAdmin", cmd, got)
		}
	}
	sub := h.sub(group.ID)
	if sub.TZ != "Asia/Beirut" || sub.Quiet != nil {
		t.Errorf("after a member's commands: tz %q, quiet %+v; want unchanged", sub.TZ, sub.Quiet)
	}
	// Every member may see the last alerts.
	if got := h.send(group, groupMember, "/last"); len(got) != 1 || got[0].Text != T(LangAR, MsgLastNone) {
		t.Errorf("/last by a member: got %v; want MsgLastNone", got)
	}
}

// deliver queues and acknowledges a delivery of story to chat, as the
// sender does once Telegram confirmed it.
func deliver(t *testing.T, st *store.Store, chat int64, story, source, title string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	d := store.Delivery{ChatID: chat, StoryID: story, ItemID: story, SourceID: source, Urgent: true,
		Title: title, Link: "https://example.com/" + story, Published: at, MatchedAt: at}
	if _, err := st.Enqueue(ctx, []store.Delivery{d}); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	if err := st.EnsureOutboxGroups(ctx); err != nil {
		t.Fatalf("groups: %v", err)
	}
	entries, err := st.ReadPartition(ctx, st.PartitionOf(chat), "test", 10, 0)
	if err != nil || len(entries) != 1 {
		t.Fatalf("read partition: %v, %d entries", err, len(entries))
	}
	if err := st.Acknowledge(ctx, entries[0], store.SentRecord{MessageID: 1, SentAt: at}); err != nil {
		t.Fatalf("acknowledge: %v", err)
	}
}

func TestLastAfterThreeAlerts(t *testing.T) {
	h := newHarness(t, Options{})
	h.addSources("sana", "jaz")
	user := telegramtest.User{ID: 8, FirstName: "U", LanguageCode: "en"}
	chat := telegramtest.PrivateChat(user.ID)
	h.send(chat, user, "/start")
	h.send(chat, user, "/tz Asia/Tokyo")
	at := time.Date(2025, time.March, 8, 9, 0, 0, 0, time.UTC) // 18:00 in Tokyo
	for i, title := range []string{"first & one", "second", "third"} {
		deliver(t, h.st, chat.ID, "s"+string(rune('1'+i)), "sana", title, at.Add(time.Duration(i)*time.Minute))
	}
	got := h.send(chat, user, "/last")
	if len(got) != 1 {
		t.Fatalf("/last: %d messages; want 1", len(got))
	}
	text := got[0].Text
	third, second, first := strings.Index(text, "third"), strings.Index(text, "second"), strings.Index(text, "first &amp; one")
	if third < 0 || second < third || first < second {
		t.Errorf("/last: want the three alerts newest first; got\n%s", text)
	}
	for _, want := range []string{"18:02 · 08/03", "Source sana", `href="https://example.com/s1"`, T(LangEN, MsgLastHeader, 3)} {
		if !strings.Contains(text, want) {
			t.Errorf("/last: want %q in\n%s", want, text)
		}
	}
	if got := h.send(chat, user, "/last 2"); len(got) != 1 || strings.Contains(got[0].Text, "first &amp; one") {
		t.Errorf("/last 2: want the two newest only; got %v", got)
	}
}

func TestLastInAFreshChatShowsRecentUrgentStories(t *testing.T) {
	h := newHarness(t, Options{})
	h.addSources("sana", "jaz")
	ctx := context.Background()
	for _, e := range []store.HistoryEntry{
		{StoryID: "1", SourceID: "sana", Title: "from sana", Urgent: true, At: testEpoch},
		{StoryID: "2", SourceID: "jaz", Title: "from jaz", Urgent: true, At: testEpoch},
	} {
		if err := h.st.RecordUrgent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	user := telegramtest.User{ID: 9, FirstName: "U", LanguageCode: "ar"}
	chat := telegramtest.PrivateChat(user.ID)
	h.send(chat, user, "/start")
	h.send(chat, user, "/sources jaz") // follow sana only
	got := h.send(chat, user, "/last")
	if len(got) != 1 {
		t.Fatalf("/last: %d messages; want 1", len(got))
	}
	if text := got[0].Text; !strings.Contains(text, "from sana") || strings.Contains(text, "from jaz") || !strings.HasPrefix(text, T(LangAR, MsgLastRecentHeader, 1)) {
		t.Errorf("/last in a fresh chat: want the urgent story of its source only; got\n%s", text)
	}
}
