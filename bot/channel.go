package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram"
	"github.com/aajil/aajil/telegram/tgtext"
)

// A channel cannot send the bot commands in any usable way (posts there
// are the channel's, not an admin's), so one of its admins manages its
// subscription from a private chat with the bot: "/channel @name" makes
// the subscription commands of that chat act on the channel until
// "/channel off". The choice is kept in Redis (store.ManagedChat), and
// every command re-checks that the user is still an admin of the channel.

// DefaultManageTTL is how long a private chat keeps managing a channel
// after its last command: a day, so that a user who comes back the next
// morning does not change a channel believing it is their own chat.
const DefaultManageTTL = 24 * time.Hour

// Callback data prefixes of the channel buttons (see also cbClear…).
const (
	// cbChannel prefixes the data of a button on a reply about a managed
	// channel: "ch:ID:" then the button's own data, ID in base 36 to
	// leave room for the rest in Telegram's 64 bytes.
	cbChannel = "ch:"
	// cbManage is the "manage this channel" button after /start
	// @channel: "mng:@name" does /channel @name.
	cbManage = "mng:"
)

// channelOff holds the arguments of /channel that go back to managing
// the private chat itself, normalised (alerts.Normalize).
var channelOff = map[string]bool{
	"off": true, "me": true, "self": true, "back": true,
	"خروج": true, "رجوع": true, "انا": true, "الغاء": true,
}

// framed is text as sent: after a line naming the managed channel, when
// there is one, so that the user never takes a reply about the channel
// for one about their own chat.
func (c *cmdContext) framed(text string) string {
	if c.managed == nil {
		return text
	}
	return T(c.lang, MsgChannelHeader, c.managed.Name) + "\n" + text
}

// callbackPrefix is what the data of the reply's buttons starts with: the
// managed channel's id, so that a press acts on the chat the message is
// about, not on whatever the user manages when pressing.
func (c *cmdContext) callbackPrefix() string {
	if c.managed == nil {
		return ""
	}
	return cbChannel + strconv.FormatInt(c.managed.ChatID, 36) + ":"
}

// cmdChannel is /channel (and /manage): "@name" or a t.me link manages
// that channel from this private chat, "off" goes back to the chat
// itself, and nothing says which chat is managed.
func (b *Bot) cmdChannel(ctx context.Context, c *cmdContext) error {
	if c.chat.Type != "private" {
		return b.reply(ctx, c, T(c.lang, MsgChannelPrivateOnly))
	}
	arg := strings.TrimSpace(c.cmd.Args)
	if arg == "" {
		m, err := b.st.ManagedChat(ctx, c.chat.ID, b.opts.ManageTTL)
		if errors.Is(err, store.ErrNotFound) {
			return b.reply(ctx, c, T(c.lang, MsgChannelNone))
		}
		if err != nil {
			return err
		}
		return b.reply(ctx, c, T(c.lang, MsgChannelCurrent, m.Name))
	}
	if channelOff[alerts.Normalize(tgtext.StripControls(arg))] {
		if _, err := b.st.ClearManagedChat(ctx, c.chat.ID); err != nil {
			return err
		}
		return b.reply(ctx, c, T(c.lang, MsgChannelOff))
	}
	name, ok := channelName(arg)
	if !ok {
		return b.reply(ctx, c, T(c.lang, MsgChannelUsage))
	}
	return b.manageChannel(ctx, c, name)
}

// manageChannel makes the private chat of c manage the channel name,
// when the user is one of its admins and it is subscribed.
func (b *Bot) manageChannel(ctx context.Context, c *cmdContext, name string) error {
	ch, ok, err := b.checkChannel(ctx, c, name, MsgChannelManageNotAdmin)
	if err != nil || !ok {
		return err
	}
	if _, err := b.st.Subscriber(ctx, ch.id); errors.Is(err, store.ErrNotFound) {
		return b.reply(ctx, c, T(c.lang, MsgChannelNotSubscribed, ch.name))
	} else if err != nil {
		return err
	}
	m := store.ManagedChat{ChatID: ch.id, Name: ch.name}
	if err := b.st.SetManagedChat(ctx, c.chat.ID, m, b.opts.ManageTTL); err != nil {
		return err
	}
	c.managed = &m
	return b.reply(ctx, c, T(c.lang, MsgChannelManaging, ch.name))
}

// channelInfo is a channel found by its @username.
type channelInfo struct {
	id    int64
	name  string // "@username", as Telegram spells it
	title string
}

// checkChannel finds the channel name and checks that the bot is an
// admin there (it must post the alerts) and that the sender is one of
// its admins. On a refusal it answers c (notAdmin when the sender is not
// an admin) and returns ok false.
func (b *Bot) checkChannel(ctx context.Context, c *cmdContext, name string, notAdmin MsgID) (ch channelInfo, ok bool, err error) {
	got, err := telegram.WithContext(ctx, b.api).GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{SuperGroupUsername: name}})
	if isRefusal(err) {
		return ch, false, b.reply(ctx, c, T(c.lang, MsgChannelNotFound, name))
	}
	if err != nil {
		return ch, false, fmt.Errorf("get chat %s: %w", name, telegram.RedactToken(err, b.api.Token))
	}
	if got.Type != "channel" {
		return ch, false, b.reply(ctx, c, T(c.lang, MsgChannelNotFound, name))
	}
	ch = channelInfo{id: got.ID, name: name, title: got.Title}
	if got.UserName != "" {
		ch.name = "@" + got.UserName
	}
	// The bot cannot be the creator: "administrator" is what it needs.
	botAdmin, err := b.groupAdmins.isAdmin(ctx, ch.id, b.api.Self.ID)
	if err != nil {
		return ch, false, err
	}
	if !botAdmin {
		return ch, false, b.reply(ctx, c, T(c.lang, MsgChannelBotNotAdmin, ch.name))
	}
	if c.from == nil {
		return ch, false, b.reply(ctx, c, T(c.lang, notAdmin, ch.name))
	}
	userAdmin, err := b.groupAdmins.isAdmin(ctx, ch.id, c.from.ID)
	if err != nil {
		return ch, false, err
	}
	if !userAdmin {
		return ch, false, b.reply(ctx, c, T(c.lang, notAdmin, ch.name))
	}
	return ch, true, nil
}

