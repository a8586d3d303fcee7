// Command e2elatency measures Aajil end to end: the delay between a new
// urgent item appearing in a source polled every second and its alert on
// the console of a running `aajil run` or, with -telegram, in a Telegram
// chat (a fake Bot API on 127.0.0.1 with Telegram's limits).
//
// It serves an RSS feed on 127.0.0.1, starts the aajil binary (built from
// this repository) against it, adds one urgent item at a time, and times
// each until aajil prints it or Telegram confirms its message. With
// -telegram it also reports the delay from the moment aajil first fetched
// the item (first seen) to Telegram's confirmation. With -channel the
// source is a Telegram channel's web preview (kind telegram, t.me/s/NAME
// served on 127.0.0.1) polled at its default interval, 15 s, instead of an
// RSS feed polled every second. With -websub the feed announces a WebSub
// hub (a test hub on 127.0.0.1) in its Link headers, aajil subscribes to
// it through AAJIL_PUBLIC_URL, and each item is published through the hub
// only, never added to the feed: it is timed from the hub's publication
// to Telegram's confirmation. Nothing but 127.0.0.1 is contacted.
//
//	go build -o /tmp/aajil ./cmd/aajil
//	go run ./tools/e2elatency -aajil /tmp/aajil -items 100 [-telegram] [-channel] [-websub]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"html"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/feeds/websub/websubtest"
	"github.com/aajil/aajil/telegram/telegramtest"
)

func main() {
	bin := flag.String("aajil", "/tmp/aajil", "path of the aajil binary")
	n := flag.Int("items", 100, "urgent items to time")
	gap := flag.Duration("gap", 1300*time.Millisecond, "time between two new items")
	redisURL := flag.String("redis", "", "AAJIL_REDIS_URL for aajil (default: its embedded Redis)")
	tg := flag.Bool("telegram", false, "deliver to a Telegram chat (a fake Bot API) instead of the console")
	logLevel := flag.String("log", "warn", "AAJIL_LOG_LEVEL for aajil")
	channel := flag.Bool("channel", false, "the source is a Telegram channel's preview (kind telegram, its default interval) instead of an RSS feed polled every second")
	push := flag.Bool("websub", false, "push each item through a WebSub hub the feed announces, to a Telegram chat, instead of adding it to the feed")
	flag.Parse()
	run := runConsole
	switch {
	case *push:
		run = runWebSub
	case *tg:
		run = runTelegram
	}
	o := options{bin: *bin, items: *n, gap: *gap, redisURL: *redisURL, logLevel: *logLevel, channel: *channel}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "e2elatency:", err)
		os.Exit(1)
	}
}

// options are the command line's.
type options struct {
	bin      string
	items    int
	gap      time.Duration
	redisURL string
	logLevel string
	channel  bool
	hub      string // a WebSub hub the feed announces
}

// interval is the source's poll interval: a second for the feed, the
// default of a kind telegram source for a channel.
func (o options) interval() time.Duration {
	if o.channel {
		return feeds.DefaultTelegramInterval
	}
	return time.Second
}

// deliveryTimeout is how long one item may take to arrive.
func (o options) deliveryTimeout() time.Duration {
	return 2*o.interval() + 8*time.Second
}

// feed is an RSS document, or a Telegram channel's preview, that grows
// one item at a time.
type feed struct {
	channel bool   // serve a preview page (/s/e2e_channel), not RSS
	url     string // where aajil polls it

	mu sync.Mutex
	// hub, when set, is announced in a Link header, with the feed's URL
	// as its self link.
	hub   string
	items []string // titles, newest first
	// served is when each title was first served: when aajil first saw it.
	served map[string]time.Time
	// posts numbers the titles in the order they were added (a channel's
	// post ids).
	posts map[string]int
	polls int
}

// firstServed returns when title was first served, if it was.
func (f *feed) firstServed(title string) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.served[title]
	return t, ok
}

func (f *feed) add(title string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.posts == nil {
		f.posts = make(map[string]int)
	}
	f.posts[title] = len(f.posts) + 1
	f.items = append([]string{title}, f.items...)
	if len(f.items) > 30 {
		f.items = f.items[:30]
	}
}

