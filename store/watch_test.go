package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// TestWatchSeesOtherClientsChanges: a change made by another store client
// (another process) reaches the watchers through the change channel, not
// at the safety re-read (an hour here), also after the subscription's
// connection was lost and made again.
func TestWatchSeesOtherClientsChanges(t *testing.T) {
	prefix := storetest.Prefix()
	a := openOpts(t, store.Options{Prefix: prefix})
	other := openOpts(t, store.Options{Prefix: prefix})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	srcs := make(chan []feeds.Source, 16)
	subs := make(chan store.SubscriberUpdate, 16)
	done := make(chan struct{}, 2)
	go func() {
		a.WatchSources(ctx, time.Hour, func(x []feeds.Source) { srcs <- x })
		done <- struct{}{}
	}()
	go func() {
		a.WatchSubscribers(ctx, time.Hour, func(u store.SubscriberUpdate) { subs <- u })
		done <- struct{}{}
	}()
	if got := wait.Recv(t, srcs, "initial sources"); len(got) != 0 {
		t.Fatalf("initial sources = %v, want none", got)
	}
	wait.Recv(t, subs, "initial subscribers")

	sub := func(id int64) store.Subscriber {
		return store.Subscriber{ChatID: id, Type: "private", Lang: "en", Mode: "urgent", Active: true}
	}
	steps := []struct {
		name     string
		do       func() error
		wantSrcs []string // nil: no sources update expected
		wantSub  int64    // 0: no subscribers update expected
	}{
		{"source added", func() error {
			return other.PutSource(ctx, src("b", "https://b/1"), store.Origin{By: "tg:1"})
		}, []string{"b"}, 0},
		{"subscriber added", func() error { return other.PutSubscriber(ctx, sub(7)) }, nil, 7},
		{"source added after the connection was lost", func() error {
			if storetest.Embedded() {
				t.Skip("the embedded server cannot kill a client")
			}
			// Every pub/sub connection of the server: the watchers'
			// subscription is made again.
			if err := other.Redis().Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
				return err
			}
			return other.PutSource(ctx, src("c", "https://c/1"), store.Origin{By: "tg:1"})
		}, []string{"b", "c"}, 0},
		{"subscriber added after the connection was lost", func() error { return other.PutSubscriber(ctx, sub(8)) }, nil, 8},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if st.wantSrcs != nil {
			got := wait.Recv(t, srcs, st.name)
			var ids []string
			for _, x := range got {
				ids = append(ids, x.ID)
			}
			if len(ids) != len(st.wantSrcs) || ids[len(ids)-1] != st.wantSrcs[len(st.wantSrcs)-1] {
				t.Errorf("%s: sources %v, want %v", st.name, ids, st.wantSrcs)
			}
		}
		if st.wantSub != 0 {
			u := wait.Recv(t, subs, st.name)
			if len(u.Subscribers) != 1 || u.Subscribers[0].ChatID != st.wantSub {
				t.Errorf("%s: update %+v, want subscriber %d", st.name, u, st.wantSub)
			}
		}
	}
	cancel()
	wait.Recv(t, done, "sources watcher exit")
	wait.Recv(t, done, "subscribers watcher exit")
}
