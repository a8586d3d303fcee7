package tgtext

import (
	"strings"
	"unicode/utf8"
)

// Telegram's limits on the text of a message, in UTF-16 code units of the
// text shown, once the HTML is parsed (see TextLength).
const (
	// MaxMessageLength is the longest text of a message.
	MaxMessageLength = 4096
	// MaxCaptionLength is the longest caption of a document or photo.
	MaxCaptionLength = 1024
)

// escaper escapes text and attribute values for Telegram's HTML.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// Escape escapes s for Telegram's HTML, as text or as a double-quoted
// attribute value. Telegram knows only the named entities &lt; &gt; &amp;
// and &quot; (and numeric ones), so the apostrophe, which
// html.EscapeString writes as &#39;, is left as it is: it needs no
// escaping inside double quotes.
func Escape(s string) string {
	if !strings.ContainsAny(s, `&<>"`) {
		return s
	}
	return escaper.Replace(s)
}

// TextLength returns the length, in UTF-16 code units, of the text
// Telegram shows for a message in its HTML: tags are removed and each
// entity counts as the one character it stands for. It follows Telegram's
// parser: the named entities are &lt; &gt; &amp; and &quot; only, numeric
// ones (&#1234; &#x4D2;) stand for any character, the closing semicolon
// is optional, and an ampersand that starts none of these is text.
// Telegram's 4,096-character limit (MaxMessageLength) is on this length.
func TextLength(html string) int {
	n := 0
	for i := 0; i < len(html); {
		switch c := html[i]; {
		case c == '<':
			i = skipTag(html, i)
		case c == '&':
			if r, size := decodeEntity(html[i:]); size > 0 {
				n += utf16Width(r)
				i += size
			} else {
				n++
				i++
			}
		case c < utf8.RuneSelf:
			n++
			i++
		default:
			r, size := utf8.DecodeRuneInString(html[i:])
			n += utf16Width(r)
			i += size
		}
	}
	return n
}

// skipTag returns the index just after the tag that starts at s[i]
// ('<'), whose quoted attribute values may hold '>'.
func skipTag(s string, i int) int {
	var quote byte
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j + 1
		}
	}
	return len(s)
}

// decodeEntity decodes the entity at the start of s ('&') the way
// Telegram does, returning the character and the entity's length in
// bytes, or size 0 when s does not start with one.
func decodeEntity(s string) (r rune, size int) {
	end := 1
	if end < len(s) && s[end] == '#' {
		v, e := numericEntity(s)
		// Telegram takes at most nine characters after '&' and only
		// code points from 1 to U+10FFFE.
		if v == 0 || v >= 0x10FFFF || e >= 10 {
			return 0, 0
		}
		r, end = rune(v), e
	} else {
		for end < len(s) && (s[end]|0x20) >= 'a' && (s[end]|0x20) <= 'z' {
			end++
		}
		switch s[1:end] {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "quot":
			r = '"'
		default:
			return 0, 0
		}
	}
	if end < len(s) && s[end] == ';' {
		end++
	}
	return r, end
}

// numericEntity reads the digits of the numeric entity at the start of s
// ("&#1234" or "&#x4D2"), up to the tenth byte, and returns its value and
// where its digits end.
func numericEntity(s string) (v int64, end int) {
	end = 2
	if end < len(s) && s[end] == 'x' {
		end++
		for end < len(s) && end < 10 {
			d, ok := hexDigit(s[end])
			if !ok {
				break
			}
			v = v*16 + int64(d)
			end++
		}
		return v, end
	}
	for end < len(s) && end < 10 && s[end] >= '0' && s[end] <= '9' {
		v = v*10 + int64(s[end]-'0')
		end++
	}
	return v, end
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
