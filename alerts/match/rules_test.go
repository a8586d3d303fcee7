package match

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseRule(t *testing.T) {
	tests := []struct {
		name          string
		in            string
		wantText      string // "" means: the input itself
		wantCanonical string
		wantRequired  []string
		wantVetoes    []string
	}{
		{name: "arabic word", in: "حمص", wantCanonical: "حمص", wantRequired: []string{"حمص"}},
		{name: "article is optional", in: "الجيش", wantCanonical: "جيش", wantRequired: []string{"جيش"}},
		{name: "hamza, diacritics and tatweel", in: "إيـرانَ", wantCanonical: "ايران", wantRequired: []string{"ايران"}},
		{name: "english word folded", in: "HOMS", wantCanonical: "homs", wantRequired: []string{"homs"}},
		{name: "words sorted", in: "قصف حمص", wantCanonical: "حمص قصف", wantRequired: []string{"حمص", "قصف"}},
		{name: "duplicate terms merged", in: "Gaza gaza GAZA غزة غزه", wantCanonical: "gaza غزه", wantRequired: []string{"gaza", "غزه"}},
		{name: "ascii phrase", in: `"ريف حمص"`, wantCanonical: `"ريف حمص"`, wantRequired: []string{"ريف حمص"}},
		{name: "curly phrase", in: `“ريف حمص”`, wantCanonical: `"ريف حمص"`, wantRequired: []string{"ريف حمص"}},
		{name: "guillemet phrase", in: "«ريف حمص»", wantCanonical: `"ريف حمص"`, wantRequired: []string{"ريف حمص"}},
		{name: "reversed guillemets", in: "»ريف حمص«", wantCanonical: `"ريف حمص"`, wantRequired: []string{"ريف حمص"}},
		{name: "low and high quotes", in: "„Gaza City“", wantCanonical: `"gaza city"`, wantRequired: []string{"gaza city"}},
		{name: "right quotes both sides", in: "”Gaza City” ceasefire", wantCanonical: `ceasefire "gaza city"`, wantRequired: []string{"ceasefire", "gaza city"}},
		{name: "phrase with article inside", in: `"وقف إطلاق النار"`, wantCanonical: `"وقف اطلاق نار"`, wantRequired: []string{"وقف اطلاق نار"}},
		{name: "veto word", in: "Gaza -football", wantCanonical: "gaza -football", wantRequired: []string{"gaza"}, wantVetoes: []string{"football"}},
		{name: "veto phrase", in: `Gaza -"world cup"`, wantCanonical: `gaza -"world cup"`, wantRequired: []string{"gaza"}, wantVetoes: []string{"world cup"}},
		{name: "veto guillemets", in: "حمص -«كرة القدم»", wantCanonical: `حمص -"كره قدم"`, wantRequired: []string{"حمص"}, wantVetoes: []string{"كره قدم"}},
		{name: "veto with unicode minus", in: "Gaza −football –cup ‐tennis", wantCanonical: "gaza -cup -football -tennis", wantRequired: []string{"gaza"}, wantVetoes: []string{"cup", "football", "tennis"}},
		{name: "hyphen inside a word is not a veto", in: "al-Assad", wantCanonical: `"al assad"`, wantRequired: []string{"al assad"}},
		{name: "apostrophe makes a phrase", in: "Homs's", wantCanonical: `"homs s"`, wantRequired: []string{"homs s"}},
		{name: "surrounding whitespace", in: " \t Gaza \u00a0 Homs\n", wantText: "Gaza \u00a0 Homs", wantCanonical: "gaza homs", wantRequired: []string{"gaza", "homs"}},
		{name: "rtl marks around terms", in: "\u200fحمص \u200f-\u200fدمشق\u200e", wantText: "\u200fحمص \u200f-\u200fدمشق\u200e", wantCanonical: "حمص -دمشق", wantRequired: []string{"حمص"}, wantVetoes: []string{"دمشق"}},
		{name: "bidi mark inside a word", in: "Ho\u200ems", wantCanonical: "homs", wantRequired: []string{"homs"}},
		{name: "emoji glued to a word", in: "🔴حمص", wantCanonical: "حمص", wantRequired: []string{"حمص"}},
		{name: "NUL separates terms", in: "Gaza\x00Homs", wantCanonical: "gaza homs", wantRequired: []string{"gaza", "homs"}},
		{name: "html is just text", in: "<b>Gaza</b>", wantCanonical: `"b gaza b"`, wantRequired: []string{"b gaza b"}},
		{name: "phrase then word without space", in: `"new york"times`, wantCanonical: `"new york" times`, wantRequired: []string{"new york", "times"}},
		{name: "arabic-indic digits", in: "٢٠٢٦", wantCanonical: "2026", wantRequired: []string{"2026"}},
		{name: "exactly 200 characters", in: strings.Repeat("ab ", 66) + "ab", wantCanonical: "ab", wantRequired: []string{"ab"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRule(tt.in)
			if err != nil {
				t.Fatalf("ParseRule(%q) error: %v", tt.in, err)
			}
			wantText := tt.wantText
			if wantText == "" {
				wantText = tt.in
			}
			if r.Text != wantText {
				t.Errorf("Text = %q, want %q", r.Text, wantText)
			}
			if r.Canonical != tt.wantCanonical {
				t.Errorf("Canonical = %q, want %q", r.Canonical, tt.wantCanonical)
			}
			if got := r.Required(); !slices.Equal(got, tt.wantRequired) {
				t.Errorf("Required() = %q, want %q", got, tt.wantRequired)
			}
			if got := r.Vetoes(); !slices.Equal(got, tt.wantVetoes) {
				t.Errorf("Vetoes() = %q, want %q", got, tt.wantVetoes)
			}
		})
	}
}

func TestParseRuleErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantCode RuleErrorCode
		wantPos  int
		wantTerm string
	}{
		{name: "empty", in: "", wantCode: ErrCodeEmpty, wantPos: -1},
		{name: "only spaces", in: " \t\n", wantCode: ErrCodeEmpty, wantPos: -1},
		{name: "only bidi marks", in: "\u200f\u200e", wantCode: ErrCodeEmpty, wantPos: -1},
		{name: "only NULs", in: "\x00\x00", wantCode: ErrCodeEmpty, wantPos: -1},
		{name: "too long", in: strings.Repeat("حمص ", 1000), wantCode: ErrCodeTooLong, wantPos: -1},
		{name: "201 characters", in: strings.Repeat("ab ", 66) + "abc", wantCode: ErrCodeTooLong, wantPos: -1},
		{name: "canonical form too long", in: strings.Repeat("ﷺ", 14), wantCode: ErrCodeTooLong, wantPos: -1},
		{name: "only vetoes", in: "-Gaza -«كرة القدم»", wantCode: ErrCodeOnlyVetoes, wantPos: -1},
		{name: "unclosed ascii quote", in: `Gaza "Homs drone`, wantCode: ErrCodeUnbalancedQuote, wantPos: 5},
		{name: "unclosed guillemet", in: "«ريف حمص", wantCode: ErrCodeUnbalancedQuote, wantPos: 0},
		{name: "unclosed veto phrase", in: `حمص -"كرة`, wantCode: ErrCodeUnbalancedQuote, wantPos: 5},
		{name: "quote inside a word", in: `Ga"za`, wantCode: ErrCodeUnbalancedQuote, wantPos: 2},
		{name: "stray closing guillemet", in: "حمص»", wantCode: ErrCodeUnbalancedQuote, wantPos: 3},
		{name: "position counts leading spaces", in: "  Gaza “x", wantCode: ErrCodeUnbalancedQuote, wantPos: 7},
		{name: "empty phrase", in: `Gaza ""`, wantCode: ErrCodeEmptyTerm, wantPos: 5, wantTerm: `""`},
		{name: "punctuation phrase", in: `Gaza «...»`, wantCode: ErrCodeEmptyTerm, wantPos: 5, wantTerm: "«...»"},
		{name: "lone minus", in: "Gaza -", wantCode: ErrCodeEmptyTerm, wantPos: 5, wantTerm: "-"},
		{name: "minus then space", in: "Gaza - Homs", wantCode: ErrCodeEmptyTerm, wantPos: 5, wantTerm: "-"},
		{name: "punctuation term", in: "حمص !!!", wantCode: ErrCodeEmptyTerm, wantPos: 4, wantTerm: "!!!"},
		{name: "emoji term", in: "حمص 🔴", wantCode: ErrCodeEmptyTerm, wantPos: 4, wantTerm: "🔴"},
		{name: "tatweel term", in: "حمص ـــ", wantCode: ErrCodeEmptyTerm, wantPos: 4, wantTerm: "ـــ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRule(tt.in)
			var re *RuleError
			if !errors.As(err, &re) {
				t.Fatalf("ParseRule(%q) = %+v, %v; want a *RuleError", tt.in, r, err)
			}
			if re.Code != tt.wantCode {
				t.Errorf("Code = %q, want %q (%v)", re.Code, tt.wantCode, err)
			}
			if re.Pos != tt.wantPos {
				t.Errorf("Pos = %d, want %d", re.Pos, tt.wantPos)
			}
			if re.Term != tt.wantTerm {
				t.Errorf("Term = %q, want %q", re.Term, tt.wantTerm)
			}
			if re.Rule != tt.in {
				t.Errorf("Rule = %q, want the input %q", re.Rule, tt.in)
			}
			if msg := err.Error(); msg == "" || strings.Contains(msg, "invalid rule") {
				t.Errorf("Error() = %q, want a specific message", msg)
			}
		})
	}
}

