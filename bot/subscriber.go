package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/alerts/match"
	"github.com/aajil/aajil/internal/callback"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram"
)

// Subscription modes, as stored in store.Subscriber.Mode.
const (
	ModeUrgent = "urgent"
	ModeAll    = "all"
)

// DefaultSourcesPerPage is how many sources a page of the /sources
// keyboard shows: few enough that the keyboard fits a phone screen.
const DefaultSourcesPerPage = 8

// PausedForever is the PausedUntil of a /pause without a duration: it
// lasts until /resume. A date rather than a flag, so that the sender needs
// a single comparison.
var PausedForever = time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC)

// MsgSourceLastOne answers an attempt to unfollow the only source a chat
// follows: following none would mean receiving nothing, which is /pause
// or /stop.
const MsgSourceLastOne MsgID = "source_last_one" // plain

// Callback data prefixes of the bot's inline buttons.
const (
	cbClear      = "clr:"  // clr:TOKEN confirms /clear; clr:no cancels
	cbSource     = "src:"  // src:PAGE:KEY toggles a source
	cbSourcePage = "srcp:" // srcp:PAGE shows a page of sources
	clearCancel  = "no"
	// The channel buttons: cbChannel and cbManage in channel.go.
)

// errStaleButton: a button pressed after what it was made for changed.
var errStaleButton = errors.New("stale button")

// cmdStart subscribes the chat: every source, urgent news, no rules. In a
// private chat, "/start @channel" subscribes a channel instead.
func (b *Bot) cmdStart(ctx context.Context, c *cmdContext) error {
	if c.chat.Type == "private" && c.cmd.Args != "" {
		if name, ok := channelName(c.cmd.Args); ok {
			return b.startChannel(ctx, c, name)
		}
	}
	if c.sub != nil {
		if !c.sub.Active {
			if err := b.st.SetActive(ctx, c.chat.ID, true); err != nil {
				return err
			}
		}
		return b.reply(ctx, c, T(c.lang, MsgWelcomeBack))
	}
	lang := userLang(c.from)
	sub := store.Subscriber{
		ChatID: c.chat.ID,
		Type:   c.chat.Type,
		Title:  c.chat.Title,
		Lang:   string(lang),
		Mode:   ModeUrgent,
		Active: true,
	}
	if err := b.st.PutSubscriber(ctx, sub); err != nil {
		return err
	}
	c.lang = lang
	return b.reply(ctx, c, T(lang, MsgWelcome))
}

// channelName reads "@name" or a t.me link as a channel's @username.
func channelName(arg string) (string, bool) {
	s := strings.TrimSpace(arg)
	for _, p := range []string{"https://t.me/", "http://t.me/", "t.me/"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			s = "@" + rest
			break
		}
	}
	name, ok := strings.CutPrefix(s, "@")
	if !ok || len(name) < 4 || len(name) > 32 {
		return "", false
	}
	for i := 0; i < len(name); i++ {
		if !isCommandByte(name[i]) {
			return "", false
		}
	}
	return "@" + name, true
}

// startChannel subscribes a channel on behalf of one of its admins, when
// the bot can post there, and offers to manage it from this chat.
func (b *Bot) startChannel(ctx context.Context, c *cmdContext, name string) error {
	ch, ok, err := b.checkChannel(ctx, c, name, MsgChannelUserNotAdmin)
	if err != nil || !ok {
		return err
	}
	existing, err := b.st.Subscriber(ctx, ch.id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		sub := store.Subscriber{
			ChatID: ch.id, Type: "channel", Title: ch.title,
			Lang: string(c.lang), Mode: ModeUrgent, Active: true,
		}
		if err := b.st.PutSubscriber(ctx, sub); err != nil {
			return err
		}
	case err != nil:
		return err
	case !existing.Active:
		if err := b.st.SetActive(ctx, ch.id, true); err != nil {
			return err
		}
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(Plain(c.lang, MsgButtonManage), cbManage+ch.name),
	))
	_, err = b.send(ctx, c, T(c.lang, MsgChannelSubscribed, ch.name), &kb)
	return err
}

