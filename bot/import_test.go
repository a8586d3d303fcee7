package bot

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// sendFile delivers a document from a user and returns the bot's replies.
func (h *harness) sendFile(chat telegramtest.Chat, from telegramtest.User, name, mime, content string) []telegramtest.SentMessage {
	h.t.Helper()
	before := len(h.fake.Sent(chat.ID))
	h.fake.SendDocument(chat, from, name, mime, []byte(content), "")
	h.handlePending()
	return h.fake.Sent(chat.ID)[before:]
}

func TestImport(t *testing.T) {
	const (
		valid = "sources:\n" +
			"  - id: sana\n    name: سانا\n    url: https://sana.sy/feed/\n    interval: 30s\n" + // changed
			"  - id: bbc-world\n    url: https://feeds.bbci.co.uk/news/world/rss.xml\n" + // added
			"" // rt-arabic: removed
		broken = "sources:\n" +
			"  - id: ok\n    url: https://ok.example/\n" +
			"  - id: bad\n    url: https://bad.example/\n    interval: 500ms\n" +
			"  - id: ticker\n    url: https://t.example/\n    kind: html\n"
	)
	seed := []feeds.Source{
		{ID: "sana", Name: "سانا", URL: "https://sana.sy/feed/"},
		{ID: "rt-arabic", URL: "https://arabic.rt.com/rss/"},
	}
	tests := map[string]struct {
		from       telegramtest.User
		name, mime string
		content    string
		want       []string // fragments of the one reply
		wantIDs    []string // the sources afterwards
	}{
		"valid file, English": {enAdmin, "sources.yaml", "application/x-yaml", valid,
			[]string{T(LangEN, MsgImportSummary, 1, 1, 1)}, []string{"bbc-world", "sana"}},
		"valid file, Arabic": {arAdmin, "sources.yml", "", valid,
			[]string{T(LangAR, MsgImportSummary, 1, 1, 1)}, []string{"bbc-world", "sana"}},
		"every error with its line, nothing changed": {enAdmin, "sources.yaml", "", broken,
			[]string{
				T(LangEN, MsgImportErrors, 2),
				T(LangEN, MsgImportErrorLine, "4", `sources[1] "bad": interval 500ms is below the 1s minimum`),
				T(LangEN, MsgImportErrorLine, "7", `sources[2] "ticker": kind html needs an item selector`),
			}, []string{"rt-arabic", "sana"}},
		"an unknown key hides no other problem": {arAdmin, "sources.yaml", "", "sources:\n  - id: ok\n    url: https://ok.example/\n    intreval: 30s\n" + broken[len("sources:\n"):] + "colour: red\n",
			[]string{
				T(LangAR, MsgImportErrors, 5),
				T(LangAR, MsgImportErrorLine, "4", "field intreval not found in type feeds.Source"),
				T(LangAR, MsgImportErrorLine, "5", `sources[1] "ok": id "ok" is already used by sources[0]`),
				T(LangAR, MsgImportErrorLine, "7", `sources[2] "bad": interval 500ms is below the 1s minimum`),
				T(LangAR, MsgImportErrorLine, "10", `sources[3] "ticker": kind html needs an item selector`),
				T(LangAR, MsgImportErrorLine, "13", "field colour not found in type configs.Config"),
			}, []string{"rt-arabic", "sana"}},
		"private addresses, each with its line": {enAdmin, "sources.yaml", "", "sources:\n  - id: a\n    url: http://2130706433/\n  - id: b\n    url: http://[::]/\n  - id: c\n    url: https://c.example/\n    kind: html\n",
			[]string{
				T(LangEN, MsgImportErrors, 3),
				T(LangEN, MsgImportErrorLine, "2", `sources[0] "a": url "http://2130706433/": private address refused: 127.0.0.1`),
				T(LangEN, MsgImportErrorLine, "4", `sources[1] "b": url "http://[::]/": private address refused: ::`),
				T(LangEN, MsgImportErrorLine, "6", `sources[2] "c": kind html needs an item selector`),
			}, []string{"rt-arabic", "sana"}},
		"the current sources: no change": {enAdmin, "s.yaml", "", "sources:\n  - id: sana\n    name: سانا\n    url: https://sana.sy/feed/\n  - id: rt-arabic\n    url: https://arabic.rt.com/rss/\n",
			[]string{T(LangEN, MsgImportNoChanges)}, []string{"rt-arabic", "sana"}},
		"not yaml": {enAdmin, "notes.txt", "text/plain", "hello",
			[]string{T(LangEN, MsgImportNotYAML)}, []string{"rt-arabic", "sana"}},
		"too large": {enAdmin, "big.yaml", "", "sources: []\n#" + strings.Repeat("x", MaxImportBytes),
			[]string{T(LangEN, MsgImportTooLarge, MaxImportBytes>>10)}, []string{"rt-arabic", "sana"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, Options{Admins: []int64{arAdmin.ID, enAdmin.ID}})
			ctx := context.Background()
			for _, s := range seed {
				if err := h.st.PutSource(ctx, s, store.Origin{By: "file"}); err != nil {
					t.Fatal(err)
				}
			}
			got := h.sendFile(telegramtest.PrivateChat(tc.from.ID), tc.from, tc.name, tc.mime, tc.content)
			var text string
			for _, m := range got {
				text += m.Text + "\n"
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("replies:\n%s\nwant them to contain %q", text, w)
				}
			}
			recs, err := h.st.Sources(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range recs {
				ids = append(ids, r.Source.ID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, tc.wantIDs) {
				t.Errorf("sources after = %v, want %v", ids, tc.wantIDs)
			}
		})
	}
}

