package delivery

import (
	"time"

	"github.com/aajil/aajil/telegram"
)

// verdict is what a failed Bot API call means for the message.
type verdict int

const (
	// verdictRetry: it may pass. No answer (a timeout or a lost
	// connection: the message may have gone), a 5xx, or a 401/404/…
	// that a fixed Telegram or token may cure.
	verdictRetry verdict = iota
	// verdictRateLimited: a 429, or an answer with retry_after.
	verdictRateLimited
	// verdictMigrated: the group became a supergroup (migrateTo).
	verdictMigrated
	// verdictNotModified: an edit that would not change the message.
	verdictNotModified
	// verdictChatGone: the chat will not take the bot's messages: the
	// user blocked the bot or was deactivated, the bot was kicked from
	// the group, or the chat is gone.
	verdictChatGone
	// verdictRejected: a 400 that repeating the same request cannot
	// cure (bad HTML, a text too long…).
	verdictRejected
	// verdictMediaRefused: Telegram could not fetch or use the picture
	// of a photo alert; the alert may go as text.
	verdictMediaRefused
)

// failure is a failed Bot API call, classified.
type failure struct {
	verdict verdict
	// answered: Telegram answered with an error (not a timeout or a
	// connection error).
	answered bool
	// code is Telegram's error code; 0 when Telegram did not answer.
	code int
	// message is Telegram's description of the error.
	message string
	// retryAfter is how long Telegram asked to wait (verdictRateLimited),
	// at least a second.
	retryAfter time.Duration
	// migrateTo is the supergroup a group became (verdictMigrated).
	migrateTo int64
}

// classify is the delivery's reading of a failed call: telegram.Classify
// tells what Telegram said, and every kind that is not one of the
// verdicts above is worth a retry.
func classify(err error) failure {
	v := telegram.Classify(err)
	f := failure{verdict: verdictRetry, code: v.Code, message: v.Description}
	switch v.Kind {
	case telegram.Network, telegram.Canceled:
		return f
	case telegram.TooManyRequests:
		f.verdict = verdictRateLimited
		f.retryAfter = max(v.RetryAfter, time.Second)
	case telegram.Migrated:
		f.verdict = verdictMigrated
		f.migrateTo = v.MigrateTo
	case telegram.NotModified:
		f.verdict = verdictNotModified
	case telegram.ChatGone:
		f.verdict = verdictChatGone
	case telegram.BadRequest:
		f.verdict = verdictRejected
	case telegram.MediaRefused:
		f.verdict = verdictMediaRefused
	}
	f.answered = true
	return f
}
