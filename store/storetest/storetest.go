// Package storetest gives tests a real Redis: a redis-server process on a
// free port of 127.0.0.1 (or the server named by AAJIL_TEST_REDIS_URL).
// Where redis-server is not installed, it falls back to the embedded
// in-process server and says so, unless AAJIL_TEST_REQUIRE_REDIS=1 (as in
// CI), which makes that a failure.
//
// Use Main from TestMain to share one server across a package's tests,
// and Open in each test to get a Store with a key prefix of its own, so
// tests never see each other's keys.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
)

const (
	envURL      = "AAJIL_TEST_REDIS_URL"
	envEmbedded = "AAJIL_TEST_REDIS_EMBEDDED"
	envRequire  = "AAJIL_TEST_REQUIRE_REDIS"
)

// Main runs a package's tests with one shared Redis: it starts a server
// unless AAJIL_TEST_REDIS_URL names one, exports its URL in that variable
// for Open, runs the tests and stops the server. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
func Main(m *testing.M) int {
	if os.Getenv(envURL) != "" {
		return m.Run()
	}
	srv, err := Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "storetest: %v\n", err)
		return 1
	}
	defer srv.Stop()
	os.Setenv(envURL, srv.URL())
	if !srv.Real() {
		os.Setenv(envEmbedded, "1")
	}
	return m.Run()
}

// Embedded reports whether the shared test Redis of Main is the embedded
// server rather than a redis-server process. The embedded server expires
// keys on a clock that moves in ticks (store.EmbeddedExpiryTick), so a key
// may go up to a tick early, and it lacks a few Redis 7 replies; tests
// that depend on those read this.
func Embedded() bool { return os.Getenv(envEmbedded) == "1" }

// Open returns a Store on the shared test Redis with a fresh key prefix,
// closed when the test ends.
func Open(tb testing.TB) *store.Store {
	tb.Helper()
	url := os.Getenv(envURL)
	if url == "" {
		tb.Fatal("storetest: no test Redis: call storetest.Main from TestMain")
	}
	return OpenURL(tb, url)
}

// OpenURL returns a Store on the Redis at url with a fresh key prefix.
func OpenURL(tb testing.TB, url string) *store.Store {
	tb.Helper()
	return openURL(tb, url, store.Options{})
}

// OpenWith is Open with opts (its Prefix replaced by a fresh one).
func OpenWith(tb testing.TB, opts store.Options) *store.Store {
	tb.Helper()
	url := os.Getenv(envURL)
	if url == "" {
		tb.Fatal("storetest: no test Redis: call storetest.Main from TestMain")
	}
	return openURL(tb, url, opts)
}

func openURL(tb testing.TB, url string, opts store.Options) *store.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	opts.Prefix = Prefix()
	s, err := store.Open(ctx, url, opts)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// Prefix returns a random key prefix, e.g. "t3f9a1c2:".
func Prefix() string {
	var b [4]byte
	rand.Read(b[:])
	return "t" + hex.EncodeToString(b[:]) + ":"
}

// Server is a Redis server for tests: a redis-server process, or the
// embedded server where redis-server is missing.
type Server struct {
	cmd      *exec.Cmd
	port     int
	dir      string
	embedded *store.Embedded
	// persistent: appendonly with fsync always.
	persistent bool
}

// Start starts a server on a free port of 127.0.0.1, without persistence.
func Start() (*Server, error) { return start(false) }

// StartPersistent starts a server that writes every change to its
// append-only file before answering, so that Kill and Restart lose
// nothing, as a production Redis with persistence would.
func StartPersistent() (*Server, error) { return start(true) }

func start(persistent bool) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(envRequire) == "1" {
			return nil, fmt.Errorf("redis-server is not on the PATH and %s=1", envRequire)
		}
		fmt.Fprintln(os.Stderr, "storetest: redis-server not found; falling back to the embedded in-process server (install redis-server to test against a real one)")
		e, err := store.StartEmbedded(nil)
		if err != nil {
			return nil, err
		}
		return &Server{embedded: e}, nil
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "aajil-redis-")
	if err != nil {
		return nil, err
	}
	s := &Server{port: port, dir: dir, persistent: persistent}
	if err := s.startProcess(bin); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func (s *Server) startProcess(bin string) error {
	aof := []string{"--appendonly", "no"}
	if s.persistent {
		aof = []string{"--appendonly", "yes", "--appendfsync", "always"}
	}
	args := append([]string{
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--dir", s.dir,
		"--logfile", filepath.Join(s.dir, "redis.log")}, aof...)
	s.cmd = exec.Command(bin, args...)
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", s.addr(), 100*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	return fmt.Errorf("redis-server on %s did not start within 10s", s.addr())
}

func (s *Server) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Real reports whether this is a redis-server process (not the embedded
// fallback).
func (s *Server) Real() bool { return s.embedded == nil }

// URL is the server's redis:// URL.
func (s *Server) URL() string {
	if s.embedded != nil {
		return s.embedded.URL()
	}
	return "redis://" + s.addr() + "/0"
}

// Kill stops a redis-server process abruptly (SIGKILL), as in an outage;
// Restart starts it again on the same port (with empty memory).
func (s *Server) Kill() error {
	if s.cmd == nil {
		return fmt.Errorf("storetest: Kill needs a redis-server process")
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	return nil
}

// Restart starts the killed redis-server again on the same port.
func (s *Server) Restart() error {
	if s.cmd == nil {
		return fmt.Errorf("storetest: Restart needs a redis-server process")
	}
	return s.startProcess(s.cmd.Path)
}

// Stop stops the server and removes its files.
func (s *Server) Stop() {
	if s.embedded != nil {
		s.embedded.Close()
		return
	}
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
	os.RemoveAll(s.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// OpenInstances returns n Stores on the shared test Redis with one fresh
// key prefix: separate clients seeing the same data, like n instances of
// Aajil sharing one Redis.
func OpenInstances(tb testing.TB, n int) []*store.Store {
	tb.Helper()
	url := os.Getenv(envURL)
	if url == "" {
		tb.Fatal("storetest: no test Redis: call storetest.Main from TestMain")
	}
	prefix := Prefix()
	out := make([]*store.Store, n)
	for i := range out {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s, err := store.Open(ctx, url, store.Options{Prefix: prefix})
		cancel()
		if err != nil {
			tb.Fatalf("storetest: %v", err)
		}
		tb.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out
}
