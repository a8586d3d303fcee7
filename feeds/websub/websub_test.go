package websub_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/feeds/websub"
	"github.com/aajil/aajil/feeds/websub/websubtest"
	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// pushedFeed is a real feed document, pushed by the test hub.
const pushedFeed = "../../testdata/en_bbc_world_2026-08-13T0424Z.rss"

// harness is a source with a hub, the subscription manager and the
// callback on a local server, all on one Redis.
type harness struct {
	t       *testing.T
	st      *store.Store
	hub     *websubtest.Hub
	mgr     *websub.Manager
	health  *websub.Health
	cb      *httptest.Server
	metrics *countMetrics
	skew    atomic.Int64 // added to the manager's and health's clock

	mu      sync.Mutex
	sources []feeds.Source
	got     []feeds.PollResult
}

const (
	topic   = "https://news.example/feed.xml"
	feedURL = "https://news.example/rss"
)

func newHarness(t *testing.T, opts websubtest.Options) *harness {
	h := &harness{t: t, st: storetest.Open(t), hub: websubtest.New(t, opts), metrics: &countMetrics{}}
	h.sources = []feeds.Source{{ID: "bbc", URL: feedURL, Interval: time.Minute}}
	now := func() time.Time { return time.Now().Add(time.Duration(h.skew.Load())) }
	mux := http.NewServeMux()
	mux.Handle(websub.CallbackPath, websub.NewHandler(websub.HandlerOptions{
		Store: h.st, Sources: h.source, Parser: feeds.NewPoller(nil, nil), Submit: h.submit, Metrics: h.metrics,
	}))
	h.cb = httptest.NewServer(mux)
	t.Cleanup(h.cb.Close)
	h.mgr = websub.NewManager(websub.ManagerOptions{
		Store: h.st, Sources: h.list, Lease: h.st.WebSubLease("test", time.Minute), Client: http.DefaultClient,
		PublicURL: h.cb.URL + "/", LeaseAsked: 2 * time.Hour, Retry: time.Minute, Now: now,
	})
	h.health = websub.NewHealth(websub.HealthOptions{Store: h.st, Now: now})
	if err := h.st.SetDiscoveredHub(context.Background(), "bbc", store.DiscoveredHub{URL: feedURL, Hubs: []string{h.hub.URL()}, Self: topic}); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) list(context.Context) ([]feeds.Source, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.sources), nil
}

func (h *harness) source(_ context.Context, id string) (feeds.Source, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.sources {
		if s.ID == id {
			return s, true, nil
		}
	}
	return feeds.Source{}, false, nil
}

func (h *harness) setSources(srcs ...feeds.Source) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sources = srcs
}

func (h *harness) submit(r feeds.PollResult) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, r)
}

