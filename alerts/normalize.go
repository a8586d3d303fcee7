package alerts

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalisation turns a headline into the form used for matching and
// fingerprints (never for display):
//
//   - NFKC, so presentation forms (ﻋﺎﺟﻞ), ligatures (ﻻ → لا), fullwidth
//     and other compatibility characters become their base letters;
//   - Arabic diacritics (harakat U+064B–U+065F, superscript alef U+0670,
//     Quranic marks U+0610–U+061A, U+06D6–U+06ED, U+08CA–U+08FF) and
//     tatweel U+0640 are removed;
//   - أ إ آ ٱ (and ٲ ٳ) → ا, ى → ي, ة → ه, and the Persian-typed
//     ک → ك and ی → ي, so Persian keyboards match Arabic text;
//   - Arabic-Indic and Persian digits → ASCII digits;
//   - letters are case-folded (Latin, but also Greek, Cyrillic …);
//   - punctuation, symbols (emoji included), control characters and
//     whitespace become a single space; leading and trailing spaces are
//     trimmed;
//   - format characters (zero-width space/joiners, U+2060, U+FEFF, soft
//     hyphen, bidi controls, variation selectors and every other Cf) are
//     removed: removing joins the letters around them, while punctuation
//     splits;
//   - combining marks of other scripts are kept with their letter; a mark
//     left without a letter (after a space or at the start) is dropped.
//
// The hamza carriers ؤ and ئ are left as they are: they are distinct
// letters (و and ي are different words without them) and writers do not
// substitute them the way they drop the hamza on alef.
//
// Invalid UTF-8 is read as U+FFFD, a symbol, and so becomes a space.

// class says what the per-rune rules do with a rune.
type class uint8

const (
	// clsSpace: whitespace, punctuation, symbols, controls → a space.
	clsSpace class = iota
	// clsDrop: removed without a trace (diacritics, tatweel, format).
	clsDrop
	// clsLetter: a letter or digit, emitted (case-folded or mapped).
	clsLetter
	// clsMark: a combining mark of a non-Arabic script, kept with its base.
	clsMark
	// clsSlow: needs NFKC together with its neighbours before the
	// per-rune rules can be applied (only in the fast path's tables).
	clsSlow
)

// folded is a rune's image under the per-rune rules.
type folded struct {
	r rune
	c class
}

// asciiTable and arabicTable hold the per-rune rules for the two ranges
// that make up nearly all headline text. Both are built once and never
// written again.
var (
	asciiTable  = buildASCIITable()
	arabicTable = buildArabicTable()
	// asciiLetters maps ASCII letters and digits to their folded byte,
	// everything else to 0.
	asciiLetters = buildASCIILetters()
)

func buildASCIILetters() (t [utf8.RuneSelf]byte) {
	for c, f := range asciiTable {
		if f.c == clsLetter {
			t[c] = byte(f.r)
		}
	}
	return t
}

func buildASCIITable() (t [utf8.RuneSelf]folded) {
	for r := rune(0); r < utf8.RuneSelf; r++ {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			t[r] = folded{r, clsLetter}
		case 'A' <= r && r <= 'Z':
			t[r] = folded{r + 'a' - 'A', clsLetter}
		default:
			t[r] = folded{' ', clsSpace}
		}
	}
	return t
}

func buildArabicTable() (t [0x100]folded) {
	for i := range t {
		r := rune(0x600 + i)
		t[i] = foldGeneric(r)
	}
	// Composing hamza and madda marks: ا + U+0654 is أ under NFKC and
	// و + U+0654 is ؤ, so these need the slow path to treat canonically
	// equivalent spellings alike.
	for r := rune(0x653); r <= 0x655; r++ {
		t[r-0x600] = folded{r, clsSlow}
	}
	// Compatibility letters (high hamza forms) decompose under NFKC.
	for r := rune(0x675); r <= 0x678; r++ {
		t[r-0x600] = folded{r, clsSlow}
	}
	return t
}

