// Package delivery sends the alerts of the Redis outbox to Telegram.
//
// Its Sender consumes the outbox partitions it holds the lease of, keeps
// each chat's alerts in order (urgent ones first) under the send limits
// shared by every instance, follows Telegram's answers (429s, migrated
// groups, chats that refuse the bot, failures to retry or to dead-letter)
// and edits sent alerts to name the story's later sources. RenderAlert
// is the alert's message, in Telegram HTML, as it is sent and edited. It
// also paces the bot's command replies under the same limits (Wait,
// Hold).
//
// It reaches Redis and the Bot API through the small interfaces in
// store.go and telegram.go: RedisStore adapts a *store.Store to its
// Store, BotAPI adapts a *tgbotapi.BotAPI.
package delivery
