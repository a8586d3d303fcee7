package feeds

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	tests := map[string]struct {
		in, want string
	}{
		"plain":                   {"Israel vows to keep troops in Lebanon", "Israel vows to keep troops in Lebanon"},
		"less-than survives":      {"Profits < forecast as costs rise", "Profits < forecast as costs rise"},
		"ampersand survives":      {"AT&T and T-Mobile", "AT&T and T-Mobile"},
		"entity":                  {"Al Jazeera &#8211; Breaking News", "Al Jazeera – Breaking News"},
		"double-escaped (AJE)":    {"the president&amp;#039;s immigration crackdown", "the president's immigration crackdown"},
		"literal &#039; in CDATA": {"insists US has &#039;total control&#039; of strait", "insists US has 'total control' of strait"},
		"tags":                    {"<p>The president’s <b>speech</b></p><p>Donald Trump</p>", "The president’s speech Donald Trump"},
		"tracking pixel only":     {`<img src="http://feeds.feedburner.com/~r/JN-ULTIMAS/~4/GfXqkJnHUcM" height="1" width="1" alt=""/>`, ""},
		"script and style":        {"<style>p{}</style>a<script>var x='<b>';</script> b<noscript>c</noscript>", "a b"},
		"br separates":            {"one<br>two<br/>three", "one two three"},
		"inline tag joins":        {"W<b>or</b>d", "Word"},
		"zero-width and bidi": {"\u200fعاجل\u200e |\u200b غارات\u2066 على\u2069 \ufeffجنوب\u00ad لبنان\u061c",
			"عاجل | غارات على جنوب لبنان"},
		"nbsp, tabs, newlines": {"  Apucarana\u00a0garante\t\tcontinuidade\r\n   do   Pré  ", "Apucarana garante continuidade do Pré"},
		"re-indented headline (BBC Arabic)": {"شلل في تونس وتوقف حركة\n                                                            الطيران",
			"شلل في تونس وتوقف حركة الطيران"},
		"replacement char kept":                {"ল\uFFFD\uFFFD\uFFFDঙ্কনের", "ল\uFFFD\uFFFD\uFFFDঙ্কনের"},
		"invalid utf-8":                        {"ab\xffcd", "ab\uFFFDcd"},
		"control chars":                        {"a\x00b\x1bc", "abc"},
		"escaped markup stays text in a title": {"&lt;b&gt;bold&lt;/b&gt;", "<b>bold</b>"},
		"tatweel kept":                         {"عــاجــل", "عــاجــل"},
		"empty":                                {"", ""},
		"only spaces":                          {" \u00a0\n\t ", ""},
		"unterminated tag":                     {"headline <a href=", "headline"},
		"comment":                              {"a<!-- b -->c", "ac"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := CleanText(tc.in); got != tc.want {
				t.Errorf("CleanText(%q):\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCleanMarkup(t *testing.T) {
	// The Guardian's descriptions are escaped markup inside XML; a second
	// round strips the tags that the first reveals.
	in := "&lt;p&gt;The president’s ‘new American moment’ speech&lt;/p&gt;&lt;p&gt;Donald Trump &amp;amp; co&lt;/p&gt;"
	if got, want := cleanMarkup(in), "The president’s ‘new American moment’ speech Donald Trump & co"; got != want {
		t.Errorf("cleanMarkup:\n got %q\nwant %q", got, want)
	}
	if got, want := cleanMarkup("Profits < forecast"), "Profits < forecast"; got != want {
		t.Errorf("cleanMarkup: got %q, want %q", got, want)
	}
}

func TestTruncateWords(t *testing.T) {
	long := strings.Repeat("word ", 300)
	got := truncateWords(long, 1000)
	if n := utf8.RuneCountInString(got); n > 1000 {
		t.Errorf("got %d runes, want at most 1000", n)
	}
	if !strings.HasSuffix(got, "word…") {
		t.Errorf("want a cut at a word boundary marked with …, got suffix %q", got[len(got)-12:])
	}
	arabic := strings.Repeat("التفاصيل بعد قليل ", 100)
	got = truncateWords(arabic, 50)
	if n := utf8.RuneCountInString(got); n > 50 || !utf8.ValidString(got) {
		t.Errorf("got %d runes (valid %v), want at most 50", n, utf8.ValidString(got))
	}
	if short := "قصير"; truncateWords(short, 50) != short {
		t.Errorf("a short text changed")
	}
}

// cleanSeeds are headlines and descriptions of the real documents.
func cleanSeeds(f *testing.F) {
	for _, tc := range rssCases {
		body := fixture(f, tc.file)
		if tc.latin1 {
			body = latin1Fixture(f, tc.file)
		}
		_, items := parseCase(f, tc)
		for i, it := range items {
			if i%7 == 0 {
				f.Add(it.Title)
			}
		}
		f.Add(string(body[:min(len(body), 2000)]))
	}
	f.Add("the president&amp;#039;s <b>crack</b>down\u200f\u00a0 &lt;p&gt;")
	f.Add("Profits < forecast; AT&T")
}

func FuzzCleanText(f *testing.F) {
	cleanSeeds(f)
	f.Fuzz(func(t *testing.T, in string) {
		out := CleanText(in)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q: %q", in, out)
		}
		if out != strings.TrimSpace(out) || strings.Contains(out, "  ") {
			t.Fatalf("whitespace not collapsed: %q", out)
		}
		for _, r := range out {
			if invisible(r) || r == '\n' || r == '\t' || r == '\u00a0' {
				t.Fatalf("%q left in %q", r, out)
			}
		}
		// Cleaning is idempotent on what it returns when that holds no
		// markup or references any more (with them, a second call would
		// unescape a third level, which is the documented limit).
		if !strings.ContainsAny(out, "<&") {
			if again := CleanText(out); again != out {
				t.Fatalf("not idempotent: %q → %q → %q", in, out, again)
			}
		}
		// Plain text loses nothing but invisible characters and spacing.
		if !strings.ContainsAny(in, "<&") && utf8.ValidString(in) {
			visible := strings.Map(func(r rune) rune {
				if invisible(r) || unicode.IsControl(r) && !unicode.IsSpace(r) {
					return -1
				}
				return r
			}, in)
			want := strings.Join(strings.Fields(visible), " ")
			if out != want {
				t.Fatalf("plain text changed: %q → %q, want %q", in, out, want)
			}
		}
	})
}

func BenchmarkCleanText(b *testing.B) {
	inputs := map[string]string{
		"plain":  "Israeli settlers besiege Palestinian families in West Bank’s Qusra",
		"arabic": "عاجل | يسرائيل هيوم عن مصادر: حكومة إسرائيل تسعى لإقرار بدء تسجيل أراض بالضفة الغربية",
		"markup": "<p>The president’s ‘new American moment’ speech stirred Republican applause</p><p>Donald Trump has promised</p>",
	}
	for _, name := range sortedKeys(inputs) {
		in := inputs[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = CleanText(in)
			}
		})
	}
}
