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
	MsgSettings          MsgID = "settings"            // {0} mode, {1} rules, {2} sources followed, {3} sources, {4} digest, {5} language, {6} buttons, {7} pictures, {8} quiet hours, {9} time zone
	MsgSetMode           MsgID = "set_mode"            // plain; {0} mode
	MsgSetDigest         MsgID = "set_digest"          // plain; {0} digest
	MsgSetButtons        MsgID = "set_buttons"         // plain; {0} on or off
	MsgSetLang           MsgID = "set_lang"            // plain; {0} language
	MsgSetSources        MsgID = "set_sources"         // plain; {0} followed, {1} sources
	MsgSetMedia          MsgID = "set_media"           // plain; {0} on or off
	MsgSetQuiet          MsgID = "set_quiet"           // plain; {0} quiet hours
	MsgSetTZ             MsgID = "set_tz"              // plain; {0} time zone
	MsgSetBack           MsgID = "set_back"            // plain; back to the settings
	MsgSetZones          MsgID = "set_zones"           // {0} the chat's zone, {1} the time there
	MsgQuietStateOff     MsgID = "quiet_state_off"     // plain
	MsgQuietStateRange   MsgID = "quiet_state_range"   // plain; {0} from, {1} to
	MsgQuietStateUrgent  MsgID = "quiet_state_urgent"  // plain; {0} from, {1} to: urgent alerts still ring
	MsgZoneDamascus      MsgID = "zone_damascus"       // plain; a city of the time zone keyboard
	MsgZoneBeirut        MsgID = "zone_beirut"         // plain
	MsgZoneAmman         MsgID = "zone_amman"          // plain
	MsgZoneBaghdad       MsgID = "zone_baghdad"        // plain
	MsgZoneRiyadh        MsgID = "zone_riyadh"         // plain
	MsgZoneDubai         MsgID = "zone_dubai"          // plain
	MsgZoneCairo         MsgID = "zone_cairo"          // plain
	MsgZoneIstanbul      MsgID = "zone_istanbul"       // plain
	MsgZoneBerlin        MsgID = "zone_berlin"         // plain
	MsgZoneLondon        MsgID = "zone_london"         // plain
	MsgZoneNewYork       MsgID = "zone_new_york"       // plain
	MsgZoneUTC           MsgID = "zone_utc"            // plain
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
	setMedia   = "media"
	setQuiet   = "quiet"
	setZones   = "tz"   // shows the time zone keyboard
	setZone    = "z:"   // z:ZONE sets the chat's time zone to ZONE
	setView    = "view" // back from the time zone keyboard
)

// quietPresets are the quiet hours a tap on the /settings row cycles
// through, after off; /quiet sets any others.
var quietPresets = []store.Quiet{
	{From: 23 * 60, To: 7 * 60},
	{From: 23 * 60, To: 7 * 60, Urgent: true},
	{From: 0, To: 8 * 60},
}

// nextQuiet is the quiet hours after q in the /settings cycle: off, then
// each preset, then off again. Hours that are no preset (set by /quiet)
// go to off.
func nextQuiet(q *store.Quiet) *store.Quiet {
	if q == nil {
		p := quietPresets[0]
		return &p
	}
	for i, p := range quietPresets {
		if p == *q && i+1 < len(quietPresets) {
			next := quietPresets[i+1]
			return &next
		}
	}
	return nil
}

