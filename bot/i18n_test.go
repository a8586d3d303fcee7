package bot

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aajil/aajil/alerts/match"
	"github.com/aajil/aajil/telegram/tgtext"
)

var (
	htmlEntity = regexp.MustCompile(`^&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);`)
	htmlTag    = regexp.MustCompile(`^<(/?)([a-z-]+)(\s+href="[^"<>]*")?>`)
)

// checkTelegramHTML reports whether s is valid for parse_mode=HTML: only
// the tags Telegram knows, balanced, and every <, > and & part of a tag or
// an entity Telegram accepts.
func checkTelegramHTML(s string) error {
	allowed := map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
		"s": true, "strike": true, "del": true, "code": true, "pre": true, "a": true, "blockquote": true,
		"tg-spoiler": true}
	var stack []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '&':
			m := htmlEntity.FindString(s[i:])
			if m == "" {
				return fmt.Errorf("bare & at byte %d", i)
			}
			i += len(m)
		case '<':
			m := htmlTag.FindStringSubmatch(s[i:])
			if m == nil || !allowed[m[2]] || (m[3] != "" && m[2] != "a") {
				return fmt.Errorf("bad tag at byte %d: %.20q", i, s[i:])
			}
			if m[1] == "" {
				stack = append(stack, m[2])
			} else {
				if len(stack) == 0 || stack[len(stack)-1] != m[2] {
					return fmt.Errorf("unbalanced </%s> at byte %d", m[2], i)
				}
				stack = stack[:len(stack)-1]
			}
			i += len(m[0])
		case '>':
			return fmt.Errorf("bare > at byte %d", i)
		default:
			i++
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed <%s>", stack[len(stack)-1])
	}
	return nil
}

// placeholders returns the {n} placeholders of a template.
func placeholders(tmpl string) []int {
	var ns []int
	tgtext.ForEachPlaceholder(tmpl, func(_ string, n int) {
		if n >= 0 {
			ns = append(ns, n)
		}
	})
	slices.Sort(ns)
	return slices.Compact(ns)
}

// sampleArgs returns n arguments of the kinds handlers pass: Latin and
// Arabic text, numbers, durations, times.
func sampleArgs(n int) []any {
	samples := []any{"Homs", 3, "حمص", 2 * time.Hour, time.Date(2026, 3, 24, 4, 2, 0, 0, time.UTC), "sana-ticker", int64(12)}
	args := make([]any, n)
	for i := range args {
		args[i] = samples[i%len(samples)]
	}
	return args
}

func hasArabic(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Arabic, r) })
}

func TestCataloguesSameIDs(t *testing.T) {
	en := slices.Sorted(maps.Keys(catalogEN))
	ar := slices.Sorted(maps.Keys(catalogAR))
	if !slices.Equal(en, ar) {
		for _, id := range en {
			if _, ok := catalogAR[id]; !ok {
				t.Errorf("%s: missing in Arabic", id)
			}
		}
		for _, id := range ar {
			if _, ok := catalogEN[id]; !ok {
				t.Errorf("%s: missing in English", id)
			}
		}
	}
	for id := range plainIDs {
		if _, ok := catalogEN[id]; !ok {
			t.Errorf("plain id %s not in the catalogues", id)
		}
	}
}

func TestCataloguesRender(t *testing.T) {
	leftover := regexp.MustCompile(`\{[0-9]+\}|%!`)
	for _, id := range slices.Sorted(maps.Keys(catalogEN)) {
		n := NumArgs(id)
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		for _, lang := range []Lang{LangEN, LangAR} {
			t.Run(string(lang)+"/"+string(id), func(t *testing.T) {
				tmpl := catalogue(lang)[id]
				if got := placeholders(tmpl); !slices.Equal(got, want) && !(n == 0 && got == nil) {
					t.Fatalf("placeholders = %v; want %v", got, want)
				}
				render := T
				if plainIDs[id] {
					render = Plain
					if strings.ContainsAny(tmpl, "<>&") {
						t.Errorf("plain template holds HTML: %q", tmpl)
					}
				}
				got := render(lang, id, sampleArgs(n)...)
				if strings.TrimSpace(got) == "" {
					t.Fatal("empty message")
				}
				if leftover.MatchString(got) {
					t.Errorf("leftover placeholder or argument error in %q", got)
				}
				if err := checkTelegramHTML(got); err != nil {
					t.Errorf("invalid Telegram HTML: %v in %q", err, got)
				}
				if !utf8.ValidString(got) {
					t.Errorf("invalid UTF-8 in %q", got)
				}
				if u := len(utf16.Encode([]rune(got))); u > 4096 {
					t.Errorf("length %d UTF-16 units; want at most 4096", u)
				}
				// Every message with words has them in Arabic; "• {0}"
				// has none.
				words := regexp.MustCompile(`<[^>]*>|\{[0-9]+\}`).ReplaceAllString(catalogEN[id], "")
				if lang == LangAR && strings.ContainsFunc(words, unicode.IsLetter) && !hasArabic(got) {
					t.Errorf("Arabic message without Arabic letters: %q", got)
				}
				if lang == LangEN && hasArabic(tmpl) {
					t.Errorf("English template with Arabic letters: %q", tmpl)
				}
			})
		}
	}
}

