package tgtext

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

func TestUTF16Len(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"عاجل", 4},
		{"🔥", 2},
		{"🇸🇾", 4},
		{"\xff", 1},
	}
	for _, tt := range tests {
		if got := UTF16Len(tt.in); got != tt.want {
			t.Errorf("UTF16Len(%q) = %d; want %d", tt.in, got, tt.want)
		}
	}
}

func TestCut(t *testing.T) {
	family := "👨\u200d👩\u200d👧"
	tests := []struct {
		name  string
		in    string
		limit int
		want  string
	}{
		{"fits", "abc", 3, "abc"},
		{"zero limit", "abc", 0, ""},
		{"word boundary", "alpha beta gamma", 12, "alpha beta…"},
		{"separator trimmed", "alpha, beta gamma", 9, "alpha…"},
		{"inside a long word", "x " + strings.Repeat("y", 20), 10, "x yyyyyyy…"},
		{"emoji whole", "🔥🔥🔥", 4, "🔥…"},
		{"flags in pairs", "🇸🇾🇸🇾🇸🇾", 7, "🇸🇾…"},
		{"zwj family whole", family + family, 9, family + "…"},
		{"combining mark kept", "مُمُمُ", 4, "مُ…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Cut(tt.in, tt.limit); got != tt.want {
				t.Errorf("Cut(%q, %d) = %q; want %q", tt.in, tt.limit, got, tt.want)
			}
		})
	}
}

func TestCutRunes(t *testing.T) {
	if got, want := CutRunes("🔥🔥🔥🔥", 3), "🔥🔥…"; got != want {
		t.Errorf("CutRunes = %q; want %q", got, want)
	}
	if got, want := CutRunes("عاجل", 4), "عاجل"; got != want {
		t.Errorf("CutRunes = %q; want %q", got, want)
	}
}

func TestSplitLines(t *testing.T) {
	tests := []struct {
		name   string
		header string
		lines  []string
		limit  int
		want   []string
	}{
		{"nothing", "", nil, 10, nil},
		{"header only", "H", nil, 10, []string{"H"}},
		{"one message", "H", []string{"a", "b"}, 10, []string{"H\na\nb"}},
		{"split", "H", []string{"aaaa", "bbbb", "cccc"}, 10, []string{"H\naaaa", "bbbb\ncccc"}},
		{"long line alone", "", []string{"a", strings.Repeat("x", 20), "b"}, 10, []string{"a", strings.Repeat("x", 20), "b"}},
		{"counted in UTF-16", "", []string{"🔥🔥", "🔥🔥"}, 9, []string{"🔥🔥", "🔥🔥"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SplitLines(tt.header, tt.lines, tt.limit); !slices.Equal(got, tt.want) {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

// splitsCharacter reports whether a cut of s at byte at falls inside a
// character as a reader sees it: before a combining mark, joiner,
// variation selector or skin-tone modifier, after a zero-width joiner
// that joins the next character, or
// between the two regional indicators of a flag.
func splitsCharacter(s string, at int) bool {
	if at <= 0 || at >= len(s) {
		return false
	}
	next, _ := utf8.DecodeRuneInString(s[at:])
	prev, _ := utf8.DecodeLastRuneInString(s[:at])
	switch {
	case next == '\u200D', next == '\u200C':
		return true
	case prev == '\u200D':
		// A joiner before a space or a separator joins nothing.
		return !unicode.IsSpace(next) && !unicode.IsPunct(next)
	case unicode.In(next, unicode.Mn, unicode.Me, unicode.Mc, unicode.Variation_Selector):
		return true
	case next >= 0x1F3FB && next <= 0x1F3FF:
		return true
	}
	flag := func(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }
	if !flag(next) || !flag(prev) {
		return false
	}
	n := 0
	for _, r := range s[:at] {
		if flag(r) {
			n++
		} else {
			n = 0
		}
	}
	return n%2 == 1
}

// FuzzCut checks that Cut never exceeds the limit, keeps a prefix of its
// input, ends with the ellipsis when it cuts, and never cuts inside a
// character: the kept text, put back, is a prefix ending at a boundary.
func FuzzCut(f *testing.F) {
	f.Add("alpha beta gamma", 7)
	f.Add("🇸🇾🇸🇾🇸🇾", 5)
	f.Add("👨\u200d👩\u200d👧 x", 4)
	f.Add("مُمُمُ مُ", 3)
	f.Add("e\u0301e\u0301e\u0301", 2)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if !utf8.ValidString(s) || limit > 1<<16 {
			return
		}
		got := Cut(s, limit)
		if n := UTF16Len(got); n > max(limit, 0) {
			t.Fatalf("Cut(%q, %d) = %q: %d units", s, limit, got, n)
		}
		if n := len(utf16.Encode([]rune(got))); n != UTF16Len(got) {
			t.Fatalf("UTF16Len(%q) = %d; utf16 counts %d", got, UTF16Len(got), n)
		}
		if got == s || got == "" {
			return
		}
		kept, ok := strings.CutSuffix(got, "…")
		if !ok || !strings.HasPrefix(s, kept) {
			t.Fatalf("Cut(%q, %d) = %q: not a prefix and an ellipsis", s, limit, got)
		}
		if splitsCharacter(s, len(kept)) {
			t.Fatalf("Cut(%q, %d) = %q: cut inside a character", s, limit, got)
		}
	})
}
