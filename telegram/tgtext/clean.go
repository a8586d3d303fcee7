package tgtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// StripControls makes text from a message safe to handle: invalid UTF-8
// becomes U+FFFD and NUL and the other C0 and C1 control characters
// except tab, newline and carriage return are removed. Everything else,
// bidi controls included, is left as written.
func StripControls(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, isBadControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isBadControl(r) {
			return -1
		}
		return r
	}, s)
}

func isBadControl(r rune) bool {
	return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
}

// CleanLine makes feed or user text fit for one line of a message:
// invalid UTF-8 becomes U+FFFD; every run of whitespace (newlines, tabs,
// NBSP, U+2028 …) becomes one space, and the ends are trimmed; control
// characters (NUL included), the BOM and explicit bidi embeddings,
// overrides and isolates are removed, since a stray RLO or PDI would
// reorder the text around it. Bidi marks (LRM, RLM, ALM), joiners and
// emoji are kept.
func CleanLine(s string) string {
	if isCleanLine(s) {
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
		case unicode.IsControl(r) || isDropped(r):
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

// isCleanLine reports whether CleanLine would return s unchanged.
func isCleanLine(s string) bool {
	prevSpace := true // a leading space is not clean
	for _, r := range s {
		switch {
		case r == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		case r < utf8.RuneSelf:
			if r < ' ' || r == 0x7F {
				return false
			}
		case r == utf8.RuneError, unicode.IsSpace(r), unicode.IsControl(r), isDropped(r):
			// U+FFFD may stand for invalid UTF-8: let the slow path decide.
			return false
		}
		prevSpace = false
	}
	return !prevSpace || s == ""
}

// isDropped reports the format characters CleanLine removes: explicit
// bidi controls and the BOM.
func isDropped(r rune) bool {
	return IsBidiControl(r) || r == '\uFEFF'
}
