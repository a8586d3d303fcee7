package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ManagedChat is the chat that a private chat manages: the channel whose
// subscription the commands sent there change (the bot's /channel). It
// is kept in Redis rather than in memory so that the choice survives a
// restart and holds whichever instance answers the next command.
type ManagedChat struct {
	// ChatID is the managed chat's id.
	ChatID int64 `json:"chat_id"`
	// Name is how replies name it: the channel's "@username".
	Name string `json:"name,omitempty"`
}

// keyManaged is a STRING: the ManagedChat, as JSON, that the private chat
// chatID manages. It carries the chat's {sub:CHAT} hash tag, as it belongs
// to that chat. Bound: one per private chat managing a channel. TTL: the
// one given to SetManagedChat and ManagedChat (a day in the bot),
// refreshed by every read, so a choice left alone expires.
func (s *Store) keyManaged(chatID int64) string { return s.keySubscriber(chatID) + ":manage" }

// SetManagedChat records that the private chat chatID manages m, for ttl
// (which must be positive: the choice always expires).
func (s *Store) SetManagedChat(ctx context.Context, chatID int64, m ManagedChat, ttl time.Duration) error {
	if m.ChatID == 0 {
		return errors.New("set managed chat: zero chat id")
	}
	if ttl <= 0 {
		return fmt.Errorf("set managed chat of %d: ttl %v is not positive", chatID, ttl)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("set managed chat of %d: %w", chatID, err)
	}
	if err := s.rdb.Set(ctx, s.keyManaged(chatID), b, ttl).Err(); err != nil {
		return fmt.Errorf("set managed chat of %d: %w", chatID, err)
	}
	return nil
}

// ManagedChat returns the chat that the private chat chatID manages and
// extends the choice to ttl from now (GETEX: one round trip). It returns
// ErrNotFound when chatID manages nothing, or its choice expired.
func (s *Store) ManagedChat(ctx context.Context, chatID int64, ttl time.Duration) (ManagedChat, error) {
	if ttl <= 0 {
		// GETEX with no expiry would make the choice permanent.
		return ManagedChat{}, fmt.Errorf("get managed chat of %d: ttl %v is not positive", chatID, ttl)
	}
	raw, err := s.rdb.GetEx(ctx, s.keyManaged(chatID), ttl).Bytes()
	if errors.Is(err, redis.Nil) {
		return ManagedChat{}, ErrNotFound
	}
	if err != nil {
		return ManagedChat{}, fmt.Errorf("get managed chat of %d: %w", chatID, err)
	}
	var m ManagedChat
	if err := json.Unmarshal(raw, &m); err != nil {
		return ManagedChat{}, fmt.Errorf("decode managed chat of %d: %w", chatID, err)
	}
	return m, nil
}

// ClearManagedChat makes the private chat chatID manage itself again. It
// reports whether it managed another chat.
func (s *Store) ClearManagedChat(ctx context.Context, chatID int64) (bool, error) {
	n, err := s.rdb.Del(ctx, s.keyManaged(chatID)).Result()
	if err != nil {
		return false, fmt.Errorf("clear managed chat of %d: %w", chatID, err)
	}
	return n > 0, nil
}
