package bot

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/telegram/tgtext"
)

// Bounds of a /pause duration.
const (
	// MinPause is the shortest pause: less is a typo (/pause 30s).
	MinPause = time.Minute
	// MaxPause is the longest pause; a chat that wants silence for longer
	// can /stop, which is honest about it.
	MaxPause = 30 * 24 * time.Hour
)

// DurationErrorCode says what is wrong with a duration.
type DurationErrorCode string

// Duration error codes.
const (
	// ErrDurationEmpty: nothing was given.
	ErrDurationEmpty DurationErrorCode = "empty"
	// ErrDurationSyntax: the text is not a duration; Token is the part
	// that could not be read.
	ErrDurationSyntax DurationErrorCode = "syntax"
	// ErrDurationTooShort: shorter than MinPause.
	ErrDurationTooShort DurationErrorCode = "too_short"
	// ErrDurationTooLong: longer than MaxPause.
	ErrDurationTooLong DurationErrorCode = "too_long"
)

// DurationError is the error returned by ParseDuration.
type DurationError struct {
	Code DurationErrorCode
	// Input is the text as given.
	Input string
	// Token is the word or number that could not be read, for
	// ErrDurationSyntax.
	Token string
}

// Error returns an English message; replies use DurationErrorMessage.
func (e *DurationError) Error() string {
	switch e.Code {
	case ErrDurationEmpty:
		return "parse duration: empty"
	case ErrDurationSyntax:
		return fmt.Sprintf("parse duration %q: cannot read %q", e.Input, e.Token)
	case ErrDurationTooShort:
		return fmt.Sprintf("parse duration %q: shorter than %v", e.Input, MinPause)
	case ErrDurationTooLong:
		return fmt.Sprintf("parse duration %q: longer than %v", e.Input, MaxPause)
	}
	return fmt.Sprintf("parse duration %q: %s", e.Input, e.Code)
}

// unit is a duration unit word: its length in seconds and how many units
// the word means when written without a number (ساعة is one hour,
// ساعتين two, ساعات needs a number).
type unit struct {
	seconds  float64
	implicit float64
}

const (
	second = 1.0
	minute = 60 * second
	hour   = 60 * minute
	day    = 24 * hour
	week   = 7 * day
)

// units maps unit words, in alerts.Normalize form (ة → ه, أ → ا,
// lower case), to their unit. Built once, never written.
var units = map[string]unit{
	"s": {second, 0}, "sec": {second, 0}, "secs": {second, 0}, "second": {second, 1}, "seconds": {second, 0},
	"m": {minute, 0}, "min": {minute, 0}, "mins": {minute, 0}, "minute": {minute, 1}, "minutes": {minute, 0},
	"h": {hour, 0}, "hr": {hour, 0}, "hrs": {hour, 0}, "hour": {hour, 1}, "hours": {hour, 0},
	"d": {day, 0}, "day": {day, 1}, "days": {day, 0},
	"w": {week, 0}, "wk": {week, 0}, "week": {week, 1}, "weeks": {week, 0},

	"ث": {second, 0}, "ثانيه": {second, 1}, "ثواني": {second, 0}, "ثوان": {second, 0},
	"ثانيتين": {second, 2}, "ثانيتان": {second, 2},
	"د": {minute, 0}, "دقيقه": {minute, 1}, "دقائق": {minute, 0}, "دقايق": {minute, 0},
	"دقيقتين": {minute, 2}, "دقيقتان": {minute, 2},
	"س": {hour, 0}, "ساعه": {hour, 1}, "ساعات": {hour, 0}, "ساعتين": {hour, 2}, "ساعتان": {hour, 2},
	"يوم": {day, 1}, "ايام": {day, 0}, "يومين": {day, 2}, "يومان": {day, 2},
	"اسبوع": {week, 1}, "اسابيع": {week, 0}, "اسبوعين": {week, 2}, "اسبوعان": {week, 2},
}

// fractions are the number words used with units: «نصف ساعة» is half an
// hour, «ساعة ونصف» an hour and a half.
var fractions = map[string]float64{
	"نصف": 0.5, "نص": 0.5, "ربع": 0.25, "half": 0.5,
}

