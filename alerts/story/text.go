package story

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aajil/aajil/alerts"
)

// ---- Text clean-up before tokens ----

// banners removes the urgency banner. An alerts.Detector is immutable.
var banners = newBannerDetector()

func newBannerDetector() *alerts.Detector {
	d, err := alerts.NewDetector(alerts.DefaultMarkers())
	if err != nil {
		panic("story: default markers: " + err.Error()) // a bug in alerts.DefaultMarkers
	}
	return d
}

// prefixSeparators end a source prefix: «سانا: …», "Reuters: …".
const prefixSeparators = ":：|"

// stripPrefixes removes up to two leading labels that name a
// source, a correspondent or a media type («سانا:», «مراسل سانا:»,
// «مصدر بجهاز … لـ سانا:», «يسرائيل هيوم عن مصادر:», "Reuters:",
// "Exclusive:", "WATCH:", "Video |"). A prefix that names anything else
// ("Russia-Ukraine war: …", «تركيا: …») is content and stays.
func stripPrefixes(s string) string {
	for range 2 {
		i := strings.IndexAny(s, prefixSeparators)
		if i < 0 {
			return s
		}
		head := strings.Fields(alerts.Normalize(s[:i]))
		if !isSourceLabel(head) {
			return s
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		s = s[i+size:]
	}
	return s
}

// isSourceLabel reports whether the normalised words before a colon are a
// source or media label.
func isSourceLabel(words []string) bool {
	if len(words) == 0 || len(words) > 8 {
		return false
	}
	phrase := strings.Join(words, " ")
	if mediaLabels[phrase] || sourceNames[phrase] {
		return true
	}
	// «مراسل سانا», «مصدر … لـ سانا», "… told Reuters": a label that
	// ends with a source or with «مصادر».
	for n := min(3, len(words)); n >= 1; n-- {
		tail := strings.Join(words[len(words)-n:], " ")
		if sourceNames[tail] {
			return true
		}
		if n == 1 {
			if t := stripOneProclitic(tail); sourceNames[t] {
				return true
			}
		}
	}
	return false
}

// attributionVerbs end an English attribution tail ("…, ministry says").
var attributionVerbs = wordSet("says", "say", "said", "claims", "report", "reports", "confirms", "warns", "sources", "officials")

// stripAttribution removes an English attribution after the last
// comma or dash ("…, US says", "… – report", "…: officials") when it is
// short; the words it names are not the event.
func stripAttribution(s string) string {
	i := max(strings.LastIndex(s, ", "), strings.LastIndex(s, " – "),
		strings.LastIndex(s, " — "), strings.LastIndex(s, " - "), strings.LastIndex(s, ": "))
	if i <= 0 {
		return s
	}
	// A media label may follow the attribution ("…, police say | Video").
	tail := trimEnds(strings.Fields(alerts.Normalize(s[i:])))
	if len(tail) == 0 || len(tail) > 5 {
		return s
	}
	if attributionVerbs[tail[len(tail)-1]] {
		return s[:i]
	}
	if len(tail) >= 2 && tail[0] == "according" && tail[1] == "to" {
		return s[:i]
	}
	return s
}

// attributionWords opens an Arabic attribution tail («… بحسب وكالة …»,
// «… وفق مصادر»), and "according" an English one without a comma.
var attributionWords = wordSet("بحسب", "حسب", "وفق", "وفقا", "نقلا", "طبقا", "according")

// cutAttribution drops a short attribution tail (at most six words)
// that follows at least two words of content.
func cutAttribution(words []string) []string {
	for i := len(words) - 1; i >= 2 && len(words)-i <= 6; i-- {
		if attributionWords[words[i]] {
			return words[:i]
		}
	}
	return words
}

// trimEnds removes media labels and source names at either end: a
// trailing «(فيديو)», «- سانا», "| Al Jazeera", a leading «بالفيديو».
func trimEnds(words []string) []string {
	for changed := true; changed && len(words) > 0; {
		changed = false
		for n := min(3, len(words)); n >= 1; n-- {
			if p := strings.Join(words[:n], " "); mediaLabels[p] || sourceNames[p] {
				words = words[n:]
				changed = true
				break
			}
			if p := strings.Join(words[len(words)-n:], " "); mediaLabels[p] || sourceNames[p] {
				words = words[:len(words)-n]
				changed = true
				break
			}
		}
	}
	return words
}

// ---- Numbers ----

// ordinalWords before a number make it name an instance ("day 171",
// «الجولة 5»): a different one is a different event, not an update, so the
// number joins the word as a token.
var ordinalWords = wordSet("day", "week", "month", "round", "stage", "game", "match", "episode", "part",
	"يوم", "اسبوع", "شهر", "جوله", "مرحله", "حلقه", "دوره")

// splitNumbers finds the numbers in s, with their decimals and thousands
// separators. Numbers after an ordinal word and years (1900–2099) are
// returned as tokens; the rest as numbers.
func splitNumbers(s string) (numbers, tokens []string) {
	var b strings.Builder
	start := -1
	flush := func() {
		if start < 0 {
			return
		}
		n := strings.TrimRight(b.String(), ".")
		b.Reset()
		prev := wordBefore(s[:start])
		switch {
		case n == "":
		case ordinalSuffix(s[start:]):
			// "22nd week", "131st baby": an instance, not a count.
			tokens = append(tokens, "ord"+n)
		case ordinalWords[prev]:
			tokens = append(tokens, prev+n)
		case isYear(n):
			tokens = append(tokens, n)
		default:
			numbers = append(numbers, strings.TrimLeft(n, "0"))
		}
		start = -1
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		d := digit(r)
		switch {
		case d >= 0:
			if start < 0 {
				start = i
			}
			b.WriteByte(byte('0' + d))
		case start >= 0 && (r == '.' || r == '٫' || r == ',' || r == '٬') && i+size < len(s) && digit(firstRune(s[i+size:])) >= 0:
			if r == '.' || r == '٫' {
				b.WriteByte('.')
			}
		default:
			flush()
		}
		i += size
	}
	flush()
	return numbers, tokens
}

// ordinalSuffix reports whether the number that s starts with is
// written as an English ordinal ("22nd", "1st", "131st", "5th").
func ordinalSuffix(s string) bool {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == ',' || s[i] == '.') {
		i++
	}
	rest := strings.ToLower(s[i:])
	for _, suf := range [...]string{"st", "nd", "rd", "th"} {
		if t, ok := strings.CutPrefix(rest, suf); ok {
			r, _ := utf8.DecodeRuneInString(t)
			return t == "" || !unicode.IsLetter(r)
		}
	}
	return false
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// digit returns the value of an ASCII, Arabic-Indic or Persian digit,
// or -1.
func digit(r rune) int {
	switch {
	case '0' <= r && r <= '9':
		return int(r - '0')
	case 0x660 <= r && r <= 0x669:
		return int(r - 0x660)
	case 0x6F0 <= r && r <= 0x6F9:
		return int(r - 0x6F0)
	}
	return -1
}

// wordBefore returns the canonical form of the last word before a number.
func wordBefore(s string) string {
	// Only the last few words matter: normalise a short tail, cut at a
	// rune boundary.
	if len(s) > 48 {
		k := len(s) - 48
		for k < len(s) && !utf8.RuneStart(s[k]) {
			k++
		}
		s = s[k:]
	}
	words := strings.Fields(alerts.Normalize(s))
	if len(words) == 0 {
		return ""
	}
	w := words[len(words)-1]
	if ordinalWords[w] {
		return w
	}
	return stripProclitics(w)
}

func isYear(n string) bool {
	if len(n) != 4 {
		return false
	}
	y, err := strconv.Atoi(n)
	return err == nil && y >= 1900 && y <= 2099
}

func isDigits(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}
