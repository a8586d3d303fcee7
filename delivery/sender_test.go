package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
	"github.com/aajil/aajil/telegram"
	"github.com/aajil/aajil/telegram/telegramtest"
	"github.com/aajil/aajil/telegram/tgtext"
)

// fastLimits keep tests that are not about rate limits quick.
var fastLimits = Options{
	Global:  store.Limit{Interval: time.Millisecond, Burst: 1},
	Private: store.Limit{Interval: time.Millisecond, Burst: 1},
	Group:   store.Limit{Interval: time.Millisecond, Burst: 1},
}

// fastOptions are fastLimits reporting to new testMetrics.
func fastOptions() (Options, *testMetrics) {
	opts, m := fastLimits, newTestMetrics()
	opts.Metrics = m
	return opts, m
}

// testSourceNames are the display names the tests' sources have.
var testSourceNames = map[string]string{"sana": "سانا", "bbc": "BBC Arabic", "reuters": "Reuters"}

func testSourceName(id string) string {
	if n, ok := testSourceNames[id]; ok {
		return n
	}
	return id
}

// testMetrics records what a sender reports.
type testMetrics struct {
	mu        sync.Mutex
	delivered map[string]int
	edited    map[string]int
	limited   int
	latencies int
	errors    map[int]int
}

func newTestMetrics() *testMetrics {
	return &testMetrics{delivered: map[string]int{}, edited: map[string]int{}, errors: map[int]int{}}
}

func (m *testMetrics) Delivered(o string) { m.mu.Lock(); m.delivered[o]++; m.mu.Unlock() }
func (m *testMetrics) RateLimited(bool)   { m.mu.Lock(); m.limited++; m.mu.Unlock() }
func (m *testMetrics) Edited(o string)    { m.mu.Lock(); m.edited[o]++; m.mu.Unlock() }
func (m *testMetrics) PartitionsHeld(int) {}
func (m *testMetrics) TelegramError(code int) {
	m.mu.Lock()
	m.errors[code]++
	m.mu.Unlock()
}
func (m *testMetrics) Latency(a, b, c time.Time) {
	m.mu.Lock()
	m.latencies++
	m.mu.Unlock()
}

func (m *testMetrics) get(o string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.delivered[o]
}

func (m *testMetrics) counts() (limited, latencies int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.limited, m.latencies
}

func (m *testMetrics) getEdited(o string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.edited[o]
}

// senderHarness is a fake Bot API and a real Redis for senders.
type senderHarness struct {
	t    testing.TB
	fake *telegramtest.Fake
	api  *tgbotapi.BotAPI
	st   *store.Store
}

func newSenderHarness(t testing.TB, fopts telegramtest.Options) *senderHarness {
	t.Helper()
	fake := telegramtest.New(t, fopts)
	api, err := telegram.NewAPI(context.Background(), fake.Token(), fake.Endpoint(), fake.Client())
	if err != nil {
		t.Fatalf("NewAPI: %v", err)
	}
	return &senderHarness{t: t, fake: fake, api: api, st: storetest.Open(t)}
}

