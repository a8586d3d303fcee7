package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// leaseKinds builds the lease of each kind for holder on a Store: every
// kind runs on the same scripts, so each must behave the same.
func leaseKinds() map[string]func(s *store.Store, holder string, ttl time.Duration) *store.Lease {
	return map[string]func(s *store.Store, holder string, ttl time.Duration) *store.Lease{
		"telegram": func(s *store.Store, holder string, ttl time.Duration) *store.Lease {
			return s.TelegramLease(holder, ttl)
		},
		"source": func(s *store.Store, holder string, ttl time.Duration) *store.Lease {
			return s.SourceLease("sana", holder, ttl)
		},
		"partition": func(s *store.Store, holder string, ttl time.Duration) *store.Lease {
			return s.PartitionLease(0, holder, ttl)
		},
	}
}

// TestLeaseHolders checks take, renew and release between two holders on
// two Stores (two instances), step by step, for every kind of lease.
func TestLeaseHolders(t *testing.T) {
	const ttl = 10 * time.Second
	for kind, lease := range leaseKinds() {
		t.Run(kind, func(t *testing.T) {
			ctx := t.Context()
			ss := storetest.OpenInstances(t, 2)
			a, b := lease(ss[0], "a", ttl), lease(ss[1], "b", ttl)
			take := func(l *store.Lease) func() (bool, error) {
				return func() (bool, error) {
					token, _, err := l.Take(ctx)
					return token > 0, err
				}
			}
			renew := func(l *store.Lease) func() (bool, error) { return func() (bool, error) { return l.Renew(ctx) } }
			release := func(l *store.Lease) func() (bool, error) { return func() (bool, error) { return l.Release(ctx) } }
			steps := []struct {
				name string
				call func() (bool, error)
				want bool
			}{
				{"b cannot renew a lease never taken", renew(b), false},
				{"a takes a free lease", take(a), true},
				{"b cannot take a's lease", take(b), false},
				{"a takes again (extends)", take(a), true},
				{"b cannot renew a's lease", renew(b), false},
				{"a renews", renew(a), true},
				{"b cannot release a's lease", release(b), false},
				{"b still cannot take", take(b), false},
				{"a releases", release(a), true},
				{"a cannot renew a released lease", renew(a), false},
				{"b takes the freed lease", take(b), true},
				{"a cannot release b's lease", release(a), false},
				{"b renews", renew(b), true},
			}
			for _, st := range steps {
				got, err := st.call()
				if err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				if got != st.want {
					t.Fatalf("%s: got %v, want %v", st.name, got, st.want)
				}
			}
		})
	}
}

// TestLeaseFencingTokens checks that each new holder gets a higher token
// than any before it, that extending keeps the token, and that a former
// holder who takes the lease again gets a new one (so its old writes stay
// fenced off).
func TestLeaseFencingTokens(t *testing.T) {
	for kind, lease := range leaseKinds() {
		t.Run(kind, func(t *testing.T) {
			ctx := t.Context()
			s := storetest.Open(t)
			a, b := lease(s, "a", time.Minute), lease(s, "b", time.Minute)
			mustTake := func(l *store.Lease) int64 {
				t.Helper()
				token, _, err := l.Take(ctx)
				if err != nil || token <= 0 {
					t.Fatalf("%s takes: token %d, %v; want a token", l.Holder(), token, err)
				}
				if f := l.Fence(); f.Token != token || f.Holder != l.Holder() {
					t.Errorf("Fence() = %+v, want {%s %d}", f, l.Holder(), token)
				}
				return token
			}
			mustRelease := func(l *store.Lease) {
				t.Helper()
				if ok, err := l.Release(ctx); err != nil || !ok {
					t.Fatalf("%s releases: %v, %v", l.Holder(), ok, err)
				}
			}
			t1 := mustTake(a)
			if again := mustTake(a); again != t1 {
				t.Errorf("a extends: token %d, want its own %d", again, t1)
			}
			mustRelease(a)
			t2 := mustTake(b)
			if t2 <= t1 {
				t.Errorf("b's token %d after a's %d, want higher", t2, t1)
			}
			mustRelease(b)
			if t3 := mustTake(a); t3 <= t2 {
				t.Errorf("a's new token %d after b's %d, want higher", t3, t2)
			}
		})
	}
}

