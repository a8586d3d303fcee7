package bot

import (
	"errors"
	"strings"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/alerts/match"
	"github.com/aajil/aajil/telegram/tgtext"
)

// Lang is a reply language.
type Lang = tgtext.Lang

// Supported languages.
const (
	LangAR = tgtext.LangAR
	LangEN = tgtext.LangEN
)

// LangFromCode picks the reply language for a Telegram user's
// language_code (an IETF tag such as "ar", "ar-SA", "en-GB"): Arabic for
// any Arabic tag, English otherwise.
func LangFromCode(languageCode string) Lang {
	base, _, _ := strings.Cut(strings.TrimSpace(languageCode), "-")
	base, _, _ = strings.Cut(base, "_")
	if strings.EqualFold(base, "ar") {
		return LangAR
	}
	return LangEN
}

// ParseLang reads the argument of /lang: a code (ar, en, ar-SA) or the
// language's name in either language (arabic, عربي, العربية, english,
// انجليزي, الإنجليزية).
func ParseLang(s string) (Lang, bool) {
	w := alerts.Normalize(tgtext.StripControls(s))
	switch w {
	case "ar", "arabic", "عربي", "العربيه", "عربيه":
		return LangAR, true
	case "en", "english", "انجليزي", "الانجليزيه", "انجليزيه", "انكليزي", "الانكليزيه":
		return LangEN, true
	}
	if base, _, ok := strings.Cut(w, " "); ok && (base == "ar" || base == "en") {
		// Normalize turns "ar-SA" into "ar sa".
		return Lang(base), true
	}
	return "", false
}

// MsgID names a message of the catalogues.
type MsgID = tgtext.MsgID

// HTML is an argument to T that is already Telegram HTML, such as a line
// rendered by T itself: it is inserted as is, neither escaped nor
// isolated.
type HTML = tgtext.HTML

// MaxArgRunes is the most characters of a text argument that a reply
// echoes; longer text (a 4,000-character "rule") is cut with an ellipsis
// so that the reply stays within Telegram's 4,096-character limit.
const MaxArgRunes = tgtext.MaxArgRunes

// catalog holds the bot's replies in Arabic and English: English for any
// other language, and durations in words (FormatDuration).
var catalog = tgtext.NewCatalog(LangEN,
	map[Lang]map[MsgID]string{LangAR: catalogAR, LangEN: catalogEN},
	tgtext.RightToLeft(LangAR), tgtext.DurationFormat(FormatDuration))

// T renders message id in lang as Telegram HTML (see tgtext.Catalog.T):
// every argument is cleaned, cut to MaxArgRunes and escaped, HTML values
// go in as they are, time.Duration is written in words (FormatDuration).
// In Arabic every argument except HTML is put in a bidi isolate, and in
// English every argument holding Arabic letters is.
func T(lang Lang, id MsgID, args ...any) string {
	return catalog.T(lang, id, args...)
}

// Plain renders id like T but as plain text, for inline-keyboard button
// labels and callback answers, which Telegram does not parse as HTML:
// nothing is escaped. Arguments are still cleaned, cut and isolated.
func Plain(lang Lang, id MsgID, args ...any) string {
	return catalog.Plain(lang, id, args...)
}

// catalogue returns the messages of lang; English for anything else.
func catalogue(lang Lang) map[MsgID]string {
	return catalog.Messages(lang)
}

// NumArgs returns how many arguments message id takes (the English
// catalogue is the reference; a test holds the Arabic one to it), or -1
// for an unknown id.
func NumArgs(id MsgID) int {
	return catalog.NumArgs(id)
}

// formatArg turns one argument into safe text for a message in lang, as
// T (escape true) or Plain inserts it.
func formatArg(lang Lang, a any, escape bool) string {
	return catalog.FormatArg(lang, a, escape)
}

