package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// PendingImport is a sources file an admin sent whose import waits for
// their confirmation (it would remove many sources). It is kept in Redis,
// so that whichever instance handles the confirming button press finds
// it.
type PendingImport struct {
	// Admin is the Telegram user id of the admin who sent the file; only
	// they may confirm or cancel it.
	Admin int64 `json:"admin"`
	// Data is the file as sent.
	Data []byte `json:"data"`
}

// keyPendingImport is a STRING: a PendingImport as JSON, by the token of
// its confirmation button. Bound: one per file awaiting confirmation, at
// most MaxImportBytes each (bot). TTL: the one given to PutPendingImport
// (10 minutes in the bot); ClaimPendingImport deletes it.
func (s *Store) keyPendingImport(token string) string { return s.prefix + "{import:" + token + "}" }

// PutPendingImport keeps p under token for ttl (which must be positive:
// the question always expires). A token already in use is an error.
func (s *Store) PutPendingImport(ctx context.Context, token string, p PendingImport, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("put pending import: ttl %v is not positive", ttl)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("put pending import: %w", err)
	}
	ok, err := s.rdb.SetNX(ctx, s.keyPendingImport(token), b, ttl).Result()
	if err != nil {
		return fmt.Errorf("put pending import: %w", err)
	}
	if !ok {
		return errors.New("put pending import: token already in use")
	}
	return nil
}

// ErrNotYours is returned by ClaimPendingImport to a user other than the
// admin who sent the file; the import stays pending.
var ErrNotYours = errors.New("pending import belongs to another admin")

// ClaimPendingImport takes the import pending under token for admin: it
// is deleted, so that of several presses, on any instances, exactly one
// gets it. It returns ErrNotFound when there is none (expired, already
// claimed, never made) and ErrNotYours, leaving it pending, when admin is
// not the one who sent it.
func (s *Store) ClaimPendingImport(ctx context.Context, token string, admin int64) (PendingImport, error) {
	key := s.keyPendingImport(token)
	raw, err := s.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return PendingImport{}, ErrNotFound
	}
	if err != nil {
		return PendingImport{}, fmt.Errorf("claim pending import: %w", err)
	}
	var p PendingImport
	if err := json.Unmarshal(raw, &p); err != nil {
		return PendingImport{}, fmt.Errorf("claim pending import: %w", err)
	}
	if p.Admin != admin {
		return PendingImport{}, ErrNotYours
	}
	// The key is written once and never changed, so the one DEL that
	// removes it decides who claimed it.
	n, err := s.rdb.Del(ctx, key).Result()
	if err != nil {
		return PendingImport{}, fmt.Errorf("claim pending import: %w", err)
	}
	if n == 0 {
		return PendingImport{}, ErrNotFound
	}
	return p, nil
}
