package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func TestWebSecretIsMadeOnce(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	first, err := st.WebSecret(ctx, []byte("first-candidate"))
	if err != nil {
		t.Fatalf("WebSecret: %v", err)
	}
	second, err := st.WebSecret(ctx, []byte("second-candidate"))
	if err != nil {
		t.Fatalf("WebSecret: %v", err)
	}
	if got, want := string(first), "first-candidate"; got != want {
		t.Errorf("first secret = %q, want %q", got, want)
	}
	if got, want := string(second), "first-candidate"; got != want {
		t.Errorf("second secret = %q, want %q (the one stored)", got, want)
	}
	if _, err := st.WebSecret(ctx, nil); err == nil {
		t.Error("WebSecret(nil) = nil error, want one")
	}
}

func TestLoginTokenIsSingleUse(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	if err := st.PutLoginToken(ctx, "tok", 42, 10*time.Minute); err != nil {
		t.Fatalf("PutLoginToken: %v", err)
	}
	tests := []struct {
		name     string
		id       string
		wantUser int64
		wantErr  error
	}{
		{"first use", "tok", 42, nil},
		{"second use", "tok", 0, store.ErrNotFound},
		{"never given", "other", 0, store.ErrNotFound},
	}
	for _, tc := range tests {
		got, err := st.TakeLoginToken(ctx, tc.id)
		if got != tc.wantUser || !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: TakeLoginToken(%q) = %d, %v; want %d, %v", tc.name, tc.id, got, err, tc.wantUser, tc.wantErr)
		}
	}
	if err := st.PutLoginToken(ctx, "tok", 42, 0); err == nil {
		t.Error("PutLoginToken with ttl 0 = nil error, want one")
	}
}

func TestWebSessionsRevokedPerUser(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	at := time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)
	sessions := map[string]store.WebSession{
		"a1": {UserID: 1, CSRF: "c-a1", Created: at},
		"a2": {UserID: 1, CSRF: "c-a2", Created: at},
		"b1": {UserID: 2, CSRF: "c-b1", Created: at},
	}
	for id, s := range sessions {
		if err := st.PutWebSession(ctx, id, s, 12*time.Hour); err != nil {
			t.Fatalf("PutWebSession(%s): %v", id, err)
		}
	}
	got, err := st.WebSession(ctx, "a2")
	if err != nil || got.UserID != 1 || got.CSRF != "c-a2" || !got.Created.Equal(at) {
		t.Fatalf("WebSession(a2) = %+v, %v; want %+v", got, err, sessions["a2"])
	}
	if err := st.DeleteWebSession(ctx, "a2", 1); err != nil {
		t.Fatalf("DeleteWebSession: %v", err)
	}
	n, err := st.RevokeWebSessions(ctx, 1)
	if err != nil || n != 1 {
		t.Fatalf("RevokeWebSessions(1) = %d, %v; want 1 (a1; a2 signed out)", n, err)
	}
	for id, want := range map[string]error{"a1": store.ErrNotFound, "a2": store.ErrNotFound, "b1": nil} {
		if _, err := st.WebSession(ctx, id); !errors.Is(err, want) {
			t.Errorf("after revoking user 1, WebSession(%s) error = %v, want %v", id, err, want)
		}
	}
	if n, err := st.RevokeWebSessions(ctx, 1); err != nil || n != 0 {
		t.Errorf("second RevokeWebSessions(1) = %d, %v; want 0, nil", n, err)
	}
}
