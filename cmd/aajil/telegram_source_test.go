package main

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// tgChannel serves a public Telegram channel's web preview, as t.me does
// at /s/NAME, with posts the test adds; /s/private_channel redirects to
// /private_channel, t.me's page of a channel without a preview.
type tgChannel struct {
	srv   *httptest.Server
	mu    sync.Mutex
	posts []string // texts, post n+1 is posts[n]
	polls int
}

func newTGChannel(t *testing.T, posts ...string) *tgChannel {
	c := &tgChannel{posts: posts}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *tgChannel) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch r.URL.Path {
	case "/s/private_channel":
		http.Redirect(w, r, "/private_channel", http.StatusFound)
		return
	case "/private_channel":
		fmt.Fprint(w, `<html><body><div class="tgme_page"><div class="tgme_page_extra">12 subscribers</div><a class="tgme_action_button_new">View in Telegram</a></div></body></html>`)
		return
	case "/s/news_channel":
	default:
		http.NotFound(w, r)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.polls++
	var b strings.Builder
	b.WriteString(`<html><body><main class="tgme_main"><section class="tgme_channel_history js-message_history">`)
	for i, text := range c.posts {
		fmt.Fprintf(&b, `<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message js-widget_message" data-post="news_channel/%d">`+
			`<div class="tgme_widget_message_text js-message_text" dir="auto">%s</div>`+
			`<a class="tgme_widget_message_date" href="https://t.me/news_channel/%d"><time datetime="%s"></time></a></div></div>`,
			i+1, strings.ReplaceAll(html.EscapeString(text), "\n", "<br/>"), i+1, time.Now().UTC().Format(time.RFC3339))
	}
	b.WriteString(`</section></main></body></html>`)
	fmt.Fprint(w, b.String())
}

// post publishes a post.
func (c *tgChannel) post(text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.posts = append(c.posts, text)
}

func (c *tgChannel) pollCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.polls
}

// TestRunTelegramChannelSource: a kind telegram source from the YAML
// file; a new urgent post in the channel reaches a subscriber, and an
// admin's /probe of a channel without a public preview says so.
func TestRunTelegramChannelSource(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	redisURL, _ := redisDB(t, 12)
	channel := newTGChannel(t, "الأسواق تفتح على ارتفاع في دمشق\nتفاصيل")
	const adminID, userID = 900, 4545
	addr := freeAddr(t)
	env := map[string]string{
		"AAJIL_CONFIG":                writeConfig(t, "sources:\n  - name: Channel\n    kind: telegram\n    url: "+channel.srv.URL+"/news_channel\n    interval: 1s\n"),
		"AAJIL_ALLOW_PRIVATE_SOURCES": "true",
		"AAJIL_REDIS_URL":             redisURL, "AAJIL_HTTP_ADDR": addr,
		"AAJIL_TELEGRAM_TOKEN": fake.Token(), "AAJIL_TELEGRAM_API": fake.Endpoint(),
		"AAJIL_ADMINS": "900",
	}
	run := startRun(t, env)
	received := func(chat int64, n int) []telegramtest.SentMessage { t.Helper(); return waitSent(t, fake, chat, n) }
	admin := telegramtest.User{ID: adminID, FirstName: "Admin", LanguageCode: "en"}
	subscribe(t, fake, addr, userID)
	// The first poll is the baseline: the post already there is not news.
	wait.Within(t, 20*time.Second, "the channel polled twice", func() bool { return channel.pollCount() >= 2 })

	channel.post("🔴 عاجل | انفجار في مرفأ اللاذقية وأنباء عن إصابات\nالتفاصيل بعد قليل..")
	alert := received(userID, 2)[1]
	for _, want := range []string{"عاجل", "Channel", "انفجار في مرفأ اللاذقية"} {
		if !strings.Contains(alert.Text, want) {
			t.Errorf("alert %q does not contain %q", alert.Text, want)
		}
	}
	if strings.Contains(alert.Text, "الأسواق تفتح") {
		t.Errorf("the baseline post was alerted: %q", alert.Text)
	}

	fake.SendText(telegramtest.PrivateChat(adminID), admin, "/probe "+channel.srv.URL+"/private_channel kind=telegram")
	if got := received(adminID, 1)[0].Text; !strings.Contains(got, "this channel has no public preview") {
		t.Errorf("/probe of a channel without a preview = %q, want it to say so", got)
	}
	if code := run.stop(); code != 0 {
		t.Errorf("run exited %d, want 0", code)
	}
}

func TestProbeTelegram(t *testing.T) {
	channel := newTGChannel(t, "🔴 عاجل | انفجار في مرفأ اللاذقية وأنباء عن إصابات\nالتفاصيل بعد قليل..")
	allow := map[string]string{"AAJIL_ALLOW_PRIVATE_SOURCES": "true"}
	tests := map[string]struct {
		args     []string
		code     int
		out, err string // substrings of stdout and stderr
	}{
		"a channel": {
			args: []string{"--json", "--kind", "telegram", channel.srv.URL + "/news_channel"}, code: 0,
			out: `"id":"https://t.me/news_channel/1","title":"انفجار في مرفأ اللاذقية وأنباء عن إصابات"`,
		},
		"no preview": {
			args: []string{"--kind", "telegram", channel.srv.URL + "/private_channel"}, code: 1,
			err: "this channel has no public preview",
		},
		"a bad channel name": {args: []string{"@abc"}, code: 2, err: "5 to 32 letters"},
		"selectors refused":  {args: []string{"--item", "div", "t.me/news_channel"}, code: 2, err: "item is only for kind html or json, not telegram"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCLI(t, allow, append([]string{"probe"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(errOut, tt.err) {
				t.Errorf("probe %v: exit %d, stdout %q, stderr %q; want exit %d, %q, %q", tt.args, code, out, errOut, tt.code, tt.out, tt.err)
			}
		})
	}
}
