// Package bot is Aajil's Telegram face: the subscriber and admin commands,
// their replies in Arabic and English. Alerts are sent by package delivery.
//
// It talks to the Bot API through go-telegram-bot-api. NewAPI connects and
// checks the token (getMe) at start; SetCommands publishes the command menu
// per language. The endpoint is configurable (AAJIL_TELEGRAM_API, in
// tgbotapi's "http://host/bot%s/%s" form) so that tests run against the
// in-process fake in package telegramtest. The token never appears in an
// error or a log line: errors that may carry it pass through RedactToken.
package bot