// sender returns a Sender on the harness with opts completed for tests.
func (h *senderHarness) sender(opts Options) *Sender {
	if opts.Instance == "" {
		opts.Instance = "test-" + strconv.Itoa(int(time.Now().UnixNano()%1e6))
	}
	if opts.LeaseTTL == 0 {
		opts.LeaseTTL = time.Second
	}
	if opts.SourceName == nil {
		opts.SourceName = testSourceName
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return New(NewBotAPI(h.api), RedisStore{h.st}, opts)
}

// start runs s until the returned stop is called (or the test ends);
// stop returns how long Run took to return after the cancel.
func (h *senderHarness) start(s *Sender) (stop func() time.Duration) { return runSender(h.t, s) }

// runSender runs s until the returned stop is called (or the test ends);
// stop returns how long Run took to return after the cancel.
func runSender(t testing.TB, s *Sender) (stop func() time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	var took time.Duration
	stop = func() time.Duration {
		once.Do(func() {
			began := time.Now()
			cancel()
			select {
			case err := <-done:
				took = time.Since(began)
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("Run did not return 20 s after cancel")
			}
		})
		return took
	}
	t.Cleanup(func() { stop() })
	return stop
}

func (h *senderHarness) subscribe(lang string, ids ...int64) {
	h.t.Helper()
	for _, id := range ids {
		typ := "private"
		if id < 0 {
			typ = "supergroup"
		}
		if err := h.st.PutSubscriber(context.Background(), store.Subscriber{ChatID: id, Type: typ, Lang: lang, Active: true}); err != nil {
			h.t.Fatalf("PutSubscriber(%d): %v", id, err)
		}
	}
}

func (h *senderHarness) enqueue(ds ...store.Delivery) {
	h.t.Helper()
	n, err := h.st.Enqueue(context.Background(), ds)
	if err != nil || n != len(ds) {
		h.t.Fatalf("Enqueue: queued %d of %d, %v", n, len(ds), err)
	}
}

// depth returns the outbox's entries and pending entries.
func (h *senderHarness) depth() (int64, int64) {
	h.t.Helper()
	d, p, err := h.st.OutboxDepth(context.Background())
	if err != nil {
		h.t.Fatalf("OutboxDepth: %v", err)
	}
	return d, p
}

// testDelivery is an alert for chat about story.
func testDelivery(chat int64, story string, urgent bool) store.Delivery {
	now := time.Now()
	return store.Delivery{
		ChatID:    chat,
		StoryID:   story,
		ItemID:    "item-" + story,
		SourceID:  "sana",
		Urgent:    urgent,
		Title:     "انفجار في ريف دمشق — " + story,
		Link:      "https://sana.sy/?p=" + story,
		Published: now.Add(-time.Minute).Truncate(time.Second),
		Rule:      "دمشق",
		MatchedAt: now,
	}
}

// wantText is the message the sender should send for d, in lang.
func wantText(d store.Delivery, lang string, later ...string) string {
	return RenderAlert(AlertMessage{
		Lang: lang, Urgent: d.Urgent, SourceName: testSourceName(d.SourceID), Title: d.Title,
		Link: d.Link, Published: d.Published, Rule: d.Rule, AlsoReportedBy: later,
	}, RenderOptions{})
}

func TestSenderDeliversAndAcknowledges(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	chats := []int64{1001, 1002, -1001003}
	h.subscribe("ar", chats[0], chats[2])
	h.subscribe("en", chats[1])
	var all []store.Delivery
	for _, c := range chats {
		all = append(all, testDelivery(c, "urgent-1", true), testDelivery(c, "normal-1", false))
	}
	h.enqueue(all...)
	opts, m := fastOptions()
	stop := h.start(h.sender(opts))
	wait.For(t, "6 acknowledged", func() bool { return m.get("sent") == 6 })
	stop()

	for _, d := range all {
		lang := "ar"
		if d.ChatID == chats[1] {
			lang = "en"
		}
		sent := h.fake.Sent(d.ChatID)
		found := 0
		for _, s := range sent {
			if s.Text == wantText(d, lang) {
				found++
				if s.ParseMode != "HTML" || !s.DisableWebPagePreview {
					t.Errorf("chat %d: parse mode %q, preview disabled %v; want HTML, true", d.ChatID, s.ParseMode, s.DisableWebPagePreview)
				}
			}
		}
		if found != 1 {
			t.Errorf("chat %d story %s: sent %d times with the rendered text, want 1; sent: %+v", d.ChatID, d.StoryID, found, sent)
		}
		rec, ok, err := h.st.Sent(context.Background(), d.ChatID, d.StoryID)
		if err != nil || !ok || rec.MessageID == 0 {
			t.Errorf("Sent(%d, %s) = %+v, %v, %v; want a record", d.ChatID, d.StoryID, rec, ok, err)
		}
	}
	if d, p := h.depth(); d != 0 || p != 0 {
		t.Errorf("OutboxDepth = %d, %d; want 0, 0", d, p)
	}
	if _, got := m.counts(); got != 6 {
		t.Errorf("latencies observed = %d, want 6", got)
	}
	hour, _, err := h.st.Counts(context.Background(), "deliveries")
	if err != nil || hour != 6 {
		t.Errorf("Counts(deliveries) = %d, %v; want 6", hour, err)
	}
}

func TestSenderUrgentFirst(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	const chat = 2001
	h.subscribe("ar", chat)
	n1, n2, u1 := testDelivery(chat, "n1", false), testDelivery(chat, "n2", false), testDelivery(chat, "u1", true)
	h.enqueue(n1)
	h.enqueue(n2)
	h.enqueue(u1)
	h.start(h.sender(fastLimits))
	sent, err := h.fake.WaitSent(t.Context(), chat, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Delivery{u1, n1, n2}
	for i, d := range want {
		if sent[i].Text != wantText(d, "ar") {
			t.Errorf("message %d = %q, want story %s", i, sent[i].Text, d.StoryID)
		}
	}
}

func TestSenderOrderUnderFailures(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{
		Limits: telegramtest.TelegramLimits(),
		Random: telegramtest.RandomFailures{Rate: 0.2, TimeoutShare: 0.5, Hang: 300 * time.Millisecond, Seed: 7},
	})
	chats := []int64{3001, 3002, 3003, 3004}
	h.subscribe("en", chats...)
	const perChat = 4
	text := map[string]int{} // message text → order in its chat
	for i := range perChat {
		for _, c := range chats {
			d := testDelivery(c, fmt.Sprintf("s%d", i), i%2 == 0)
			d.Urgent = false // one class: order is matched order
			h.enqueue(d)
			text[strconv.FormatInt(c, 10)+wantText(d, "en")] = i
		}
	}
	m := newTestMetrics()
	opts := Options{Metrics: m}
	// The fake allows one message a second in a private chat, with no
	// burst; Reserve's slots are kept to with some jitter, hence 1.1 s.
	opts.Private = store.Limit{Interval: 1100 * time.Millisecond, Burst: 1}
	stop := h.start(h.sender(opts))
	wait.Within(t, 40*time.Second, "all acknowledged", func() bool {
		return m.get("sent")+m.get("duplicate_skipped") == len(chats)*perChat
	})
	stop()
	dups := 0
	for _, c := range chats {
		var firsts []int
		seen := map[int]bool{}
		for _, s := range h.fake.Sent(c) {
			i, ok := text[strconv.FormatInt(c, 10)+s.Text]
			if !ok {
				t.Fatalf("chat %d: unexpected message %q", c, s.Text)
			}
			if seen[i] {
				dups++
				continue
			}
			seen[i] = true
			firsts = append(firsts, i)
		}
		for i, got := range firsts {
			if got != i {
				t.Errorf("chat %d: first occurrences in order %v, want 0…%d", c, firsts, perChat-1)
				break
			}
		}
		if len(firsts) != perChat {
			t.Errorf("chat %d: %d distinct messages, want %d", c, len(firsts), perChat)
		}
	}
	timeouts := h.fake.StatusCount("sendMessage", http.StatusGatewayTimeout)
	if dups > timeouts {
		t.Errorf("%d duplicates but only %d timeouts: a duplicate came from elsewhere", dups, timeouts)
	}
	if n := h.fake.StatusCount("sendMessage", http.StatusTooManyRequests); n != 0 {
		t.Errorf("fake answered 429 %d times, want 0", n)
	}
	t.Logf("duplicates %d (timeouts %d, 5xx %d)", dups, timeouts,
		h.fake.StatusCount("sendMessage", 500)+h.fake.StatusCount("sendMessage", 502))
	if d, p := h.depth(); d != 0 || p != 0 {
		t.Errorf("OutboxDepth = %d, %d; want 0, 0", d, p)
	}
}

func TestSender429WaitsRetryAfter(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	const chat = 4001
	h.subscribe("ar", chat)
	h.enqueue(testDelivery(chat, "a", true), testDelivery(chat, "b", true))
	h.fake.FailNextWith("sendMessage", telegramtest.TooManyRequests(1))
	opts, m := fastOptions()
	h.start(h.sender(opts))
	if _, err := h.fake.WaitSent(t.Context(), chat, 2); err != nil {
		t.Fatal(err)
	}
	calls := h.fake.Calls("sendMessage")
	var limitedAt time.Time
	for _, c := range calls {
		if c.Status == http.StatusTooManyRequests {
			limitedAt = c.At
			continue
		}
		if !limitedAt.IsZero() && c.At.Sub(limitedAt) < time.Second {
			t.Errorf("a send %v after the 429, want ≥ 1 s (retry_after)", c.At.Sub(limitedAt))
		}
	}
	if limitedAt.IsZero() {
		t.Fatalf("no 429 answered; calls: %+v", calls)
	}
	if got, _ := m.counts(); got != 1 {
		t.Errorf("RateLimited reported %d times, want 1", got)
	}
	// The sender's counts reach Redis with its lease loop.
	wait.For(t, "the 429 counted in Redis", func() bool {
		hour, _, err := h.st.Counts(t.Context(), store.CounterTooManyRequests)
		return err == nil && hour == 1
	})
}

func TestSenderChatRefuses(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		chat int64
		fail telegramtest.Failure
	}{
		"blocked":        {5001, telegramtest.Blocked()},
		"chat not found": {5002, telegramtest.ChatNotFound()},
		"kicked":         {-1005003, telegramtest.Failure{Code: 403, Description: "Forbidden: bot was kicked from the supergroup chat"}},
		"deactivated":    {5004, telegramtest.Failure{Code: 403, Description: "Forbidden: user is deactivated"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newSenderHarness(t, telegramtest.Options{})
			const other = 5999
			h.subscribe("ar", tc.chat, other)
			h.fake.FailChat(tc.chat, tc.fail)
			h.enqueue(testDelivery(tc.chat, "a", true), testDelivery(tc.chat, "b", true), testDelivery(tc.chat, "c", false),
				testDelivery(other, "a", true))
			opts, m := fastOptions()
			stop := h.start(h.sender(opts))
			wait.For(t, "outbox empty", func() bool { d, _ := h.depth(); return d == 0 })
			stop()
			sub, err := h.st.Subscriber(context.Background(), tc.chat)
			if err != nil || sub.Active {
				t.Errorf("subscriber %d: active %v, %v; want inactive", tc.chat, sub.Active, err)
			}
			if got := len(h.fake.Calls("sendMessage")); got != 2 {
				t.Errorf("sendMessage calls = %d, want 2 (one refused, one to the other chat)", got)
			}
			if got := len(h.fake.Sent(other)); got != 1 {
				t.Errorf("other chat got %d messages, want 1", got)
			}
			if m.get("blocked") != 1 || m.get("dropped") != 2 {
				t.Errorf("blocked %d, dropped %d; want 1, 2", m.get("blocked"), m.get("dropped"))
			}
			if n, _, err := h.st.Counts(context.Background(), "blocked"); err != nil || n != 1 {
				t.Errorf("Counts(blocked) = %d, %v; want 1", n, err)
			}
		})
	}
}