func TestRuleErrorMessages(t *testing.T) {
	tests := []struct {
		name string
		err  *RuleError
		want string
	}{
		{"unbalanced", &RuleError{Code: ErrCodeUnbalancedQuote, Pos: 5}, "unbalanced quote at character 6"},
		{"empty term", &RuleError{Code: ErrCodeEmptyTerm, Pos: 0, Term: "!!"}, `term "!!" at character 1`},
		{"too long", &RuleError{Code: ErrCodeTooLong, Pos: -1}, "longer than 200 characters"},
		{"too many", &RuleError{Code: ErrCodeTooMany, Pos: -1}, "no more than 50 rules"},
		{"duplicate", &RuleError{Code: ErrCodeDuplicate, Pos: -1, Term: "الجيش"}, `duplicates the existing rule "الجيش"`},
		{"only vetoes", &RuleError{Code: ErrCodeOnlyVetoes, Pos: -1}, "only excluded terms"},
		{"empty", &RuleError{Code: ErrCodeEmpty, Pos: -1}, "rule is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); !strings.Contains(got, tt.want) {
				t.Errorf("Error() = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

func TestValidateRules(t *testing.T) {
	fifty := make([]string, MaxRules)
	for i := range fifty {
		fifty[i] = "word" + strings.Repeat("x", i)
	}
	tests := []struct {
		name      string
		existing  []string
		add       string
		wantCode  RuleErrorCode // "" means accepted
		wantTerm  string
		wantCanon string
	}{
		{name: "first rule", add: "حمص", wantCanon: "حمص"},
		{name: "different rule", existing: []string{"حمص", "Gaza -football"}, add: "Gaza", wantCanon: "gaza"},
		{name: "49 rules then one more", existing: fifty[:49], add: "Gaza", wantCanon: "gaza"},
		{name: "51st rule", existing: fifty, add: "Gaza", wantCode: ErrCodeTooMany},
		{name: "same rule", existing: []string{"Gaza"}, add: "Gaza", wantCode: ErrCodeDuplicate, wantTerm: "Gaza"},
		{name: "same with article", existing: []string{"حمص", "الجيش"}, add: "جيش", wantCode: ErrCodeDuplicate, wantTerm: "الجيش"},
		{name: "same terms reordered", existing: []string{`Homs -"world cup" GAZA`}, add: `gaza homs -«World Cup»`, wantCode: ErrCodeDuplicate, wantTerm: `Homs -"world cup" GAZA`},
		{name: "same words but veto differs", existing: []string{"Gaza -Homs"}, add: "Gaza Homs", wantCanon: "gaza homs"},
		{name: "parse error first", existing: fifty, add: `"Gaza`, wantCode: ErrCodeUnbalancedQuote},
		{name: "broken existing rule ignored", existing: []string{`"Gaza`}, add: "Gaza", wantCanon: "gaza"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ValidateRules(tt.existing, tt.add)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("ValidateRules error: %v", err)
				}
				if r.Canonical != tt.wantCanon {
					t.Errorf("Canonical = %q, want %q", r.Canonical, tt.wantCanon)
				}
				return
			}
			var re *RuleError
			if !errors.As(err, &re) {
				t.Fatalf("ValidateRules = %v, want a *RuleError %q", err, tt.wantCode)
			}
			if re.Code != tt.wantCode || re.Term != tt.wantTerm {
				t.Errorf("error = {%q, term %q}, want {%q, term %q}", re.Code, re.Term, tt.wantCode, tt.wantTerm)
			}
		})
	}
}

func TestProclitics(t *testing.T) {
	want := []string{"ال", "ب", "بال", "ك", "كال", "ل", "لل",
		"و", "وال", "وب", "وبال", "وك", "وكال", "ول", "ولل",
		"ف", "فال", "فب", "فبال", "فك", "فكال", "فل", "فلل"}
	got := slices.Clone(proclitics)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("proclitics = %q, want %q", got, want)
	}
}

