package alerts

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Urgency is detected as a banner: a marker (see DefaultMarkers) at the
// start or the end of a headline, set off from the rest of it. Markers
// are compared after the per-rune normalisation rules, so every typography
// matches, but the Banner reports slices of the original headline.
//
// A marker is set off when one of these holds:
//   - a separator follows it at the start or precedes it at the end:
//     | : - – — .. … ! * or a symbol such as the emoji 🔴 ⚡ 🚨 ❗ 🔥
//     (an ASCII hyphen only with a space on one side, so "Flash-flood"
//     is not a banner; a single full stop is not a separator either);
//   - it is enclosed: ( ) [ ] 【】 around it at either end, « » around it
//     at the start (a quoted «عاجل» closing a sentence is a quotation);
//   - it is a hashtag: #عاجل, #Breaking;
//   - an emoji or symbol precedes it at the start ("🔴 Breaking …");
//   - it is the whole headline (Found, with an empty Rest);
//   - only for a marker at the start followed by a space: an Arabic-script
//     marker (SANA's ticker renders its banner as «عــاجــل مصدر …», and
//     an Arabic sentence does not begin with the adjective عاجل), or a
//     Latin one written in capitals before text that is not all capitals
//     ("BREAKING Ukraine …", but not "Breaking the silence on …" nor an
//     all-capitals headline).
//
// The same words inside a sentence are not banners: «اجتماع طارئ وعاجل»,
// «خطة عاجلة», "record-breaking", "Flash flood warning …".

// ErrInvalidMarker is wrapped by NewDetector and With when a marker has no
// letters or digits left after normalisation.
var ErrInvalidMarker = errors.New("marker has no letters or digits")

// Banner is the result of looking for an urgency banner in a headline.
type Banner struct {
	// Found reports whether the headline carries an urgency banner.
	Found bool
	// Marker is the marker as written in the headline, without its
	// separator or decoration (e.g. "عــاجــل", "BREAKING", "Breaking
	// News"); empty when not found.
	Marker string
	// Rest is the headline without the banner, its separator and the
	// whitespace around them, the rest exactly as written; the whole
	// headline, unchanged, when not found. It is empty when the headline
	// is only a banner.
	Rest string
}

// marker is one normalised marker.
type marker struct {
	runes    []rune
	reversed []rune // runes last first, for matching backward
	// arabic markers at the start are set off by a space alone.
	arabic bool
}

// Detector finds urgency markers. It is immutable and safe for concurrent
// use.
type Detector struct {
	given   []string        // as passed in, for With
	markers []marker        // longest first
	set     map[string]bool // normalised markers, for IsMarker
}

// NewDetector builds a detector from marker words or phrases, written in
// any typography (they are normalised). Duplicates are ignored. It fails,
// naming the marker, on one with no letters or digits.
func NewDetector(markers []string) (*Detector, error) {
	d := &Detector{
		given: slices.Clone(markers),
		set:   make(map[string]bool, len(markers)),
	}
	for i, m := range markers {
		n := Normalize(m)
		if n == "" {
			return nil, fmt.Errorf("new detector: marker %d %q: %w", i, m, ErrInvalidMarker)
		}
		if d.set[n] {
			continue
		}
		d.set[n] = true
		runes := []rune(n)
		reversed := slices.Clone(runes)
		slices.Reverse(reversed)
		d.markers = append(d.markers, marker{runes: runes, reversed: reversed, arabic: Script(n) == "ar"})
	}
	if len(d.markers) == 0 {
		return nil, fmt.Errorf("new detector: no markers: %w", ErrInvalidMarker)
	}
	// Longest first, so "breaking news" wins over "breaking".
	slices.SortStableFunc(d.markers, func(a, b marker) int { return len(b.runes) - len(a.runes) })
	return d, nil
}

// With returns a detector that knows d's markers plus extra ones (a
// source's own markers). d is not changed.
func (d *Detector) With(extra []string) (*Detector, error) {
	nd, err := NewDetector(append(slices.Clone(d.given), extra...))
	if err != nil {
		return nil, fmt.Errorf("extend detector: %w", err)
	}
	return nd, nil
}