func TestSenderFollowsMigration(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	const from, to = -4001, -1004001
	h.subscribe("ar", from)
	h.fake.FailChat(from, telegramtest.Migrated(to))
	a, b := testDelivery(from, "a", true), testDelivery(from, "b", true)
	h.enqueue(a, b)
	stop := h.start(h.sender(fastLimits))
	sent, err := h.fake.WaitSent(t.Context(), to, 2)
	if err != nil {
		t.Fatal(err)
	}
	wait.For(t, "outbox empty", func() bool { d, _ := h.depth(); return d == 0 })
	stop()
	if sent[0].Text != wantText(a, "ar") || sent[1].Text != wantText(b, "ar") {
		t.Errorf("sent to %d: %q, %q; want a then b", to, sent[0].Text, sent[1].Text)
	}
	if _, err := h.st.Subscriber(context.Background(), from); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Subscriber(%d) error = %v, want ErrNotFound", from, err)
	}
	if sub, err := h.st.Subscriber(context.Background(), to); err != nil || !sub.Active {
		t.Errorf("Subscriber(%d) = %+v, %v; want the moved subscriber", to, sub, err)
	}
	if rec, ok, _ := h.st.Sent(context.Background(), from, "b"); !ok || rec.ChatID != to {
		t.Errorf("Sent(%d, b) = %+v, %v; want chat %d", from, rec, ok, to)
	}
	if got := len(h.fake.Calls("sendMessage")); got != 3 {
		t.Errorf("sendMessage calls = %d, want 3 (one refused with migrate_to_chat_id)", got)
	}
}

