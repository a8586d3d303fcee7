package feeds

import (
	"bytes"
	"fmt"
	"math"
	"mime"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// Byte-order marks, longest first (none is a prefix of another here).
var boms = []struct {
	bom  []byte
	name string
}{
	{[]byte{0xEF, 0xBB, 0xBF}, "utf-8"},
	{[]byte{0xFE, 0xFF}, "utf-16be"},
	{[]byte{0xFF, 0xFE}, "utf-16le"},
}

// xmlDecl matches an XML declaration at the start of a document (leading
// whitespace tolerated, as many feeds have a stray newline before it) and
// captures the value of its encoding pseudo-attribute, with its quotes.
var xmlDecl = regexp.MustCompile(`^[\t\n\r ]*<\?xml[\t\n\r ][^>]*?\bencoding[\t\n\r ]*=[\t\n\r ]*("[^"]*"|'[^']*')`)

// declLimit is how far into a document a declaration is looked for: an
// XML declaration or <meta> that matters sits in the first kilobyte (the
// HTML standard prescans 1024 bytes).
const declLimit = 1024

// DecodeBody converts a document to UTF-8 and returns it with the name of
// the charset it was decoded from. contentType is the HTTP Content-Type
// (empty for a local file); override is the source's configured charset
// (empty for none).
//
// The charset is the first of, in order: override; a byte-order mark; the
// Content-Type charset parameter; the encoding of the XML declaration; a
// <meta charset> or <meta http-equiv="Content-Type"> in the first 1024
// bytes; and finally sniffing (see sniffCharset). A name that is declared
// but unknown is an error wrapping ErrUnknownCharset, not a guess: the
// source's charset field can then be set to fix it.
//
// The body returned is valid UTF-8 (undecodable bytes become U+FFFD), has
// no BOM, and an XML declaration in it says encoding="UTF-8", because an
// XML parser would otherwise decode the already decoded bytes a second
// time. When the input is valid UTF-8 and needs no such rewrite, the
// returned slice is raw itself or a subslice of it.
func DecodeBody(raw []byte, contentType string, override string) (body []byte, charsetName string, err error) {
	enc, name, rest, err := determineCharset(raw, contentType, override)
	if err != nil {
		return nil, "", fmt.Errorf("decode body: %w", err)
	}
	if name == "utf-8" {
		body = rest
		if !utf8.Valid(body) {
			body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
		}
	} else {
		body, err = enc.NewDecoder().Bytes(rest)
		if err != nil {
			return nil, "", fmt.Errorf("decode body from %s: %w", name, err)
		}
		if !utf8.Valid(body) { // decoders replace, but the promise is kept here
			body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
		}
	}
	return rewriteXMLDecl(body), name, nil
}

// determineCharset applies the precedence of DecodeBody. It returns the
// encoding, its canonical lowercase name, and raw with any BOM removed.
func determineCharset(raw []byte, contentType, override string) (encoding.Encoding, string, []byte, error) {
	if strings.TrimSpace(override) != "" {
		enc, name, err := lookupCharset(override)
		if err != nil {
			return nil, "", nil, fmt.Errorf("source charset: %w", err)
		}
		if name == "utf-8" {
			raw = bytes.TrimPrefix(raw, boms[0].bom)
		}
		return enc, name, raw, nil
	}
	for _, b := range boms {
		if bytes.HasPrefix(raw, b.bom) {
			enc, name, err := lookupCharset(b.name)
			return enc, name, raw[len(b.bom):], err
		}
	}
	if label := headerCharset(contentType); label != "" {
		enc, name, err := lookupCharset(label)
		if err != nil {
			return nil, "", nil, fmt.Errorf("content-type charset: %w", err)
		}
		return enc, name, raw, nil
	}
	head := raw[:min(len(raw), declLimit)]
	if m := xmlDecl.FindSubmatch(head); m != nil {
		label := string(m[1][1 : len(m[1])-1])
		if strings.TrimSpace(label) != "" {
			enc, name, err := lookupCharset(label)
			if err != nil {
				return nil, "", nil, fmt.Errorf("xml declaration: %w", err)
			}
			return enc, name, raw, nil
		}
	}
	if label := metaCharset(head); label != "" {
		enc, name, err := lookupCharset(label)
		if err != nil {
			return nil, "", nil, fmt.Errorf("meta charset: %w", err)
		}
		return enc, name, raw, nil
	}
	enc, name, err := lookupCharset(sniffCharset(raw))
	return enc, name, raw, err
}

// headerCharset returns the charset parameter of a Content-Type, or "".
// A malformed Content-Type is ignored rather than failing the fetch: the
// document's own declarations and sniffing still apply.
func headerCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(params["charset"])
}

