package callback

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseAlert(t *testing.T) {
	long := strings.Repeat("x", maxArg)
	tests := map[string]struct {
		data   string
		want   Alert
		wantOK bool
	}{
		"mute ask":          {data: "am:sana-ticker", want: Alert{MuteAsk, "sana-ticker"}, wantOK: true},
		"mute confirm":      {data: "aM:sana-ticker", want: Alert{MuteConfirm, "sana-ticker"}, wantOK: true},
		"cancel":            {data: "ac:#abc", want: Alert{MuteCancel, "#abc"}, wantOK: true},
		"undo":              {data: "au:bbc", want: Alert{Unmute, "bbc"}, wantOK: true},
		"why":               {data: "aw:1234", want: Alert{Why, "1234"}, wantOK: true},
		"longest argument":  {data: "aw:" + long, want: Alert{Why, long}, wantOK: true},
		"too long":          {data: "aw:" + long + "x"},
		"unknown action":    {data: "az:bbc"},
		"empty argument":    {data: "am:"},
		"another button":    {data: "src:0:bbc"},
		"no colon":          {data: "amxbbc"},
		"empty":             {data: ""},
		"control character": {data: "am:a\nb"},
		"invalid utf-8":     {data: "am:\xff"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := ParseAlert(tc.data)
			if ok != tc.wantOK || got != tc.want {
				t.Fatalf("ParseAlert(%q) = %+v, %v; want %+v, %v", tc.data, got, ok, tc.want, tc.wantOK)
			}
			if ok && got.Data() != tc.data {
				t.Errorf("Data() = %q, want %q", got.Data(), tc.data)
			}
		})
	}
}

func TestSourceKey(t *testing.T) {
	long := strings.Repeat("source-", 10)
	tests := []struct{ id, want string }{
		{"sana-ticker", "sana-ticker"},
		{strings.Repeat("x", 40), strings.Repeat("x", 40)},
	}
	for _, tc := range tests {
		if got := SourceKey(tc.id); got != tc.want {
			t.Errorf("SourceKey(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
	k := SourceKey(long)
	if !strings.HasPrefix(k, "#") || len(Alert{MuteConfirm, k}.Data()) > MaxData {
		t.Errorf("SourceKey(long) = %q, want a short hash", k)
	}
}

// FuzzParseAlert: any data parses without panicking, and what parses
// writes back to itself within Telegram's limit.
func FuzzParseAlert(f *testing.F) {
	for _, s := range []string{"am:sana", "aM:#1x", "aw:77", "au:", "src:1:x", "a", "aw:\x00", "ac:عربي"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		a, ok := ParseAlert(data)
		if !ok {
			return
		}
		d := a.Data()
		if d != data || len(d) > MaxData || !utf8.ValidString(d) {
			t.Fatalf("ParseAlert(%q) = %+v, writes back %q", data, a, d)
		}
	})
}
