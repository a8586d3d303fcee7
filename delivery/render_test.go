package delivery

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // custom zones below must load on machines without a zone database
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/internal/corpus"
	"github.com/aajil/aajil/telegram/tgtext"
)

const (
	isoFSI = "\u2068"
	isoPDI = "\u2069"
)

// renderPublished is 14:05 in Damascus (UTC+3).
var renderPublished = time.Date(2026, time.November, 28, 11, 5, 0, 0, time.UTC)

func TestRenderAlert(t *testing.T) {
	tests := map[string]struct {
		m    AlertMessage
		want string
	}{
		"en urgent with everything": {
			m: AlertMessage{
				Lang: "en", Urgent: true, SourceName: "Reuters",
				Title:          "Explosion heard in central Damascus",
				Link:           "https://www.reuters.com/world/middle-east/explosion-damascus-2026-11-28/",
				Published:      renderPublished,
				Rule:           "damascus explosion",
				AlsoReportedBy: []string{"SANA", "Al Jazeera"},
			},
			want: "🔴 <b>BREAKING</b> · Reuters\n\n" +
				"<b>Explosion heard in central Damascus</b>\n" +
				"🔗 <a href=\"https://www.reuters.com/world/middle-east/explosion-damascus-2026-11-28/\">Read more</a>\n" +
				"🕒 14:05 · 28 Nov 2026 (Damascus)\n" +
				"🔎 Rule: damascus explosion\n" +
				"➕ Also reported by: SANA, Al Jazeera",
		},
		"ar urgent with everything": {
			m: AlertMessage{
				Lang: "ar", Urgent: true, SourceName: "سانا",
				Title:          "انفجار يهز وسط دمشق",
				Link:           "https://sana.sy/?p=2002",
				Published:      renderPublished,
				Rule:           "دمشق انفجار",
				AlsoReportedBy: []string{"Reuters", "الجزيرة"},
			},
			want: "🔴 <b>عاجل</b> · " + isoFSI + "سانا" + isoPDI + "\n\n" +
				"<b>انفجار يهز وسط دمشق</b>\n" +
				"🔗 <a href=\"https://sana.sy/?p=2002\">اقرأ الخبر</a>\n" +
				"🕒 " + isoFSI + "14:05" + isoPDI + " · 28 نوفمبر 2026 (دمشق)\n" +
				"🔎 القاعدة: " + isoFSI + "دمشق انفجار" + isoPDI + "\n" +
				"➕ أوردته أيضاً: " + isoFSI + "Reuters" + isoPDI + "، " + isoFSI + "الجزيرة" + isoPDI,
		},
		"ar with latin source and rule": {
			m: AlertMessage{Lang: "ar", Urgent: true, SourceName: "Al Jazeera", Title: "غارات على جنوب لبنان", Rule: "UN Security Council"},
			want: "🔴 <b>عاجل</b> · " + isoFSI + "Al Jazeera" + isoPDI + "\n\n" +
				"<b>غارات على جنوب لبنان</b>\n" +
				"🔎 القاعدة: " + isoFSI + "UN Security Council" + isoPDI,
		},
		"ar region tag": {
			m:    AlertMessage{Lang: "ar_SY", Urgent: true, SourceName: "سانا", Title: "نص"},
			want: "🔴 <b>عاجل</b> · " + isoFSI + "سانا" + isoPDI + "\n\n<b>نص</b>",
		},
		"en not urgent": {
			m:    AlertMessage{Lang: "en", SourceName: "BBC News", Title: "Markets steady"},
			want: "📰 BBC News\n\n<b>Markets steady</b>",
		},
		"ar not urgent": {
			m:    AlertMessage{Lang: "ar", SourceName: "الشرق الأوسط", Title: "قمة في الرياض"},
			want: "📰 " + isoFSI + "الشرق الأوسط" + isoPDI + "\n\n<b>قمة في الرياض</b>",
		},
		"unknown language is english": {
			m:    AlertMessage{Lang: "fr", Urgent: true, SourceName: "AFP", Title: "Alerte"},
			want: "🔴 <b>BREAKING</b> · AFP\n\n<b>Alerte</b>",
		},
		"en with arabic source name isolated": {
			m:    AlertMessage{Lang: "en", Urgent: true, SourceName: "سانا", Title: "Explosion in Damascus"},
			want: "🔴 <b>BREAKING</b> · " + isoFSI + "سانا" + isoPDI + "\n\n<b>Explosion in Damascus</b>",
		},
		"en arabic rule isolated": {
			m:    AlertMessage{Lang: "en", SourceName: "SANA", Title: "t", Rule: "دمشق"},
			want: "📰 SANA\n\n<b>t</b>\n🔎 Rule: " + isoFSI + "دمشق" + isoPDI,
		},
		"no source name": {
			m:    AlertMessage{Lang: "en", Urgent: true, Title: "t"},
			want: "🔴 <b>BREAKING</b>\n\n<b>t</b>",
		},
		"no source name not urgent": {
			m:    AlertMessage{Lang: "ar", Title: "نص"},
			want: "📰 <b>خبر</b>\n\n<b>نص</b>",
		},
		"no title": {
			m:    AlertMessage{Lang: "en", Urgent: true, SourceName: "AP", Title: " \n\t"},
			want: "🔴 <b>BREAKING</b> · AP",
		},
		"zero time omitted": {
			m:    AlertMessage{Lang: "en", SourceName: "AP", Title: "t", Link: "http://apnews.com/x"},
			want: "📰 AP\n\n<b>t</b>\n🔗 <a href=\"http://apnews.com/x\">Read more</a>",
		},
		"script headline escaped": {
			m:    AlertMessage{Lang: "en", SourceName: "X", Title: `<script>alert("x")</script> & co`},
			want: "📰 X\n\n<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</b>",
		},
		"entity text shown literally": {
			m:    AlertMessage{Lang: "en", SourceName: "X", Title: "Tom &amp; Jerry &#39;s"},
			want: "📰 X\n\n<b>Tom &amp;amp; Jerry &amp;#39;s</b>",
		},
		"apostrophe left as is": {
			m:    AlertMessage{Lang: "en", SourceName: "Reuters", Title: "Ukraine's grain deal"},
			want: "📰 Reuters\n\n<b>Ukraine's grain deal</b>",
		},
		"hostile source name": {
			m:    AlertMessage{Lang: "en", Urgent: true, SourceName: "<b>Evil</b>\u202e & co", Title: "t"},
			want: "🔴 <b>BREAKING</b> · &lt;b&gt;Evil&lt;/b&gt; &amp; co\n\n<b>t</b>",
		},
		"rule with quotes and veto": {
			m:    AlertMessage{Lang: "en", SourceName: "X", Title: "t", Rule: `"foreign minister" -syria`},
			want: "📰 X\n\n<b>t</b>\n🔎 Rule: &quot;foreign minister&quot; -syria",
		},
		"whitespace and controls cleaned, emoji kept": {
			m: AlertMessage{Lang: "en", SourceName: " Sky\tNews ",
				Title: "\u00a0 Fire\x00 in\n\n the\u2028port\r\n🔥🇸🇾 \x07now\u200f \ufeff"},
			want: "📰 Sky News\n\n<b>Fire in the port 🔥🇸🇾 now\u200f</b>",
		},
		"invalid utf-8 replaced": {
			m:    AlertMessage{Lang: "en", SourceName: "X\xff", Title: "a\xc3b"},
			want: "📰 X\ufffd\n\n<b>a\ufffdb</b>",
		},
		"also reported by skips empty names": {
			m:    AlertMessage{Lang: "en", SourceName: "AP", Title: "t", AlsoReportedBy: []string{"", "BBC", " ", "CNN"}},
			want: "📰 AP\n\n<b>t</b>\n➕ Also reported by: BBC, CNN",
		},
		"also reported by only empty names": {
			m:    AlertMessage{Lang: "en", SourceName: "AP", Title: "t", AlsoReportedBy: []string{"", "\n"}},
			want: "📰 AP\n\n<b>t</b>",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := RenderAlert(tt.m, RenderOptions{})
			if got != tt.want {
				t.Errorf("RenderAlert() =\n%q\nwant\n%q", got, tt.want)
			}
			checkRendered(t, got)
		})
	}
}