// cmdStop unsubscribes the chat, keeping nothing about it: its record
// with its choices (quiet hours, time zone…), its /last history and any
// digest it was waiting for go together (store.DeleteSubscriber).
func (b *Bot) cmdStop(ctx context.Context, c *cmdContext) error {
	err := b.st.DeleteSubscriber(ctx, c.targetID())
	if errors.Is(err, store.ErrNotFound) {
		return b.reply(ctx, c, T(c.lang, MsgNotSubscribed))
	}
	if err != nil {
		return err
	}
	if c.managed != nil {
		// Nothing is left to manage: back to the private chat.
		if _, err := b.st.ClearManagedChat(ctx, c.chat.ID); err != nil {
			return err
		}
		return b.reply(ctx, c, T(c.lang, MsgChannelStopped, c.managed.Name))
	}
	return b.reply(ctx, c, T(c.lang, MsgStopped))
}

// cmdHelp lists the commands.
func (b *Bot) cmdHelp(ctx context.Context, c *cmdContext) error {
	if err := b.reply(ctx, c, T(c.lang, MsgHelp)); err != nil {
		return err
	}
	// Admins also see their commands, in a private chat only, where
	// admin commands work.
	if b.isBotAdmin(c) {
		return b.reply(ctx, c, T(c.lang, MsgAdminHelp))
	}
	return nil
}

// cmdAdd adds a rule.
func (b *Bot) cmdAdd(ctx context.Context, c *cmdContext) error {
	// A rule is one line: newlines and tabs typed in it are spaces.
	rule := strings.Join(strings.Fields(c.cmd.Args), " ")
	if rule == "" {
		return b.reply(ctx, c, T(c.lang, MsgUsageAdd))
	}
	if _, err := match.ValidateRules(c.sub.Rules, rule); err != nil {
		return b.reply(ctx, c, RuleErrorMessage(c.lang, err))
	}
	rules, err := b.st.AddRule(ctx, c.targetID(), rule, match.MaxRules)
	if errors.Is(err, store.ErrTooManyRules) {
		// Another command filled the list since we looked.
		return b.reply(ctx, c, T(c.lang, MsgTooManyRules, match.MaxRules))
	}
	if err != nil {
		return err
	}
	return b.reply(ctx, c, T(c.lang, MsgRuleAdded, rule, len(rules)))
}

// cmdDel deletes a rule given by its number in /list or by its text.
func (b *Bot) cmdDel(ctx context.Context, c *cmdContext) error {
	arg := strings.Join(strings.Fields(c.cmd.Args), " ")
	if arg == "" {
		return b.reply(ctx, c, T(c.lang, MsgUsageDel))
	}
	rule, ok := findRule(c.sub.Rules, arg)
	if !ok {
		return b.reply(ctx, c, T(c.lang, MsgNoSuchRule, arg))
	}
	_, removed, err := b.st.DelRule(ctx, c.targetID(), rule)
	if err != nil {
		return err
	}
	if !removed {
		return b.reply(ctx, c, T(c.lang, MsgNoSuchRule, arg))
	}
	return b.reply(ctx, c, T(c.lang, MsgRuleDeleted, rule))
}

// findRule finds the rule arg names: a number from /list (in any digits,
// "#2" too), the rule as written, or a rule with the same terms written
// differently.
func findRule(rules []string, arg string) (string, bool) {
	if n, ok := parseIndex(strings.TrimPrefix(arg, "#")); ok {
		if n >= 1 && n <= len(rules) {
			return rules[n-1], true
		}
		return "", false
	}
	if slices.Contains(rules, arg) {
		return arg, true
	}
	want, err := match.ParseRule(arg)
	if err != nil {
		return "", false
	}
	for _, r := range rules {
		if got, err := match.ParseRule(r); err == nil && got.Canonical == want.Canonical {
			return r, true
		}
	}
	return "", false
}