func TestSenderDeadLetters(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		fail      telegramtest.Failure
		always    bool
		deadAfter time.Duration
	}{
		"can't parse entities": {fail: telegramtest.Failure{Code: 400, Description: "Bad Request: can't parse entities: Unsupported start tag \"x\""}},
		"5xx forever":          {fail: telegramtest.ServerError(502), always: true, deadAfter: 50 * time.Millisecond},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newSenderHarness(t, telegramtest.Options{})
			const chat = 6001
			h.subscribe("en", chat)
			d := testDelivery(chat, "x", true)
			d.MatchedAt = time.Now().Add(-time.Second)
			h.enqueue(d)
			if tc.always {
				h.fake.FailAlways("sendMessage", tc.fail)
			} else {
				h.fake.FailNextWith("sendMessage", tc.fail)
			}
			opts, m := fastOptions()
			opts.DeadAfter = tc.deadAfter
			stop := h.start(h.sender(opts))
			wait.For(t, "a dead letter", func() bool { return m.get("dead") == 1 })
			stop()
			if n, err := h.st.DeadLetterCount(context.Background()); err != nil || n != 1 {
				t.Errorf("DeadLetterCount = %d, %v; want 1", n, err)
			}
			if n, _, err := h.st.Counts(context.Background(), "dead_letters"); err != nil || n != 1 {
				t.Errorf("Counts(dead_letters) = %d, %v; want 1", n, err)
			}
			if d, p := h.depth(); d != 0 || p != 0 {
				t.Errorf("OutboxDepth = %d, %d; want 0, 0", d, p)
			}
			if got := len(h.fake.Calls("sendMessage")); got != 1 {
				t.Errorf("sendMessage calls = %d, want 1", got)
			}
			m.mu.Lock()
			defer m.mu.Unlock()
			if got := m.errors[tc.fail.Code]; got != 1 {
				t.Errorf("Telegram errors with code %d = %d, want 1", tc.fail.Code, got)
			}
		})
	}
}