func TestRenderAlertTime(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		lang string
		at   time.Time
		loc  *time.Location
		want string
	}{
		"utc shown in damascus": {
			lang: "en", at: renderPublished,
			want: "🕒 14:05 · 28 Nov 2026 (Damascus)",
		},
		"other zone converted to damascus": {
			lang: "en", at: renderPublished.In(newYork),
			want: "🕒 14:05 · 28 Nov 2026 (Damascus)",
		},
		"damascus date after utc midnight": {
			lang: "en", at: time.Date(2026, time.December, 31, 22, 30, 0, 0, time.UTC),
			want: "🕒 01:30 · 1 Jan 2027 (Damascus)",
		},
		"arabic": {
			lang: "ar", at: time.Date(2026, time.May, 3, 6, 0, 0, 0, time.UTC),
			want: "🕒 " + isoFSI + "09:00" + isoPDI + " · 3 مايو 2026 (دمشق)",
		},
		"custom location": {
			lang: "en", at: renderPublished, loc: newYork,
			want: "🕒 06:05 · 28 Nov 2026 (New York)",
		},
		"custom location arabic": {
			lang: "ar", at: renderPublished, loc: newYork,
			want: "🕒 " + isoFSI + "06:05" + isoPDI + " · 28 نوفمبر 2026 (" + isoFSI + "New York" + isoPDI + ")",
		},
		"utc": {
			lang: "en", at: renderPublished, loc: time.UTC,
			want: "🕒 11:05 · 28 Nov 2026 (UTC)",
		},
		"unnamed fixed zone": {
			lang: "en", at: renderPublished, loc: time.FixedZone("", 5*3600+1800),
			want: "🕒 16:35 · 28 Nov 2026 (UTC+05:30)",
		},
		"arabic january": {
			lang: "ar", at: time.Date(2027, time.January, 15, 12, 0, 0, 0, time.UTC), loc: time.UTC,
			want: "🕒 " + isoFSI + "12:00" + isoPDI + " · 15 يناير 2027 (" + isoFSI + "UTC" + isoPDI + ")",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			out := RenderAlert(AlertMessage{Lang: tt.lang, SourceName: "S", Title: "t", Published: tt.at}, RenderOptions{Location: tt.loc})
			checkRendered(t, out)
			lines := strings.Split(out, "\n")
			if got := lines[len(lines)-1]; got != tt.want {
				t.Errorf("time line = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestLoadLocationOrFallsBack(t *testing.T) {
	fallback := time.FixedZone("Damascus", 3*3600)
	if got := loadLocationOr("No/Such_Zone", fallback); got != fallback {
		t.Errorf("loadLocationOr(unknown zone) = %v; want the fallback", got)
	}
	got := RenderAlert(AlertMessage{Lang: "en", Title: "t", Published: renderPublished}, RenderOptions{Location: fallback})
	if want := "🕒 14:05 · 28 Nov 2026 (Damascus)"; !strings.HasSuffix(got, want) {
		t.Errorf("with the fallback zone got %q; want suffix %q", got, want)
	}
}

func TestRenderAlertLinks(t *testing.T) {
	tests := map[string]struct {
		link string
		want string // the href's value once unescaped; "" when no link is shown
	}{
		"https":                 {link: "https://www.aljazeera.net/news/2026/2/15/x", want: "https://www.aljazeera.net/news/2026/2/15/x"},
		"upper-case scheme":     {link: "HTTPS://example.com/A", want: "https://example.com/A"},
		"surrounding spaces":    {link: "  http://example.com/x \n", want: "http://example.com/x"},
		"quotes and brackets":   {link: `https://example.com/a"b?q="x"&b=<y>`, want: `https://example.com/a%22b?q="x"&b=<y>`},
		"space in query":        {link: "https://example.com/?q=a b", want: "https://example.com/?q=a%20b"},
		"arabic path":           {link: "https://ar.wikipedia.org/wiki/دمشق", want: "https://ar.wikipedia.org/wiki/%D8%AF%D9%85%D8%B4%D9%82"},
		"javascript":            {link: "javascript:alert(document.cookie)"},
		"javascript mixed case": {link: "JavaScript://example.com/%0Aalert(1)"},
		"data":                  {link: "data:text/html,<script>alert(1)</script>"},
		"ftp":                   {link: "ftp://example.com/file"},
		"relative":              {link: "/news/1"},
		"scheme-relative":       {link: "//example.com/news/1"},
		"no host":               {link: "http:///news/1"},
		"opaque":                {link: "http:example.com"},
		"empty":                 {link: ""},
		"control character":     {link: "https://example.com/\x00x"},
		"too long":              {link: "https://example.com/" + strings.Repeat("a", MaxLinkLength)},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			out := RenderAlert(AlertMessage{Lang: "en", SourceName: "S", Title: "t", Link: tt.link}, RenderOptions{})
			checkRendered(t, out)
			if got := hrefOf(t, out); got != tt.want {
				t.Errorf("href = %q; want %q", got, tt.want)
			}
		})
	}
}

// hrefOf returns the unescaped href of the message's link, or "".
func hrefOf(t *testing.T, out string) string {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			if tok := z.Token(); tok.Data == "a" {
				for _, a := range tok.Attr {
					if a.Key == "href" {
						return a.Val
					}
				}
			}
		}
	}
}

