package telegram

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func apiError(code int, desc string, params tgbotapi.ResponseParameters) error {
	return fmt.Errorf("send to 1: %w", &tgbotapi.Error{Code: code, Message: desc, ResponseParameters: params})
}

func TestClassify(t *testing.T) {
	none := tgbotapi.ResponseParameters{}
	tests := []struct {
		name string
		err  error
		want Verdict
	}{
		{"nil", nil, Verdict{Kind: OK}},
		{"429", apiError(429, "Too Many Requests: retry after 7", tgbotapi.ResponseParameters{RetryAfter: 7}),
			Verdict{Kind: TooManyRequests, RetryAfter: 7 * time.Second, Code: 429, Description: "Too Many Requests: retry after 7"}},
		{"429 without retry_after", apiError(429, "Too Many Requests", none),
			Verdict{Kind: TooManyRequests, Code: 429, Description: "Too Many Requests"}},
		{"retry_after on another code", apiError(400, "Flood", tgbotapi.ResponseParameters{RetryAfter: 3}),
			Verdict{Kind: TooManyRequests, RetryAfter: 3 * time.Second, Code: 400, Description: "Flood"}},
		{"migrated", apiError(400, "Bad Request: group chat was upgraded to a supergroup chat", tgbotapi.ResponseParameters{MigrateToChatID: -1001}),
			Verdict{Kind: Migrated, MigrateTo: -1001, Code: 400, Description: "Bad Request: group chat was upgraded to a supergroup chat"}},
		{"blocked", apiError(403, "Forbidden: bot was blocked by the user", none),
			Verdict{Kind: ChatGone, Code: 403, Description: "Forbidden: bot was blocked by the user"}},
		{"user deactivated", apiError(403, "Forbidden: user is deactivated", none),
			Verdict{Kind: ChatGone, Code: 403, Description: "Forbidden: user is deactivated"}},
		{"kicked 403", apiError(403, "Forbidden: bot was kicked from the supergroup chat", none),
			Verdict{Kind: ChatGone, Code: 403, Description: "Forbidden: bot was kicked from the supergroup chat"}},
		{"chat not found", apiError(400, "Bad Request: chat not found", none),
			Verdict{Kind: ChatGone, Code: 400, Description: "Bad Request: chat not found"}},
		{"group deactivated", apiError(400, "Bad Request: group chat was deactivated", none),
			Verdict{Kind: ChatGone, Code: 400, Description: "Bad Request: group chat was deactivated"}},
		{"peer id invalid", apiError(400, "Bad Request: PEER_ID_INVALID", none),
			Verdict{Kind: ChatGone, Code: 400, Description: "Bad Request: PEER_ID_INVALID"}},
		{"user not found", apiError(400, "Bad Request: user not found", none),
			Verdict{Kind: ChatGone, Code: 400, Description: "Bad Request: user not found"}},
		{"kicked 400", apiError(400, "Bad Request: bot was kicked from the channel chat", none),
			Verdict{Kind: ChatGone, Code: 400, Description: "Bad Request: bot was kicked from the channel chat"}},
		{"write forbidden", apiError(400, "Bad Request: CHAT_WRITE_FORBIDDEN", none),
			Verdict{Kind: ChatGone, Code: 400, Description: "Bad Request: CHAT_WRITE_FORBIDDEN"}},
		{"no rights in a channel", apiError(400, "Bad Request: not enough rights to send text messages to the chat", none),
			Verdict{Kind: ChatGone, Code: 400, Description: "Bad Request: not enough rights to send text messages to the chat"}},
		{"not modified", apiError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same", none),
			Verdict{Kind: NotModified, Code: 400, Description: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same"}},
		{"photo URL refused", apiError(400, "Bad Request: wrong file identifier/HTTP URL specified", none),
			Verdict{Kind: MediaRefused, Code: 400, Description: "Bad Request: wrong file identifier/HTTP URL specified"}},
		{"photo not fetched", apiError(400, "Bad Request: failed to get HTTP URL content", none),
			Verdict{Kind: MediaRefused, Code: 400, Description: "Bad Request: failed to get HTTP URL content"}},
		{"photo URL is a page", apiError(400, "Bad Request: wrong type of the web page content", none),
			Verdict{Kind: MediaRefused, Code: 400, Description: "Bad Request: wrong type of the web page content"}},
		{"photo not processed", apiError(400, "Bad Request: IMAGE_PROCESS_FAILED", none),
			Verdict{Kind: MediaRefused, Code: 400, Description: "Bad Request: IMAGE_PROCESS_FAILED"}},
		{"photo dimensions", apiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS", none),
			Verdict{Kind: MediaRefused, Code: 400, Description: "Bad Request: PHOTO_INVALID_DIMENSIONS"}},
		{"bad HTML", apiError(400, "Bad Request: can't parse entities: Unsupported start tag \"x\"", none),
			Verdict{Kind: BadRequest, Code: 400, Description: "Bad Request: can't parse entities: Unsupported start tag \"x\""}},
		{"too long", apiError(400, "Bad Request: message is too long", none),
			Verdict{Kind: BadRequest, Code: 400, Description: "Bad Request: message is too long"}},
		{"401", apiError(401, "Unauthorized", none), Verdict{Kind: Unauthorized, Code: 401, Description: "Unauthorized"}},
		{"404 malformed token", apiError(404, "Not Found", none), Verdict{Kind: Unauthorized, Code: 404, Description: "Not Found"}},
		{"409", apiError(409, "Conflict: terminated by other getUpdates request", none),
			Verdict{Kind: Conflict, Code: 409, Description: "Conflict: terminated by other getUpdates request"}},
		{"500", apiError(500, "Internal Server Error", none), Verdict{Kind: ServerError, Code: 500, Description: "Internal Server Error"}},
		{"502", apiError(502, "Bad Gateway", none), Verdict{Kind: ServerError, Code: 502, Description: "Bad Gateway"}},
		{"other 4xx", apiError(413, "Request Entity Too Large", none), Verdict{Kind: Other, Code: 413, Description: "Request Entity Too Large"}},
		{"connection refused", &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}},
			Verdict{Kind: Network}},
		{"timeout", &url.Error{Op: "Post", URL: "http://x", Err: context.DeadlineExceeded}, Verdict{Kind: Network}},
		{"undecodable answer", errors.New("decode sendMessage answer: unexpected EOF"), Verdict{Kind: Network}},
		{"canceled", &url.Error{Op: "Post", URL: "http://x", Err: context.Canceled}, Verdict{Kind: Canceled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %+v; want %+v", tt.err, got, tt.want)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	for k := OK; k <= Other; k++ {
		if k.String() == "unknown" {
			t.Errorf("Kind(%d) has no name", k)
		}
	}
	if got := Kind(-1).String(); got != "unknown" {
		t.Errorf("Kind(-1) = %q; want unknown", got)
	}
}