func TestSenderHostileHeadline(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	const chat = 7001
	h.subscribe("ar", chat)
	d := testDelivery(chat, "hostile", true)
	d.Title = strings.Repeat("<&", 5000) + "</b><a href=\"x\">&amp;"
	d.Rule = "<b>&"
	d.Link = "https://example.com/?a=1&b=<2>"
	h.enqueue(d)
	h.start(h.sender(fastLimits))
	sent, err := h.fake.WaitSent(t.Context(), chat, 1)
	if err != nil {
		t.Fatalf("%v (calls: %+v)", err, h.fake.Calls("sendMessage"))
	}
	if n := tgtext.TextLength(sent[0].Text); n > telegramtest.MaxMessageLength {
		t.Errorf("text length %d, want ≤ %d", n, telegramtest.MaxMessageLength)
	}
}

func TestSendersShareAndTakeOver(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	const chats, perChat = 100, 3
	var ids []int64
	for i := range chats {
		ids = append(ids, int64(8000+i))
	}
	h.subscribe("ar", ids...)
	var all []store.Delivery
	for i := range perChat {
		for _, c := range ids {
			all = append(all, testDelivery(c, fmt.Sprintf("s%d", i), false))
		}
	}
	h.enqueue(all...)
	opts := fastLimits
	opts.Global = store.Limit{Interval: 10 * time.Millisecond, Burst: 1} // 300 take 3 s
	ma, mb := newTestMetrics(), newTestMetrics()
	oa, ob := opts, opts
	oa.Instance, oa.Metrics = "a", ma
	ob.Instance, ob.Metrics = "b", mb
	stopA := h.start(h.sender(oa))
	h.start(h.sender(ob))
	wait.For(t, "both senders sending", func() bool { return ma.get("sent") > 20 && mb.get("sent") > 20 })
	stopA()
	wait.For(t, "all delivered", func() bool { return h.fake.SentCount() >= len(all) })
	wait.For(t, "outbox empty", func() bool { d, p := h.depth(); return d == 0 && p == 0 })
	for _, c := range ids {
		seen := map[string]bool{}
		for _, s := range h.fake.Sent(c) {
			if seen[s.Text] {
				t.Errorf("chat %d got a message twice: %q", c, s.Text)
			}
			seen[s.Text] = true
		}
		if len(seen) != perChat {
			t.Errorf("chat %d got %d distinct messages, want %d", c, len(seen), perChat)
		}
	}
	if got := h.fake.SentCount(); got != len(all) {
		t.Errorf("sent %d messages, want %d", got, len(all))
	}
	t.Logf("sender a sent %d, b sent %d", ma.get("sent"), mb.get("sent"))
}