// IsMarker reports whether a label (an RSS category, a ticker's marker
// element, a JSON label) names urgency: the whole label, normalised, is a
// marker, optionally with "news" after it or «خبر»/«أخبار» before it
// ("Breaking News", "#عاجل", "URGENT", "Urgent news"). A label merely
// containing a marker ("Breaking the Silence") is not one.
func (d *Detector) IsMarker(label string) bool {
	n := Normalize(label)
	if d.set[n] {
		return true
	}
	for _, affix := range [...]struct{ prefix, suffix string }{
		{suffix: " news"}, {prefix: "خبر "}, {prefix: "اخبار "},
	} {
		if t, ok := strings.CutSuffix(n, affix.suffix); ok && affix.suffix != "" && d.set[t] {
			return true
		}
		if t, ok := strings.CutPrefix(n, affix.prefix); ok && affix.prefix != "" && d.set[t] {
			return true
		}
	}
	return false
}

// Detect looks for an urgency banner at the start or the end of title. A
// headline with a banner at both ends loses both; Marker is the first.
func (d *Detector) Detect(title string) Banner {
	if b, ok := d.prefix(title); ok {
		if s, ok := d.suffix(b.Rest); ok {
			b.Rest = s.Rest
		}
		return b
	}
	if b, ok := d.suffix(title); ok {
		return b
	}
	return Banner{Rest: title}
}

// prefix looks for a banner at the start of s.
func (d *Detector) prefix(s string) (Banner, bool) {
	var (
		i        int
		emoji    bool
		adjacent rune = -1 // the rune just before the marker
		visible  rune = -1 // the last non-space rune before it
	)
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		c := classAt(s[i:], r, size)
		if c == clsLetter || c == clsMark {
			break
		}
		i += size
		if c == clsDrop {
			continue
		}
		adjacent = r
		if !unicode.IsSpace(r) {
			visible = r
		}
		if unicode.IsSymbol(r) {
			emoji = true
		}
	}
	if i == len(s) {
		return Banner{}, false
	}
	var buf [foldBuf]rune
	first, _, _ := foldAt(s[i:], buf[:0])
	if len(first) == 0 {
		return Banner{}, false
	}
	hash := adjacent == '#' || adjacent == '＃'
	opener := isOpener(visible)
	for _, m := range d.markers {
		if m.runes[0] != first[0] {
			continue
		}
		end, ok := matchForward(s, i, m)
		if !ok || isWordAt(s, end) {
			continue
		}
		j, sep, closed := skipSeparatorForward(s, end, opener)
		rest := trimSpace(s[j:])
		spaced := j > end && !sep && !closed
		switch {
		case sep, closed, hash, emoji, rest == "":
		case spaced && m.arabic:
		case spaced && isCapitals(s[i:end]) && hasNonCapital(rest):
		default:
			continue
		}
		return Banner{Found: true, Marker: trimSpace(s[i:end]), Rest: rest}, true
	}
	return Banner{}, false
}

// suffix looks for a banner at the end of s.
func (d *Detector) suffix(s string) (Banner, bool) {
	j := len(s)
	visible := rune(-1) // the first non-space rune after the marker
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		c := classAt(s[j-size:j], r, size)
		if c == clsLetter || c == clsMark {
			break
		}
		j -= size
		if c != clsDrop && !unicode.IsSpace(r) {
			visible = r
		}
	}
	if j == 0 {
		return Banner{}, false
	}
	var buf [foldBuf]rune
	_, size := utf8.DecodeLastRuneInString(s[:j])
	last, _, _ := foldAt(s[j-size:j], buf[:0])
	if len(last) == 0 {
		return Banner{}, false
	}
	end := skipDiacritics(s, j)
	closer := isBracketCloser(visible)
	for _, m := range d.markers {
		if m.runes[len(m.runes)-1] != last[len(last)-1] {
			continue
		}
		start, ok := matchBackward(s, j, m)
		if !ok || isWordBefore(s, start) {
			continue
		}
		k := start
		hash := false
		if r, size := utf8.DecodeLastRuneInString(s[:k]); r == '#' || r == '＃' {
			hash = true
			k -= size
		}
		k, sep, opened := skipSeparatorBackward(s, k)
		if !sep && !hash && !(opened && closer) {
			continue
		}
		return Banner{Found: true, Marker: trimSpace(s[start:end]), Rest: trimSpace(s[:k])}, true
	}
	return Banner{}, false
}

// foldBuf bounds the runes one character can fold to on the fast route;
// longer compatibility expansions (ﷺ) spill to the heap.
const foldBuf = 8

