package delivery

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		err  error
		want failure
	}{
		"timeout": {context.DeadlineExceeded, failure{verdict: verdictRetry}},
		"connection reset": {errors.New("read: connection reset by peer"),
			failure{verdict: verdictRetry}},
		"429": {tooManyRequests(3), failure{verdict: verdictRateLimited, answered: true, code: 429,
			message: "Too Many Requests: retry after", retryAfter: 3 * time.Second}},
		"429 without retry_after": {tgError(429, "Too Many Requests"), failure{verdict: verdictRateLimited,
			answered: true, code: 429, message: "Too Many Requests", retryAfter: time.Second}},
		"retry_after on another code": {&tgbotapi.Error{Code: 400, Message: "flood", ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: 2}},
			failure{verdict: verdictRateLimited, answered: true, code: 400, message: "flood", retryAfter: 2 * time.Second}},
		"wrapped 429": {fmt.Errorf("send: %w", tooManyRequests(1)), failure{verdict: verdictRateLimited, answered: true,
			code: 429, message: "Too Many Requests: retry after", retryAfter: time.Second}},
		"migrated": {migratedTo(-100123), failure{verdict: verdictMigrated, answered: true, code: 400,
			message: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: -100123}},
		"not modified": {tgError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same"),
			failure{verdict: verdictNotModified, answered: true, code: 400,
				message: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same"}},
		"blocked": {tgError(403, "Forbidden: bot was blocked by the user"),
			failure{verdict: verdictChatGone, answered: true, code: 403, message: "Forbidden: bot was blocked by the user"}},
		"any 403": {tgError(403, "Forbidden"), failure{verdict: verdictChatGone, answered: true, code: 403, message: "Forbidden"}},
		"chat not found": {tgError(400, "Bad Request: chat not found"),
			failure{verdict: verdictChatGone, answered: true, code: 400, message: "Bad Request: chat not found"}},
		"group deactivated": {tgError(400, "Bad Request: group chat was deactivated"),
			failure{verdict: verdictChatGone, answered: true, code: 400, message: "Bad Request: group chat was deactivated"}},
		"peer id invalid": {tgError(400, "Bad Request: PEER_ID_INVALID"),
			failure{verdict: verdictChatGone, answered: true, code: 400, message: "Bad Request: PEER_ID_INVALID"}},
		"write forbidden": {tgError(400, "Bad Request: CHAT_WRITE_FORBIDDEN"),
			failure{verdict: verdictChatGone, answered: true, code: 400, message: "Bad Request: CHAT_WRITE_FORBIDDEN"}},
		"bad html": {tgError(400, "Bad Request: can't parse entities"),
			failure{verdict: verdictRejected, answered: true, code: 400, message: "Bad Request: can't parse entities"}},
		"5xx": {tgError(502, "Bad Gateway"), failure{verdict: verdictRetry, answered: true, code: 502, message: "Bad Gateway"}},
		"401": {tgError(401, "Unauthorized"), failure{verdict: verdictRetry, answered: true, code: 401, message: "Unauthorized"}},
		"404": {tgError(404, "Not Found"), failure{verdict: verdictRetry, answered: true, code: 404, message: "Not Found"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := classify(tc.err); got != tc.want {
				t.Errorf("classify(%v) = %+v, want %+v", tc.err, got, tc.want)
			}
		})
	}
}
