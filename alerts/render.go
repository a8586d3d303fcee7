package alerts

import (
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/bidi"
)

// Limits of a rendered alert. Telegram refuses a message whose text, once
// its HTML is parsed, is longer than MaxMessageLength UTF-16 code units.
// The headline is the only part cut to fit: every other part is bounded
// here so that it always leaves the headline most of the room.
const (
	// MaxMessageLength is Telegram's limit on a message's text, in UTF-16
	// code units after entity parsing.
	MaxMessageLength = 4096
	// MaxSourceNameRunes bounds a source name (the banner's and each of
	// AlsoReportedBy's); longer names are cut with an ellipsis.
	MaxSourceNameRunes = 64
	// MaxRenderedRuleRunes bounds the rule shown under an alert.
	MaxRenderedRuleRunes = 200
	// MaxLinkLength is the longest link (in bytes, once re-encoded) that
	// is shown; a longer one is left out rather than cut, since a cut link
	// leads nowhere.
	MaxLinkLength = 2000
	// MaxAlsoReportedBy is the most source names listed under "also
	// reported by"; the rest are counted as "+N".
	MaxAlsoReportedBy = 10
)

// AlertMessage is what an alert says, before rendering.
type AlertMessage struct {
	// Lang is the subscriber's language: "ar" (or an Arabic tag such as
	// "ar-SY" or "ar_SY") for Arabic, anything else for English.
	Lang   string
	Urgent bool
	// SourceName is the display name of the source that carried the item.
	SourceName string
	// Title is the headline as the source wrote it, banner already
	// removed.
	Title string
	// Link is the item's URL; only http and https links are shown.
	Link string
	// Published is when the source published the item; zero when unknown,
	// and the time line is then left out.
	Published time.Time
	// Rule is the subscriber's rule that matched; empty for subscribers
	// without rules.
	Rule string
	// AlsoReportedBy names the sources that carried the same story later,
	// in order.
	AlsoReportedBy []string
}

// RenderOptions tunes RenderAlert.
type RenderOptions struct {
	// Location is the time zone times are shown in; nil means
	// Asia/Damascus.
	Location *time.Location
}

// DefaultZone is the time zone alerts are shown in when RenderOptions has
// none.
const DefaultZone = "Asia/Damascus"

// defaultLocation loads DefaultZone once: time.LoadLocation reads the
// zone database from disk on every call, which a renderer that runs for
// every delivery should not do. Without a zone database (a scratch image
// built without time/tzdata) it falls back to Damascus's fixed offset,
// UTC+3 all year since 2022.
var defaultLocation = sync.OnceValue(func() *time.Location {
	return loadLocationOr(DefaultZone, time.FixedZone("Damascus", 3*60*60))
})

// loadLocationOr loads the named zone, or returns fallback when the zone
// database lacks it.
func loadLocationOr(name string, fallback *time.Location) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return fallback
	}
	return loc
}

// renderLabels holds the fixed wording of an alert in one language.
type renderLabels struct {
	breaking, news, readMore, rule, alsoReported, listSep string
	months                                                [12]string
	// zones translates a zone's city label; labels not in it are shown
	// as they are.
	zones map[string]string
	// isolateAll puts every inserted value in a bidi isolate (Arabic),
	// rather than only the values holding right-to-left letters
	// (English): the same rule as the bot's replies follow.
	isolateAll bool
}

