package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func TestWebSubSubscriptions(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	at := time.UnixMilli(time.Now().UnixMilli())
	sub := store.WebSubSubscription{ID: "a1", Source: "bbc", Hub: "https://hub.example/", Topic: "https://x.example/feed",
		FeedURL: "https://x.example/rss", Secret: "s", State: store.WebSubPending, Lease: time.Hour, Requested: at}
	if err := st.CreateWebSub(ctx, sub); err != nil {
		t.Fatal(err)
	}
	got, err := st.WebSub(ctx, "a1")
	if err != nil || got != sub {
		t.Fatalf("WebSub = %+v, %v; want %+v", got, err, sub)
	}

	if ok, err := st.VerifyWebSub(ctx, "a1", 2*time.Hour, at); !ok || err != nil {
		t.Fatalf("VerifyWebSub = %v, %v", ok, err)
	}
	if ok, err := st.WebSubPushed(ctx, "a1", at.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("WebSubPushed = %v, %v", ok, err)
	}
	got, _ = st.WebSub(ctx, "a1")
	want := sub
	want.State, want.Lease, want.Verified, want.Expires, want.LastPush = store.WebSubVerified, 2*time.Hour, at, at.Add(2*time.Hour), at.Add(time.Minute)
	if got != want {
		t.Errorf("after verification and a push: %+v, want %+v", got, want)
	}
	if ok, err := st.SetWebSubState(ctx, "a1", store.WebSubDenied, "no", time.Time{}); !ok || err != nil {
		t.Fatalf("SetWebSubState = %v, %v", ok, err)
	}
	if got, _ := st.WebSub(ctx, "a1"); got.State != store.WebSubDenied || got.Reason != "no" || !got.Requested.Equal(at) {
		t.Errorf("after denial: %+v", got)
	}

	subs, err := st.WebSubs(ctx)
	if err != nil || len(subs) != 1 || subs[0].ID != "a1" {
		t.Fatalf("WebSubs = %+v, %v", subs, err)
	}
	if err := st.DeleteWebSub(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.WebSub(ctx, "a1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("WebSub(deleted) error = %v, want ErrNotFound", err)
	}
	// A late verification or push does not bring a deleted one back.
	if ok, err := st.VerifyWebSub(ctx, "a1", time.Hour, at); ok || err != nil {
		t.Errorf("VerifyWebSub(deleted) = %v, %v; want false, nil", ok, err)
	}
	if ok, _ := st.WebSubPushed(ctx, "a1", at); ok {
		t.Error("WebSubPushed(deleted) = true")
	}
	if subs, _ := st.WebSubs(ctx); len(subs) != 0 {
		t.Errorf("WebSubs after delete = %+v", subs)
	}
}

func TestDiscoveredHubs(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	h := store.DiscoveredHub{URL: "https://x.example/rss", Hubs: []string{"https://hub.example/"}, Self: "https://x.example/feed"}
	if err := st.SetDiscoveredHub(ctx, "x", h); err != nil {
		t.Fatal(err)
	}
	if err := st.SetDiscoveredHub(ctx, "y", store.DiscoveredHub{URL: "https://y.example/"}); err != nil {
		t.Fatal(err)
	}
	got, err := st.DiscoveredHubs(ctx)
	if err != nil || len(got) != 1 || got["x"].Self != h.Self || got["x"].Hubs[0] != h.Hubs[0] {
		t.Fatalf("DiscoveredHubs = %+v, %v; want x only", got, err)
	}
	// No hub any more: the record goes.
	if err := st.SetDiscoveredHub(ctx, "x", store.DiscoveredHub{URL: h.URL}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.DiscoveredHubs(ctx); len(got) != 0 {
		t.Errorf("DiscoveredHubs after the hub went = %+v", got)
	}
}

func TestWebSubLease(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	a, b := st.WebSubLease("a", time.Minute), st.WebSubLease("b", time.Minute)
	if tok, _, err := a.Take(ctx); tok == 0 || err != nil {
		t.Fatalf("a.Take = %d, %v", tok, err)
	}
	if tok, left, err := b.Take(ctx); tok != 0 || left <= 0 || err != nil {
		t.Errorf("b.Take while a holds it = %d, %v, %v; want 0 and time left", tok, left, err)
	}
}