func TestCandidates(t *testing.T) {
	tests := []struct {
		word string
		want []string
	}{
		{"حمص", []string{"حمص"}},
		{"بحمص", []string{"بحمص", "حمص"}},
		{"والحمص", []string{"والحمص", "حمص"}},
		{"للجيش", []string{"للجيش", "لجيش", "جيش"}},
		{"لبنان", []string{"لبنان", "بنان"}},
		{"الحمصي", []string{"حمصي"}},
		{"الالعاب", []string{"عاب"}},
		{"وال", []string{"وال", "ال"}},         // two letters are left: enough
		{"بك", []string{"بك"}},                 // a one-letter stem is not a word
		{"homs", []string{"homs"}},             // Latin words stay whole
		{"ال\u0301ab", []string{"ال\u0301ab"}}, // never strip from under a mark
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			got := candidates(tt.word)
			if !slices.Equal(got, tt.want) {
				t.Errorf("candidates(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}

func FuzzParseRule(f *testing.F) {
	for _, title := range labelTitles(f) {
		f.Add(title)
	}
	for _, s := range []string{
		`"ريف حمص" -«كرة القدم»`, "„Gaza City“ -football", `Ga"za`, "-", `""`, "الالعاب",
		"\u200fحمص \u200f-\u200fدمشق", "Homs's", "ﷺ ﷺ", "ال\u0301ab", "a\x00b", "<b>x</b>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			var re *RuleError
			if !errors.As(err, &re) {
				t.Fatalf("ParseRule(%q) error %v is not a *RuleError", s, err)
			}
			if re.Pos < -1 || re.Pos > utf8.RuneCountInString(s) {
				t.Fatalf("ParseRule(%q): Pos %d out of range", s, re.Pos)
			}
			return
		}
		if n := utf8.RuneCountInString(r.Text); n > MaxRuleLen || n == 0 {
			t.Fatalf("ParseRule(%q) accepted a rule of %d characters", s, n)
		}
		if len(r.Required()) == 0 {
			t.Fatalf("ParseRule(%q) accepted a rule without required terms", s)
		}
		again, err := ParseRule(r.Canonical)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", r.Canonical, s, err)
		}
		if again.Canonical != r.Canonical ||
			!slices.Equal(again.Required(), r.Required()) || !slices.Equal(again.Vetoes(), r.Vetoes()) {
			t.Fatalf("canonical %q of %q re-parses as %q (required %q, vetoes %q), want required %q, vetoes %q",
				r.Canonical, s, again.Canonical, again.Required(), again.Vetoes(), r.Required(), r.Vetoes())
		}
		if !utf8.ValidString(r.Canonical) {
			t.Fatalf("canonical %q of %q is not valid UTF-8", r.Canonical, s)
		}
	})
}