func TestRenderAlertBounds(t *testing.T) {
	long := strings.Repeat("Agency ", 100)
	t.Run("source name", func(t *testing.T) {
		out := RenderAlert(AlertMessage{Lang: "en", Urgent: true, SourceName: long, Title: "t"}, RenderOptions{})
		checkRendered(t, out)
		banner, _, _ := strings.Cut(out, "\n")
		name := strings.TrimPrefix(banner, "🔴 <b>BREAKING</b> · ")
		if n := utf8.RuneCountInString(name); n > MaxSourceNameRunes {
			t.Errorf("source name has %d runes; want at most %d", n, MaxSourceNameRunes)
		}
		if !strings.HasSuffix(name, "Agency…") {
			t.Errorf("source name %q does not end with a whole word and an ellipsis", name)
		}
	})
	t.Run("rule", func(t *testing.T) {
		out := RenderAlert(AlertMessage{Lang: "en", Title: "t", Rule: long}, RenderOptions{})
		checkRendered(t, out)
		_, rule, _ := strings.Cut(out, "🔎 Rule: ")
		if n := utf8.RuneCountInString(rule); n > MaxRenderedRuleRunes || n < MaxRenderedRuleRunes-len("Agency ") {
			t.Errorf("rule has %d runes; want at most %d, cut at the last word that fits", n, MaxRenderedRuleRunes)
		}
	})
	t.Run("also reported by", func(t *testing.T) {
		var names []string
		for i := range 15 {
			names = append(names, fmt.Sprintf("Source %d", i))
		}
		out := RenderAlert(AlertMessage{Lang: "en", Title: "t", AlsoReportedBy: names}, RenderOptions{})
		checkRendered(t, out)
		want := "➕ Also reported by: " + strings.Join(names[:MaxAlsoReportedBy], ", ") + ", +5"
		if !strings.HasSuffix(out, want) {
			t.Errorf("got %q; want suffix %q", out, want)
		}
	})
	t.Run("everything long", func(t *testing.T) {
		huge := strings.Repeat("<&\"'> كلمة word ", 700)
		var names []string
		for range 50 {
			names = append(names, huge)
		}
		for _, lang := range []string{"ar", "en"} {
			out := RenderAlert(AlertMessage{
				Lang: lang, Urgent: true, SourceName: huge, Title: huge, Rule: huge,
				Link: "https://example.com/" + strings.Repeat("%22", 600), Published: renderPublished,
				AlsoReportedBy: names,
			}, RenderOptions{})
			checkRendered(t, out)
			if h := headlineOf(t, out); renderUTF16Len(h) < tgtext.MaxMessageLength/2 {
				t.Errorf("%s: headline kept only %d units; the bounded parts should leave it most of the room", lang, renderUTF16Len(h))
			}
		}
	})
}

