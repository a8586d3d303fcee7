package telegram

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Kind is what a failed Bot API call means for the caller.
type Kind int

// The kinds of failure, from Classify.
const (
	// OK: no error.
	OK Kind = iota
	// TooManyRequests: 429 (or any answer with retry_after); wait
	// Verdict.RetryAfter before sending to the chat again.
	TooManyRequests
	// Migrated: the group became a supergroup, whose id is
	// Verdict.MigrateTo.
	Migrated
	// ChatGone: the chat will not take the bot's messages: the user
	// blocked the bot or was deactivated, the bot was kicked or lacks
	// the right to post, the chat does not exist.
	ChatGone
	// BadRequest: Telegram refuses the request itself (bad HTML, text
	// too long…); repeating it cannot help.
	BadRequest
	// NotModified: an edit that changes nothing.
	NotModified
	// MediaRefused: Telegram could not use the picture of a sendPhoto
	// (it could not fetch the URL, the content is no image, it could not
	// process it); the same message without the picture may go.
	MediaRefused
	// Unauthorized: the token is refused (401, or 404 for a malformed
	// one).
	Unauthorized
	// Conflict: 409, another getUpdates or a webhook uses the token.
	Conflict
	// ServerError: 5xx; Telegram may answer the same request later.
	ServerError
	// Network: no answer (a timeout, a lost connection, an unreadable
	// reply); the request may or may not have been carried out.
	Network
	// Canceled: the caller's context was cancelled.
	Canceled
	// Other: an error answer none of the above describes.
	Other
)

var kindNames = [...]string{"ok", "too_many_requests", "migrated", "chat_gone", "bad_request",
	"not_modified", "media_refused", "unauthorized", "conflict", "server_error", "network", "canceled", "other"}

// String names the kind, as in logs.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Verdict is Classify's reading of an error.
type Verdict struct {
	Kind Kind
	// RetryAfter is the wait Telegram asked for (retry_after), zero when
	// it named none.
	RetryAfter time.Duration
	// MigrateTo is the supergroup a group became (migrate_to_chat_id).
	MigrateTo int64
	// Code and Description are Telegram's answer; zero and empty when
	// there was none.
	Code        int
	Description string
}

// descriptions tells apart the answers that share a code, by words of
// their description (lower case). Every 403 means the chat refuses the
// bot (blocked, deactivated, kicked, not a member), so only 400 needs
// telling apart; a 400 found here is no bad request.
var descriptions = []struct {
	code int
	text string
	kind Kind
}{
	{http.StatusBadRequest, "message is not modified", NotModified},
	{http.StatusBadRequest, "chat not found", ChatGone},
	{http.StatusBadRequest, "group chat was deactivated", ChatGone},
	{http.StatusBadRequest, "peer_id_invalid", ChatGone},
	{http.StatusBadRequest, "user not found", ChatGone},
	{http.StatusBadRequest, "bot was kicked", ChatGone},
	{http.StatusBadRequest, "chat_write_forbidden", ChatGone},
	{http.StatusBadRequest, "not enough rights to send", ChatGone},
	// The picture of a sendPhoto given by URL: Telegram fetches it itself
	// and says why it could not use it.
	{http.StatusBadRequest, "wrong file identifier/http url specified", MediaRefused},
	{http.StatusBadRequest, "wrong remote file identifier specified", MediaRefused},
	{http.StatusBadRequest, "failed to get http url content", MediaRefused},
	{http.StatusBadRequest, "wrong type of the web page content", MediaRefused},
	{http.StatusBadRequest, "image_process_failed", MediaRefused},
	{http.StatusBadRequest, "photo_invalid_dimensions", MediaRefused},
	{http.StatusBadRequest, "photo_ext_invalid", MediaRefused},
	{http.StatusBadRequest, "photo_save_file_invalid", MediaRefused},
	{http.StatusBadRequest, "webpage_curl_failed", MediaRefused},
	{http.StatusBadRequest, "webpage_media_empty", MediaRefused},
}

// Classify reads a failed Bot API call: by Telegram's code and response
// parameters first, by the description only where one code means
// several things. An error that carries no answer is Canceled when the
// context was cancelled and Network otherwise (a deadline is a timeout).
func Classify(err error) Verdict {
	if err == nil {
		return Verdict{Kind: OK}
	}
	var e *tgbotapi.Error
	if !errors.As(err, &e) {
		if errors.Is(err, context.Canceled) {
			return Verdict{Kind: Canceled}
		}
		return Verdict{Kind: Network}
	}
	v := Verdict{
		Code:        e.Code,
		Description: e.Message,
		RetryAfter:  time.Duration(e.RetryAfter) * time.Second,
		MigrateTo:   e.MigrateToChatID,
	}
	v.Kind = kindOf(e)
	return v
}

// kindOf is the kind of an error answer.
func kindOf(e *tgbotapi.Error) Kind {
	switch {
	case e.Code == http.StatusTooManyRequests || e.RetryAfter > 0:
		return TooManyRequests
	case e.MigrateToChatID != 0:
		return Migrated
	case e.Code == http.StatusUnauthorized || e.Code == http.StatusNotFound:
		return Unauthorized
	case e.Code == http.StatusConflict:
		return Conflict
	case e.Code >= 500:
		return ServerError
	case e.Code == http.StatusForbidden:
		return ChatGone
	}
	desc := strings.ToLower(e.Message)
	for _, d := range descriptions {
		if d.code == e.Code && strings.Contains(desc, d.text) {
			return d.kind
		}
	}
	if e.Code == http.StatusBadRequest {
		return BadRequest
	}
	return Other
}
