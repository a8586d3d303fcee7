package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aajil/aajil/bot"
	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// BenchmarkRepliesUnderFloodAndFanout measures how long users wait for a
// command's reply while one user floods the bot with 100 (or 30) commands at once
// and a 10,000-chat fan-out runs, all under Telegram's limits (enforced
// by the fake) and the default send limits: 60 other users each send one
// /help, one every 250 ms, and the time from their command to the fake
// receiving the reply is reported as p50, p99 and max. It takes about a
// minute, so run it on demand only:
//
//	go test -run '^$' -bench BenchmarkRepliesUnderFloodAndFanout -benchtime 1x -timeout 30m ./delivery/
func BenchmarkRepliesUnderFloodAndFanout(b *testing.B) {
	for _, flood := range []int{100, 30} {
		b.Run(fmt.Sprintf("flood-%d", flood), func(b *testing.B) {
			for range b.N {
				repliesUnderLoad(b, flood)
			}
		})
	}
}

// repliesUnderLoad runs the benchmark once with a flood of that many
// commands.
func repliesUnderLoad(b *testing.B, flood int) {
	b.StopTimer()
	const (
		fanoutChats = 10_000
		users       = 60
		userGap     = 250 * time.Millisecond
	)
	h := newSenderHarness(b, telegramtest.Options{Limits: telegramtest.TelegramLimits()})
	ids := make([]int64, fanoutChats)
	all := make([]store.Delivery, fanoutChats)
	for i := range fanoutChats {
		ids[i] = int64(1_000_000 + i)
		all[i] = testDelivery(ids[i], "fanout", true)
	}
	h.subscribe("ar", ids...)
	h.enqueue(all...)
	m := newTestMetrics()
	quiet := slog.New(slog.DiscardHandler)
	s := h.sender(Options{Metrics: m, Instance: "bench", Logger: quiet})
	bt := bot.New(h.api, h.st, bot.Options{Limiter: s, Logger: quiet})
	stopSender := h.start(s)
	defer stopSender()
	wait.Within(b, time.Minute, "the fan-out under way", func() bool { return m.get("sent") >= 100 })

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bot.NewPoller(h.api, h.st, bt, bot.PollerOptions{Holder: "bench", PollTimeout: time.Second, Logger: quiet}).Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()

	b.StartTimer()
	flooder := telegramtest.User{ID: 900, FirstName: "Flood", LanguageCode: "en"}
	for range flood {
		h.fake.SendText(telegramtest.PrivateChat(flooder.ID), flooder, "/help")
	}
	sentAt := make([]time.Time, users)
	tick := time.NewTicker(userGap)
	defer tick.Stop()
	for i := range users {
		u := telegramtest.User{ID: int64(500 + i), FirstName: "User", LanguageCode: "en"}
		sentAt[i] = time.Now()
		h.fake.SendText(telegramtest.PrivateChat(u.ID), u, "/help")
		<-tick.C
	}
	lat := make([]time.Duration, users)
	wait.Within(b, 20*time.Minute, "every user answered", func() bool {
		for i := range users {
			got := h.fake.Sent(int64(500 + i))
			if len(got) == 0 {
				return false
			}
			lat[i] = got[0].SentAt.Sub(sentAt[i])
		}
		return true
	})
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(int(p*float64(users)), users-1)] }
	b.ReportMetric(float64(pct(0.50).Milliseconds()), "p50_ms")
	b.ReportMetric(float64(pct(0.99).Milliseconds()), "p99_ms")
	b.ReportMetric(float64(lat[users-1].Milliseconds()), "max_ms")
	b.ReportMetric(float64(len(h.fake.Sent(flooder.ID))), "flood_replies")
	b.ReportMetric(float64(m.get("sent")), "alerts_sent")
	b.ReportMetric(float64(h.fake.StatusCount("sendMessage", http.StatusTooManyRequests)), "429s")
}