// classAt returns the class of the rune r (size bytes) that starts s,
// resolving the fast path's clsSlow.
func classAt(s string, r rune, size int) class {
	f := foldFast(s, r, size)
	if f.c != clsSlow {
		return f.c
	}
	var buf [foldBuf]rune
	_, c, _ := foldAt(s, buf[:0])
	return c
}

// foldAt applies the per-rune rules to the rune that starts s, appending
// the letters and marks it yields to buf. Compatibility characters are
// resolved with NFKC on the rune alone (ﻋ → ع, ﻻ → ل ا); a space inside
// such an expansion is kept as ' '. It returns the runes, the class and the
// rune's size in s.
func foldAt(s string, buf []rune) ([]rune, class, int) {
	r, size := utf8.DecodeRuneInString(s)
	f := foldFast(s, r, size)
	switch f.c {
	case clsLetter, clsMark:
		return append(buf, f.r), f.c, size
	case clsDrop, clsSpace:
		return buf, f.c, size
	}
	c := clsDrop
	for _, x := range norm.NFKC.String(s[:size]) {
		g := foldGeneric(x)
		switch g.c {
		case clsLetter, clsMark:
			buf = append(buf, g.r)
			if c != clsLetter {
				c = g.c
			}
		case clsSpace:
			if len(buf) > 0 {
				buf = append(buf, ' ')
			}
			if c == clsDrop {
				c = clsSpace
			}
		}
	}
	for len(buf) > 0 && buf[len(buf)-1] == ' ' {
		buf = buf[:len(buf)-1]
	}
	return buf, c, size
}

// matchForward matches the normalised marker m against s from byte i and
// returns the end of the match, diacritics and tatweel after the last
// letter included.
func matchForward(s string, i int, m marker) (int, bool) {
	w := walker{s: s, pos: i}
	if !w.match(m.runes) {
		return 0, false
	}
	return skipDiacritics(s, w.pos), true
}

// matchBackward matches the normalised marker m against s ending at byte j
// and returns the start of the match.
func matchBackward(s string, j int, m marker) (int, bool) {
	w := walker{s: s, pos: j, back: true}
	if !w.match(m.reversed) {
		return 0, false
	}
	return w.pos, true
}

// walker steps through s one character at a time from pos, forward or
// backward, to match a marker against the text there.
type walker struct {
	s    string
	pos  int
	back bool
}

// char returns the character next to pos in the walk's direction and its
// rune; "" at the end of s.
func (w *walker) char() (string, rune) {
	if w.back {
		r, size := utf8.DecodeLastRuneInString(w.s[:w.pos])
		return w.s[w.pos-size : w.pos], r
	}
	r, size := utf8.DecodeRuneInString(w.s[w.pos:])
	return w.s[w.pos : w.pos+size], r
}

// step moves past a character of n bytes.
func (w *walker) step(n int) {
	if w.back {
		w.pos -= n
	} else {
		w.pos += n
	}
}

// skipJoiners moves past a run of whitespace, '_', '-' and dropped
// characters, and reports whether it held one of the first three.
func (w *walker) skipJoiners() bool {
	joiners := 0
	for {
		c, r := w.char()
		if c == "" {
			break
		}
		if isJoiner(r) {
			joiners++
		} else if classAt(c, r, len(c)) != clsDrop {
			break
		}
		w.step(len(c))
	}
	return joiners > 0
}

// match matches the normalised marker runes m, in the walk's order,
// against the text at pos and moves past it. A space in m matches a run
// of whitespace, '_' or '-'.
func (w *walker) match(m []rune) bool {
	var buf [foldBuf]rune
	var pend []rune // what a character folded to, not matched yet, in the walk's order
	for k := 0; k < len(m); {
		if len(pend) > 0 {
			if pend[0] != m[k] {
				return false
			}
			pend = pend[1:]
			k++
			continue
		}
		if m[k] == ' ' {
			if !w.skipJoiners() {
				return false
			}
			k++
			continue
		}
		c, _ := w.char()
		if c == "" {
			return false
		}
		out, cls, _ := foldAt(c, buf[:0])
		w.step(len(c))
		switch cls {
		case clsDrop:
		case clsLetter, clsMark:
			if w.back {
				slices.Reverse(out)
			}
			pend = out
		default:
			return false
		}
	}
	return len(pend) == 0 // else the marker ends inside a ligature
}

// skipDiacritics returns the position after the Arabic diacritics and
// tatweel that follow byte i.
func skipDiacritics(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != 0x640 && !isArabicDiacritic(r) {
			break
		}
		i += size
	}
	return i
}

