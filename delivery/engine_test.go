package delivery

import (
	"errors"
	"slices"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
)

// The engine's unit tests run the Sender on fakeStore and fakeTelegram:
// no Redis, no HTTP.

// tgError is an error answer of the Bot API.
func tgError(code int, msg string) error {
	return &tgbotapi.Error{Code: code, Message: msg}
}

func tooManyRequests(retryAfter int) error {
	return &tgbotapi.Error{Code: 429, Message: "Too Many Requests: retry after", ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: retryAfter}}
}

func migratedTo(chat int64) error {
	return &tgbotapi.Error{Code: 400, Message: "Bad Request: group chat was upgraded to a supergroup chat", ResponseParameters: tgbotapi.ResponseParameters{MigrateToChatID: chat}}
}

// wantTexts are the messages ds render to, in lang.
func wantTexts(lang string, ds ...store.Delivery) []string {
	var ts []string
	for _, d := range ds {
		ts = append(ts, wantText(d, lang))
	}
	return ts
}

func TestUnitPerChatOrder(t *testing.T) {
	t.Parallel()
	u := newUnit(t, 2, Options{Workers: 4})
	chats := []int64{11, 12, -1000013}
	u.st.subscribe("ar", chats...)
	want := map[int64][]store.Delivery{}
	for i := range 5 {
		for _, c := range chats {
			d := testDelivery(c, "s"+string(rune('a'+i)), false)
			u.st.enqueue(d)
			want[c] = append(want[c], d)
		}
	}
	u.start()
	wait.For(t, "every entry acknowledged", func() bool { return u.st.pending() == 0 })
	for _, c := range chats {
		if got := u.tg.texts(c); !slices.Equal(got, wantTexts("ar", want[c]...)) {
			t.Errorf("chat %d got %d messages %q, want the %d enqueued in order", c, len(got), got, len(want[c]))
		}
	}
	if got := u.m.get("sent"); got != 15 {
		t.Errorf("sent %d, want 15", got)
	}
}

func TestUnitUrgentFirst(t *testing.T) {
	t.Parallel()
	u := newUnit(t, 1, Options{})
	const chat = 21
	u.st.subscribe("en", chat)
	n1, n2 := testDelivery(chat, "n1", false), testDelivery(chat, "n2", false)
	u1, u2 := testDelivery(chat, "u1", true), testDelivery(chat, "u2", true)
	u.st.enqueue(n1, n2, u1, u2)
	u.start()
	wait.For(t, "every entry acknowledged", func() bool { return u.st.pending() == 0 })
	if got, want := u.tg.texts(chat), wantTexts("en", u1, u2, n1, n2); !slices.Equal(got, want) {
		t.Errorf("sent in order %q\nwant %q", got, want)
	}
}

func TestUnitRetries(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		fail        error
		minGap      time.Duration // between the failed send and the next
		wantPenalty time.Duration // 0: none
		wantLimited int
	}{
		"429":             {fail: tooManyRequests(1), minGap: time.Second, wantPenalty: time.Second, wantLimited: 1},
		"5xx":             {fail: tgError(502, "Bad Gateway"), minGap: backoffMin / 2},
		"no answer":       {fail: errors.New("read: connection reset by peer"), minGap: backoffMin / 2},
		"401 token fixed": {fail: tgError(401, "Unauthorized"), minGap: backoffMin / 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := newUnit(t, 1, Options{})
			const chat = 31
			u.st.subscribe("ar", chat)
			a, b := testDelivery(chat, "a", true), testDelivery(chat, "b", true)
			u.st.enqueue(a, b)
			u.tg.failChat(chat, tc.fail)
			u.start()
			wait.For(t, "every entry acknowledged", func() bool { return u.st.pending() == 0 })
			if got, want := u.tg.texts(chat), wantTexts("ar", a, b); !slices.Equal(got, want) {
				t.Errorf("sent %q, want a then b, once each", got)
			}
			calls := u.tg.callsTo(chat)
			if len(calls) != 3 {
				t.Fatalf("%d sends, want 3 (one failed)", len(calls))
			}
			if gap := calls[1].at.Sub(calls[0].at); gap < tc.minGap {
				t.Errorf("retried %v after the failure, want ≥ %v", gap, tc.minGap)
			}
			var want []penalty
			if tc.wantPenalty > 0 {
				want = []penalty{{chat, tc.wantPenalty}}
			}
			if got := u.st.penalizedCalls(); !slices.Equal(got, want) {
				t.Errorf("penalties %v, want %v", got, want)
			}
			if limited, _ := u.m.counts(); limited != tc.wantLimited {
				t.Errorf("RateLimited reported %d times, want %d", limited, tc.wantLimited)
			}
			if got := u.m.get("retry"); got != 1 {
				t.Errorf("retries counted %d, want 1", got)
			}
		})
	}
}