// headlineOf returns the text of the headline line of a rendered alert,
// entities decoded.
func headlineOf(t *testing.T, out string) string {
	t.Helper()
	_, rest, ok := strings.Cut(out, "\n\n<b>")
	if !ok {
		t.Fatalf("no headline in %q", out)
	}
	raw, _, ok := strings.Cut(rest, "</b>")
	if !ok {
		t.Fatalf("headline not closed in %q", out)
	}
	return html.UnescapeString(raw)
}

func renderUTF16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func TestRenderAlertLongHeadline(t *testing.T) {
	family := "👨\u200d👩\u200d👧"
	tests := map[string]struct {
		title string
		// whole: the kept text must be made of this unit only.
		whole string
		// word: the cut must fall at a word boundary.
		word bool
		// slack: how far below the limit the text may end (default 40).
		slack int
	}{
		"10 KB of escapes": {title: strings.Repeat(`a<b & "c"> d&amp; `, 600), word: true},
		"arabic words":     {title: strings.Repeat("انفجار يهز وسط دمشق و", 400), word: true},
		"5000 emoji":       {title: strings.Repeat("🔥", 5000), whole: "🔥"},
		"zwj families":     {title: strings.Repeat(family, 1000), whole: family},
		"flags":            {title: strings.Repeat("🇸🇾", 2000), whole: "🇸🇾"},
		"diacritics":       {title: strings.Repeat("مُ", 5000), whole: "مُ"},
		// The last space keeps more than half the room: cut there.
		"long last word": {title: strings.Repeat("x", 3000) + " " + strings.Repeat("y", 3000), word: true, slack: 1100},
		// It would keep less than half: cut inside the word.
		"very long last word": {title: strings.Repeat("x", 1000) + " " + strings.Repeat("y", 5000)},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			for _, lang := range []string{"ar", "en"} {
				m := AlertMessage{Lang: lang, Urgent: true, SourceName: "Reuters", Title: tt.title,
					Link: "https://example.com/x", Published: renderPublished, Rule: "rule", AlsoReportedBy: []string{"AP"}}
				out := RenderAlert(m, RenderOptions{})
				checkRendered(t, out)
				slack := cmp.Or(tt.slack, 40)
				if n := tgtext.TextLength(out); n < tgtext.MaxMessageLength-slack {
					t.Errorf("%s: TextLength = %d; the headline was cut more than needed", lang, n)
				}
				h := headlineOf(t, out)
				kept, ok := strings.CutSuffix(h, "…")
				if !ok {
					t.Fatalf("%s: cut headline %q… does not end with an ellipsis", lang, h[:min(len(h), 40)])
				}
				if !strings.HasPrefix(tt.title, kept) {
					t.Fatalf("%s: kept text is not a prefix of the headline", lang)
				}
				next, _ := utf8.DecodeRuneInString(tt.title[len(kept):])
				if tt.word && next != ' ' {
					t.Errorf("%s: cut inside a word: %q|%q", lang, kept[max(0, len(kept)-20):], tt.title[len(kept):len(kept)+10])
				}
				if tt.whole != "" && strings.ReplaceAll(kept, tt.whole, "") != "" {
					t.Errorf("%s: kept text ends inside a %q: %q", lang, tt.whole, kept[max(0, len(kept)-20):])
				}
			}
		})
	}
}

