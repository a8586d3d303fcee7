package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/configs"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
	"github.com/aajil/aajil/telegram/tgtext"
)

// Admin users; each test's Bot lists both in Options.Admins.
var (
	arAdmin = telegramtest.User{ID: 301, FirstName: "مشرف", LanguageCode: "ar"}
	enAdmin = telegramtest.User{ID: 302, FirstName: "Admin", LanguageCode: "en"}
)

// urgentFeed is a real RSS document with an urgent («عاجل») item.
const urgentFeed = "../testdata/ar_aljazeera_net_scraped_2026-02-15_with_3ajil.rss"

// feedServer serves fixtures on 127.0.0.1: /rss the urgent feed, /empty
// a feed without items, anything else a 404.
func feedServer(t *testing.T) *httptest.Server {
	t.Helper()
	body, err := os.ReadFile(urgentFeed)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/rss":
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(body)
		case "/empty":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>empty</title></channel></rss>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// testDetector is the detector of the probes, with the built-in markers.
func testDetector(t *testing.T) *alerts.Detector {
	t.Helper()
	det, err := alerts.NewDetector(alerts.DefaultMarkers())
	if err != nil {
		t.Fatal(err)
	}
	return det
}

// newAdminHarness is a harness whose Bot serves admin commands to
// arAdmin and enAdmin and probes through a real feeds.Poller allowed to
// reach 127.0.0.1.
func newAdminHarness(t *testing.T) *harness {
	t.Helper()
	client := feeds.NewClient(feeds.ClientOptions{AllowPrivate: true, Timeout: 5 * time.Second})
	prober := feeds.NewPoller(feeds.NewFetcher(client, ""), testDetector(t))
	return newHarness(t, Options{Admins: []int64{arAdmin.ID, enAdmin.ID}, Prober: prober, ConfigFile: "configs/aajil.yaml", AllowPrivateSources: true})
}

// wantPreview is the probe preview of the urgent feed, from the parser
// itself: the header and the first three items with their urgency.
func wantPreview(t *testing.T, lang Lang, url string) string {
	t.Helper()
	body, err := os.ReadFile(urgentFeed)
	if err != nil {
		t.Fatal(err)
	}
	items, err := feeds.Parse(feeds.Source{ID: "x", URL: url}, body, url, testDetector(t))
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{T(lang, MsgProbeHeader, url, len(items))}
	for _, it := range items[:3] {
		if it.Urgent {
			lines = append(lines, T(lang, MsgProbeItemUrgent, it.Title, it.Marker))
		} else {
			lines = append(lines, T(lang, MsgProbeItem, it.Title))
		}
	}
	return strings.Join(lines, "\n")
}

// texts returns the texts of sent messages.
func texts(msgs []telegramtest.SentMessage) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Text
	}
	return out
}