// isArabicDiacritic reports the Arabic marks removed by normalisation.
func isArabicDiacritic(r rune) bool {
	switch {
	case 0x610 <= r && r <= 0x61A, // honorifics and Quranic signs
		0x64B <= r && r <= 0x65F, // harakat
		r == 0x670,               // superscript alef
		0x6D6 <= r && r <= 0x6ED, // Quranic annotation
		0x8CA <= r && r <= 0x8FF: // Arabic Extended-A marks
		return true
	}
	return false
}

// foldGeneric applies the per-rune rules to r, which must already be in
// NFKC form for the result to be final.
func foldGeneric(r rune) folded {
	switch r {
	case 'أ', 'إ', 'آ', 'ٱ', 'ٲ', 'ٳ':
		return folded{'ا', clsLetter}
	case 'ى', 'ی':
		return folded{'ي', clsLetter}
	case 'ة':
		return folded{'ه', clsLetter}
	case 'ک':
		return folded{'ك', clsLetter}
	case 0x640: // tatweel
		return folded{r, clsDrop}
	}
	switch {
	case r < utf8.RuneSelf:
		return asciiTable[r]
	case 0x660 <= r && r <= 0x669:
		return folded{'0' + r - 0x660, clsLetter}
	case 0x6F0 <= r && r <= 0x6F9:
		return folded{'0' + r - 0x6F0, clsLetter}
	case isArabicDiacritic(r),
		0xFE00 <= r && r <= 0xFE0F, 0xE0100 <= r && r <= 0xE01EF, // variation selectors
		unicode.Is(unicode.Cf, r):
		return folded{r, clsDrop}
	case unicode.IsLetter(r):
		return folded{foldCase(r), clsLetter}
	case unicode.IsNumber(r):
		return folded{r, clsLetter}
	case unicode.IsMark(r):
		return folded{r, clsMark}
	}
	return folded{' ', clsSpace}
}

// foldCase maps a letter to its case-folded form. Going through upper
// case first folds variants such as final sigma and long s.
func foldCase(r rune) rune {
	if u := unicode.ToUpper(r); u != r {
		return unicode.ToLower(u)
	}
	return unicode.ToLower(r)
}

// foldFast classifies the rune r that starts s (size bytes long) for the
// fast path: clsSlow when NFKC could change it or its neighbours.
func foldFast(s string, r rune, size int) folded {
	switch {
	case r < utf8.RuneSelf:
		return asciiTable[r]
	case 0x600 <= r && r <= 0x6FF:
		return arabicTable[r-0x600]
	case r == utf8.RuneError && size == 1:
		return folded{' ', clsSpace} // invalid UTF-8
	case r <= 0xBF:
		// Latin-1 punctuation, symbols and spaces (NBSP is common in
		// scraped text). A few have compatibility decompositions to
		// letters or digits (ª ² µ ½ …): those take the slow path.
		switch r {
		case 0xAA, 0xB2, 0xB3, 0xB5, 0xB9, 0xBA, 0xBC, 0xBD, 0xBE:
			return folded{r, clsSlow}
		case 0xAD: // soft hyphen
			return folded{r, clsDrop}
		}
		if unicode.Is(unicode.Cf, r) {
			return folded{r, clsDrop}
		}
		return folded{' ', clsSpace}
	case 0x2000 <= r && r <= 0x206F:
		// General Punctuation: spaces, dashes, quotes, bidi and
		// zero-width controls. Some have compatibility decompositions,
		// but all of those decompose to punctuation or spaces.
		if unicode.Is(unicode.Cf, r) {
			return folded{r, clsDrop}
		}
		return folded{' ', clsSpace}
	}
	p := norm.NFKC.PropertiesString(s)
	if p.CCC() != 0 {
		// Arabic diacritics are removed anyway; other marks may need
		// reordering or composition.
		if isArabicDiacritic(r) {
			return folded{r, clsDrop}
		}
		return folded{r, clsSlow}
	}
	if !p.BoundaryBefore() || !norm.NFKC.IsNormalString(s[:size]) {
		return folded{r, clsSlow}
	}
	f := foldGeneric(r)
	if f.c == clsLetter && f.r != r && !isNormalRune(f.r) {
		return folded{r, clsSlow}
	}
	return f
}