// RuleErrorMessage translates an error from match.ParseRule or
// match.ValidateRules into a reply; an error that is not an
// *match.RuleError gets the generic invalid-rule reply.
func RuleErrorMessage(lang Lang, err error) string {
	var re *match.RuleError
	if !errors.As(err, &re) {
		return T(lang, MsgRuleInvalid)
	}
	switch re.Code {
	case match.ErrCodeEmpty:
		return T(lang, MsgRuleEmpty)
	case match.ErrCodeTooLong:
		return T(lang, MsgRuleTooLong, match.MaxRuleLen)
	case match.ErrCodeUnbalancedQuote:
		return T(lang, MsgRuleUnbalancedQuote, re.Pos+1)
	case match.ErrCodeOnlyVetoes:
		return T(lang, MsgRuleOnlyVetoes)
	case match.ErrCodeEmptyTerm:
		return T(lang, MsgRuleEmptyTerm, re.Term)
	case match.ErrCodeTooMany:
		return T(lang, MsgTooManyRules, match.MaxRules)
	case match.ErrCodeDuplicate:
		return T(lang, MsgRuleDuplicate, re.Term)
	}
	return T(lang, MsgRuleInvalid)
}

// ArgsErrorMessage translates an error from ParseKeyValues into a reply.
func ArgsErrorMessage(lang Lang, err error) string {
	var ae *ArgsError
	if !errors.As(err, &ae) {
		return T(lang, MsgBadArguments)
	}
	switch ae.Code {
	case ErrArgsUnbalancedQuote:
		return T(lang, MsgArgsUnbalancedQuote, ae.Pos+1)
	case ErrArgsTextAfterQuote:
		return T(lang, MsgArgsTextAfterQuote, ae.Pos+1)
	case ErrArgsDuplicateKey:
		return T(lang, MsgArgsDuplicateKey, ae.Key)
	}
	return T(lang, MsgBadArguments)
}

// DurationErrorMessage translates an error from ParseDuration into a
// reply.
func DurationErrorMessage(lang Lang, err error) string {
	var de *DurationError
	if !errors.As(err, &de) {
		return T(lang, MsgBadDuration, "")
	}
	switch de.Code {
	case ErrDurationTooShort:
		return T(lang, MsgDurationTooShort, MinPause)
	case ErrDurationTooLong:
		return T(lang, MsgDurationTooLong, MaxPause)
	}
	return T(lang, MsgBadDuration, de.Input)
}

