package tgtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// UTF16Len returns the length of s in UTF-16 code units, the unit of
// Telegram's limits and entity offsets. Invalid UTF-8 counts one unit a
// byte, as U+FFFD.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Width(r)
	}
	return n
}

// utf16Width is the number of UTF-16 code units r takes.
func utf16Width(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

func runeWidth(rune) int { return 1 }

// Cut returns s if it is at most limit UTF-16 code units long, or else a
// prefix of s followed by "…" that is at most limit units long. The cut
// falls after the last whole word that fits, unless that would drop more
// than half of the room; then it falls between two characters, but never
// inside a character built of several code points (a letter and its
// combining marks, an emoji with modifiers or joiners, a flag). Spaces
// and separators left before the ellipsis are trimmed. A limit of zero or
// less gives "".
func Cut(s string, limit int) string {
	return cut(s, limit, utf16Width)
}

// CutRunes is Cut with the limit in runes rather than UTF-16 code units,
// for bounds a reader sees, such as the length of a name.
func CutRunes(s string, limit int) string {
	return cut(s, limit, runeWidth)
}

// cut is Cut for any width of a rune.
func cut(s string, limit int, width func(rune) int) string {
	if limit <= 0 {
		return ""
	}
	total := 0
	for _, r := range s {
		total += width(r)
	}
	if total <= limit {
		return s
	}
	room := limit - 1 // for the ellipsis
	end, used := len(s), 0
	space, spaceUsed := -1, 0
	for i, r := range s {
		w := width(r)
		if used+w > room {
			end = i
			if r == ' ' {
				space, spaceUsed = i, used
			}
			break
		}
		if r == ' ' {
			space, spaceUsed = i, used
		}
		used += w
	}
	at := end
	if space > 0 && spaceUsed*2 >= room {
		at = space
	} else {
		at = clusterStart(s, at)
	}
	kept := strings.TrimRight(s[:at], " ,،;؛:-–—")
	return kept + "…"
}

// clusterStart moves i back to the start of the character (as a reader
// sees it) that s[i:] starts inside, so that a cut at i leaves no
// orphaned combining mark, joiner, modifier or half of a flag.
func clusterStart(s string, i int) int {
	for i > 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		prev, size := utf8.DecodeLastRuneInString(s[:i])
		if extends(r) || prev == '\u200D' {
			i -= size
			continue
		}
		if isRegional(r) && isRegional(prev) && regionalRunBefore(s, i)%2 == 1 {
			// Flags are pairs of regional indicators: cut between
			// pairs, counting from the start of the run.
			i -= size
		}
		return i
	}
	return i
}

// regionalRunBefore counts the regional indicators that end at s[i].
func regionalRunBefore(s string, i int) int {
	n := 0
	for i > 0 {
		p, sz := utf8.DecodeLastRuneInString(s[:i])
		if !isRegional(p) {
			break
		}
		n++
		i -= sz
	}
	return n
}

// extends reports runes that belong to the character before them:
// combining marks, joiners, variation selectors, emoji modifiers and tag
// characters.
func extends(r rune) bool {
	switch {
	case r == '\u200D', r == '\u200C':
		return true
	case r >= '\uFE00' && r <= '\uFE0F', r >= 0xE0100 && r <= 0xE01EF:
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF, r >= 0xE0020 && r <= 0xE007F:
		return true
	}
	return r >= 0x300 && unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc)
}

func isRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// TruncateRunes cuts s to at most n runes, ending with an ellipsis when
// cut. Unlike CutRunes it looks for no word boundary.
func TruncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return s[:i] + "…"
}

// SplitLines groups a header and lines into messages of at most limit
// UTF-16 code units each, counted on the HTML source (never shorter than
// the text it shows), joined by newlines: the header starts the first
// message, and a line is never split. A line longer than limit gets a
// message of its own. Nothing gives no message.
func SplitLines(header string, lines []string, limit int) []string {
	var msgs []string
	var chunk strings.Builder
	chunk.WriteString(header)
	units := UTF16Len(header)
	for _, l := range lines {
		n := UTF16Len(l) + 1
		if units+n > limit && chunk.Len() > 0 {
			msgs = append(msgs, chunk.String())
			chunk.Reset()
			units = 0
		}
		if chunk.Len() > 0 {
			chunk.WriteByte('\n')
		}
		chunk.WriteString(l)
		units += n
	}
	if chunk.Len() > 0 {
		msgs = append(msgs, chunk.String())
	}
	return msgs
}