// TestHelpListsEveryCommand checks that /help names every subscriber
// command, and the admin help every admin command, in both languages.
func TestHelpListsEveryCommand(t *testing.T) {
	subscriber := []string{"/add", "/del", "/list", "/clear", "/mode", "/media", "/sources", "/pause", "/resume", "/lang", "/status", "/stop", "/settings", "/digest", "/buttons", "/last", "/quiet", "/tz"}
	admin := []string{"/feeds", "/feed ", "/addfeed", "/setfeed", "/delfeed", "/pausefeed", "/resumefeed", "/probe", "/stats", "/export", "/audit", "/web"}
	for _, lang := range []Lang{LangEN, LangAR} {
		for id, cmds := range map[MsgID][]string{MsgHelp: subscriber, MsgAdminHelp: admin} {
			text := tgtext.StripBidiControls(T(lang, id))
			for _, c := range cmds {
				if !strings.Contains(text, c) {
					t.Errorf("%s %s does not mention %s", lang, id, c)
				}
			}
		}
		if lines := strings.Count(T(lang, MsgWelcome), "\n") + 1; lines != 3 {
			t.Errorf("%s welcome has %d lines; want 3", lang, lines)
		}
	}
}

func TestTArguments(t *testing.T) {
	tests := []struct {
		name string
		lang Lang
		id   MsgID
		args []any
		want string
	}{
		{"english escapes", LangEN, MsgRuleDeleted, []any{`<b>x</b> & "y"`}, "🗑 Rule deleted: <b>&lt;b&gt;x&lt;/b&gt; &amp; &#34;y&#34;</b>"},
		{"english isolates arabic", LangEN, MsgRuleDeleted, []any{"حمص"}, "🗑 Rule deleted: <b>\u2068حمص\u2069</b>"},
		{"arabic isolates latin", LangAR, MsgRuleDeleted, []any{"Homs"}, "🗑 حُذفت القاعدة: <b>\u2068Homs\u2069</b>"},
		{"arabic isolates numbers", LangAR, MsgRuleLine, []any{2, "حمص"}, "\u20682\u2069. \u2068حمص\u2069"},
		{"html argument as is", LangEN, MsgStatus, []any{HTML("<i>on</i>"), HTML("all"), 1, 2, 3, HTML("off")},
			"<b>Status</b>\nAlerts: <i>on</i>\nMode: all\nSources followed: 1 of 2\nRules: 3\nPictures: off"},
		{"duration in words", LangAR, MsgDurationTooShort, []any{time.Minute}, "يجب ألا تقل مدة الإيقاف عن \u2068دقيقة\u2069."},
		{"bidi override removed", LangEN, MsgRuleDeleted, []any{"a\u202eb\u2069"}, "🗑 Rule deleted: <b>ab</b>"},
		{"control characters removed", LangEN, MsgRuleDeleted, []any{"a\x00b\xff"}, "🗑 Rule deleted: <b>ab\ufffd</b>"},
		{"missing argument", LangEN, MsgRuleAdded, []any{"x"}, "✅ Rule added: <b>x</b>\nRules: %!{1}(MISSING)"},
		{"extra argument", LangEN, MsgNoRules, []any{"x"}, catalogEN[MsgNoRules] + "%!(EXTRA x)"},
		{"unknown id", LangEN, MsgID("<nope>"), nil, "%!(NOMSG &lt;nope&gt;)"},
		{"plain does not escape", LangEN, MsgButtonSourceOn, []any{"A & B"}, "✅ A & B"},
		{"unknown language is English", Lang("fr"), MsgResumed, nil, "▶️ Alerts resumed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			render := T
			if plainIDs[tt.id] {
				render = Plain
			}
			if got := render(tt.lang, tt.id, tt.args...); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestTTruncatesLongArguments(t *testing.T) {
	long := strings.Repeat("<حمص>", 1000)
	got := T(LangAR, MsgRuleDuplicate, long)
	if err := checkTelegramHTML(got); err != nil {
		t.Fatalf("invalid HTML: %v", err)
	}
	if u := len(utf16.Encode([]rune(got))); u > 4096 {
		t.Errorf("length %d UTF-16 units; want at most 4096", u)
	}
	if !strings.Contains(got, "…") {
		t.Errorf("no ellipsis in %q", got)
	}
}

func TestLangFromCode(t *testing.T) {
	tests := map[string]Lang{"ar": LangAR, "ar-SA": LangAR, "AR": LangAR, "ar_EG": LangAR, "en": LangEN,
		"en-GB": LangEN, "": LangEN, "fr": LangEN, "ary": LangEN}
	for code, want := range tests {
		if got := LangFromCode(code); got != want {
			t.Errorf("LangFromCode(%q) = %q; want %q", code, got, want)
		}
	}
}

func TestParseLang(t *testing.T) {
	tests := []struct {
		in   string
		want Lang
		ok   bool
	}{
		{"ar", LangAR, true}, {"EN", LangEN, true}, {"ar-SA", LangAR, true}, {"العربية", LangAR, true},
		{"عربي", LangAR, true}, {"الإنجليزية", LangEN, true}, {"English", LangEN, true},
		{"\u200far", LangAR, true}, {"fr", "", false}, {"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseLang(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseLang(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRuleErrorMessage(t *testing.T) {
	rules := []string{"", strings.Repeat("a ", 200), `"open`, "-x", "a !!!"}
	codes := map[match.RuleErrorCode]bool{}
	for _, r := range rules {
		_, err := match.ParseRule(r)
		var re *match.RuleError
		if !errors.As(err, &re) {
			t.Fatalf("ParseRule(%q) = %v; want a rule error", r, err)
		}
		codes[re.Code] = true
	}
	existing := make([]string, match.MaxRules)
	for i := range existing {
		existing[i] = fmt.Sprintf("word%d", i)
	}
	for _, c := range []struct {
		existing []string
		add      string
	}{{existing, "x"}, {[]string{"حمص"}, "حمص"}} {
		_, err := match.ValidateRules(c.existing, c.add)
		var re *match.RuleError
		if !errors.As(err, &re) {
			t.Fatalf("ValidateRules(%q) = %v; want a rule error", c.add, err)
		}
		codes[re.Code] = true
	}
	all := []match.RuleErrorCode{match.ErrCodeEmpty, match.ErrCodeTooLong, match.ErrCodeUnbalancedQuote,
		match.ErrCodeOnlyVetoes, match.ErrCodeEmptyTerm, match.ErrCodeTooMany, match.ErrCodeDuplicate}
	for _, code := range all {
		if !codes[code] {
			t.Errorf("no test case produced %s", code)
		}
	}
	generic := T(LangEN, MsgRuleInvalid)
	for _, lang := range []Lang{LangEN, LangAR} {
		seen := map[string]match.RuleErrorCode{}
		for _, code := range all {
			err := fmt.Errorf("add rule: %w", &match.RuleError{Code: code, Rule: "x", Pos: 3, Term: "<b>"})
			got := RuleErrorMessage(lang, err)
			if strings.Contains(got, "%!") || checkTelegramHTML(got) != nil {
				t.Errorf("%s %s: bad message %q", lang, code, got)
			}
			if got == generic || seen[got] != "" {
				t.Errorf("%s %s: message %q not specific", lang, code, got)
			}
			seen[got] = code
		}
	}
	if got := RuleErrorMessage(LangEN, errors.New("boom")); got != generic {
		t.Errorf("unknown error: got %q; want %q", got, generic)
	}
}

func TestArgsAndDurationErrorMessages(t *testing.T) {
	for _, lang := range []Lang{LangEN, LangAR} {
		for _, args := range []string{`"open`, `a="b"c`, "k=1 k=2"} {
			_, _, err := ParseKeyValues(args)
			got := ArgsErrorMessage(lang, err)
			if got == T(lang, MsgBadArguments) || strings.Contains(got, "%!") {
				t.Errorf("%s ArgsErrorMessage(%q) = %q; want a specific message", lang, args, got)
			}
		}
		for in, want := range map[string]MsgID{"30s": MsgDurationTooShort, "31d": MsgDurationTooLong, "<b>": MsgBadDuration} {
			_, err := ParseDuration(in)
			got := DurationErrorMessage(lang, err)
			if !strings.HasPrefix(got, catalogue(lang)[want][:10]) || strings.Contains(got, "%!") || checkTelegramHTML(got) != nil {
				t.Errorf("%s DurationErrorMessage(%q) = %q; want message %s", lang, in, got, want)
			}
		}
	}
}

// FuzzT checks that any user text, as any argument of any message, yields
// valid Telegram HTML in valid UTF-8.
func FuzzT(f *testing.F) {
	for _, line := range fixtureLines(f) {
		f.Add(line)
	}
	f.Add("<b>x</b> &amp; \u202e\u2069 \x00\xff")
	ids := slices.Sorted(maps.Keys(catalogEN))
	f.Fuzz(func(t *testing.T, s string) {
		for _, id := range ids {
			args := make([]any, NumArgs(id))
			for i := range args {
				args[i] = s
			}
			for _, lang := range []Lang{LangEN, LangAR} {
				got := T(lang, id, args...)
				if !utf8.ValidString(got) {
					t.Fatalf("%s %s: invalid UTF-8", lang, id)
				}
				if err := checkTelegramHTML(got); err != nil {
					t.Fatalf("%s %s: %v in %q", lang, id, err, got)
				}
				if len(args) <= 2 {
					if u := len(utf16.Encode([]rune(got))); u > 4096 {
						t.Fatalf("%s %s: %d UTF-16 units", lang, id, u)
					}
				}
			}
		}
	})
}

func BenchmarkT(b *testing.B) {
	for b.Loop() {
		T(LangAR, MsgRuleAdded, "مطار دمشق <b>", 12)
	}
}
