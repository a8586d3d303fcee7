package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // /tz works without the system's zone database

	"github.com/aajil/aajil/internal/schedule"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/tgtext"
)

// errBadQuiet: the argument of /quiet is not a range of hours.
var errBadQuiet = errors.New("not a range of hours")

// ParseQuiet reads the argument of /quiet: two times of day and, after
// them, "urgent" (عاجل) to let urgent alerts still ring. A time is 23,
// 23:00, 7:30, 11pm, 11:30 pm, or in Arabic 11 مساءً, 7 صباحاً (also م,
// ص, ليلاً); digits may be Arabic-Indic or Persian. The two are joined by
// "-", "to", "until", "إلى" or "حتى", optionally after "from" or "من":
// "23:00-07:00", "23-7", "11pm-7am", "من 11 مساءً إلى 7 صباحاً". The
// range may cross midnight; equal ends are refused. off reports "off",
// "إيقاف" and the like.
func ParseQuiet(s string) (q store.Quiet, off bool, err error) {
	toks := quietTokens(s)
	if len(toks) == 1 && quietOff[toks[0]] {
		return store.Quiet{}, true, nil
	}
	if n := len(toks); n > 0 && quietUrgent[toks[n-1]] {
		q.Urgent = true
		toks = toks[:n-1]
	}
	if len(toks) > 0 && (toks[0] == "from" || toks[0] == "من") {
		toks = toks[1:]
	}
	from, toks, ok := readClock(toks)
	if !ok || len(toks) == 0 || !quietSep[toks[0]] {
		return store.Quiet{}, false, errBadQuiet
	}
	to, toks, ok := readClock(toks[1:])
	if !ok || len(toks) != 0 {
		return store.Quiet{}, false, errBadQuiet
	}
	q.From, q.To = from, to
	if !q.Valid() {
		return store.Quiet{}, false, errBadQuiet
	}
	return q, false, nil
}

// The words of /quiet, as quietTokens writes them.
var (
	quietOff    = map[string]bool{"off": true, "none": true, "no": true, "ايقاف": true, "الغاء": true, "لا": true, "الغ": true}
	quietUrgent = map[string]bool{"urgent": true, "عاجل": true, "العاجل": true}
	quietSep    = map[string]bool{"-": true, "to": true, "until": true, "till": true, "الى": true, "الي": true, "حتى": true, "حتي": true, "لغايه": true}
	// quietMeridiem: +12 for pm words, 0 for am words; night takes
	// 6–11 as pm and noon 1–5.
	quietPM    = map[string]bool{"pm": true, "p.m.": true, "م": true, "مساء": true, "مساءا": true, "عصرا": true}
	quietAM    = map[string]bool{"am": true, "a.m.": true, "ص": true, "صباحا": true, "صباح": true, "فجرا": true}
	quietNight = map[string]bool{"ليلا": true, "الليل": true, "ليل": true}
)

// quietTokens cleans s (controls, Arabic diacritics and tatweel gone,
// alef forms folded, digits in ASCII, lower case) and splits it into
// words, with "-" and its dashes a word of their own.
func quietTokens(s string) []string {
	var b strings.Builder
	for _, r := range tgtext.StripControls(s) {
		switch {
		case r >= '٠' && r <= '٩':
			b.WriteRune('0' + r - '٠')
		case r >= '۰' && r <= '۹':
			b.WriteRune('0' + r - '۰')
		case r >= 0x064B && r <= 0x0652 || r == 0x0640: // harakat, tatweel
		case r == 'أ' || r == 'إ' || r == 'آ':
			b.WriteRune('ا')
		case r == 'ة':
			b.WriteRune('ه')
		case r == '-' || r == '–' || r == '—' || r == '‐' || r == '−':
			b.WriteString(" - ")
		case r == '،' || r == ',':
			b.WriteRune(' ')
		case r == '٫' || r == '.':
			b.WriteRune('.')
		default:
			b.WriteRune(r)
		}
	}
	return strings.Fields(strings.ToLower(b.String()))
}

// readClock reads a time of day at the start of toks: a clock, perhaps
// with its am/pm glued on or in the next word, and returns minutes after
// midnight and the words left.
func readClock(toks []string) (int, []string, bool) {
	if len(toks) == 0 {
		return 0, nil, false
	}
	t := toks[0]
	rest := toks[1:]
	mer := ""
	for _, suf := range []string{"a.m.", "p.m.", "am", "pm"} {
		if c, ok := strings.CutSuffix(t, suf); ok && c != "" {
			t, mer = c, suf
			break
		}
	}
	if mer == "" && len(rest) > 0 && (quietPM[rest[0]] || quietAM[rest[0]] || quietNight[rest[0]] || rest[0] == "ظهرا") {
		mer, rest = rest[0], rest[1:]
	}
	hs, ms, hasMin := strings.Cut(t, ":")
	if !hasMin {
		hs, ms, hasMin = strings.Cut(t, ".")
	}
	h, ok := smallNumber(hs, 2)
	if !ok {
		return 0, nil, false
	}
	m := 0
	if hasMin {
		if len(ms) != 2 {
			return 0, nil, false
		}
		if m, ok = smallNumber(ms, 2); !ok || m > 59 {
			return 0, nil, false
		}
	}
	switch {
	case mer == "":
		if h > 23 {
			return 0, nil, false
		}
	case h < 1 || h > 12:
		return 0, nil, false
	case quietPM[mer]:
		h = h%12 + 12
	case quietAM[mer]:
		h %= 12
	case quietNight[mer]:
		if h >= 6 && h < 12 {
			h += 12
		} else {
			h %= 12
		}
	default: // noon
		if h < 6 {
			h += 12
		}
	}
	return h*60 + m, rest, true
}

