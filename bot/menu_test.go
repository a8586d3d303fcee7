package bot

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aajil/aajil/telegram"
)

func TestMenus(t *testing.T) {
	name := regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	for lang, cmds := range Menus() {
		if len(cmds) != len(menuCommands) {
			t.Errorf("%q menu has %d commands, want %d", lang, len(cmds), len(menuCommands))
		}
		for _, c := range cmds {
			if !name.MatchString(c.Name) {
				t.Errorf("%q: command name %q is not a valid Telegram command", lang, c.Name)
			}
			if n := utf8.RuneCountInString(c.Description); n == 0 || n > 256 || strings.ContainsAny(c.Description, "<>{}") {
				t.Errorf("%q /%s: description %q must be 1–256 characters of plain text", lang, c.Name, c.Description)
			}
			// Every menu entry is a command the help text teaches.
			if help := T(LangFromCode(lang), MsgHelp); !strings.Contains(help, "/"+c.Name) && c.Name != "start" && c.Name != "help" {
				t.Errorf("%q: /%s is in the menu but not in /help", lang, c.Name)
			}
		}
	}
	// Every subscriber command is in the menu, in both languages.
	for _, want := range []string{"start", "add", "del", "list", "clear", "mode", "media", "sources", "pause", "resume", "lang", "status", "last", "quiet", "tz", "settings", "digest", "buttons", "stop", "help"} {
		for lang, cmds := range Menus() {
			if !slices.ContainsFunc(cmds, func(c telegram.MenuCommand) bool { return c.Name == want }) {
				t.Errorf("%q menu lacks /%s", lang, want)
			}
		}
	}
	if ar := Menu(LangAR)[0].Description; !strings.ContainsAny(ar, "ابتثجحخدذرزسشصضطظعغفقكلمنهوي") {
		t.Errorf("Arabic menu description %q has no Arabic letters", ar)
	}
}
