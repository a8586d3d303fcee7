package bot

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/alerts/match"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

var (
	arChat = telegramtest.PrivateChat(arUser.ID)
	enChat = telegramtest.PrivateChat(enUser.ID)
)

// ruleErr is the reply to a rule match.ValidateRules refuses.
func ruleErr(t *testing.T, lang Lang, existing []string, rule string) string {
	t.Helper()
	_, err := match.ValidateRules(existing, rule)
	if err == nil {
		t.Fatalf("rule %q is valid; the test wants an invalid one", rule)
	}
	return RuleErrorMessage(lang, err)
}

// durationErr is the reply to a duration ParseDuration refuses.
func durationErr(t *testing.T, lang Lang, s string) string {
	t.Helper()
	_, err := ParseDuration(s)
	if err == nil {
		t.Fatalf("duration %q is valid; the test wants an invalid one", s)
	}
	return DurationErrorMessage(lang, err)
}

func TestSubscriberCommands(t *testing.T) {
	long := strings.Repeat("خبر ", 1000) // 4,000 characters
	type check func(t *testing.T, s *store.Subscriber)
	subscribed := func(lang Lang, rules ...string) check {
		return func(t *testing.T, s *store.Subscriber) {
			t.Helper()
			if s == nil {
				t.Fatal("not subscribed, want subscribed")
			}
			if Lang(s.Lang) != lang || !s.Active || !slices.Equal(s.Rules, rules) {
				t.Errorf("subscriber lang=%q active=%v rules=%q, want %q true %q", s.Lang, s.Active, s.Rules, lang, rules)
			}
		}
	}
	unsubscribed := func(t *testing.T, s *store.Subscriber) {
		t.Helper()
		if s != nil {
			t.Errorf("subscriber = %+v, want none", *s)
		}
	}
	tests := map[string]struct {
		chat  telegramtest.Chat
		from  telegramtest.User
		prep  func(h *harness)
		setup []string // sent first, by the same user in the same chat
		text  string
		// want: the replies, exactly.
		want  []string
		check check
	}{
		// /start, /stop
		"start ar": {chat: arChat, from: arUser, text: "/start",
			want: []string{T(LangAR, MsgWelcome)}, check: func(t *testing.T, s *store.Subscriber) {
				subscribed(LangAR)(t, s)
				if s.Mode != ModeUrgent || len(s.Sources) != 0 || !s.PausedUntil.IsZero() || s.Type != "private" {
					t.Errorf("new subscriber = %+v, want urgent, all sources, not paused, private", *s)
				}
			}},
		"start en": {chat: enChat, from: enUser, text: "/start", want: []string{T(LangEN, MsgWelcome)}, check: subscribed(LangEN)},
		"start with RTL mark and mention": {chat: arChat, from: arUser, text: "\u200f/start@aajil_test_bot",
			want: []string{T(LangAR, MsgWelcome)}, check: subscribed(LangAR)},
		"start twice": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/start",
			want: []string{T(LangEN, MsgWelcomeBack)}, check: subscribed(LangEN)},
		"start reactivates a blocked chat": {chat: enChat, from: enUser,
			prep: func(h *harness) {
				h.send(enChat, enUser, "/start")
				if err := h.st.SetActive(context.Background(), enChat.ID, false); err != nil {
					h.t.Fatal(err)
				}
			},
			text: "/start", want: []string{T(LangEN, MsgWelcomeBack)}, check: subscribed(LangEN)},
		"start group admin": {chat: group, from: groupAdmin, text: "/start@aajil_test_bot",
			want: []string{T(LangAR, MsgWelcome)}, check: func(t *testing.T, s *store.Subscriber) {
				subscribed(LangAR)(t, s)
				if s.Type != "supergroup" || s.Title != group.Title {
					t.Errorf("type, title = %q, %q; want supergroup, %q", s.Type, s.Title, group.Title)
				}
			}},
		"start group non-admin": {chat: group, from: groupMember, text: "/start",
			want: []string{T(LangEN, MsgNotAdmin)}, check: unsubscribed},
		"stop": {chat: arChat, from: arUser, setup: []string{"/start", "/add حمص"}, text: "/stop",
			want: []string{T(LangAR, MsgStopped)}, check: unsubscribed},
		"stop en": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/STOP",
			want: []string{T(LangEN, MsgStopped)}, check: unsubscribed},
		"stop unsubscribed": {chat: arChat, from: arUser, text: "/stop",
			want: []string{T(LangAR, MsgNotSubscribed)}, check: unsubscribed},
		"stop group non-admin": {chat: group, from: groupMember, prep: func(h *harness) { h.send(group, groupAdmin, "/start") },
			text: "/stop", want: []string{T(LangAR, MsgNotAdmin)}, check: subscribed(LangAR)},

		// /help
		"help ar unsubscribed": {chat: arChat, from: arUser, text: "/help", want: []string{T(LangAR, MsgHelp)}, check: unsubscribed},
		"help en":              {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/help", want: []string{T(LangEN, MsgHelp)}, check: subscribed(LangEN)},
		"help group non-admin": {chat: group, from: groupMember, text: "/help@aajil_test_bot", want: []string{T(LangEN, MsgHelp)}, check: unsubscribed},

		// /add
		"add ar": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/add حمص",
			want: []string{T(LangAR, MsgRuleAdded, "حمص", 1)}, check: subscribed(LangAR, "حمص")},
		"add en phrase and veto": {chat: enChat, from: enUser, setup: []string{"/start", "/add Homs"}, text: `/add “Damascus airport” -weather`,
			want:  []string{T(LangEN, MsgRuleAdded, `“Damascus airport” -weather`, 2)},
			check: subscribed(LangEN, "Homs", `“Damascus airport” -weather`)},
		"add html-like text is escaped": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/add <b>Homs</b>&co",
			want: []string{T(LangEN, MsgRuleAdded, "<b>Homs</b>&co", 1)}, check: subscribed(LangEN, "<b>Homs</b>&co")},
		"add multi-line rule is one line": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/add حمص\nحماة",
			want: []string{T(LangAR, MsgRuleAdded, "حمص حماة", 1)}, check: subscribed(LangAR, "حمص حماة")},
		"add NUL and bidi marks": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/add \u200fحمص\x00\u200e",
			want: []string{T(LangAR, MsgRuleAdded, "حمص", 1)}, check: subscribed(LangAR, "حمص")},
		"add missing rule": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/add   ",
			want: []string{T(LangAR, MsgUsageAdd)}, check: subscribed(LangAR)},
		"add emoji term": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/add حمص 🔴",
			want: []string{T(LangAR, MsgRuleEmptyTerm, "🔴")}, check: subscribed(LangAR)},
		"add unbalanced quote": {chat: enChat, from: enUser, setup: []string{"/start"}, text: `/add "Damascus airport`,
			want: []string{T(LangEN, MsgRuleUnbalancedQuote, 1)}, check: subscribed(LangEN)},
		"add only vetoes": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/add -طقس",
			want: []string{T(LangAR, MsgRuleOnlyVetoes)}, check: subscribed(LangAR)},
		"add too long": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/add " + long,
			want: []string{T(LangAR, MsgRuleTooLong, match.MaxRuleLen)}, check: subscribed(LangAR)},
		"add duplicate": {chat: enChat, from: enUser, setup: []string{"/start", "/add Damascus airport"}, text: "/add AIRPORT damascus",
			want: []string{T(LangEN, MsgRuleDuplicate, "Damascus airport")}, check: subscribed(LangEN, "Damascus airport")},
		"add too many": {chat: arChat, from: arUser,
			prep: func(h *harness) {
				h.send(arChat, arUser, "/start")
				setRules(h, arChat.ID, numberedRules(match.MaxRules))
			},
			text: "/add حمص", want: []string{T(LangAR, MsgTooManyRules, match.MaxRules)},
			check: subscribed(LangAR, numberedRules(match.MaxRules)...)},
		"add unsubscribed": {chat: enChat, from: enUser, text: "/add Homs",
			want: []string{T(LangEN, MsgNotSubscribed)}, check: unsubscribed},
		"add group admin": {chat: group, from: groupAdmin, setup: []string{"/start"}, text: "/add@aajil_test_bot درعا",
			want: []string{T(LangAR, MsgRuleAdded, "درعا", 1)}, check: subscribed(LangAR, "درعا")},
		"add group non-admin": {chat: group, from: groupMember, prep: func(h *harness) { h.send(group, groupAdmin, "/start") },
			text: "/add Homs", want: []string{T(LangAR, MsgNotAdmin)}, check: subscribed(LangAR)},

		// /del
		"del by number": {chat: arChat, from: arUser, setup: []string{"/start", "/add حمص", "/add حماة"}, text: "/del 1",
			want: []string{T(LangAR, MsgRuleDeleted, "حمص")}, check: subscribed(LangAR, "حماة")},
		"del by Arabic-Indic number": {chat: arChat, from: arUser, setup: []string{"/start", "/add حمص", "/add حماة"}, text: "/del ٢",
			want: []string{T(LangAR, MsgRuleDeleted, "حماة")}, check: subscribed(LangAR, "حمص")},
		"del by text": {chat: enChat, from: enUser, setup: []string{"/start", "/add Homs", "/add Aleppo"}, text: "/del Aleppo",
			want: []string{T(LangEN, MsgRuleDeleted, "Aleppo")}, check: subscribed(LangEN, "Homs")},
		"del by same terms": {chat: enChat, from: enUser, setup: []string{"/start", "/add Damascus airport"}, text: "/del airport DAMASCUS",
			want: []string{T(LangEN, MsgRuleDeleted, "Damascus airport")}, check: subscribed(LangEN)},
		"del number out of range": {chat: enChat, from: enUser, setup: []string{"/start", "/add Homs"}, text: "/del 7",
			want: []string{T(LangEN, MsgNoSuchRule, "7")}, check: subscribed(LangEN, "Homs")},
		"del unknown rule": {chat: arChat, from: arUser, setup: []string{"/start", "/add حمص"}, text: "/del <i>درعا</i>",
			want: []string{T(LangAR, MsgNoSuchRule, "<i>درعا</i>")}, check: subscribed(LangAR, "حمص")},
		"del missing argument": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/del",
			want: []string{T(LangAR, MsgUsageDel)}, check: subscribed(LangAR)},

		// /list
		"list ar": {chat: arChat, from: arUser, setup: []string{"/start", "/add حمص", `/add "مطار دمشق" -طقس`}, text: "/list",
			want:  []string{T(LangAR, MsgRulesList, 2) + "\n" + T(LangAR, MsgRuleLine, 1, "حمص") + "\n" + T(LangAR, MsgRuleLine, 2, `"مطار دمشق" -طقس`)},
			check: subscribed(LangAR, "حمص", `"مطار دمشق" -طقس`)},
		"list en empty": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/list",
			want: []string{T(LangEN, MsgNoRules)}, check: subscribed(LangEN)},
		"list group non-admin": {chat: group, from: groupMember,
			prep: func(h *harness) { h.send(group, groupAdmin, "/start"); h.send(group, groupAdmin, "/add درعا") },
			text: "/list", want: []string{T(LangAR, MsgRulesList, 1) + "\n" + T(LangAR, MsgRuleLine, 1, "درعا")},
			check: subscribed(LangAR, "درعا")},
		"list unsubscribed": {chat: arChat, from: arUser, text: "/list", want: []string{T(LangAR, MsgNotSubscribed)}, check: unsubscribed},

		// /clear (the buttons: TestClearButtons)
		"clear nothing": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/clear",
			want: []string{T(LangEN, MsgNoRules)}, check: subscribed(LangEN)},
		"clear asks": {chat: arChat, from: arUser, setup: []string{"/start", "/add حمص"}, text: "/clear",
			want: []string{T(LangAR, MsgClearConfirm, 1)}, check: subscribed(LangAR, "حمص")},

		// /mode
		"mode all": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/mode all",
			want: []string{T(LangEN, MsgModeAll)}, check: mode(ModeAll)},
		"mode urgent in Arabic": {chat: arChat, from: arUser, setup: []string{"/start", "/mode all"}, text: "/mode عاجل",
			want: []string{T(LangAR, MsgModeUrgent)}, check: mode(ModeUrgent)},
		"mode all in Arabic": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/mode الكل",
			want: []string{T(LangAR, MsgModeAll)}, check: mode(ModeAll)},
		"mode bad": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/mode <b>loud</b>",
			want: []string{T(LangEN, MsgBadMode, "<b>loud</b>")}, check: mode(ModeUrgent)},
		"mode 4,000 characters": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/mode " + long,
			want: []string{T(LangAR, MsgBadMode, strings.TrimSpace(long))}, check: mode(ModeUrgent)},
		"mode missing": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/mode",
			want: []string{T(LangAR, MsgUsageMode)}, check: mode(ModeUrgent)},

		// /media
		"media on": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/media on",
			want: []string{T(LangEN, MsgMediaOn)}, check: media(true)},
		"media off": {chat: enChat, from: enUser, setup: []string{"/start", "/media on"}, text: "/media OFF",
			want: []string{T(LangEN, MsgMediaOff)}, check: media(false)},
		"media on in Arabic": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/media تفعيل",
			want: []string{T(LangAR, MsgMediaOn)}, check: media(true)},
		"media off in Arabic": {chat: arChat, from: arUser, setup: []string{"/start", "/media on"}, text: "/media ايقاف",
			want: []string{T(LangAR, MsgMediaOff)}, check: media(false)},
		"media bad": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/media <b>loud</b>",
			want: []string{T(LangEN, MsgBadMedia, "<b>loud</b>")}, check: media(false)},
		"media missing": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/media",
			want: []string{T(LangAR, MsgUsageMedia)}, check: media(false)},
		"media group non-admin": {chat: group, from: groupMember, prep: func(h *harness) { h.send(group, groupAdmin, "/start") },
			text: "/media on", want: []string{T(LangAR, MsgNotAdmin)}, check: media(false)},
		"media unsubscribed": {chat: arChat, from: arUser, text: "/media on", want: []string{T(LangAR, MsgNotSubscribed)}, check: unsubscribed},

		// /pause, /resume
		"pause until resume": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/pause",
			want: []string{T(LangAR, MsgPaused)}, check: pausedUntil(PausedForever)},
		"pause 2h": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/pause 2h",
			want:  []string{T(LangEN, MsgPausedUntil, 2*time.Hour, testEpoch.Add(2*time.Hour))},
			check: pausedUntil(testEpoch.Add(2 * time.Hour))},
		"pause in Arabic words": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/pause ساعتين",
			want:  []string{T(LangAR, MsgPausedUntil, 2*time.Hour, testEpoch.Add(2*time.Hour))},
			check: pausedUntil(testEpoch.Add(2 * time.Hour))},
		"pause bad duration": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/pause soon",
			want: []string{durationErr(t, LangEN, "soon")}, check: pausedUntil(time.Time{})},
		"pause too short": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/pause 30s",
			want: []string{durationErr(t, LangAR, "30s")}, check: pausedUntil(time.Time{})},
		"pause too long": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/pause 90d",
			want: []string{durationErr(t, LangEN, "90d")}, check: pausedUntil(time.Time{})},
		"resume": {chat: arChat, from: arUser, setup: []string{"/start", "/pause 1h"}, text: "/resume",
			want: []string{T(LangAR, MsgResumed)}, check: pausedUntil(time.Time{})},
		"resume not paused": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/resume",
			want: []string{T(LangEN, MsgNotPaused)}, check: pausedUntil(time.Time{})},
		"resume after the pause ended": {chat: enChat, from: enUser,
			prep: func(h *harness) {
				h.send(enChat, enUser, "/start")
				h.send(enChat, enUser, "/pause 1h")
				h.clock.Advance(2 * time.Hour)
			},
			text: "/resume", want: []string{T(LangEN, MsgNotPaused)}, check: pausedUntil(testEpoch.Add(time.Hour))},

		// /lang
		"lang en": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/lang en",
			want: []string{T(LangEN, MsgLangSet)}, check: subscribed(LangEN)},
		"lang ar by name": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/lang العربية",
			want: []string{T(LangAR, MsgLangSet)}, check: subscribed(LangAR)},
		"lang then reply": {chat: enChat, from: enUser, setup: []string{"/start", "/lang ar"}, text: "/help",
			want: []string{T(LangAR, MsgHelp)}, check: subscribed(LangAR)},
		"lang bad": {chat: arChat, from: arUser, setup: []string{"/start"}, text: "/lang fr",
			want: []string{T(LangAR, MsgBadLang)}, check: subscribed(LangAR)},
		"lang missing": {chat: enChat, from: enUser, setup: []string{"/start"}, text: "/lang",
			want: []string{T(LangEN, MsgUsageLang)}, check: subscribed(LangEN)},
		"lang group non-admin": {chat: group, from: groupMember, prep: func(h *harness) { h.send(group, groupAdmin, "/start") },
			text: "/lang en", want: []string{T(LangAR, MsgNotAdmin)}, check: subscribed(LangAR)},

		// /status
		"status ar": {chat: arChat, from: arUser, prep: func(h *harness) { h.addSources("sana", "bbc", "rt") },
			setup: []string{"/start", "/add حمص", "/sources bbc", "/mode all", "/media on"}, text: "/status",
			want:  []string{T(LangAR, MsgStatus, HTML(T(LangAR, MsgStatusActive)), HTML(T(LangAR, MsgStatusModeAll)), 2, 3, 1, HTML(T(LangAR, MsgStatusMediaOn)))},
			check: subscribed(LangAR, "حمص")},
		"status en paused": {chat: enChat, from: enUser, prep: func(h *harness) { h.addSources("sana") },
			setup: []string{"/start", "/pause"}, text: "/status",
			want:  []string{T(LangEN, MsgStatus, HTML(T(LangEN, MsgStatusPaused)), HTML(T(LangEN, MsgStatusModeUrgent)), 1, 1, 0, HTML(T(LangEN, MsgStatusMediaOff)))},
			check: pausedUntil(PausedForever)},
		"status en paused for a while": {chat: enChat, from: enUser, setup: []string{"/start", "/pause 30m"}, text: "/status",
			want:  []string{T(LangEN, MsgStatus, HTML(T(LangEN, MsgStatusPausedUntil, testEpoch.Add(30*time.Minute))), HTML(T(LangEN, MsgStatusModeUrgent)), 0, 0, 0, HTML(T(LangEN, MsgStatusMediaOff)))},
			check: pausedUntil(testEpoch.Add(30 * time.Minute))},
		"status group non-admin": {chat: group, from: groupMember, prep: func(h *harness) { h.send(group, groupAdmin, "/start") },
			text: "/status", want: []string{T(LangAR, MsgStatus, HTML(T(LangAR, MsgStatusActive)), HTML(T(LangAR, MsgStatusModeUrgent)), 0, 0, 0, HTML(T(LangAR, MsgStatusMediaOff)))},
			check: subscribed(LangAR)},

		// /sources by id (the keyboard: TestSourcesKeyboard)
		"sources unfollow": {chat: enChat, from: enUser, prep: func(h *harness) { h.addSources("sana", "bbc") },
			setup: []string{"/start"}, text: "/sources sana",
			want: []string{T(LangEN, MsgSourceUnfollowed, "Source sana")}, check: sources("bbc")},
		"sources follow all again": {chat: arChat, from: arUser, prep: func(h *harness) { h.addSources("sana", "bbc") },
			setup: []string{"/start", "/sources sana"}, text: "/sources sana",
			want: []string{T(LangAR, MsgSourceFollowed, "Source sana")}, check: sources()},
		"sources last one": {chat: arChat, from: arUser, prep: func(h *harness) { h.addSources("sana", "bbc") },
			setup: []string{"/start", "/sources sana"}, text: "/sources bbc",
			want: []string{T(LangAR, MsgSourceLastOne)}, check: sources("bbc")},
		"sources unknown": {chat: enChat, from: enUser, prep: func(h *harness) { h.addSources("sana") },
			setup: []string{"/start"}, text: "/sources <script>",
			want: []string{T(LangEN, MsgUnknownSource, "<script>")}, check: sources()},
		"sources group non-admin": {chat: group, from: groupMember,
			prep: func(h *harness) { h.addSources("sana", "bbc"); h.send(group, groupAdmin, "/start") },
			text: "/sources sana", want: []string{T(LangAR, MsgNotAdmin)}, check: sources()},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, Options{})
			if tc.prep != nil {
				tc.prep(h)
			}
			for _, s := range tc.setup {
				h.send(tc.chat, tc.from, s)
			}
			got := h.send(tc.chat, tc.from, tc.text)
			var texts []string
			for _, m := range got {
				texts = append(texts, m.Text)
			}
			if !slices.Equal(texts, tc.want) {
				t.Errorf("replies to %.60q:\n got %q\nwant %q", tc.text, texts, tc.want)
			}
			tc.check(t, h.sub(tc.chat.ID))
		})
	}
}