// isRefusal reports whether err is Telegram refusing a request about a
// chat: not found, or the bot not allowed there (400 or 403).
func isRefusal(err error) bool {
	switch telegram.Classify(err).Kind {
	case telegram.ChatGone, telegram.BadRequest, telegram.Migrated, telegram.NotModified:
		return true
	}
	return false
}

// enterManaged points c at the channel its private chat manages, if any:
// it re-checks that the sender is still one of the channel's admins and
// that the channel is still subscribed, and otherwise goes back to the
// private chat and tells the user so, returning done true: the command
// is not run, since it was meant for the channel.
func (b *Bot) enterManaged(ctx context.Context, c *cmdContext) (done bool, err error) {
	m, err := b.st.ManagedChat(ctx, c.chat.ID, b.opts.ManageTTL)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	admin := false
	if c.from != nil {
		admin, err = b.groupAdmins.isAdmin(ctx, m.ChatID, c.from.ID)
		if err != nil && !isRefusal(err) {
			return false, err
		}
	}
	if !admin {
		// Demoted, or the channel is gone or closed to the bot.
		if _, err := b.st.ClearManagedChat(ctx, c.chat.ID); err != nil {
			return false, err
		}
		return true, b.reply(ctx, c, T(c.lang, MsgChannelAccessLost, m.Name))
	}
	sub, err := b.st.Subscriber(ctx, m.ChatID)
	if errors.Is(err, store.ErrNotFound) {
		// Stopped by another of its admins.
		if _, err := b.st.ClearManagedChat(ctx, c.chat.ID); err != nil {
			return false, err
		}
		return true, b.reply(ctx, c, T(c.lang, MsgChannelGone, m.Name))
	}
	if err != nil {
		return false, err
	}
	c.managed, c.sub = &m, &sub
	return false, nil
}

// onManage handles the "manage this channel" button: /channel @name.
func (b *Bot) onManage(ctx context.Context, c *cmdContext, q *tgbotapi.CallbackQuery, name string) error {
	name, ok := channelName(name)
	if !ok || c.chat.Type != "private" {
		return b.answer(ctx, q, "")
	}
	if err := b.manageChannel(ctx, c, name); err != nil {
		return err
	}
	return b.answer(ctx, q, "")
}

// enterChannelButton points c at the channel named by the data of a
// channel button (rest: "ID:inner") and returns the inner data. The
// presser must be an admin of that channel now, and the channel still
// subscribed; otherwise the press is answered and ok is false.
func (b *Bot) enterChannelButton(ctx context.Context, c *cmdContext, q *tgbotapi.CallbackQuery, rest string) (inner string, ok bool, err error) {
	idText, inner, _ := strings.Cut(rest, ":")
	id, perr := strconv.ParseInt(idText, 36, 64)
	if perr != nil || id == 0 || c.chat.Type != "private" {
		// Not data the bot made.
		return "", false, b.answer(ctx, q, "")
	}
	name, err := b.channelLabel(ctx, c.chat.ID, id)
	if err != nil {
		return "", false, err
	}
	admin, err := b.groupAdmins.isAdmin(ctx, id, q.From.ID)
	if err != nil && !isRefusal(err) {
		return "", false, err
	}
	if !admin {
		if m, err := b.st.ManagedChat(ctx, c.chat.ID, b.opts.ManageTTL); err == nil && m.ChatID == id {
			if _, err := b.st.ClearManagedChat(ctx, c.chat.ID); err != nil {
				return "", false, err
			}
		}
		return "", false, b.answer(ctx, q, Plain(c.lang, MsgChannelNoAccess, name))
	}
	sub, err := b.st.Subscriber(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", false, b.answer(ctx, q, Plain(c.lang, MsgChannelButtonGone, name))
	}
	if err != nil {
		return "", false, err
	}
	c.managed = &store.ManagedChat{ChatID: id, Name: name}
	c.sub = &sub
	return inner, true, nil
}

// channelLabel is how replies name the channel id: the name the private
// chat chatID stored when it chose to manage it, else its @username as
// Telegram has it now, else its number.
func (b *Bot) channelLabel(ctx context.Context, chatID, id int64) (string, error) {
	m, err := b.st.ManagedChat(ctx, chatID, b.opts.ManageTTL)
	if err == nil && m.ChatID == id && m.Name != "" {
		return m.Name, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	ch, err := telegram.WithContext(ctx, b.api).GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: id}})
	switch {
	case isRefusal(err):
		return strconv.FormatInt(id, 10), nil
	case err != nil:
		return "", fmt.Errorf("get chat %d: %w", id, telegram.RedactToken(err, b.api.Token))
	case ch.UserName != "":
		return "@" + ch.UserName, nil
	case ch.Title != "":
		return ch.Title, nil
	}
	return strconv.FormatInt(id, 10), nil
}

// langName is the message naming a language.
func langName(l Lang) MsgID {
	if l == LangAR {
		return MsgLangNameAR
	}
	return MsgLangNameEN
}