// isWordAt reports whether a letter or mark follows byte i (format
// characters skipped): the marker would then be part of a longer word.
func isWordAt(s string, i int) bool {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch classAt(s[i:], r, size) {
		case clsLetter, clsMark:
			return true
		case clsSpace:
			return false
		}
		i += size
	}
	return false
}

// isWordBefore reports whether a letter or mark precedes byte j.
func isWordBefore(s string, j int) bool {
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		switch classAt(s[j-size:j], r, size) {
		case clsLetter, clsMark:
			return true
		case clsSpace:
			return false
		}
		j -= size
	}
	return false
}

// skipSeparatorForward skips the whitespace and separator after a marker
// ending at byte i. It returns where the rest begins, whether a separator
// was seen, and whether a closing bracket answered the opener.
func skipSeparatorForward(s string, i int, opener bool) (j int, sep, closed bool) {
	j = i
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		switch {
		case unicode.IsSpace(r) || isFormat(r):
		case opener && isCloser(r):
			closed = true
		case r == '.':
			n := dots(s[j:])
			if n < 2 {
				return j, sep, closed
			}
			sep = true
			j += n
			continue
		case r == '-':
			if !spaceBefore(s, j) && !spaceAfter(s, j+size) {
				return j, sep, closed
			}
			sep = true
		case isSeparator(r):
			sep = true
		default:
			return j, sep, closed
		}
		j += size
	}
	return j, sep, closed
}

// skipSeparatorBackward skips the whitespace and separator before a marker
// starting at byte j. It returns where the rest ends, whether a separator
// was seen, and whether an opening bracket was.
func skipSeparatorBackward(s string, j int) (k int, sep, opened bool) {
	k = j
	for k > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:k])
		switch {
		case unicode.IsSpace(r) || isFormat(r):
		case isBracketOpener(r):
			opened = true
		case r == '.':
			n := len(s[:k]) - len(strings.TrimRight(s[:k], "."))
			if n < 2 {
				return k, sep, opened
			}
			sep = true
			k -= n
			continue
		case r == '-':
			if !spaceBefore(s, k-size) && !spaceAfter(s, k) {
				return k, sep, opened
			}
			sep = true
		case isSeparator(r):
			sep = true
		default:
			return k, sep, opened
		}
		k -= size
	}
	return k, sep, opened
}

// dots counts the full stops that start s.
func dots(s string) int {
	n := 0
	for n < len(s) && s[n] == '.' {
		n++
	}
	return n
}

func spaceBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsSpace(r)
}

func spaceAfter(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

// isSeparator reports the runes that set a banner off: bars, colons,
// dashes, ellipses, exclamation marks, asterisks and symbols (emoji).
func isSeparator(r rune) bool {
	switch r {
	case '|', '｜', '¦', ':', '：', '–', '—', '―', '‒', '…', '‥', '!', '！', '*', '•', '·':
		return true
	}
	return unicode.IsSymbol(r)
}

// isJoiner reports the runes that may stand for a space inside a
// multi-word marker (#خبر_عاجل, Breaking-News).
func isJoiner(r rune) bool {
	return r == '_' || r == '-' || unicode.IsSpace(r)
}

func isOpener(r rune) bool { return r == '«' || isBracketOpener(r) }

func isCloser(r rune) bool { return r == '»' || isBracketCloser(r) }

func isBracketOpener(r rune) bool {
	switch r {
	case '(', '[', '【', '〔', '［', '（':
		return true
	}
	return false
}

func isBracketCloser(r rune) bool {
	switch r {
	case ')', ']', '】', '〕', '］', '）':
		return true
	}
	return false
}

// isFormat reports the invisible characters that normalisation removes and
// that trimming should too: format controls and variation selectors.
func isFormat(r rune) bool {
	return unicode.Is(unicode.Cf, r) || 0xFE00 <= r && r <= 0xFE0F || 0xE0100 <= r && r <= 0xE01EF
}

// trimSpace trims whitespace and invisible format characters.
func trimSpace(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || isFormat(r) })
}

// isCapitals reports whether the letters of s (at least two) are all
// capitals.
func isCapitals(s string) bool {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			n++
		}
	}
	return n >= 2
}

// hasNonCapital reports whether s has a letter that is not a capital (a
// lower-case letter, or a letter of a script without case).
func hasNonCapital(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !unicode.IsUpper(r) {
			return true
		}
	}
	return false
}
