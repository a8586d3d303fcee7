package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/aajil/aajil/store"

	"github.com/aajil/aajil/internal/pause"
)

// Wait books a send to chatID under the shared limits and sleeps until
// its slot: command replies call it before sending, so that they and
// alerts together keep within Telegram's limits. A reply may book the
// global limit further ahead than alerts do, so it waits at most about
// MaxAhead behind a fan-out.
func (s *Sender) Wait(ctx context.Context, chatID int64) error {
	wait, err := s.book(ctx, chatID, replyMaxAhead)
	if err != nil {
		return err
	}
	if !pause.For(ctx, wait) {
		return fmt.Errorf("wait to send to %d: %w", chatID, ctx.Err())
	}
	return nil
}

// Hold keeps every message to chatID (alerts and replies, on every
// instance) back for d, as after a 429 with that retry_after.
func (s *Sender) Hold(ctx context.Context, chatID int64, d time.Duration) error {
	if err := s.rates.Penalize(ctx, chatID, d); err != nil {
		return fmt.Errorf("hold sends to %d: %w", chatID, err)
	}
	return nil
}

// book reserves a send to chatID, waiting while the chat's limit or a
// penalty refuses, and returns the wait until the booked slot.
func (s *Sender) book(ctx context.Context, chatID int64, maxAhead time.Duration) (time.Duration, error) {
	for {
		r, err := s.rates.ReserveAt(ctx, chatID, s.opts.Global, s.chatLimit(chatID), maxAhead)
		if err != nil {
			return 0, fmt.Errorf("wait to send to %d: %w", chatID, err)
		}
		if r.OK {
			return r.Wait, nil
		}
		retry := r.Wait
		if r.Refused == store.RefusedGlobal {
			retry = max(r.Wait-maxAhead, time.Millisecond)
		}
		if !pause.For(ctx, retry) {
			return 0, fmt.Errorf("wait to send to %d: %w", chatID, ctx.Err())
		}
	}
}

// chatLimit is the limit of a chat: groups and channels have negative
// ids.
func (s *Sender) chatLimit(chatID int64) store.Limit {
	if chatID < 0 {
		return s.opts.Group
	}
	return s.opts.Private
}