func TestUnitDeadLetter(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		fail         error
		deadAfter    time.Duration
		wantReason   string
		wantAttempts int
	}{
		"bad html": {fail: tgError(400, "Bad Request: can't parse entities"),
			wantReason: "telegram 400: Bad Request: can't parse entities", wantAttempts: 1},
		"5xx past DeadAfter": {fail: tgError(502, "Bad Gateway"), deadAfter: 50 * time.Millisecond,
			wantReason: "gave up: Bad Gateway", wantAttempts: 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := newUnit(t, 1, Options{DeadAfter: tc.deadAfter})
			const chat = 41
			u.st.subscribe("en", chat)
			d := testDelivery(chat, "x", true)
			d.MatchedAt = time.Now().Add(-time.Second)
			u.st.enqueue(d)
			u.tg.failChat(chat, tc.fail)
			u.start()
			wait.For(t, "a dead letter counted", func() bool { return u.st.count("dead_letters") == 1 })
			dead := u.st.deadLetters()
			if len(dead) != 1 || dead[0].e.StoryID != "x" || dead[0].reason != tc.wantReason || dead[0].attempts != tc.wantAttempts {
				t.Errorf("dead letters %+v, want story x for %q after %d attempts", dead, tc.wantReason, tc.wantAttempts)
			}
			if got := len(u.tg.callsTo(chat)); got != 1 {
				t.Errorf("%d sends, want 1", got)
			}
			if got := u.m.get("dead"); got != 1 {
				t.Errorf("dead counted %d, want 1", got)
			}
			if got := u.st.pending(); got != 0 {
				t.Errorf("%d entries pending, want 0", got)
			}
		})
	}
}

func TestUnitMigratedChat(t *testing.T) {
	t.Parallel()
	u := newUnit(t, 1, Options{})
	const from, to = -51, -1000051
	u.st.subscribe("ar", from)
	u.tg.failChat(from, migratedTo(to))
	a, b := testDelivery(from, "a", true), testDelivery(from, "b", false)
	u.st.enqueue(a, b)
	u.start()
	wait.For(t, "every entry acknowledged", func() bool { return u.st.pending() == 0 })
	if got, want := u.tg.texts(to), wantTexts("ar", a, b); !slices.Equal(got, want) {
		t.Errorf("sent to the supergroup %q, want a then b", got)
	}
	if got := len(u.tg.callsTo(from)); got != 1 {
		t.Errorf("%d sends to the old group, want 1", got)
	}
	if _, ok := u.st.subscriber(from); ok {
		t.Errorf("the old group is still subscribed")
	}
	if sub, ok := u.st.subscriber(to); !ok || !sub.Active {
		t.Errorf("supergroup subscriber %+v, %v; want the moved one", sub, ok)
	}
	if rec, ok := u.st.sentRecord(from, "b"); !ok || rec.ChatID != to {
		t.Errorf("sent record of b = %+v, %v; want chat %d", rec, ok, to)
	}
	if got := u.m.get("migrated"); got != 1 {
		t.Errorf("migrated counted %d, want 1", got)
	}
}

