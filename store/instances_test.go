package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// TestHeartbeat checks the live instance list: two instances live, one
// stops heartbeating and is gone after its ttl, one leaves and is gone at
// once.
func TestHeartbeat(t *testing.T) {
	prefix := storetest.Prefix()
	a := openOpts(t, store.Options{Prefix: prefix})
	b := openOpts(t, store.Options{Prefix: prefix})
	ctx := t.Context()
	beat := func(s *store.Store, name string, ttl time.Duration) []string {
		t.Helper()
		live, err := s.Heartbeat(ctx, name, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return live
	}
	if got, want := beat(a, "sender-b", time.Hour), []string{"sender-b"}; !slices.Equal(got, want) {
		t.Errorf("first heartbeat: %v, want %v", got, want)
	}
	if got, want := beat(b, "sender-a", time.Hour), []string{"sender-a", "sender-b"}; !slices.Equal(got, want) {
		t.Errorf("second instance: %v, want %v", got, want)
	}
	const short = 50 * time.Millisecond
	if got, want := beat(b, "sender-c", short), []string{"sender-a", "sender-b", "sender-c"}; !slices.Equal(got, want) {
		t.Errorf("third instance: %v, want %v", got, want)
	}
	// The key lives as long as the longest heartbeat.
	if ttl, err := a.Redis().PTTL(ctx, prefix+"{instances}").Result(); err != nil || ttl <= time.Hour-time.Minute {
		t.Errorf("PTTL = %v, %v; want about 1h", ttl, err)
	}
	// sender-c, no longer beating, drops out once its ttl has passed.
	wait.Within(t, 5*time.Second, "sender-c to drop out after its ttl", func() bool {
		return slices.Equal(beat(a, "sender-b", time.Hour), []string{"sender-a", "sender-b"})
	})
	if err := b.Leave(ctx, "sender-a"); err != nil {
		t.Fatal(err)
	}
	if got, want := beat(a, "sender-b", time.Hour), []string{"sender-b"}; !slices.Equal(got, want) {
		t.Errorf("after sender-a left: %v, want %v", got, want)
	}
}

// TestHeartbeatInvalid checks the argument errors.
func TestHeartbeatInvalid(t *testing.T) {
	s := storetest.Open(t)
	if _, err := s.Heartbeat(t.Context(), "", time.Second); err == nil {
		t.Error("empty name: no error")
	}
	if _, err := s.Heartbeat(t.Context(), "a", 0); err == nil {
		t.Error("zero ttl: no error")
	}
}
