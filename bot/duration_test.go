package bot

import (
	"errors"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Duration
		code DurationErrorCode
	}{
		{name: "minutes", in: "30m", want: 30 * time.Minute},
		{name: "hours", in: "2h", want: 2 * time.Hour},
		{name: "day", in: "1d", want: 24 * time.Hour},
		{name: "week", in: "1w", want: 7 * 24 * time.Hour},
		{name: "compound", in: "1h30m", want: 90 * time.Minute},
		{name: "compound with spaces", in: "1h 30m", want: 90 * time.Minute},
		{name: "fraction", in: "1.5h", want: 90 * time.Minute},
		{name: "bare number is minutes", in: "90", want: 90 * time.Minute},
		{name: "trailing number after hours", in: "1h30", want: 90 * time.Minute},
		{name: "english words", in: "2 hours", want: 2 * time.Hour},
		{name: "upper case", in: "2H", want: 2 * time.Hour},
		{name: "arabic-indic digit", in: "٢h", want: 2 * time.Hour},
		{name: "persian digits", in: "۴۵m", want: 45 * time.Minute},
		{name: "arabic decimal separator", in: "١٫٥ ساعة", want: 90 * time.Minute},
		{name: "arabic hours plural", in: "٣ ساعات", want: 3 * time.Hour},
		{name: "arabic hour alone", in: "ساعة", want: time.Hour},
		{name: "arabic hour as ha", in: "ساعه", want: time.Hour},
		{name: "arabic dual", in: "ساعتين", want: 2 * time.Hour},
		{name: "arabic dual nominative", in: "دقيقتان", want: 2 * time.Minute},
		{name: "arabic half hour", in: "نصف ساعة", want: 30 * time.Minute},
		{name: "arabic hour and a half", in: "ساعة ونصف", want: 90 * time.Minute},
		{name: "arabic two hours and a quarter", in: "ساعتين وربع", want: 135 * time.Minute},
		{name: "arabic hour and 30", in: "ساعة و30 دقيقة", want: 90 * time.Minute},
		{name: "arabic day", in: "يوم", want: 24 * time.Hour},
		{name: "arabic days with hamza", in: "3 أيام", want: 72 * time.Hour},
		{name: "arabic minutes abbreviation", in: "٤٥د", want: 45 * time.Minute},
		{name: "arabic with diacritics and tatweel", in: "سـاعَة", want: time.Hour},
		{name: "rlm around", in: "\u200f2h\u200f", want: 2 * time.Hour},
		{name: "thirty days", in: "30d", want: MaxPause},
		{name: "one minute", in: "1m", want: MinPause},
		{name: "seconds rounded", in: "120s", want: 2 * time.Minute},
		{name: "empty", in: "", code: ErrDurationEmpty},
		{name: "only marks", in: "\u200f ", code: ErrDurationEmpty},
		{name: "too short", in: "30s", code: ErrDurationTooShort},
		{name: "zero", in: "0", code: ErrDurationTooShort},
		{name: "too long", in: "31d", code: ErrDurationTooLong},
		{name: "huge number", in: "99999999999999999999999999999999999999h", code: ErrDurationTooLong},
		{name: "exponent is not a unit", in: "1e9", code: ErrDurationSyntax},
		{name: "negative", in: "-2h", code: ErrDurationSyntax},
		{name: "unknown unit", in: "2 fortnights", code: ErrDurationSyntax},
		{name: "two numbers", in: "2 3h", code: ErrDurationSyntax},
		{name: "plural without number", in: "ساعات", code: ErrDurationSyntax},
		{name: "half alone", in: "نصف", code: ErrDurationSyntax},
		{name: "two dots", in: "1.2.3h", code: ErrDurationSyntax},
		{name: "number after seconds", in: "1s30", code: ErrDurationSyntax},
		{name: "word", in: "tomorrow", code: ErrDurationSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.code != "" {
				var de *DurationError
				if !errors.As(err, &de) || de.Code != tt.code {
					t.Fatalf("ParseDuration(%q) = %v, %v; want error %s", tt.in, got, err, tt.code)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		name string
		lang Lang
		d    time.Duration
		want string
	}{
		{"en one hour", LangEN, time.Hour, "1 hour"},
		{"en hours and minutes", LangEN, 2*time.Hour + 30*time.Minute, "2 hours 30 minutes"},
		{"en days", LangEN, 3 * 24 * time.Hour, "3 days"},
		{"en two largest units", LangEN, 24*time.Hour + time.Hour + time.Minute, "1 day 1 hour"},
		{"en under a minute", LangEN, time.Second, "1 minute"},
		{"ar one hour", LangAR, time.Hour, "ساعة"},
		{"ar two hours", LangAR, 2 * time.Hour, "ساعتان"},
		{"ar three hours", LangAR, 3 * time.Hour, "3 ساعات"},
		{"ar ten minutes", LangAR, 10 * time.Minute, "10 دقائق"},
		{"ar eleven minutes", LangAR, 11 * time.Minute, "11 دقيقة"},
		{"ar thirty days", LangAR, 30 * 24 * time.Hour, "30 يومًا"},
		{"ar hour and half", LangAR, 90 * time.Minute, "ساعة و30 دقيقة"},
		{"ar two days and two hours", LangAR, 50 * time.Hour, "يومان وساعتان"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatDuration(tt.lang, tt.d); got != tt.want {
				t.Errorf("FormatDuration(%s, %v) = %q; want %q", tt.lang, tt.d, got, tt.want)
			}
		})
	}
}
