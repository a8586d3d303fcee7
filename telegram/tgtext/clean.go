package tgtext

import (
	"strings"
	"unicode"

	"github.com/aajil/aajil/internal/textclean"
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
	return textclean.Line(s, isDropped)
}

// isDropped reports the format characters CleanLine removes: explicit
// bidi controls and the BOM.
func isDropped(r rune) bool {
	return IsBidiControl(r) || r == '\uFEFF'
}