// metaCharset returns the charset a <meta> element in head declares, or
// "". It relies on the HTML standard's prescan in x/net/html/charset.
// DetermineEncoding also reports BOM and Content-Type (handled before we
// get here) and falls back to "windows-1252" or "utf-8" when no <meta>
// says anything; to tell a fallback from a declaration, high bytes are
// masked (so its UTF-8 guess cannot fire: labels are ASCII anyway) and a
// "windows-1252" answer counts only if the head mentions a charset at all.
func metaCharset(head []byte) string {
	masked := make([]byte, len(head))
	for i, c := range head {
		if c >= 0x80 {
			c = '?'
		}
		masked[i] = c
	}
	_, name, _ := charset.DetermineEncoding(masked, "")
	if name == "windows-1252" && !bytes.Contains(bytes.ToLower(masked), []byte("charset")) {
		return ""
	}
	return name
}

// lookupCharset finds an encoding by label: WHATWG labels first (what
// browsers accept, e.g. "cp1256", "arabic", "latin1"), then IANA names
// (e.g. "ISO_8859-6:1987", "IBM864"). It returns the canonical name in
// lowercase.
func lookupCharset(label string) (encoding.Encoding, string, error) {
	label = strings.TrimSpace(label)
	if enc, err := htmlindex.Get(label); err == nil {
		name, err := htmlindex.Name(enc)
		if err != nil {
			name = strings.ToLower(label)
		}
		return enc, name, nil
	}
	// ianaindex answers (nil, nil) for names it knows but cannot decode.
	if enc, err := ianaindex.IANA.Encoding(label); err == nil && enc != nil {
		name, err := ianaindex.IANA.Name(enc)
		if err != nil {
			name = label
		}
		return enc, strings.ToLower(name), nil
	}
	return nil, "", fmt.Errorf("%w %q", ErrUnknownCharset, label)
}

// sniffSample bounds how much of a document the legacy-encoding scorer
// reads: far more than it needs to decide, far less than a 5 MiB page.
const sniffSample = 64 << 10

// sniffCandidates are the legacy encodings an undeclared document may be
// in, in order of preference when they score the same: Aajil's sources
// are Arabic first, and windows-1256 is far more common on the web than
// ISO-8859-6. windows-1252 stands for ISO-8859-1 too (the WHATWG treats
// the labels as one encoding, and it is a superset for printable text).
var sniffCandidates = []struct {
	name string
	cm   *charmap.Charmap
}{
	{"windows-1256", charmap.Windows1256},
	{"iso-8859-6", charmap.ISO8859_6},
	{"windows-1252", charmap.Windows1252},
}

// sniffCharset guesses the charset of a document that declares none.
//
// Valid UTF-8 is UTF-8: legacy single-byte text is almost never valid
// UTF-8 by accident (Arabic in windows-1256 would need every lead byte
// 0xC2–0xF4 followed by exactly the right number of 0x80–0xBF bytes).
//
// Otherwise the document is decoded as each candidate and the most
// plausible text wins (see plausibility). The three share ASCII, so the
// sample starts just before the first high byte: a long ASCII <head> says
// nothing.
//
// Why not a general detector: the ICU-derived chardet port tells these
// apart on a paragraph, but on a headline ("عاجل: …", a ticker line, a
// JSON field) it answers ISO-8859-6 for windows-1256 text or windows-1252
// for Arabic, and headlines are what Aajil reads. The rules below use
// facts that hold on a single word.
func sniffCharset(raw []byte) string {
	if utf8.Valid(raw) {
		return "utf-8"
	}
	first := bytes.IndexFunc(raw, func(r rune) bool { return r >= 0x80 })
	sample := raw[max(0, first-16):]
	sample = sample[:min(len(sample), sniffSample)]

	best, bestScore := sniffCandidates[0].name, math.MinInt
	for _, c := range sniffCandidates {
		text, err := c.cm.NewDecoder().Bytes(sample)
		if err != nil {
			continue
		}
		if s := plausibility(text); s > bestScore {
			best, bestScore = c.name, s
		}
	}
	return best
}