// isNormalRune reports whether r on its own is in NFKC form.
func isNormalRune(r rune) bool {
	var b [utf8.UTFMax]byte
	n := utf8.EncodeRune(b[:], r)
	return norm.NFKC.IsNormal(b[:n])
}

// Normalize returns s normalised for matching and fingerprints, never for
// display. See the package rules above; the result is idempotent:
// Normalize(Normalize(s)) == Normalize(s).
func Normalize(s string) string {
	// Headlines fit the stack buffer, so the string conversion is the
	// only allocation.
	var buf [512]byte
	return string(AppendNormalized(buf[:0], s))
}

// AppendNormalized appends the normalised form of s to dst and returns the
// extended buffer. It lets callers reuse one buffer across headlines.
func AppendNormalized(dst []byte, s string) []byte {
	n := len(dst)
	out, ok := appendFolded(dst, s, true)
	if ok {
		return out
	}
	return appendSlow(out[:n], s)
}

// appendFolded applies the per-rune rules to s. With fast set it gives up
// (returning false) at the first rune that needs NFKC; without it, s must
// already be in NFKC form.
func appendFolded(dst []byte, s string, fast bool) ([]byte, bool) {
	start := len(dst)
	dst = slices.Grow(dst, len(s))
	space := false // a space is owed before the next letter
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			// ASCII, most of every headline (Arabic text included,
			// for its spaces and digits).
			i++
			if b := asciiLetters[c]; b != 0 {
				if space {
					dst = append(dst, ' ')
					space = false
				}
				dst = append(dst, b)
			} else {
				space = len(dst) > start
			}
			continue
		}
		var f folded
		r, size := utf8.DecodeRuneInString(s[i:])
		if 0x600 <= r && r <= 0x6FF {
			f = arabicTable[r-0x600] // the other common case, inline
			if f.c == clsSlow && !fast {
				// Already NFKC (e.g. a hamza mark that composed with
				// nothing): the generic rules decide.
				f = foldGeneric(r)
			}
		} else if fast {
			f = foldFast(s[i:], r, size)
		} else {
			f = foldGeneric(r)
		}
		i += size
		switch f.c {
		case clsLetter:
			if space {
				dst = append(dst, ' ')
				space = false
			}
			if f.r < utf8.RuneSelf {
				dst = append(dst, byte(f.r))
			} else {
				dst = utf8.AppendRune(dst, f.r)
			}
		case clsMark:
			if len(dst) == start || space {
				continue // a mark without a letter to sit on
			}
			dst = utf8.AppendRune(dst, f.r)
		case clsSpace:
			space = len(dst) > start
		case clsSlow:
			return dst, false
		}
	}
	return dst, true
}

// appendSlow is the general path: format characters and tatweel are
// removed first (so they cannot block composition once gone), then NFKC,
// then the per-rune rules. The rules can, in rare cases, leave text that
// NFKC would change again, so the last two steps repeat until stable.
func appendSlow(dst []byte, s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			// An invalid byte becomes a space, as on the fast path; kept
			// raw, two of them could join into a valid rune once a
			// dropped character between them is gone.
			b = append(b, ' ')
		case foldGeneric(r).c != clsDrop || isArabicDiacritic(r):
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	b = norm.NFKC.Bytes(b)
	for range 8 {
		out, _ := appendFolded(nil, string(b), false)
		if norm.NFKC.IsNormal(out) {
			return append(dst, out...)
		}
		b = norm.NFKC.Bytes(out)
	}
	out, _ := appendFolded(nil, string(b), false)
	return append(dst, out...)
}

// Script classifies the letters of s, ignoring digits, punctuation and
// symbols: "ar" when Arabic-script letters are more than half of them,
// "latin" when Latin letters are, and "" otherwise (no letters, another
// script, or an even mix).
func Script(s string) string {
	var arabic, latin, letters int
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
				latin++
				letters++
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		switch {
		case unicode.Is(unicode.Arabic, r):
			arabic++
		case unicode.Is(unicode.Latin, r):
			latin++
		}
	}
	switch {
	case arabic*2 > letters:
		return "ar"
	case latin*2 > letters:
		return "latin"
	}
	return ""
}
