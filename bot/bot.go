package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram"
	"github.com/aajil/aajil/telegram/tgtext"

	"github.com/aajil/aajil/internal/pause"
)

// DefaultUpdateTimeout bounds the handling of one update: Telegram calls
// and Redis together. A command is answered within a second or two or
// not at all; nothing waits behind a stuck call for longer than this.
const DefaultUpdateTimeout = 15 * time.Second

// maxReplyUnits is where a long reply (/list with many long rules) is cut
// into several messages: below Telegram's 4,096 UTF-16 units, counted on
// the HTML source, which is never shorter than the text it renders.
const maxReplyUnits = 4000

// Options configures a Bot. The zero value works.
type Options struct {
	// Admins are the Telegram user ids allowed to use admin commands
	// (AAJIL_ADMINS). For anyone else an admin command is an unknown
	// command.
	Admins []int64
	// Logger receives errors met while handling updates; slog.Default()
	// when nil.
	Logger *slog.Logger
	// UpdateTimeout bounds the handling of one update;
	// DefaultUpdateTimeout when zero.
	UpdateTimeout time.Duration
	// AdminCacheTTL is how long a group member's admin status is
	// trusted; DefaultAdminCacheTTL when zero.
	AdminCacheTTL time.Duration
	// FloodBurst and FloodRate are the per-user command limit: a
	// burst, then a rate a second; DefaultFloodBurst and
	// DefaultFloodRate when zero.
	FloodBurst int
	FloodRate  float64
	// SourcesPerPage is how many sources a page of the /sources keyboard
	// shows; DefaultSourcesPerPage when zero.
	SourcesPerPage int
	// ManageTTL is how long a private chat keeps managing a channel
	// (/channel) after its last command; DefaultManageTTL when zero.
	ManageTTL time.Duration
	// Now is the clock, time.Now when nil; tests move it.
	Now func() time.Time
	// Prober fetches and parses a source once for /probe and /addfeed
	// (a *feeds.Poller); without one they answer that probing is not
	// configured.
	Prober Prober
	// ConfigFile is the sources file named by /feed for sources defined
	// there.
	ConfigFile string
	// FileEndpoint is where files sent to the bot are downloaded from, in
	// the form of DefaultFileEndpoint (see FileEndpoint).
	FileEndpoint string
	// ReplyTimeout bounds one attempt to send a reply;
	// DefaultReplyTimeout when zero.
	ReplyTimeout time.Duration
	// AllowPrivateSources lets /addfeed, /setfeed and imports take
	// sources whose host is a private address literal
	// (AAJIL_ALLOW_PRIVATE_SOURCES); otherwise they are refused before
	// any fetch, with the policy's words.
	AllowPrivateSources bool
	// LoginLinks, when set, gives admins the web console's login links
	// (/web) and revokes their sessions (/web off); without it /web
	// answers that the console is not served.
	LoginLinks LoginLinks
	// Limiter, when set, paces the bot's messages (replies and edits)
	// together with the alerts (the delivery Sender), so that both keep within
	// Telegram's limits; without one replies are sent at once.
	Limiter Limiter
	// Location is the time zone of chats without a /tz of their own
	// (delivery.timezone), for quiet hours, digest times and the times
	// shown; UTC when nil.
	Location *time.Location
}

// Limiter books a message to a chat under shared send limits and waits
// for its turn; the alerts' sender (package delivery) is one.
type Limiter interface {
	Wait(ctx context.Context, chatID int64) error
	// Hold keeps every message to chatID back for d: Telegram answered
	// 429 with that retry_after, and alerts must wait too.
	Hold(ctx context.Context, chatID int64, d time.Duration) error
}

// hold waits out a 429's retry_after before a message to chatID is sent
// again: through the Limiter, which holds the alerts to the chat back as
// well, then books the chat's next slot; without one, it just sleeps.
func (b *Bot) hold(ctx context.Context, chatID int64, d time.Duration) error {
	if b.opts.Limiter == nil {
		if !pause.For(ctx, d) {
			return fmt.Errorf("send to %d: %w", chatID, ctx.Err())
		}
		return nil
	}
	if err := b.opts.Limiter.Hold(ctx, chatID, d); err != nil {
		return fmt.Errorf("hold sends to %d: %w", chatID, err)
	}
	return b.pace(ctx, chatID)
}

// pace waits for the Limiter's slot to send to chatID, if there is one.
func (b *Bot) pace(ctx context.Context, chatID int64) error {
	if b.opts.Limiter == nil {
		return nil
	}
	if err := b.opts.Limiter.Wait(ctx, chatID); err != nil {
		return fmt.Errorf("pace send to %d: %w", chatID, err)
	}
	return nil
}