func media(want bool) func(t *testing.T, s *store.Subscriber) {
	return func(t *testing.T, s *store.Subscriber) {
		t.Helper()
		if s == nil || s.Media != want {
			t.Errorf("subscriber = %+v, want media %v", s, want)
		}
	}
}

func mode(want string) func(t *testing.T, s *store.Subscriber) {
	return func(t *testing.T, s *store.Subscriber) {
		t.Helper()
		if s == nil || s.Mode != want {
			t.Errorf("subscriber = %+v, want mode %q", s, want)
		}
	}
}

func pausedUntil(want time.Time) func(t *testing.T, s *store.Subscriber) {
	return func(t *testing.T, s *store.Subscriber) {
		t.Helper()
		if s == nil || !s.PausedUntil.Equal(want) {
			t.Errorf("subscriber = %+v, want paused until %v", s, want)
		}
	}
}

func sources(want ...string) func(t *testing.T, s *store.Subscriber) {
	return func(t *testing.T, s *store.Subscriber) {
		t.Helper()
		if s == nil || !slices.Equal(s.Sources, want) {
			t.Errorf("subscriber = %+v, want sources %q", s, want)
		}
	}
}

func numberedRules(n int) []string {
	rules := make([]string, n)
	for i := range rules {
		rules[i] = "rule" + strings.Repeat("x", i+1)
	}
	return rules
}

