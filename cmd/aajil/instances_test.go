package main

import (
	"bufio"
	"maps"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// TestTwoInstancesShareTheWork: two `aajil run` processes on one Redis.
// Both send (the outbox partitions are shared), the source is polled by
// one at a time, every alert is delivered once, and killing one loses
// nothing: the other takes its partitions and its source over, and
// alerts a story published after the crash.
//
// The instances are processes, and time passes in the fake Telegram's
// limits, the Redis leases and the feed's 1 s interval, over real
// sockets: testing/synctest cannot advance a bubble's clock while its
// goroutines wait on network I/O, and cannot reach into another process.
// The test waits on what it observes instead (readiness, metrics,
// messages, polls) and never sleeps; its floor is the work itself, 1,200
// sends at 100 a second.
func TestTwoInstancesShareTheWork(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several aajil processes; not in -short")
	}
	// Separate processes, a Redis database of its own, a fake of its own:
	// it runs beside the other multi-process test.
	t.Parallel()
	const (
		chats = 300
		base  = int64(200_000)
	)
	fake, feed, env := fanoutWorld(t, 2, base, chats)
	addrA, addrB := freeAddr(t), freeAddr(t)
	envA, envB := maps.Clone(env), maps.Clone(env)
	envA["AAJIL_HTTP_ADDR"], envB["AAJIL_HTTP_ADDR"] = addrA, addrB

	a := startAajil(t, "instance A", envA)
	b := startAajil(t, "instance B", envB)
	wait.Within(t, 20*time.Second, "both instances ready", func() bool {
		return httpStatus("http://"+addrA+"/readyz") == 200 && httpStatus("http://"+addrB+"/readyz") == 200
	})
	// The two share the outbox partitions: 4 each.
	wait.Within(t, 30*time.Second, "the partitions shared", func() bool {
		return metricValue(t, addrA, "aajil_outbox_partitions_held") == 4 && metricValue(t, addrB, "aajil_outbox_partitions_held") == 4
	})
	// With one source at a 1 s interval and two instances, the lease
	// keeps the polls near one a second, not two: six polls take five
	// intervals or more (two instances polling each on its own would
	// take about three).
	start, began := feed.pollCount(), time.Now()
	wait.Within(t, 20*time.Second, "six more polls", func() bool { return feed.pollCount() >= start+6 })
	if took := time.Since(began); took < 4*time.Second {
		t.Errorf("six polls of a 1s source by two instances took %v, want at least 4s (one instance at a time)", took.Round(time.Millisecond))
	}

	// Three urgent stories: 900 deliveries.
	feed.set(feedItem{"old-1", "Markets open higher in Damascus"},
		feedItem{"n1", "عاجل | انفجار في مرفأ اللاذقية وأنباء عن إصابات"},
		feedItem{"n2", "BREAKING: Earthquake of magnitude 6.1 strikes off the coast of Crete"},
		feedItem{"n3", "عاجل: إغلاق مطار دمشق الدولي أمام الرحلات حتى إشعار آخر"})
	wait.Within(t, 60*time.Second, "a third of the alerts", func() bool { return fake.SentCount() >= chats })
	sentA, sentB := metricValue(t, addrA, `aajil_deliveries_total{outcome="sent"}`), metricValue(t, addrB, `aajil_deliveries_total{outcome="sent"}`)
	t.Logf("before the crash: instance A sent %v, instance B sent %v", sentA, sentB)
	if sentA == 0 || sentB == 0 {
		t.Errorf("instance A sent %v and B %v: want both to share the work", sentA, sentB)
	}
	a.kill()
	// A story published after the crash: whichever instance held the
	// source's lease, the survivor polls it (within two intervals).
	feed.set(feedItem{"old-1", "Markets open higher in Damascus"},
		feedItem{"n1", "عاجل | انفجار في مرفأ اللاذقية وأنباء عن إصابات"},
		feedItem{"n2", "BREAKING: Earthquake of magnitude 6.1 strikes off the coast of Crete"},
		feedItem{"n3", "عاجل: إغلاق مطار دمشق الدولي أمام الرحلات حتى إشعار آخر"},
		feedItem{"n4", "BREAKING: Central bank raises interest rates by half a point"})
	const want = 4 * chats
	wait.Within(t, 60*time.Second, "every alert delivered", func() bool { return fake.SentCount() >= want && everyChatGot(fake, base, chats, 4) })
	// Once B has stopped, nothing more can be sent: the count below is
	// final.
	if code, took := b.stop(10 * time.Second); code != 0 {
		t.Errorf("instance B: exit %d after %v, want 0", code, took)
	}
	total := fake.SentCount()
	t.Logf("%d messages for %d deliveries: %d duplicates", total, want, total-want)
	if !everyChatGot(fake, base, chats, 4) {
		t.Errorf("not every chat got the 4 alerts")
	}
	if dups := total - want; dups < 0 || dups > senderWorkers {
		t.Errorf("duplicates = %d, want at most the %d sends in flight at the crash", dups, senderWorkers)
	}
	if n := tooMany(fake); n != 0 {
		t.Errorf("the fake answered 429 %d times, want 0", n)
	}
}

// everyChatGot reports whether each chat got at least n messages.
func everyChatGot(fake *telegramtest.Fake, base int64, chats, n int) bool {
	for i := range int64(chats) {
		if len(fake.Sent(base+i)) < n {
			return false
		}
	}
	return true
}

// freeAddr returns a free loopback address.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func httpStatus(url string) int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// metricValue reads one sample of the process's /metrics; 0 when absent.
func metricValue(t *testing.T, addr, sample string) float64 {
	t.Helper()
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Errorf("metrics of %s: %v", addr, err)
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Errorf("metric %s = %q: %v", sample, v, err)
			}
			return f
		}
	}
	return 0
}