func TestImportIsAuditedAndAdminOnly(t *testing.T) {
	h := newAdminHarness(t)
	ctx := context.Background()
	file := "sources:\n  - id: bbc-world\n    url: https://feeds.bbci.co.uk/news/world/rss.xml\n"
	// A non-admin's file is ignored like any other non-command message.
	if got := h.sendFile(telegramtest.PrivateChat(enUser.ID), enUser, "s.yaml", "", file); len(got) != 0 {
		t.Errorf("non-admin got replies %+v, want none", got)
	}
	if recs, _ := h.st.Sources(ctx); len(recs) != 0 {
		t.Fatalf("a non-admin's file changed the sources: %+v", recs)
	}
	h.sendFile(telegramtest.PrivateChat(enAdmin.ID), enAdmin, "s.yaml", "", file)
	log, err := h.st.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Action != ActionImport || log[0].Target != "bbc-world" || log[0].Before != "" || log[0].By != "tg:302" {
		t.Errorf("audit = %+v, want one import of bbc-world by the admin", log)
	}
}

// TestImportAsksBeforeRemovingMost: a file that removes every source, or
// more than half, waits for the admin's button; the button works once,
// for that admin only, on any instance, and "cancel" changes nothing.
func TestImportAsksBeforeRemovingMost(t *testing.T) {
	seed := []feeds.Source{
		{ID: "sana", URL: "https://sana.sy/feed/"},
		{ID: "rt-arabic", URL: "https://arabic.rt.com/rss/"},
		{ID: "bbc-arabic", URL: "https://feeds.bbci.co.uk/arabic/rss.xml"},
		{ID: "aljazeera", URL: "https://www.aljazeera.net/rss"},
	}
	const (
		keepOne  = "sources:\n  - id: sana\n    url: https://sana.sy/feed/\n  - id: reuters\n    url: https://reuters.example/rss\n"  // 3 of 4 removed
		keepNone = "sources: []\n"                                                                                                    // all removed
		keepHalf = "sources:\n  - id: sana\n    url: https://sana.sy/feed/\n  - id: rt-arabic\n    url: https://arabic.rt.com/rss/\n" // 2 of 4: no question
	)
	setup := func(t *testing.T) *harness {
		h := newHarness(t, Options{Admins: []int64{arAdmin.ID, enAdmin.ID}})
		for _, s := range seed {
			if err := h.st.PutSource(context.Background(), s, store.Origin{By: "file"}); err != nil {
				t.Fatal(err)
			}
		}
		return h
	}
	ids := func(t *testing.T, h *harness) []string {
		t.Helper()
		recs, err := h.st.Sources(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			out = append(out, r.Source.ID)
		}
		slices.Sort(out)
		return out
	}
	seedIDs := []string{"aljazeera", "bbc-arabic", "rt-arabic", "sana"}
	// ask sends the file and returns the question with its two buttons'
	// data.
	ask := func(t *testing.T, h *harness, from telegramtest.User, file string) (telegramtest.SentMessage, string, string) {
		t.Helper()
		got := h.sendFile(telegramtest.PrivateChat(from.ID), from, "s.yaml", "", file)
		if len(got) != 1 {
			t.Fatalf("replies %+v, want one question", got)
		}
		kb := keyboard(t, got[0])
		if len(kb) != 1 || len(kb[0]) != 2 || kb[0][0].CallbackData == nil || kb[0][1].CallbackData == nil {
			t.Fatalf("keyboard %+v, want one row of two buttons", kb)
		}
		if got := ids(t, h); !slices.Equal(got, seedIDs) {
			t.Fatalf("sources while asking = %v, want %v", got, seedIDs)
		}
		return got[0], *kb[0][0].CallbackData, *kb[0][1].CallbackData
	}
	current := func(h *harness, m telegramtest.SentMessage) telegramtest.SentMessage {
		for _, s := range h.fake.Sent(m.ChatID) {
			if s.MessageID == m.MessageID {
				return s
			}
		}
		return m
	}

	t.Run("three of four removed: asked, then done once", func(t *testing.T) {
		h := setup(t)
		chat := telegramtest.PrivateChat(enAdmin.ID)
		q, yes, _ := ask(t, h, enAdmin, keepOne)
		if want := T(LangEN, MsgImportConfirm, 3, 4, 1, 0, 10); q.Text != want {
			t.Errorf("question %q, want %q", q.Text, want)
		}
		if len(yes) > 64 {
			t.Errorf("button data %q is over Telegram's 64 bytes", yes)
		}
		// Another admin's press on it (a forwarded or forged
		// update) neither applies nor spends it.
		h.press(chat, arAdmin, q.MessageID, yes)
		if got := ids(t, h); !slices.Equal(got, seedIDs) {
			t.Fatalf("sources after another admin's press = %v, want unchanged", got)
		}
		// The press reaches another instance sharing the Redis.
		h.bot = New(h.api, h.st, h.bot.opts)
		h.press(chat, enAdmin, q.MessageID, yes)
		if got, want := ids(t, h), []string{"reuters", "sana"}; !slices.Equal(got, want) {
			t.Errorf("sources after yes = %v, want %v", got, want)
		}
		if got, want := current(h, q).Text, T(LangEN, MsgImportSummary, 1, 0, 3); got != want {
			t.Errorf("message after yes %q, want %q", got, want)
		}
		log, err := h.st.AuditLog(context.Background(), 10)
		if err != nil || len(log) != 4 {
			t.Errorf("audit = %d entries, %v; want 4 (one added, three removed)", len(log), err)
		}
		// Pressed again: nothing more happens.
		if got := h.press(chat, enAdmin, q.MessageID, yes); got != Plain(LangEN, MsgImportExpired) {
			t.Errorf("second press answered %q, want %q", got, Plain(LangEN, MsgImportExpired))
		}
		if log2, _ := h.st.AuditLog(context.Background(), 10); len(log2) != 4 {
			t.Errorf("audit after the second press = %d entries, want 4", len(log2))
		}
	})
	t.Run("every source removed: asked; cancelled", func(t *testing.T) {
		h := setup(t)
		q, yes, no := ask(t, h, arAdmin, keepNone)
		if want := T(LangAR, MsgImportConfirm, 4, 4, 0, 0, 10); q.Text != want {
			t.Errorf("question %q, want %q", q.Text, want)
		}
		chat := telegramtest.PrivateChat(arAdmin.ID)
		h.press(chat, arAdmin, q.MessageID, no)
		if got, want := current(h, q).Text, T(LangAR, MsgImportCancelled); got != want {
			t.Errorf("message after cancel %q, want %q", got, want)
		}
		// The yes button of a cancelled question does nothing.
		h.press(chat, arAdmin, q.MessageID, yes)
		if got := ids(t, h); !slices.Equal(got, seedIDs) {
			t.Errorf("sources = %v, want unchanged", got)
		}
	})
	t.Run("an unknown or expired token changes nothing", func(t *testing.T) {
		h := setup(t)
		q, yes, _ := ask(t, h, enAdmin, keepNone)
		forged := yes[:len(yes)-4] + "0000"
		if got := h.press(telegramtest.PrivateChat(enAdmin.ID), enAdmin, q.MessageID, forged); got != Plain(LangEN, MsgImportExpired) {
			t.Errorf("forged token answered %q, want %q", got, Plain(LangEN, MsgImportExpired))
		}
		if got := ids(t, h); !slices.Equal(got, seedIDs) {
			t.Errorf("sources = %v, want unchanged", got)
		}
	})
	t.Run("half removed: no question", func(t *testing.T) {
		h := setup(t)
		got := h.sendFile(telegramtest.PrivateChat(enAdmin.ID), enAdmin, "s.yaml", "", keepHalf)
		if len(got) != 1 || got[0].Text != T(LangEN, MsgImportSummary, 0, 0, 2) || got[0].ReplyMarkup != "" {
			t.Errorf("replies %+v, want the summary at once", got)
		}
	})
}
