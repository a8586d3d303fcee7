package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func TestPendingImport(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	p := store.PendingImport{Admin: 42, Data: []byte("sources: []\n")}
	if err := st.PutPendingImport(ctx, "tok", p, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := st.PutPendingImport(ctx, "tok", p, time.Minute); err == nil {
		t.Error("second PutPendingImport under one token succeeded, want an error")
	}
	if err := st.PutPendingImport(ctx, "other", p, 0); err == nil {
		t.Error("PutPendingImport without a ttl succeeded, want an error")
	}
	if _, err := st.ClaimPendingImport(ctx, "tok", 7); !errors.Is(err, store.ErrNotYours) {
		t.Errorf("claim by another user: %v, want ErrNotYours", err)
	}
	if _, err := st.ClaimPendingImport(ctx, "nope", 42); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("claim of an unknown token: %v, want ErrNotFound", err)
	}

	// Several presses at once, as on several instances: exactly one
	// claims it, and it was still there after the other user's try.
	const presses = 8
	var wg sync.WaitGroup
	got := make(chan store.PendingImport, presses)
	for range presses {
		wg.Go(func() {
			q, err := st.ClaimPendingImport(ctx, "tok", 42)
			switch {
			case err == nil:
				got <- q
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("claim: %v", err)
			}
		})
	}
	wg.Wait()
	close(got)
	var claims []store.PendingImport
	for q := range got {
		claims = append(claims, q)
	}
	if len(claims) != 1 || claims[0].Admin != 42 || string(claims[0].Data) != string(p.Data) {
		t.Fatalf("claims = %+v, want exactly one, the admin's file", claims)
	}
}