// plausibility scores UTF-8 text decoded from a guessed encoding: higher
// is more likely the right guess. It only counts what a wrong guess among
// windows-1256, ISO-8859-6 and windows-1252 produces and real text does
// not:
//
//   - a byte the encoding leaves undefined (U+FFFD) or a C1 control: the
//     strongest sign, since ISO-8859-6 leaves most of 0xA0–0xFF unused
//     and windows-1256 puts common letters (ف ق ك غ) exactly there;
//   - a word mixing Arabic and Latin letters ("عltimas", "ùاجن"): Latin
//     text read as Arabic, or ISO-8859-6 read as windows-1256, whose
//     letters land on é è ç ê;
//   - an Arabic vowel mark with no letter before it, or tanween (ً ٌ ٍ,
//     only ever word-final) followed by a letter: windows-1256 read as
//     ISO-8859-6, where ي becomes ٍ;
//   - three or more accented Latin letters in a row ("ÚÇÌá"): Arabic read
//     as windows-1252; Latin languages put accents on single letters;
//
// and rewards the definite article ال at the start of a word (after at
// most one of the proclitics و ف ب ك ل), the commonest letter pair in
// Arabic, which the wrong Arabic encoding turns into other letters.
func plausibility(text []byte) int {
	const (
		other = iota
		arabic
		arabicMark
		latin
	)
	score := 0
	prev, prevRune := other, rune(0)
	wordArabic := 0      // Arabic letters so far in the current word
	accentedRun := 0     // consecutive non-ASCII Latin letters
	var wordStart []rune // the first Arabic letters of the word
	for _, r := range string(text) {
		class := other
		switch {
		case r < 0x80: // ASCII, most of any document: no table lookups
			if ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') {
				class = latin
			}
		case r == utf8.RuneError || (r >= 0x80 && r <= 0x9F):
			score -= 10
		case r >= 0x064B && r <= 0x065F, r == 0x0670:
			// Arabic vowel marks; Unicode puts most of them in the
			// Inherited script, not Arabic.
			class = arabicMark
		case unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r):
			class = arabic
		case unicode.Is(unicode.Latin, r) && unicode.IsLetter(r):
			class = latin
		}

		switch class {
		case arabic:
			if prev == latin {
				score -= 5
			}
			if prev == arabicMark && prevRune >= 'ً' && prevRune <= 'ٍ' && r != 'ا' && r != 'ى' {
				score -= 3
			}
			if wordArabic < 3 {
				wordStart = append(wordStart, r)
				if isArticle(wordStart) {
					score++
				}
			}
			wordArabic++
		case arabicMark:
			if prev != arabic && !(prev == arabicMark && prevRune == 'ّ') {
				score -= 5
			}
		case latin:
			if prev == arabic || prev == arabicMark {
				score -= 5
			}
			if r >= 0x80 {
				accentedRun++
				if accentedRun >= 3 {
					score -= 2
				}
			} else {
				accentedRun = 0
			}
		default:
			wordArabic, wordStart = 0, wordStart[:0]
		}
		if class != latin {
			accentedRun = 0
		}
		prev, prevRune = class, r
	}
	return score
}

// isArticle reports whether the letters that begin a word so far end in
// the definite article: "ال", or one proclitic and "ال" ("وال", "بال").
func isArticle(start []rune) bool {
	switch len(start) {
	case 2:
		return start[0] == 'ا' && start[1] == 'ل'
	case 3:
		return strings.ContainsRune("وفبكل", start[0]) && start[1] == 'ا' && start[2] == 'ل'
	}
	return false
}

// rewriteXMLDecl makes an XML declaration at the start of body (already
// UTF-8) say encoding="UTF-8". body is returned unchanged, not copied,
// when there is nothing to rewrite.
func rewriteXMLDecl(body []byte) []byte {
	m := xmlDecl.FindSubmatchIndex(body[:min(len(body), declLimit)])
	if m == nil {
		return body
	}
	start, end := m[2], m[3]
	if strings.EqualFold(string(body[start:end]), `"UTF-8"`) || strings.EqualFold(string(body[start:end]), `'UTF-8'`) {
		return body
	}
	out := make([]byte, 0, len(body)+8)
	out = append(out, body[:start]...)
	out = append(out, `"UTF-8"`...)
	out = append(out, body[end:]...)
	return out
}
