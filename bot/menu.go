package bot

import "github.com/aajil/aajil/telegram"

// menuCommands are the commands shown in Telegram's command menu, in
// order, with the message that describes each.
var menuCommands = []struct {
	name string
	desc MsgID
}{
	{"start", MsgMenuStart},
	{"add", MsgMenuAdd},
	{"del", MsgMenuDel},
	{"list", MsgMenuList},
	{"clear", MsgMenuClear},
	{"mode", MsgMenuMode},
	{"media", MsgMenuMedia},
	{"sources", MsgMenuSources},
	{"pause", MsgMenuPause},
	{"resume", MsgMenuResume},
	{"lang", MsgMenuLang},
	{"status", MsgMenuStatus},
	{"last", MsgMenuLast},
	{"quiet", MsgMenuQuiet},
	{"tz", MsgMenuTZ},
	{"settings", MsgMenuSettings},
	{"digest", MsgMenuDigest},
	{"buttons", MsgMenuButtons},
	{"channel", MsgMenuChannel},
	{"help", MsgMenuHelp},
	{"stop", MsgMenuStop},
}

// Menu returns the command menu in lang, for SetCommands.
func Menu(lang Lang) []telegram.MenuCommand {
	out := make([]telegram.MenuCommand, len(menuCommands))
	for i, c := range menuCommands {
		out[i] = telegram.MenuCommand{Name: c.name, Description: Plain(lang, c.desc)}
	}
	return out
}

// Menus returns the command menus for SetCommands: Arabic for Arabic
// clients, English for the rest.
func Menus() map[string][]telegram.MenuCommand {
	return map[string][]telegram.MenuCommand{"": Menu(LangEN), "en": Menu(LangEN), "ar": Menu(LangAR)}
}
