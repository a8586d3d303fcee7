package delivery

import (
	"context"
	"errors"

	"github.com/aajil/aajil/store"
)

// cachedSub is a subscriber as loaded: found is false when there is none.
type cachedSub struct {
	sub   store.Subscriber
	found bool
}

// maxCachedSubscribers is the size past which expired subscribers are
// swept from the cache.
const maxCachedSubscribers = 50_000

// subscriber loads a subscriber, through a short-lived cache.
func (s *Sender) subscriber(ctx context.Context, chatID int64) (store.Subscriber, bool, error) {
	now := s.now()
	if c, ok := s.subs.get(chatID); ok {
		return c.sub, c.found, nil
	}
	sub, err := s.subscribers.Subscriber(ctx, chatID)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Subscriber{}, false, err
	}
	s.subs.put(chatID, cachedSub{sub: sub, found: found}, now)
	return sub, found, nil
}

// forgetSubscriber drops a chat's cached subscriber, after it changed.
func (s *Sender) forgetSubscriber(chatID int64) {
	s.subs.forget(chatID)
}