func TestUnitChatGone(t *testing.T) {
	t.Parallel()
	tests := map[string]error{
		"blocked":          tgError(403, "Forbidden: bot was blocked by the user"),
		"chat not found":   tgError(400, "Bad Request: chat not found"),
		"kicked":           tgError(403, "Forbidden: bot was kicked from the supergroup chat"),
		"no rights":        tgError(400, "Bad Request: not enough rights to send text messages to the chat"),
		"user deactivated": tgError(403, "Forbidden: user is deactivated"),
	}
	for name, fail := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := newUnit(t, 1, Options{})
			const chat, other = 61, 69
			u.st.subscribe("ar", chat, other)
			u.tg.failChat(chat, fail)
			u.st.enqueue(testDelivery(chat, "a", true), testDelivery(chat, "b", true), testDelivery(chat, "c", false),
				testDelivery(other, "a", true))
			u.start()
			wait.For(t, "the outbox finished", func() bool { return u.st.pending() == 0 })
			if sub, _ := u.st.subscriber(chat); sub.Active {
				t.Errorf("subscriber %d still active", chat)
			}
			if got := len(u.tg.callsTo(chat)); got != 1 {
				t.Errorf("%d sends to the chat, want 1", got)
			}
			if got := len(u.tg.texts(other)); got != 1 {
				t.Errorf("the other chat got %d messages, want 1", got)
			}
			if u.m.get("blocked") != 1 || u.m.get("dropped") != 2 {
				t.Errorf("blocked %d, dropped %d; want 1, 2", u.m.get("blocked"), u.m.get("dropped"))
			}
			wait.For(t, "blocked counted", func() bool { return u.st.count("blocked") == 1 })
		})
	}
}

func TestUnitEdits(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		fail        error // the edit's answer
		maxAge      time.Duration
		outcome     string
		wantText    bool // the message shows the later sources
		wantPenalty bool
	}{
		"edited":    {outcome: "edited", wantText: true},
		"unchanged": {fail: tgError(400, "Bad Request: message is not modified"), outcome: "unchanged"},
		"429":       {fail: tooManyRequests(2), outcome: "failed", wantPenalty: true},
		"gone":      {fail: tgError(400, "Bad Request: message to edit not found"), outcome: "failed"},
		"too old":   {maxAge: time.Nanosecond, outcome: "too_old"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			stories := &testStories{stories: map[string]store.StoryRecord{}}
			stories.set(store.StoryRecord{ID: "st", FirstSource: "sana"})
			u := newUnit(t, 1, Options{Stories: stories, EditMaxAge: tc.maxAge, EditInterval: 200 * time.Millisecond})
			const chat = 71
			u.st.subscribe("en", chat)
			d := testDelivery(chat, "st", true)
			u.st.enqueue(d)
			u.start()
			wait.For(t, "the alert acknowledged", func() bool { return u.st.pending() == 0 })

			stories.set(store.StoryRecord{ID: "st", FirstSource: "sana", Sources: []store.SourceRef{
				{SourceID: "bbc"}, {SourceID: "sana"}, {SourceID: "reuters"}, {SourceID: "bbc"},
			}})
			if tc.fail != nil {
				u.tg.failEdits(tc.fail)
			}
			u.st.scheduleEdit("st")
			wait.For(t, "the edit's outcome", func() bool { return u.m.getEdited(tc.outcome) == 1 })
			msgs := u.tg.messages(chat)
			if len(msgs) != 1 {
				t.Fatalf("%d messages, want 1", len(msgs))
			}
			want, edits := wantText(d, "en"), 0
			if tc.wantText {
				want, edits = wantText(d, "en", "BBC Arabic", "Reuters"), 1
			}
			if msgs[0].Text != want || msgs[0].edits != edits {
				t.Errorf("message edited %d times to\n%q\nwant %d times to\n%q", msgs[0].edits, msgs[0].Text, edits, want)
			}
			var wantPenalties []penalty
			if tc.wantPenalty {
				wantPenalties = []penalty{{chat, 2 * time.Second}}
			}
			if got := u.st.penalizedCalls(); !slices.Equal(got, wantPenalties) {
				t.Errorf("penalties %v, want %v", got, wantPenalties)
			}
		})
	}
}

