// Package textclean folds text into a single line: the one implementation
// of white-space collapsing behind feeds.CleanText (headlines and
// summaries) and tgtext.CleanLine (lines of a Telegram message). Each
// caller names the format characters it removes on top of the control
// characters; the rest of the rules are the same for both.
//
// It depends only on the standard library.
package textclean

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line returns s as one line of text:
//
//   - invalid UTF-8 becomes U+FFFD, one for each run of invalid bytes (as
//     strings.ToValidUTF8); an U+FFFD already in s is kept;
//   - every run of white space (unicode.IsSpace: NBSP, CR, LF, tabs,
//     U+2028 …) becomes a single space, and the ends are trimmed;
//   - control characters (unicode.IsControl, NUL included) and the runes
//     for which drop reports true are removed, without leaving a space.
//
// White space is recognised before drop is asked. When there is nothing to
// change, Line returns s itself without allocating, which is the common
// case for headlines.
func Line(s string, drop func(rune) bool) string {
	if isLine(s, drop) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
		case unicode.IsControl(r), drop(r):
			// removed
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isLine reports whether Line would return s unchanged. ASCII is checked
// byte by byte: most headlines are ASCII or hold long runs of it.
func isLine(s string, drop func(rune) bool) bool {
	prevSpace := true // a leading space is not a line
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == ' ':
				if prevSpace {
					return false
				}
				prevSpace = true
				continue
			case c < 0x20 || c == 0x7F:
				return false
			}
			prevSpace = false
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size == 1 {
			return false // invalid UTF-8
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) || drop(r) {
			return false
		}
		prevSpace = false
	}
	return !prevSpace || s == ""
}