// parseIndex reads a small positive number written in ASCII,
// Arabic-Indic or Persian digits.
func parseIndex(s string) (int, bool) {
	n, digits := 0, 0
	for _, r := range s {
		var d int
		switch {
		case r >= '0' && r <= '9':
			d = int(r - '0')
		case r >= '٠' && r <= '٩':
			d = int(r - '٠')
		case r >= '۰' && r <= '۹':
			d = int(r - '۰')
		default:
			return 0, false
		}
		digits++
		if digits > 6 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, digits > 0
}

// cmdList shows the rules, numbered, as written.
func (b *Bot) cmdList(ctx context.Context, c *cmdContext) error {
	rules := c.sub.Rules
	if len(rules) == 0 {
		return b.reply(ctx, c, T(c.lang, MsgNoRules))
	}
	lines := make([]string, len(rules))
	for i, r := range rules {
		lines[i] = T(c.lang, MsgRuleLine, i+1, r)
	}
	return b.replyLines(ctx, c, T(c.lang, MsgRulesList, len(rules)), lines)
}

// cmdClear asks to confirm deleting every rule. The button carries a
// token of the subscription's state: it works once, and not at all once
// the rules changed after the question was asked.
func (b *Bot) cmdClear(ctx context.Context, c *cmdContext) error {
	if len(c.sub.Rules) == 0 {
		return b.reply(ctx, c, T(c.lang, MsgNoRules))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(Plain(c.lang, MsgButtonClearYes), c.callbackPrefix()+cbClear+stateToken(*c.sub)),
		tgbotapi.NewInlineKeyboardButtonData(Plain(c.lang, MsgButtonCancel), c.callbackPrefix()+cbClear+clearCancel),
	))
	_, err := b.send(ctx, c, T(c.lang, MsgClearConfirm, len(c.sub.Rules)), &kb)
	return err
}

// stateToken identifies a version of a subscription: every write changes
// UpdatedAt.
func stateToken(s store.Subscriber) string {
	return strconv.FormatInt(s.UpdatedAt.UnixNano(), 36)
}

// cmdMode sets the mode.
func (b *Bot) cmdMode(ctx context.Context, c *cmdContext) error {
	return setChoice(ctx, b, c, MsgUsageMode, MsgBadMode, parseMode,
		func(s *store.Subscriber, mode string) { s.Mode = mode },
		func(mode string) MsgID {
			if mode == ModeAll {
				return MsgModeAll
			}
			return MsgModeUrgent
		})
}

// setChoice runs a command that sets one choice of the chat from its
// argument: usage when there is none, bad when parse cannot read it,
// else the choice stored with set and the reply done names.
func setChoice[V any](ctx context.Context, b *Bot, c *cmdContext, usage, bad MsgID,
	parse func(string) (V, bool), set func(*store.Subscriber, V), done func(V) MsgID) error {
	if c.cmd.Args == "" {
		return b.reply(ctx, c, T(c.lang, usage))
	}
	v, ok := parse(c.cmd.Args)
	if !ok {
		return b.reply(ctx, c, T(c.lang, bad, c.cmd.Args))
	}
	if _, err := b.st.UpdateSubscriber(ctx, c.targetID(), func(s *store.Subscriber) error {
		set(s, v)
		return nil
	}); err != nil {
		return err
	}
	return b.reply(ctx, c, T(c.lang, done(v)))
}

// parseMode reads the argument of /mode, in English or Arabic.
func parseMode(s string) (string, bool) {
	switch alerts.Normalize(s) {
	case "urgent", "عاجل", "العاجل":
		return ModeUrgent, true
	case "all", "الكل", "كل", "جميع", "الجميع":
		return ModeAll, true
	}
	return "", false
}

// cmdMedia turns pictures in alerts on or off.
func (b *Bot) cmdMedia(ctx context.Context, c *cmdContext) error {
	return setChoice(ctx, b, c, MsgUsageMedia, MsgBadMedia, parseMedia,
		func(s *store.Subscriber, on bool) { s.Media = on },
		func(on bool) MsgID {
			if on {
				return MsgMediaOn
			}
			return MsgMediaOff
		})
}

// parseMedia reads the argument of /media, in English or Arabic.
func parseMedia(s string) (on, ok bool) {
	switch alerts.Normalize(s) {
	case "on", "yes", "true", "1", alerts.Normalize("تشغيل"), alerts.Normalize("تفعيل"), alerts.Normalize("نعم"):
		return true, true
	case "off", "no", "false", "0", alerts.Normalize("إيقاف"), alerts.Normalize("تعطيل"), alerts.Normalize("لا"):
		return false, true
	}
	return false, false
}

// cmdSources shows the sources keyboard; "/sources ID" toggles one
// source directly.
func (b *Bot) cmdSources(ctx context.Context, c *cmdContext) error {
	srcs, err := b.st.Sources(ctx)
	if err != nil {
		return err
	}
	if c.cmd.Args != "" {
		id := strings.ToLower(strings.TrimSpace(c.cmd.Args))
		rec, ok := findSource(srcs, id)
		if !ok {
			return b.reply(ctx, c, T(c.lang, MsgUnknownSource, c.cmd.Args))
		}
		out, err := b.toggleSource(ctx, c.targetID(), srcs, rec)
		if err != nil {
			return err
		}
		return b.reply(ctx, c, toggleReply(T, c.lang, out, rec))
	}
	text, kb := b.sourcesView(c, *c.sub, srcs, 0)
	_, err = b.send(ctx, c, text, kb)
	return err
}