// Message ids. The comment after each says what its arguments are.
const (
	// Subscribers.
	MsgWelcome             MsgID = "welcome"               // /start in a new chat
	MsgWelcomeBack         MsgID = "welcome_back"          // /start in a subscribed chat
	MsgHelp                MsgID = "help"                  // every subscriber command, one example each
	MsgMenuStart           MsgID = "menu_start"            // command menu entry (plain text)
	MsgMenuAdd             MsgID = "menu_add"              // command menu entry (plain text)
	MsgMenuDel             MsgID = "menu_del"              // command menu entry (plain text)
	MsgMenuList            MsgID = "menu_list"             // command menu entry (plain text)
	MsgMenuClear           MsgID = "menu_clear"            // command menu entry (plain text)
	MsgMenuMode            MsgID = "menu_mode"             // command menu entry (plain text)
	MsgMenuMedia           MsgID = "menu_media"            // command menu entry (plain text)
	MsgMenuSources         MsgID = "menu_sources"          // command menu entry (plain text)
	MsgMenuPause           MsgID = "menu_pause"            // command menu entry (plain text)
	MsgMenuResume          MsgID = "menu_resume"           // command menu entry (plain text)
	MsgMenuLang            MsgID = "menu_lang"             // command menu entry (plain text)
	MsgMenuStatus          MsgID = "menu_status"           // command menu entry (plain text)
	MsgMenuHelp            MsgID = "menu_help"             // command menu entry (plain text)
	MsgMenuStop            MsgID = "menu_stop"             // command menu entry (plain text)
	MsgAdminHelp           MsgID = "admin_help"            // every admin command, one example each
	MsgMenuLast            MsgID = "menu_last"             // command menu entry (plain text)
	MsgMenuQuiet           MsgID = "menu_quiet"            // command menu entry (plain text)
	MsgMenuTZ              MsgID = "menu_tz"               // command menu entry (plain text)
	MsgQuietNone           MsgID = "quiet_none"            // /quiet alone, none set
	MsgQuietSet            MsgID = "quiet_set"             // {0} from, {1} to, {2} zone
	MsgQuietSetUrgent      MsgID = "quiet_set_urgent"      // {0} from, {1} to, {2} zone
	MsgQuietOff            MsgID = "quiet_off"             // /quiet off
	MsgBadQuiet            MsgID = "bad_quiet"             // {0} the argument as typed
	MsgTZCurrent           MsgID = "tz_current"            // {0} zone, {1} its time now
	MsgTZSet               MsgID = "tz_set"                // {0} zone, {1} its time now
	MsgBadTZ               MsgID = "bad_tz"                // {0} the argument as typed
	MsgUsageLast           MsgID = "usage_last"            // /last with a bad count
	MsgLastHeader          MsgID = "last_header"           // {0} how many
	MsgLastRecentHeader    MsgID = "last_recent_header"    // {0} how many, none sent here yet
	MsgLastNone            MsgID = "last_none"             // nothing to show
	MsgLastItem            MsgID = "last_item"             // {0} time, {1} source, {2} headline (HTML)
	MsgLastTitle           MsgID = "last_title"            // {0} headline
	MsgLastPaused          MsgID = "last_paused"           // marks an alert not sent: paused
	MsgLastAlso            MsgID = "last_also"             // {0} the other sources
	MsgUnknownCommand      MsgID = "unknown_command"       // {0} the command as typed
	MsgNotSubscribed       MsgID = "not_subscribed"        // a command that needs /start first
	MsgInternalError       MsgID = "internal_error"        // something failed on our side
	MsgFlood               MsgID = "flood"                 // too many commands too fast
	MsgNotAdmin            MsgID = "not_admin"             // a group member who is not an admin
	MsgBadArguments        MsgID = "bad_arguments"         // arguments that cannot be read
	MsgArgsUnbalancedQuote MsgID = "args_unbalanced_quote" // {0} character position
	MsgArgsTextAfterQuote  MsgID = "args_text_after_quote" // {0} character position
	MsgArgsDuplicateKey    MsgID = "args_duplicate_key"    // {0} key

	MsgUsageAdd        MsgID = "usage_add"
	MsgUsageDel        MsgID = "usage_del"
	MsgUsageMode       MsgID = "usage_mode"
	MsgUsageMedia      MsgID = "usage_media"
	MsgUsageLang       MsgID = "usage_lang"
	MsgUsageFeed       MsgID = "usage_feed"
	MsgUsageAddFeed    MsgID = "usage_addfeed"
	MsgUsageSetFeed    MsgID = "usage_setfeed"
	MsgUsageDelFeed    MsgID = "usage_delfeed"
	MsgUsagePauseFeed  MsgID = "usage_pausefeed"
	MsgUsageResumeFeed MsgID = "usage_resumefeed"
	MsgUsageProbe      MsgID = "usage_probe"
	MsgUsageAudit      MsgID = "usage_audit"
	MsgUsageDead       MsgID = "usage_dead"

	MsgRuleAdded           MsgID = "rule_added"            // {0} rule, {1} number of rules now
	MsgRuleEmpty           MsgID = "rule_empty"            //
	MsgRuleTooLong         MsgID = "rule_too_long"         // {0} limit in characters
	MsgRuleUnbalancedQuote MsgID = "rule_unbalanced_quote" // {0} character position
	MsgRuleOnlyVetoes      MsgID = "rule_only_vetoes"      //
	MsgRuleEmptyTerm       MsgID = "rule_empty_term"       // {0} the term
	MsgTooManyRules        MsgID = "too_many_rules"        // {0} limit
	MsgRuleDuplicate       MsgID = "rule_duplicate"        // {0} the existing rule
	MsgRuleInvalid         MsgID = "rule_invalid"          //
	MsgRuleDeleted         MsgID = "rule_deleted"          // {0} rule
	MsgNoSuchRule          MsgID = "no_such_rule"          // {0} what was asked for
	MsgRulesList           MsgID = "rules_list"            // {0} number of rules; MsgRuleLine lines follow
	MsgRuleLine            MsgID = "rule_line"             // {0} number, {1} rule
	MsgNoRules             MsgID = "no_rules"              //
	MsgClearConfirm        MsgID = "clear_confirm"         // {0} number of rules
	MsgCleared             MsgID = "cleared"               // {0} number of rules removed
	MsgClearCancelled      MsgID = "clear_cancelled"       //

	MsgModeUrgent MsgID = "mode_urgent" // /mode urgent done
	MsgModeAll    MsgID = "mode_all"    // /mode all done
	MsgBadMode    MsgID = "bad_mode"    // {0} what was given
	MsgMediaOn    MsgID = "media_on"    // /media on done
	MsgMediaOff   MsgID = "media_off"   // /media off done
	MsgBadMedia   MsgID = "bad_media"   // {0} what was given

	MsgSourcesHeader    MsgID = "sources_header"    // {0} followed, {1} total
	MsgSourceFollowed   MsgID = "source_followed"   // plain; {0} source name
	MsgSourceUnfollowed MsgID = "source_unfollowed" // plain; {0} source name
	MsgUnknownSource    MsgID = "unknown_source"    // {0} source id

	MsgPaused           MsgID = "paused"             // until /resume
	MsgPausedUntil      MsgID = "paused_until"       // {0} duration, {1} end time
	MsgResumed          MsgID = "resumed"            //
	MsgNotPaused        MsgID = "not_paused"         //
	MsgBadDuration      MsgID = "bad_duration"       // {0} what was given
	MsgDurationTooShort MsgID = "duration_too_short" // {0} shortest
	MsgDurationTooLong  MsgID = "duration_too_long"  // {0} longest

	MsgLangSet MsgID = "lang_set" // in the new language
	MsgBadLang MsgID = "bad_lang" //

	MsgStatus            MsgID = "status"              // {0} state, {1} mode (HTML), {2} sources followed, {3} sources, {4} rules, {5} pictures (HTML)
	MsgStatusActive      MsgID = "status_active"       //
	MsgStatusPaused      MsgID = "status_paused"       // until /resume
	MsgStatusPausedUntil MsgID = "status_paused_until" // {0} end time
	MsgStatusModeUrgent  MsgID = "status_mode_urgent"  //
	MsgStatusModeAll     MsgID = "status_mode_all"     //
	MsgStatusMediaOn     MsgID = "status_media_on"     //
	MsgStatusMediaOff    MsgID = "status_media_off"    //

	MsgStopped MsgID = "stopped" //

	MsgChannelSubscribed   MsgID = "channel_subscribed"     // {0} channel
	MsgChannelBotNotAdmin  MsgID = "channel_bot_not_admin"  // {0} channel
	MsgChannelUserNotAdmin MsgID = "channel_user_not_admin" // {0} channel
	MsgChannelNotFound     MsgID = "channel_not_found"      // {0} channel

	// Managing a channel from a private chat (/channel).
	MsgChannelHeader         MsgID = "channel_header"           // {0} channel; first line of every reply about it
	MsgChannelManaging       MsgID = "channel_managing"         // {0} channel
	MsgChannelCurrent        MsgID = "channel_current"          // {0} channel
	MsgChannelNone           MsgID = "channel_none"             // /channel when managing nothing
	MsgChannelOff            MsgID = "channel_off"              // back to the private chat
	MsgChannelUsage          MsgID = "channel_usage"            //
	MsgChannelPrivateOnly    MsgID = "channel_private_only"     // /channel outside a private chat
	MsgChannelManageNotAdmin MsgID = "channel_manage_not_admin" // {0} channel
	MsgChannelNotSubscribed  MsgID = "channel_not_subscribed"   // {0} channel
	MsgChannelAccessLost     MsgID = "channel_access_lost"      // {0} channel; no longer an admin
	MsgChannelGone           MsgID = "channel_gone"             // {0} channel; unsubscribed meanwhile
	MsgChannelStopped        MsgID = "channel_stopped"          // {0} channel; /stop on it
	MsgChannelLangSet        MsgID = "channel_lang_set"         // {0} language name (HTML)
	MsgChannelNoAccess       MsgID = "channel_no_access"        // plain; {0} channel
	MsgChannelButtonGone     MsgID = "channel_button_gone"      // plain; {0} channel
	MsgLangNameAR            MsgID = "lang_name_ar"             //
	MsgLangNameEN            MsgID = "lang_name_en"             //
	MsgMenuChannel           MsgID = "menu_channel"             // command menu entry (plain text)

	// Inline-keyboard labels: plain text, render with Plain.
	MsgButtonClearYes  MsgID = "button_clear_yes"
	MsgButtonCancel    MsgID = "button_cancel"
	MsgButtonPrev      MsgID = "button_prev"
	MsgButtonNext      MsgID = "button_next"
	MsgButtonSourceOn  MsgID = "button_source_on"  // {0} source name
	MsgButtonSourceOff MsgID = "button_source_off" // {0} source name
	MsgButtonManage    MsgID = "button_manage"     // after /start @channel

	// Admins.
	MsgFeedsHeader      MsgID = "feeds_header"       // {0} sources, {1} page, {2} pages
	MsgFeedLine         MsgID = "feed_line"          // {0} id, {1} kind, {2} interval, {3} state (HTML), {4} last success, {5} last error (HTML), {6} items seen, {7} alerts in 24 h, {8} next poll
	MsgFeedStateOK      MsgID = "feed_state_ok"      //
	MsgIntervalLearned  MsgID = "interval_learned"   // {0} new items an hour, learned
	MsgIntervalCascade  MsgID = "interval_cascade"   // {0} end of the cascade
	MsgIntervalPush     MsgID = "interval_push"      // pushed by WebSub: polled only as a safety net
	MsgFeedStatePaused  MsgID = "feed_state_paused"  //
	MsgFeedStateFailing MsgID = "feed_state_failing" //
	MsgFeedNever        MsgID = "feed_never"         // no successful poll yet
	MsgFeedNoError      MsgID = "feed_no_error"      //
	MsgFeedErrorAt      MsgID = "feed_error_at"      // {0} error class, {1} when
	MsgNoFeeds          MsgID = "no_feeds"           //
	MsgFeedDetails      MsgID = "feed_details"       // {0} id, {1} name; MsgFeedField lines follow
	MsgFeedField        MsgID = "feed_field"         // {0} field, {1} value
	MsgFeedOriginFile   MsgID = "feed_origin_file"   // {0} file, {1} when
	MsgFeedOriginChat   MsgID = "feed_origin_chat"   // {0} admin, {1} when
	MsgFeedAdded        MsgID = "feed_added"         // {0} id
	MsgFeedUpdated      MsgID = "feed_updated"       // {0} id
	MsgFeedDeleted      MsgID = "feed_deleted"       // {0} id
	MsgFeedPaused       MsgID = "feed_paused"        // {0} id
	MsgFeedResumed      MsgID = "feed_resumed"       // {0} id
	MsgFeedNotFound     MsgID = "feed_not_found"     // {0} id
	MsgFeedExists       MsgID = "feed_exists"        // {0} id
	MsgFeedRefused      MsgID = "feed_refused"       // {0} reason (HTML or text)
	MsgFeedBadField     MsgID = "feed_bad_field"     // {0} field, {1} reason
	MsgFeedUnknownField MsgID = "feed_unknown_field" // {0} field
	MsgProbeHeader      MsgID = "probe_header"       // {0} URL, {1} items found; MsgProbeItem lines follow
	MsgProbeItem        MsgID = "probe_item"         // {0} title
	MsgProbeItemUrgent  MsgID = "probe_item_urgent"  // {0} title, {1} marker
	MsgProbeNoItems     MsgID = "probe_no_items"     //
	MsgProbeFailed      MsgID = "probe_failed"       // {0} error
	MsgPrivateAddress   MsgID = "private_address"    // {0} address
	MsgOnlyHTTP         MsgID = "only_http"          // {0} URL
	MsgStats            MsgID = "stats"              // {0} active, {1} paused, {2} blocked, {3} rules, {4} alerts 1 h, {5} alerts 24 h, {6} deliveries 1 h, {7} deliveries 24 h, {8} failed deliveries 1 h, {9} failed 24 h, {10} outbox depth, {11} outbox being sent, {12} dead letters, {13} Telegram errors 1 h, {14} Telegram errors 24 h
	MsgExportCaption    MsgID = "export_caption"     // {0} sources
	MsgImportErrors     MsgID = "import_errors"      // {0} errors; MsgImportErrorLine lines follow
	MsgImportErrorLine  MsgID = "import_error_line"  // {0} line, {1} message
	MsgImportSummary    MsgID = "import_summary"     // {0} added, {1} changed, {2} removed
	MsgImportNoChanges  MsgID = "import_no_changes"  //
	MsgImportNotYAML    MsgID = "import_not_yaml"    //
	MsgImportTooLarge   MsgID = "import_too_large"   // {0} limit in KiB
	MsgImportConfirm    MsgID = "import_confirm"     // {0} removed, {1} sources now, {2} added, {3} changed, {4} minutes to answer
	MsgImportCancelled  MsgID = "import_cancelled"   //
	MsgImportExpired    MsgID = "import_expired"     //
	MsgButtonImportYes  MsgID = "button_import_yes"  // {0} removed
	MsgAuditHeader      MsgID = "audit_header"       // {0} entries shown; MsgAuditLine lines follow
	MsgAuditLine        MsgID = "audit_line"         // {0} when, {1} who, {2} action, {3} source
	MsgAuditChange      MsgID = "audit_change"       // {0} before, {1} after
	MsgAuditEmpty       MsgID = "audit_empty"        //
	MsgDeadHeader       MsgID = "dead_header"        // {0} shown, {1} in all; MsgDeadLine lines follow
	MsgDeadLine         MsgID = "dead_line"          // {0} when, {1} chat, {2} source, {3} attempts, {4} reason, {5} headline
	MsgDeadEmpty        MsgID = "dead_empty"         //

	// The web console (/web).
	MsgWebLink          MsgID = "web_link"           // {0} login link, {1} minutes it is valid
	MsgWebRevoked       MsgID = "web_revoked"        // {0} sessions ended
	MsgWebPrivateOnly   MsgID = "web_private_only"   //
	MsgWebNotConfigured MsgID = "web_not_configured" //
	MsgUsageWeb         MsgID = "usage_web"          //
)

