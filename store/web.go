package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The admin web console's state: its signing secret, the one-time login
// tokens the bot's /web hands out and the sessions they open. All of it
// is under the {web} hash tag, so a session and its user's index change
// together in one MULTI on a Cluster too. Keys are the hashes of tokens
// and session ids (package web hashes them), never the values a browser
// holds.
const tagWeb = "{web}"

// keyWebSecret is a STRING: the console's HMAC secret, made once by the
// first instance that needs it (SET NX) and shared by all. Constant size;
// no TTL (a new secret would refuse every link handed out).
func (s *Store) keyWebSecret() string { return s.prefix + tagWeb + ":secret" }

// keyWebLogin is a STRING: the Telegram user id a login token was given
// to, by the token's hash. Bound: one per /web; TTL the token's validity
// (10 minutes); TakeLoginToken deletes it (GETDEL: single use).
func (s *Store) keyWebLogin(id string) string { return s.prefix + tagWeb + ":login:" + id }

// keyWebSession is a STRING: a WebSession as JSON, by the session id's
// hash. Bound: one per login; TTL the session's length (12 hours).
func (s *Store) keyWebSession(id string) string { return s.prefix + tagWeb + ":session:" + id }

// keyWebUserSessions is a SET of one user's session id hashes, so that
// /web off ends them all. Bound: the user's logins within a session's
// length; TTL that length, refreshed by each login.
func (s *Store) keyWebUserSessions(userID int64) string {
	return s.prefix + tagWeb + ":user:" + strconv.FormatInt(userID, 10)
}

// WebSession is a signed-in admin of the web console.
type WebSession struct {
	// UserID is the admin's Telegram user id.
	UserID int64 `json:"user"`
	// CSRF is the token every form of the session carries.
	CSRF string `json:"csrf"`
	// Created is when the login link was used.
	Created time.Time `json:"created"`
}

// WebSecret returns the console's shared secret: the one already in
// Redis, or candidate, stored now, when there is none.
func (s *Store) WebSecret(ctx context.Context, candidate []byte) ([]byte, error) {
	if len(candidate) == 0 {
		return nil, errors.New("web secret: empty candidate")
	}
	key := s.keyWebSecret()
	if err := s.rdb.SetNX(ctx, key, candidate, 0).Err(); err != nil {
		return nil, fmt.Errorf("web secret: %w", err)
	}
	secret, err := s.rdb.Get(ctx, key).Bytes()
	if err != nil {
		return nil, fmt.Errorf("web secret: %w", err)
	}
	return secret, nil
}

// PutLoginToken records a login token (by its hash, id) given to userID,
// valid for ttl.
func (s *Store) PutLoginToken(ctx context.Context, id string, userID int64, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("put login token: ttl %v is not positive", ttl)
	}
	if err := s.rdb.Set(ctx, s.keyWebLogin(id), userID, ttl).Err(); err != nil {
		return fmt.Errorf("put login token: %w", err)
	}
	return nil
}

// TakeLoginToken uses a login token once: it returns the user it was
// given to and deletes it, so that of several uses, on any instances,
// one succeeds. ErrNotFound: expired, used, or never given.
func (s *Store) TakeLoginToken(ctx context.Context, id string) (int64, error) {
	user, err := s.rdb.GetDel(ctx, s.keyWebLogin(id)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("take login token: %w", err)
	}
	return user, nil
}

// PutWebSession opens a session (by its id's hash) for ttl and adds it
// to its user's sessions.
func (s *Store) PutWebSession(ctx context.Context, id string, sess WebSession, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("put web session: ttl %v is not positive", ttl)
	}
	raw, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("put web session: %w", err)
	}
	user := s.keyWebUserSessions(sess.UserID)
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.keyWebSession(id), raw, ttl)
		p.SAdd(ctx, user, id)
		p.Expire(ctx, user, ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("put web session: %w", err)
	}
	return nil
}

// WebSession returns the session of an id's hash; ErrNotFound when it
// expired, was revoked or never existed.
func (s *Store) WebSession(ctx context.Context, id string) (WebSession, error) {
	raw, err := s.rdb.Get(ctx, s.keyWebSession(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return WebSession{}, ErrNotFound
	}
	if err != nil {
		return WebSession{}, fmt.Errorf("web session: %w", err)
	}
	var sess WebSession
	if err := json.Unmarshal(raw, &sess); err != nil {
		return WebSession{}, fmt.Errorf("web session: %w", err)
	}
	return sess, nil
}

// DeleteWebSession ends one session (signing out).
func (s *Store) DeleteWebSession(ctx context.Context, id string, userID int64) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.keyWebSession(id))
		p.SRem(ctx, s.keyWebUserSessions(userID), id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete web session: %w", err)
	}
	return nil
}

// RevokeWebSessions ends every session of userID and returns how many
// were still open.
func (s *Store) RevokeWebSessions(ctx context.Context, userID int64) (int, error) {
	user := s.keyWebUserSessions(userID)
	ids, err := s.rdb.SMembers(ctx, user).Result()
	if err != nil {
		return 0, fmt.Errorf("revoke web sessions: %w", err)
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.keyWebSession(id)
	}
	var del *redis.IntCmd
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if len(keys) > 0 {
			del = p.Del(ctx, keys...)
		}
		p.Del(ctx, user)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("revoke web sessions: %w", err)
	}
	if del == nil {
		return 0, nil
	}
	return int(del.Val()), nil
}