func (f *feed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.polls++
	now := time.Now()
	if f.served == nil {
		f.served = make(map[string]time.Time)
	}
	for _, t := range f.items {
		if _, ok := f.served[t]; !ok {
			f.served[t] = now
		}
	}
	if f.channel {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(f.preview()))
		return
	}
	if f.hub != "" {
		w.Header().Add("Link", "<"+f.hub+`>; rel="hub"`)
		w.Header().Add("Link", "<"+f.url+`>; rel="self"`)
	}
	w.Header().Set("Content-Type", rssType)
	w.Write(rss(f.items))
}

const rssType = "application/rss+xml; charset=utf-8"

// rss is an RSS document of titles, in their order.
func rss(titles []string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>e2e</title>`)
	for _, t := range titles {
		id := fmt.Sprintf("%x", t)
		fmt.Fprintf(&b, "<item><title>%s</title><link>https://example.org/%s</link><guid>%s</guid></item>", html.EscapeString(t), id, id)
	}
	b.WriteString("</channel></rss>")
	return []byte(b.String())
}

// announce makes the feed announce hub.
func (f *feed) announce(hub string) {
	f.mu.Lock()
	f.hub = hub
	f.mu.Unlock()
}

// requests returns how many times the feed was served.
func (f *feed) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polls
}

// preview renders the items as t.me/s/NAME does, oldest first, each post
// numbered by its place in the history. Call with f.mu held.
func (f *feed) preview() string {
	var b strings.Builder
	b.WriteString(`<html><body><main class="tgme_main"><section class="tgme_channel_history js-message_history">`)
	for i := len(f.items) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, `<div class="tgme_widget_message js-widget_message" data-post="e2e_channel/%d"><div class="tgme_widget_message_text js-message_text" dir="auto">%s</div></div>`,
			f.posts[f.items[i]], html.EscapeString(f.items[i]))
	}
	b.WriteString(`</section></main></body></html>`)
	return b.String()
}

// baselineTitle is the item the source holds when aajil starts.
const baselineTitle = "Markets open higher in Tokyo"

// serveFeed serves a feed (or with o.channel a channel's preview) with one
// baseline item on 127.0.0.1 and writes a config naming it; stop undoes
// both.
func serveFeed(o options) (f *feed, cfg string, stop func(), err error) {
	f = &feed{channel: o.channel, hub: o.hub}
	f.add(baselineTitle)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", nil, err
	}
	f.url = fmt.Sprintf("http://%s/feed", ln.Addr())
	srv := &http.Server{Handler: f}
	go srv.Serve(ln)
	dir, err := os.MkdirTemp("", "e2e")
	if err != nil {
		srv.Close()
		return nil, "", nil, err
	}
	stop = func() { srv.Close(); os.RemoveAll(dir) }
	cfg = filepath.Join(dir, "aajil.yaml")
	doc := fmt.Sprintf("sources:\n  - id: e2e\n    name: e2e\n    url: %s\n    interval: 1s\n", f.url)
	if o.channel {
		doc = fmt.Sprintf("sources:\n  - id: e2e\n    name: e2e\n    kind: telegram\n    url: http://%s/s/e2e_channel\n", ln.Addr())
	}
	if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
		stop()
		return nil, "", nil, err
	}
	return f, cfg, stop, nil
}

// command is `aajil run` on cfg with o's settings and the extra variables.
func command(ctx context.Context, o options, cfg string, extra ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, o.bin, "run")
	cmd.Env = append(os.Environ(), "AAJIL_CONFIG="+cfg, "AAJIL_ALLOW_PRIVATE_SOURCES=true", "AAJIL_LOG_LEVEL="+o.logLevel)
	if o.redisURL != "" {
		cmd.Env = append(cmd.Env, "AAJIL_REDIS_URL="+o.redisURL)
	}
	cmd.Env = append(cmd.Env, extra...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	return cmd
}

// session is aajil run on a served feed, ready to start.
type session struct {
	feed *feed
	cmd  *exec.Cmd
	ctx  context.Context
	stop func() // interrupts aajil and waits for it, then stops the feed; once
}

// newSession serves a feed and prepares aajil on it with o's settings and
// the extra variables; its errors go to this process's.
func newSession(o options, extra ...string) (*session, error) {
	f, cfg, stopFeed, err := serveFeed(o)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := command(ctx, o, cfg, extra...)
	cmd.Stderr = os.Stderr
	stop := sync.OnceFunc(func() {
		cancel()
		if cmd.Process != nil {
			cmd.Wait()
		}
		stopFeed()
	})
	return &session{feed: f, cmd: cmd, ctx: ctx, stop: stop}, nil
}

func runConsole(o options) error {
	ses, err := newSession(o)
	if err != nil {
		return err
	}
	defer ses.stop()
	f, cmd := ses.feed, ses.cmd
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	printed := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			printed <- sc.Text()
		}
		close(printed)
	}()

	titles, err := realTitles(o.items)
	if err != nil {
		return err
	}
	// Let the first poll (spread over the first interval) set the baseline.
	if err := waitBaseline(f, o); err != nil {
		return err
	}
	var delays []time.Duration
	for i := range o.items {
		// Real, distinct headlines, each a story of its own.
		title := "BREAKING: " + titles[i]
		start := time.Now()
		f.add(title)
		deadline := time.After(o.deliveryTimeout())
	wait:
		for {
			select {
			case line, ok := <-printed:
				if !ok {
					return fmt.Errorf("aajil exited")
				}
				if strings.Contains(line, titles[i]) {
					delays = append(delays, time.Since(start))
					break wait
				}
			case <-deadline:
				return fmt.Errorf("item %d not printed within %v", i, o.deliveryTimeout())
			}
		}
		time.Sleep(o.gap - time.Since(start)%o.gap)
	}
	ses.stop()
	fmt.Printf("items: %d, poll interval %v\n", len(delays), o.interval())
	report("delay item appears → alert printed", delays)
	return nil
}

// waitBaseline waits for aajil's first poll of the source, its baseline
// (it comes within the first interval), and a little more for it to be
// recorded, so that the next item is news.
func waitBaseline(f *feed, o options) error {
	deadline := time.Now().Add(o.interval() + 10*time.Second)
	for time.Now().Before(deadline) {
		if _, ok := f.firstServed(baselineTitle); ok {
			time.Sleep(500 * time.Millisecond)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("the source was not polled within %v", o.interval()+10*time.Second)
}

// realTitles reads n real headlines from the repository's corpus (run the
// tool from the repository root).
func realTitles(n int) ([]string, error) {
	data, err := os.ReadFile("testdata/derived/en_aljazeera_unique_titles_gonews_2022-08_to_2023-12.tsv")
	if err != nil {
		return nil, fmt.Errorf("run from the repository root: %w", err)
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < n {
		return nil, fmt.Errorf("corpus has %d lines, want %d", len(lines), n)
	}
	out := make([]string, n)
	for i := range out {
		out[i], _, _ = strings.Cut(lines[i*97%len(lines)], "\t")
	}
	return out, nil
}

// chat is the one subscriber of the Telegram modes.
const chat = 7

// startTelegram starts aajil with a token against a fake Bot API (closed
// by the caller, as is the session), with the extra variables,
// subscribes chat with /start and waits for the source's baseline. It
// returns the headlines of the items to time.
func startTelegram(o options, extra ...string) (*telegramtest.Fake, *session, []string, error) {
	titles, err := realTitles(o.items)
	if err != nil {
		return nil, nil, nil, err
	}
	fake := telegramtest.NewServer(telegramtest.Options{Limits: telegramtest.TelegramLimits()})
	ses, err := newSession(o, append([]string{"AAJIL_TELEGRAM_TOKEN=" + fake.Token(), "AAJIL_TELEGRAM_API=" + fake.Endpoint()}, extra...)...)
	if err != nil {
		fake.Close()
		return nil, nil, nil, err
	}
	fail := func(err error) (*telegramtest.Fake, *session, []string, error) {
		ses.stop()
		fake.Close()
		return nil, nil, nil, err
	}
	if err := ses.cmd.Start(); err != nil {
		return fail(err)
	}
	fake.SendText(telegramtest.PrivateChat(chat), telegramtest.User{ID: chat, FirstName: "e2e", LanguageCode: "en"}, "/start")
	wctx, wcancel := context.WithTimeout(ses.ctx, 20*time.Second)
	_, err = fake.WaitSent(wctx, chat, 1)
	wcancel()
	if err != nil {
		return fail(fmt.Errorf("no reply to /start: %w", err))
	}
	if err := waitBaseline(ses.feed, o); err != nil {
		return fail(err)
	}
	return fake, ses, titles, nil
}

// alerted waits for item i's alert (message i+2 of chat, after the
// welcome) and returns it.
func alerted(ctx context.Context, o options, fake *telegramtest.Fake, i int, title string) (telegramtest.SentMessage, error) {
	wctx, wcancel := context.WithTimeout(ctx, o.deliveryTimeout())
	msgs, err := fake.WaitSent(wctx, chat, i+2)
	wcancel()
	if err != nil {
		return telegramtest.SentMessage{}, fmt.Errorf("item %d not delivered within %v: %w", i, o.deliveryTimeout(), err)
	}
	last := msgs[len(msgs)-1]
	if !strings.Contains(last.Text, html.EscapeString(title)) && !strings.Contains(last.Text, title[:20]) {
		return telegramtest.SentMessage{}, fmt.Errorf("item %d: the last message is not its alert: %q", i, last.Text)
	}
	return last, nil
}

// runTelegram runs aajil with a token against a fake Bot API, subscribes
// one private chat with /start and times each alert to that chat.
func runTelegram(o options) error {
	fake, ses, titles, err := startTelegram(o, "AAJIL_HTTP_ADDR=127.0.0.1:0")
	if err != nil {
		return err
	}
	defer fake.Close()
	defer ses.stop()
	f, ctx := ses.feed, ses.ctx
	var appear, seen []time.Duration
	for i := range o.items {
		title := "BREAKING: " + titles[i]
		start := time.Now()
		f.add(title)
		last, err := alerted(ctx, o, fake, i, titles[i])
		if err != nil {
			return err
		}
		first, _ := f.firstServed(title)
		appear = append(appear, last.SentAt.Sub(start))
		seen = append(seen, last.SentAt.Sub(first))
		time.Sleep(o.gap - time.Since(start)%o.gap)
	}
	ses.stop()
	fmt.Printf("items: %d, poll interval %v, one subscriber, Telegram's limits\n", o.items, o.interval())
	report("item appears → Telegram confirmed", appear)
	report("item first seen → Telegram confirmed", seen)
	return nil
}

func report(what string, d []time.Duration) {
	slices.Sort(d)
	q := func(p float64) time.Duration { return d[int(p*float64(len(d)-1))].Round(time.Millisecond) }
	fmt.Printf("%s: p50 %v, p90 %v, p99 %v, max %v\n", what, q(0.5), q(0.9), q(0.99), d[len(d)-1].Round(time.Millisecond))
}

// runWebSub runs aajil with a token and AAJIL_PUBLIC_URL on a feed that
// announces a WebSub hub, waits for the subscription, then publishes each
// item through the hub only and times it to Telegram's confirmation.
func runWebSub(o options) error {
	hub := websubtest.NewServer(websubtest.Options{})
	defer hub.Close()
	o.hub = hub.URL()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	fake, ses, titles, err := startTelegram(o, "AAJIL_HTTP_ADDR="+addr, "AAJIL_PUBLIC_URL=http://"+addr)
	if err != nil {
		return err
	}
	defer fake.Close()
	defer ses.stop()
	f, ctx := ses.feed, ses.ctx
	// The hub is found at the first poll and subscribed to at the
	// manager's next round, within 30 s.
	subscribed := time.Now()
	for hub.Verified("subscribe") == 0 {
		if time.Since(subscribed) > 90*time.Second {
			return fmt.Errorf("the hub verified no subscription within 90 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("subscribed %v after the first poll\n", time.Since(subscribed).Round(100*time.Millisecond))
	polls := f.requests()
	var confirmed, answered []time.Duration
	for i := range o.items {
		title := "BREAKING: " + titles[i]
		start := time.Now()
		if got := hub.Publish(f.url, rssType, rss([]string{title, baselineTitle})); !slices.Equal(got, []int{http.StatusOK}) {
			return fmt.Errorf("item %d: the callback answered the hub %v, want [200]", i, got)
		}
		answered = append(answered, time.Since(start))
		last, err := alerted(ctx, o, fake, i, titles[i])
		if err != nil {
			return err
		}
		confirmed = append(confirmed, last.SentAt.Sub(start))
		time.Sleep(o.gap - time.Since(start)%o.gap)
	}
	polls = f.requests() - polls
	ses.stop()
	fmt.Printf("items: %d, pushed through a WebSub hub (the feed polled %d times meanwhile, never with them), one subscriber, Telegram's limits\n", o.items, polls)
	report("hub publishes → callback answered", answered)
	report("hub publishes → Telegram confirmed", confirmed)
	return nil
}