func TestSenderShutdownHandsBack(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{
		Random: telegramtest.RandomFailures{Rate: 1, TimeoutShare: 1, Hang: time.Minute},
	})
	ids := []int64{9001, 9002, 9003}
	h.subscribe("en", ids...)
	for _, c := range ids {
		h.enqueue(testDelivery(c, "a", true), testDelivery(c, "b", false))
	}
	stop := h.start(h.sender(fastLimits))
	wait.For(t, "sends in flight", func() bool { return len(h.fake.Calls("sendMessage")) >= len(ids) })
	if took := stop(); took > 10*time.Second {
		t.Errorf("Run returned %v after cancel, want ≤ 10 s", took)
	}
	d, p := h.depth()
	if d != int64(2*len(ids)) || p == 0 {
		t.Errorf("OutboxDepth = %d, %d; want %d entries, some pending", d, p, 2*len(ids))
	}
	// Every partition lease was given back: another holder takes each
	// at once (and gives it back).
	for p := range h.st.OutboxPartitions() {
		probe := h.st.PartitionLease(p, "probe", time.Minute)
		if token, left, err := probe.Take(t.Context()); token == 0 || err != nil {
			t.Errorf("partition %d after shutdown: Take = %d, %v left, %v; want it free", p, token, left, err)
		}
		if _, err := probe.Release(t.Context()); err != nil {
			t.Fatal(err)
		}
	}

	// The next sender (here after a Telegram outage ends) delivers them.
	next := newSenderHarness(t, telegramtest.Options{})
	next.st = h.st
	opts, m := fastOptions()
	next.start(next.sender(opts))
	wait.For(t, "handed-back entries sent", func() bool {
		return m.get("sent")+m.get("duplicate_skipped") == 2*len(ids)
	})
}

func TestSenderWaitDuringFanout(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	var ids []int64
	var all []store.Delivery
	for i := range 1000 {
		id := int64(100_000 + i)
		ids = append(ids, id)
		all = append(all, testDelivery(id, "big", true))
	}
	h.subscribe("ar", ids...)
	h.enqueue(all...)
	s := h.sender(Options{}) // default limits: 29 msg/s
	h.start(s)
	wait.For(t, "the fan-out under way", func() bool { return h.fake.SentCount() >= 30 })
	wait, err := s.book(t.Context(), 42, replyMaxAhead)
	if err != nil {
		t.Fatal(err)
	}
	if limit := s.opts.MaxAhead + s.opts.Global.Interval; wait > limit {
		t.Errorf("reply booked %v ahead, want ≤ %v", wait, limit)
	}
	if err := s.Wait(t.Context(), 43); err != nil {
		t.Errorf("Wait: %v", err)
	}
}

// TestSenderThroughRedisOutage: Redis dies in the middle of a fan-out and
// comes back (with its data, as a server with an append-only file does):
// every alert is delivered once. The sends in flight when Redis went away
// could not be acknowledged; the sender keeps their records and
// acknowledges them when Redis is back, even though their partitions were
// lost meanwhile and claimed again, instead of sending them twice.
func TestSenderThroughRedisOutage(t *testing.T) {
	srv, err := storetest.StartPersistent()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if !srv.Real() {
		t.Skip("needs a redis-server process to kill; storetest fell back to the embedded server (CI insists on redis-server)")
	}
	fake := telegramtest.New(t, telegramtest.Options{})
	api, err := telegram.NewAPI(context.Background(), fake.Token(), fake.Endpoint(), fake.Client())
	if err != nil {
		t.Fatal(err)
	}
	h := &senderHarness{t: t, fake: fake, api: api, st: storetest.OpenURL(t, srv.URL())}
	const chats = 200
	var ds []store.Delivery
	for i := range chats {
		id := int64(7_000 + i)
		h.subscribe("ar", id)
		ds = append(ds, testDelivery(id, "outage", true))
	}
	h.enqueue(ds...)
	opts := fastLimits
	opts.Global = store.Limit{Interval: 10 * time.Millisecond, Burst: 1} // 100/s: the fan-out takes 2 s
	s := h.sender(opts)
	stop := h.start(s)

	wait.For(t, "a quarter sent", func() bool { return fake.SentCount() >= chats/4 })
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	atKill := fake.SentCount()
	// Redis stays down until the sender has lost every partition lease
	// and handed back every entry in memory: the sends in flight at the
	// kill have ended, their acknowledgements refused.
	wait.For(t, "the sender idle in the outage", s.idle)
	during := fake.SentCount() - atKill
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	wait.Within(t, 60*time.Second, "every chat alerted after the outage", func() bool { return len(fake.SentChats()) == chats })
	wait.For(t, "the outbox drained", func() bool {
		d, p, err := h.st.OutboxDepth(context.Background())
		return err == nil && d == 0 && p == 0
	})
	stop()
	total := fake.SentCount()
	t.Logf("killed Redis after %d sends; %d more went out while it was down; %d messages for %d chats", atKill, during, total, chats)
	if during > DefaultWorkers {
		t.Errorf("%d sends while Redis was down, want at most the %d in flight (nothing can be booked or acknowledged)", during, DefaultWorkers)
	}
	if total != chats {
		t.Errorf("%d messages for %d chats, want each chat alerted once", total, chats)
	}
}

