package delivery

import (
	"context"
	"time"

	"github.com/aajil/aajil/store"
)

// PausedSkipper finishes an entry to a paused chat while recording it in
// the chat's history (/last), in one round trip (store.SkipPaused). An
// Outbox that is one gets such entries through it instead of Drop.
type PausedSkipper interface {
	SkipPaused(ctx context.Context, e store.OutboxEntry, at time.Time) error
}

// dropPaused finishes an entry that a paused chat is not sent: recorded
// in its history when the outbox can, else dropped.
func (s *Sender) dropPaused(ctx context.Context, e store.OutboxEntry) error {
	if sk, ok := s.outbox.(PausedSkipper); ok {
		return sk.SkipPaused(ctx, e, s.now())
	}
	return s.outbox.Drop(ctx, e)
}

// chatLocation is the time zone of chatID's alerts: its /tz, or
// Options.Location. The subscriber comes from the short-lived cache.
func (s *Sender) chatLocation(ctx context.Context, chatID int64) *time.Location {
	sub, found, err := s.subscriber(ctx, chatID)
	if err != nil || !found {
		return s.opts.Location
	}
	return store.ChatLocation(sub.TZ, s.opts.Location)
}

// silent reports whether an alert to chatID sent now falls within the
// chat's quiet hours (/quiet), in its time zone, and is to be delivered
// without a sound: every alert, or every one but the urgent ones.
func (s *Sender) silent(ctx context.Context, chatID int64, urgent bool) bool {
	sub, found, err := s.subscriber(ctx, chatID)
	if err != nil || !found || sub.Quiet == nil {
		return false
	}
	return sub.Quiet.Silent(s.now(), s.zoneOf(sub), urgent)
}
