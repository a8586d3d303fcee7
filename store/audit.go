package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultAuditMax bounds the audit log: the most recent entries kept.
const DefaultAuditMax = 10_000

// MaxAuditRead caps how many entries AuditLog returns at once.
const MaxAuditRead = 1_000

// tagAudit is the hash tag of the audit log.
const tagAudit = "{audit}"

// keyAudit is a STREAM: one entry per admin change (AuditEntry). Bound:
// MAXLEN ~ DefaultAuditMax (10,000) on every XADD (approximate trimming:
// whole stream nodes, so a little over). No TTL: the log is the history.
func (s *Store) keyAudit() string { return s.prefix + tagAudit + ":log" }

// AuditEntry is one admin change: who made it, when, what, and the state
// of the thing changed before and after it.
type AuditEntry struct {
	// ID is the stream id, set by AuditLog; ignored by Audit.
	ID string
	// At is when the change was made; the zero time means now.
	At time.Time
	// By is who made it, e.g. "tg:12345".
	By string
	// Action is what was done: "addfeed", "setfeed", "delfeed"…
	Action string
	// Target is what it was done to, such as a source id.
	Target string
	// Before and After are the target's state as JSON, "" when it did
	// not exist (before an add, after a delete).
	Before string
	After  string
}

// Stream field names of an audit entry.
const (
	fAuditAt     = "at"
	fAuditBy     = "by"
	fAuditAction = "action"
	fAuditTarget = "target"
	fAuditBefore = "before"
	fAuditAfter  = "after"
)

// Audit appends e to the audit log, dropping the oldest entries beyond
// DefaultAuditMax.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	if e.Action == "" {
		return errors.New("audit: empty action")
	}
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	err := s.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: s.keyAudit(),
		MaxLen: DefaultAuditMax,
		Approx: true,
		Values: []any{
			fAuditAt, at.UTC().Format(time.RFC3339Nano),
			fAuditBy, e.By,
			fAuditAction, e.Action,
			fAuditTarget, e.Target,
			fAuditBefore, e.Before,
			fAuditAfter, e.After,
		},
	}).Err()
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", e.Action, e.Target, err)
	}
	return nil
}

// AuditLog returns the n most recent audit entries, newest first (at most
// MaxAuditRead; none when n <= 0).
func (s *Store) AuditLog(ctx context.Context, n int) ([]AuditEntry, error) {
	if n <= 0 {
		return nil, nil
	}
	n = min(n, MaxAuditRead)
	msgs, err := s.rdb.XRevRangeN(ctx, s.keyAudit(), "+", "-", int64(n)).Result()
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	out := make([]AuditEntry, 0, len(msgs))
	for _, m := range msgs {
		str := func(k string) string { v, _ := m.Values[k].(string); return v }
		at, err := time.Parse(time.RFC3339Nano, str(fAuditAt))
		if err != nil {
			return nil, fmt.Errorf("read audit log: entry %s: %w", m.ID, err)
		}
		out = append(out, AuditEntry{
			ID: m.ID, At: at, By: str(fAuditBy), Action: str(fAuditAction),
			Target: str(fAuditTarget), Before: str(fAuditBefore), After: str(fAuditAfter),
		})
	}
	return out, nil
}

// AuditLen returns the number of entries in the audit log.
func (s *Store) AuditLen(ctx context.Context) (int64, error) {
	n, err := s.rdb.XLen(ctx, s.keyAudit()).Result()
	if err != nil {
		return 0, fmt.Errorf("audit log length: %w", err)
	}
	return n, nil
}