func setRules(h *harness, chatID int64, rules []string) {
	h.t.Helper()
	if _, err := h.st.UpdateSubscriber(context.Background(), chatID, func(s *store.Subscriber) error {
		s.Rules = rules
		return nil
	}); err != nil {
		h.t.Fatal(err)
	}
}

func TestClearButtons(t *testing.T) {
	tests := map[string]struct {
		chat telegramtest.Chat
		from telegramtest.User // who presses
		lang Lang
		yes  bool
		// between runs after the question and before the press.
		between   string
		wantRules []string
		wantText  string // the question's text after the press
		wantToast string
	}{
		"confirm ar": {chat: arChat, from: arUser, lang: LangAR, yes: true,
			wantText: T(LangAR, MsgCleared, 2)},
		"confirm en": {chat: enChat, from: enUser, lang: LangEN, yes: true,
			wantText: T(LangEN, MsgCleared, 2)},
		"cancel": {chat: enChat, from: enUser, lang: LangEN,
			wantRules: []string{"Homs", "Aleppo"}, wantText: T(LangEN, MsgClearCancelled)},
		// A rule added after the question is not deleted by its button.
		"rules changed since": {chat: arChat, from: arUser, lang: LangAR, yes: true, between: "/add درعا",
			wantRules: []string{"Homs", "Aleppo", "درعا"}, wantText: T(LangAR, MsgClearCancelled), wantToast: Plain(LangAR, MsgClearCancelled)},
		"group admin": {chat: group, from: groupAdmin, lang: LangAR, yes: true,
			wantText: T(LangAR, MsgCleared, 2)},
		"group non-admin": {chat: group, from: groupMember, lang: LangAR, yes: true,
			wantRules: []string{"Homs", "Aleppo"}, wantText: T(LangAR, MsgClearConfirm, 2), wantToast: Plain(LangAR, MsgNotAdmin)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, Options{})
			asker := tc.from
			if tc.chat.ID == group.ID {
				asker = groupAdmin
			}
			for _, s := range []string{"/start", "/add Homs", "/add Aleppo"} {
				h.send(tc.chat, asker, s)
			}
			q := h.send(tc.chat, asker, "/clear")
			if len(q) != 1 {
				t.Fatalf("/clear sent %d messages, want 1", len(q))
			}
			kb := keyboard(t, q[0])
			if len(kb) != 1 || len(kb[0]) != 2 {
				t.Fatalf("keyboard = %+v, want one row of two buttons", kb)
			}
			if kb[0][0].Text != Plain(tc.lang, MsgButtonClearYes) || kb[0][1].Text != Plain(tc.lang, MsgButtonCancel) {
				t.Errorf("buttons = %q, %q; want %q, %q", kb[0][0].Text, kb[0][1].Text, Plain(tc.lang, MsgButtonClearYes), Plain(tc.lang, MsgButtonCancel))
			}
			if tc.between != "" {
				h.send(tc.chat, asker, tc.between)
			}
			button := kb[0][1]
			if tc.yes {
				button = kb[0][0]
			}
			toast := h.press(tc.chat, tc.from, q[0].MessageID, *button.CallbackData)
			if toast != tc.wantToast {
				t.Errorf("toast = %q, want %q", toast, tc.wantToast)
			}
			if s := h.sub(tc.chat.ID); !slices.Equal(s.Rules, tc.wantRules) {
				t.Errorf("rules = %q, want %q", s.Rules, tc.wantRules)
			}
			after := h.fake.Sent(tc.chat.ID)
			var msg telegramtest.SentMessage
			for _, m := range after {
				if m.MessageID == q[0].MessageID {
					msg = m
				}
			}
			if msg.Text != tc.wantText {
				t.Errorf("question now reads %q, want %q", msg.Text, tc.wantText)
			}
			if tc.wantText != T(tc.lang, MsgClearConfirm, 2) && msg.ReplyMarkup != "" {
				t.Errorf("keyboard still there after the answer: %s", msg.ReplyMarkup)
			}
		})
	}
}

