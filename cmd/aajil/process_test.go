package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// The tests in this file run `aajil run` as separate processes (built
// once per test binary), so that one can be killed with SIGKILL half way
// through its work, or several can share one Redis as in production.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// aajilBinary builds cmd/aajil once into a temporary directory.
func aajilBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "aajil-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "aajil")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is a running `aajil run`.
type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	err    error
}

// startAajil starts `aajil run` with env (and nothing else of the test's
// environment but PATH and HOME).
func startAajil(t *testing.T, name string, env map[string]string) *proc {
	t.Helper()
	cmd := exec.Command(aajilBinary(t), "run")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{t: t, name: name, cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	cmd.Stdout = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", name, lastLines(p.stderr.String(), 40))
		}
	})
	return p
}

// kill stops the process abruptly, as a crash would.
func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and returns the exit code and how long the process
// took to exit.
func (p *proc) stop(within time.Duration) (int, time.Duration) {
	p.t.Helper()
	start := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(within):
		p.t.Errorf("%s did not exit within %v of SIGTERM", p.name, within)
		p.cmd.Process.Kill()
		<-p.done
	}
	code := 0
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		code = exit.ExitCode()
	}
	return code, time.Since(start)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// redisDB returns the test Redis URL on database db, emptied, so that a
// test's processes (which use the default key prefix) share nothing with
// other tests.
func redisDB(t *testing.T, db int) (string, *store.Store) {
	t.Helper()
	u, err := url.Parse(os.Getenv("AAJIL_TEST_REDIS_URL"))
	if err != nil || u.Host == "" {
		t.Fatalf("test Redis URL %q: %v", os.Getenv("AAJIL_TEST_REDIS_URL"), err)
	}
	u.Path = fmt.Sprintf("/%d", db)
	st, err := store.Open(context.Background(), u.String(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opt, err := redis.ParseURL(u.String())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	return u.String(), st
}

// switchFeed serves an RSS document whose items the test changes.
type switchFeed struct {
	srv   *httptest.Server
	mu    sync.Mutex
	items []feedItem
	polls int
	// times are when each request came; after request switchAt, the
	// items become next (see then).
	times    []time.Time
	switchAt int
	next     []feedItem
}

type feedItem struct{ id, title string }

func newSwitchFeed(t *testing.T, items ...feedItem) *switchFeed {
	f := &switchFeed{items: items}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.polls++
		f.times = append(f.times, time.Now())
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>`)
		for _, it := range f.items {
			fmt.Fprintf(&b, "<item><title>%s</title><link>https://news.example/%s</link><guid>%s</guid><pubDate>%s</pubDate></item>",
				html.EscapeString(it.title), it.id, it.id, time.Now().UTC().Format(time.RFC1123Z))
		}
		b.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write([]byte(b.String()))
		if f.polls == f.switchAt {
			f.items = f.next
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// then makes the feed serve items once request n has been answered: news
// published right after that request.
func (f *switchFeed) then(n int, items ...feedItem) {
	f.mu.Lock()
	f.switchAt, f.next = n, items
	f.mu.Unlock()
}

// requestTimes returns when each request came.
func (f *switchFeed) requestTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.times)
}

func (f *switchFeed) set(items ...feedItem) {
	f.mu.Lock()
	f.items = items
	f.mu.Unlock()
}

func (f *switchFeed) pollCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polls
}

// fanout prepares n subscribers without rules (each gets every urgent
// item) on st, chat ids from base.
func fanout(t *testing.T, st *store.Store, base int64, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range int64(n) {
		lang := "ar"
		if i%2 == 1 {
			lang = "en"
		}
		sub := store.Subscriber{ChatID: base + i, Type: "private", Lang: lang, Mode: "urgent", Active: true}
		if err := st.PutSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
}

// fanoutWorld sets up a fan-out of processes sending 100 messages a
// second: a fake Telegram with its per-chat limit and a little more than
// that overall, chats subscribers without rules (chat ids from base) on
// Redis database db, and a feed with one old item. It returns the fake,
// the feed and the processes' environment.
func fanoutWorld(t *testing.T, db int, base int64, chats int) (*telegramtest.Fake, *switchFeed, map[string]string) {
	t.Helper()
	fake := telegramtest.New(t, telegramtest.Options{Limits: telegramtest.Limits{
		// 100 msg/s overall (the rate the processes are configured for,
		// as for a paid broadcast) and Telegram's per-chat limits.
		Overall:     telegramtest.Limit{N: 110, Per: time.Second},
		PrivateChat: telegramtest.Limit{N: 1, Per: time.Second},
	}})
	redisURL, st := redisDB(t, db)
	fanout(t, st, base, chats)
	feed := newSwitchFeed(t, feedItem{"old-1", "Markets open higher in Damascus"})
	env := processEnv(t, redisURL, feed.srv.URL, fake.Token(), fake.Endpoint(), "AAJIL_TELEGRAM_RATE", "100")
	return fake, feed, env
}

// processEnv is the environment of an `aajil run` process of these tests.
func processEnv(t *testing.T, redisURL, feedURL, token, endpoint string, extra ...string) map[string]string {
	t.Helper()
	env := map[string]string{
		"AAJIL_CONFIG":                writeConfig(t, "sources:\n  - id: wire\n    name: Wire\n    url: "+feedURL+"/feed\n    interval: 1s\n"),
		"AAJIL_ALLOW_PRIVATE_SOURCES": "true",
		"AAJIL_REDIS_URL":             redisURL,
		"AAJIL_TELEGRAM_TOKEN":        token,
		"AAJIL_TELEGRAM_API":          endpoint,
		"AAJIL_HTTP_ADDR":             "127.0.0.1:0",
		"AAJIL_LOG_FORMAT":            "json",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}
