package bot

import (
	"context"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/internal/schedule"
	"github.com/aajil/aajil/store"
)

// Messages of /settings, /digest, /buttons and the alerts' buttons.
const (
	MsgSettings          MsgID = "settings"            // {0} mode, {1} rules, {2} sources followed, {3} sources, {4} digest, {5} language, {6} buttons
	MsgSetMode           MsgID = "set_mode"            // plain; {0} mode
	MsgSetDigest         MsgID = "set_digest"          // plain; {0} digest
	MsgSetButtons        MsgID = "set_buttons"         // plain; {0} on or off
	MsgSetLang           MsgID = "set_lang"            // plain; {0} language
	MsgSetSources        MsgID = "set_sources"         // plain; {0} followed, {1} sources
	MsgStateOn           MsgID = "state_on"            // plain
	MsgStateOff          MsgID = "state_off"           // plain
	MsgModeUrgentShort   MsgID = "mode_urgent_short"   // plain
	MsgModeAllShort      MsgID = "mode_all_short"      // plain
	MsgDigestStateOff    MsgID = "digest_state_off"    // plain
	MsgDigestStateHour   MsgID = "digest_state_hour"   // plain
	MsgDigestStateDaily  MsgID = "digest_state_daily"  // plain; {0} time of day
	MsgUsageDigest       MsgID = "usage_digest"        // {0} the chat's digest now
	MsgDigestSet         MsgID = "digest_set"          // {0} the digest
	MsgDigestOff         MsgID = "digest_off"          //
	MsgDigestNeedsAll    MsgID = "digest_needs_all"    // the chat is in /mode urgent
	MsgUsageButtons      MsgID = "usage_buttons"       //
	MsgButtonsOn         MsgID = "buttons_on"          //
	MsgButtonsOff        MsgID = "buttons_off"         //
	MsgMuteNotAdmin      MsgID = "mute_not_admin"      // plain
	MsgButtonMuteConfirm MsgID = "button_mute_confirm" // plain; {0} source name
	MsgButtonUndo        MsgID = "button_undo"         // plain
	MsgMuted             MsgID = "muted"               // plain; {0} source name
	MsgWhyRule           MsgID = "why_rule"            // plain; {0} rule, {1} the words that met it
	MsgWhySep            MsgID = "why_sep"             // plain; between words
	MsgWhyUrgent         MsgID = "why_urgent"          // plain
	MsgWhyGone           MsgID = "why_gone"            // plain
	MsgMenuDigest        MsgID = "menu_digest"         // command menu entry (plain text)
	MsgMenuButtons       MsgID = "menu_buttons"        // command menu entry (plain text)
	MsgMenuSettings      MsgID = "menu_settings"       // command menu entry (plain text)
)

// cbSettings starts the data of the /settings buttons: set:WHAT.
const cbSettings = "set:"

// The settings a /settings button changes.
const (
	setMode    = "mode"
	setDigest  = "dig"
	setButtons = "btn"
	setLang    = "lang"
	setSources = "src"
)

// defaultDigest is the schedule /settings turns to after hourly: once a
// day at 08:00.
var defaultDigest = schedule.Daily(8, 0)

// cmdSettings shows the chat's settings with a button for each, which
// changes it in place.
func (b *Bot) cmdSettings(ctx context.Context, c *cmdContext) error {
	text, kb, err := b.settingsView(ctx, c, *c.sub)
	if err != nil {
		return err
	}
	_, err = b.send(ctx, c, text, kb)
	return err
}

// settingsView renders the settings of sub: the text and the buttons.
func (b *Bot) settingsView(ctx context.Context, c *cmdContext, sub store.Subscriber) (string, *tgbotapi.InlineKeyboardMarkup, error) {
	srcs, err := b.st.Sources(ctx)
	if err != nil {
		return "", nil, err
	}
	lang, prefix := c.lang, c.callbackPrefix()
	mode := Plain(lang, MsgModeUrgentShort)
	if sub.Mode == ModeAll {
		mode = Plain(lang, MsgModeAllShort)
	}
	digest := digestState(lang, sub.Digest)
	buttons := Plain(lang, MsgStateOn)
	if sub.NoButtons {
		buttons = Plain(lang, MsgStateOff)
	}
	language := Plain(lang, langName(subLang(sub)))
	followed := followedCount(sub, srcs)
	// Media, quiet hours and the chat's time zone add their line to
	// MsgSettings and their row here when the record has them.
	text := T(lang, MsgSettings, mode, len(sub.Rules), followed, len(srcs), digest, language, buttons)
	row := func(label, what string) []tgbotapi.InlineKeyboardButton {
		return tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(label, prefix+cbSettings+what))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(
		row(Plain(lang, MsgSetMode, mode), setMode),
		row(Plain(lang, MsgSetDigest, digest), setDigest),
		row(Plain(lang, MsgSetButtons, buttons), setButtons),
		row(Plain(lang, MsgSetLang, language), setLang),
		row(Plain(lang, MsgSetSources, followed, len(srcs)), setSources),
	)
	return text, &kb, nil
}