func TestClearButtonWorksOnce(t *testing.T) {
	h := newHarness(t, Options{})
	h.send(enChat, enUser, "/start")
	h.send(enChat, enUser, "/add Homs")
	q := h.send(enChat, enUser, "/clear")
	yes := *keyboard(t, q[0])[0][0].CallbackData
	h.press(enChat, enUser, q[0].MessageID, yes)
	h.send(enChat, enUser, "/add Aleppo")
	// A second press (a double tap, or a client replaying it) deletes
	// nothing more.
	if toast := h.press(enChat, enUser, q[0].MessageID, yes); toast != Plain(LangEN, MsgClearCancelled) {
		t.Errorf("second press toast = %q, want %q", toast, Plain(LangEN, MsgClearCancelled))
	}
	if got := h.sub(enChat.ID).Rules; !slices.Equal(got, []string{"Aleppo"}) {
		t.Errorf("rules = %q, want [Aleppo]", got)
	}
}

func TestSourcesKeyboard(t *testing.T) {
	h := newHarness(t, Options{SourcesPerPage: 4})
	ids := []string{"aa", "bb", "cc", "dd", "ee", "ff", strings.Repeat("long-id-", 8)}
	h.addSources(ids...)
	h.send(arChat, arUser, "/start")
	got := h.send(arChat, arUser, "/sources")
	if len(got) != 1 {
		t.Fatalf("/sources sent %d messages, want 1", len(got))
	}
	msg := got[0]
	if want := T(LangAR, MsgSourcesHeader, len(ids), len(ids)); msg.Text != want {
		t.Errorf("header = %q, want %q", msg.Text, want)
	}
	kb := keyboard(t, msg)
	// Page 1: four sources and a "next" button.
	if len(kb) != 5 || len(kb[4]) != 1 || kb[4][0].Text != Plain(LangAR, MsgButtonNext) {
		t.Fatalf("page 1 = %+v, want 4 sources and a next button", kb)
	}
	for i, row := range kb[:4] {
		if want := Plain(LangAR, MsgButtonSourceOn, "Source "+ids[i]); row[0].Text != want {
			t.Errorf("button %d = %q, want %q", i, row[0].Text, want)
		}
	}

	// Unfollow bb: the keyboard is edited in place.
	toast := h.press(arChat, arUser, msg.MessageID, *kb[1][0].CallbackData)
	if want := Plain(LangAR, MsgSourceUnfollowed, "Source bb"); toast != want {
		t.Errorf("toast = %q, want %q", toast, want)
	}
	if s := h.sub(arChat.ID); slices.Contains(s.Sources, "bb") || len(s.Sources) != len(ids)-1 {
		t.Errorf("sources = %q, want all but bb", s.Sources)
	}
	msg = lastEdit(t, h, arChat.ID, msg.MessageID)
	kb = keyboard(t, msg)
	if want := Plain(LangAR, MsgButtonSourceOff, "Source bb"); kb[1][0].Text != want {
		t.Errorf("bb button = %q, want %q", kb[1][0].Text, want)
	}
	if want := T(LangAR, MsgSourcesHeader, len(ids)-1, len(ids)); msg.Text != want {
		t.Errorf("header = %q, want %q", msg.Text, want)
	}

	// Next page: the rest, with "previous"; the long id fits the 64
	// bytes of callback data (the fake refuses more).
	h.press(arChat, arUser, msg.MessageID, *kb[4][0].CallbackData)
	msg = lastEdit(t, h, arChat.ID, msg.MessageID)
	kb = keyboard(t, msg)
	if len(kb) != 4 || kb[3][0].Text != Plain(LangAR, MsgButtonPrev) {
		t.Fatalf("page 2 = %+v, want 3 sources and a previous button", kb)
	}
	h.press(arChat, arUser, msg.MessageID, *kb[2][0].CallbackData)
	if s := h.sub(arChat.ID); slices.Contains(s.Sources, ids[6]) {
		t.Errorf("sources = %q, want the long one unfollowed", s.Sources)
	}

	// Follow bb again from page 1: back to all but the long one.
	h.press(arChat, arUser, msg.MessageID, "srcp:0")
	msg = lastEdit(t, h, arChat.ID, msg.MessageID)
	h.press(arChat, arUser, msg.MessageID, *keyboard(t, msg)[1][0].CallbackData)
	if s := h.sub(arChat.ID); !slices.Equal(s.Sources, ids[:6]) {
		t.Errorf("sources = %q, want %q", s.Sources, ids[:6])
	}

	// A button of a source removed since: a notice, and a redrawn keyboard.
	if err := h.st.DeleteSource(context.Background(), "aa", store.Origin{By: "test"}); err != nil {
		t.Fatal(err)
	}
	if toast := h.press(arChat, arUser, msg.MessageID, "src:0:aa"); toast != Plain(LangAR, MsgUnknownSource, "aa") {
		t.Errorf("toast = %q, want %q", toast, Plain(LangAR, MsgUnknownSource, "aa"))
	}
	if kb := keyboard(t, lastEdit(t, h, arChat.ID, msg.MessageID)); len(kb) != 5 {
		t.Errorf("redrawn page = %d rows, want 5", len(kb))
	}
}