// Bot answers subscriber commands (and, later, admin commands) sent to
// the bot in private chats and groups. It is safe for concurrent use:
// an update poller may hand it updates from several goroutines.
type Bot struct {
	api   *tgbotapi.BotAPI
	st    *store.Store
	opts  Options
	log   *slog.Logger
	now   func() time.Time
	admin AdminSet

	commands map[string]command
	// adminCommands are the admin commands, by name, served only to
	// Options.Admins in private chats; for anyone else they take the
	// unknown-command path (see adminCommandTable).
	adminCommands map[string]handlerFunc

	groupAdmins *adminCache
	flood       *floodGuard
	// ops makes the admins' changes to the sources.
	ops *SourceOps
}

// handlerFunc handles one command. An error is a failure on our side
// (Redis, Telegram); bad input is answered, not returned.
type handlerFunc func(ctx context.Context, c *cmdContext) error

// command is an entry of the command table.
type command struct {
	run handlerFunc
	// changes: the command changes the chat's subscription, so in a
	// group only the group's admins may use it. The others (/help,
	// /list, /status) only show what the group receives, which every
	// member may know.
	changes bool
	// needsSub: the command has nothing to act on in a chat that is not
	// subscribed; it is answered with MsgNotSubscribed.
	needsSub bool
	// manageable: in a private chat managing a channel (/channel), the
	// command acts on the channel's subscription instead of the chat's.
	manageable bool
}

// cmdContext is one command being handled.
type cmdContext struct {
	msg  *tgbotapi.Message
	chat *tgbotapi.Chat
	from *tgbotapi.User // nil for an anonymous group admin
	cmd  Command
	// sub is the subscription the command acts on (the chat's, or the
	// managed channel's), nil when there is none.
	sub *store.Subscriber
	// lang is the language of the reply: the chat's when subscribed,
	// the sender's otherwise. Managing a channel does not change it:
	// the user reads the replies, not the channel.
	lang Lang
	// managed is the channel the command acts on from a private chat
	// (see cmdChannel), nil when it acts on the chat itself. Every reply
	// then starts with the channel's name.
	managed *store.ManagedChat
}

// targetID is the chat whose subscription the command changes.
func (c *cmdContext) targetID() int64 {
	if c.managed != nil {
		return c.managed.ChatID
	}
	return c.chat.ID
}