// digestState says a stored digest schedule in words.
func digestState(lang Lang, stored string) string {
	s, err := schedule.Parse(stored)
	switch {
	case err != nil || s.Off():
		return Plain(lang, MsgDigestStateOff)
	case s.Daily:
		return Plain(lang, MsgDigestStateDaily, strings.TrimPrefix(s.String(), "daily "))
	}
	return Plain(lang, MsgDigestStateHour)
}

// onSettings handles a press on a /settings button: the setting changes
// and the message shows the settings as they are now.
func (b *Bot) onSettings(ctx context.Context, c *cmdContext, q *tgbotapi.CallbackQuery, what string) error {
	if what == setSources {
		return b.onSourcePage(ctx, c, q, 0, "")
	}
	var next schedule.Schedule
	changeDigest := false
	sub, err := b.st.UpdateSubscriber(ctx, c.targetID(), func(s *store.Subscriber) error {
		switch what {
		case setMode:
			if s.Mode == ModeAll {
				s.Mode = ModeUrgent
			} else {
				s.Mode = ModeAll
			}
		case setDigest:
			cur, _ := schedule.Parse(s.Digest)
			switch {
			case cur.Off():
				next = schedule.Hourly
			case !cur.Daily:
				next = defaultDigest
			}
			s.Digest, changeDigest = next.String(), true
		case setButtons:
			s.NoButtons = !s.NoButtons
		case setLang:
			if subLang(*s) == LangAR {
				s.Lang = string(LangEN)
			} else {
				s.Lang = string(LangAR)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if changeDigest {
		if err := b.rescheduleDigest(ctx, sub, next); err != nil {
			return err
		}
	}
	if c.managed == nil {
		c.lang = subLang(sub) // the reader is the chat: replies follow its language
	}
	text, kb, err := b.settingsView(ctx, c, sub)
	if err != nil {
		return err
	}
	if err := b.edit(ctx, q.Message, c.framed(text), kb); err != nil {
		return err
	}
	return b.answer(ctx, q, "")
}

// cmdDigest is /digest hourly | daily [HH:MM] | off, in English or
// Arabic.
func (b *Bot) cmdDigest(ctx context.Context, c *cmdContext) error {
	if strings.TrimSpace(c.cmd.Args) == "" {
		return b.reply(ctx, c, T(c.lang, MsgUsageDigest, digestState(c.lang, c.sub.Digest)))
	}
	s, ok := parseDigest(c.cmd.Args)
	if !ok {
		return b.reply(ctx, c, T(c.lang, MsgUsageDigest, digestState(c.lang, c.sub.Digest)))
	}
	sub, err := b.st.UpdateSubscriber(ctx, c.targetID(), func(sub *store.Subscriber) error {
		sub.Digest = s.String()
		return nil
	})
	if err != nil {
		return err
	}
	if err := b.rescheduleDigest(ctx, sub, s); err != nil {
		return err
	}
	if s.Off() {
		return b.reply(ctx, c, T(c.lang, MsgDigestOff))
	}
	text := T(c.lang, MsgDigestSet, digestState(c.lang, sub.Digest))
	if sub.Mode != ModeAll {
		text += "\n" + T(c.lang, MsgDigestNeedsAll)
	}
	return b.reply(ctx, c, text)
}

// rescheduleDigest moves a digest already pending to the new schedule, in
// the chat's time zone; turned off, what was held goes out at once.
func (b *Bot) rescheduleDigest(ctx context.Context, sub store.Subscriber, s schedule.Schedule) error {
	now := b.now()
	due := now
	if !s.Off() {
		due = s.Next(now, b.chatLocation(sub))
	}
	return b.st.RescheduleDigest(ctx, sub.ChatID, due)
}

// parseDigest reads the argument of /digest: hourly, daily [HH:MM] (08:00
// when no time is given) or off, in English or Arabic («كل ساعة»،
// «يومي 08:00»، «إيقاف»).
func parseDigest(arg string) (schedule.Schedule, bool) {
	word, rest, _ := strings.Cut(strings.TrimSpace(arg), " ")
	w := alerts.Normalize(word)
	rest = strings.TrimSpace(rest)
	switch {
	case rest == "" && (w == "off" || w == "ايقاف" || w == "لا"):
		return schedule.Schedule{}, true
	case rest == "" && (w == "hourly" || w == "ساعه" || w == "ساعي"):
		return schedule.Hourly, true
	case w == "كل" && alerts.Normalize(rest) == "ساعه":
		return schedule.Hourly, true
	case w == "daily" || w == "يومي" || w == "يوميا":
		if rest == "" {
			return defaultDigest, true
		}
		h, m, err := schedule.ParseClock(rest)
		if err != nil {
			return schedule.Schedule{}, false
		}
		return schedule.Daily(h, m), true
	}
	return schedule.Schedule{}, false
}
