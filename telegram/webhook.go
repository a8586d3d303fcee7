package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// validSecret is Telegram's syntax for a webhook secret token.
var validSecret = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// SetWebhook asks Telegram to deliver updates of the types allowed to
// url (https), with secret in the X-Telegram-Bot-Api-Secret-Token
// header. secret must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -.
// Pending updates are kept.
func SetWebhook(ctx context.Context, api *tgbotapi.BotAPI, url, secret string, allowed []string) error {
	if !validSecret.MatchString(secret) {
		return errors.New("set webhook: the secret must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
	}
	types, err := json.Marshal(allowed)
	if err != nil {
		return fmt.Errorf("set webhook: %w", err)
	}
	// tgbotapi v5's WebhookConfig has no secret_token; the raw call has.
	params := tgbotapi.Params{"url": url, "secret_token": secret, "allowed_updates": string(types)}
	if _, err := WithContext(ctx, api).MakeRequest("setWebhook", params); err != nil {
		return fmt.Errorf("set webhook: %w", RedactToken(err, api.Token))
	}
	return nil
}

// DeleteWebhook removes the webhook, so that getUpdates works again;
// pending updates are kept for the poller.
func DeleteWebhook(ctx context.Context, api *tgbotapi.BotAPI) error {
	if _, err := WithContext(ctx, api).Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		return fmt.Errorf("delete webhook: %w", RedactToken(err, api.Token))
	}
	return nil
}
