package main

import (
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store/storetest"
)

// stoppedRedis starts a redis-server and stops it at once, for a test
// that starts it again when it wants: its URL refuses connections until
// then.
func stoppedRedis(t *testing.T) *storetest.Server {
	t.Helper()
	srv, err := storetest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	if !srv.Real() {
		t.Skip("needs a redis-server process to stop and start")
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	return srv
}

// countLines counts the log lines holding s.
func countLines(log, s string) int {
	n := 0
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// TestRunWaitsForRedis: `aajil run` started before its Redis keeps trying,
// says so once, and starts and polls when Redis comes up; go-redis's own
// lines come through the structured logger.
func TestRunWaitsForRedis(t *testing.T) {
	t.Parallel()
	srv := stoppedRedis(t)
	feed := newSwitchFeed(t, feedItem{"w1", "Markets open"})
	env := processEnv(t, srv.URL(), feed.srv.URL, "", "", "AAJIL_REDIS_WAIT", "5m", "AAJIL_LOG_LEVEL", "debug")
	p := startAajil(t, "late-redis", env)

	// The first ping fails, and then several more (go-redis logs each
	// failed dial), before Redis comes up.
	wait.Within(t, time.Minute, "three failed dials logged after the waiting line", func() bool {
		_, after, ok := strings.Cut(p.stderr.String(), "redis not reachable yet")
		return ok && countLines(after, `"msg":"go-redis"`) >= 3
	})
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	wait.Within(t, time.Minute, "aajil running", func() bool { return strings.Contains(p.stderr.String(), `"msg":"aajil running"`) })
	wait.Within(t, time.Minute, "the feed polled", func() bool { return feed.pollCount() > 0 })
	if code, _ := p.stop(15 * time.Second); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}

	log := p.stderr.String()
	if n := countLines(log, "redis not reachable yet"); n != 1 {
		t.Errorf("%d lines say redis is not reachable yet, want 1", n)
	}
	if n := countLines(log, `"msg":"redis reachable"`); n != 1 {
		t.Errorf("%d lines say redis is reachable, want 1", n)
	}
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		if !strings.HasPrefix(l, "{") {
			t.Errorf("log line not structured: %q", l)
		}
	}
}

// TestRunGivesUpOnRedis: with no Redis ever, `aajil run` exits 1 once the
// configured wait is over (the flag overriding the variable), saying why.
func TestRunGivesUpOnRedis(t *testing.T) {
	t.Parallel()
	srv := stoppedRedis(t)
	feed := newSwitchFeed(t)
	env := processEnv(t, srv.URL(), feed.srv.URL, "", "", "AAJIL_REDIS_WAIT", "10m")
	code, _, errOut := runCLI(t, env, "run", "--redis-wait", "2s")
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{"redis not reachable yet", "not reachable within 2s", "connection refused"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("log does not say %q:\n%s", want, errOut)
		}
	}
	if n := countLines(errOut, "redis not reachable yet"); n != 1 {
		t.Errorf("%d lines say redis is not reachable yet, want 1", n)
	}
	if feed.pollCount() != 0 {
		t.Errorf("the feed was polled %d times without Redis, want 0", feed.pollCount())
	}
}