// smaller is the unit a bare number after a unit counts in: «ساعة و30»
// is an hour and 30 minutes, 1h30 likewise.
var smaller = map[float64]float64{week: day, day: hour, hour: minute, minute: second}

// ParseDuration reads the duration of a /pause. It accepts Go-style
// durations (30m, 2h, 1h30m, 1.5h) with d for days and w for weeks; a
// bare number, which counts minutes (/pause 90); English and Arabic unit
// words (2 hours, «٣ ساعات», «ساعتين», «نصف ساعة», «ساعة ونصف», «يوم»);
// Arabic-Indic and Persian digits and the Arabic decimal separator. Parts
// may be separated by spaces, commas, "and" or «و». The result is rounded
// to the second and must lie within [MinPause, MaxPause].
//
// Errors are *DurationError.
func ParseDuration(s string) (time.Duration, error) {
	toks := durationTokens(tgtext.StripControls(s))
	if len(toks) == 0 {
		return 0, &DurationError{Code: ErrDurationEmpty, Input: s}
	}
	var sum durationSum
	for _, t := range toks {
		if !sum.add(t) {
			return 0, &DurationError{Code: ErrDurationSyntax, Input: s, Token: t.text}
		}
	}
	total, ok := sum.finish()
	if !ok {
		return 0, &DurationError{Code: ErrDurationSyntax, Input: s, Token: toks[len(toks)-1].text}
	}
	return pauseWithin(s, total)
}

// durationSum adds up the parts of a duration, token by token.
type durationSum struct {
	total       float64 // seconds
	lastUnit    float64 // the unit of the previous part, or 0
	pending     float64 // a number waiting for its unit
	hasPending  bool
	pendingFrac bool // pending is a fraction word
}

// add takes the next token: a number, a fraction word, a unit or a
// separator. It reports false for a token that does not fit there.
func (d *durationSum) add(t durationToken) bool {
	if t.number {
		if d.hasPending {
			return false
		}
		v, ok := parseNumber(t.text)
		if !ok {
			return false
		}
		d.pending, d.hasPending, d.pendingFrac = v, true, false
		return true
	}
	w := alerts.Normalize(t.text)
	if w == "و" || w == "and" {
		return true
	}
	// «و» is written joined to the next word: «ونصف», «وساعه».
	if rest, ok := strings.CutPrefix(w, "و"); ok && !isDurationWord(w) && isDurationWord(rest) {
		w = rest
	}
	if f, ok := fractions[w]; ok {
		if d.hasPending {
			return false
		}
		d.pending, d.hasPending, d.pendingFrac = f, true, true
		return true
	}
	u, ok := units[w]
	if !ok {
		return false
	}
	v := d.pending
	if !d.hasPending {
		if u.implicit == 0 {
			return false
		}
		v = u.implicit
	}
	d.total += v * u.seconds
	d.lastUnit = u.seconds
	d.hasPending = false
	return true
}

// finish returns the total in seconds once a number left without a unit
// is counted: minutes when it stands alone, a fraction of the last unit,
// or the unit below the last one (1h 30 is 90 minutes). It reports false
// when no unit fits.
func (d *durationSum) finish() (float64, bool) {
	if !d.hasPending {
		return d.total, true
	}
	switch {
	case d.lastUnit == 0 && d.pendingFrac:
		return 0, false
	case d.lastUnit == 0:
		return d.total + d.pending*minute, true
	case d.pendingFrac:
		return d.total + d.pending*d.lastUnit, true
	case smaller[d.lastUnit] == 0:
		return 0, false
	}
	return d.total + d.pending*smaller[d.lastUnit], true
}

// pauseWithin rounds total seconds, read from input, to the second and
// checks it against [MinPause, MaxPause].
func pauseWithin(input string, total float64) (time.Duration, error) {
	// Compare as floats first: a number with 400 digits must not wrap.
	if total > MaxPause.Seconds() {
		return 0, &DurationError{Code: ErrDurationTooLong, Input: input}
	}
	d := time.Duration(math.Round(total)) * time.Second
	if d < MinPause {
		return 0, &DurationError{Code: ErrDurationTooShort, Input: input}
	}
	return d, nil
}

