package delivery

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// BenchmarkFanout sends one urgent story to 10,000 private chats: under
// Telegram's limits (enforced by the fake) with the default limits, and
// with the global limit raised to 1,000 msg/s and no limits in the fake,
// to measure the sender's own cost; and under Telegram's limits again
// with media on in half the chats and a picture on the story, so that
// half the alerts go as photos (sendPhoto, counted by the fake like
// sendMessage). Each run under Telegram's limits takes about six minutes
// (10,000 messages at 28.5 msg/s), so run them on demand only:
//
//	go test -run '^$' -bench BenchmarkFanout -benchtime 1x -timeout 30m ./delivery/
func BenchmarkFanout(b *testing.B) {
	for _, tc := range []struct {
		name      string
		fake      telegramtest.Options
		global    store.Limit
		media     bool
		noButtons bool
	}{
		{"telegram-limits", telegramtest.Options{Limits: telegramtest.TelegramLimits()}, store.Limit{}, false, false},
		{"telegram-limits-media", telegramtest.Options{Limits: telegramtest.TelegramLimits()}, store.Limit{}, true, false},
		{"global-1000", telegramtest.Options{}, store.Limit{Interval: time.Millisecond, Burst: 1}, false, false},
		// The sender's own capacity: a limit it cannot reach here.
		{"global-5000", telegramtest.Options{}, store.Limit{Interval: 200 * time.Microsecond, Burst: 1}, false, false},
		// The same without the alerts' buttons (/buttons off in every
		// chat), to tell what the keyboard costs.
		{"global-5000-nobuttons", telegramtest.Options{}, store.Limit{Interval: 200 * time.Microsecond, Burst: 1}, false, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				fanout(b, 10_000, tc.fake, tc.global, tc.media, tc.noButtons)
			}
		})
	}
}

// fanout delivers one story to chats private chats and reports the rate,
// the 429s received and the CPU time per message. With media, every
// other chat has media on and the story a picture: those chats get a
// photo. With noButtons, every chat has /buttons off.
func fanout(b *testing.B, chats int, fopts telegramtest.Options, global store.Limit, media, noButtons bool) {
	b.StopTimer()
	h := newSenderHarness(b, fopts)
	ids := make([]int64, chats)
	all := make([]store.Delivery, chats)
	for i := range chats {
		ids[i] = int64(1_000_000 + i)
		all[i] = testDelivery(ids[i], "fanout", true)
		if media {
			all[i].Image = "https://cdn.sananews.sy/2026/03/0P3A6264-1024x683.jpg"
		}
	}
	for i, id := range ids {
		sub := store.Subscriber{ChatID: id, Type: "private", Lang: "ar", Active: true, NoButtons: noButtons, Media: media && i%2 == 0}
		if err := h.st.PutSubscriber(context.Background(), sub); err != nil {
			b.Fatal(err)
		}
	}
	h.enqueue(all...)
	m := newTestMetrics()
	s := h.sender(Options{Global: global, Metrics: m, Instance: "bench"})
	var before, after syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &before); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	b.StartTimer()
	stop := h.start(s)
	wait.Within(b, 30*time.Minute, "the fan-out delivered", func() bool { return m.get("sent") >= chats })
	b.StopTimer()
	took := time.Since(start)
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &after); err != nil {
		b.Fatal(err)
	}
	stop()
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	b.ReportMetric(float64(chats)/took.Seconds(), "msgs/s")
	b.ReportMetric(took.Seconds(), "s_total")
	b.ReportMetric(float64(h.fake.StatusCount("", http.StatusTooManyRequests)), "429s")
	if media {
		b.ReportMetric(float64(len(h.fake.Calls("sendPhoto"))), "photos")
	}
	// The fake Bot API and Redis client run in this process too: this is
	// an upper bound on the sender's own cost.
	b.ReportMetric(float64(cpu.Microseconds())/float64(chats), "µs_cpu/msg")
}
