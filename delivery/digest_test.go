package delivery

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
	"github.com/aajil/aajil/telegram/tgtext"
)

// manualClock is a clock the test sets, kept as unix nanoseconds.
type manualClock struct{ ns atomic.Int64 }

func newManualClock(t time.Time) *manualClock {
	c := &manualClock{}
	c.Set(t)
	return c
}

func (c *manualClock) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *manualClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// TestDigestEndToEnd: a chat with an hourly digest gets its urgent alert
// at once and its other alerts together at the top of the hour, in one
// message; a second run on the same Redis (a restart, or another
// instance) sends nothing twice.
func TestDigestEndToEnd(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	ctx := context.Background()
	const chat = 3001
	if err := h.st.PutSubscriber(ctx, store.Subscriber{ChatID: chat, Type: "private", Lang: "en", Mode: "all", Digest: "hourly", Active: true}); err != nil {
		t.Fatal(err)
	}
	clock := newManualClock(time.Date(2026, 12, 5, 10, 20, 0, 0, time.UTC))
	urgent := testDelivery(chat, "u1", true)
	n1, n2, n3 := testDelivery(chat, "n1", false), testDelivery(chat, "n2", false), testDelivery(chat, "n3", false)
	n2.SourceID = "bbc"
	n3.Link = ""
	h.enqueue(n1, urgent, n2, n3)

	run := func() (*Sender, *testMetrics, func() time.Duration) {
		opts, m := fastOptions()
		opts.Now = clock.Now // alerts and digests in Damascus time, UTC+3
		s := h.sender(opts)
		return s, m, h.start(s)
	}
	s1, m1, stop1 := run()
	wait.For(t, "the urgent alert sent and three held", func() bool { return m1.get("sent") == 1 && m1.get("digest") == 3 })
	sent := h.fake.Sent(chat)
	if len(sent) != 1 || sent[0].Text != wantText(urgent, "en") {
		t.Fatalf("before the hour: sent %+v, want the urgent alert only", sent)
	}
	if d, p := h.depth(); d != 0 || p != 0 {
		t.Errorf("outbox after holding = %d, %d; want empty (the items are in the digest)", d, p)
	}

	clock.Set(time.Date(2026, 12, 5, 11, 0, 0, 0, time.UTC))
	got, err := h.fake.WaitSent(t.Context(), chat, 2)
	if err != nil {
		t.Fatalf("the digest was not sent: %v", err)
	}
	digest := got[1]
	want := RenderDigest("en", []store.DigestItem{
		{StoryID: "n1", SourceID: "sana", Title: n1.Title, Link: n1.Link},
		{StoryID: "n2", SourceID: "bbc", Title: n2.Title, Link: n2.Link},
		{StoryID: "n3", SourceID: "sana", Title: n3.Title},
	}, testSourceName, clock.Now(), nil)
	if len(want) != 1 || digest.Text != want[0] {
		t.Errorf("digest =\n%s\nwant\n%s", digest.Text, strings.Join(want, "\n---\n"))
	}
	plain := tgtext.StripBidiControls(digest.Text)
	for _, part := range []string{"1. <a href=\"https://sana.sy/?p=n1\">", "2. " + tgtext.Escape(n3.Title), "<b>BBC Arabic</b>\n3. "} {
		if !strings.Contains(plain, part) {
			t.Errorf("digest lacks %q (grouped by source, numbered):\n%s", part, plain)
		}
	}
	if digest.ReplyMarkup != "" {
		t.Errorf("digest has buttons %s, want none", digest.ReplyMarkup)
	}
	wait.For(t, "the digest acknowledged", func() bool { return m1.get("sent") == 2 })
	stop1()
	_ = s1

	// A second run on the same Redis, later the same hour: nothing is
	// due, nothing is sent again.
	clock.Set(time.Date(2026, 12, 5, 11, 30, 0, 0, time.UTC))
	s2, _, stop2 := run()
	wait.For(t, "the second run holds every partition", func() bool { return len(s2.heldPartitions()) == h.st.OutboxPartitions() })
	for p := range h.st.OutboxPartitions() {
		if n := s2.buildPartitionDigests(ctx, p); n != 0 {
			t.Errorf("partition %d: the second run built %d digests, want 0", p, n)
		}
	}
	stop2()
	if n := len(h.fake.Sent(chat)); n != 2 {
		t.Errorf("sent %d messages in all, want 2", n)
	}
}