// TestLeaseTakeover checks that a lease whose holder stopped renewing it
// passes to another holder once its TTL has passed (observed, not slept
// for), that the other is told the time left meanwhile, and that the old
// holder neither renews nor takes it back.
func TestLeaseTakeover(t *testing.T) {
	for kind, lease := range leaseKinds() {
		t.Run(kind, func(t *testing.T) {
			ctx := t.Context()
			ss := storetest.OpenInstances(t, 2)
			// Longer than a tick of the embedded server's expiry clock,
			// which ages a key by a whole tick at once.
			const ttl = 4 * store.EmbeddedExpiryTick
			a, b := lease(ss[0], "a", ttl), lease(ss[1], "b", time.Hour)
			if token, _, err := a.Take(ctx); err != nil || token == 0 {
				t.Fatalf("a takes the lease: %d, %v", token, err)
			}
			token, left, err := b.Take(ctx)
			if err != nil || token != 0 {
				t.Fatalf("b while a holds it: %d, %v; want 0", token, err)
			}
			if left <= 0 || left > ttl {
				t.Errorf("b is told %v left, want in (0, %v]", left, ttl)
			}
			// A real Redis expires the lease on time; the embedded
			// fallback in ticks, hence the generous bound.
			wait.Within(t, 5*time.Second, "b to take the lease after a's expired", func() bool {
				token, _, err := b.Take(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return token > 0
			})
			if ok, err := a.Renew(ctx); err != nil || ok {
				t.Errorf("a renews after b took over: %v, %v; want false", ok, err)
			}
			if token, _, err := a.Take(ctx); err != nil || token != 0 {
				t.Errorf("a takes after b took over: %d, %v; want 0", token, err)
			}
		})
	}
}

// TestLeaseInvalid checks that a lease that cannot exist fails every call.
func TestLeaseInvalid(t *testing.T) {
	s := storetest.Open(t)
	tests := map[string]*store.Lease{
		"empty holder":            s.TelegramLease("", time.Second),
		"zero ttl":                s.SourceLease("sana", "a", 0),
		"sub-ms ttl":              s.SourceLease("sana", "a", time.Microsecond),
		"partition -1":            s.PartitionLease(-1, "a", time.Second),
		"partition past the last": s.PartitionLease(s.OutboxPartitions(), "a", time.Second),
	}
	for name, l := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			if token, _, err := l.Take(ctx); err == nil || token != 0 {
				t.Errorf("Take = %d, %v; want 0 and an error", token, err)
			}
			if ok, err := l.Renew(ctx); err == nil || ok {
				t.Errorf("Renew = %v, %v; want false and an error", ok, err)
			}
			if ok, err := l.Release(ctx); err == nil || ok {
				t.Errorf("Release = %v, %v; want false and an error", ok, err)
			}
		})
	}
}

// keep runs l.Keep in a goroutine and returns a channel of the causes it
// reports lost, a channel of what it returns, and a stop func.
func keep(t *testing.T, l *store.Lease) (lost <-chan error, done <-chan error, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	lostc := make(chan error, 1)
	donec := make(chan error, 1)
	go func() { donec <- l.Keep(ctx, func(err error) { lostc <- err }) }()
	t.Cleanup(cancel)
	return lostc, donec, cancel
}

// TestLeaseKeepRenews checks that Keep holds the lease over several TTLs
// and releases it when stopped.
func TestLeaseKeepRenews(t *testing.T) {
	ctx := t.Context()
	ss := storetest.OpenInstances(t, 2)
	const ttl = 150 * time.Millisecond
	a, b := ss[0].TelegramLease("a", ttl), ss[1].TelegramLease("b", ttl)
	if token, _, err := a.Take(ctx); err != nil || token == 0 {
		t.Fatalf("a takes: %d, %v", token, err)
	}
	lost, done, stop := keep(t, a)
	start := time.Now()
	// b keeps trying: it must not get the lease for four TTLs.
	wait.For(t, "four TTLs with the lease kept", func() bool {
		if token, _, err := b.Take(ctx); err != nil || token != 0 {
			t.Fatalf("b took the lease Keep held: %d, %v", token, err)
		}
		return time.Since(start) > 4*ttl
	})
	stop()
	if err := wait.Recv(t, done, "Keep to return"); err != nil {
		t.Errorf("Keep after stop = %v, want nil", err)
	}
	select {
	case err := <-lost:
		t.Errorf("onLost(%v) called on a normal stop", err)
	default:
	}
	if h, err := ss[1].LeaseHolder(ctx); err != nil || h != "" {
		t.Errorf("holder after Keep stopped = %q, %v; want released", h, err)
	}
}

// TestLeaseKeepReportsLoss checks that Keep reports a lease taken from
// under it, and a Redis that cannot be reached, through onLost and its
// result, both wrapping ErrLeaseLost.
func TestLeaseKeepReportsLoss(t *testing.T) {
	tests := map[string]func(t *testing.T, holder, other *store.Store){
		"taken by another": func(t *testing.T, holder, other *store.Store) {
			intruder := other.TelegramLease("intruder", time.Minute)
			if _, err := other.TelegramLease("a", time.Minute).Release(t.Context()); err != nil {
				t.Fatal(err)
			}
			if token, _, err := intruder.Take(t.Context()); err != nil || token == 0 {
				t.Fatalf("intruder takes: %d, %v", token, err)
			}
		},
		"redis unreachable": func(t *testing.T, holder, other *store.Store) {
			holder.Close()
		},
	}
	for name, lose := range tests {
		t.Run(name, func(t *testing.T) {
			ss := storetest.OpenInstances(t, 2)
			a := ss[0].TelegramLease("a", 150*time.Millisecond)
			if token, _, err := a.Take(t.Context()); err != nil || token == 0 {
				t.Fatalf("a takes: %d, %v", token, err)
			}
			lost, done, _ := keep(t, a)
			lose(t, ss[0], ss[1])
			if err := wait.Recv(t, lost, "onLost"); !errors.Is(err, store.ErrLeaseLost) {
				t.Errorf("onLost(%v), want ErrLeaseLost", err)
			}
			if err := wait.Recv(t, done, "Keep to return"); !errors.Is(err, store.ErrLeaseLost) {
				t.Errorf("Keep = %v, want ErrLeaseLost", err)
			}
		})
	}
}
