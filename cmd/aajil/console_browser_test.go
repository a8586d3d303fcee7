package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/alerts/story"
	"github.com/aajil/aajil/internal/browser"
	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// envScreenshots names the directory TestConsoleInBrowser writes its
// screenshots to (a relative one is taken from the module's root), e.g.
// AAJIL_SCREENSHOTS=docs/console.
const envScreenshots = "AAJIL_SCREENSHOTS"

// The selector tester's page and selectors: a synthetic SANA ticker.
const (
	tickerFile   = "ticker_sana_synthetic.html"
	tickerItem   = ".news-ticker li"
	tickerMarker = ".urgent, .badge"
	// tickerUrgent is in the headline of the ticker's marked item.
	tickerUrgent = "جهاز الاستخبارات العامة"
)

// The feed added through the console: Al Jazeera's, whose one urgent item
// is published after the source was added.
const (
	feedFile   = "ar_aljazeera_net_scraped_2026-02-15_with_3ajil.rss"
	feedUrgent = "يسرائيل هيوم"
)

// TestConsoleInBrowser drives the admin console in headless Chromium
// against `aajil run` with the fake Bot API: an admin signs in with the
// link /web gives, adds an RSS source and sees it polled and its urgent
// item become a story, tests selectors on a ticker page, and retries a
// dead letter, which is then delivered. With AAJIL_SCREENSHOTS set it
// writes a full-page PNG of every page, in English and then in Arabic.
func TestConsoleInBrowser(t *testing.T) {
	b := browser.New(t)
	feed := laterUrgentFeed(t)
	ticker := servedFile(t, tickerFile)
	const userID, otherID = 4545, 4646
	c := startChatRun(t, 13, "sources: []\n", userID)
	base := "http://" + c.addr + "/admin/"

	// Content for the Subscribers page: an English subscriber with a rule.
	other := telegramtest.User{ID: otherID, FirstName: "Omar", LanguageCode: "en"}
	c.fake.SendText(telegramtest.PrivateChat(otherID), other, "/start")
	c.received(otherID, 1)
	c.fake.SendText(telegramtest.PrivateChat(otherID), other, "/add Damascus")
	c.received(otherID, 2)

	// 1. The login link from /web, its page, its button.
	c.fromAdmin("/start")
	c.received(c.admin.ID, 1)
	c.fromAdmin("/web")
	reply := c.received(c.admin.ID, 2)[1].Text
	link := regexp.MustCompile(`http://\S+/admin/login\?t=\S+`).FindString(reply)
	if !strings.HasPrefix(link, base+"login?t=") {
		t.Fatalf("/web reply %q has no login link to %s", reply, base)
	}
	b.Navigate(link)
	shots := newScreenshots(t, b)
	shots.take("login")
	b.ClickAndWait(`form[action="/admin/login"] button[type=submit]`)
	if got, want := b.Location(), base+"sources"; got != want {
		t.Fatalf("after signing in at %s, want %s", got, want)
	}
	if got, want := b.Text("h1"), "Sources (0)"; got != want {
		t.Errorf("Sources page heading = %q, want %q", got, want)
	}

	// 2. An RSS source added through the form, listed, then polled.
	fillSource(b, base, feed.URL+"/feed")
	b.ClickAndWait(`.source-form button[type=submit]`)
	if got, want := b.Text(".notice"), "Source aljazeera added."; got != want {
		t.Errorf("notice after adding = %q, want %q", got, want)
	}
	if got := b.Text("tbody tr td"); !strings.Contains(got, "aljazeera") || !strings.Contains(got, feed.URL) {
		t.Errorf("the source's row = %q, want its id and URL", got)
	}
	const lastSuccess = "tbody tr td:nth-child(4)"
	wait.Within(t, 20*time.Second, "the source's last success shown", func() bool {
		b.Navigate(base + "sources")
		return b.Text(lastSuccess) != "—"
	})
	wait.Within(t, 20*time.Second, "the urgent item on the Stories page", func() bool {
		b.Navigate(base + "stories")
		return strings.Contains(b.Text("main"), feedUrgent)
	})
	if n := feed.requests.Load(); n < 2 {
		t.Errorf("feed requests = %d, want the probe and a poll at least", n)
	}

	// 3. The selector tester, with its script: the items in place, the
	// urgent one marked.
	runTester(b, base, ticker.URL+"/ar/ticker.html")
	if got := b.Text("#items tr.urgent"); !strings.Contains(got, tickerUrgent) {
		t.Errorf("the tester's urgent row = %q, want the headline with %q", got, tickerUrgent)
	}
	if got := browser.Eval[string](b, "String(window.aajilBeforeRun)"); got != "kept" {
		t.Errorf("the tester's page was reloaded (a mark set before the run is %q); want the result in place", got)
	}

	// 4. Two deliveries Telegram refuses become dead letters; the newest
	// is retried and then delivered.
	ctx := context.Background()
	wait.For(t, "the feed's alerts sent", func() bool {
		depth, pending, err := c.st.OutboxDepth(ctx)
		return err == nil && depth == 0 && pending == 0
	})
	c.fake.FailChat(userID, telegramtest.Failure{Code: http.StatusBadRequest, Description: "Bad Request: can't parse entities: unsupported start tag \"b\""})
	enqueueStory(t, c.st, userID, "wire-1", "عاجل | انفجار في مرفأ اللاذقية وأنباء عن إصابات")
	enqueueStory(t, c.st, userID, "wire-2", "عاجل | وزير الخارجية يصل إلى عمّان")
	var dead []store.DeadLetterEntry
	wait.For(t, "two dead letters", func() bool {
		var err error
		dead, err = c.st.DeadLetters(ctx, 10)
		return err == nil && len(dead) == 2
	})
	c.fake.ClearFailures()
	b.Navigate(base + "delivery")
	if got := b.Text("main"); !strings.Contains(got, "وزير الخارجية") || !strings.Contains(got, "can't parse entities") {
		t.Errorf("Delivery page does not show the dead letter and its reason:\n%s", got)
	}
	shots.take("delivery") // with both dead letters, in English
	b.ClickAndWait(`form[action="delivery/retry"] button[type=submit]`)
	if got, want := b.Text(".notice"), "Dead letter "+dead[0].ID+" is back in the outbox: it will be sent again."; got != want {
		t.Errorf("notice after the retry = %q, want %q", got, want)
	}
	wait.For(t, "the retried delivery sent", func() bool {
		for _, m := range c.fake.Sent(userID) {
			if strings.Contains(m.Text, "وزير الخارجية") {
				return true
			}
		}
		return false
	})
	wait.For(t, "the outbox drained after the retry", func() bool {
		out, err := c.st.ReadOutbox(ctx, 10)
		return err == nil && len(out) == 0
	})

	// 5. Every page, in English, then in Arabic once the admin chose it.
	shots.pages(base, feed.URL+"/feed", ticker.URL+"/ar/ticker.html")
	c.fromAdmin("/lang ar")
	wait.For(t, "the reply to /lang ar", func() bool {
		for _, m := range c.fake.Sent(c.admin.ID) {
			if strings.Contains(m.Text, "بالعربية") {
				return true
			}
		}
		return false
	})
	shots.lang = "ar"
	b.Navigate(base + "sources")
	if got, want := b.Text("h1"), "المصادر (1)"; got != want {
		t.Errorf("Sources page heading in Arabic = %q, want %q", got, want)
	}
	b.Navigate(base + "delivery")
	shots.take("delivery")
	shots.pages(base, feed.URL+"/feed", ticker.URL+"/ar/ticker.html")
	c.stop()
}

