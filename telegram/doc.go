// Package telegram wraps the Bot API client (go-telegram-bot-api): it
// connects and checks the token, bounds calls with a context, keeps the
// token out of errors, publishes the command menu and the webhook, and
// turns a failed call into one decision (Classify) for every caller.
package telegram