func (h *harness) submitted() []feeds.PollResult {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// subs returns the subscriptions in Redis.
func (h *harness) subs() []store.WebSubSubscription {
	subs, err := h.st.WebSubs(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return subs
}

// subscribed reconciles and waits for the hub's verification.
func (h *harness) subscribed() store.WebSubSubscription {
	h.t.Helper()
	h.mgr.Reconcile(context.Background())
	var sub store.WebSubSubscription
	wait.For(h.t, "the subscription verified", func() bool {
		subs := h.subs()
		if len(subs) == 1 && subs[0].State == store.WebSubVerified {
			sub = subs[0]
			return true
		}
		return false
	})
	return sub
}

func (h *harness) callback(id string) string { return h.cb.URL + "/websub/" + id }

type countMetrics struct {
	mu                 sync.Mutex
	received, accepted int
	rejected           map[string]int
}

func (m *countMetrics) Received() { m.mu.Lock(); m.received++; m.mu.Unlock() }
func (m *countMetrics) Accepted() { m.mu.Lock(); m.accepted++; m.mu.Unlock() }
func (m *countMetrics) Rejected(r string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rejected == nil {
		m.rejected = map[string]int{}
	}
	m.rejected[r]++
}

func TestSubscribeVerifyPublish(t *testing.T) {
	h := newHarness(t, websubtest.Options{Lease: 90 * time.Minute})
	sub := h.subscribed()

	reqs := h.hub.Requests()
	if len(reqs) != 1 {
		t.Fatalf("hub got %d requests, want 1: %+v", len(reqs), reqs)
	}
	r := reqs[0]
	if r.Mode != "subscribe" || r.Topic != topic || r.Callback != h.callback(sub.ID) || r.LeaseSeconds != 7200 {
		t.Errorf("request = %+v, want subscribe of %s at %s for 7200 s", r, topic, h.callback(sub.ID))
	}
	if len(r.Secret) == 0 || len(r.Secret) > 200 || r.Secret != sub.Secret {
		t.Errorf("secret of %d bytes, stored %q; want 1..200 bytes, the stored one", len(r.Secret), sub.Secret)
	}
	if sub.Lease != 90*time.Minute || sub.Source != "bbc" || sub.Hub != h.hub.URL() {
		t.Errorf("stored %+v, want the granted lease of 90m for bbc at the hub", sub)
	}

	body, err := os.ReadFile(pushedFeed)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.hub.Publish(topic, "application/rss+xml", body); !slices.Equal(got, []int{200}) {
		t.Fatalf("publish statuses = %v, want [200]", got)
	}
	got := h.submitted()
	if len(got) != 1 || got[0].Source.ID != "bbc" || len(got[0].Items) < 10 || got[0].Err != nil {
		t.Fatalf("submitted %d results (%+v), want one of bbc with its items", len(got), got)
	}
	if h.metrics.accepted != 1 || h.metrics.received != 1 {
		t.Errorf("metrics received %d accepted %d, want 1 and 1", h.metrics.received, h.metrics.accepted)
	}
	if sub, err := h.st.WebSub(context.Background(), sub.ID); err != nil || sub.LastPush.IsZero() {
		t.Errorf("the push is not recorded: %+v, %v", sub, err)
	}

	h.health.Refresh(context.Background(), nil)
	src := feeds.Source{ID: "bbc", URL: feedURL, Interval: time.Minute}
	if got := h.health.IntervalFor(src); got != websub.DefaultSlowPoll {
		t.Errorf("IntervalFor(pushed source) = %v, want %v", got, websub.DefaultSlowPoll)
	}
	src.Interval = time.Hour
	if got := h.health.IntervalFor(src); got != 0 {
		t.Errorf("IntervalFor(source polled hourly) = %v, want 0 (its own)", got)
	}
}

func TestForgedDeliveriesDropped(t *testing.T) {
	h := newHarness(t, websubtest.Options{})
	sub := h.subscribed()
	body, err := os.ReadFile(pushedFeed)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, callback, signature string
		status                    int
		reason                    string
	}{
		{"wrong secret", h.callback(sub.ID), websub.Sign("sha256", []byte("guess"), body), http.StatusAccepted, "bad_signature"},
		{"wrong method", h.callback(sub.ID), "md5=" + strings.Repeat("0", 32), http.StatusAccepted, "bad_signature"},
		{"unsigned", h.callback(sub.ID), "", http.StatusAccepted, "unsigned"},
		{"unknown callback", h.callback(strings.Repeat("ab", 16)), websub.Sign("sha256", []byte(sub.Secret), body), http.StatusGone, "unknown_callback"},
	} {
		if got := h.hub.Deliver(tc.callback, "application/rss+xml", body, tc.signature); got != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.status)
		}
		if got := h.metrics.rejected[tc.reason]; got == 0 {
			t.Errorf("%s: not counted as %s: %v", tc.name, tc.reason, h.metrics.rejected)
		}
	}
	if got := h.submitted(); len(got) != 0 {
		t.Errorf("forged deliveries reached the pipeline: %d", len(got))
	}
	if h.metrics.accepted != 0 || h.metrics.received != 4 {
		t.Errorf("received %d accepted %d, want 4 and 0", h.metrics.received, h.metrics.accepted)
	}
}