// idle reports whether s holds no partition and no entry in memory.
func (s *Sender) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.parts) == 0 && len(s.chats) == 0
}

// TestSenderHold: a Hold (a reply's 429) keeps alerts and replies to the
// chat back, on every instance, for the time Telegram asked.
func TestSenderHold(t *testing.T) {
	h := newSenderHarness(t, telegramtest.Options{})
	s := h.sender(fastLimits)
	ctx := context.Background()
	const chat = 8123
	if err := s.Hold(ctx, chat, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	r, err := h.st.ReserveAt(ctx, chat, fastLimits.Global, fastLimits.Private, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || r.Refused != store.RefusedPenalty || r.Wait <= 2*time.Second || r.Wait > 3*time.Second {
		t.Errorf("ReserveAt after Hold = %+v, want refused by the penalty for about 3s", r)
	}
	if r, err := h.st.ReserveAt(ctx, chat+1, fastLimits.Global, fastLimits.Private, time.Second); err != nil || !r.OK {
		t.Errorf("ReserveAt for another chat = %+v, %v; want booked", r, err)
	}
}

// TestSenderPaidBroadcast: above Telegram's free 30 messages a second the
// alerts carry allow_paid_broadcast, at or under it they do not.
func TestSenderPaidBroadcast(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		rate     float64 // messages a second; 0 for the default limit
		wantPaid bool
	}{
		"default 28.5/s": {0, false},
		"exactly 30/s":   {30, false},
		"31/s":           {31, true},
		"1000/s":         {1000, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newSenderHarness(t, telegramtest.Options{})
			chats := []int64{2001, -1002002}
			h.subscribe("en", chats...)
			for _, c := range chats {
				h.enqueue(testDelivery(c, "paid-1", true))
			}
			opts, m := fastOptions()
			opts.Global = store.Limit{}
			if tc.rate > 0 {
				opts.Global = store.Limit{Interval: time.Duration(float64(time.Second) / tc.rate), Burst: 1}
			}
			stop := h.start(h.sender(opts))
			wait.For(t, "2 acknowledged", func() bool { return m.get("sent") == 2 })
			stop()
			calls := h.fake.Calls("sendMessage")
			if len(calls) != 2 {
				t.Fatalf("sendMessage calls = %d, want 2", len(calls))
			}
			for _, c := range calls {
				got, present := c.Params["allow_paid_broadcast"]
				if tc.wantPaid && got != "true" {
					t.Errorf("chat %s: allow_paid_broadcast = %q, want \"true\"", c.Params["chat_id"], got)
				}
				if !tc.wantPaid && present {
					t.Errorf("chat %s: allow_paid_broadcast = %q, want absent", c.Params["chat_id"], got)
				}
			}
			for _, c := range chats {
				for _, s := range h.fake.Sent(c) {
					if s.AllowPaidBroadcast != tc.wantPaid || s.ParseMode != "HTML" || !s.DisableWebPagePreview {
						t.Errorf("chat %d: paid %v, parse mode %q, preview disabled %v; want %v, HTML, true",
							c, s.AllowPaidBroadcast, s.ParseMode, s.DisableWebPagePreview, tc.wantPaid)
					}
				}
			}
		})
	}
}
