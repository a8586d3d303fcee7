package bot

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aajil/aajil/bot/telegramtest"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
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
	if len(log) != 1 || log[0].Action != actionImport || log[0].Target != "bbc-world" || log[0].Before != "" || log[0].By != "tg:302" {
		t.Errorf("audit = %+v, want one import of bbc-world by the admin", log)
	}
}
