package delivery

import (
	"errors"
	"net/http"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
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

// classify is the Bot API error policy: what a failed call's error means.
func classify(err error) failure {
	var tgErr *tgbotapi.Error
	if !errors.As(err, &tgErr) {
		return failure{verdict: verdictRetry}
	}
	f := failure{verdict: verdictRetry, answered: true, code: tgErr.Code, message: tgErr.Message}
	switch {
	case tgErr.Code == http.StatusTooManyRequests || tgErr.RetryAfter > 0:
		f.verdict = verdictRateLimited
		f.retryAfter = time.Duration(max(tgErr.RetryAfter, 1)) * time.Second
	case tgErr.MigrateToChatID != 0:
		f.verdict = verdictMigrated
		f.migrateTo = tgErr.MigrateToChatID
	case strings.Contains(tgErr.Message, "message is not modified"):
		f.verdict = verdictNotModified
	case refusesBot(tgErr):
		f.verdict = verdictChatGone
	case tgErr.Code == http.StatusBadRequest:
		f.verdict = verdictRejected
	}
	return f
}

// refusesBot reports whether Telegram's answer means the chat will not
// take the bot's messages.
func refusesBot(e *tgbotapi.Error) bool {
	if e.Code == http.StatusForbidden {
		return true
	}
	if e.Code != http.StatusBadRequest {
		return false
	}
	msg := strings.ToLower(e.Message)
	for _, s := range []string{"chat not found", "group chat was deactivated", "peer_id_invalid", "user not found", "bot was kicked", "chat_write_forbidden", "not enough rights to send"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