// New returns a Bot that talks to Telegram through api and keeps
// subscriptions in st.
func New(api *tgbotapi.BotAPI, st *store.Store, opts Options) *Bot {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.UpdateTimeout <= 0 {
		opts.UpdateTimeout = DefaultUpdateTimeout
	}
	if opts.ReplyTimeout <= 0 {
		opts.ReplyTimeout = DefaultReplyTimeout
	}
	if opts.SourcesPerPage <= 0 {
		opts.SourcesPerPage = DefaultSourcesPerPage
	}
	if opts.ManageTTL <= 0 {
		opts.ManageTTL = DefaultManageTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	b := &Bot{
		api:           api,
		st:            st,
		opts:          opts,
		log:           opts.Logger,
		now:           opts.Now,
		admin:         NewAdminSet(opts.Admins),
		adminCommands: map[string]handlerFunc{},
		flood:         newFloodGuard(opts.FloodBurst, opts.FloodRate),
	}
	b.ops = NewSourceOps(st, opts.Prober, opts.AllowPrivateSources, opts.Now)
	b.groupAdmins = newAdminCache(opts.AdminCacheTTL, telegramMember(api), opts.Now)
	b.commands = map[string]command{
		"start":    {run: b.cmdStart, changes: true},
		"stop":     {run: b.cmdStop, changes: true, manageable: true},
		"help":     {run: b.cmdHelp},
		"add":      {run: b.cmdAdd, changes: true, needsSub: true, manageable: true},
		"del":      {run: b.cmdDel, changes: true, needsSub: true, manageable: true},
		"list":     {run: b.cmdList, needsSub: true, manageable: true},
		"clear":    {run: b.cmdClear, changes: true, needsSub: true, manageable: true},
		"mode":     {run: b.cmdMode, changes: true, needsSub: true, manageable: true},
		"media":    {run: b.cmdMedia, changes: true, needsSub: true, manageable: true},
		"sources":  {run: b.cmdSources, changes: true, needsSub: true, manageable: true},
		"pause":    {run: b.cmdPause, changes: true, needsSub: true, manageable: true},
		"resume":   {run: b.cmdResume, changes: true, needsSub: true, manageable: true},
		"lang":     {run: b.cmdLang, changes: true, needsSub: true, manageable: true},
		"status":   {run: b.cmdStatus, needsSub: true, manageable: true},
		"channel":  {run: b.cmdChannel},
		"manage":   {run: b.cmdChannel},
		"quiet":    {run: b.cmdQuiet, changes: true, needsSub: true, manageable: true},
		"tz":       {run: b.cmdTZ, changes: true, needsSub: true, manageable: true},
		"last":     {run: b.cmdLast, needsSub: true, manageable: true},
		"digest":   {run: b.cmdDigest, changes: true, needsSub: true, manageable: true},
		"buttons":  {run: b.cmdButtons, changes: true, needsSub: true, manageable: true},
		"settings": {run: b.cmdSettings, needsSub: true, manageable: true},
		"web":      {run: b.cmdWeb},
	}
	b.adminCommands = b.adminCommandTable()
	return b
}

// HandleUpdate handles one update from Telegram: a command in a message,
// or a press on one of the bot's inline buttons. Anything else is
// ignored. It never panics on what Telegram sends; failures are logged
// and, where a user is waiting, answered with MsgInternalError.
func (b *Bot) HandleUpdate(ctx context.Context, u tgbotapi.Update) {
	b.handleUpdate(ctx, u, nil)
}

// Admit counts a command or an imported file against its sender's flood
// limit as it arrives (see Admitter): commands sent at once are counted
// at once, although they are handled one after the other. It returns nil
// for a command to drop without a word, and otherwise what handles the
// update with the verdict taken here.
func (b *Bot) Admit(u tgbotapi.Update) UpdateHandler {
	msg := u.Message
	if msg == nil || msg.Chat == nil || !b.floodCounted(msg) {
		return b
	}
	verdict := b.flood.check(senderID(msg), b.now())
	if verdict == floodDrop {
		return nil
	}
	return UpdateHandlerFunc(func(ctx context.Context, u tgbotapi.Update) { b.handleUpdate(ctx, u, &verdict) })
}

// floodCounted reports whether a message counts against the flood limit:
// a command, or a file an admin sends as sources.
func (b *Bot) floodCounted(msg *tgbotapi.Message) bool {
	if _, ok := ParseCommand(msg.Text, b.api.Self.UserName); ok {
		return true
	}
	return b.isImport(msg)
}

// isImport reports whether a message is a file an admin sends as sources.
func (b *Bot) isImport(msg *tgbotapi.Message) bool {
	return msg.Document != nil && msg.Chat.Type == "private" && msg.From != nil && b.admin[msg.From.ID]
}

// floodVerdict returns the verdict taken on arrival, or takes one now.
func (b *Bot) floodVerdict(msg *tgbotapi.Message, admitted *floodVerdict) floodVerdict {
	if admitted != nil {
		return *admitted
	}
	return b.flood.check(senderID(msg), b.now())
}

// handleUpdate is HandleUpdate with the flood verdict Admit took, nil
// when the update was not admitted.
func (b *Bot) handleUpdate(ctx context.Context, u tgbotapi.Update, admitted *floodVerdict) {
	ctx, cancel := context.WithTimeout(ctx, b.opts.UpdateTimeout)
	defer cancel()
	defer func() {
		// A bug in one handler must not take down the poller and with
		// it every other chat's commands.
		if p := recover(); p != nil {
			b.log.Error("handle update: panic", slog.Int("update_id", u.UpdateID),
				slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
		}
	}()
	var err error
	switch {
	case u.Message != nil:
		err = b.handleMessage(ctx, u.Message, admitted)
	case u.CallbackQuery != nil:
		err = b.handleCallback(ctx, u.CallbackQuery)
	}
	if err != nil {
		b.log.Error("handle update", slog.Int("update_id", u.UpdateID), slog.Any("error", err))
	}
}

// handleMessage handles a message that may hold a command.
func (b *Bot) handleMessage(ctx context.Context, msg *tgbotapi.Message, admitted *floodVerdict) error {
	if msg.Chat == nil {
		return nil
	}
	cmd, ok := ParseCommand(msg.Text, b.api.Self.UserName)
	if !ok {
		if b.isImport(msg) {
			return b.handleImport(ctx, msg, admitted)
		}
		return nil
	}
	c := &cmdContext{msg: msg, chat: msg.Chat, from: msg.From, cmd: cmd}
	verdict := b.floodVerdict(msg, admitted)
	if verdict == floodDrop {
		return nil
	}
	if err := b.loadSubscriber(ctx, c); err != nil {
		_ = b.reply(ctx, c, T(c.lang, MsgInternalError))
		return fmt.Errorf("command /%s in %d: %w", cmd.Name, c.chat.ID, err)
	}
	if verdict == floodWarn {
		return b.reply(ctx, c, T(c.lang, MsgFlood))
	}
	if err := b.dispatch(ctx, c); err != nil {
		// The user is told, unless what failed is the reply itself; the
		// error is returned to be logged once.
		if re := (*replyError)(nil); !errors.As(err, &re) {
			_ = b.reply(ctx, c, T(c.lang, MsgInternalError))
		}
		return fmt.Errorf("command /%s in %d: %w", cmd.Name, c.chat.ID, err)
	}
	return nil
}

// handleImport takes a document sent by an admin as a sources file.
func (b *Bot) handleImport(ctx context.Context, msg *tgbotapi.Message, admitted *floodVerdict) error {
	c := &cmdContext{msg: msg, chat: msg.Chat, from: msg.From}
	if b.floodVerdict(msg, admitted) == floodDrop {
		return nil
	}
	if err := b.loadSubscriber(ctx, c); err != nil {
		return fmt.Errorf("import in %d: %w", c.chat.ID, err)
	}
	if err := b.importDocument(ctx, c); err != nil {
		_ = b.reply(ctx, c, T(c.lang, MsgInternalError))
		return fmt.Errorf("import in %d: %w", c.chat.ID, err)
	}
	return nil
}

// senderID is whom the flood limit counts a message against: its user,
// or the chat it was sent on behalf of.
func senderID(msg *tgbotapi.Message) int64 {
	switch {
	case msg.From != nil:
		return msg.From.ID
	case msg.SenderChat != nil:
		return msg.SenderChat.ID
	}
	return msg.Chat.ID
}

// loadSubscriber fills c.sub and c.lang.
func (b *Bot) loadSubscriber(ctx context.Context, c *cmdContext) error {
	sub, err := b.st.Subscriber(ctx, c.chat.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.sub = nil
		c.lang = userLang(c.from)
	case err != nil:
		c.lang = userLang(c.from)
		return err
	default:
		c.sub = &sub
		c.lang = subLang(sub)
	}
	return nil
}

// userLang is the language for a user with no subscription to go by.
func userLang(u *tgbotapi.User) Lang {
	if u == nil {
		return LangEN
	}
	return LangFromCode(u.LanguageCode)
}

// subLang is a subscriber's language; Arabic or English only.
func subLang(s store.Subscriber) Lang {
	if Lang(s.Lang) == LangAR {
		return LangAR
	}
	return LangEN
}

// dispatch runs the command's handler after the checks that apply to it.
func (b *Bot) dispatch(ctx context.Context, c *cmdContext) error {
	spec, ok := b.commands[c.cmd.Name]
	if !ok {
		if h, isAdminCmd := b.adminCommands[c.cmd.Name]; isAdminCmd && b.isBotAdmin(c) {
			return h(ctx, c)
		}
		// Unknown, or an admin command from someone who is not one:
		// the same answer, so that admin commands stay invisible.
		return b.reply(ctx, c, T(c.lang, MsgUnknownCommand, "/"+c.cmd.Name))
	}
	if spec.manageable && c.chat.Type == "private" {
		done, err := b.enterManaged(ctx, c)
		if err != nil || done {
			return err
		}
	}
	if spec.changes && isGroup(c.chat.Type) {
		admin, err := b.isGroupAdmin(ctx, c.msg)
		if err != nil {
			return err
		}
		if !admin {
			return b.reply(ctx, c, T(c.lang, MsgNotAdmin))
		}
	}
	if spec.needsSub && c.sub == nil {
		return b.reply(ctx, c, T(c.lang, MsgNotSubscribed))
	}
	return spec.run(ctx, c)
}

// isBotAdmin reports whether the sender may use admin commands: one of
// Options.Admins, in a private chat with the bot.
func (b *Bot) isBotAdmin(c *cmdContext) bool {
	return c.from != nil && c.chat.Type == "private" && b.admin[c.from.ID]
}

// isGroupAdmin reports whether the sender of a group message is one of
// the group's admins.
func (b *Bot) isGroupAdmin(ctx context.Context, msg *tgbotapi.Message) (bool, error) {
	if anonymousAdmin(msg) {
		return true, nil
	}
	if msg.From == nil {
		return false, nil
	}
	return b.groupAdmins.isAdmin(ctx, msg.Chat.ID, msg.From.ID)
}

// reply sends text (Telegram HTML) to the command's chat; in a group, as
// a reply to the command, so that it is clear whom it answers.
func (b *Bot) reply(ctx context.Context, c *cmdContext, text string) error {
	_, err := b.send(ctx, c, text, nil)
	return err
}

// send sends text with an optional inline keyboard and returns the sent
// message. A 5xx answer, a timeout or a lost connection is retried, up
// to replyAttempts sends in a few seconds, as a 429 is after its
// retry_after (up to maxReplyRetryWait): the user is told what the
// command did even when Telegram fails once. A send that timed out may
// have been delivered, so the retry can show the reply twice, which is
// better than not at all. Every attempt books its slot with the
// Limiter. A failure after the retries is a *replyError.
func (b *Bot) send(ctx context.Context, c *cmdContext, text string, kb *tgbotapi.InlineKeyboardMarkup) (tgbotapi.Message, error) {
	m := tgbotapi.NewMessage(c.chat.ID, c.framed(text))
	m.ParseMode = tgbotapi.ModeHTML
	m.DisableWebPagePreview = true
	if isGroup(c.chat.Type) && c.msg != nil {
		m.ReplyToMessageID = c.msg.MessageID
		m.AllowSendingWithoutReply = true
	}
	if kb != nil {
		m.ReplyMarkup = *kb
	}
	paced := false
	backoff := replyBackoff
	for attempt := 1; ; attempt++ {
		if !paced {
			if err := b.pace(ctx, c.chat.ID); err != nil {
				return tgbotapi.Message{}, &replyError{err}
			}
		}
		paced = false
		actx, cancel := context.WithTimeout(ctx, b.opts.ReplyTimeout)
		sent, err := telegram.WithContext(actx, b.api).Send(m)
		cancel()
		if err == nil {
			return sent, nil
		}
		err = fmt.Errorf("send to %d: %w", c.chat.ID, telegram.RedactToken(err, b.api.Token))
		if attempt >= replyAttempts || ctx.Err() != nil {
			return sent, &replyError{err}
		}
		if wait, ok := retryAfter(err); ok {
			if wait > maxReplyRetryWait {
				return sent, &replyError{err}
			}
			// Telegram's own count said too many, for once: a reply is
			// worth the short wait it asks for, rather than an error for
			// the user. hold books the next slot too.
			if err := b.hold(ctx, c.chat.ID, wait); err != nil {
				return sent, &replyError{err}
			}
			paced = true
			continue
		}
		if !transient(err) {
			return sent, &replyError{err}
		}
		b.log.Warn("command reply failed; retrying", slog.Int64("chat_id", c.chat.ID), slog.Int("attempt", attempt), slog.Any("error", err))
		if !pause.For(ctx, backoff) {
			return sent, &replyError{err}
		}
		backoff *= 2
	}
}

// Retries of a command reply: at most replyAttempts sends, the pauses
// between them doubling from replyBackoff (0.25 + 0.5 + 1 s), each send
// bounded by Options.ReplyTimeout.
const (
	replyAttempts = 4
	replyBackoff  = 250 * time.Millisecond
	// DefaultReplyTimeout bounds one attempt to send a reply: Telegram
	// answers a send within a second when well; a reply that has not
	// gone in 4 s is tried again rather than waited for.
	DefaultReplyTimeout = 4 * time.Second
)

// replyError is a reply that could not be sent, retries included. The
// command itself was carried out, so it is logged and not answered with
// MsgInternalError: that message would say the opposite of what happened,
// and it could not be sent either.
type replyError struct{ err error }

func (e *replyError) Error() string { return e.err.Error() }
func (e *replyError) Unwrap() error { return e.err }

// transient reports whether a failed send may succeed when repeated: a
// 5xx answer, or no answer at all (a timeout, a lost connection). A 4xx
// answer (the chat is gone, the text is refused) will not change.
func transient(err error) bool {
	switch telegram.Classify(err).Kind {
	case telegram.ServerError, telegram.Network, telegram.Canceled:
		return true
	}
	return false
}

// maxReplyRetryWait is the longest 429 wait a command reply sits out
// before it is sent again; beyond it the reply fails.
const maxReplyRetryWait = 5 * time.Second

// retryAfter reports a 429 answer and the wait it asks for.
func retryAfter(err error) (time.Duration, bool) {
	v := telegram.Classify(err)
	if v.Kind != telegram.TooManyRequests {
		return 0, false
	}
	return max(v.RetryAfter, time.Second), true
}

// replyLines sends a header and lines, in as many messages as needed to
// keep each under Telegram's length limit. Lines are never split.
func (b *Bot) replyLines(ctx context.Context, c *cmdContext, header string, lines []string) error {
	for _, msg := range tgtext.SplitLines(header, lines, maxReplyUnits) {
		if err := b.reply(ctx, c, msg); err != nil {
			return err
		}
	}
	return nil
}