func isDurationWord(w string) bool {
	_, u := units[w]
	_, f := fractions[w]
	return u || f
}

// durationToken is a run of digits (with decimal separators) or a run
// of letters.
type durationToken struct {
	text   string
	number bool
}

// durationTokens splits s into numbers and words; spaces, format
// characters and commas separate, anything else is a one-rune token of
// its own so that it is reported as unreadable.
func durationTokens(s string) []durationToken {
	var toks []durationToken
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isIgnorable(r) || r == ',' || r == '،':
			i += size
		case unicode.IsDigit(r) || isDecimalSep(r):
			j := i
			for j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsDigit(r) && !isDecimalSep(r) {
					break
				}
				j += n
			}
			toks = append(toks, durationToken{text: s[i:j], number: true})
			i = j
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			j := i
			for j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				// Tatweel and diacritics belong to the word; Normalize
				// removes them.
				if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) && !isFormat(r) {
					break
				}
				j += n
			}
			toks = append(toks, durationToken{text: s[i:j]})
			i = j
		default:
			toks = append(toks, durationToken{text: s[i : i+size]})
			i += size
		}
	}
	return toks
}

func isDecimalSep(r rune) bool { return r == '.' || r == '٫' }

// parseNumber reads a decimal number written with ASCII, Arabic-Indic or
// Persian digits and "." or «٫» as the decimal separator.
func parseNumber(s string) (float64, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '٠' && r <= '٩':
			b.WriteRune('0' + r - '٠')
		case r >= '۰' && r <= '۹':
			b.WriteRune('0' + r - '۰')
		case isDecimalSep(r):
			b.WriteByte('.')
		default:
			return 0, false
		}
	}
	t := b.String()
	if t == "." || strings.Count(t, ".") > 1 {
		return 0, false
	}
	v, err := strconv.ParseFloat(t, 64)
	// Out of range is still a number: +Inf is simply too long a pause,
	// an underflow to 0 too short.
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return v, true
}

// FormatDuration writes d in words for a reply, rounded to the minute,
// with at most its two largest units: "2 hours 30 minutes", «ساعتان و30
// دقيقة». The Arabic follows the rules of counting: a singular alone for
// one, the dual for two, the plural for three to ten, the singular after
// eleven and more.
func FormatDuration(lang Lang, d time.Duration) string {
	d = d.Round(time.Minute)
	if d < time.Minute {
		d = time.Minute
	}
	parts := []struct {
		n    int64
		unit durationUnitName
	}{
		{int64(d / (24 * time.Hour)), dayName},
		{int64(d % (24 * time.Hour) / time.Hour), hourName},
		{int64(d % time.Hour / time.Minute), minuteName},
	}
	var out []string
	for _, p := range parts {
		if p.n == 0 {
			continue
		}
		out = append(out, p.unit.count(lang, p.n))
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 2 && lang == LangAR {
		return out[0] + " و" + out[1]
	}
	return strings.Join(out, " ")
}

type durationUnitName int

const (
	dayName durationUnitName = iota
	hourName
	minuteName
)

// names holds, per unit: the English singular and plural, and the Arabic
// singular, dual, plural and the singular accusative used after 11–99.
var names = [...]struct{ en1, enN, ar1, ar2, arPl, arAcc string }{
	dayName:    {"day", "days", "يوم", "يومان", "أيام", "يومًا"},
	hourName:   {"hour", "hours", "ساعة", "ساعتان", "ساعات", "ساعة"},
	minuteName: {"minute", "minutes", "دقيقة", "دقيقتان", "دقائق", "دقيقة"},
}

func (u durationUnitName) count(lang Lang, n int64) string {
	w := names[u]
	num := strconv.FormatInt(n, 10)
	if lang != LangAR {
		if n == 1 {
			return "1 " + w.en1
		}
		return num + " " + w.enN
	}
	switch r := n % 100; {
	case n == 1:
		return w.ar1
	case n == 2:
		return w.ar2
	case r >= 3 && r <= 10:
		return num + " " + w.arPl
	case r >= 11:
		return num + " " + w.arAcc
	}
	return num + " " + w.ar1
}
