package bot

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestFloodGuard(t *testing.T) {
	t0 := testEpoch
	type step struct {
		user int64
		at   time.Duration // after t0
		want floodVerdict
	}
	burst := func(user int64, at time.Duration, n int) []step {
		var s []step
		for range n {
			s = append(s, step{user, at, floodAllow})
		}
		return s
	}
	tests := map[string][]step{
		"burst then warn then silence": append(burst(1, 0, 5),
			step{1, 0, floodWarn}, step{1, 0, floodDrop}, step{1, 500 * time.Millisecond, floodDrop}),
		"one token a second": append(burst(1, 0, 5),
			step{1, 0, floodWarn}, step{1, time.Second, floodAllow}, step{1, time.Second, floodDrop},
			step{1, 2 * time.Second, floodAllow}),
		"warned again only after a full refill": append(append(burst(1, 0, 5), step{1, 0, floodWarn}),
			append(burst(1, 10*time.Second, 5), step{1, 10 * time.Second, floodWarn})...),
		"users are independent": append(append(burst(1, 0, 5), step{1, 0, floodWarn}),
			append(burst(2, 0, 5), step{2, 0, floodWarn}, step{1, 0, floodDrop})...),
		"clock going back is harmless": append(burst(1, time.Minute, 5),
			step{1, 0, floodWarn}, step{1, time.Minute, floodDrop}),
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) {
			g := newFloodGuard(5, 1)
			for i, s := range steps {
				if got := g.check(s.user, t0.Add(s.at)); got != s.want {
					t.Fatalf("step %d (user %d at %v): got %v, want %v", i, s.user, s.at, got, s.want)
				}
			}
		})
	}
}

func TestFloodGuardForgetsIdleUsers(t *testing.T) {
	g := newFloodGuard(5, 1)
	for id := range int64(100) {
		g.check(id, testEpoch)
	}
	g.check(1000, testEpoch.Add(2*time.Minute))
	g.mu.Lock()
	n := len(g.buckets)
	g.mu.Unlock()
	if n != 1 {
		t.Errorf("buckets after the idle ones refilled = %d, want 1", n)
	}
}

// helpUpdate is a /help from a user in their private chat.
func helpUpdate(id int, user int64) tgbotapi.Update {
	return tgbotapi.Update{UpdateID: id, Message: &tgbotapi.Message{
		MessageID: id,
		From:      &tgbotapi.User{ID: user, FirstName: "U", LanguageCode: "en"},
		Chat:      &tgbotapi.Chat{ID: user, Type: "private"},
		Text:      "/help",
	}}
}

func TestFloodFromOneUserDoesNotReachAnother(t *testing.T) {
	h := newHarness(t, Options{FloodBurst: 5, FloodRate: 1})
	const flooder, other = 301, 302
	// The flooder sends 40 commands at once, from several goroutines as
	// a concurrent poller would hand them over; the other user's command
	// arrives in the middle of it.
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() { h.bot.HandleUpdate(context.Background(), helpUpdate(i+1, flooder)) })
		if i == 20 {
			wg.Go(func() { h.bot.HandleUpdate(context.Background(), helpUpdate(1000, other)) })
		}
	}
	wg.Wait()
	if errs := h.logs.take(); len(errs) > 0 {
		t.Fatalf("logged errors: %q", errs)
	}

	if got := h.fake.Sent(other); len(got) != 1 || got[0].Text != T(LangEN, MsgHelp) {
		t.Errorf("other user's replies = %d, want the help", len(got))
	}
	var texts []string
	for _, m := range h.fake.Sent(flooder) {
		texts = append(texts, m.Text)
	}
	want := []string{T(LangEN, MsgHelp), T(LangEN, MsgHelp), T(LangEN, MsgHelp), T(LangEN, MsgHelp), T(LangEN, MsgHelp), T(LangEN, MsgFlood)}
	slices.Sort(texts)
	slices.Sort(want)
	if !slices.Equal(texts, want) {
		t.Errorf("flooder's replies = %d messages, want 5 answers and one warning:\n got %q", len(texts), texts)
	}

	// A second later one more command gets through.
	h.clock.Advance(time.Second)
	h.bot.HandleUpdate(context.Background(), helpUpdate(2000, flooder))
	if got := len(h.fake.Sent(flooder)); got != len(want)+1 {
		t.Errorf("flooder's replies after a second = %d, want %d", got, len(want)+1)
	}
}