// findSource finds a source by id, or by the key of its button.
func findSource(srcs []store.SourceRecord, key string) (store.SourceRecord, bool) {
	for _, r := range srcs {
		if r.Source.ID == key || sourceKey(r.Source.ID) == key {
			return r, true
		}
	}
	return store.SourceRecord{}, false
}

// sourceKey is how a button names a source: its id, or a hash of it when
// the id would not fit in Telegram's 64 bytes of callback data.
func sourceKey(id string) string { return callback.SourceKey(id) }

func sourceName(r store.SourceRecord) string {
	if r.Source.Name != "" {
		return r.Source.Name
	}
	return r.Source.ID
}

// following reports whether a subscriber follows a source; no sources
// means all of them.
func following(sub store.Subscriber, id string) bool {
	return len(sub.Sources) == 0 || slices.Contains(sub.Sources, id)
}

// followedCount is how many of srcs the subscriber follows.
func followedCount(sub store.Subscriber, srcs []store.SourceRecord) int {
	n := 0
	for _, r := range srcs {
		if following(sub, r.Source.ID) {
			n++
		}
	}
	return n
}

// sourcesView renders one page of the /sources keyboard of sub, whose
// buttons name the chat they act on when c manages a channel.
func (b *Bot) sourcesView(c *cmdContext, sub store.Subscriber, srcs []store.SourceRecord, page int) (string, *tgbotapi.InlineKeyboardMarkup) {
	lang, prefix := c.lang, c.callbackPrefix()
	text := T(lang, MsgSourcesHeader, followedCount(sub, srcs), len(srcs))
	if len(srcs) == 0 {
		return text, nil
	}
	per := b.opts.SourcesPerPage
	pages := (len(srcs) + per - 1) / per
	page = max(0, min(page, pages-1))
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, r := range srcs[page*per : min(len(srcs), (page+1)*per)] {
		label := Plain(lang, MsgButtonSourceOff, sourceName(r))
		if following(sub, r.Source.ID) {
			label = Plain(lang, MsgButtonSourceOn, sourceName(r))
		}
		data := prefix + cbSource + strconv.Itoa(page) + ":" + sourceKey(r.Source.ID)
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(label, data)))
	}
	if pages > 1 {
		var nav []tgbotapi.InlineKeyboardButton
		if page > 0 {
			nav = append(nav, tgbotapi.NewInlineKeyboardButtonData(Plain(lang, MsgButtonPrev), prefix+cbSourcePage+strconv.Itoa(page-1)))
		}
		if page < pages-1 {
			nav = append(nav, tgbotapi.NewInlineKeyboardButtonData(Plain(lang, MsgButtonNext), prefix+cbSourcePage+strconv.Itoa(page+1)))
		}
		rows = append(rows, nav)
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return text, &kb
}

// toggleOutcome is what toggleSource did.
type toggleOutcome int

const (
	toggledOn  toggleOutcome = iota // now followed
	toggledOff                      // no longer followed
	toggleLast                      // refused: the only source followed
)

// message is the reply id for an outcome; its one argument, if any, is
// the source's name.
func (o toggleOutcome) message() MsgID {
	switch o {
	case toggledOn:
		return MsgSourceFollowed
	case toggledOff:
		return MsgSourceUnfollowed
	}
	return MsgSourceLastOne
}