func TestSourcesKeyboardGroupNonAdmin(t *testing.T) {
	h := newHarness(t, Options{})
	h.addSources("sana", "bbc")
	h.send(group, groupAdmin, "/start")
	msg := h.send(group, groupAdmin, "/sources")[0]
	data := *keyboard(t, msg)[0][0].CallbackData
	if toast := h.press(group, groupMember, msg.MessageID, data); toast != Plain(LangAR, MsgNotAdmin) {
		t.Errorf("toast = %q, want %q", toast, Plain(LangAR, MsgNotAdmin))
	}
	if s := h.sub(group.ID); len(s.Sources) != 0 {
		t.Errorf("sources = %q, want unchanged (all)", s.Sources)
	}
}

// lastEdit returns the current state of a bot message.
func lastEdit(t *testing.T, h *harness, chatID int64, messageID int) telegramtest.SentMessage {
	t.Helper()
	for _, m := range h.fake.Sent(chatID) {
		if m.MessageID == messageID {
			return m
		}
	}
	t.Fatalf("message %d not found", messageID)
	return telegramtest.SentMessage{}
}

func TestToggle(t *testing.T) {
	all := []string{"a", "b", "c"}
	tests := map[string]struct {
		followed []string
		id       string
		want     []string
		wantOn   bool
		wantOK   bool
	}{
		"all, unfollow one":      {nil, "b", []string{"a", "c"}, false, true},
		"some, follow the rest":  {[]string{"a", "c"}, "b", nil, true, true},
		"some, follow one more":  {[]string{"a"}, "b", []string{"a", "b"}, true, true},
		"some, unfollow one":     {[]string{"a", "b"}, "a", []string{"b"}, false, true},
		"only one, unfollow":     {[]string{"a"}, "a", nil, false, false},
		"removed source dropped": {[]string{"a", "gone"}, "b", []string{"a", "b"}, true, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, on, ok := toggle(tc.followed, all, tc.id)
			if !slices.Equal(got, tc.want) || on != tc.wantOn || ok != tc.wantOK {
				t.Errorf("toggle(%q, %q) = %q, %v, %v; want %q, %v, %v", tc.followed, tc.id, got, on, ok, tc.want, tc.wantOn, tc.wantOK)
			}
		})
	}
}

