package tgtext

import (
	"html"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTextLength(t *testing.T) {
	tests := map[string]struct {
		in   string
		want int
	}{
		"plain":                      {in: "abc", want: 3},
		"tags removed":               {in: "<b>a</b> <i>b</i>", want: 3},
		"attribute with >":           {in: `<a href="https://x/?a>b">t</a>`, want: 1},
		"named entities":             {in: "&lt;&gt;&amp;&quot;", want: 4},
		"without semicolon":          {in: "&amp", want: 1},
		"unknown named entity":       {in: "&nbsp;", want: 6},
		"apostrophe entity":          {in: "&apos;", want: 6},
		"decimal":                    {in: "&#39;", want: 1},
		"decimal astral":             {in: "&#128293;", want: 2},
		"hex astral":                 {in: "&#x1F525;", want: 2},
		"zero":                       {in: "&#0;", want: 4},
		"out of range":               {in: "&#1114111;", want: 10},
		"too many digits":            {in: "&#000000065;", want: 12},
		"bare ampersand":             {in: "a & b", want: 5},
		"emoji surrogate pair":       {in: "🔥", want: 2},
		"arabic":                     {in: "عاجل", want: 4},
		"isolates count":             {in: FSI + "AP" + PDI, want: 4},
		"newlines count":             {in: "a\n\nb", want: 4},
		"ampersand then tag":         {in: "&<b>amp;</b>", want: 5},
		"unterminated tag":           {in: "a<b", want: 1},
		"entity followed by letters": {in: "&ampx", want: 5},
		"hex without digits":         {in: "&#x;", want: 4},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := TextLength(tt.in); got != tt.want {
				t.Errorf("TextLength(%q) = %d; want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{`a<b & "c"> d`, "a&lt;b &amp; &quot;c&quot;&gt; d"},
		{"it's", "it's"},
		{"&amp;", "&amp;amp;"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzTextLength checks that escaped text, by Escape or by
// html.EscapeString, is as long for Telegram as the text itself.
func FuzzTextLength(f *testing.F) {
	for _, s := range []string{"", "a<b>&c", `"'`, "🔥عاجل", "&amp;&#39;", "\xff<"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		want := UTF16Len(s)
		if got := TextLength(Escape(s)); got != want {
			t.Errorf("TextLength(Escape(%q)) = %d; want %d", s, got, want)
		}
		if got := TextLength(html.EscapeString(s)); got != want {
			t.Errorf("TextLength(html.EscapeString(%q)) = %d; want %d", s, got, want)
		}
	})
}
