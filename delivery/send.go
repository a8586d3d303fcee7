package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/tgtext"

	"github.com/aajil/aajil/internal/pause"
)

// process carries one entry as far as it goes now.
func (s *Sender) process(ctx context.Context, it *item) (outcome, time.Time) {
	if ctx.Err() != nil || s.isLost(it) {
		return outDone, time.Time{} // handed back: still pending in Redis
	}
	if rec, ok := s.unackedRecord(it.e); ok {
		// Sent, but Redis refused the acknowledgement: acknowledge it
		// now (also when its partition was lost and claimed back since).
		return s.acknowledge(ctx, it, rec, "sent")
	}
	target := s.target(it.e.ChatID)
	if out, at, done := s.screen(ctx, it, target); done {
		return out, at
	}
	r, err := s.rates.ReserveAt(ctx, target, s.opts.Global, s.chatLimit(target), s.opts.MaxAhead)
	if err != nil {
		s.redisError("reserve send", err)
		return outRetry, s.now().Add(redisRetry)
	}
	s.redisUp()
	if !r.OK {
		retry := r.Wait
		if r.Refused == store.RefusedGlobal {
			// The global queue is full to MaxAhead: come back when its
			// end is within reach, and keep this worker from spinning on
			// other chats meanwhile.
			retry = max(r.Wait-s.opts.MaxAhead, time.Millisecond)
			pause.For(ctx, min(retry, s.opts.Global.Interval))
		}
		return outRetry, s.now().Add(retry)
	}
	if !pause.For(ctx, r.Wait) || s.isLost(it) {
		return outDone, time.Time{}
	}
	return s.send(ctx, it, target)
}

// screen settles the entries that are not to be sent: to a chat that is
// gone, inactive or paused (dropped), or already sent (acknowledged).
// done is false when the entry is to be sent; its language is then the
// subscriber's.
func (s *Sender) screen(ctx context.Context, it *item, target int64) (out outcome, at time.Time, done bool) {
	e := &it.e
	sub, found, err := s.subscriber(ctx, target)
	if err != nil {
		s.redisError("load subscriber", err)
		return outRetry, s.now().Add(redisRetry), true
	}
	if !found || !sub.Active || sub.PausedUntil.After(s.now()) {
		drop := s.outbox.Drop
		if found && sub.Active {
			drop = s.dropPaused // kept in the chat's history (/last)
		}
		if err := drop(ctx, it.e); err != nil {
			s.redisError("drop delivery", err)
			return outRetry, s.now().Add(redisRetry), true
		}
		s.opts.Metrics.Delivered("dropped")
		return outDone, time.Time{}, true
	}
	e.Lang = alertLang(sub.Lang)
	it.media = sub.Media
	rec, ok, err := s.outbox.Sent(ctx, e.ChatID, e.StoryID)
	if err != nil {
		s.redisError("read sent record", err)
		return outRetry, s.now().Add(redisRetry), true
	}
	if ok {
		out, at = s.acknowledge(ctx, it, rec, "duplicate_skipped")
		return out, at, true
	}
	return s.holdForDigest(ctx, it, sub)
}

// send sends the alert to target, as a photo with the alert as its
// caption when the chat takes pictures and the item has one, and
// handles Telegram's answer.
func (s *Sender) send(ctx context.Context, it *item, target int64) (outcome, time.Time) {
	e := &it.e
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	m := Message{ChatID: target, Text: e.Text, LinkPreview: s.opts.LinkPreview, PaidBroadcast: s.paid, Silent: s.silent(ctx, target, e.Urgent)}
	if e.Text == "" { // an alert; a digest's part comes rendered
		m.Buttons = s.alertButtons(ctx, target, e.Lang, e.SourceID, e.StoryID, e.Rule)
		if photo := it.photo(); photo != "" {
			m.Photo, m.Text, m.LinkPreview = photo, s.render(ctx, e, tgtext.MaxCaptionLength), false
		} else {
			m.Text = s.render(ctx, e, 0)
		}
	}
	var msgID int
	var err error
	if m.Photo != "" {
		msgID, err = s.tg.SendPhoto(sctx, m)
	} else {
		msgID, err = s.tg.SendMessage(sctx, m)
	}
	cancel()
	now := s.now()
	if err == nil {
		s.count(store.CounterDeliveries, 1)
		s.opts.Metrics.Latency(e.MatchedAt, e.Published, now)
		s.log.Debug("sender: sent", slog.Int64("chat", target), slog.String("story", e.StoryID),
			slog.Bool("photo", m.Photo != ""), slog.Duration("since_matched", now.Sub(e.MatchedAt)))
		return s.acknowledge(ctx, it, store.SentRecord{MessageID: msgID, SentAt: now, ChatID: target, Photo: m.Photo != ""}, "sent")
	}
	if ctx.Err() != nil {
		// Shutdown cut the send short: hand the entry back. Telegram
		// may have delivered it; the next owner cannot tell.
		return outDone, time.Time{}
	}
	if m.Photo != "" {
		if out, at, done := s.photoFailed(it, target, err); done {
			return out, at
		}
	}
	return s.failed(ctx, it, target, err)
}

