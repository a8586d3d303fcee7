package store_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func TestOpenAndPing(t *testing.T) {
	s := storetest.Open(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	tests := map[string]string{
		"not a url":       "localhost:6379",
		"wrong scheme":    "http://localhost:6379",
		"nothing listens": "redis://127.0.0.1:1/0",
	}
	for name, url := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := store.Open(context.Background(), url, store.Options{})
			if err == nil {
				t.Fatalf("Open(%q) succeeded, want an error", url)
			}
		})
	}
}

func TestOpenRedactsPassword(t *testing.T) {
	_, err := store.Open(context.Background(), "redis://user:s3cret@127.0.0.1:1/0", store.Options{})
	if err == nil {
		t.Fatal("Open succeeded, want an error")
	}
	if got := err.Error(); strings.Contains(got, "s3cret") {
		t.Errorf("error %q leaks the password", got)
	}
}

// openEmbedded starts an embedded server and opens a Store on it, both
// closed when the test ends.
func openEmbedded(t *testing.T) *store.Store {
	t.Helper()
	e, err := store.StartEmbedded(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	s, err := store.Open(context.Background(), e.URL(), store.Options{})
	if err != nil {
		t.Fatalf("Open(embedded): %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestEmbedded(t *testing.T) {
	s := openEmbedded(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// The embedded server expires keys with the wall clock, as Redis does.
func TestEmbeddedExpiresKeys(t *testing.T) {
	s := openEmbedded(t)
	ctx := context.Background()
	const ttl = 200 * time.Millisecond
	if token, _, err := s.TelegramLease("a", ttl).Take(ctx); token == 0 || err != nil {
		t.Fatalf("Take = %d, %v", token, err)
	}
	// Within its TTL and a few expiry ticks of the embedded server.
	wait.Within(t, ttl+10*store.EmbeddedExpiryTick+time.Second, "the lease to expire", func() bool {
		holder, err := s.LeaseHolder(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return holder == ""
	})
}