// toggleSource follows or unfollows one source, atomically.
func (b *Bot) toggleSource(ctx context.Context, chatID int64, srcs []store.SourceRecord, rec store.SourceRecord) (toggleOutcome, error) {
	all := make([]string, len(srcs))
	for i, r := range srcs {
		all[i] = r.Source.ID
	}
	out := toggleLast
	_, err := b.st.UpdateSubscriber(ctx, chatID, func(s *store.Subscriber) error {
		next, following, ok := toggle(s.Sources, all, rec.Source.ID)
		if !ok {
			return errStaleButton // nothing to write
		}
		s.Sources, out = next, toggledOff
		if following {
			out = toggledOn
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStaleButton) {
		return 0, err
	}
	return out, nil
}

// toggleReply renders the outcome of a toggle with render (T or Plain).
func toggleReply(render func(Lang, MsgID, ...any) string, lang Lang, out toggleOutcome, rec store.SourceRecord) string {
	if out == toggleLast {
		return render(lang, MsgSourceLastOne)
	}
	return render(lang, out.message(), sourceName(rec))
}

// toggle flips id in the followed list (empty = all of all). It returns
// the new list (nil again when it holds every source) and whether id is
// now followed; ok is false when id is the only source followed, since
// an empty list would mean all of them.
func toggle(followed, all []string, id string) (next []string, nowFollowing, ok bool) {
	if len(followed) == 0 {
		followed = all
	}
	nowFollowing = !slices.Contains(followed, id)
	// In the sources' order; ids of sources removed since are dropped.
	for _, a := range all {
		if a == id && nowFollowing || a != id && slices.Contains(followed, a) {
			next = append(next, a)
		}
	}
	if len(next) == 0 {
		return nil, false, false
	}
	if len(next) == len(all) {
		next = nil
	}
	return next, nowFollowing, true
}

// cmdPause pauses alerts for a duration, or until /resume.
func (b *Bot) cmdPause(ctx context.Context, c *cmdContext) error {
	until := PausedForever
	var d time.Duration
	if c.cmd.Args != "" {
		var err error
		if d, err = ParseDuration(c.cmd.Args); err != nil {
			return b.reply(ctx, c, DurationErrorMessage(c.lang, err))
		}
		until = b.now().UTC().Add(d).Truncate(time.Second)
	}
	if _, err := b.st.UpdateSubscriber(ctx, c.targetID(), func(s *store.Subscriber) error {
		s.PausedUntil = until
		return nil
	}); err != nil {
		return err
	}
	if d == 0 {
		return b.reply(ctx, c, T(c.lang, MsgPaused))
	}
	return b.reply(ctx, c, T(c.lang, MsgPausedUntil, d, until))
}

// cmdResume ends a pause.
func (b *Bot) cmdResume(ctx context.Context, c *cmdContext) error {
	if !c.sub.PausedUntil.After(b.now()) {
		return b.reply(ctx, c, T(c.lang, MsgNotPaused))
	}
	if _, err := b.st.UpdateSubscriber(ctx, c.targetID(), func(s *store.Subscriber) error {
		s.PausedUntil = time.Time{}
		return nil
	}); err != nil {
		return err
	}
	return b.reply(ctx, c, T(c.lang, MsgResumed))
}

// cmdLang sets the chat's language. For a managed channel it is the
// language of the channel's alerts; the replies stay in the reader's.
func (b *Bot) cmdLang(ctx context.Context, c *cmdContext) error {
	if c.cmd.Args == "" {
		return b.reply(ctx, c, T(c.lang, MsgUsageLang))
	}
	lang, ok := ParseLang(c.cmd.Args)
	if !ok {
		return b.reply(ctx, c, T(c.lang, MsgBadLang))
	}
	if _, err := b.st.UpdateSubscriber(ctx, c.targetID(), func(s *store.Subscriber) error {
		s.Lang = string(lang)
		return nil
	}); err != nil {
		return err
	}
	if c.managed != nil {
		return b.reply(ctx, c, T(c.lang, MsgChannelLangSet, HTML(T(c.lang, langName(lang)))))
	}
	return b.reply(ctx, c, T(lang, MsgLangSet))
}

// cmdStatus shows what the chat receives, in one message.
func (b *Bot) cmdStatus(ctx context.Context, c *cmdContext) error {
	srcs, err := b.st.Sources(ctx)
	if err != nil {
		return err
	}
	sub := *c.sub
	state := T(c.lang, MsgStatusActive)
	switch {
	case !sub.PausedUntil.Before(PausedForever):
		state = T(c.lang, MsgStatusPaused)
	case sub.PausedUntil.After(b.now()):
		state = T(c.lang, MsgStatusPausedUntil, sub.PausedUntil.UTC())
	}
	mode := T(c.lang, MsgStatusModeUrgent)
	if sub.Mode == ModeAll {
		mode = T(c.lang, MsgStatusModeAll)
	}
	media := T(c.lang, MsgStatusMediaOff)
	if sub.Media {
		media = T(c.lang, MsgStatusMediaOn)
	}
	return b.reply(ctx, c, T(c.lang, MsgStatus, HTML(state), HTML(mode),
		followedCount(sub, srcs), len(srcs), len(sub.Rules), HTML(media)))
}

// handleCallback handles a press on one of the bot's inline buttons.
func (b *Bot) handleCallback(ctx context.Context, q *tgbotapi.CallbackQuery) error {
	if q.Message == nil || q.Message.Chat == nil || q.From == nil {
		// A button on an inline-mode message: the bot sends none, so
		// it is not one of ours.
		return nil
	}
	verdict := b.flood.check(q.From.ID, b.now())
	if verdict == floodDrop {
		return nil
	}
	c := &cmdContext{chat: q.Message.Chat, from: q.From}
	if err := b.loadSubscriber(ctx, c); err != nil {
		return errors.Join(fmt.Errorf("button in %d: %w", c.chat.ID, err), b.answer(ctx, q, Plain(c.lang, MsgInternalError)))
	}
	if verdict == floodWarn {
		return b.answer(ctx, q, Plain(c.lang, MsgFlood))
	}
	data := q.Data
	if rest, ok := strings.CutPrefix(data, cbImport); ok {
		// An admin's import confirmation: no subscription needed.
		if err := b.onImportButton(ctx, c, q, rest); err != nil {
			return errors.Join(fmt.Errorf("button %q in %d: %w", q.Data, c.chat.ID, err), b.answer(ctx, q, Plain(c.lang, MsgInternalError)))
		}
		return nil
	}
	if name, ok := strings.CutPrefix(data, cbManage); ok {
		if err := b.onManage(ctx, c, q, name); err != nil {
			return errors.Join(fmt.Errorf("button %q in %d: %w", q.Data, c.chat.ID, err), b.answer(ctx, q, Plain(c.lang, MsgInternalError)))
		}
		return nil
	}
	if rest, ok := strings.CutPrefix(data, cbChannel); ok {
		// A button of a managed channel's reply: it names the channel,
		// so it acts on that one whatever this chat manages now, and
		// only for one of its admins.
		inner, ok, err := b.enterChannelButton(ctx, c, q, rest)
		if err != nil {
			return errors.Join(fmt.Errorf("button %q in %d: %w", q.Data, c.chat.ID, err), b.answer(ctx, q, Plain(c.lang, MsgInternalError)))
		}
		if !ok {
			return nil
		}
		data = inner
	}
	if a, ok := callback.ParseAlert(data); ok {
		// An alert's button: anyone may ask why; muting checks admins.
		if err := b.onAlertButton(ctx, c, q, a); err != nil {
			return errors.Join(fmt.Errorf("button %q in %d: %w", q.Data, c.chat.ID, err), b.answer(ctx, q, Plain(c.lang, MsgInternalError)))
		}
		return nil
	}
	if isGroup(c.chat.Type) {
		admin, err := b.groupAdmins.isAdmin(ctx, c.chat.ID, q.From.ID)
		if err != nil {
			return errors.Join(fmt.Errorf("button in %d: %w", c.chat.ID, err), b.answer(ctx, q, Plain(c.lang, MsgInternalError)))
		}
		if !admin {
			return b.answer(ctx, q, Plain(c.lang, MsgNotAdmin))
		}
	}
	if c.sub == nil {
		return b.answer(ctx, q, Plain(c.lang, MsgNotSubscribed))
	}
	var err error
	switch {
	case strings.HasPrefix(data, cbClear):
		err = b.onClear(ctx, c, q, strings.TrimPrefix(data, cbClear))
	case strings.HasPrefix(data, cbSourcePage):
		page, _ := strconv.Atoi(strings.TrimPrefix(data, cbSourcePage))
		err = b.onSourcePage(ctx, c, q, page, "")
	case strings.HasPrefix(data, cbSource):
		pageText, key, _ := strings.Cut(strings.TrimPrefix(data, cbSource), ":")
		page, _ := strconv.Atoi(pageText)
		err = b.onSourceToggle(ctx, c, q, page, key)
	case strings.HasPrefix(data, cbSettings):
		err = b.onSettings(ctx, c, q, strings.TrimPrefix(data, cbSettings))
	default:
		err = b.answer(ctx, q, "")
	}
	if err != nil {
		return errors.Join(fmt.Errorf("button %q in %d: %w", q.Data, c.chat.ID, err), b.answer(ctx, q, Plain(c.lang, MsgInternalError)))
	}
	return nil
}

// onClear handles the buttons of /clear.
func (b *Bot) onClear(ctx context.Context, c *cmdContext, q *tgbotapi.CallbackQuery, token string) error {
	if token == clearCancel {
		if err := b.edit(ctx, q.Message, c.framed(T(c.lang, MsgClearCancelled)), nil); err != nil {
			return err
		}
		return b.answer(ctx, q, "")
	}
	removed := 0
	_, err := b.st.UpdateSubscriber(ctx, c.targetID(), func(s *store.Subscriber) error {
		if stateToken(*s) != token {
			return errStaleButton
		}
		removed = len(s.Rules)
		s.Rules = nil
		return nil
	})
	if errors.Is(err, errStaleButton) {
		// Pressed twice, or the rules changed since the question:
		// delete nothing, and say so.
		if err := b.edit(ctx, q.Message, c.framed(T(c.lang, MsgClearCancelled)), nil); err != nil {
			return err
		}
		return b.answer(ctx, q, Plain(c.lang, MsgClearCancelled))
	}
	if err != nil {
		return err
	}
	if err := b.edit(ctx, q.Message, c.framed(T(c.lang, MsgCleared, removed)), nil); err != nil {
		return err
	}
	return b.answer(ctx, q, "")
}

// onSourceToggle handles a press on a source of the /sources keyboard.
func (b *Bot) onSourceToggle(ctx context.Context, c *cmdContext, q *tgbotapi.CallbackQuery, page int, key string) error {
	srcs, err := b.st.Sources(ctx)
	if err != nil {
		return err
	}
	rec, ok := findSource(srcs, key)
	if !ok {
		// Removed since the keyboard was drawn: redraw it.
		return b.onSourcePage(ctx, c, q, page, Plain(c.lang, MsgUnknownSource, key))
	}
	out, err := b.toggleSource(ctx, c.targetID(), srcs, rec)
	if err != nil {
		return err
	}
	return b.onSourcePage(ctx, c, q, page, toggleReply(Plain, c.lang, out, rec))
}

// onSourcePage redraws the /sources keyboard at page and answers the
// press with toast.
func (b *Bot) onSourcePage(ctx context.Context, c *cmdContext, q *tgbotapi.CallbackQuery, page int, toast string) error {
	srcs, err := b.st.Sources(ctx)
	if err != nil {
		return err
	}
	// The subscription as it is now, the toggle included; c.lang stays
	// the reader's.
	sub, err := b.st.Subscriber(ctx, c.targetID())
	if errors.Is(err, store.ErrNotFound) {
		return b.answer(ctx, q, Plain(c.lang, MsgNotSubscribed))
	}
	if err != nil {
		return err
	}
	c.sub = &sub
	text, kb := b.sourcesView(c, sub, srcs, page)
	if err := b.edit(ctx, q.Message, c.framed(text), kb); err != nil {
		return err
	}
	return b.answer(ctx, q, toast)
}

// edit replaces the text and keyboard (none when kb is nil) of one of the
// bot's messages. An edit that changes nothing is not an error.
func (b *Bot) edit(ctx context.Context, m *tgbotapi.Message, text string, kb *tgbotapi.InlineKeyboardMarkup) error {
	if err := b.pace(ctx, m.Chat.ID); err != nil {
		return err
	}
	e := tgbotapi.NewEditMessageText(m.Chat.ID, m.MessageID, text)
	e.ParseMode = tgbotapi.ModeHTML
	e.DisableWebPagePreview = true
	e.ReplyMarkup = kb
	_, err := telegram.WithContext(ctx, b.api).Request(e)
	if err != nil && telegram.Classify(err).Kind != telegram.NotModified {
		return fmt.Errorf("edit message %d in %d: %w", m.MessageID, m.Chat.ID, telegram.RedactToken(err, b.api.Token))
	}
	return nil
}

// answer answers a button press, with a short notice when text is not
// empty. Telegram shows a spinner on the button until it is answered.
func (b *Bot) answer(ctx context.Context, q *tgbotapi.CallbackQuery, text string) error {
	if _, err := telegram.WithContext(ctx, b.api).Request(tgbotapi.NewCallback(q.ID, text)); err != nil {
		return fmt.Errorf("answer callback: %w", telegram.RedactToken(err, b.api.Token))
	}
	return nil
}