// A photo's caption holds 1,024 UTF-16 units: the headline is cut at a
// word and the link kept; under a long rule and many later sources the
// names give way to a count, then the rule, so that the headline keeps
// minTitleRoom.
func TestRenderAlertCaption(t *testing.T) {
	long := strings.Repeat("انفجار يهز وسط دمشق و", 100)
	var names []string
	for i := range 15 {
		names = append(names, fmt.Sprintf("%s%02d", strings.Repeat("مصدر ", 11), i)) // 57 runes
	}
	rule := strings.Repeat("دمشق ", 40)
	tests := map[string]struct {
		m         AlertMessage
		wantRule  bool
		wantNames int // names listed; -1: fewer than MaxAlsoReportedBy, the rest counted

		wantCut bool
	}{
		"short: as a message": {
			m:         AlertMessage{Title: "انفجار في ريف دمشق", Rule: "دمشق", AlsoReportedBy: names[:3]},
			wantRule:  true,
			wantNames: 3,
		},
		"long headline, cut at a word": {
			m:        AlertMessage{Title: long, Rule: "دمشق", AlsoReportedBy: names[:2]},
			wantRule: true, wantNames: 2, wantCut: true,
		},
		"long rule and fifteen names: names counted": {
			m:        AlertMessage{Title: long, Rule: rule, AlsoReportedBy: names},
			wantRule: true, wantNames: -1, wantCut: true,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			m := tt.m
			m.Lang, m.Urgent, m.SourceName, m.Published = "ar", true, "سانا", renderPublished
			m.Link = "https://sana.sy/?p=2104871"
			out := RenderAlert(m, RenderOptions{MaxLength: tgtext.MaxCaptionLength})
			checkRendered(t, out)
			if n := tgtext.TextLength(out); n > tgtext.MaxCaptionLength {
				t.Errorf("caption is %d UTF-16 units, want at most %d", n, tgtext.MaxCaptionLength)
			}
			if hrefOf(t, out) != m.Link {
				t.Errorf("caption lost the link: %q", out)
			}
			h := headlineOf(t, out)
			if cut := strings.HasSuffix(h, "…"); cut != tt.wantCut {
				t.Errorf("headline cut %v, want %v: %q", cut, tt.wantCut, h)
			}
			if tt.wantCut {
				kept := strings.TrimSuffix(h, "…")
				if renderUTF16Len(kept) < minTitleRoom-2 || !strings.HasPrefix(m.Title, kept) || m.Title[len(kept)] != ' ' {
					t.Errorf("headline kept %d units %q, want ≥ %d cut at a word", renderUTF16Len(kept), kept, minTitleRoom-2)
				}
			}
			if got := strings.Contains(out, "🔎"); got != tt.wantRule {
				t.Errorf("rule shown %v, want %v", got, tt.wantRule)
			}
			listed := 0
			for _, n := range names {
				if strings.Contains(out, n) {
					listed++
				}
			}
			switch {
			case tt.wantNames >= 0 && listed != tt.wantNames:
				t.Errorf("%d names listed, want %d", listed, tt.wantNames)
			case tt.wantNames < 0 && (listed >= MaxAlsoReportedBy || !strings.Contains(out, fmt.Sprintf("+%d", len(names)-listed))):
				t.Errorf("%d names listed and the rest not counted: %q", listed, out)
			}
			if tt.wantCut {
				return
			}
			if msg := RenderAlert(m, RenderOptions{}); out != msg {
				t.Errorf("a short caption differs from the message:\n%q\n%q", out, msg)
			}
		})
	}
}