// photo is the picture an entry is sent with: its image when the chat
// takes pictures and no photo send of it failed; "" for a text alert.
func (it *item) photo() string {
	if !it.media || it.textOnly {
		return ""
	}
	return renderLink(it.e.Image) // an absolute http(s) URL, or ""
}

// photoFailed handles a failed photo send: but for a 429 or a migration
// (the photo is tried again after them), the entry goes as text from now
// on. When Telegram refused the picture or the request (it could not
// fetch the image, the URL is no image…), done is true and the text goes
// at once, under a new booking of the limits; other failures take their
// usual course (failed), the retry going as text.
func (s *Sender) photoFailed(it *item, target int64, err error) (out outcome, at time.Time, done bool) {
	f := classify(err)
	if f.verdict == verdictRateLimited || f.verdict == verdictMigrated {
		return 0, time.Time{}, false
	}
	it.textOnly = true
	if f.verdict != verdictMediaRefused && f.verdict != verdictRejected {
		return 0, time.Time{}, false
	}
	s.opts.Metrics.TelegramError(f.code)
	s.count(store.CounterTelegramErrors, 1)
	s.opts.Metrics.Delivered("photo_refused")
	s.log.Info("sender: picture refused; sending the alert as text", slog.Int64("chat", target),
		slog.String("story", it.e.StoryID), slog.String("image", it.e.Image), slog.String("reason", f.message))
	return outRetry, time.Time{}, true
}

// failed handles a send Telegram refused or did not answer.
func (s *Sender) failed(ctx context.Context, it *item, target int64, err error) (outcome, time.Time) {
	f := classify(err)
	s.opts.Metrics.TelegramError(f.code)
	if !f.answered {
		// Timeouts and connection errors: ambiguous, retried.
		return s.retry(ctx, it, err)
	}
	s.count(store.CounterTelegramErrors, 1)
	switch f.verdict {
	case verdictRateLimited:
		s.count(store.CounterTooManyRequests, 1)
		return s.rateLimited(ctx, target, f.retryAfter)
	case verdictMigrated:
		return s.migrate(ctx, target, f.migrateTo)
	case verdictChatGone:
		return s.chatGone(ctx, it, target, f.message)
	case verdictRejected, verdictNotModified:
		// Retrying the same request cannot help (bad HTML, too long…).
		return s.deadLetter(ctx, it, fmt.Sprintf("telegram %d: %s", f.code, f.message))
	}
	return s.retry(ctx, it, err)
}

// chatGone deactivates a chat that refuses alerts and drops the entry;
// the chat's other entries are dropped too.
func (s *Sender) chatGone(ctx context.Context, it *item, target int64, reason string) (outcome, time.Time) {
	s.log.Info("sender: chat refuses alerts; deactivated", slog.Int64("chat", target), slog.String("reason", reason))
	if err := s.subscribers.SetActive(ctx, target, false); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.redisError("deactivate subscriber", err)
		return outRetry, s.now().Add(redisRetry)
	}
	s.forgetSubscriber(target)
	s.count(store.CounterBlocked, 1)
	if err := s.outbox.Drop(ctx, it.e); err != nil {
		s.redisError("drop delivery", err)
		return outRetry, s.now().Add(redisRetry)
	}
	s.opts.Metrics.Delivered("blocked")
	return outDropChat, time.Time{}
}

// FreeBroadcastRate is the most messages a second Telegram lets a bot
// send to many chats free of charge. Above it the Sender asks for a paid
// broadcast: Telegram then takes up to 1000 a second and charges Telegram
// Stars from the bot's balance for the messages over the free limit.
const FreeBroadcastRate = 30

// paidBroadcast reports whether the global limit is above
// FreeBroadcastRate, so that alerts must be sent as paid broadcasts.
func paidBroadcast(global store.Limit) bool {
	return global.Interval > 0 && global.Interval < time.Second/FreeBroadcastRate
}

// chatAt is a chat's 429 at a time.
type chatAt struct {
	chat int64
	at   time.Time
}

