package feeds

import (
	"html"
	"strings"
	"unicode/utf8"

	"github.com/aajil/aajil/internal/textclean"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// CleanText turns a fragment of feed or page text into a single line fit
// for display:
//
//   - markup is removed with an HTML tokenizer (not a regular expression),
//     so "Profits < forecast" and "AT&T" survive; the contents of script,
//     style, noscript and template elements are dropped, and block-level
//     tags (p, br, li, div, …) separate words;
//   - character references are unescaped; when the result still holds a
//     reference (a double-escaped "&amp;#039;" in a CDATA section), it is
//     unescaped once more;
//   - zero-width characters (U+200B–U+200D, U+2060, U+FEFF, U+00AD) and
//     bidirectional controls (U+200E, U+200F, U+061C, U+202A–U+202E,
//     U+2066–U+2069) and other control characters are removed;
//   - every run of white space (including NBSP, CR, LF and tabs) becomes a
//     single space, and the result is trimmed.
//
// Invalid UTF-8 becomes U+FFFD. Existing U+FFFD characters are kept: they
// mark text the publisher already mangled, and removing them would glue
// the remaining letters of a word into a different word.
//
// Text without '<' or '&' takes a fast path that only filters characters.
func CleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if !strings.ContainsAny(s, "<&") {
		return collapse(s)
	}
	if strings.IndexByte(s, '<') >= 0 {
		s = stripTags(s)
	}
	s = html.UnescapeString(s)
	if hasCharRef(s) {
		// Double-escaped text: the publisher escaped an already escaped
		// string (Al Jazeera English's "&#039;" inside CDATA).
		s = html.UnescapeString(s)
	}
	return collapse(s)
}

// cleanMarkup is CleanText for fields that may carry escaped markup, such as
// the Guardian's descriptions ("&lt;p&gt;…"): when one round of cleaning
// reveals tags, they are stripped too.
func cleanMarkup(s string) string {
	out := CleanText(s)
	if looksLikeMarkup(out) {
		out = CleanText(out)
	}
	return out
}

// looksLikeMarkup reports whether s contains something shaped like a tag:
// '<' followed by a letter, '/' or '!'. "Profits < forecast" does not.
func looksLikeMarkup(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0 && i+1 < len(s); {
		c := s[i+1]
		if c == '/' || c == '!' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') {
			return true
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// stripTags returns the text of an HTML fragment with its character
// references left as written (they are unescaped by the caller, once, so
// that a double-escaped reference can be detected).
func stripTags(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	z := xhtml.NewTokenizerFragment(strings.NewReader(s), "div")
	skip := 0 // depth inside elements whose text is never shown
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			// io.EOF, or a tokenizer error on broken markup; either way
			// what was read so far is all the text there is.
			return b.String()
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Raw())
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken, xhtml.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if hiddenElement(a) && tt != xhtml.SelfClosingTagToken {
				if tt == xhtml.StartTagToken {
					skip++
				} else if skip > 0 {
					skip--
				}
				continue
			}
			if skip == 0 && blockElement(a) {
				b.WriteByte(' ')
			}
		}
	}
}

// hiddenElement reports elements whose text content is never displayed.
func hiddenElement(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Head, atom.Title:
		return true
	}
	return false
}

// blockElement reports elements that separate words when rendered, so that
// "<p>one</p><p>two</p>" reads "one two" and not "onetwo".
func blockElement(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Br,
		atom.Dd, atom.Div, atom.Dl, atom.Dt, atom.Figcaption, atom.Figure,
		atom.Footer, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Header, atom.Hr, atom.Li, atom.Main, atom.Nav, atom.Ol, atom.P,
		atom.Pre, atom.Section, atom.Table, atom.Td, atom.Th, atom.Tr, atom.Ul,
		atom.Img, atom.Time, atom.Small:
		return true
	}
	return false
}

// hasCharRef reports whether s still contains something shaped like a
// character reference: "&name;", "&#123;" or "&#x1F;".
func hasCharRef(s string) bool {
	for i := strings.IndexByte(s, '&'); i >= 0; {
		rest := s[i+1:]
		n := 0
		if strings.HasPrefix(rest, "#x") || strings.HasPrefix(rest, "#X") {
			n = 2 + countWhile(rest[2:], isHex)
			if n == 2 {
				n = 0
			}
		} else if strings.HasPrefix(rest, "#") {
			n = 1 + countWhile(rest[1:], isDigit)
			if n == 1 {
				n = 0
			}
		} else {
			n = countWhile(rest, isAlnum)
		}
		if n > 0 && n < len(rest) && rest[n] == ';' {
			return true
		}
		j := strings.IndexByte(rest, '&')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

func countWhile(s string, ok func(byte) bool) int {
	n := 0
	for n < len(s) && ok(s[n]) {
		n++
	}
	return n
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F') }
func isAlnum(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// invisible reports the zero-width and bidirectional control characters
// that carry no visible text. Publishers (and copy-paste from word
// processors) sprinkle them through Arabic headlines.
func invisible(r rune) bool {
	switch {
	case r >= 0x200B && r <= 0x200F: // ZWSP, ZWNJ, ZWJ, LRM, RLM
		return true
	case r >= 0x202A && r <= 0x202E: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	case r == 0x2060, r == 0xFEFF, r == 0x00AD, r == 0x061C:
		return true
	}
	return false
}

// collapse removes invisible and control characters, turns every run of
// white space into one space and trims the ends. It returns s itself when
// there is nothing to change, which is the common case for feed titles.
func collapse(s string) string {
	return textclean.Line(s, invisible)
}

// truncateWords shortens s to at most max runes, cutting at a word boundary
// when there is one in the last fifth, and marks the cut with "…".
func truncateWords(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	cut, n := len(s), 0
	for i := range s {
		if n == max-1 {
			cut = i
			break
		}
		n++
	}
	head := s[:cut]
	if sp := strings.LastIndexByte(head, ' '); sp > len(head)*4/5 {
		head = head[:sp]
	}
	return strings.TrimRight(head, " ,;:.-–—") + "…"
}