// laterUrgentFeed serves the Al Jazeera feed at /feed without its urgent
// item on the first request (the probe of the add form) and whole on the
// next ones: the item is new to the source's first poll.
type urgentFeed struct {
	*httptest.Server
	requests atomic.Int64
}

func laterUrgentFeed(t *testing.T) *urgentFeed {
	t.Helper()
	whole := readTestdata(t, feedFile)
	var before strings.Builder
	for i, part := range strings.Split(whole, "<item>") {
		if i > 0 && strings.Contains(part, feedUrgent) {
			_, rest, _ := strings.Cut(part, "</item>")
			before.WriteString(rest)
			continue
		}
		if i > 0 {
			before.WriteString("<item>")
		}
		before.WriteString(part)
	}
	if before.Len() == len(whole) {
		t.Fatalf("%s: no item with %q", feedFile, feedUrgent)
	}
	f := &urgentFeed{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed" {
			http.NotFound(w, r)
			return
		}
		doc := whole
		if f.requests.Add(1) == 1 {
			doc = before.String()
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write([]byte(doc))
	}))
	t.Cleanup(f.Close)
	return f
}

// servedFile serves testdata's file at every path, as an HTML page.
func servedFile(t *testing.T, name string) *httptest.Server {
	t.Helper()
	doc := readTestdata(t, name)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(doc))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// fillSource opens the add form and fills it for the feed at url.
