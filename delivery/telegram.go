package delivery

import (
	"context"
	"encoding/json"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/internal/callback"
	"github.com/aajil/aajil/telegram"
)

// Message is an alert's text as sent or edited: HTML, with or without
// Telegram's link preview; or a photo with the alert as its caption.
type Message struct {
	ChatID int64
	// Text is the message's text, or the photo's caption.
	Text        string
	LinkPreview bool
	// Photo is the URL of the picture of SendPhoto, which Telegram
	// fetches itself.
	Photo string
	// PaidBroadcast asks for allow_paid_broadcast: the global limit is
	// above FreeBroadcastRate.
	PaidBroadcast bool
	// Silent asks for disable_notification: the chat's quiet hours.
	Silent bool
	// Buttons is the inline keyboard under the message, rows of buttons
	// (buttons.go); none when empty. An edit without buttons removes
	// them.
	Buttons [][]callback.Button
}

// Telegram is the Bot API as the Sender uses it. Its errors are those of
// go-telegram-bot-api (a *tgbotapi.Error for an answer of the Bot API),
// without the bot token.
type Telegram interface {
	// SendMessage sends m and returns its message id.
	SendMessage(ctx context.Context, m Message) (int, error)
	// EditMessage replaces the text of message messageID in m.ChatID.
	EditMessage(ctx context.Context, messageID int, m Message) error
	// SendPhoto sends the picture m.Photo with m.Text as its caption and
	// returns its message id.
	SendPhoto(ctx context.Context, m Message) (int, error)
	// EditCaption replaces the caption of photo messageID in m.ChatID.
	EditCaption(ctx context.Context, messageID int, m Message) error
}

// BotAPI is the Telegram of a *tgbotapi.BotAPI.
type BotAPI struct {
	api *tgbotapi.BotAPI
}

// NewBotAPI returns the Telegram that calls api.
func NewBotAPI(api *tgbotapi.BotAPI) *BotAPI { return &BotAPI{api: api} }

// SendMessage sends m with sendMessage. It builds the parameters
// tgbotapi.MessageConfig would (HTML, the link preview setting) and adds
// allow_paid_broadcast when asked: the library has no field for it, and
// its Chattable interface has unexported methods, so the request goes
// through MakeRequest, the library's call for raw parameters.
func (b *BotAPI) SendMessage(ctx context.Context, m Message) (int, error) {
	p := tgbotapi.Params{}
	p.AddNonZero64("chat_id", m.ChatID)
	p.AddNonEmpty("text", m.Text)
	p.AddNonEmpty("parse_mode", tgbotapi.ModeHTML)
	p.AddBool("disable_web_page_preview", !m.LinkPreview)
	p.AddBool("allow_paid_broadcast", m.PaidBroadcast)
	p.AddBool("disable_notification", m.Silent)
	if err := addButtons(p, m.Buttons); err != nil {
		return 0, err
	}
	return b.send(ctx, "sendMessage", p)
}

// SendPhoto sends m.Photo by URL with sendPhoto, m.Text its HTML caption,
// through MakeRequest for allow_paid_broadcast as SendMessage does.
func (b *BotAPI) SendPhoto(ctx context.Context, m Message) (int, error) {
	p := tgbotapi.Params{}
	p.AddNonZero64("chat_id", m.ChatID)
	p.AddNonEmpty("photo", m.Photo)
	p.AddNonEmpty("caption", m.Text)
	p.AddNonEmpty("parse_mode", tgbotapi.ModeHTML)
	p.AddBool("allow_paid_broadcast", m.PaidBroadcast)
	p.AddBool("disable_notification", m.Silent)
	if err := addButtons(p, m.Buttons); err != nil {
		return 0, err
	}
	return b.send(ctx, "sendPhoto", p)
}

// send makes a request that answers with a message and returns its id.
func (b *BotAPI) send(ctx context.Context, method string, p tgbotapi.Params) (int, error) {
	resp, err := telegram.WithContext(ctx, b.api).MakeRequest(method, p)
	if err != nil {
		return 0, telegram.RedactToken(err, b.api.Token)
	}
	var msg tgbotapi.Message
	if err := json.Unmarshal(resp.Result, &msg); err != nil {
		return 0, fmt.Errorf("decode %s answer: %w", method, err)
	}
	return msg.MessageID, nil
}

// EditMessage replaces a message's text with editMessageText.
func (b *BotAPI) EditMessage(ctx context.Context, messageID int, m Message) error {
	cfg := tgbotapi.NewEditMessageText(m.ChatID, messageID, m.Text)
	cfg.ParseMode = tgbotapi.ModeHTML
	cfg.DisableWebPagePreview = !m.LinkPreview
	cfg.ReplyMarkup = inlineKeyboard(m.Buttons)
	if _, err := telegram.WithContext(ctx, b.api).Send(cfg); err != nil {
		return telegram.RedactToken(err, b.api.Token)
	}
	return nil
}

// EditCaption replaces a photo's caption with editMessageCaption.
func (b *BotAPI) EditCaption(ctx context.Context, messageID int, m Message) error {
	cfg := tgbotapi.NewEditMessageCaption(m.ChatID, messageID, m.Text)
	cfg.ParseMode = tgbotapi.ModeHTML
	cfg.ReplyMarkup = inlineKeyboard(m.Buttons)
	if _, err := telegram.WithContext(ctx, b.api).Send(cfg); err != nil {
		return telegram.RedactToken(err, b.api.Token)
	}
	return nil
}

// inlineKeyboard is rows as the library's inline keyboard; nil for none.
func inlineKeyboard(rows [][]callback.Button) *tgbotapi.InlineKeyboardMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := tgbotapi.InlineKeyboardMarkup{InlineKeyboard: make([][]tgbotapi.InlineKeyboardButton, len(rows))}
	for i, row := range rows {
		for _, b := range row {
			kb.InlineKeyboard[i] = append(kb.InlineKeyboard[i], tgbotapi.NewInlineKeyboardButtonData(b.Text, b.Data))
		}
	}
	return &kb
}

// addButtons adds rows as the request's inline keyboard; nothing for none.
func addButtons(p tgbotapi.Params, rows [][]callback.Button) error {
	if kb := inlineKeyboard(rows); kb != nil {
		if err := p.AddInterface("reply_markup", kb); err != nil {
			return fmt.Errorf("encode buttons: %w", err)
		}
	}
	return nil
}