// telegramTags are the tags Telegram's HTML mode knows.
var telegramTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "a": true, "code": true, "pre": true,
	"tg-spoiler": true, "blockquote": true,
}

var (
	entityRE = regexp.MustCompile(`^&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});`)
	anchorRE = regexp.MustCompile(`^<a href="([^"<>]*)">$`)
)

// checkEscaped reports a raw '<', '>' or '"' or an ampersand that does
// not start a complete entity Telegram knows.
func checkEscaped(raw string, quote bool) error {
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '<' || c == '>' || quote && c == '"':
			return fmt.Errorf("raw %q at %d in %q", c, i, raw)
		case c == '&':
			if !entityRE.MatchString(raw[i:]) {
				return fmt.Errorf("bad entity at %d in %q", i, raw)
			}
		}
	}
	return nil
}

// checkTelegramHTML validates s as Telegram HTML, strictly: valid UTF-8,
// only Telegram's tags, balanced; attributes only on <a>, an http(s)
// href in double quotes; every <, >, & in text escaped, and entities
// complete. It returns the length in UTF-16 units of the text, decoded by
// an HTML parser, to check TextLength against.
func checkTelegramHTML(s string) (units int, err error) {
	if !utf8.ValidString(s) {
		return 0, errors.New("invalid UTF-8")
	}
	if strings.Contains(s, "&#39;") {
		return 0, errors.New("&#39; emitted")
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var open []string
	for {
		tt := z.Next()
		raw := string(z.Raw())
		switch tt {
		case html.ErrorToken:
			if !errors.Is(z.Err(), io.EOF) {
				return 0, z.Err()
			}
			if len(open) > 0 {
				return 0, fmt.Errorf("unclosed tags %v", open)
			}
			return units, nil
		case html.TextToken:
			if err := checkEscaped(raw, false); err != nil {
				return 0, err
			}
			units += renderUTF16Len(string(z.Text()))
		case html.StartTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if !telegramTags[tag] {
				return 0, fmt.Errorf("tag %q not allowed", raw)
			}
			if tag == "a" {
				m := anchorRE.FindStringSubmatch(raw)
				if m == nil {
					return 0, fmt.Errorf("bad anchor %q", raw)
				}
				if err := checkEscaped(m[1], true); err != nil {
					return 0, err
				}
				u, err := url.Parse(html.UnescapeString(m[1]))
				if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
					return 0, fmt.Errorf("bad href in %q", raw)
				}
			} else if raw != "<"+tag+">" {
				return 0, fmt.Errorf("attributes on %q", raw)
			}
			open = append(open, tag)
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(open) == 0 || open[len(open)-1] != string(name) || raw != "</"+string(name)+">" {
				return 0, fmt.Errorf("unbalanced %q (open %v)", raw, open)
			}
			open = open[:len(open)-1]
		default:
			return 0, fmt.Errorf("unexpected token %q", raw)
		}
	}
}