func fillSource(b *browser.Browser, base, url string) {
	b.Navigate(base + "sources/new")
	b.Fill(`input[name="id"]`, "aljazeera")
	b.Fill(`input[name="name"]`, "الجزيرة نت")
	b.Fill(`input[name="url"]`, url)
	b.Fill(`input[name="interval"]`, "1s")
}

// runTester fills the selector tester for the ticker at url, marks the
// page (window.aajilBeforeRun) and runs it: the script shows the result
// in place. It returns once the items are shown.
func runTester(b *browser.Browser, base, url string) {
	b.Navigate(base + "tester")
	b.Fill(`#tester-form input[name="url"]`, url)
	b.Fill(`#tester-form select[name="kind"]`, "html")
	b.Fill(`#tester-form input[name="item"]`, tickerItem)
	b.Fill(`#tester-form input[name="text"]`, "a")
	b.Fill(`#tester-form input[name="link"]`, "a")
	b.Fill(`#tester-form input[name="marker"]`, tickerMarker)
	browser.Eval[string](b, `window.aajilBeforeRun = "kept"`) // gone if the page reloads
	b.Click(`#tester-form button[type=submit]:not([formaction])`)
	b.Text("#items h2") // waits until the result is in
}

// enqueueStory makes a story of title and queues its delivery to chat,
// through the store as the pipeline does.
func enqueueStory(t *testing.T, st *store.Store, chat int64, itemID, title string) {
	t.Helper()
	ctx := context.Background()
	fp := story.NewFingerprint(title)
	in := []store.StoryInput{{FP: store.FP{Hash: fp.Hash, Keys: fp.Keys, Data: title}, Item: store.StoryItem{SourceID: "aljazeera", ItemID: itemID, Title: title}}}
	res, err := st.Stories(store.StoryOptions{}).ResolveBatch(ctx, in, func(int, []store.StoryRecord) int { return -1 })
	if err != nil {
		t.Fatal(err)
	}
	d := store.Delivery{ChatID: chat, StoryID: res[0].Story.ID, SourceID: "aljazeera", ItemID: itemID, Urgent: true, Title: title}
	if _, err := st.Enqueue(ctx, []store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
}

// screenshots writes full-page PNGs of the console when AAJIL_SCREENSHOTS
// names a directory, and does nothing otherwise.
type screenshots struct {
	t    *testing.T
	b    *browser.Browser
	dir  string
	lang string // the file names' suffix
}

func newScreenshots(t *testing.T, b *browser.Browser) *screenshots {
	dir := os.Getenv(envScreenshots)
	if dir != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir) // from the module's root
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &screenshots{t: t, b: b, dir: dir, lang: "en"}
}

// take writes the current page as name-LANG.png; the login page, in
// both languages at once, is login.png.
func (s *screenshots) take(name string) {
	s.t.Helper()
	if s.dir == "" {
		return
	}
	file := name + "-" + s.lang + ".png"
	if name == "login" {
		file = "login.png"
	}
	s.b.Screenshot(filepath.Join(s.dir, file))
}

// pages writes the Sources page, the add form filled in for feedURL,
// the tester with its result for tickerURL, and the report pages but
// Delivery (taken with its dead letters).
func (s *screenshots) pages(base, feedURL, tickerURL string) {
	s.t.Helper()
	if s.dir == "" {
		return
	}
	s.b.Navigate(base + "sources")
	s.take("sources")
	fillSource(s.b, base, feedURL)
	s.b.Fill(`input[name="id"]`, "aljazeera-2")
	s.take("add")
	runTester(s.b, base, tickerURL)
	s.take("tester")
	for _, p := range []string{"stories", "subscribers"} {
		s.b.Navigate(base + p)
		s.take(p)
	}
}
