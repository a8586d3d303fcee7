package delivery

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aajil/aajil/telegram/tgtext"
)

// Limits of a rendered alert. Telegram refuses a message whose text, once
// its HTML is parsed, is longer than tgtext.MaxMessageLength UTF-16 code
// units. The headline is the only part cut to fit: every other part is bounded
// here so that it always leaves the headline most of the room.
const (
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
	// MaxLength is the most UTF-16 code units of the text Telegram
	// shows: tgtext.MaxCaptionLength for a photo's caption. Zero (or
	// more than tgtext.MaxMessageLength) is tgtext.MaxMessageLength.
	MaxLength int
}

// minTitleRoom is the room a headline keeps in a short message (a
// caption) before the lines under it give way: the "also reported by"
// names first (counted as "+N" instead), then the rule.
const minTitleRoom = 200

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

// The wording of an alert, as messages of alertLabels.
const (
	labelBreaking     tgtext.MsgID = "breaking"
	labelNews         tgtext.MsgID = "news"
	labelReadMore     tgtext.MsgID = "read_more"
	labelRule         tgtext.MsgID = "rule"
	labelAlsoReported tgtext.MsgID = "also_reported"
	labelListSep      tgtext.MsgID = "list_sep"
	// labelMonth + "1" … "12" name the months; labelZone + a zone's city
	// label translates it, where the language has a translation.
	labelMonth = "month_"
	labelZone  = "zone:"
)

// alertLabels holds the fixed wording of an alert in Arabic and English
// (the default). Arabic is right to left: every inserted value is put in
// a bidi isolate, rather than only the values holding right-to-left
// letters, the same rule as the bot's replies follow.
var alertLabels = tgtext.NewCatalog(tgtext.LangEN, map[tgtext.Lang]map[tgtext.MsgID]string{
	tgtext.LangEN: {
		labelBreaking:     "BREAKING",
		labelNews:         "News",
		labelReadMore:     "Read more",
		labelRule:         "Rule: ",
		labelAlsoReported: "Also reported by: ",
		labelListSep:      ", ",
		"month_1":         "Jan", "month_2": "Feb", "month_3": "Mar", "month_4": "Apr",
		"month_5": "May", "month_6": "Jun", "month_7": "Jul", "month_8": "Aug",
		"month_9": "Sep", "month_10": "Oct", "month_11": "Nov", "month_12": "Dec",
	},
	// Month names as the Levantine and Gulf press write them (SANA, Al
	// Jazeera), with Western digits around them as those outlets use.
	tgtext.LangAR: {
		labelBreaking:     "عاجل",
		labelNews:         "خبر",
		labelReadMore:     "اقرأ الخبر",
		labelRule:         "القاعدة: ",
		labelAlsoReported: "أوردته أيضاً: ",
		labelListSep:      "، ",
		"month_1":         "يناير", "month_2": "فبراير", "month_3": "مارس", "month_4": "أبريل",
		"month_5": "مايو", "month_6": "يونيو", "month_7": "يوليو", "month_8": "أغسطس",
		"month_9": "سبتمبر", "month_10": "أكتوبر", "month_11": "نوفمبر", "month_12": "ديسمبر",
		"zone:Damascus":   "دمشق",
		"zone:Beirut":     "بيروت",
		"zone:Amman":      "عمّان",
		"zone:Baghdad":    "بغداد",
		"zone:Riyadh":     "الرياض",
		"zone:Cairo":      "القاهرة",
		"zone:Dubai":      "دبي",
		"zone:Qatar":      "الدوحة",
		"zone:Doha":       "الدوحة",
		"zone:Kuwait":     "الكويت",
		"zone:Jerusalem":  "القدس",
		"zone:Gaza":       "غزة",
		"zone:Hebron":     "الخليل",
		"zone:Istanbul":   "إسطنبول",
		"zone:Tunis":      "تونس",
		"zone:Algiers":    "الجزائر",
		"zone:Casablanca": "الدار البيضاء",
		"zone:Tripoli":    "طرابلس",
		"zone:Khartoum":   "الخرطوم",
		"zone:Aden":       "عدن",
		"zone:Muscat":     "مسقط",
		"zone:Bahrain":    "المنامة",
		"zone:London":     "لندن",
		"zone:Paris":      "باريس",
		"zone:Berlin":     "برلين",
	},
}, tgtext.RightToLeft(tgtext.LangAR))

// renderLabels is the wording of an alert in one language.
type renderLabels struct{ lang tgtext.Lang }