// plainIDs are the messages rendered with Plain: their templates hold no
// HTML.
var plainIDs = map[MsgID]bool{
	MsgMenuStart: true, MsgMenuAdd: true, MsgMenuDel: true, MsgMenuList: true, MsgMenuClear: true, MsgMenuMode: true, MsgMenuMedia: true, MsgMenuSources: true, MsgMenuPause: true, MsgMenuResume: true, MsgMenuLang: true, MsgMenuStatus: true, MsgMenuHelp: true, MsgMenuStop: true, MsgMenuChannel: true,
	MsgSourceLastOne:  true,
	MsgSourceFollowed: true, MsgSourceUnfollowed: true,
	MsgButtonClearYes: true, MsgButtonCancel: true, MsgButtonPrev: true, MsgButtonNext: true,
	MsgButtonSourceOn: true, MsgButtonSourceOff: true, MsgButtonManage: true,
	MsgChannelNoAccess: true, MsgChannelButtonGone: true,
	MsgButtonImportYes: true, MsgImportExpired: true,
	MsgSetMode: true, MsgSetDigest: true, MsgSetButtons: true, MsgSetLang: true, MsgSetSources: true,
	MsgStateOn: true, MsgStateOff: true, MsgModeUrgentShort: true, MsgModeAllShort: true,
	MsgDigestStateOff: true, MsgDigestStateHour: true, MsgDigestStateDaily: true,
	MsgMuteNotAdmin: true, MsgButtonMuteConfirm: true, MsgButtonUndo: true, MsgMuted: true,
	MsgWhyRule: true, MsgWhySep: true, MsgWhyUrgent: true, MsgWhyGone: true,
	MsgMenuDigest: true, MsgMenuButtons: true, MsgMenuSettings: true,
	MsgSetMedia: true, MsgSetQuiet: true, MsgSetTZ: true, MsgSetBack: true,
	MsgQuietStateOff: true, MsgQuietStateRange: true, MsgQuietStateUrgent: true,
	MsgZoneDamascus: true, MsgZoneBeirut: true, MsgZoneAmman: true, MsgZoneBaghdad: true, MsgZoneRiyadh: true, MsgZoneDubai: true,
	MsgZoneCairo: true, MsgZoneIstanbul: true, MsgZoneBerlin: true, MsgZoneLondon: true, MsgZoneNewYork: true, MsgZoneUTC: true,
	// Also the toasts of the /settings time zone keyboard.
	MsgTZSet: true, MsgBadTZ: true,
}
