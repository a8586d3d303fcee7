package bot

import (
	"context"
	"fmt"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/alerts/match"
	"github.com/aajil/aajil/internal/callback"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram"
	"github.com/aajil/aajil/telegram/tgtext"
)

// The buttons under alerts (drawn by package delivery with
// callback.AlertKeyboard): "Mute this source" asks once, then removes the
// source from the chat's sources as /sources would, and offers "Undo";
// "Why?" says which rule matched which words. In a group or channel only
// its admins may mute; anyone may ask why.

// maxAnswerRunes is the most characters Telegram shows in a callback
// answer.
const maxAnswerRunes = 200

// cmdButtons is /buttons on|off: the buttons under alerts.
func (b *Bot) cmdButtons(ctx context.Context, c *cmdContext) error {
	var off bool
	switch alerts.Normalize(c.cmd.Args) {
	case "on", "تشغيل", "تفعيل", "نعم":
	case "off", "ايقاف", "إيقاف", "لا", "تعطيل":
		off = true
	default:
		return b.reply(ctx, c, T(c.lang, MsgUsageButtons))
	}
	if _, err := b.st.UpdateSubscriber(ctx, c.targetID(), func(s *store.Subscriber) error {
		s.NoButtons = off
		return nil
	}); err != nil {
		return err
	}
	if off {
		return b.reply(ctx, c, T(c.lang, MsgButtonsOff))
	}
	return b.reply(ctx, c, T(c.lang, MsgButtonsOn))
}

// onAlertButton handles a press on an alert's button.
func (b *Bot) onAlertButton(ctx context.Context, c *cmdContext, q *tgbotapi.CallbackQuery, a callback.Alert) error {
	if c.sub == nil {
		return b.answer(ctx, q, Plain(c.lang, MsgNotSubscribed))
	}
	if a.Action == callback.Why {
		return b.onWhy(ctx, c, q, a.Arg)
	}
	if isGroup(c.chat.Type) || c.chat.Type == "channel" {
		admin, err := b.groupAdmins.isAdmin(ctx, c.chat.ID, q.From.ID)
		if err != nil {
			return err
		}
		if !admin {
			return b.answerAlert(ctx, q, Plain(c.lang, MsgMuteNotAdmin))
		}
	}
	srcs, err := b.st.Sources(ctx)
	if err != nil {
		return err
	}
	rec, ok := findSource(srcs, a.Arg)
	if !ok {
		return b.answer(ctx, q, Plain(c.lang, MsgUnknownSource, a.Arg))
	}
	key, name := sourceKey(rec.Source.ID), sourceName(rec)
	story := whyStory(q.Message)
	alertLang := subLang(*c.sub)
	var kb [][]callback.Button
	toast := ""
	switch a.Action {
	case callback.MuteAsk:
		kb = [][]callback.Button{{
			{Text: Plain(alertLang, MsgButtonMuteConfirm, name), Data: callback.Alert{Action: callback.MuteConfirm, Arg: key}.Data()},
			{Text: Plain(alertLang, MsgButtonCancel), Data: callback.Alert{Action: callback.MuteCancel, Arg: key}.Data()},
		}}
		kb = append(kb, whyRow(alertLang, story)...)
	case callback.MuteConfirm:
		if following(*c.sub, rec.Source.ID) {
			out, err := b.toggleSource(ctx, c.chat.ID, srcs, rec)
			if err != nil {
				return err
			}
			if out == toggleLast {
				if err := b.editButtons(ctx, q.Message, alertKeyboard(alertLang, rec.Source.ID, story)); err != nil {
					return err
				}
				return b.answerAlert(ctx, q, Plain(c.lang, MsgSourceLastOne))
			}
		}
		kb = [][]callback.Button{{{Text: Plain(alertLang, MsgButtonUndo), Data: callback.Alert{Action: callback.Unmute, Arg: key}.Data()}}}
		kb = append(kb, whyRow(alertLang, story)...)
		toast = Plain(c.lang, MsgMuted, name)
	case callback.Unmute:
		if !following(*c.sub, rec.Source.ID) {
			if _, err := b.toggleSource(ctx, c.chat.ID, srcs, rec); err != nil {
				return err
			}
		}
		kb = alertKeyboard(alertLang, rec.Source.ID, story)
		toast = Plain(c.lang, MsgSourceFollowed, name)
	default: // MuteCancel
		kb = alertKeyboard(alertLang, rec.Source.ID, story)
	}
	if err := b.editButtons(ctx, q.Message, kb); err != nil {
		return err
	}
	return b.answer(ctx, q, toast)
}