// checkRendered checks the invariants of every rendered alert.
func checkRendered(t testing.TB, out string) {
	t.Helper()
	units, err := checkTelegramHTML(out)
	if err != nil {
		t.Fatalf("invalid Telegram HTML: %v\n%q", err, out)
	}
	if got := tgtext.TextLength(out); got != units {
		t.Errorf("TextLength = %d; an HTML parser counts %d", got, units)
	}
	if units > tgtext.MaxMessageLength {
		t.Errorf("text is %d UTF-16 units; want at most %d", units, tgtext.MaxMessageLength)
	}
	if strings.ContainsFunc(out, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' || r >= '\u202A' && r <= '\u202E'
	}) {
		t.Errorf("control or bidi embedding character in %q", out)
	}
}

// renderSeeds returns real headlines and links: Arabic titles of
// the urgency corpus (banner removed where there is one) and the first
// Reuters titles with their links.
func renderSeeds(tb testing.TB) (titles, links []string) {
	tb.Helper()
	labels, err := corpus.ReadLabels(corpus.Labels)
	if err != nil {
		tb.Fatal(err)
	}
	for i, l := range labels {
		if i%8 != 0 {
			continue
		}
		if l.Urgent {
			titles = append(titles, l.Rest)
		} else {
			titles = append(titles, l.Title)
		}
	}
	reuters, err := corpus.ReadHeadlines(corpus.Reuters)
	if err != nil {
		tb.Fatal(err)
	}
	for _, h := range reuters[:min(20, len(reuters))] {
		titles = append(titles, h.Title)
		links = append(links, h.Link)
	}
	return titles, links
}

