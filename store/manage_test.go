package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// managedKey finds the key of a chat's managed chat, whatever the test's
// prefix, and checks that it carries the chat's hash tag.
func managedKey(t *testing.T, s *store.Store, chatID int64, tag string) string {
	t.Helper()
	keys, err := s.Redis().Keys(context.Background(), s.KeyPrefix()+tag+":manage").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("keys for %d = %q, want one", chatID, keys)
	}
	return keys[0]
}

func TestManagedChat(t *testing.T) {
	ctx := context.Background()
	const user, channel = 987654321, -1009876543210
	tests := map[string]struct {
		set     []store.ManagedChat // in order
		clear   bool
		want    store.ManagedChat
		wantErr error
		wasSet  bool // what ClearManagedChat reports
	}{
		"nothing":                  {wantErr: store.ErrNotFound},
		"set":                      {set: []store.ManagedChat{{ChatID: channel, Name: "@aajil_sy"}}, want: store.ManagedChat{ChatID: channel, Name: "@aajil_sy"}},
		"replaced":                 {set: []store.ManagedChat{{ChatID: channel, Name: "@aajil_sy"}, {ChatID: -100777, Name: "@other_news"}}, want: store.ManagedChat{ChatID: -100777, Name: "@other_news"}},
		"cleared":                  {set: []store.ManagedChat{{ChatID: channel, Name: "@aajil_sy"}}, clear: true, wantErr: store.ErrNotFound, wasSet: true},
		"cleared when nothing set": {clear: true, wantErr: store.ErrNotFound},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := storetest.Open(t)
			for _, m := range tc.set {
				if err := s.SetManagedChat(ctx, user, m, time.Hour); err != nil {
					t.Fatalf("SetManagedChat: %v", err)
				}
			}
			if tc.clear {
				was, err := s.ClearManagedChat(ctx, user)
				if err != nil || was != tc.wasSet {
					t.Fatalf("ClearManagedChat = %v, %v; want %v, nil", was, err, tc.wasSet)
				}
			}
			got, err := s.ManagedChat(ctx, user, time.Hour)
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Errorf("ManagedChat = %+v, %v; want %+v, %v", got, err, tc.want, tc.wantErr)
			}
			// Another private chat manages nothing.
			if _, err := s.ManagedChat(ctx, user+1, time.Hour); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("ManagedChat of another chat: err = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestManagedChatTTLRefreshedOnRead(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	const user = 987654322
	if err := s.SetManagedChat(ctx, user, store.ManagedChat{ChatID: -100123, Name: "@aajil_sy"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	key := managedKey(t, s, user, "{sub:987654322}")
	if ttl := s.Redis().TTL(ctx, key).Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("TTL after set = %v, want in (0, 1m]", ttl)
	}
	if _, err := s.ManagedChat(ctx, user, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if ttl := s.Redis().TTL(ctx, key).Val(); ttl <= time.Hour || ttl > 24*time.Hour {
		t.Errorf("TTL after read = %v, want refreshed to about 24h", ttl)
	}
}

func TestManagedChatRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	tests := map[string]func() error{
		"zero chat":     func() error { return s.SetManagedChat(ctx, 1, store.ManagedChat{}, time.Hour) },
		"no ttl on set": func() error { return s.SetManagedChat(ctx, 1, store.ManagedChat{ChatID: -1}, 0) },
		"no ttl on get": func() error { _, err := s.ManagedChat(ctx, 1, 0); return err },
	}
	for name, call := range tests {
		t.Run(name, func(t *testing.T) {
			if err := call(); err == nil || errors.Is(err, store.ErrNotFound) {
				t.Errorf("err = %v, want a refusal", err)
			}
		})
	}
	// Nothing was written by the refused calls.
	if m, err := s.ManagedChat(ctx, 1, time.Hour); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after refused calls ManagedChat = %+v, %v; want ErrNotFound", m, err)
	}
}