var (
	renderEN = renderLabels{
		breaking:     "BREAKING",
		news:         "News",
		readMore:     "Read more",
		rule:         "Rule: ",
		alsoReported: "Also reported by: ",
		listSep:      ", ",
		months: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
			"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	}
	// Month names as the Levantine and Gulf press write them (SANA, Al
	// Jazeera), with Western digits around them as those outlets use.
	renderAR = renderLabels{
		breaking:     "عاجل",
		news:         "خبر",
		readMore:     "اقرأ الخبر",
		rule:         "القاعدة: ",
		alsoReported: "أوردته أيضاً: ",
		listSep:      "، ",
		months: [12]string{"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
			"يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"},
		zones: map[string]string{
			"Damascus": "دمشق", "Beirut": "بيروت", "Amman": "عمّان",
			"Baghdad": "بغداد", "Riyadh": "الرياض", "Cairo": "القاهرة",
			"Dubai": "دبي", "Qatar": "الدوحة", "Doha": "الدوحة",
			"Kuwait": "الكويت", "Jerusalem": "القدس", "Gaza": "غزة",
			"Hebron": "الخليل", "Istanbul": "إسطنبول", "Tunis": "تونس",
			"Algiers": "الجزائر", "Casablanca": "الدار البيضاء",
			"Tripoli": "طرابلس", "Khartoum": "الخرطوم", "Aden": "عدن",
			"Muscat": "مسقط", "Bahrain": "المنامة", "London": "لندن",
			"Paris": "باريس", "Berlin": "برلين",
		},
		isolateAll: true,
	}
)

// RenderAlert renders m as a Telegram message in HTML (parse_mode HTML):
//
//	🔴 <b>BREAKING</b> · SOURCE        (📰 SOURCE when not urgent)
//
//	<b>HEADLINE</b>
//	🔗 <a href="LINK">Read more</a>
//	🕒 14:05 · 28 Nov 2026 (Damascus)
//	🔎 Rule: RULE
//	➕ Also reported by: A, B
//
// in Arabic or English after m.Lang; lines without a value are left out.
// Everything taken from m is cleaned (control characters removed,
// whitespace collapsed, explicit bidi controls removed) and escaped, and
// only the tags <b> and <a href> are emitted. In Arabic every inserted
// value (source names, the rule, the time) is put in a bidi isolate so
// that Latin words and numbers keep their place; in English only values
// holding right-to-left letters are. The headline is left as the source
// wrote it, on a line of its own, so that it takes its own direction.
//
// The text Telegram shows (see TextLength) is at most MaxMessageLength
// UTF-16 code units: a longer headline is cut, at a word boundary where
// one is near, and ends with "…".
func RenderAlert(m AlertMessage, opts RenderOptions) string {
	l := &renderEN
	if base, _, _ := strings.Cut(strings.ReplaceAll(m.Lang, "_", "-"), "-"); strings.EqualFold(base, "ar") {
		l = &renderAR
	}

	var b strings.Builder
	b.Grow(512 + len(m.Title) + len(m.Link))

	// Banner.
	source := renderCut(renderClean(m.SourceName), MaxSourceNameRunes, renderRuneWidth)
	switch {
	case m.Urgent:
		b.WriteString("🔴 <b>")
		b.WriteString(l.breaking)
		b.WriteString("</b>")
		if source != "" {
			b.WriteString(" · ")
			b.WriteString(l.value(source))
		}
	case source != "":
		b.WriteString("📰 ")
		b.WriteString(l.value(source))
	default:
		b.WriteString("📰 <b>")
		b.WriteString(l.news)
		b.WriteString("</b>")
	}
	banner := b.Len()

	// The lines after the headline, written first so that the headline
	// can have whatever room they leave.
	if link := renderLink(m.Link); link != "" {
		b.WriteString("\n🔗 <a href=\"")
		b.WriteString(renderEscape(link))
		b.WriteString("\">")
		b.WriteString(l.readMore)
		b.WriteString("</a>")
	}
	if !m.Published.IsZero() {
		b.WriteString("\n🕒 ")
		l.writeTime(&b, m.Published, opts.Location)
	}
	if rule := renderCut(renderClean(m.Rule), MaxRenderedRuleRunes, renderRuneWidth); rule != "" {
		b.WriteString("\n🔎 ")
		b.WriteString(l.rule)
		b.WriteString(l.value(rule))
	}
	l.writeAlsoReported(&b, m.AlsoReportedBy)

	out := b.String()
	title := renderClean(m.Title)
	if title == "" {
		return out
	}
	// "\n\n<b>" + title + "</b>" adds two newlines to the text.
	room := MaxMessageLength - TextLength(out) - 2
	title = renderEscape(renderCut(title, room, renderUTF16Width))
	return out[:banner] + "\n\n<b>" + title + "</b>" + out[banner:]
}

// value escapes s, already cleaned, and isolates it where l says.
func (l *renderLabels) value(s string) string {
	s = renderEscape(s)
	if l.isolateAll || renderHasRTL(s) {
		return renderIsolate(s)
	}
	return s
}

// writeTime writes t in loc (nil: DefaultZone) as "14:05 · 28 Nov 2026
// (Damascus)".
func (l *renderLabels) writeTime(b *strings.Builder, t time.Time, loc *time.Location) {
	if loc == nil {
		loc = defaultLocation()
	}
	t = t.In(loc)
	clock := t.Format("15:04")
	if l.isolateAll {
		clock = renderIsolate(clock)
	}
	b.WriteString(clock)
	b.WriteString(" · ")
	b.WriteString(strconv.Itoa(t.Day()))
	b.WriteByte(' ')
	b.WriteString(l.months[t.Month()-1])
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(t.Year()))
	b.WriteString(" (")
	zone := zoneLabel(t, loc)
	if tr, ok := l.zones[zone]; ok {
		b.WriteString(tr)
	} else {
		b.WriteString(l.value(zone))
	}
	b.WriteByte(')')
}