func FuzzRenderAlert(f *testing.F) {
	titles, links := renderSeeds(f)
	sources := []string{"سانا", "Reuters", "الجزيرة نت", "BBC News عربي"}
	rules := []string{"دمشق", `"وزير الخارجية" -سوريا`, "", "Gaza ceasefire"}
	for i, title := range titles {
		f.Add(title, sources[i%len(sources)], rules[i%len(rules)], links[i%len(links)])
	}
	f.Add(strings.Repeat("<&>", 2000), "<b>", `"`, `https://x/"><script>`)
	f.Add(strings.Repeat("🔥", 3000), "\u202e", "&amp;", "javascript:alert(1)")
	f.Fuzz(func(t *testing.T, title, source, rule, link string) {
		for i, lang := range []string{"ar", "en"} {
			m := AlertMessage{
				Lang: lang, Urgent: i == 0, SourceName: source, Title: title, Link: link,
				Published: renderPublished, Rule: rule, AlsoReportedBy: []string{rule, source},
			}
			checkRendered(t, RenderAlert(m, RenderOptions{}))
			caption := RenderAlert(m, RenderOptions{MaxLength: tgtext.MaxCaptionLength})
			checkRendered(t, caption)
			if n := tgtext.TextLength(caption); n > tgtext.MaxCaptionLength {
				t.Fatalf("caption is %d UTF-16 units, want at most %d", n, tgtext.MaxCaptionLength)
			}
		}
	})
}

// renderHeadlines returns real headlines in lang: "ar" the Arabic-script
// titles of the urgency corpus, "en" the Al Jazeera English titles.
func renderHeadlines(tb testing.TB, lang string) []string {
	tb.Helper()
	if lang == "en" {
		titles, err := corpus.Titles(corpus.AlJazeeraEnglish)
		if err != nil {
			tb.Fatal(err)
		}
		return titles
	}
	labels, err := corpus.ReadLabels(corpus.Labels)
	if err != nil {
		tb.Fatal(err)
	}
	var titles []string
	for _, l := range labels {
		if alerts.Script(l.Title) == "ar" {
			titles = append(titles, l.Title)
		}
	}
	return titles
}

func BenchmarkRenderAlert(b *testing.B) {
	for _, lang := range []string{"ar", "en"} {
		headlines := renderHeadlines(b, lang)
		b.Run(lang, func(b *testing.B) {
			b.ReportAllocs()
			m := AlertMessage{
				Lang: lang, Urgent: true, SourceName: "Reuters",
				Link:      "https://www.reuters.com/world/middle-east/explosion-damascus-2026-11-28/",
				Published: renderPublished, Rule: "دمشق", AlsoReportedBy: []string{"سانا"},
			}
			n := 0
			for b.Loop() {
				m.Title = headlines[n%len(headlines)]
				_ = RenderAlert(m, RenderOptions{})
				n++
			}
		})
	}
}

// TestCheckTelegramHTML makes sure the checker the other tests rely on
// rejects what Telegram would.
func TestCheckTelegramHTML(t *testing.T) {
	bad := map[string]string{
		"bare ampersand":    "a & b",
		"raw less-than":     "a < b",
		"raw greater-than":  "a > b",
		"apostrophe entity": "it&#39;s",
		"unknown entity":    "a&nbsp;b",
		"script tag":        "<script>x</script>",
		"unclosed":          "<b>x",
		"misnested":         "<b><i>x</b></i>",
		"attribute on b":    `<b class="x">y</b>`,
		"javascript href":   `<a href="javascript:alert(1)">x</a>`,
		"single quotes":     `<a href='https://x/'>x</a>`,
		"raw quote in href": `<a href="https://x/?a="b">x</a>`,
		"invalid utf-8":     "a\xffb",
		"comment":           "<!-- x -->",
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := checkTelegramHTML(in); err == nil {
				t.Errorf("checkTelegramHTML(%q) = nil error; want one", in)
			}
		})
	}
	good := `🔴 <b>x</b> &lt;&amp;&quot;&#128293; <a href="https://x/?a=&quot;b&quot;&amp;c">y</a>`
	if units, err := checkTelegramHTML(good); err != nil || units != tgtext.TextLength(good) {
		t.Errorf("checkTelegramHTML(%q) = %d, %v; want %d, nil", good, units, err, tgtext.TextLength(good))
	}
}
