package delivery

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// shiftedClock is the Sender's clock moved so that it reads at now: it
// still runs, so the engine's timers work, but the wall clock the quiet
// hours see is the test's.
func shiftedClock(at time.Time) func() time.Time {
	offset := time.Until(at)
	return func() time.Time { return time.Now().Add(offset) }
}

func TestSenderQuietHoursInTwoZones(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	ctx := context.Background()
	night := store.Quiet{From: 23 * 60, To: 7 * 60}
	ringUrgent := night
	ringUrgent.Urgent = true
	// 22:30 UTC: 00:30 in Beirut (quiet, across midnight), 17:30 in New
	// York (not quiet).
	now := time.Date(2026, time.January, 10, 22, 30, 0, 0, time.UTC)
	chats := []struct {
		id    int64
		tz    string
		quiet store.Quiet
		// silent by story: urgent "u", normal "n"
		silentU, silentN bool
	}{
		{2001, "Asia/Beirut", night, true, true},
		{2002, "America/New_York", night, false, false},
		{2003, "Asia/Beirut", ringUrgent, false, true},
	}
	var ds []store.Delivery
	for _, c := range chats {
		q := c.quiet
		if err := h.st.PutSubscriber(ctx, store.Subscriber{ChatID: c.id, Type: "private", Lang: "en", Active: true, TZ: c.tz, Quiet: &q}); err != nil {
			t.Fatal(err)
		}
		u, n := testDelivery(c.id, "u", true), testDelivery(c.id, "n", false)
		u.Published, n.Published = now, now
		ds = append(ds, u, n)
	}
	h.enqueue(ds...)
	opts, m := fastOptions()
	opts.Now = shiftedClock(now)
	stop := h.start(h.sender(opts))
	wait.For(t, "6 sent", func() bool { return m.get("sent") == 6 })
	stop()

	for _, c := range chats {
		sent := h.fake.Sent(c.id)
		if len(sent) != 2 {
			t.Fatalf("chat %d: %d messages; want 2", c.id, len(sent))
		}
		loc, _ := time.LoadLocation(c.tz)
		clock := now.In(loc).Format("15:04")
		for _, s := range sent {
			want := c.silentN
			if strings.Contains(s.Text, "BREAKING") {
				want = c.silentU
			}
			if s.DisableNotification != want {
				t.Errorf("chat %d (%s): disable_notification %v; want %v in\n%s", c.id, c.tz, s.DisableNotification, want, s.Text)
			}
			if !strings.Contains(s.Text, clock) {
				t.Errorf("chat %d: want the time %s of %s in\n%s", c.id, clock, c.tz, s.Text)
			}
		}
		hist, err := h.st.History(ctx, c.id, 20)
		if err != nil || len(hist) != 2 || hist[0].Paused {
			t.Errorf("chat %d history: %+v, %v; want the 2 alerts sent", c.id, hist, err)
		}
	}
}

func TestSenderPausedChatKeepsHistory(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	ctx := context.Background()
	const chat = 2101
	if err := h.st.PutSubscriber(ctx, store.Subscriber{ChatID: chat, Type: "private", Lang: "ar", Active: true,
		PausedUntil: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	h.enqueue(testDelivery(chat, "p1", true))
	opts, m := fastOptions()
	stop := h.start(h.sender(opts))
	wait.For(t, "dropped", func() bool { return m.get("dropped") == 1 })
	stop()
	if n := len(h.fake.Sent(chat)); n != 0 {
		t.Errorf("paused chat got %d messages; want 0", n)
	}
	hist, err := h.st.History(ctx, chat, 20)
	if err != nil || len(hist) != 1 || !hist[0].Paused || hist[0].StoryID != "p1" {
		t.Errorf("paused chat history: %+v, %v; want p1, paused", hist, err)
	}
	if d, p := h.depth(); d != 0 || p != 0 {
		t.Errorf("OutboxDepth = %d, %d; want 0, 0", d, p)
	}
}