// rateLimited handles a 429 for target. Telegram's 429 names no scope;
// it is taken as global (every chat waits) when retry_after is long
// (≥ 5 s: a chat's own flood limit clears within a second or two) or
// when several chats got one within a second; otherwise only the chat
// waits.
func (s *Sender) rateLimited(ctx context.Context, target int64, d time.Duration) (outcome, time.Time) {
	now := s.now()
	s.mu.Lock()
	s.flood = slices.DeleteFunc(s.flood, func(c chatAt) bool { return now.Sub(c.at) > globalFloodWindow || c.chat == target })
	s.flood = append(s.flood, chatAt{target, now})
	global := d >= globalRetryAfter || len(s.flood) >= globalFloodChats
	if global {
		s.globalUntil = now.Add(d)
		s.flood = s.flood[:0]
	}
	s.mu.Unlock()
	s.opts.Metrics.RateLimited(global)
	s.opts.Metrics.Delivered("retry")
	scope := target
	if global {
		scope = 0
	}
	s.log.Warn("sender: rate limited by telegram", slog.Int64("chat", target), slog.Bool("global", global), slog.Duration("retry_after", d))
	if err := s.rates.Penalize(ctx, scope, d); err != nil {
		s.redisError("penalize", err)
	}
	return outRetry, now.Add(d)
}

// migrate follows a group's upgrade to a supergroup: the subscriber moves
// and the entry (and later ones of the old id) go to the new id.
func (s *Sender) migrate(ctx context.Context, from, to int64) (outcome, time.Time) {
	if err := s.subscribers.MigrateSubscriber(ctx, from, to); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.redisError("migrate subscriber", err)
		return outRetry, s.now().Add(redisRetry)
	}
	s.log.Info("sender: group migrated", slog.Int64("from", from), slog.Int64("to", to))
	s.mu.Lock()
	s.migrated[from] = to
	s.mu.Unlock()
	s.forgetSubscriber(from)
	s.forgetSubscriber(to)
	s.opts.Metrics.Delivered("migrated")
	return outRetry, time.Time{}
}

// retry schedules another attempt after a failure that may pass, or
// dead-letters the entry when it has failed for longer than DeadAfter.
func (s *Sender) retry(ctx context.Context, it *item, err error) (outcome, time.Time) {
	it.attempts++
	it.lastErr = err.Error()
	now := s.now()
	if !it.e.MatchedAt.IsZero() && now.Sub(it.e.MatchedAt) > s.opts.DeadAfter {
		return s.deadLetter(ctx, it, "gave up: "+it.lastErr)
	}
	s.opts.Metrics.Delivered("retry")
	// Exponential backoff with equal jitter: half the delay fixed, half
	// random, so retries after a shared outage spread out.
	d := backoffMin << min(it.attempts-1, 20)
	d = min(d, backoffMax)
	d = d/2 + rand.N(d/2+1)
	s.log.Debug("sender: send failed; retrying", slog.Int64("chat", it.e.ChatID), slog.Int("attempts", it.attempts),
		slog.Duration("in", d), slog.Any("error", err))
	return outRetry, now.Add(d)
}

// deadLetter moves the entry to the dead-letter stream.
func (s *Sender) deadLetter(ctx context.Context, it *item, reason string) (outcome, time.Time) {
	if err := s.outbox.DeadLetter(ctx, it.e, reason, it.attempts+1); err != nil {
		s.redisError("dead-letter delivery", err)
		return outRetry, s.now().Add(redisRetry)
	}
	s.log.Warn("sender: delivery dead-lettered", slog.Int64("chat", it.e.ChatID), slog.String("story", it.e.StoryID),
		slog.String("reason", reason))
	s.count(store.CounterDeadLetters, 1)
	s.count(store.CounterDeliveriesFailed, 1)
	s.opts.Metrics.Delivered("dead")
	return outDone, time.Time{}
}

// acknowledge records a sent entry. When Redis fails, the record is kept
// (unacked) and only the acknowledgement is retried, also when the
// entry's partition is lost and claimed again meanwhile.
func (s *Sender) acknowledge(ctx context.Context, it *item, rec store.SentRecord, outcomeName string) (outcome, time.Time) {
	k := unackedKey{it.e.Partition, keyOf(it.e)}
	if err := s.outbox.Acknowledge(ctx, it.e, rec); err != nil {
		s.redisError("acknowledge delivery", err)
		s.mu.Lock()
		if len(s.unacked) < maxUnacked {
			s.unacked[k] = rec
		}
		s.mu.Unlock()
		return outRetry, s.now().Add(redisRetry)
	}
	s.mu.Lock()
	delete(s.unacked, k)
	s.mu.Unlock()
	s.opts.Metrics.Delivered(outcomeName)
	return outDone, time.Time{}
}

// unackedKey identifies an entry across partitions.
type unackedKey struct {
	partition int
	entryKey
}

// maxUnacked bounds the sent records kept for acknowledgements Redis
// refused: far more than the sends in flight when Redis goes away.
const maxUnacked = 10_000

// unackedRecord returns the record of an entry this sender sent but could
// not acknowledge.
func (s *Sender) unackedRecord(e store.OutboxEntry) (store.SentRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.unacked[unackedKey{e.Partition, keyOf(e)}]
	return rec, ok
}