// settingsZones are the time zones the /settings keyboard offers, each
// with the city that names it; /tz sets any other.
var settingsZones = []struct {
	name string
	city MsgID
}{
	{"Asia/Damascus", MsgZoneDamascus},
	{"Asia/Beirut", MsgZoneBeirut},
	{"Asia/Amman", MsgZoneAmman},
	{"Asia/Baghdad", MsgZoneBaghdad},
	{"Asia/Riyadh", MsgZoneRiyadh},
	{"Asia/Dubai", MsgZoneDubai},
	{"Africa/Cairo", MsgZoneCairo},
	{"Europe/Istanbul", MsgZoneIstanbul},
	{"Europe/Berlin", MsgZoneBerlin},
	{"Europe/London", MsgZoneLondon},
	{"America/New_York", MsgZoneNewYork},
	{"UTC", MsgZoneUTC},
}

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
	media := Plain(lang, MsgStateOff)
	if sub.Media {
		media = Plain(lang, MsgStateOn)
	}
	quiet := quietState(lang, sub.Quiet)
	zone := b.zoneName(sub)
	text := T(lang, MsgSettings, mode, len(sub.Rules), followed, len(srcs), digest, language, buttons, media, quiet, zone)
	row := func(label, what string) []tgbotapi.InlineKeyboardButton {
		return tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(label, prefix+cbSettings+what))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(
		row(Plain(lang, MsgSetMode, mode), setMode),
		row(Plain(lang, MsgSetDigest, digest), setDigest),
		row(Plain(lang, MsgSetButtons, buttons), setButtons),
		row(Plain(lang, MsgSetMedia, media), setMedia),
		row(Plain(lang, MsgSetQuiet, quiet), setQuiet),
		row(Plain(lang, MsgSetTZ, zone), setZones),
		row(Plain(lang, MsgSetLang, language), setLang),
		row(Plain(lang, MsgSetSources, followed, len(srcs)), setSources),
	)
	return text, &kb, nil
}

// zonesView renders the time zone keyboard of /settings: the zones of
// settingsZones, two a row, the chat's own marked, and a way back.
func (b *Bot) zonesView(c *cmdContext, sub store.Subscriber) (string, *tgbotapi.InlineKeyboardMarkup) {
	lang, prefix := c.lang, c.callbackPrefix()
	current := b.zoneName(sub)
	var rows [][]tgbotapi.InlineKeyboardButton
	for i := 0; i < len(settingsZones); i += 2 {
		var r []tgbotapi.InlineKeyboardButton
		for _, z := range settingsZones[i:min(i+2, len(settingsZones))] {
			label := Plain(lang, z.city)
			if z.name == current {
				label = "✓ " + label
			}
			r = append(r, tgbotapi.NewInlineKeyboardButtonData(label, prefix+cbSettings+setZone+z.name))
		}
		rows = append(rows, r)
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(Plain(lang, MsgSetBack), prefix+cbSettings+setView)))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return T(lang, MsgSetZones, current, b.now().In(b.chatLocation(sub)).Format("15:04")), &kb
}

// quietState says a chat's quiet hours in a few words.
func quietState(lang Lang, q *store.Quiet) string {
	switch {
	case q == nil:
		return Plain(lang, MsgQuietStateOff)
	case q.Urgent:
		return Plain(lang, MsgQuietStateUrgent, FormatClock(q.From), FormatClock(q.To))
	}
	return Plain(lang, MsgQuietStateRange, FormatClock(q.From), FormatClock(q.To))
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
	switch what {
	case setSources:
		return b.onSourcePage(ctx, c, q, 0, "")
	case setView:
		return b.redrawSettings(ctx, c, q, *c.sub, "")
	case setZones:
		text, kb := b.zonesView(c, *c.sub)
		if err := b.edit(ctx, q.Message, c.framed(text), kb); err != nil {
			return err
		}
		return b.answer(ctx, q, "")
	}
	if name, ok := strings.CutPrefix(what, setZone); ok {
		return b.onZone(ctx, c, q, name)
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
		case setMedia:
			s.Media = !s.Media
		case setQuiet:
			s.Quiet = nextQuiet(s.Quiet)
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
	return b.redrawSettings(ctx, c, q, sub, "")
}

// redrawSettings shows the settings of sub in the message of q and
// answers the press with toast.
func (b *Bot) redrawSettings(ctx context.Context, c *cmdContext, q *tgbotapi.CallbackQuery, sub store.Subscriber, toast string) error {
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
	return b.answer(ctx, q, toast)
}

// onZone handles a press on a zone of the time zone keyboard: the chat's
// zone is set as /tz sets it, and the settings are shown again.
func (b *Bot) onZone(ctx context.Context, c *cmdContext, q *tgbotapi.CallbackQuery, arg string) error {
	name, loc, ok := ParseZone(arg)
	if !ok {
		// Not a zone this build knows: show the settings unchanged.
		return b.redrawSettings(ctx, c, q, *c.sub, Plain(c.lang, MsgBadTZ, arg))
	}
	sub, err := b.setZone(ctx, c.targetID(), name)
	if err != nil {
		return err
	}
	return b.redrawSettings(ctx, c, q, sub, Plain(c.lang, MsgTZSet, name, b.now().In(loc).Format("15:04")))
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