// zoneLabel names the zone of t for readers: the city of an IANA name
// ("Asia/Damascus" → "Damascus"), a fixed zone's own name, or failing
// those the UTC offset.
func zoneLabel(t time.Time, loc *time.Location) string {
	name := loc.String()
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ReplaceAll(name, "_", " ")
	if name == "" || name == "Local" {
		return "UTC" + t.Format("-07:00")
	}
	return renderCut(renderClean(name), MaxSourceNameRunes, renderRuneWidth)
}

// writeAlsoReported writes the "also reported by" line, if there are
// names to list.
func (l *renderLabels) writeAlsoReported(b *strings.Builder, names []string) {
	n := 0
	for _, name := range names {
		name = renderCut(renderClean(name), MaxSourceNameRunes, renderRuneWidth)
		if name == "" {
			continue
		}
		if n == MaxAlsoReportedBy {
			more := 0
			for _, rest := range names {
				if renderClean(rest) != "" {
					more++
				}
			}
			b.WriteString(l.listSep)
			b.WriteString(l.value("+" + strconv.Itoa(more-MaxAlsoReportedBy)))
			return
		}
		if n == 0 {
			b.WriteString("\n➕ ")
			b.WriteString(l.alsoReported)
		} else {
			b.WriteString(l.listSep)
		}
		b.WriteString(l.value(name))
		n++
	}
}

// renderLink returns link in a form safe to put in an href, or "" when
// it is not an absolute http or https URL with a host (javascript:,
// data:, relative and empty links) or too long to show.
func renderLink(link string) string {
	link = strings.TrimSpace(link)
	if link == "" || len(link) > MaxLinkLength {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return ""
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return ""
	}
	// String re-encodes what the source left raw in the path (spaces,
	// quotes) but keeps the query as written; a space there would end the
	// URL for a client that finds links in text.
	s := strings.ReplaceAll(u.String(), " ", "%20")
	if len(s) > MaxLinkLength || !utf8.ValidString(s) {
		return ""
	}
	return s
}

// renderEscaper escapes text and attribute values for Telegram's HTML.
// Telegram knows only the named entities &lt; &gt; &amp; and &quot; (and
// numeric ones), so the apostrophe, which html.EscapeString writes as
// &#39;, is left as it is: it needs no escaping inside double quotes.
var renderEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func renderEscape(s string) string {
	if !strings.ContainsAny(s, `&<>"`) {
		return s
	}
	return renderEscaper.Replace(s)
}

// Bidi isolates: FSI takes the direction of its first strong letter, and
// PDI closes it.
const (
	renderFSI = "\u2068"
	renderPDI = "\u2069"
)

// renderIsolate wraps s, already free of bidi controls, in FSI … PDI.
func renderIsolate(s string) string {
	if s == "" {
		return ""
	}
	return renderFSI + s + renderPDI
}