// label returns the fixed text id.
func (l renderLabels) label(id tgtext.MsgID) string { return alertLabels.T(l.lang, id) }

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
// The text Telegram shows (see tgtext.TextLength) is at most
// opts.MaxLength (tgtext.MaxMessageLength by default) UTF-16 code units:
// a longer headline is cut, at a word boundary where one is near, and
// ends with "…". Where that would leave the headline less than
// minTitleRoom (a caption of 1,024 units under a long rule and ten
// source names), the names give way to a count, then the rule goes; the
// banner, the link and the time always stay.
func RenderAlert(m AlertMessage, opts RenderOptions) string {
	l := renderLabels{tgtext.LangEN}
	if base, _, _ := strings.Cut(strings.ReplaceAll(m.Lang, "_", "-"), "-"); strings.EqualFold(base, "ar") {
		l = renderLabels{tgtext.LangAR}
	}

	limit := opts.MaxLength
	if limit <= 0 || limit > tgtext.MaxMessageLength {
		limit = tgtext.MaxMessageLength
	}
	title := tgtext.CleanLine(m.Title)
	want := min(tgtext.UTF16Len(title), minTitleRoom)
	rule := tgtext.CutRunes(tgtext.CleanLine(m.Rule), MaxRenderedRuleRunes)
	names := MaxAlsoReportedBy
	for {
		out, banner := l.renderFrame(m, opts, rule, names)
		// "\n\n<b>" + title + "</b>" adds two newlines to the text.
		room := limit - tgtext.TextLength(out) - 2
		if room < want && (names > 0 || rule != "") {
			if names > 0 && len(m.AlsoReportedBy) > 0 {
				names--
			} else {
				names, rule = 0, ""
			}
			continue
		}
		if title == "" {
			return out
		}
		return out[:banner] + "\n\n<b>" + tgtext.Escape(tgtext.Cut(title, room)) + "</b>" + out[banner:]
	}
}

// renderFrame renders everything of an alert but its headline: the
// banner, then the lines after the headline, with the rule given and at
// most names of the later sources. banner is where the headline goes.
func (l renderLabels) renderFrame(m AlertMessage, opts RenderOptions, rule string, names int) (out string, banner int) {
	var b strings.Builder
	b.Grow(512 + len(m.Link))

	// Banner.
	source := tgtext.CutRunes(tgtext.CleanLine(m.SourceName), MaxSourceNameRunes)
	switch {
	case m.Urgent:
		b.WriteString("🔴 <b>")
		b.WriteString(l.label(labelBreaking))
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
		b.WriteString(l.label(labelNews))
		b.WriteString("</b>")
	}
	banner = b.Len()

	// The lines after the headline, written first so that the headline
	// can have whatever room they leave.
	if link := renderLink(m.Link); link != "" {
		b.WriteString("\n🔗 <a href=\"")
		b.WriteString(tgtext.Escape(link))
		b.WriteString("\">")
		b.WriteString(l.label(labelReadMore))
		b.WriteString("</a>")
	}
	if !m.Published.IsZero() {
		b.WriteString("\n🕒 ")
		l.writeTime(&b, m.Published, opts.Location)
	}
	if rule != "" {
		b.WriteString("\n🔎 ")
		b.WriteString(l.label(labelRule))
		b.WriteString(l.value(rule))
	}
	l.writeAlsoReported(&b, m.AlsoReportedBy, names)
	return b.String(), banner
}

// value escapes s, already cleaned, and isolates it where l says.
func (l renderLabels) value(s string) string {
	s = tgtext.Escape(s)
	if alertLabels.RightToLeft(l.lang) || tgtext.HasRTL(s) {
		return tgtext.Isolate(s)
	}
	return s
}

// writeTime writes t in loc (nil: DefaultZone) as "14:05 · 28 Nov 2026
// (Damascus)".
func (l renderLabels) writeTime(b *strings.Builder, t time.Time, loc *time.Location) {
	if loc == nil {
		loc = defaultLocation()
	}
	t = t.In(loc)
	clock := t.Format("15:04")
	if alertLabels.RightToLeft(l.lang) {
		clock = tgtext.Isolate(clock)
	}
	b.WriteString(clock)
	b.WriteString(" · ")
	b.WriteString(strconv.Itoa(t.Day()))
	b.WriteByte(' ')
	b.WriteString(l.label(labelMonth + tgtext.MsgID(strconv.Itoa(int(t.Month())))))
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(t.Year()))
	b.WriteString(" (")
	zone := zoneLabel(t, loc)
	if tr, ok := alertLabels.Lookup(l.lang, labelZone+tgtext.MsgID(zone)); ok {
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
	return tgtext.CutRunes(tgtext.CleanLine(name), MaxSourceNameRunes)
}

// writeAlsoReported writes the "also reported by" line, if there are
// names to list: at most max of them (at most MaxAlsoReportedBy), the
// others counted as "+N".
func (l renderLabels) writeAlsoReported(b *strings.Builder, names []string, max int) {
	max = min(max, MaxAlsoReportedBy)
	total := 0
	for _, name := range names {
		if tgtext.CleanLine(name) != "" {
			total++
		}
	}
	if total == 0 {
		return
	}
	b.WriteString("\n➕ ")
	b.WriteString(l.label(labelAlsoReported))
	n := 0
	for _, name := range names {
		name = tgtext.CutRunes(tgtext.CleanLine(name), MaxSourceNameRunes)
		if name == "" {
			continue
		}
		if n == max {
			break
		}
		if n > 0 {
			b.WriteString(l.label(labelListSep))
		}
		b.WriteString(l.value(name))
		n++
	}
	if total > n {
		if n > 0 {
			b.WriteString(l.label(labelListSep))
		}
		b.WriteString(l.value("+" + strconv.Itoa(total-n)))
	}
}

// renderLink returns link in a form safe to put in an href, or "" when
// it is not an absolute http or https URL with a host (javascript:,
// data:, relative and empty links) or too long to show.
func renderLink(link string) string { return tgtext.SafeLink(link, MaxLinkLength) }