// smallNumber reads 1 to max ASCII digits.
func smallNumber(s string, max int) (int, bool) {
	if s == "" || len(s) > max {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// FormatClock writes minutes after midnight as 23:00.
func FormatClock(m int) string {
	return fmt.Sprintf("%02d:%02d", m/60%24, m%60)
}

// zoneCities are the cities /tz knows by name, in English and Arabic
// (keys written as quietTokens writes them, spaces kept), with their IANA
// zone.
var zoneCities = map[string]string{
	"damascus": "Asia/Damascus", "دمشق": "Asia/Damascus", "الشام": "Asia/Damascus", "syria": "Asia/Damascus", "سوريا": "Asia/Damascus",
	"beirut": "Asia/Beirut", "بيروت": "Asia/Beirut", "lebanon": "Asia/Beirut", "لبنان": "Asia/Beirut",
	"cairo": "Africa/Cairo", "القاهره": "Africa/Cairo", "مصر": "Africa/Cairo", "egypt": "Africa/Cairo",
	"riyadh": "Asia/Riyadh", "الرياض": "Asia/Riyadh", "jeddah": "Asia/Riyadh", "جده": "Asia/Riyadh", "mecca": "Asia/Riyadh", "مكه": "Asia/Riyadh",
	"dubai": "Asia/Dubai", "دبي": "Asia/Dubai", "abu dhabi": "Asia/Dubai", "ابوظبي": "Asia/Dubai", "ابو ظبي": "Asia/Dubai",
	"doha": "Asia/Qatar", "الدوحه": "Asia/Qatar", "qatar": "Asia/Qatar", "قطر": "Asia/Qatar",
	"amman": "Asia/Amman", "عمان": "Asia/Amman", "jordan": "Asia/Amman", "الاردن": "Asia/Amman",
	"baghdad": "Asia/Baghdad", "بغداد": "Asia/Baghdad", "iraq": "Asia/Baghdad", "العراق": "Asia/Baghdad",
	"jerusalem": "Asia/Jerusalem", "القدس": "Asia/Jerusalem", "gaza": "Asia/Gaza", "غزه": "Asia/Gaza",
	"ramallah": "Asia/Hebron", "رام الله": "Asia/Hebron",
	"kuwait": "Asia/Kuwait", "الكويت": "Asia/Kuwait",
	"manama": "Asia/Bahrain", "المنامه": "Asia/Bahrain", "muscat": "Asia/Muscat", "مسقط": "Asia/Muscat",
	"sanaa": "Asia/Aden", "صنعاء": "Asia/Aden", "aden": "Asia/Aden", "عدن": "Asia/Aden",
	"khartoum": "Africa/Khartoum", "الخرطوم": "Africa/Khartoum", "tripoli": "Africa/Tripoli", "طرابلس": "Africa/Tripoli",
	"casablanca": "Africa/Casablanca", "الدار البيضاء": "Africa/Casablanca", "rabat": "Africa/Casablanca", "الرباط": "Africa/Casablanca",
	"tunis": "Africa/Tunis", "تونس": "Africa/Tunis", "algiers": "Africa/Algiers", "الجزائر": "Africa/Algiers",
	"istanbul": "Europe/Istanbul", "اسطنبول": "Europe/Istanbul", "ankara": "Europe/Istanbul", "انقره": "Europe/Istanbul",
	"tehran": "Asia/Tehran", "طهران": "Asia/Tehran",
	"london": "Europe/London", "لندن": "Europe/London", "paris": "Europe/Paris", "باريس": "Europe/Paris",
	"berlin": "Europe/Berlin", "برلين": "Europe/Berlin", "madrid": "Europe/Madrid", "مدريد": "Europe/Madrid",
	"rome": "Europe/Rome", "روما": "Europe/Rome", "stockholm": "Europe/Stockholm", "ستوكهولم": "Europe/Stockholm",
	"moscow": "Europe/Moscow", "موسكو": "Europe/Moscow",
	"new york": "America/New_York", "نيويورك": "America/New_York", "washington": "America/New_York", "واشنطن": "America/New_York",
	"toronto": "America/Toronto", "تورونتو": "America/Toronto", "chicago": "America/Chicago", "شيكاغو": "America/Chicago",
	"los angeles": "America/Los_Angeles", "لوس انجلوس": "America/Los_Angeles",
	"tokyo": "Asia/Tokyo", "طوكيو": "Asia/Tokyo", "sydney": "Australia/Sydney", "سيدني": "Australia/Sydney",
	"utc": "UTC", "gmt": "UTC",
}

// maxZoneArg bounds what /tz tries to load as a zone name.
const maxZoneArg = 64

// ParseZone reads the argument of /tz: a city of zoneCities, in Arabic or
// English, or an IANA zone name (Asia/Beirut, any case). It returns the
// IANA name and its location.
func ParseZone(s string) (string, *time.Location, bool) {
	key := strings.Join(quietTokens(s), " ")
	if name, ok := zoneCities[key]; ok {
		loc, err := time.LoadLocation(name)
		return name, loc, err == nil
	}
	name := strings.TrimSpace(tgtext.StripControls(s))
	if name == "" || len(name) > maxZoneArg || strings.ContainsAny(name, " \t\\") || strings.Contains(name, "..") || name == "Local" {
		return "", nil, false
	}
	for _, cand := range []string{name, zoneCase(name)} {
		if loc, err := time.LoadLocation(cand); err == nil {
			return cand, loc, true
		}
	}
	return "", nil, false
}

// zoneCase writes a zone name typed in any case as the database does:
// each part capitalised, America/new_york → America/New_York.
func zoneCase(s string) string {
	b := []byte(strings.ToLower(s))
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '/' || c == '_' || c == '-'
	}
	return string(b)
}

// cmdQuiet shows, sets or ends the chat's quiet hours.
func (b *Bot) cmdQuiet(ctx context.Context, c *cmdContext) error {
	if c.cmd.Args == "" {
		return b.reply(ctx, c, b.quietStatus(c.lang, *c.sub))
	}
	q, off, err := ParseQuiet(c.cmd.Args)
	if err != nil {
		return b.reply(ctx, c, T(c.lang, MsgBadQuiet, c.cmd.Args))
	}
	sub, err := b.st.UpdateSubscriber(ctx, c.targetID(), func(s *store.Subscriber) error {
		s.Quiet = nil
		if !off {
			s.Quiet = &q
		}
		return nil
	})
	if err != nil {
		return err
	}
	if off {
		return b.reply(ctx, c, T(c.lang, MsgQuietOff))
	}
	return b.reply(ctx, c, b.quietStatus(c.lang, sub))
}

// quietStatus says what the chat's quiet hours are.
func (b *Bot) quietStatus(lang Lang, sub store.Subscriber) string {
	if sub.Quiet == nil {
		return T(lang, MsgQuietNone)
	}
	id := MsgQuietSet
	if sub.Quiet.Urgent {
		id = MsgQuietSetUrgent
	}
	return T(lang, id, FormatClock(sub.Quiet.From), FormatClock(sub.Quiet.To), b.zoneName(sub))
}

// zoneName is the name of the chat's time zone.
func (b *Bot) zoneName(sub store.Subscriber) string {
	return b.chatLocation(sub).String()
}

// chatLocation is the chat's time zone: its /tz, or Options.Location, or
// UTC.
func (b *Bot) chatLocation(sub store.Subscriber) *time.Location {
	def := b.opts.Location
	if def == nil {
		def = time.UTC
	}
	return store.ChatLocation(sub.TZ, def)
}

// cmdTZ shows or sets the chat's time zone.
func (b *Bot) cmdTZ(ctx context.Context, c *cmdContext) error {
	if c.cmd.Args == "" {
		return b.reply(ctx, c, T(c.lang, MsgTZCurrent, b.zoneName(*c.sub), b.now().In(b.chatLocation(*c.sub)).Format("15:04")))
	}
	name, loc, ok := ParseZone(c.cmd.Args)
	if !ok {
		return b.reply(ctx, c, T(c.lang, MsgBadTZ, c.cmd.Args))
	}
	if _, err := b.setZone(ctx, c.targetID(), name); err != nil {
		return err
	}
	return b.reply(ctx, c, T(c.lang, MsgTZSet, name, b.now().In(loc).Format("15:04")))
}

// setZone sets the time zone of chat chatID to name, an IANA zone name,
// and moves a digest already pending to its time in the new zone. It
// returns the subscription as it is now.
func (b *Bot) setZone(ctx context.Context, chatID int64, name string) (store.Subscriber, error) {
	sub, err := b.st.UpdateSubscriber(ctx, chatID, func(s *store.Subscriber) error {
		s.TZ = name
		return nil
	})
	if err != nil {
		return store.Subscriber{}, err
	}
	if d, err := schedule.Parse(sub.Digest); err == nil && !d.Off() {
		if err := b.rescheduleDigest(ctx, sub, d); err != nil {
			return store.Subscriber{}, err
		}
	}
	return sub, nil
}

// parseCount reads the N of /last: default def, at most max.
func parseCount(s string, def, max int) (int, bool) {
	if strings.TrimSpace(s) == "" {
		return def, true
	}
	n, ok := parseIndex(strings.TrimSpace(s))
	if !ok || n < 1 {
		return 0, false
	}
	return min(n, max), true
}