// renderHasRTL reports whether s holds a right-to-left letter.
func renderHasRTL(s string) bool {
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

// renderClean makes feed or user text fit for one line of a message:
// invalid UTF-8 becomes U+FFFD; every run of whitespace (newlines, tabs,
// NBSP, U+2028 …) becomes one space, and the ends are trimmed; control
// characters (NUL included), the BOM and explicit bidi embeddings,
// overrides and isolates are removed, since a stray RLO or PDI would
// reorder the text around it. Bidi marks (LRM, RLM, ALM), joiners and
// emoji are kept.
func renderClean(s string) string {
	if renderIsClean(s) {
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
		case unicode.IsControl(r) || renderIsDropped(r):
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

// renderIsClean reports whether renderClean would return s unchanged.
func renderIsClean(s string) bool {
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
		case r == utf8.RuneError, unicode.IsSpace(r), unicode.IsControl(r), renderIsDropped(r):
			// U+FFFD may stand for invalid UTF-8: let the slow path decide.
			return false
		}
		prevSpace = false
	}
	return !prevSpace || s == ""
}

// renderIsDropped reports the format characters renderClean removes:
// explicit bidi embeddings, overrides and isolates, and the BOM.
func renderIsDropped(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069' || r == '\uFEFF'
}

func renderRuneWidth(rune) int { return 1 }

func renderUTF16Width(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// renderCut returns s if its width (the sum of width over its runes) is
// at most limit, or else a prefix of s followed by "…" whose width is at
// most limit. The cut falls after the last whole word that fits, unless
// that would drop more than half of the room; then it falls between two
// characters, but never inside a character built of several code points
// (a letter and its combining marks, an emoji with modifiers or joiners,
// a flag). Spaces and separators left before the ellipsis are trimmed.
func renderCut(s string, limit int, width func(rune) int) string {
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
	cut := end
	if space > 0 && spaceUsed*2 >= room {
		cut = space
	} else {
		cut = renderClusterStart(s, cut)
	}
	kept := strings.TrimRight(s[:cut], " ,،;؛:-–—")
	return kept + "…"
}

// renderClusterStart moves i back to the start of the character (as a
// reader sees it) that s[i:] starts inside, so that a cut at i leaves no
// orphaned combining mark, joiner, modifier or half of a flag.
func renderClusterStart(s string, i int) int {
	for i > 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		prev, size := utf8.DecodeLastRuneInString(s[:i])
		if renderExtends(r) || prev == '\u200D' {
			i -= size
			continue
		}
		if renderIsRegional(r) && renderIsRegional(prev) {
			// Flags are pairs of regional indicators: cut between
			// pairs, counting from the start of the run.
			n, j := 0, i
			for j > 0 {
				p, sz := utf8.DecodeLastRuneInString(s[:j])
				if !renderIsRegional(p) {
					break
				}
				n++
				j -= sz
			}
			if n%2 == 1 {
				i -= size
			}
		}
		return i
	}
	return i
}

// renderExtends reports runes that belong to the character before them:
// combining marks, joiners, variation selectors, emoji modifiers and tag
// characters.
func renderExtends(r rune) bool {
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

func renderIsRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// TextLength returns the length, in UTF-16 code units, of the text
// Telegram shows for a message in its HTML: tags are removed and each
// entity counts as the one character it stands for. It follows Telegram's
// parser: the named entities are &lt; &gt; &amp; and &quot; only, numeric
// ones (&#1234; &#x4D2;) stand for any character, the closing semicolon
// is optional, and an ampersand that starts none of these is text.
// Telegram's 4,096-character limit is on this length.
func TextLength(html string) int {
	n := 0
	for i := 0; i < len(html); {
		switch c := html[i]; {
		case c == '<':
			i = skipTag(html, i)
		case c == '&':
			if r, size := decodeEntity(html[i:]); size > 0 {
				n += renderUTF16Width(r)
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
			if utf16.RuneLen(r) == 2 {
				n += 2
			} else {
				n++
			}
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
		end++
		var v int64
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
		} else {
			for end < len(s) && end < 10 && s[end] >= '0' && s[end] <= '9' {
				v = v*10 + int64(s[end]-'0')
				end++
			}
		}
		// Telegram takes at most nine characters after '&' and only
		// code points from 1 to U+10FFFE.
		if v == 0 || v >= 0x10FFFF || end >= 10 {
			return 0, 0
		}
		r = rune(v)
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