func TestChallengeNotEchoed(t *testing.T) {
	h := newHarness(t, websubtest.Options{})
	sub := h.subscribed()
	for _, tc := range []struct {
		name, callback, mode, topic string
	}{
		{"unknown topic", h.callback(sub.ID), "subscribe", "https://evil.example/feed"},
		{"unknown callback", h.callback(strings.Repeat("cd", 16)), "subscribe", topic},
		{"callback not an id", h.cb.URL + "/websub/..%2F", "subscribe", topic},
		{"unsubscribe not asked for", h.callback(sub.ID), "unsubscribe", topic},
		{"unknown mode", h.callback(sub.ID), "publish", topic},
	} {
		status, body := h.hub.Verify(tc.callback, tc.mode, tc.topic)
		if status != http.StatusNotFound {
			t.Errorf("%s: status %d body %q, want 404", tc.name, status, body)
		}
	}
	if subs := h.subs(); len(subs) != 1 || subs[0].State != store.WebSubVerified {
		t.Errorf("subscriptions after the refused verifications: %+v", subs)
	}
}

func TestDenied(t *testing.T) {
	h := newHarness(t, websubtest.Options{Deny: "topic not allowed"})
	h.mgr.Reconcile(context.Background())
	var sub store.WebSubSubscription
	wait.For(t, "the denial recorded", func() bool {
		subs := h.subs()
		if len(subs) == 1 && subs[0].State == store.WebSubDenied {
			sub = subs[0]
			return true
		}
		return false
	})
	if sub.Reason != "topic not allowed" {
		t.Errorf("reason %q, want the hub's", sub.Reason)
	}
	h.health.Refresh(context.Background(), nil)
	if h.health.Healthy("bbc") {
		t.Error("a denied source counts as pushed")
	}
	// A denied subscription is not asked for again at once.
	h.mgr.Reconcile(context.Background())
	if n := len(h.hub.Requests()); n != 1 {
		t.Errorf("hub got %d requests, want 1", n)
	}
}

// pollBy records the sources polled sooner.
type pollBy struct {
	mu  sync.Mutex
	ids []string
}

func (p *pollBy) PollBy(id string, _ time.Time) {
	p.mu.Lock()
	p.ids = append(p.ids, id)
	p.mu.Unlock()
}

func TestRenewalBeforeLeaseEnds(t *testing.T) {
	h := newHarness(t, websubtest.Options{Lease: time.Hour})
	sub := h.subscribed()
	h.health.Refresh(context.Background(), nil)
	if !h.health.Healthy("bbc") {
		t.Fatal("a verified subscription is not healthy")
	}

	// At 70 % of the lease nothing is sent; at 85 % it is renewed.
	h.skew.Store(int64(42 * time.Minute))
	h.mgr.Reconcile(context.Background())
	if n := len(h.hub.Requests()); n != 1 {
		t.Fatalf("renewed at 70%% of the lease: %d requests", n)
	}
	h.skew.Store(int64(51 * time.Minute))
	h.mgr.Reconcile(context.Background())
	wait.For(t, "the renewal verified", func() bool { return h.hub.Verified("subscribe") == 2 })
	reqs := h.hub.Requests()
	if len(reqs) != 2 || reqs[1].Callback != h.callback(sub.ID) || reqs[1].Secret != sub.Secret {
		t.Errorf("renewal %+v, want a subscribe of the same callback and secret", reqs)
	}
	// A renewal in flight is not sent twice.
	h.mgr.Reconcile(context.Background())
	if n := len(h.hub.Requests()); n != 2 {
		t.Errorf("%d requests after a second pass, want 2", n)
	}

	// Past the lease with no renewal, the source is polled at its own
	// interval again, at once.
	h.skew.Store(int64(3 * time.Hour))
	var sched pollBy
	h.health.Refresh(context.Background(), &sched)
	if h.health.Healthy("bbc") || !slices.Equal(sched.ids, []string{"bbc"}) {
		t.Errorf("after the lease: healthy %v, polled sooner %v; want false, [bbc]", h.health.Healthy("bbc"), sched.ids)
	}
}