func TestStartChannel(t *testing.T) {
	const channelID = -1009876543210
	channel := telegramtest.Channel(channelID, "aajil_sy")
	tests := map[string]struct {
		botStatus, userStatus string
		arg                   string
		want                  string
		subscribed            bool
	}{
		"subscribed":      {"administrator", "creator", "@aajil_sy", T(LangAR, MsgChannelSubscribed, "@aajil_sy"), true},
		"by t.me link":    {"administrator", "administrator", "https://t.me/aajil_sy", T(LangAR, MsgChannelSubscribed, "@aajil_sy"), true},
		"bot not admin":   {"member", "creator", "@aajil_sy", T(LangAR, MsgChannelBotNotAdmin, "@aajil_sy"), false},
		"user not admin":  {"administrator", "member", "@aajil_sy", T(LangAR, MsgChannelUserNotAdmin, "@aajil_sy"), false},
		"no such channel": {"administrator", "creator", "@nowhere_news", T(LangAR, MsgChannelNotFound, "@nowhere_news"), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.fake.SetChat(channel)
			h.fake.SetChatMember(channelID, h.api.Self.ID, tc.botStatus)
			h.fake.SetChatMember(channelID, arUser.ID, tc.userStatus)
			got := h.send(arChat, arUser, "/start "+tc.arg)
			if len(got) != 1 || got[0].Text != tc.want {
				t.Fatalf("replies = %+v, want one: %q", got, tc.want)
			}
			s := h.sub(channelID)
			if (s != nil) != tc.subscribed {
				t.Fatalf("channel subscribed = %v, want %v", s != nil, tc.subscribed)
			}
			if s != nil && (s.Type != "channel" || Lang(s.Lang) != LangAR || !s.Active) {
				t.Errorf("channel subscriber = %+v, want an active Arabic channel", *s)
			}
			// The private chat itself is not subscribed by this.
			if s := h.sub(arChat.ID); s != nil {
				t.Errorf("private chat subscribed too: %+v", *s)
			}
		})
	}
}

