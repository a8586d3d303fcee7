package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store/storetest"
)

// TestLeaseSource checks the lease between two holders on two Stores (two
// instances): the first takes it, the second is told how long it has
// left, the holder renews it.
func TestLeaseSource(t *testing.T) {
	st := storetest.OpenInstances(t, 2)
	a, b := st[0], st[1]
	ctx := t.Context()
	const ttl = time.Hour
	if ok, left, err := a.LeaseSource(ctx, "sana", "a", ttl); err != nil || !ok || left != 0 {
		t.Fatalf("a takes a free lease: %v, %v, %v; want true, 0, nil", ok, left, err)
	}
	ok, left, err := b.LeaseSource(ctx, "sana", "b", ttl)
	if err != nil || ok {
		t.Fatalf("b takes a's lease: %v, %v; want false, nil", ok, err)
	}
	if left <= ttl-time.Minute || left > ttl {
		t.Errorf("b is told %v left, want about %v", left, ttl)
	}
	// Another source is independent.
	if ok, _, err := b.LeaseSource(ctx, "bbc", "b", ttl); err != nil || !ok {
		t.Errorf("b takes a free lease on another source: %v, %v; want true, nil", ok, err)
	}
	// a renews its lease with a shorter ttl: b now sees that.
	if ok, _, err := a.LeaseSource(ctx, "sana", "a", time.Minute); err != nil || !ok {
		t.Fatalf("a renews: %v, %v; want true, nil", ok, err)
	}
	if _, left, _ := b.LeaseSource(ctx, "sana", "b", ttl); left > time.Minute || left <= 0 {
		t.Errorf("after a renewed for 1m, b is told %v left, want at most 1m", left)
	}
}

// TestLeaseSourceTakeover checks that a lease whose holder stopped
// renewing it passes to another holder after its ttl, and that the old
// holder does not get it back.
func TestLeaseSourceTakeover(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	const ttl = 50 * time.Millisecond
	if ok, _, err := s.LeaseSource(ctx, "sana", "a", ttl); err != nil || !ok {
		t.Fatalf("a takes the lease: %v, %v", ok, err)
	}
	ok, left, err := s.LeaseSource(ctx, "sana", "b", time.Hour)
	if err != nil || ok {
		t.Fatalf("b while a holds it: %v, %v; want false", ok, err)
	}
	if left <= 0 || left > ttl {
		t.Errorf("b is told %v left, want in (0, %v]", left, ttl)
	}
	// A real Redis expires the lease on time; the embedded fallback in
	// ticks, so wait for it within a generous bound (a liveness check).
	wait.Within(t, 5*time.Second, "b to take the lease after a's expired", func() bool {
		ok, _, err := s.LeaseSource(ctx, "sana", "b", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	})
	if ok, _, err := s.LeaseSource(ctx, "sana", "a", ttl); err != nil || ok {
		t.Errorf("a after b took over: %v, %v; want false", ok, err)
	}
}

// TestReleaseSources checks that a holder releases only its own leases.
func TestReleaseSources(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	for id, holder := range map[string]string{"sana": "a", "bbc": "a", "dw": "b"} {
		if ok, _, err := s.LeaseSource(ctx, id, holder, time.Hour); err != nil || !ok {
			t.Fatalf("%s takes %s: %v, %v", holder, id, ok, err)
		}
	}
	if err := s.ReleaseSources(ctx, "a", []string{"sana", "bbc", "dw", "never-leased"}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseSources(ctx, "a", nil); err != nil {
		t.Errorf("ReleaseSources(nil) = %v, want nil", err)
	}
	for id, wantFree := range map[string]bool{"sana": true, "bbc": true, "dw": false} {
		ok, _, err := s.LeaseSource(ctx, id, "c", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if ok != wantFree {
			t.Errorf("c takes %s after a released: %v, want %v", id, ok, wantFree)
		}
	}
}

// TestLeaseSourceInvalid checks the argument errors.
func TestLeaseSourceInvalid(t *testing.T) {
	s := storetest.Open(t)
	tests := map[string]struct {
		holder string
		ttl    time.Duration
	}{
		"empty holder": {"", time.Second},
		"zero ttl":     {"a", 0},
		"sub-ms ttl":   {"a", time.Microsecond},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if ok, _, err := s.LeaseSource(t.Context(), "sana", tc.holder, tc.ttl); err == nil || ok {
				t.Errorf("LeaseSource = %v, %v; want false and an error", ok, err)
			}
		})
	}
}

// TestExtendSources checks the extension of many source leases in one
// round trip: a holder's own and free leases are extended or taken for
// their own TTL, another holder's are left alone and reported.
func TestExtendSources(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	if ok, _, err := s.LeaseSource(ctx, "sana", "a", time.Second); err != nil || !ok {
		t.Fatalf("a takes sana: %v, %v", ok, err)
	}
	if ok, _, err := s.LeaseSource(ctx, "dw", "b", time.Hour); err != nil || !ok {
		t.Fatalf("b takes dw: %v, %v", ok, err)
	}
	held, errs := s.ExtendSources(ctx, "a", []feeds.SourceLeaseTTL{
		{ID: "sana", TTL: time.Hour}, {ID: "dw", TTL: time.Hour}, {ID: "bbc", TTL: 2 * time.Hour},
	})
	if errs != nil {
		t.Fatalf("ExtendSources errors: %v", errs)
	}
	if want := []bool{true, false, true}; !slices.Equal(held, want) {
		t.Errorf("held = %v, want %v", held, want)
	}
	// b is told how long a's extended leases have left; dw stays b's.
	tests := []struct {
		id     string
		lo, hi time.Duration
	}{
		{id: "sana", lo: time.Hour - time.Minute, hi: time.Hour},
		{id: "bbc", lo: 2*time.Hour - time.Minute, hi: 2 * time.Hour},
	}
	for _, tt := range tests {
		ok, left, err := s.LeaseSource(ctx, tt.id, "b", time.Minute)
		if err != nil || ok {
			t.Errorf("b takes %s: %v, %v; want false: a holds it", tt.id, ok, err)
		}
		if left < tt.lo || left > tt.hi {
			t.Errorf("b is told %s has %v left, want in [%v, %v]", tt.id, left, tt.lo, tt.hi)
		}
	}
	if ok, _, err := s.LeaseSource(ctx, "dw", "b", time.Hour); err != nil || !ok {
		t.Errorf("b renews dw after a's extension: %v, %v; want true", ok, err)
	}

	if held, errs := s.ExtendSources(ctx, "a", nil); len(held) != 0 || errs != nil {
		t.Errorf("ExtendSources(nil) = %v, %v; want nothing", held, errs)
	}
	held, errs = s.ExtendSources(ctx, "", []feeds.SourceLeaseTTL{{ID: "sana", TTL: time.Hour}})
	if len(errs) != 1 || errs[0] == nil || held[0] {
		t.Errorf("ExtendSources with an empty holder = %v, %v; want an error", held, errs)
	}
}
