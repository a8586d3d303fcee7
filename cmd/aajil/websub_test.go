package main

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/feeds/websub"
	"github.com/aajil/aajil/feeds/websub/websubtest"
	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// hubFeed serves an Atom feed that announces a WebSub hub, and counts
// its requests. The hub and the feed's self URL (the topic) are links of
// the document, or, with linkHeader, Link headers of the response.
type hubFeed struct {
	srv        *httptest.Server
	hub        string
	linkHeader bool

	mu    sync.Mutex
	items []feedItem
	polls int
}

func newHubFeed(t *testing.T, hub string, linkHeader bool, items ...feedItem) *hubFeed {
	f := &hubFeed{hub: hub, linkHeader: linkHeader, items: items}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.polls++
		items := slices.Clone(f.items)
		f.mu.Unlock()
		if f.linkHeader {
			w.Header().Add("Link", "<"+f.hub+`>; rel="hub"`)
			w.Header().Add("Link", "<"+f.topic()+`>; rel="self"`)
		}
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		w.Write(f.document(!f.linkHeader, items...))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// topic is the feed's self URL, which the hub knows it by; it is not the
// URL polled.
func (f *hubFeed) topic() string { return f.srv.URL + "/atom/wire" }

// document is the Atom feed of items, newest first, with the hub and
// self links when links is set.
func (f *hubFeed) document(links bool, items ...feedItem) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><id>urn:wire</id>`)
	if links {
		fmt.Fprintf(&b, `<link rel="hub" href="%s"/><link rel="self" href="%s"/>`, html.EscapeString(f.hub), html.EscapeString(f.topic()))
	}
	now := time.Now().UTC().Format(time.RFC3339)
	fmt.Fprintf(&b, "<updated>%s</updated>", now)
	for _, it := range items {
		fmt.Fprintf(&b, `<entry><id>urn:wire:%s</id><title>%s</title><link href="https://news.example/%s"/><updated>%s</updated></entry>`,
			it.id, html.EscapeString(it.title), it.id, now)
	}
	b.WriteString("</feed>")
	return []byte(b.String())
}

func (f *hubFeed) pollCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polls
}

// webSubWatch is how often the runs of these tests check the registries:
// the WebSub manager and health work every 30 of them (0.6 s), the poll
// state is saved every 10.
const webSubWatch = 20 * time.Millisecond

// webSubEnv is the environment of a run whose public URL is its own HTTP
// address, with one source, "wire", polled every second (every hour
// while pushed), on Redis database db. extra are more variables.
func webSubEnv(t *testing.T, db int, feed *hubFeed, extra ...string) (map[string]string, string, *store.Store) {
	t.Helper()
	redisURL, st := redisDB(t, db)
	addr := freeAddr(t)
	env := map[string]string{
		"AAJIL_CONFIG":                writeConfig(t, "sources:\n  - id: wire\n    name: Wire\n    url: "+feed.srv.URL+"/feed\n    interval: 1s\n"),
		"AAJIL_ALLOW_PRIVATE_SOURCES": "true",
		"AAJIL_REDIS_URL":             redisURL, "AAJIL_HTTP_ADDR": addr,
		"AAJIL_PUBLIC_URL": "http://" + addr, "AAJIL_WEBSUB_POLL": "1h",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env, addr, st
}

// wirePolled waits until source wire's saved poll state satisfies ok,
// and returns it.
func wirePolled(t *testing.T, st *store.Store, what string, ok func(feeds.SourceState) bool) feeds.SourceState {
	t.Helper()
	var got feeds.SourceState
	wait.Within(t, 20*time.Second, what, func() bool {
		states, err := st.LoadStates(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = states["wire"]
		return ok(got)
	})
	return got
}

// pushed is a poll state of a source polled at the WebSub interval.
func pushed(s feeds.SourceState) bool {
	return s.IntervalReason == feeds.ReasonPush && s.Interval == time.Hour
}

// TestRunWebSubPush: `aajil run` with AAJIL_PUBLIC_URL finds the hub a
// feed announces, subscribes and answers the hub's verification of
// intent; with pushes healthy the feed is polled only hourly, which
// /feed shows; an urgent item the hub publishes reaches the subscriber
// without a poll, a forged delivery is dropped and counted, and pausing
// the source unsubscribes it at the hub.
func TestRunWebSubPush(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	hub := websubtest.New(t, websubtest.Options{Lease: 2 * time.Hour})
	feed := newHubFeed(t, hub.URL(), false, feedItem{"old-1", "الأسواق تفتح على ارتفاع في دمشق"})
	const adminID, userID = 900, 4646
	env, addr, st := webSubEnv(t, 14, feed, "AAJIL_TELEGRAM_TOKEN", fake.Token(), "AAJIL_TELEGRAM_API", fake.Endpoint(), "AAJIL_ADMINS", "900")
	run := startRunEvery(t, env, webSubWatch)
	received := func(chat int64, n int) []telegramtest.SentMessage { t.Helper(); return waitSent(t, fake, chat, n) }
	admin := telegramtest.User{ID: adminID, FirstName: "Admin", LanguageCode: "en"}
	subscribe(t, fake, addr, userID)

	// Discovery at the first poll, then the subscription, verified.
	wait.Within(t, 20*time.Second, "the subscription verified by the hub", func() bool { return hub.Verified("subscribe") == 1 })
	reqs := hub.Requests()
	if len(reqs) != 1 {
		t.Fatalf("the hub got %d requests, want 1: %+v", len(reqs), reqs)
	}
	callback := reqs[0].Callback
	if r := reqs[0]; r.Mode != "subscribe" || r.Topic != feed.topic() || !strings.HasPrefix(callback, "http://"+addr+"/websub/") || r.Secret == "" {
		t.Errorf("request %+v, want a subscription of %s with a secret, its callback under http://%s/websub/", r, feed.topic(), addr)
	}
	subs, err := st.WebSubs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 || subs[0].Source != "wire" || subs[0].State != store.WebSubVerified || subs[0].Lease != 2*time.Hour {
		t.Errorf("subscriptions %+v, want wire's, verified, for the 2 h the hub granted", subs)
	}

	// Healthy pushes: the next poll sets the hourly interval, which /feed
	// shows with its reason.
	wirePolled(t, st, "wire polled at the WebSub interval", pushed)
	fake.SendText(telegramtest.PrivateChat(adminID), admin, "/feed wire")
	if got := received(adminID, 1)[0].Text; !strings.Contains(got, "1h0m0s (push: WebSub delivers its items") {
		t.Errorf("/feed wire = %q, want the hourly interval with the reason push", got)
	}
	polls := feed.pollCount()

	// Forged deliveries first: a wrong secret and none. Each is dropped
	// before the hub's request returns.
	forged := feed.document(true, feedItem{"forged-1", "عاجل | بيان مزور عن انفجار في ميناء طرطوس"}, feedItem{"old-1", "الأسواق تفتح على ارتفاع في دمشق"})
	if got := hub.Deliver(callback, "application/atom+xml", forged, websub.Sign("sha256", []byte("guess"), forged)); got != http.StatusAccepted {
		t.Errorf("delivery with a wrong signature: status %d, want 202", got)
	}
	if got := hub.Deliver(callback, "application/atom+xml", forged, ""); got != http.StatusAccepted {
		t.Errorf("unsigned delivery: status %d, want 202", got)
	}
	for _, reason := range []string{"bad_signature", "unsigned"} {
		if got := metricValue(t, addr, `aajil_websub_pushes_rejected_total{reason="`+reason+`"}`); got != 1 {
			t.Errorf("pushes rejected as %s = %v, want 1", reason, got)
		}
	}

	// The hub publishes an urgent item: it reaches the subscriber, and
	// the feed is not asked for it.
	body := feed.document(true, feedItem{"new-1", "عاجل | انفجار في مرفأ اللاذقية وأنباء عن إصابات"}, feedItem{"old-1", "الأسواق تفتح على ارتفاع في دمشق"})
	if got := hub.Publish(feed.topic(), "application/atom+xml", body); !slices.Equal(got, []int{http.StatusOK}) {
		t.Fatalf("publish statuses %v, want [200]", got)
	}
	alert := received(userID, 2)[1]
	if !strings.Contains(alert.Text, "انفجار في مرفأ اللاذقية") || !strings.Contains(alert.Text, "Wire") {
		t.Errorf("alert %q, want the pushed item from Wire", alert.Text)
	}
	if got := feed.pollCount(); got != polls {
		t.Errorf("the feed was polled %d times while its item was pushed, want 0", got-polls)
	}
	if got := metricValue(t, addr, "aajil_websub_pushes_accepted_total"); got != 1 {
		t.Errorf("pushes accepted = %v, want 1", got)
	}
	ctx := context.Background()
	wait.For(t, "the alert counted and the outbox drained", func() bool {
		alerts, _, err := st.Counts(ctx, "alerts")
		depth, pending, derr := st.OutboxDepth(ctx)
		return err == nil && derr == nil && alerts >= 1 && depth == 0 && pending == 0
	})
	if alerts, _, _ := st.Counts(ctx, "alerts"); alerts != 1 {
		t.Errorf("%d alerts counted, want 1: the forged item is none", alerts)
	}
	for _, m := range fake.Sent(userID) {
		if strings.Contains(m.Text, "طرطوس") {
			t.Errorf("the forged item was alerted: %q", m.Text)
		}
	}

	// Paused in chat: unsubscribed at the hub, and the record goes.
	fake.SendText(telegramtest.PrivateChat(adminID), admin, "/pausefeed wire")
	received(adminID, 2)
	wait.Within(t, 20*time.Second, "the unsubscription verified by the hub", func() bool { return hub.Verified("unsubscribe") == 1 })
	if last := hub.Requests()[len(hub.Requests())-1]; last.Mode != "unsubscribe" || last.Callback != callback || last.Topic != feed.topic() {
		t.Errorf("last request to the hub %+v, want the unsubscription of %s", last, callback)
	}
	if got := hub.Subscribers(feed.topic()); len(got) != 0 {
		t.Errorf("the hub still has %d subscribers", len(got))
	}
	wait.For(t, "the subscription's record gone", func() bool {
		subs, err := st.WebSubs(ctx)
		return err == nil && len(subs) == 0
	})
	if code := run.stop(); code != 0 {
		t.Errorf("run exited %d, want 0", code)
	}
}

// TestRunWebSubPushStops: when the hub revokes the subscription, or its
// lease lapses with the renewal never verified, the source is polled at
// once and at its own interval again.
func TestRunWebSubPushStops(t *testing.T) {
	tests := map[string]struct {
		stop func(t *testing.T, hub *websubtest.Hub, topic string)
		// sub is what becomes of the subscription.
		sub func(store.WebSubSubscription) bool
	}{
		"denied": {
			stop: func(t *testing.T, hub *websubtest.Hub, topic string) {
				if n := hub.Revoke(topic, "topic retired"); n != 1 {
					t.Fatalf("revocation answered by %d callbacks, want 1", n)
				}
			},
			sub: func(s store.WebSubSubscription) bool {
				return s.State == store.WebSubDenied && s.Reason == "topic retired"
			},
		},
		"lease lapsed": {
			// The hub grants a one-second lease and never verifies the
			// renewal.
			stop: func(t *testing.T, hub *websubtest.Hub, topic string) {
				hub.Hold(true)
				if n := hub.Reverify(topic, time.Second); n != 1 {
					t.Fatalf("re-verification answered by %d callbacks, want 1", n)
				}
			},
			sub: func(s store.WebSubSubscription) bool {
				return s.State == store.WebSubVerified && s.Lease == time.Second && s.Requested.After(s.Verified)
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			hub := websubtest.New(t, websubtest.Options{})
			// The hub in Link headers this time.
			feed := newHubFeed(t, hub.URL(), true, feedItem{"old-1", "Markets open higher in Tokyo"})
			env, _, st := webSubEnv(t, 15, feed)
			run := startRunEvery(t, env, webSubWatch)
			wirePolled(t, st, "wire polled at the WebSub interval", pushed)

			tt.stop(t, hub, feed.topic())
			polls := feed.pollCount()
			back := wirePolled(t, st, "wire polled at its own interval again", func(s feeds.SourceState) bool {
				return s.Interval == time.Second && s.IntervalReason != feeds.ReasonPush
			})
			if back.IntervalReason != feeds.ReasonFixed {
				t.Errorf("interval reason %q, want %q", back.IntervalReason, feeds.ReasonFixed)
			}
			wait.Within(t, 10*time.Second, "the feed polled every second", func() bool { return feed.pollCount() >= polls+2 })
			var subs []store.WebSubSubscription
			if !wait.Until(10*time.Second, func() bool {
				var err error
				subs, err = st.WebSubs(context.Background())
				return err == nil && len(subs) == 1 && tt.sub(subs[0])
			}) {
				t.Errorf("subscriptions %+v", subs)
			}
			if code := run.stop(); code != 0 {
				t.Errorf("run exited %d, want 0", code)
			}
		})
	}
}