// TestDigestBuiltThenCrash: a digest built into the outbox by a process
// that died before sending it is sent by the next one, once.
func TestDigestBuiltThenCrash(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	ctx := context.Background()
	const chat = 3002
	if err := h.st.PutSubscriber(ctx, store.Subscriber{ChatID: chat, Type: "private", Lang: "ar", Mode: "all", Digest: "daily 08:00", Active: true}); err != nil {
		t.Fatal(err)
	}
	clock := newManualClock(time.Date(2026, 12, 5, 7, 0, 0, 0, time.UTC))
	opts, _ := fastOptions()
	opts.Now, opts.Location = clock.Now, time.UTC
	dead := h.sender(opts) // never run: it only holds and builds
	n1 := testDelivery(chat, "n1", false)
	h.enqueue(n1)
	p := h.st.PartitionOf(chat)
	es, err := h.st.ReadPartition(ctx, p, "dead", 10, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("ReadPartition = %d, %v", len(es), err)
	}
	sub, _, _ := dead.subscriber(ctx, chat)
	if _, _, done := dead.holdForDigest(ctx, &item{e: es[0]}, sub); !done {
		t.Fatal("the entry was not held")
	}
	clock.Set(time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC))
	if n := dead.buildPartitionDigests(ctx, p); n != 1 {
		t.Fatalf("built %d digests, want 1", n)
	}
	// Built twice (a retry, or a second instance): queued once.
	if n := dead.buildPartitionDigests(ctx, p); n != 0 {
		t.Fatalf("built again: %d digests, want 0", n)
	}

	opts2, m := fastOptions()
	opts2.Now, opts2.Location = clock.Now, time.UTC
	h.start(h.sender(opts2))
	got, err := h.fake.WaitSent(t.Context(), chat, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got[0].Text, digestLabels.T("ar", labelDigest)) || !strings.Contains(got[0].Text, tgtext.Escape(n1.Title)) {
		t.Errorf("sent %q, want the Arabic digest with the item", got[0].Text)
	}
	wait.For(t, "the digest acknowledged", func() bool { return m.get("sent") == 1 })
	if d, p := h.depth(); d != 0 || p != 0 {
		t.Errorf("outbox = %d, %d; want empty", d, p)
	}
}

// TestAlertButtons: an alert carries its keyboard (Why? only when a rule
// matched), none after /buttons off; the "also reported by" edit keeps it.
func TestAlertButtons(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	ctx := context.Background()
	subs := []store.Subscriber{
		{ChatID: 4001, Type: "private", Lang: "ar", Active: true},
		{ChatID: 4002, Type: "private", Lang: "en", Active: true},
		{ChatID: 4003, Type: "private", Lang: "en", Active: true, NoButtons: true},
	}
	for _, s := range subs {
		if err := h.st.PutSubscriber(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	withRule := testDelivery(4001, "s1", true)
	noRule := testDelivery(4002, "s1", true)
	noRule.Rule = ""
	off := testDelivery(4003, "s1", true)
	h.enqueue(withRule, noRule, off)
	opts, m := fastOptions()
	h.start(h.sender(opts))
	wait.For(t, "3 sent", func() bool { return m.get("sent") == 3 })
	tests := []struct {
		chat int64
		want []string // parts of the reply_markup JSON
		none bool
	}{
		{4001, []string{`"callback_data":"am:sana"`, `"callback_data":"aw:s1"`, "أوقف هذا المصدر", "لماذا؟"}, false},
		{4002, []string{`"callback_data":"am:sana"`, "Mute this source"}, false},
		{4003, nil, true},
	}
	for _, tc := range tests {
		s := h.fake.Sent(tc.chat)
		if len(s) != 1 {
			t.Fatalf("chat %d: %d messages, want 1", tc.chat, len(s))
		}
		if tc.none != (s[0].ReplyMarkup == "") {
			t.Errorf("chat %d: reply_markup %q, want none: %v", tc.chat, s[0].ReplyMarkup, tc.none)
		}
		for _, part := range tc.want {
			if !strings.Contains(s[0].ReplyMarkup, part) {
				t.Errorf("chat %d: reply_markup %s lacks %s", tc.chat, s[0].ReplyMarkup, part)
			}
		}
		if tc.chat == 4002 && strings.Contains(s[0].ReplyMarkup, "aw:") {
			t.Errorf("chat without rules got Why?: %s", s[0].ReplyMarkup)
		}
	}
}

// TestRenderDigestSplits: a long digest is cut between items into
// messages within Telegram's limit, numbered across them, the header in
// the first only.
func TestRenderDigestSplits(t *testing.T) {
	tests := map[string]struct {
		lang  string
		items int
		title string
	}{
		"english, long titles": {"en", 120, strings.Repeat("Shelling reported in the countryside of Homs ", 8)},
		"arabic, many items":   {"ar", 400, "قصف مدفعي على بلدات في ريف حمص الشمالي <عاجل> & تفاصيل"},
		"one item":             {"en", 1, "Blast"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var items []store.DigestItem
			for i := range tc.items {
				src := []string{"sana", "bbc", "reuters"}[i%3]
				items = append(items, store.DigestItem{StoryID: "s", SourceID: src, Title: tc.title, Link: "https://example.com/" + src + "/" + strings.Repeat("x", i%50)})
			}
			parts := RenderDigest(tc.lang, items, testSourceName, time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC), nil)
			if len(parts) == 0 {
				t.Fatal("no message")
			}
			next := 1
			for i, p := range parts {
				if n := tgtext.TextLength(p); n > tgtext.MaxMessageLength {
					t.Errorf("part %d: %d units, over %d", i, n, tgtext.MaxMessageLength)
				}
				if hasHeader := strings.HasPrefix(p, "🗞 "); hasHeader != (i == 0) {
					t.Errorf("part %d: header %v, want it in the first part only", i, hasHeader)
				}
				if strings.HasPrefix(p, "\n") {
					t.Errorf("part %d starts with a blank line", i)
				}
				for _, line := range strings.Split(p, "\n") {
					if num, _, ok := strings.Cut(line, ". "); ok && num == strconv.Itoa(next) {
						next++
					}
				}
			}
			if next-1 != tc.items {
				t.Errorf("numbered %d items in order, want %d", next-1, tc.items)
			}
		})
	}
	if got := RenderDigest("en", nil, testSourceName, time.Now(), nil); got != nil {
		t.Errorf("no items: %q, want no message", got)
	}
}