func TestFindRule(t *testing.T) {
	rules := []string{"حمص", `"Damascus airport" -weather`, "Aleppo"}
	tests := map[string]struct {
		arg    string
		want   string
		wantOK bool
	}{
		"number":           {"2", rules[1], true},
		"hash number":      {"#3", "Aleppo", true},
		"Persian digit":    {"۱", "حمص", true},
		"zero":             {"0", "", false},
		"too large":        {"99999999", "", false},
		"as written":       {"Aleppo", "Aleppo", true},
		"same terms":       {`-weather "damascus AIRPORT"`, rules[1], true},
		"article optional": {"الحمص", "حمص", true},
		"absent":           {"Idlib", "", false},
		"unparsable":       {`"open`, "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := findRule(rules, tc.arg)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("findRule(%q) = %q, %v; want %q, %v", tc.arg, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestStopForgetsTheChat: /stop deletes what the bot keeps of the chat
// beyond its subscription: quiet hours and time zone with the record,
// the /last history, and a digest it was waiting for. (The store's
// TestDeleteSubscriberLeavesNothing scans Redis for the keys left.)
func TestStopForgetsTheChat(t *testing.T) {
	h := newHarness(t, Options{Location: time.UTC})
	chat := telegramtest.PrivateChat(enUser.ID)
	h.send(chat, enUser, "/start")
	for _, cmd := range []string{"/mode all", "/digest hourly", "/quiet 23-7", "/tz Beirut", "/media on"} {
		h.send(chat, enUser, cmd)
	}
	ctx := context.Background()
	if err := h.st.Acknowledge(ctx, h.queued(chat.ID, "a"), store.SentRecord{MessageID: 1, SentAt: testEpoch}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.HoldForDigest(ctx, h.queued(chat.ID, "b"), testEpoch.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s := h.sub(chat.ID); s == nil || s.Quiet == nil || s.TZ == "" {
		t.Fatalf("subscriber before /stop = %+v, want quiet hours and a zone", s)
	}

	got := h.send(chat, enUser, "/stop")
	if len(got) != 1 || got[0].Text != T(LangEN, MsgStopped) {
		t.Fatalf("/stop answered %+v, want MsgStopped", got)
	}
	if s := h.sub(chat.ID); s != nil {
		t.Errorf("subscriber after /stop = %+v, want none", s)
	}
	if hist, err := h.st.History(ctx, chat.ID, store.HistoryMax); err != nil || len(hist) != 0 {
		t.Errorf("History after /stop = %v, %v; want none", hist, err)
	}
	if n, due, err := h.st.PendingDigest(ctx, chat.ID); err != nil || n != 0 || !due.IsZero() {
		t.Errorf("PendingDigest after /stop = %d, %v, %v; want none", n, due, err)
	}
	// A new /start starts afresh.
	h.send(chat, enUser, "/start")
	if s := h.sub(chat.ID); s == nil || s.Quiet != nil || s.TZ != "" || s.Media || s.Digest != "" {
		t.Errorf("subscriber after a new /start = %+v, want the defaults", s)
	}
}
