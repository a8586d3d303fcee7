package bot

// catalogEN holds the English replies. Templates are Telegram HTML with
// {n} placeholders (see T); a literal <, > or & is written as an entity.
// Built once, never written.
var catalogEN = map[MsgID]string{
	MsgWelcome: "👋 Welcome to <b>Aajil</b>! Breaking news from every source will reach you here as soon as it is published.\n" +
		"To get only what matters to you, add a rule, e.g. /add Homs — or a phrase in quotes: /add \"Damascus airport\".\n" +
		"Send /settings to change everything with a tap, or /help to see every command.",
	MsgWelcomeBack: "You are already subscribed. Send /status to see what you receive, or /help for the commands.",
	MsgHelp: "<b>Commands</b>\n" +
		"/add <i>rule</i> — get only news matching it: /add Homs\n" +
		"/del <i>rule or number</i> — delete a rule: /del 2\n" +
		"/list — your rules, numbered: /list\n" +
		"/clear — delete all your rules: /clear\n" +
		"/mode urgent|all — urgent news only, or every item your rules match: /mode all\n" +
		"/media on|off — alerts as a photo with their picture, when the source gives one: /media on\n" +
		"/sources — choose the sources you follow: /sources\n" +
		"/pause [<i>duration</i>] — stop alerts for a while, or until /resume: /pause 2h\n" +
		"/resume — receive alerts again: /resume\n" +
		"/lang ar|en — reply language: /lang ar\n" +
		"/status — what this chat receives: /status\n" +
		"/last [<i>n</i>] — the last alerts of this chat (5, at most 20): /last 10\n" +
		"/quiet <i>from-to</i> [urgent] — quiet hours: alerts arrive silently, urgent ones still ring with urgent; /quiet off ends them: /quiet 23:00-07:00\n" +
		"/tz <i>city or zone</i> — this chat's time zone, for quiet hours and the times shown: /tz Beirut\n" +
		"/settings — every setting as buttons, changed with a tap: /settings\n" +
		"/digest hourly|daily <i>HH:MM</i>|off — non-urgent news together in one message: /digest daily 08:00\n" +
		"/buttons on|off — the buttons under alerts (mute the source, why it matched): /buttons off\n" +
		"/stop — unsubscribe: /stop\n" +
		"/channel @<i>name</i> — in a private chat with me, manage a channel you administer: the commands above then act on it; /channel off comes back: /channel @my_news\n\n" +
		"<b>Rules</b>: all the words must appear; \"a phrase\" in quotes must appear as written; -word excludes news that contains it: /add Damascus -weather",
	MsgAdminHelp: "<b>Admin commands</b>\n" +
		"/feeds — every source with its health: /feeds\n" +
		"/feed <i>id</i> — one source in full: /feed sana-ticker\n" +
		"/addfeed <i>url</i> [key=value…] — probe and add a source: /addfeed https://example.com/news kind=html item=\".news li\"; a public Telegram channel (kind=telegram): /addfeed @channel_name\n" +
		"/setfeed <i>id</i> key=value… — change a source: /setfeed sana-ticker interval=30s\n" +
		"/delfeed <i>id</i> — remove a source: /delfeed sana-ticker\n" +
		"/pausefeed <i>id</i> — stop polling a source: /pausefeed sana-ticker\n" +
		"/resumefeed <i>id</i> — poll it again: /resumefeed sana-ticker\n" +
		"/probe <i>url</i> [key=value…] — preview without adding: /probe https://example.com/rss\n" +
		"/stats — subscribers, alerts and deliveries: /stats\n" +
		"/export — the sources as a YAML file: /export\n" +
		"/audit [<i>n</i>] — the latest admin changes: /audit 20\n" +
		"/dead [<i>n</i>] — the latest deliveries given up (dead letters): /dead 5\n" +
		"/web — a login link to the admin console in the browser; /web off signs out everywhere: /web\n" +
		"Send a YAML file to import sources.",
	MsgUnknownCommand:      "Unknown command {0}. Send /help to see the commands.",
	MsgNotSubscribed:       "This chat is not subscribed. Send /start first.",
	MsgInternalError:       "Something went wrong on our side. Please try again in a moment.",
	MsgFlood:               "Too many commands at once. Please wait a few seconds.",
	MsgNotAdmin:            "Only this group's admins can change its subscription.",
	MsgBadArguments:        "I could not read those arguments. Send /help for examples.",
	MsgArgsUnbalancedQuote: "The quote at character {0} is never closed.",
	MsgArgsTextAfterQuote:  "Put a space after the closing quote (character {0}).",
	MsgArgsDuplicateKey:    "The field {0} is given twice.",

	MsgUsageAdd:        "Write the rule after the command, e.g. /add Homs",
	MsgUsageDel:        "Write the rule or its number (see /list), e.g. /del 2",
	MsgUsageMode:       "Choose a mode: /mode urgent (urgent news only) or /mode all (everything your rules match).",
	MsgUsageLang:       "Choose a language: /lang ar or /lang en",
	MsgUsageMedia:      "Choose: /media on (an alert whose source gives a picture comes as that photo, the alert below it) or /media off (text only).",
	MsgUsageFeed:       "Write the source id, e.g. /feed sana-ticker",
	MsgUsageAddFeed:    "Write the URL, then any fields, e.g. /addfeed https://example.com/news kind=html item=\".news li\"",
	MsgUsageSetFeed:    "Write the source id and the fields to change, e.g. /setfeed sana-ticker interval=30s",
	MsgUsageDelFeed:    "Write the source id, e.g. /delfeed sana-ticker",
	MsgUsagePauseFeed:  "Write the source id, e.g. /pausefeed sana-ticker",
	MsgUsageResumeFeed: "Write the source id, e.g. /resumefeed sana-ticker",
	MsgUsageProbe:      "Write the URL, then any fields, e.g. /probe https://example.com/rss",
	MsgUsageAudit:      "Write how many entries to show, e.g. /audit 20",
	MsgUsageDead:       "Write how many dead letters to show, e.g. /dead 5",

	MsgRuleAdded:           "✅ Rule added: <b>{0}</b>\nRules: {1}",
	MsgRuleEmpty:           "The rule is empty. Write a word or a phrase, e.g. /add Homs",
	MsgRuleTooLong:         "The rule is too long: at most {0} characters.",
	MsgRuleUnbalancedQuote: "The quote at character {0} is never closed. Close the phrase with a second quote.",
	MsgRuleOnlyVetoes:      "The rule only excludes words. Add at least one word that must appear, e.g. /add Damascus -weather",
	MsgRuleEmptyTerm:       "{0} has no letters or digits. Remove it or write a word.",
	MsgTooManyRules:        "You have reached the limit of {0} rules. Delete one with /del first.",
	MsgRuleDuplicate:       "You already have this rule: <b>{0}</b>",
	MsgRuleInvalid:         "I could not read this rule. Send /help for examples.",
	MsgRuleDeleted:         "🗑 Rule deleted: <b>{0}</b>",
	MsgNoSuchRule:          "No rule matches {0}. Send /list to see your rules.",
	MsgRulesList:           "<b>Your rules</b> ({0}):",
	MsgRuleLine:            "{0}. {1}",
	MsgNoRules:             "You have no rules: you receive every urgent item of the sources you follow. Add one with /add Homs",
	MsgClearConfirm:        "Delete all {0} of your rules?",
	MsgCleared:             "🗑 All rules deleted ({0}). You now receive every urgent item of the sources you follow.",
	MsgClearCancelled:      "Nothing was deleted.",

	MsgModeUrgent: "Mode: <b>urgent</b>. You will receive urgent news only.",
	MsgModeAll:    "Mode: <b>all</b>. You will receive every item your rules match, urgent or not.",
	MsgBadMode:    "Unknown mode {0}. Choose /mode urgent or /mode all.",

	MsgMediaOn:  "🖼 Pictures: <b>on</b>. An alert whose source gives a picture comes as that photo, the alert below it.",
	MsgMediaOff: "Pictures: <b>off</b>. Alerts come as text only.",
	MsgBadMedia: "Unknown setting {0}. Choose /media on or /media off.",

	MsgSourcesHeader:    "<b>Sources</b>: you follow {0} of {1}. Tap a source to follow or unfollow it.",
	MsgSourceFollowed:   "Following {0}",
	MsgSourceUnfollowed: "No longer following {0}",
	MsgUnknownSource:    "Unknown source {0}. Send /sources to see them.",
	MsgMenuStart:        "Subscribe this chat to breaking news",
	MsgMenuAdd:          "Add a keyword rule",
	MsgMenuDel:          "Delete a rule",
	MsgMenuList:         "Your rules",
	MsgMenuClear:        "Delete all your rules",
	MsgMenuMode:         "Urgent news only, or all matches",
	MsgMenuSources:      "Choose your sources",
	MsgMenuMedia:        "Alerts with pictures, or text only",
	MsgMenuPause:        "Pause alerts",
	MsgMenuResume:       "Resume alerts",
	MsgMenuLang:         "Reply language",
	MsgMenuStatus:       "What this chat receives",
	MsgMenuHelp:         "Every command with an example",
	MsgMenuStop:         "Unsubscribe",
	MsgSourceLastOne:    "This is the only source you follow. To receive nothing for a while, send /pause; to unsubscribe, /stop.",

	MsgPaused:           "⏸ Alerts paused until you send /resume.",
	MsgPausedUntil:      "⏸ Alerts paused for {0}, until {1}. Send /resume to receive them earlier.",
	MsgResumed:          "▶️ Alerts resumed.",
	MsgNotPaused:        "Alerts are not paused.",
	MsgBadDuration:      "I could not read the duration {0}. Examples: /pause 30m, /pause 2h, /pause 1d",
	MsgDurationTooShort: "The pause must last at least {0}.",
	MsgDurationTooLong:  "The pause can last at most {0}. To stop alerts for good, send /stop.",

	MsgLangSet: "I will reply in English.",
	MsgBadLang: "Choose a language: /lang ar or /lang en",

	MsgStatus:            "<b>Status</b>\nAlerts: {0}\nMode: {1}\nSources followed: {2} of {3}\nRules: {4}\nPictures: {5}",
	MsgStatusActive:      "on",
	MsgStatusPaused:      "paused until /resume",
	MsgStatusPausedUntil: "paused until {0}",
	MsgStatusModeUrgent:  "urgent news only",
	MsgStatusModeAll:     "every item your rules match",
	MsgStatusMediaOn:     "on",
	MsgStatusMediaOff:    "off (text only)",

	MsgStopped: "You are unsubscribed and will receive no more alerts. Send /start to subscribe again.",

	MsgChannelSubscribed:   "✅ The channel {0} is subscribed. To change its rules, sources or language, tap the button below or send /channel {0}.",
	MsgChannelBotNotAdmin:  "I am not an admin of {0}. Add me as an admin who can post messages, then try again.",
	MsgChannelUserNotAdmin: "Only an admin of {0} can subscribe it.",
	MsgChannelNotFound:     "I cannot find the channel {0}.",

	MsgChannelHeader: "📢 <b>Channel {0}</b>",
	MsgChannelManaging: "You are now managing the channel {0} from this chat: /add, /del, /list, /clear, /mode, /media, /sources, /pause, /resume, /lang, /status and /stop act on it, and each reply starts with its name.\n" +
		"Send /channel off to manage this chat again.",
	MsgChannelCurrent:        "This chat is managing the channel {0}: the subscription commands act on it. Send /channel off to manage this chat again, or /channel @name for another channel.",
	MsgChannelNone:           "This chat manages its own subscription. To manage a channel you administer, send /channel @name or its t.me link.",
	MsgChannelOff:            "Back to this chat: the commands act on your own subscription again.",
	MsgChannelUsage:          "Write the channel's @name or t.me link, e.g. /channel @my_news — or /channel off to manage this chat again.",
	MsgChannelPrivateOnly:    "Channels are managed from a private chat with me: send /channel @name there.",
	MsgChannelManageNotAdmin: "Only an admin of {0} can manage it.",
	MsgChannelNotSubscribed:  "The channel {0} is not subscribed. Subscribe it first with /start {0}.",
	MsgChannelAccessLost:     "You are no longer an admin of {0} (or I can no longer reach it), so this chat no longer manages it. The commands act on this chat again.",
	MsgChannelGone:           "The channel {0} is no longer subscribed, so this chat no longer manages it. The commands act on this chat again; to subscribe it again, send /start {0}.",
	MsgChannelStopped:        "The channel {0} is unsubscribed and will receive no more alerts. The commands act on this chat again.",
	MsgChannelLangSet:        "The channel's alerts will now be in {0}. I keep replying to you in your language.",
	MsgChannelNoAccess:       "You are not an admin of {0}: nothing was changed.",
	MsgChannelButtonGone:     "The channel {0} is no longer subscribed.",
	MsgLangNameAR:            "Arabic",
	MsgLangNameEN:            "English",
	MsgMenuChannel:           "Manage a channel you administer",

	MsgButtonClearYes:  "🗑 Delete all",
	MsgButtonCancel:    "Cancel",
	MsgButtonPrev:      "« Previous",
	MsgButtonNext:      "Next »",
	MsgButtonSourceOn:  "✅ {0}",
	MsgButtonSourceOff: "▫️ {0}",
	MsgButtonManage:    "📢 Manage this channel",

	MsgFeedsHeader:      "<b>Sources</b> ({0}) — page {1} of {2}",
	MsgFeedLine:         "<b>{0}</b> · {1} · every {2} · {3}\nlast success: {4} · last error: {5}\nitems: {6} · alerts in 24 h: {7} · next poll: {8}",
	MsgIntervalLearned:  "adaptive: {0} new items an hour",
	MsgIntervalCascade:  "fast after breaking news until {0}",
	MsgIntervalPush:     "push: WebSub delivers its items, polled as a safety net",
	MsgFeedStateOK:      "✅ ok",
	MsgFeedStatePaused:  "⏸ paused",
	MsgFeedStateFailing: "⚠️ failing",
	MsgFeedNever:        "never",
	MsgFeedNoError:      "none",
	MsgFeedErrorAt:      "{0} at {1}",
	MsgNoFeeds:          "No sources yet. Add one with /addfeed.",
	MsgFeedDetails:      "<b>{0}</b> — {1}",
	MsgFeedField:        "{0}: <code>{1}</code>",
	MsgFeedOriginFile:   "Defined in the file {0}, loaded {1}",
	MsgFeedOriginChat:   "Defined in chat by {0}, {1}",
	MsgFeedAdded:        "✅ Source {0} added. It is polled from now on.",
	MsgFeedUpdated:      "✅ Source {0} updated.",
	MsgFeedDeleted:      "🗑 Source {0} removed.",
	MsgFeedPaused:       "⏸ Source {0} paused.",
	MsgFeedResumed:      "▶️ Source {0} resumed.",
	MsgFeedNotFound:     "No source has the id {0}. Send /feeds to see them.",
	MsgFeedExists:       "A source with the id {0} already exists. Change it with /setfeed.",
	MsgFeedRefused:      "❌ Source not added: {0}",
	MsgFeedBadField:     "Bad value for {0}: {1}",
	MsgFeedUnknownField: "Unknown field {0}. Fields: id, name, url, kind, interval, min_interval, max_interval, all_urgent, item, text, link, marker, image, lang.",
	MsgProbeHeader:      "<b>Probe</b> {0}: {1} items. The first ones:",
	MsgProbeItem:        "• {0}",
	MsgProbeItemUrgent:  "🔴 {0} (urgent: {1})",
	MsgProbeNoItems:     "the source yields no items",
	MsgProbeFailed:      "the source could not be read: {0}",
	MsgPrivateAddress:   "private address refused: {0}",
	MsgOnlyHTTP:         "only http and https: {0}",
	MsgStats: "<b>Statistics</b>\n" +
		"Subscribers: {0} active, {1} paused, {2} blocked\n" +
		"Rules: {3}\n" +
		"Alerts: {4} in the last hour, {5} in 24 h\n" +
		"Deliveries: {6} in the last hour, {7} in 24 h\n" +
		"Failed deliveries: {8} in the last hour, {9} in 24 h\n" +
		"Outbox: {10} queued, of which {11} being sent\n" +
		"Dead letters: {12}\n" +
		"Telegram errors: {13} in the last hour, {14} in 24 h",
	MsgExportCaption:   "The current sources ({0}). Send this file back, edited, to import it.",
	MsgImportErrors:    "❌ Nothing was imported: {0} errors.",
	MsgImportErrorLine: "line {0}: {1}",
	MsgImportSummary:   "✅ Imported: {0} added, {1} changed, {2} removed.",
	MsgImportNoChanges: "The file holds the current sources: nothing changed.",
	MsgImportNotYAML:   "Send the sources as a YAML file (.yaml or .yml), as /export makes.",
	MsgImportTooLarge:  "The file is too large: at most {0} KiB.",
	MsgImportConfirm:   "⚠️ This file removes {0} of the {1} current sources, adds {2} and changes {3}. Import it? This question expires in {4} minutes.",
	MsgImportCancelled: "Import cancelled; nothing changed.",
	MsgImportExpired:   "This import expired or was already done. Send the file again.",
	MsgButtonImportYes: "Import, remove {0}",
	MsgAuditHeader:     "<b>Latest admin changes</b> ({0}):",
	MsgAuditLine:       "{0} · {1} · {2} {3}",
	MsgAuditChange:     "  before: <code>{0}</code>\n  after: <code>{1}</code>",
	MsgAuditEmpty:      "No admin changes yet.",
	MsgDeadHeader:      "<b>Deliveries given up</b> ({0} of {1}):",
	MsgDeadLine:        "{0} · chat <code>{1}</code> · {2} · {3} attempts\n  {4}\n  <i>{5}</i>",
	MsgDeadEmpty:       "No dead letters: every delivery went out or is still being tried.",

	MsgMenuLast:         "Last alerts of this chat",
	MsgMenuQuiet:        "Quiet hours: alerts without sound",
	MsgMenuTZ:           "Time zone of this chat",
	MsgQuietNone:        "No quiet hours: every alert rings. Set them with /quiet 23:00-07:00 (add urgent to let urgent alerts ring).",
	MsgQuietSet:         "🌙 Quiet hours: {0}–{1} ({2}). Alerts arrive silently then. /quiet off ends them.",
	MsgQuietSetUrgent:   "🌙 Quiet hours: {0}–{1} ({2}). Alerts arrive silently then, except urgent ones. /quiet off ends them.",
	MsgQuietOff:         "Quiet hours off: every alert rings.",
	MsgBadQuiet:         "I could not read the hours {0}. Write two times, e.g. /quiet 23:00-07:00, /quiet 11pm-7am or /quiet 23-7 urgent.",
	MsgTZCurrent:        "Time zone: {0} (now {1}). Change it with /tz and a city or zone, e.g. /tz Beirut or /tz Europe/London.",
	MsgTZSet:            "🕒 Time zone set: {0} (now {1}).",
	MsgBadTZ:            "I do not know the time zone {0}. Write a city, e.g. /tz Cairo, or a zone name, e.g. /tz Asia/Riyadh.",
	MsgUsageLast:        "Write how many alerts to show (at most 20), e.g. /last 10",
	MsgLastHeader:       "<b>The last {0} alerts of this chat</b>, newest first:",
	MsgLastRecentHeader: "No alert reached this chat yet. <b>The latest {0} urgent stories of its sources</b>:",
	MsgLastNone:         "No alert reached this chat yet, and its sources have had no urgent story lately.",
	MsgLastItem:         "🕒 {0} · <b>{1}</b>\n{2}",
	MsgLastTitle:        "{0}",
	MsgLastPaused:       "(paused: not sent)",
	MsgLastAlso:         "➕ Also reported by: {0}",
	// /settings, /digest, /buttons and the alerts' buttons (settings.go, buttons.go).
	MsgSettings: "⚙️ <b>Settings</b>\n" +
		"Mode: {0}\n" +
		"Rules: {1} (/list)\n" +
		"Sources: {2} of {3}\n" +
		"Digest: {4}\n" +
		"Language: {5}\n" +
		"Buttons under alerts: {6}\n" +
		"Pictures: {7}\n" +
		"Quiet hours: {8}\n" +
		"Time zone: {9}\n\n" +
		"Tap a button to change it. The quiet hours button goes through a few common choices; /quiet sets any hours, e.g. /quiet 22:30-06:00, and /tz any city or zone.",
	MsgSetMode:           "🔔 Mode: {0}",
	MsgSetDigest:         "🗞 Digest: {0}",
	MsgSetButtons:        "🔘 Buttons under alerts: {0}",
	MsgSetLang:           "🌐 Language: {0}",
	MsgSetSources:        "📚 Sources: {0} of {1}",
	MsgSetMedia:          "🖼 Pictures: {0}",
	MsgSetQuiet:          "🌙 Quiet hours: {0}",
	MsgSetTZ:             "🕒 Time zone: {0}",
	MsgSetBack:           "« Back to the settings",
	MsgSetZones:          "🕒 <b>Time zone</b> of this chat: {0} (now {1}).\nQuiet hours and a daily digest follow it. Choose one below, or send /tz with any city or zone, e.g. /tz Asia/Tokyo.",
	MsgQuietStateOff:     "off",
	MsgQuietStateRange:   "{0}–{1}",
	MsgQuietStateUrgent:  "{0}–{1}, urgent rings",
	MsgZoneDamascus:      "Damascus",
	MsgZoneBeirut:        "Beirut",
	MsgZoneAmman:         "Amman",
	MsgZoneBaghdad:       "Baghdad",
	MsgZoneRiyadh:        "Riyadh, Mecca",
	MsgZoneDubai:         "Dubai, Abu Dhabi",
	MsgZoneCairo:         "Cairo",
	MsgZoneIstanbul:      "Istanbul",
	MsgZoneBerlin:        "Berlin, Paris",
	MsgZoneLondon:        "London",
	MsgZoneNewYork:       "New York",
	MsgZoneUTC:           "UTC",
	MsgStateOn:           "on",
	MsgStateOff:          "off",
	MsgModeUrgentShort:   "urgent only",
	MsgModeAllShort:      "all that matches",
	MsgDigestStateOff:    "off",
	MsgDigestStateHour:   "every hour",
	MsgDigestStateDaily:  "daily at {0}",
	MsgUsageDigest:       "Your digest: {0}.\nNon-urgent news (/mode all) can come together in one message: /digest hourly, /digest daily 08:00, or /digest off. Urgent news always arrives at once.",
	MsgDigestSet:         "🗞 Digest: {0}. Non-urgent news will come together in one message; urgent news still arrives at once.",
	MsgDigestOff:         "Digest off: every item arrives at once. Anything collected is on its way.",
	MsgDigestNeedsAll:    "This chat receives urgent news only, which is never held: send /mode all to receive the other news your rules match, in the digest.",
	MsgUsageButtons:      "Buttons under alerts (mute the source, why it matched): /buttons on or /buttons off",
	MsgButtonsOn:         "Alerts will carry buttons: mute the source, and why an alert matched your rules.",
	MsgButtonsOff:        "Alerts will come without buttons. /buttons on brings them back.",
	MsgMuteNotAdmin:      "Only this chat's admins can mute a source.",
	MsgButtonMuteConfirm: "✅ Mute {0}?",
	MsgButtonUndo:        "↩️ Undo",
	MsgMuted:             "Muted {0}. No more alerts from it here.",
	MsgWhyRule:           "Your rule \"{0}\" matched: {1}",
	MsgWhySep:            ", ",
	MsgWhyUrgent:         "An urgent alert: this chat has no rules, so every urgent item reaches it.",
	MsgWhyGone:           "This alert is too old to explain. Send /list to see your rules.",
	MsgMenuDigest:        "Collect non-urgent news: hourly, daily or off",
	MsgMenuButtons:       "Buttons under alerts: on or off",
	MsgMenuSettings:      "Every setting, changed with a tap",
	MsgWebLink:           "🔑 Your login link to the admin console, for one use within {1} minutes:\n{0}\nDo not share it. /web off signs you out everywhere.",
	MsgWebRevoked:        "Signed out of the admin console: {0} sessions ended.",
	MsgWebPrivateOnly:    "/web works in a private chat with me only.",
	MsgWebNotConfigured:  "The admin console is not served by this bot (AAJIL_HTTP_ADDR is off).",
	MsgUsageWeb:          "Usage: /web for a login link to the admin console, /web off to sign out everywhere.",
}
