package bot

import (
	"context"
	"errors"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/telegram"
)

// WithContext is telegram.WithContext, by the name the alert sender and
// editor call it.
func WithContext(ctx context.Context, api *tgbotapi.BotAPI) *tgbotapi.BotAPI {
	return telegram.WithContext(ctx, api)
}

// RedactToken is telegram.RedactToken, by the name the alert sender and
// editor call it.
func RedactToken(err error, token string) error { return telegram.RedactToken(err, token) }

// isTelegramError reports whether err is an error answer of the Bot API
// whose description contains what.
func isTelegramError(err error, what string) bool {
	var tgErr *tgbotapi.Error
	return errors.As(err, &tgErr) && strings.Contains(tgErr.Message, what)
}