func TestUnsubscribe(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sources []feeds.Source
	}{
		{"removed", nil},
		{"paused", []feeds.Source{{ID: "bbc", URL: feedURL, Paused: true}}},
		{"url changed", []feeds.Source{{ID: "bbc", URL: "https://news.example/other.xml"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, websubtest.Options{})
			sub := h.subscribed()
			h.setSources(tc.sources...)
			h.mgr.Reconcile(context.Background())
			wait.For(t, "the unsubscription verified", func() bool { return h.hub.Verified("unsubscribe") == 1 })
			reqs := h.hub.Requests()
			if last := reqs[len(reqs)-1]; last.Mode != "unsubscribe" || last.Callback != h.callback(sub.ID) || last.Topic != topic {
				t.Errorf("last request %+v, want the unsubscription of %s", last, h.callback(sub.ID))
			}
			if subs := h.subs(); len(subs) != 0 {
				t.Errorf("subscriptions left: %+v", subs)
			}
			if got := h.hub.Subscribers(topic); len(got) != 0 {
				t.Errorf("the hub still has %d subscribers", len(got))
			}
			_, err := h.st.WebSub(context.Background(), sub.ID)
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("WebSub(removed) error %v, want ErrNotFound", err)
			}
		})
	}
}

// TestHealthAtStart: an instance that starts again restored the poll
// times of its last run; a source whose pushes stopped meanwhile is
// polled at once, one still pushed is left to its slow interval.
func TestHealthAtStart(t *testing.T) {
	for _, tc := range []struct {
		name string
		skew time.Duration // time passed since the verification
		want []string      // polled sooner
	}{
		{"pushes healthy", time.Minute, nil},
		{"lease lapsed while down", 3 * time.Hour, []string{"bbc"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, websubtest.Options{Lease: time.Hour})
			h.subscribed()
			now := func() time.Time { return time.Now().Add(tc.skew) }
			restarted := websub.NewHealth(websub.HealthOptions{Store: h.st, Now: now})
			var sched pollBy
			restarted.Refresh(context.Background(), &sched)
			if !slices.Equal(sched.ids, tc.want) {
				t.Errorf("polled sooner %v, want %v", sched.ids, tc.want)
			}
			// Later refreshes poll only what stops being healthy.
			sched.ids = nil
			restarted.Refresh(context.Background(), &sched)
			if len(sched.ids) != 0 {
				t.Errorf("second refresh polled sooner %v, want none", sched.ids)
			}
		})
	}
}

// TestRevokedByHub: a hub may deny a verified subscription at any time;
// the source stops counting as pushed and is polled at once.
func TestRevokedByHub(t *testing.T) {
	h := newHarness(t, websubtest.Options{})
	h.subscribed()
	var sched pollBy
	h.health.Refresh(context.Background(), &sched)
	if !h.health.Healthy("bbc") {
		t.Fatal("a verified subscription is not healthy")
	}
	if n := h.hub.Revoke(topic, "no longer allowed"); n != 1 {
		t.Fatalf("the revocation answered by %d callbacks, want 1", n)
	}
	subs := h.subs()
	if len(subs) != 1 || subs[0].State != store.WebSubDenied || subs[0].Reason != "no longer allowed" {
		t.Errorf("subscriptions %+v, want one denied with the hub's reason", subs)
	}
	h.health.Refresh(context.Background(), &sched)
	if h.health.Healthy("bbc") || !slices.Equal(sched.ids, []string{"bbc"}) {
		t.Errorf("after the revocation: healthy %v, polled sooner %v; want false, [bbc]", h.health.Healthy("bbc"), sched.ids)
	}
}