func TestAdminCommands(t *testing.T) {
	srv := feedServer(t)
	rssURL := srv.URL + "/rss"
	type check func(t *testing.T, h *harness)
	source := func(id string, want func(store.SourceRecord) bool, what string) check {
		return func(t *testing.T, h *harness) {
			t.Helper()
			rec, err := h.st.Source(context.Background(), id)
			if err != nil {
				t.Fatalf("source %s: %v", id, err)
			}
			if !want(rec) {
				t.Errorf("source %s = %+v, want %s", id, rec, what)
			}
		}
	}
	gone := func(id string) check {
		return func(t *testing.T, h *harness) {
			t.Helper()
			if _, err := h.st.Source(context.Background(), id); err == nil {
				t.Errorf("source %s exists, want it gone", id)
			}
		}
	}
	audited := func(action, target string, before, after bool) check {
		return func(t *testing.T, h *harness) {
			t.Helper()
			log, err := h.st.AuditLog(context.Background(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(log) != 1 {
				t.Fatalf("audit log has %d entries, want 1", len(log))
			}
			e := log[0]
			if e.Action != action || e.Target != target || (e.Before != "") != before || (e.After != "") != after || !strings.HasPrefix(e.By, "tg:") || !e.At.Equal(testEpoch) {
				t.Errorf("audit entry = %+v, want %s %s before=%v after=%v by tg:… at %v", e, action, target, before, after, testEpoch)
			}
		}
	}
	notAudited := func(t *testing.T, h *harness) {
		t.Helper()
		n, err := h.st.AuditLen(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("audit log has %d entries, want none", n)
		}
	}
	all := func(cs ...check) check {
		return func(t *testing.T, h *harness) {
			t.Helper()
			for _, c := range cs {
				c(t, h)
			}
		}
	}
	tests := map[string]struct {
		from    telegramtest.User
		sources []string // stored first
		// counts are added to the shared counters an hour before the
		// command.
		counts map[store.Counter]int64
		// dead are the reasons of dead letters made first, oldest first,
		// each of a delivery to chat 5000+i of the headline "خبر i".
		dead  []string
		setup []string // sent first by the same user
		text  string
		// want builds the replies, exactly.
		want  func(t *testing.T, h *harness) []string
		check check
	}{
		"pausefeed ar": {from: arAdmin, sources: []string{"sana"}, text: "/pausefeed sana",
			want:  replies(T(LangAR, MsgFeedPaused, "sana")),
			check: all(source("sana", func(r store.SourceRecord) bool { return r.Source.Paused && r.Origin == store.OriginChat }, "paused, from chat"), audited(ActionPauseFeed, "sana", true, true))},
		"pausefeed en unknown id": {from: enAdmin, text: "/pausefeed nope",
			want: replies(T(LangEN, MsgFeedNotFound, "nope")), check: notAudited},
		"pausefeed without id": {from: enAdmin, text: "/pausefeed",
			want: replies(T(LangEN, MsgUsagePauseFeed)), check: notAudited},
		"resumefeed en": {from: enAdmin, sources: []string{"sana"}, setup: []string{"/pausefeed sana"}, text: "/resumefeed sana",
			want:  replies(T(LangEN, MsgFeedResumed, "sana")),
			check: all(source("sana", func(r store.SourceRecord) bool { return !r.Source.Paused }, "not paused"), audited(ActionResumeFeed, "sana", true, true))},
		"resumefeed of a running source changes nothing": {from: arAdmin, sources: []string{"sana"}, text: "/resumefeed sana",
			want: replies(T(LangAR, MsgFeedResumed, "sana")), check: notAudited},
		"delfeed ar": {from: arAdmin, sources: []string{"sana", "bbc"}, text: "/delfeed sana",
			want: replies(T(LangAR, MsgFeedDeleted, "sana")), check: all(gone("sana"), audited(ActionDelFeed, "sana", true, false))},
		"delfeed HTML-like id is escaped": {from: enAdmin, text: "/delfeed <b>x</b>",
			want: replies(T(LangEN, MsgFeedNotFound, "<b>x</b>")), check: notAudited},
		"delfeed two ids": {from: enAdmin, sources: []string{"a", "b"}, text: "/delfeed a b",
			want: replies(T(LangEN, MsgUsageDelFeed)), check: all(source("a", func(store.SourceRecord) bool { return true }, "kept"), notAudited)},

		"feeds empty ar": {from: arAdmin, text: "/feeds", want: replies(T(LangAR, MsgNoFeeds))},
		"feeds en": {from: enAdmin, sources: []string{"a", "b"}, setup: []string{"/pausefeed b"}, text: "/feeds",
			counts: map[store.Counter]int64{store.SourceAlerts("a"): 3, store.CounterAlerts: 3},
			want: func(t *testing.T, h *harness) []string {
				a := feeds.Source{ID: "a", Name: "Source a", URL: "http://127.0.0.1/a"}
				b := feeds.Source{ID: "b", Name: "Source b", URL: "http://127.0.0.1/b", Paused: true}
				return []string{T(LangEN, MsgFeedsHeader, 2, 1, 1) + "\n\n" +
					feedLine(LangEN, a, feeds.SourceState{}, 3) + "\n\n" + feedLine(LangEN, b, feeds.SourceState{}, 0)}
			}},

		"feed ar": {from: arAdmin, sources: []string{"sana"}, text: "/feed sana",
			counts: map[store.Counter]int64{store.SourceAlerts("sana"): 2, store.SourceAlerts("bbc"): 5},
			want: func(t *testing.T, h *harness) []string {
				src := feeds.Source{ID: "sana", Name: "Source sana", URL: "http://127.0.0.1/sana"}
				rec, err := h.st.Source(context.Background(), "sana")
				if err != nil {
					t.Fatal(err)
				}
				return []string{strings.Join([]string{
					T(LangAR, MsgFeedDetails, "sana", "Source sana"),
					T(LangAR, MsgFeedField, "url", src.URL),
					T(LangAR, MsgFeedField, "kind", "rss"),
					T(LangAR, MsgFeedField, "interval", feeds.DefaultInterval.String()),
					"", feedLine(LangAR, src, feeds.SourceState{}, 2), "",
					T(LangAR, MsgFeedOriginChat, "test", rec.UpdatedAt.UTC()),
				}, "\n")}
			}},
		"feed unknown en": {from: enAdmin, text: "/feed nope", want: replies(T(LangEN, MsgFeedNotFound, "nope"))},
		"feed without id": {from: enAdmin, text: "/feed", want: replies(T(LangEN, MsgUsageFeed))},

		"setfeed interval ar": {from: arAdmin, sources: []string{"sana"}, text: "/setfeed sana interval=30s name=«سانا»",
			want: replies(T(LangAR, MsgFeedUpdated, "sana")),
			check: all(source("sana", func(r store.SourceRecord) bool {
				return r.Source.Interval == 30*time.Second && r.Source.Name == "«سانا»" && r.UpdatedBy == "tg:301"
			}, "interval 30s, name «سانا», by tg:301"), audited(ActionSetFeed, "sana", true, true))},
		"setfeed bad interval en": {from: enAdmin, sources: []string{"sana"}, text: "/setfeed sana interval=soon",
			want:  replies(T(LangEN, MsgFeedBadField, "interval", `"soon" is not a duration such as 30s or 2m`)),
			check: all(source("sana", func(r store.SourceRecord) bool { return r.Source.Interval == 0 }, "unchanged"), notAudited)},
		"setfeed unknown field": {from: enAdmin, sources: []string{"sana"}, text: "/setfeed sana colour=red",
			want: replies(T(LangEN, MsgFeedUnknownField, "colour")), check: notAudited},
		"setfeed html without item is refused by Validate": {from: arAdmin, sources: []string{"sana"}, text: "/setfeed sana kind=html",
			want:  replies(T(LangAR, MsgFeedBadField, "item", "kind html needs an item selector")),
			check: all(source("sana", func(r store.SourceRecord) bool { return r.Source.Kind == "" }, "unchanged"), notAudited)},
		"setfeed id cannot change": {from: enAdmin, sources: []string{"sana"}, text: "/setfeed sana id=other",
			want: replies(T(LangEN, MsgFeedBadField, "id", "the id of a source cannot change; add a new source and delete this one")), check: notAudited},
		"setfeed unbalanced quote": {from: enAdmin, sources: []string{"sana"}, text: `/setfeed sana name="x`,
			want: func(t *testing.T, h *harness) []string {
				_, _, err := ParseKeyValues(`sana name="x`)
				if err == nil {
					t.Fatal("ParseKeyValues accepted an unclosed quote")
				}
				return []string{ArgsErrorMessage(LangEN, err)}
			}, check: notAudited},
		"setfeed without fields": {from: enAdmin, sources: []string{"sana"}, text: "/setfeed sana",
			want: replies(T(LangEN, MsgUsageSetFeed)), check: notAudited},
		"setfeed unknown id": {from: enAdmin, text: "/setfeed nope interval=30s",
			want: replies(T(LangEN, MsgFeedNotFound, "nope")), check: notAudited},

		"probe ar": {from: arAdmin, text: "/probe " + rssURL,
			want: func(t *testing.T, h *harness) []string { return []string{wantPreview(t, LangAR, rssURL)} }, check: notAudited},
		"probe en 404": {from: enAdmin, text: "/probe " + srv.URL + "/missing",
			want: func(t *testing.T, h *harness) []string {
				res := h.bot.opts.Prober.Poll(context.Background(), feeds.Source{ID: "x", URL: srv.URL + "/missing"}, feeds.Validators{})
				if res.Err == nil {
					t.Fatal("probing a 404 succeeded")
				}
				return []string{T(LangEN, MsgProbeFailed, res.Err)}
			}},
		"probe empty":       {from: enAdmin, text: "/probe " + srv.URL + "/empty", want: replies(T(LangEN, MsgProbeNoItems))},
		"probe bad url":     {from: enAdmin, text: "/probe ftp://example.com/x", want: replies(T(LangEN, MsgOnlyHTTP, "ftp://example.com/x"))},
		"probe without url": {from: arAdmin, text: "/probe", want: replies(T(LangAR, MsgUsageProbe))},

		"addfeed en": {from: enAdmin, text: "/addfeed " + rssURL + " id=jazeera interval=2m",
			want: func(t *testing.T, h *harness) []string {
				return []string{wantPreview(t, LangEN, rssURL), T(LangEN, MsgFeedAdded, "jazeera")}
			},
			check: all(source("jazeera", func(r store.SourceRecord) bool {
				return r.Source.URL == rssURL && r.Source.Interval == 2*time.Minute && r.Origin == store.OriginChat && r.UpdatedBy == "tg:302"
			}, "the probed feed, from chat by tg:302"), audited(ActionAddFeed, "jazeera", false, true))},
		"addfeed ar refused: no items": {from: arAdmin, text: "/addfeed " + srv.URL + "/empty id=empty",
			want:  replies(T(LangAR, MsgFeedRefused, HTML(T(LangAR, MsgProbeNoItems)))),
			check: all(gone("empty"), notAudited)},
		"addfeed refused: fails": {from: enAdmin, text: "/addfeed " + srv.URL + "/missing id=missing",
			want: func(t *testing.T, h *harness) []string {
				res := h.bot.opts.Prober.Poll(context.Background(), feeds.Source{ID: "x", URL: srv.URL + "/missing"}, feeds.Validators{})
				return []string{T(LangEN, MsgFeedRefused, HTML(T(LangEN, MsgProbeFailed, res.Err)))}
			},
			check: all(gone("missing"), notAudited)},
		"addfeed existing id": {from: enAdmin, sources: []string{"jazeera"}, text: "/addfeed " + rssURL + " id=jazeera",
			want: replies(T(LangEN, MsgFeedExists, "jazeera")), check: notAudited},

		"audit empty ar": {from: arAdmin, text: "/audit", want: replies(T(LangAR, MsgAuditEmpty))},
		"audit en": {from: enAdmin, sources: []string{"sana"}, setup: []string{"/pausefeed sana", "/delfeed sana"}, text: "/audit 1",
			want: func(t *testing.T, h *harness) []string {
				before, _ := json.Marshal(feeds.Source{ID: "sana", Name: "Source sana", URL: "http://127.0.0.1/sana", Paused: true})
				return []string{T(LangEN, MsgAuditHeader, 1) + "\n" +
					T(LangEN, MsgAuditLine, testEpoch, "tg:302", "/delfeed", "sana") + "\n" +
					T(LangEN, MsgAuditChange, string(before), "—")}
			}},
		"audit bad count": {from: enAdmin, text: "/audit many", want: replies(T(LangEN, MsgUsageAudit))},

		"dead empty": {from: enAdmin, text: "/dead", want: replies(T(LangEN, MsgDeadEmpty))},
		"dead ar, newest first": {from: arAdmin, dead: []string{"telegram 400: Bad Request: can't parse entities", "failing for 6h0m0s: 502 Bad Gateway"}, text: "/dead",
			want: func(t *testing.T, h *harness) []string {
				es, err := h.st.DeadLetters(context.Background(), 2)
				if err != nil || len(es) != 2 {
					t.Fatalf("DeadLetters = %d, %v", len(es), err)
				}
				return []string{T(LangAR, MsgDeadHeader, 2, 2) + "\n" +
					T(LangAR, MsgDeadLine, es[0].At.UTC(), int64(5001), "sana", 3, "failing for 6h0m0s: 502 Bad Gateway", "خبر 1") + "\n" +
					T(LangAR, MsgDeadLine, es[1].At.UTC(), int64(5000), "sana", 3, "telegram 400: Bad Request: can't parse entities", "خبر 0")}
			}},
		"dead en, one of two": {from: enAdmin, dead: []string{"first <b>", "second & last"}, text: "/dead 1",
			want: func(t *testing.T, h *harness) []string {
				es, err := h.st.DeadLetters(context.Background(), 1)
				if err != nil || len(es) != 1 {
					t.Fatalf("DeadLetters = %d, %v", len(es), err)
				}
				return []string{T(LangEN, MsgDeadHeader, 1, 2) + "\n" +
					T(LangEN, MsgDeadLine, es[0].At.UTC(), int64(5001), "sana", 3, "second & last", "خبر 1")}
			}},
		"dead bad count": {from: enAdmin, text: "/dead 0", want: replies(T(LangEN, MsgUsageDead))},
		"dead non-admin": {from: enUser, text: "/dead", want: replies(T(LangEN, MsgUnknownCommand, "/dead"))},

		"non-admin": {from: enUser, sources: []string{"sana"}, text: "/delfeed sana",
			want:  replies(T(LangEN, MsgUnknownCommand, "/delfeed")),
			check: all(source("sana", func(store.SourceRecord) bool { return true }, "kept"), notAudited)},
		"non-admin ar": {from: arUser, text: "/probe " + rssURL, want: replies(T(LangAR, MsgUnknownCommand, "/probe"))},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newAdminHarness(t)
			h.addSources(tc.sources...)
			for name, n := range tc.counts {
				if err := h.st.AddAt(context.Background(), name, n, testEpoch.Add(-time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			for i, reason := range tc.dead {
				deadLetter(t, h.st, int64(5000+i), "خبر "+strconv.Itoa(i), reason)
			}
			chat := telegramtest.PrivateChat(tc.from.ID)
			for _, s := range tc.setup {
				h.send(chat, tc.from, s)
			}
			got := texts(h.send(chat, tc.from, tc.text))
			want := tc.want(t, h)
			if strings.Join(got, "\n---\n") != strings.Join(want, "\n---\n") {
				t.Fatalf("replies:\n%q\nwant:\n%q", got, want)
			}
			if tc.check != nil {
				tc.check(t, h)
			}
		})
	}
}

// deadLetter makes a dead letter of a delivery of headline to chat.
func deadLetter(t *testing.T, st *store.Store, chat int64, headline, reason string) {
	t.Helper()
	ctx := context.Background()
	d := store.Delivery{ChatID: chat, StoryID: "dead-" + strconv.FormatInt(chat, 10), SourceID: "sana", Urgent: true,
		Title: headline, MatchedAt: testEpoch}
	if _, err := st.Enqueue(ctx, []store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	es, err := st.ReadPartition(ctx, st.PartitionOf(chat), "admin-test", 10, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("ReadPartition = %d entries, %v; want 1", len(es), err)
	}
	if err := st.DeadLetter(ctx, es[0], reason, 3); err != nil {
		t.Fatal(err)
	}
}

// replies is a want that does not depend on the harness.
func replies(texts ...string) func(*testing.T, *harness) []string {
	return func(*testing.T, *harness) []string { return texts }
}

func TestFeedsIsPaged(t *testing.T) {
	h := newAdminHarness(t)
	ids := make([]string, 120)
	for i := range ids {
		ids[i] = fmt.Sprintf("source-%03d", i)
	}
	h.addSources(ids...)
	for _, lang := range []Lang{LangAR, LangEN} {
		t.Run(string(lang), func(t *testing.T) {
			from := map[Lang]telegramtest.User{LangAR: arAdmin, LangEN: enAdmin}[lang]
			got := h.send(telegramtest.PrivateChat(from.ID), from, "/feeds")
			if len(got) < 2 {
				t.Fatalf("/feeds of %d sources = %d messages, want several pages", len(ids), len(got))
			}
			seen := 0
			for i, m := range got {
				if n := tgtext.UTF16Len(m.Text); n > 4096 {
					t.Errorf("page %d is %d UTF-16 units, over Telegram's 4,096", i+1, n)
				}
				if header := T(lang, MsgFeedsHeader, len(ids), i+1, len(got)); !strings.HasPrefix(m.Text, header) {
					t.Errorf("page %d starts %q, want header %q", i+1, m.Text[:min(len(m.Text), 80)], header)
				}
				seen += strings.Count(m.Text, "source-")
			}
			if seen != len(ids) {
				t.Errorf("pages list %d sources, want %d", seen, len(ids))
			}
		})
	}
}

func TestStats(t *testing.T) {
	h := newAdminHarness(t)
	ctx := context.Background()
	h.send(arChat, arUser, "/start")
	h.send(arChat, arUser, "/add حمص")
	h.send(arChat, arUser, "/add دمشق")
	h.send(enChat, enUser, "/start")
	h.send(enChat, enUser, "/pause 2h")
	blockedChat := telegramtest.PrivateChat(groupMember.ID)
	h.send(blockedChat, groupMember, "/start")
	if err := h.st.SetActive(ctx, blockedChat.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.Enqueue(ctx, []store.Delivery{{ChatID: arChat.ID, StoryID: "s1", ItemID: "i1", SourceID: "sana", Title: "عاجل", MatchedAt: testEpoch}}); err != nil {
		t.Fatal(err)
	}
	// The last hour sums minutes, the last day the current clock hour
	// (09:00 at testEpoch, 09:30) and the 23 before it.
	for _, c := range []struct {
		name store.Counter
		n    int64
		ago  time.Duration
	}{
		{store.CounterAlerts, 2, 10 * time.Minute},
		{store.CounterAlerts, 3, 3 * time.Hour},
		{store.CounterAlerts, 7, 30 * time.Hour}, // older than a day
		{store.SourceAlerts("sana"), 5, time.Minute},
		{store.CounterDeliveries, 4, time.Minute},
		{store.CounterDeliveriesFailed, 1, 2 * time.Hour},
		{store.CounterTelegramErrors, 1, 5 * time.Minute},
		{store.CounterTelegramErrors, 2, 20 * time.Hour},
	} {
		if err := h.st.AddAt(ctx, c.name, c.n, testEpoch.Add(-c.ago)); err != nil {
			t.Fatal(err)
		}
	}
	// The outbox's one queued delivery, none being sent, no dead letters.
	stats := func(lang Lang) string {
		return T(lang, MsgStats, 1, 1, 1, 2, 2, 5, 4, 4, 0, 1, 1, 0, 0, 1, 3)
	}
	tests := map[string]struct {
		from telegramtest.User
		want string
	}{
		"ar": {arAdmin, stats(LangAR)},
		"en": {enAdmin, stats(LangEN)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := texts(h.send(telegramtest.PrivateChat(tc.from.ID), tc.from, "/stats"))
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("replies = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestExport(t *testing.T) {
	h := newAdminHarness(t)
	ctx := context.Background()
	want := []feeds.Source{
		{ID: "jazeera", Name: "الجزيرة «عاجل»", URL: "https://www.aljazeera.net/feed", Interval: 30 * time.Second, Markers: []string{"خبر عاجل"}},
		{ID: "sana-ticker", Name: "SANA", URL: "https://sana.sy/", Kind: feeds.KindHTML, Item: ".ticker li", Text: "a", Marker: ".urgent", Image: "img.lead", Lang: "ar", Charset: "windows-1256", MaxBytes: 1 << 20, Paused: true},
	}
	for _, s := range want {
		if err := h.st.PutSource(ctx, s, store.Origin{By: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []Lang{LangAR, LangEN} {
		t.Run(string(lang), func(t *testing.T) {
			from := map[Lang]telegramtest.User{LangAR: arAdmin, LangEN: enAdmin}[lang]
			got := h.send(telegramtest.PrivateChat(from.ID), from, "/export")
			if len(got) != 1 || got[0].Document == nil {
				t.Fatalf("replies = %+v, want one document", got)
			}
			if got[0].Document.Name != ExportFileName || got[0].Text != T(lang, MsgExportCaption, len(want)) {
				t.Errorf("document %q, caption %q; want %q, %q", got[0].Document.Name, got[0].Text, ExportFileName, T(lang, MsgExportCaption, len(want)))
			}
			cfg, err := configs.Parse(got[0].Document.Data)
			if err != nil {
				t.Fatalf("configs.Parse(export): %v\n%s", err, got[0].Document.Data)
			}
			if !reflect.DeepEqual(cfg.Sources, want) {
				t.Errorf("exported sources read back as\n%+v\nwant\n%+v", cfg.Sources, want)
			}
		})
	}
}

func TestHelpShowsAdminCommandsToAdmins(t *testing.T) {
	h := newAdminHarness(t)
	tests := map[string]struct {
		chat telegramtest.Chat
		from telegramtest.User
		want []string
	}{
		"admin, Arabic":    {telegramtest.PrivateChat(arAdmin.ID), arAdmin, []string{T(LangAR, MsgHelp), T(LangAR, MsgAdminHelp)}},
		"admin, English":   {telegramtest.PrivateChat(enAdmin.ID), enAdmin, []string{T(LangEN, MsgHelp), T(LangEN, MsgAdminHelp)}},
		"subscriber":       {telegramtest.PrivateChat(enUser.ID), enUser, []string{T(LangEN, MsgHelp)}},
		"admin in a group": {group, enAdmin, []string{T(LangEN, MsgHelp)}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := h.send(tc.chat, tc.from, "/help")
			var texts []string
			for _, m := range got {
				texts = append(texts, m.Text)
			}
			if !slices.Equal(texts, tc.want) {
				t.Errorf("replies = %q, want %q", texts, tc.want)
			}
		})
	}
}

// TestAddFeedRefusesPrivateAddresses: every way of writing a private
// address gets the policy's words, as 127.0.0.1 does, before anything is
// fetched; so does a name that resolves to one, when it is dialed; and
// other schemes are "only http and https".
func TestAddFeedRefusesPrivateAddresses(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	client := feeds.NewClient(feeds.ClientOptions{Timeout: 5 * time.Second})
	prober := feeds.NewPoller(feeds.NewFetcher(client, ""), testDetector(t))
	h := newHarness(t, Options{Admins: []int64{arAdmin.ID, enAdmin.ID}, Prober: prober})

	tests := map[string]struct {
		host string
		addr string
	}{
		"dotted":          {"127.0.0.1", "127.0.0.1"},
		"decimal":         {"2130706433", "127.0.0.1"},
		"hex":             {"0x7f.1", "127.0.0.1"},
		"short":           {"127.1", "127.0.0.1"},
		"octal":           {"017700000001", "127.0.0.1"},
		"unspecified v6":  {"[::]", "::"},
		"mapped":          {"[::ffff:127.0.0.1]", "127.0.0.1"},
		"nat64":           {"[64:ff9b::7f00:1]", "64:ff9b::7f00:1"},
		"name to private": {"localhost", "127.0.0.1"},
	}
	for name, tc := range tests {
		for _, admin := range []telegramtest.User{arAdmin, enAdmin} {
			lang := LangFromCode(admin.LanguageCode)
			for _, cmd := range []string{"/addfeed", "/probe"} {
				text := cmd + " http://" + tc.host + port + "/rss"
				got := texts(h.send(telegramtest.PrivateChat(admin.ID), admin, text))
				want := T(lang, MsgPrivateAddress, tc.addr)
				if cmd == "/addfeed" && tc.host == "localhost" {
					want = T(lang, MsgFeedRefused, HTML(want))
				}
				if !slices.Equal(got, []string{want}) {
					t.Errorf("%s: %s: replies %q, want %q", name, text, got, want)
				}
			}
		}
	}
	for _, u := range []string{"file:///etc/passwd", "ftp://example.com/feed", "gopher://127.0.0.1:6379/_INFO"} {
		got := texts(h.send(telegramtest.PrivateChat(enAdmin.ID), enAdmin, "/addfeed "+u))
		if want := T(LangEN, MsgOnlyHTTP, u); !slices.Equal(got, []string{want}) {
			t.Errorf("/addfeed %s: replies %q, want %q", u, got, want)
		}
	}
	if recs, err := h.st.Sources(context.Background()); err != nil || len(recs) != 0 {
		t.Errorf("sources = %+v, %v; want none", recs, err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server got %d requests, want 0", n)
	}
}

// TestSetFeedRefusesPrivateAddress: /setfeed url= is held to the same
// policy as /addfeed.
func TestSetFeedRefusesPrivateAddress(t *testing.T) {
	h := newHarness(t, Options{Admins: []int64{enAdmin.ID}})
	src := feeds.Source{ID: "wire", URL: "https://wire.example/rss"}
	if err := h.st.PutSource(context.Background(), src, store.Origin{By: "file"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"http://0x7f.1/rss", "http://[::]/", "http://2852039166/latest"} {
		got := texts(h.send(telegramtest.PrivateChat(enAdmin.ID), enAdmin, "/setfeed wire url="+u))
		addr := map[string]string{"http://0x7f.1/rss": "127.0.0.1", "http://[::]/": "::", "http://2852039166/latest": "169.254.169.254"}[u]
		if want := T(LangEN, MsgPrivateAddress, addr); !slices.Equal(got, []string{want}) {
			t.Errorf("/setfeed wire url=%s: replies %q, want %q", u, got, want)
		}
	}
	rec, err := h.st.Source(context.Background(), "wire")
	if err != nil || rec.Source.URL != src.URL {
		t.Errorf("source = %+v, %v; want its URL unchanged", rec.Source, err)
	}
}

// TestIntervalText: /feed and /feeds show the interval in force and why.
func TestIntervalText(t *testing.T) {
	src := feeds.Source{ID: "wire", URL: "https://news.example/rss", Interval: time.Minute}
	until := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	tests := map[string]struct {
		st   feeds.SourceState
		lang Lang
		want string
	}{
		"not polled yet": {feeds.SourceState{}, LangEN, "1m0s"},
		"fixed":          {feeds.SourceState{Interval: time.Minute, IntervalReason: feeds.ReasonFixed}, LangEN, "1m0s"},
		"learned": {feeds.SourceState{Interval: 2 * time.Minute, IntervalReason: feeds.ReasonLearned,
			Rate: feeds.Rate{Items: 3, Span: time.Hour}}, LangEN, "2m0s (adaptive: 3.0 new items an hour)"},
		"cascade": {feeds.SourceState{Interval: 10 * time.Second, IntervalReason: feeds.ReasonCascade, CascadeUntil: until},
			LangEN, "10s (fast after breaking news until"},
		"push": {feeds.SourceState{Interval: 15 * time.Minute, IntervalReason: feeds.ReasonPush}, LangEN,
			"15m0s (push: WebSub delivers its items, polled as a safety net)"},
		"push in Arabic": {feeds.SourceState{Interval: 15 * time.Minute, IntervalReason: feeds.ReasonPush}, LangAR,
			"15m0s (دفع: تصل أخباره عبر WebSub، والجلب احتياطي)"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := string(intervalText(tt.lang, src, tt.st))
			if !strings.HasPrefix(tgtext.StripBidiControls(got), tt.want) {
				t.Errorf("intervalText = %q, want it to start with %q", got, tt.want)
			}
		})
	}
}
