package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aajil/aajil/feeds"
)

// storedState is the stored form of feeds.SourceState, with JSON names of
// its own so that the stored format does not follow renames in feeds.
type storedState struct {
	ID           string        `json:"id"`
	Paused       bool          `json:"paused,omitempty"`
	ETag         string        `json:"etag,omitempty"`
	LastModified string        `json:"last_modified,omitempty"`
	Failures     int           `json:"failures,omitempty"`
	NextDue      time.Time     `json:"next_due,omitzero"`
	LastPoll     time.Time     `json:"last_poll,omitzero"`
	LastSuccess  time.Time     `json:"last_success,omitzero"`
	LastErrorAt  time.Time     `json:"last_error_at,omitzero"`
	LastError    string        `json:"last_error,omitempty"`
	ErrorClass   string        `json:"last_error_class,omitempty"`
	LastLag      time.Duration `json:"last_lag,omitempty"`
	Polls        int64         `json:"polls,omitempty"`
	Errors       int64         `json:"errors,omitempty"`
	NotModified  int64         `json:"not_modified,omitempty"`
	Items        int64         `json:"items,omitempty"`
	// The adaptive interval; absent from records written before it.
	Interval     time.Duration `json:"interval,omitempty"`
	Reason       string        `json:"interval_reason,omitempty"`
	RateItems    float64       `json:"rate_items,omitempty"`
	RateSpan     time.Duration `json:"rate_span,omitempty"`
	CascadeUntil time.Time     `json:"cascade_until,omitzero"`
}

func fromSourceState(st feeds.SourceState) storedState {
	return storedState{
		ID: st.ID, Paused: st.Paused,
		ETag: st.Validators.ETag, LastModified: st.Validators.LastModified,
		Failures: st.Failures, NextDue: st.NextDue,
		LastPoll: st.LastPoll, LastSuccess: st.LastSuccess, LastErrorAt: st.LastErrorAt,
		LastError: st.LastError, ErrorClass: string(st.LastErrorClass), LastLag: st.LastLag,
		Polls: st.Polls, Errors: st.Errors, NotModified: st.NotModified, Items: st.Items,
		Interval: st.Interval, Reason: string(st.IntervalReason),
		RateItems: st.Rate.Items, RateSpan: st.Rate.Span, CascadeUntil: st.CascadeUntil,
	}
}

func (s storedState) sourceState() feeds.SourceState {
	return feeds.SourceState{
		ID: s.ID, Paused: s.Paused,
		Validators: feeds.Validators{ETag: s.ETag, LastModified: s.LastModified},
		Failures:   s.Failures, NextDue: s.NextDue,
		LastPoll: s.LastPoll, LastSuccess: s.LastSuccess, LastErrorAt: s.LastErrorAt,
		LastError: s.LastError, LastErrorClass: feeds.ErrorClass(s.ErrorClass), LastLag: s.LastLag,
		Polls: s.Polls, Errors: s.Errors, NotModified: s.NotModified, Items: s.Items,
		Interval: s.Interval, IntervalReason: feeds.IntervalReason(s.Reason),
		Rate: feeds.Rate{Items: s.RateItems, Span: s.RateSpan}, CascadeUntil: s.CascadeUntil,
	}
}

// SaveState stores a source's poll state (validators, backoff, last
// success and error, counts), so that a restart resumes conditional GETs
// and health reports survive it. The state expires Options.StateTTL after
// its last save.
func (s *Store) SaveState(ctx context.Context, st feeds.SourceState) error {
	return s.SaveStates(ctx, []feeds.SourceState{st})
}

// SaveStates is SaveState for many sources in one pipelined round trip
// (which a Cluster client splits by node).
func (s *Store) SaveStates(ctx context.Context, states []feeds.SourceState) error {
	vals := make([][]byte, len(states))
	for i, st := range states {
		if st.ID == "" {
			return errors.New("save state: empty source id")
		}
		b, err := json.Marshal(fromSourceState(st))
		if err != nil {
			return fmt.Errorf("save state %s: %w", st.ID, err)
		}
		vals[i] = b
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, st := range states {
			p.Set(ctx, s.keyState(st.ID), vals[i], s.opts.StateTTL)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save states: %w", err)
	}
	return nil
}

// LoadStates returns the stored poll state of every source in the
// registry that has one, by source id. It reads the ids from the
// registry rather than SCANning, in one pipelined round trip (which a
// Cluster client splits by node).
func (s *Store) LoadStates(ctx context.Context) (map[string]feeds.SourceState, error) {
	ids, err := s.rdb.HKeys(ctx, s.keySources()).Result()
	if err != nil {
		return nil, fmt.Errorf("load states: %w", err)
	}
	out := make(map[string]feeds.SourceState, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	cmds := make([]*redis.StringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Get(ctx, s.keyState(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("load states: %w", err)
	}
	for i, c := range cmds {
		raw, err := c.Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load state %s: %w", ids[i], err)
		}
		var st storedState
		if err := json.Unmarshal(raw, &st); err != nil {
			return nil, fmt.Errorf("decode state %s: %w", ids[i], err)
		}
		out[ids[i]] = st.sourceState()
	}
	return out, nil
}
