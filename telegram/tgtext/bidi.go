package tgtext

import (
	"strings"

	"golang.org/x/text/unicode/bidi"
)

// Bidi controls (Unicode 6.3). An isolate keeps an inserted piece of text
// of either direction from reordering the sentence around it: a Latin
// word or a number inside Arabic, an Arabic rule inside English.
const (
	LRM = "\u200e" // left-to-right mark
	LRI = "\u2066" // left-to-right isolate
	FSI = "\u2068" // first-strong isolate: direction of the first letter
	PDI = "\u2069" // pop directional isolate: closes an isolate
)

// Isolate wraps s in a first-strong isolate (FSI … PDI), so that it
// displays in its own direction without disturbing the text around it.
// Explicit bidi controls inside s (embeddings, overrides, isolates) are
// removed first: a stray RLO or PDI in user text would otherwise reorder
// or escape from the rest of the text. Marks (LRM, RLM, ALM) are kept.
// The empty string stays empty.
func Isolate(s string) string {
	if s == "" {
		return ""
	}
	return FSI + StripBidiControls(s) + PDI
}

// IsBidiControl reports the explicit bidi controls: embeddings and
// overrides (U+202A–U+202E) and isolates (U+2066–U+2069). Marks are not
// controls.
func IsBidiControl(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}

// StripBidiControls returns s without its explicit bidi controls (see
// IsBidiControl).
func StripBidiControls(s string) string {
	if !strings.ContainsFunc(s, IsBidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

// HasRTL reports whether s holds a right-to-left letter (bidi class R or
// AL: Hebrew, Arabic, Syriac, Thaana, N'Ko…).
func HasRTL(s string) bool {
	for _, r := range s {
		if r < 0x0590 {
			continue
		}
		p, _ := bidi.LookupRune(r)
		if c := p.Class(); c == bidi.R || c == bidi.AL {
			return true
		}
	}
	return false
}

// IsolateRTL is Isolate for a text with right-to-left letters, and s as
// it is otherwise: for a left-to-right line (a terminal, a table) where
// only right-to-left pieces need isolating.
func IsolateRTL(s string) string {
	if HasRTL(s) {
		return Isolate(s)
	}
	return s
}
