package main

import (
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// senderWorkers is the default number of sends in flight at once: the most
// deliveries a crash can leave sent but not recorded.
const senderWorkers = 16

// TestCrashMidFanoutLosesNothing: a fan-out of 1,000 deliveries; the
// process is killed with SIGKILL half way, and a new one delivers the rest.
// A third process is stopped with SIGTERM while sending and hands its work
// back. Every chat gets the alert; duplicates are at most the sends that
// were in flight at the crash.
func TestCrashMidFanoutLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several aajil processes; not in -short")
	}
	// Separate processes, a Redis database of its own, a fake of its own:
	// it runs beside the other multi-process test.
	t.Parallel()
	const (
		chats = 1000
		base  = int64(100_000)
	)
	fake, feed, env := fanoutWorld(t, 1, base, chats)

	a := startAajil(t, "first", env)
	wait.Within(t, 20*time.Second, "baseline poll", func() bool { return feed.pollCount() >= 2 })
	feed.set(feedItem{"old-1", "Markets open higher in Damascus"},
		feedItem{"new-1", "عاجل | انفجار في مرفأ اللاذقية وأنباء عن إصابات"})
	wait.Within(t, 60*time.Second, "half the fan-out", func() bool { return fake.SentCount() >= chats/2 })
	a.kill()
	atKill := fake.SentCount()
	t.Logf("killed the first process after %d messages", atKill)

	// The second process takes the partitions over when the dead one's
	// leases lapse, and is stopped gracefully half way through the rest.
	b := startAajil(t, "second", env)
	wait.Within(t, 60*time.Second, "the second process sending", func() bool { return fake.SentCount() >= atKill+(chats-atKill)/2 })
	code, took := b.stop(10 * time.Second)
	if code != 0 || took > 10*time.Second {
		t.Errorf("SIGTERM while sending: exit %d after %v, want 0 within 10s", code, took)
	}
	atStop := fake.SentCount()
	t.Logf("stopped the second process after %d messages, in %v", atStop, took.Round(time.Millisecond))

	c := startAajil(t, "third", env)
	wait.Within(t, 60*time.Second, "every chat alerted", func() bool { return len(fake.SentChats()) >= chats })
	// Once the third process has stopped, nothing more can be sent: the
	// count below is final.
	c.stop(10 * time.Second)

	total := fake.SentCount()
	dups := total - chats
	t.Logf("%d messages for %d chats: %d duplicates (at most %d sends were in flight at the crash)", total, chats, dups, senderWorkers)
	if got := len(fake.SentChats()); got != chats {
		t.Errorf("chats alerted = %d, want %d", got, chats)
	}
	if dups < 0 || dups > senderWorkers {
		t.Errorf("duplicates = %d, want between 0 and the %d sends in flight", dups, senderWorkers)
	}
	for i := range int64(chats) {
		msgs := fake.Sent(base + i)
		if len(msgs) == 0 {
			continue
		}
		if !strings.Contains(msgs[0].Text, "انفجار في مرفأ اللاذقية") {
			t.Errorf("chat %d got %q, want the alert", base+i, msgs[0].Text)
			break
		}
	}
	if n := tooMany(fake); n != 0 {
		t.Errorf("the fake answered 429 %d times, want 0", n)
	}
}

// tooMany counts the sends the fake refused with 429.
func tooMany(fake *telegramtest.Fake) int {
	n := 0
	for _, c := range fake.Calls("sendMessage") {
		if c.Status == 429 {
			n++
		}
	}
	return n
}
