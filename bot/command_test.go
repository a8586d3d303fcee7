package bot

import (
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseCommand(t *testing.T) {
	long := strings.Repeat("حمص ", 1000)
	tests := []struct {
		name, text string
		ok         bool
		want       Command
	}{
		{"plain", "/start", true, Command{Name: "start"}},
		{"upper case", "/START", true, Command{Name: "start"}},
		{"args kept as written", `/add  "مطار دمشق"  -طقس `, true, Command{Name: "add", Args: `"مطار دمشق"  -طقس`}},
		{"newline before args", "/add\nحمص", true, Command{Name: "add", Args: "حمص"}},
		{"mention", "/start@AajilBot", true, Command{Name: "start", Mention: "AajilBot"}},
		{"mention any case", "/list@aajilbot", true, Command{Name: "list", Mention: "aajilbot"}},
		{"mention with args", "/pause@AajilBot 2h", true, Command{Name: "pause", Mention: "AajilBot", Args: "2h"}},
		{"other bot", "/start@OtherBot", false, Command{}},
		{"other bot with args", "/add@OtherBot حمص", false, Command{}},
		{"empty mention", "/start@", false, Command{}},
		{"RLM before slash", "\u200f/add حمص", true, Command{Name: "add", Args: "حمص"}},
		{"ALM and isolate", "\u061c\u2067/del 2\u2069", true, Command{Name: "del", Args: "2"}},
		{"LRM after slash", "/\u200eadd حمص", true, Command{Name: "add", Args: "حمص"}},
		{"RLM around args", "/add \u200fحمص\u200f", true, Command{Name: "add", Args: "حمص"}},
		{"BOM", "\ufeff/help", true, Command{Name: "help"}},
		{"NBSP", "\u00a0/add\u00a0حمص", true, Command{Name: "add", Args: "حمص"}},
		{"NUL removed", "/ad\x00d x\x00y", true, Command{Name: "add", Args: "xy"}},
		{"invalid UTF-8 cleaned", "/add \xff\xfeحمص", true, Command{Name: "add", Args: "\ufffdحمص"}},
		{"emoji args", "/add 🔴 عاجل", true, Command{Name: "add", Args: "🔴 عاجل"}},
		{"html args", "/add <b>x</b>", true, Command{Name: "add", Args: "<b>x</b>"}},
		{"long args", "/add " + long, true, Command{Name: "add", Args: strings.TrimSpace(long)}},
		{"unknown command", "/frobnicate now", true, Command{Name: "frobnicate", Args: "now"}},
		{"32 characters", "/" + strings.Repeat("a", 32), true, Command{Name: strings.Repeat("a", 32)}},
		{"33 characters", "/" + strings.Repeat("a", 33), false, Command{}},
		{"no slash", "start", false, Command{}},
		{"slash alone", "/", false, Command{}},
		{"arabic after slash", "/ابدأ", false, Command{}},
		{"path", "/usr/bin", false, Command{}},
		{"punctuation glued", "/start!", false, Command{}},
		{"slash later", "please /start", false, Command{}},
		{"empty", "", false, Command{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseCommand(tt.text, "@AajilBot")
			if ok != tt.ok || got != tt.want {
				t.Errorf("ParseCommand(%q) = %+v, %v; want %+v, %v", tt.text, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParseCommandNoUsername(t *testing.T) {
	got, ok := ParseCommand("/start@SomeBot", "")
	want := Command{Name: "start", Mention: "SomeBot"}
	if !ok || got != want {
		t.Errorf("got %+v, %v; want %+v, true", got, ok, want)
	}
}

func TestParseKeyValues(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		pos     []string
		kv      map[string]string
		errCode ArgsErrorCode
		errPos  int
	}{
		{name: "addfeed", args: `https://example.com/news kind=html item=".news li" marker='.urgent'`,
			pos: []string{"https://example.com/news"},
			kv:  map[string]string{"kind": "html", "item": ".news li", "marker": ".urgent"}},
		{name: "url with query is positional", args: "https://x.test/?a=b&c=d kind=rss",
			pos: []string{"https://x.test/?a=b&c=d"}, kv: map[string]string{"kind": "rss"}},
		{name: "key lower-cased", args: "ID Interval=30s", pos: []string{"ID"}, kv: map[string]string{"interval": "30s"}},
		{name: "value with equals", args: "text=a=b", kv: map[string]string{"text": "a=b"}},
		{name: "empty value", args: "lang=", kv: map[string]string{"lang": ""}},
		{name: "empty quoted value", args: `name=""`, kv: map[string]string{"name": ""}},
		{name: "quoted positional", args: `"two words" one`, pos: []string{"two words", "one"}},
		{name: "quote of other kind inside", args: `item='a[href*="news"]'`, kv: map[string]string{"item": `a[href*="news"]`}},
		{name: "smart quotes", args: "item=“.news li” marker=‘.urgent’", kv: map[string]string{"item": ".news li", "marker": ".urgent"}},
		{name: "apostrophe inside word", args: "name=O'Reilly", kv: map[string]string{"name": "O'Reilly"}},
		{name: "arabic value", args: `name="سانا عاجل"`, kv: map[string]string{"name": "سانا عاجل"}},
		{name: "bidi marks dropped outside quotes", args: "\u200fkind=html\u200f sana\u200e", pos: []string{"sana"}, kv: map[string]string{"kind": "html"}},
		{name: "bidi marks kept inside quotes", args: "name=\"a\u200fb\"", kv: map[string]string{"name": "a\u200fb"}},
		{name: "nbsp separates", args: "a\u00a0b", pos: []string{"a", "b"}},
		{name: "digit-led key is positional", args: "1x=2", pos: []string{"1x=2"}},
		{name: "empty", args: "", kv: map[string]string{}},
		{name: "unbalanced", args: `item=".news li`, errCode: ErrArgsUnbalancedQuote, errPos: 5},
		{name: "unbalanced positional", args: `ab 'x`, errCode: ErrArgsUnbalancedQuote, errPos: 3},
		{name: "text after quote", args: `name="a"b`, errCode: ErrArgsTextAfterQuote, errPos: 8},
		{name: "duplicate key", args: "kind=rss KIND=html", errCode: ErrArgsDuplicateKey, errPos: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pos, kv, err := ParseKeyValues(tt.args)
			if tt.errCode != "" {
				var ae *ArgsError
				if !errors.As(err, &ae) || ae.Code != tt.errCode || ae.Pos != tt.errPos {
					t.Fatalf("ParseKeyValues(%q) error = %v; want code %s at %d", tt.args, err, tt.errCode, tt.errPos)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKeyValues(%q) error = %v", tt.args, err)
			}
			if !slices.Equal(pos, tt.pos) {
				t.Errorf("positional = %q; want %q", pos, tt.pos)
			}
			if tt.kv == nil {
				tt.kv = map[string]string{}
			}
			if !maps.Equal(kv, tt.kv) {
				t.Errorf("kv = %q; want %q", kv, tt.kv)
			}
		})
	}
}

func TestQuoteArg(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", "html", "html", true},
		{"space", ".news li", `".news li"`, true},
		{"double inside", `a[x="y"] b`, `'a[x="y"] b'`, true},
		{"both with space", `a "b'c`, "", false},
		{"quotes inside word", `a"b'c`, `a"b'c`, true},
		{"empty", "", `""`, true},
		{"equals", "a=b", `"a=b"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := QuoteArg(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("QuoteArg(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// fixtureLines returns non-empty lines of real Arabic ticker text, the
// kind of text users paste into commands.
func fixtureLines(tb testing.TB) []string {
	tb.Helper()
	var out []string
	for _, f := range []string{
		"../testdata/ticker_excerpt_sana_sy_fa_p20025_tatweel_3ajil.txt",
		"../testdata/ticker_excerpt_masress_elaosboa_46646_3ajil_prefix_suffix.txt",
	} {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatalf("read fixture: %v", err)
		}
		for line := range strings.Lines(string(b)) {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
	}
	return out
}

func FuzzParseCommand(f *testing.F) {
	for _, line := range fixtureLines(f) {
		f.Add("/add " + line)
		f.Add("\u200f/pause@AajilBot " + line)
	}
	f.Add("/start@otherbot")
	f.Add("\ufeff/add\x00 \xff<b>")
	f.Fuzz(func(t *testing.T, text string) {
		cmd, ok := ParseCommand(text, "AajilBot")
		if !ok {
			if cmd != (Command{}) {
				t.Fatalf("not ok but got %+v", cmd)
			}
			return
		}
		if n := len(cmd.Name); n < 1 || n > MaxCommandLen || strings.ToLower(cmd.Name) != cmd.Name {
			t.Fatalf("bad name %q", cmd.Name)
		}
		for _, c := range []byte(cmd.Name) {
			if !isCommandByte(c) {
				t.Fatalf("bad name %q", cmd.Name)
			}
		}
		if !utf8.ValidString(cmd.Args) || strings.ContainsRune(cmd.Args, 0) {
			t.Fatalf("args not clean: %q", cmd.Args)
		}
		if cmd.Mention != "" && !strings.EqualFold(cmd.Mention, "AajilBot") {
			t.Fatalf("accepted mention %q", cmd.Mention)
		}
		// Writing the command back gives the same command.
		again, ok := ParseCommand("/"+cmd.Name+" "+cmd.Args, "AajilBot")
		if !ok || again.Name != cmd.Name || again.Args != cmd.Args {
			t.Fatalf("round trip of %+v = %+v, %v", cmd, again, ok)
		}
	})
}

func FuzzParseKeyValues(f *testing.F) {
	for _, line := range fixtureLines(f) {
		f.Add(`https://sana.sy/?p=1 name="` + line + `" kind=html`)
		f.Add(line)
	}
	f.Add(`item='a[href*="x"]' marker=“.u”`)
	f.Add(`k=v k=w`)
	f.Add(`"open`)
	f.Fuzz(func(t *testing.T, args string) {
		pos, kv, err := ParseKeyValues(args)
		if err != nil {
			var ae *ArgsError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not *ArgsError", err)
			}
			return
		}
		for _, s := range pos {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %q", s)
			}
		}
		// Re-quoting every argument reads back the same arguments.
		var parts []string
		for _, s := range pos {
			q, ok := QuoteArg(s)
			if !ok {
				return
			}
			parts = append(parts, q)
		}
		for _, k := range slices.Sorted(maps.Keys(kv)) {
			v := kv[k]
			if !utf8.ValidString(k) || !utf8.ValidString(v) || !validKey(k) {
				t.Fatalf("bad pair %q=%q", k, v)
			}
			q, ok := QuoteArg(v)
			if !ok {
				return
			}
			if v == "" {
				q = ""
			}
			parts = append(parts, k+"="+q)
		}
		pos2, kv2, err := ParseKeyValues(strings.Join(parts, " "))
		if err != nil || !slices.Equal(pos, pos2) || !maps.Equal(kv, kv2) {
			t.Fatalf("round trip of %q via %q: got %q %q %v; want %q %q", args, strings.Join(parts, " "), pos2, kv2, err, pos, kv)
		}
	})
}

func BenchmarkParseCommand(b *testing.B) {
	lines := fixtureLines(b)
	text := "\u200f/add@AajilBot " + lines[0]
	for b.Loop() {
		ParseCommand(text, "AajilBot")
	}
}