// TestUnitLeaseLoss: when another instance takes a partition's lease, its
// entries in memory are forgotten, not sent; they stay pending and are
// sent once, by whoever holds the lease next.
func TestUnitLeaseLoss(t *testing.T) {
	t.Parallel()
	u := newUnit(t, 1, Options{LeaseTTL: 30 * time.Millisecond})
	const chat = 81
	u.st.subscribe("ar", chat)
	// The chat waits: its entries are read and held in memory.
	if err := u.st.Penalize(t.Context(), chat, time.Hour); err != nil {
		t.Fatal(err)
	}
	a, b := testDelivery(chat, "a", true), testDelivery(chat, "b", false)
	u.st.enqueue(a, b)
	u.start()
	wait.For(t, "both entries in memory", func() bool { return u.s.queued(chat) == 2 })

	u.st.holdLease(0, "other")
	wait.For(t, "the partition and its entries dropped", func() bool {
		return u.s.partitionsHeld() == 0 && u.s.queued(chat) == 0
	})
	if n := len(u.tg.callsTo(chat)); n != 0 {
		t.Fatalf("%d sends before the lease was lost, want 0", n)
	}
	if got := u.st.pending(); got != 2 {
		t.Errorf("%d entries pending after the loss, want 2", got)
	}

	u.st.liftPenalties()
	u.st.holdLease(0, "")
	wait.For(t, "the entries sent by the next holder", func() bool { return u.st.pending() == 0 })
	if got, want := u.tg.texts(chat), wantTexts("ar", a, b); !slices.Equal(got, want) {
		t.Errorf("sent %q, want a then b, once each", got)
	}
}

// queued counts the entries of chat held in memory.
func (s *Sender) queued(chat int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chat]
	if c == nil {
		return 0
	}
	return len(c.q[classUrgent]) + len(c.q[classNormal])
}

// liftPenalties ends every penalty.
func (f *fakeStore) liftPenalties() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.penalties)
}

// TestUnitPenalizedChatHoldsOnlyItself: a chat's short 429 holds that
// chat back, not the others; a long one (retry_after ≥ 5 s) holds every
// chat.
func TestUnitPenalizedChatHoldsOnlyItself(t *testing.T) {
	t.Parallel()
	u := newUnit(t, 1, Options{})
	const slow, fast = 91, 92
	u.st.subscribe("ar", slow, fast)
	u.tg.failChat(slow, tooManyRequests(4))
	u.st.enqueue(testDelivery(slow, "a", true))
	u.start()
	wait.For(t, "the 429", func() bool { return len(u.tg.callsTo(slow)) == 1 })
	u.st.enqueue(testDelivery(fast, "a", true), testDelivery(fast, "b", true))
	wait.For(t, "the other chat's alerts", func() bool { return len(u.tg.texts(fast)) == 2 })
	if got := len(u.tg.callsTo(slow)); got != 1 {
		t.Errorf("%d sends to the penalized chat within its retry_after, want 1", got)
	}
	if got, want := u.st.penalizedCalls(), []penalty{{slow, 4 * time.Second}}; !slices.Equal(got, want) {
		t.Errorf("penalties %v, want %v", got, want)
	}
}

func TestUnitLongRetryAfterIsGlobal(t *testing.T) {
	t.Parallel()
	u := newUnit(t, 1, Options{})
	const chat = 93
	u.st.subscribe("ar", chat)
	u.tg.failChat(chat, tooManyRequests(3600))
	u.st.enqueue(testDelivery(chat, "a", true))
	u.start()
	wait.For(t, "the 429", func() bool { return len(u.st.penalizedCalls()) == 1 })
	if got, want := u.st.penalizedCalls(), []penalty{{0, time.Hour}}; !slices.Equal(got, want) {
		t.Errorf("penalties %v, want %v (every chat)", got, want)
	}
}