// alertKeyboard is an alert's keyboard as first sent.
func alertKeyboard(lang Lang, sourceID, story string) [][]callback.Button {
	return callback.AlertKeyboard(string(lang), sourceID, story, story != "")
}

// whyRow is the "Why?" button alone, for the keyboards that replace the
// mute button; none without a story.
func whyRow(lang Lang, story string) [][]callback.Button {
	kb := callback.AlertKeyboard(string(lang), "-", story, story != "")
	if len(kb) == 0 || len(kb[0]) < 2 {
		return nil
	}
	return [][]callback.Button{kb[0][1:]}
}

// whyStory is the story of an alert's "Why?" button, "" when it has none.
func whyStory(m *tgbotapi.Message) string {
	if m == nil || m.ReplyMarkup == nil {
		return ""
	}
	for _, row := range m.ReplyMarkup.InlineKeyboard {
		for _, btn := range row {
			if btn.CallbackData == nil {
				continue
			}
			if a, ok := callback.ParseAlert(*btn.CallbackData); ok && a.Action == callback.Why {
				return a.Arg
			}
		}
	}
	return ""
}

// onWhy answers "Why?": the rule the alert matched and the words of the
// headline that met each of its terms, from the story's record of the
// message (kept store.Options.StoryMessagesTTL).
func (b *Bot) onWhy(ctx context.Context, c *cmdContext, q *tgbotapi.CallbackQuery, storyID string) error {
	sm, err := b.st.StoryMessages(ctx, storyID)
	if err != nil {
		return err
	}
	var rule string
	found := false
	for _, m := range sm.Messages {
		if m.ChatID == c.chat.ID {
			rule, found = m.Rule, true
			break
		}
	}
	if !found || sm.Base.Title == "" {
		return b.answerAlert(ctx, q, Plain(c.lang, MsgWhyGone))
	}
	return b.answerAlert(ctx, q, explainRule(c.lang, rule, sm.Base.Title))
}

// explainRule is the answer to "Why?" for an alert of title that matched
// rule ("" for an urgent alert to a chat without rules).
func explainRule(lang Lang, rule, title string) string {
	if rule == "" {
		return Plain(lang, MsgWhyUrgent)
	}
	r, err := match.ParseRule(rule)
	if err != nil {
		return Plain(lang, MsgWhyRule, rule, "")
	}
	ex, ok := r.Explain(alerts.Normalize(title))
	if !ok {
		return Plain(lang, MsgWhyRule, rule, "")
	}
	words := make([]string, len(ex.Words))
	for i, w := range ex.Words {
		words[i] = strings.Join(w, " ")
	}
	return Plain(lang, MsgWhyRule, rule, strings.Join(words, Plain(lang, MsgWhySep)))
}

// editButtons replaces the keyboard of one of the bot's messages
// (editMessageReplyMarkup); the text stays. No change is not an error.
func (b *Bot) editButtons(ctx context.Context, m *tgbotapi.Message, rows [][]callback.Button) error {
	if err := b.pace(ctx, m.Chat.ID); err != nil {
		return err
	}
	kb := tgbotapi.InlineKeyboardMarkup{InlineKeyboard: make([][]tgbotapi.InlineKeyboardButton, 0, len(rows))}
	for _, row := range rows {
		r := make([]tgbotapi.InlineKeyboardButton, len(row))
		for i, btn := range row {
			r[i] = tgbotapi.NewInlineKeyboardButtonData(btn.Text, btn.Data)
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	_, err := telegram.WithContext(ctx, b.api).Request(tgbotapi.NewEditMessageReplyMarkup(m.Chat.ID, m.MessageID, kb))
	if err != nil && telegram.Classify(err).Kind != telegram.NotModified {
		return fmt.Errorf("edit buttons of message %d in %d: %w", m.MessageID, m.Chat.ID, telegram.RedactToken(err, b.api.Token))
	}
	return nil
}

// answerAlert answers a button press with text in a dialog the user
// closes (show_alert), cut to what Telegram shows.
func (b *Bot) answerAlert(ctx context.Context, q *tgbotapi.CallbackQuery, text string) error {
	cfg := tgbotapi.NewCallbackWithAlert(q.ID, tgtext.CutRunes(text, maxAnswerRunes))
	if _, err := telegram.WithContext(ctx, b.api).Request(cfg); err != nil {
		return fmt.Errorf("answer callback: %w", telegram.RedactToken(err, b.api.Token))
	}
	return nil
}
