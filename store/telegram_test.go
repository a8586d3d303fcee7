package store_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// TestTelegramLeaseHolder checks that LeaseHolder reports who holds the
// poller's lease (TestLeaseHolders checks the lease itself).
func TestTelegramLeaseHolder(t *testing.T) {
	ctx := context.Background()
	ss := storetest.OpenInstances(t, 2)
	a, b := ss[0].TelegramLease("a", 10*time.Second), ss[1].TelegramLease("b", 10*time.Second)
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"free", func() error { return nil }, ""},
		{"a takes", func() error { _, _, err := a.Take(ctx); return err }, "a"},
		{"b fails to take", func() error { _, _, err := b.Take(ctx); return err }, "a"},
		{"a releases", func() error { _, err := a.Release(ctx); return err }, ""},
		{"b takes", func() error { _, _, err := b.Take(ctx); return err }, "b"},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got, err := ss[0].LeaseHolder(ctx); err != nil || got != st.want {
			t.Errorf("%s: LeaseHolder = %q, %v; want %q", st.name, got, err, st.want)
		}
	}
}

func TestTelegramOffset(t *testing.T) {
	ctx := context.Background()
	ss := storetest.OpenInstances(t, 2)
	a, b := ss[0], ss[1]

	got, err := a.TelegramOffset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != 0 {
		t.Fatalf("offset before any save = %d, want 0", got)
	}
	la, lb := a.TelegramLease("a", 10*time.Second), b.TelegramLease("b", 10*time.Second)
	if token, _, err := la.Take(ctx); err != nil || token == 0 {
		t.Fatalf("a takes: got %d, %v", token, err)
	}
	fa := la.Fence()

	saves := []struct {
		name      string
		s         *store.Store
		fence     store.Fence
		offset    int
		wantOK    bool
		wantAfter int
	}{
		{"holder saves", a, fa, 17, true, 17},
		{"holder moves forward", a, fa, 20, true, 20},
		{"a lower offset is ignored", a, fa, 12, true, 20},
		{"a non-holder is fenced off", b, store.Fence{Holder: "b", Token: fa.Token}, 99, false, 20},
		{"the holder with a stale token is fenced off", a, store.Fence{Holder: "a", Token: fa.Token - 1}, 99, false, 20},
	}
	for _, sv := range saves {
		ok, err := sv.s.SaveTelegramOffset(ctx, sv.fence, sv.offset)
		if err != nil {
			t.Fatalf("%s: %v", sv.name, err)
		}
		if ok != sv.wantOK {
			t.Errorf("%s: SaveTelegramOffset = %v, want %v", sv.name, ok, sv.wantOK)
		}
		// Read through the other client: the offset is shared state.
		got, err := b.TelegramOffset(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != sv.wantAfter {
			t.Errorf("%s: offset = %d, want %d", sv.name, got, sv.wantAfter)
		}
	}

	// After a hand-over the new holder saves and the old one cannot,
	// not even after taking the lease back: its old token is stale.
	if _, err := la.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if token, _, err := lb.Take(ctx); err != nil || token <= fa.Token {
		t.Fatalf("b takes: got token %d, %v; want above %d", token, err, fa.Token)
	}
	if ok, _ := a.SaveTelegramOffset(ctx, fa, 30); ok {
		t.Error("old holder saved after hand-over")
	}
	if ok, _ := b.SaveTelegramOffset(ctx, lb.Fence(), 25); !ok {
		t.Error("new holder could not save")
	}
	if got, _ := a.TelegramOffset(ctx); got != 25 {
		t.Errorf("offset after hand-over = %d, want 25", got)
	}
	if _, err := lb.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if token, _, err := la.Take(ctx); err != nil || token == 0 {
		t.Fatalf("a takes back: got %d, %v", token, err)
	}
	if ok, _ := a.SaveTelegramOffset(ctx, fa, 40); ok {
		t.Error("a saved with the token of its former take")
	}
	if ok, _ := a.SaveTelegramOffset(ctx, la.Fence(), 40); !ok {
		t.Error("a could not save with the token of its new take")
	}
}

func TestTelegramUpdateClaims(t *testing.T) {
	ctx := context.Background()
	ss := storetest.OpenInstances(t, 2)
	a, b := ss[0], ss[1]
	const claim = 150 * time.Millisecond

	begin := func(s *store.Store, id int, want store.UpdateState) {
		t.Helper()
		got, err := s.BeginUpdate(ctx, id, nil, claim)
		if err != nil {
			t.Fatalf("BeginUpdate(%d): %v", id, err)
		}
		if got != want {
			t.Fatalf("BeginUpdate(%d) = %v, want %v", id, got, want)
		}
	}

	// Claimed, then seen as pending by everyone, then done.
	begin(a, 1, store.UpdateNew)
	begin(b, 1, store.UpdatePending)
	begin(a, 1, store.UpdatePending)
	if err := a.FinishUpdate(ctx, 1); err != nil {
		t.Fatal(err)
	}
	begin(b, 1, store.UpdateDone)

	// A claim whose handler died expires: the update can be handled again.
	begin(a, 2, store.UpdateNew)
	wait.Within(t, claim+5*time.Second, "update 2's claim to expire", func() bool {
		got, err := b.BeginUpdate(ctx, 2, nil, claim)
		if err != nil {
			t.Fatal(err)
		}
		return got == store.UpdateNew
	})
	// Done outlives the claim's TTL, which has passed since update 1
	// finished.
	begin(b, 1, store.UpdateDone)

	// Other ids are independent.
	begin(b, 3, store.UpdateNew)
}

func TestTelegramAbandonedUpdates(t *testing.T) {
	ctx := context.Background()
	ss := storetest.OpenInstances(t, 2)
	a, b := ss[0], ss[1]
	const claim = 150 * time.Millisecond

	raw := func(id int) []byte { return []byte(`{"update_id":` + strconv.Itoa(id) + `}`) }
	for _, id := range []int{5, 3, 4, 6} {
		if got, err := a.BeginUpdate(ctx, id, raw(id), claim); err != nil || got != store.UpdateNew {
			t.Fatalf("BeginUpdate(%d) = %v, %v; want new", id, got, err)
		}
	}
	// Kept without JSON: nothing to recover from.
	if _, err := a.BeginUpdate(ctx, 7, nil, claim); err != nil {
		t.Fatal(err)
	}
	claimAbandoned := func(s *store.Store, limit int) []int {
		t.Helper()
		got, err := s.ClaimAbandonedUpdates(ctx, time.Minute, limit)
		if err != nil {
			t.Fatalf("ClaimAbandonedUpdates: %v", err)
		}
		var ids []int
		for _, u := range got {
			if want := string(raw(u.ID)); string(u.Raw) != want {
				t.Errorf("update %d kept as %s, want %s", u.ID, u.Raw, want)
			}
			ids = append(ids, u.ID)
		}
		return ids
	}

	// Claims still running: nothing is abandoned.
	if got := claimAbandoned(b, 10); len(got) != 0 {
		t.Fatalf("abandoned while claimed = %v, want none", got)
	}
	// 4 finishes, 6 is given up, 3 and 5 are left to expire.
	if err := a.FinishUpdate(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if err := a.ReleaseUpdate(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if got, want := claimAbandoned(b, 10), []int{6}; !slices.Equal(got, want) {
		t.Fatalf("abandoned after a release = %v, want %v", got, want)
	}
	// A released finished update stays finished.
	if err := a.ReleaseUpdate(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if got, err := b.BeginUpdate(ctx, 4, nil, claim); err != nil || got != store.UpdateDone {
		t.Errorf("BeginUpdate(4) after finish and release = %v, %v; want done", got, err)
	}
	// Wait for both claims to expire (their markers to go), then:
	// taken once, in id order, then claimed by the taker.
	for _, id := range []int{3, 5} {
		marker := a.KeyPrefix() + "{tg}:upd:" + strconv.Itoa(id)
		wait.Within(t, claim+5*time.Second, "the claim of update "+strconv.Itoa(id)+" to expire", func() bool {
			n, err := a.Redis().Exists(ctx, marker).Result()
			return err == nil && n == 0
		})
	}
	if got, want := claimAbandoned(b, 10), []int{3, 5}; !slices.Equal(got, want) {
		t.Fatalf("abandoned after expiry = %v, want %v", got, want)
	}
	if got := claimAbandoned(a, 10); len(got) != 0 {
		t.Fatalf("abandoned again = %v, want none (claimed)", got)
	}
	for _, id := range []int{3, 5, 6} {
		if err := b.FinishUpdate(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := a.Redis().HLen(ctx, a.KeyPrefix()+"{tg}:inflight").Result(); err != nil || n != 0 {
		t.Errorf("in-flight updates kept after all finished = %d, %v; want 0", n, err)
	}
}

func TestTelegramMarkUpdate(t *testing.T) {
	ctx := context.Background()
	ss := storetest.OpenInstances(t, 2)
	a, b := ss[0], ss[1]

	tests := []struct {
		name string
		s    *store.Store
		id   int
		want bool
	}{
		{"first delivery", a, 7, true},
		{"repeat on the same client", a, 7, false},
		{"repeat on another instance", b, 7, false},
		{"another update", b, 8, true},
	}
	for _, tc := range tests {
		got, err := tc.s.MarkUpdate(ctx, tc.id)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: MarkUpdate(%d) = %v, want %v", tc.name, tc.id, got, tc.want)
		}
	}
	// A webhook mark and a poller claim see each other.
	if got, err := a.BeginUpdate(ctx, 7, nil, time.Second); err != nil || got != store.UpdateDone {
		t.Errorf("BeginUpdate after MarkUpdate = %v, %v; want done", got, err)
	}
}

func TestUpdateStateString(t *testing.T) {
	tests := map[string]struct {
		s    store.UpdateState
		want string
	}{
		"new":     {store.UpdateNew, "new"},
		"pending": {store.UpdatePending, "pending"},
		"done":    {store.UpdateDone, "done"},
		"unknown": {store.UpdateState(9), "UpdateState(9)"},
	}
	for name, tc := range tests {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%s: String() = %q, want %q", name, got, tc.want)
		}
	}
}
