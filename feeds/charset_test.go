package feeds

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// The Gaza paragraph of the two "no charset" fixtures contains this.
const qassamPhrase = "كتائب الشهيد عز الدين القسام"

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("../testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// checkDecode runs DecodeBody on raw and checks the charset it names and
// a phrase of the body; it returns the body.
func checkDecode(t *testing.T, raw []byte, contentType, override, wantCharset, wantPhrase string) []byte {
	t.Helper()
	body, cs, err := DecodeBody(raw, contentType, override)
	if err != nil {
		t.Fatalf("DecodeBody: %v", err)
	}
	if cs != wantCharset {
		t.Errorf("charset = %q, want %q", cs, wantCharset)
	}
	if !bytes.Contains(body, []byte(wantPhrase)) {
		t.Errorf("body does not contain %q; starts %q", wantPhrase, firstBytes(body, 300))
	}
	return body
}

func TestDecodeBodyUndeclared(t *testing.T) {
	tests := map[string]struct {
		file        string
		wantCharset string
		wantPhrase  string
	}{
		"windows-1256 html without charset": {
			file: "ar_news_paragraph_windows-1256_no_charset.html", wantCharset: "windows-1256", wantPhrase: qassamPhrase,
		},
		"iso-8859-6 html without charset": {
			file: "ar_news_paragraph_iso-8859-6_no_charset.html", wantCharset: "iso-8859-6", wantPhrase: qassamPhrase,
		},
		"windows-1256 plain text": {
			file: "ar_alriyadh_webtext_windows-1256_culturax.txt", wantCharset: "windows-1256",
			wantPhrase: "السبت 15 رجب 1442هـ 27 فبراير 2021م",
		},
		"latin-1 rss without xml declaration": {
			file: "pt_uol_noticias_noprolog_latin1.rss", wantCharset: "windows-1252", wantPhrase: "<description>Últimas Notícias</description>",
		},
		"utf-8 rss": {
			file: "ar_fi_sana_name_collision_scraped_2026-03-24.rss", wantCharset: "utf-8", wantPhrase: "مضيق-هرمز",
		},
		"utf-8 ticker text": {
			file: "ticker_excerpt_sana_sy_fa_p20025_tatweel_3ajil.txt", wantCharset: "utf-8", wantPhrase: "عــاجــل",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			body := checkDecode(t, readFixture(t, tt.file), "", "", tt.wantCharset, tt.wantPhrase)
			if !utf8.Valid(body) {
				t.Error("body is not valid UTF-8")
			}
		})
	}
}

// Headlines are short, and a ticker line or a JSON field may be all there
// is to sniff. Real headlines from the fixtures, encoded in each legacy
// Arabic encoding, must come back intact.
func TestDecodeBodyUndeclaredHeadlines(t *testing.T) {
	strip := readFixture(t, "ticker_excerpt_masress_elaosboa_46646_3ajil_prefix_suffix.txt")
	var headlines []string
	for h := range strings.SplitSeq(string(strip), "    ") {
		if h = strings.TrimSpace(h); utf8.RuneCountInString(h) >= 20 {
			headlines = append(headlines, h)
		}
	}
	if len(headlines) < 10 {
		t.Fatalf("found %d headlines in the ticker fixture, want at least 10", len(headlines))
	}
	encodings := map[string]*charmap.Charmap{"windows-1256": charmap.Windows1256, "iso-8859-6": charmap.ISO8859_6}
	for encName, cm := range encodings {
		tested := 0
		for _, h := range headlines {
			raw, err := cm.NewEncoder().Bytes([]byte(h))
			if err != nil {
				continue // a character the encoding lacks, e.g. « in ISO-8859-6
			}
			tested++
			body, cs, err := DecodeBody(raw, "", "")
			if err != nil {
				t.Fatalf("DecodeBody(%s %q): %v", encName, h, err)
			}
			if cs != encName || string(body) != h {
				t.Errorf("DecodeBody(%q in %s) = %q as %s, want it back as %s", h, encName, body, cs, encName)
			}
		}
		if tested < 5 {
			t.Errorf("%s: only %d headlines encodable, want at least 5", encName, tested)
		}
	}
}

func TestDecodeBodyPrecedence(t *testing.T) {
	cp1256 := readFixture(t, "ar_news_paragraph_windows-1256_no_charset.html")
	iso6 := readFixture(t, "ar_news_paragraph_iso-8859-6_no_charset.html")
	utf8Doc := readFixture(t, "ar_fi_sana_name_collision_scraped_2026-03-24.rss")
	withMeta := func(doc []byte, meta string) []byte {
		return bytes.Replace(doc, []byte("<head>"), []byte("<head>"+meta), 1)
	}
	prepend := func(s string, doc []byte) []byte { return append([]byte(s), doc...) }

	tests := map[string]struct {
		raw         []byte
		contentType string
		override    string
		wantCharset string
		wantPhrase  string
	}{
		"override beats header and sniffing": {
			raw: cp1256, contentType: "text/html; charset=iso-8859-6", override: "cp1256",
			wantCharset: "windows-1256", wantPhrase: qassamPhrase,
		},
		"override beats bom": {
			raw: prepend("\xEF\xBB\xBF", cp1256), override: "windows-1256",
			wantCharset: "windows-1256", wantPhrase: qassamPhrase,
		},
		"bom beats header": {
			raw: prepend("\xEF\xBB\xBF", utf8Doc), contentType: "application/rss+xml; charset=windows-1256",
			wantCharset: "utf-8", wantPhrase: "مضيق-هرمز",
		},
		"header beats xml declaration": {
			raw: prepend(`<?xml version="1.0" encoding="ISO-8859-6"?>`, cp1256), contentType: `text/xml; charset="windows-1256"`,
			wantCharset: "windows-1256", wantPhrase: qassamPhrase,
		},
		"xml declaration beats meta": {
			raw:         prepend(`<?xml version="1.0" encoding="windows-1256"?>`, withMeta(cp1256, `<meta charset="iso-8859-6">`)),
			wantCharset: "windows-1256", wantPhrase: qassamPhrase,
		},
		"meta charset": {
			raw: withMeta(iso6, `<meta charset="ISO-8859-6">`), contentType: "text/html",
			wantCharset: "iso-8859-6", wantPhrase: qassamPhrase,
		},
		"meta http-equiv": {
			raw:         withMeta(cp1256, `<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">`),
			wantCharset: "windows-1256", wantPhrase: qassamPhrase,
		},
		"meta naming iso-8859-1 is obeyed, not sniffed": {
			raw:         withMeta(cp1256, `<meta charset="iso-8859-1">`),
			wantCharset: "windows-1252", wantPhrase: "<title> windows-1256 </title>",
		},
		"declared iso-8859-1 xml": {
			raw:         readFixture(t, "pt_jn_ultimas_iso8859-1_feedburner.rss"),
			wantCharset: "windows-1252", wantPhrase: "<title>Jornal de Notícias - Últimas Notícias</title>",
		},
		"iana-only name": {
			raw: iso6, override: "ISO_8859-6:1987",
			wantCharset: "iso-8859-6", wantPhrase: qassamPhrase,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			checkDecode(t, tt.raw, tt.contentType, tt.override, tt.wantCharset, tt.wantPhrase)
		})
	}
}

// A <meta> that names a charset is obeyed even when sniffing would say
// otherwise: the declaration is the page's word.
func TestDecodeBodyMetaBeatsSniffing(t *testing.T) {
	iso6 := readFixture(t, "ar_news_paragraph_iso-8859-6_no_charset.html")
	raw := bytes.Replace(iso6, []byte("<head>"), []byte(`<head><meta charset="windows-1256">`), 1)
	body, cs, err := DecodeBody(raw, "", "")
	if err != nil {
		t.Fatalf("DecodeBody: %v", err)
	}
	want, _ := charmap.Windows1256.NewDecoder().Bytes(raw)
	if cs != "windows-1256" || !bytes.Equal(body, want) {
		t.Errorf("DecodeBody = %q as %s, want the windows-1256 decoding", firstBytes(body, 200), cs)
	}
}

func TestDecodeBodyBOM(t *testing.T) {
	doc := readFixture(t, "ar_fi_sana_name_collision_scraped_2026-03-24.rss")
	utf16Decl := bytes.Replace(doc, []byte("encoding='UTF-8'"), []byte("encoding='UTF-16'"), 1)
	encode := func(e unicode.Endianness, src []byte) []byte {
		b, err := unicode.UTF16(e, unicode.UseBOM).NewEncoder().Bytes(src)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// A declaration naming UTF-16 is rewritten; one naming UTF-8 is kept.
	rewritten := bytes.Replace(doc, []byte("encoding='UTF-8'"), []byte(`encoding="UTF-8"`), 1)
	tests := map[string]struct {
		raw         []byte
		wantCharset string
		want        []byte
	}{
		"utf-8":                 {raw: append([]byte("\xEF\xBB\xBF"), doc...), wantCharset: "utf-8", want: doc},
		"utf-16le":              {raw: encode(unicode.LittleEndian, doc), wantCharset: "utf-16le", want: doc},
		"utf-16be":              {raw: encode(unicode.BigEndian, doc), wantCharset: "utf-16be", want: doc},
		"utf-16le declaring it": {raw: encode(unicode.LittleEndian, utf16Decl), wantCharset: "utf-16le", want: rewritten},
		"utf-16be declaring it": {raw: encode(unicode.BigEndian, utf16Decl), wantCharset: "utf-16be", want: rewritten},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			body, cs, err := DecodeBody(tt.raw, "application/rss+xml", "")
			if err != nil {
				t.Fatalf("DecodeBody: %v", err)
			}
			if cs != tt.wantCharset {
				t.Errorf("charset = %q, want %q", cs, tt.wantCharset)
			}
			if !bytes.Equal(body, tt.want) {
				t.Errorf("body starts %q, want %q (and the rest of the document)", firstBytes(body, 80), firstBytes(tt.want, 80))
			}
		})
	}
}

func TestDecodeBodyUnknownCharset(t *testing.T) {
	doc := readFixture(t, "ar_news_paragraph_windows-1256_no_charset.html")
	tests := map[string]struct {
		raw         []byte
		contentType string
		override    string
		wantName    string
	}{
		"override":        {raw: doc, override: "x-klingon", wantName: "x-klingon"},
		"header":          {raw: doc, contentType: "text/html; charset=utf8mb4", wantName: "utf8mb4"},
		"xml declaration": {raw: append([]byte(`<?xml version="1.0" encoding="arabic-1999"?>`), doc...), wantName: "arabic-1999"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := DecodeBody(tt.raw, tt.contentType, tt.override)
			if !errors.Is(err, ErrUnknownCharset) {
				t.Fatalf("err = %v, want ErrUnknownCharset", err)
			}
			if !strings.Contains(err.Error(), tt.wantName) {
				t.Errorf("error %q does not name %q", err, tt.wantName)
			}
			if got := ClassOf(err); got != ClassParse {
				t.Errorf("ClassOf = %q, want %q", got, ClassParse)
			}
		})
	}
}

// gofeed honours the XML declaration: if it still said ISO-8859-1 after
// decoding, the Portuguese accents would be decoded twice into mojibake.
func TestDecodeBodyRewritesXMLDeclaration(t *testing.T) {
	raw := readFixture(t, "pt_jn_ultimas_iso8859-1_feedburner.rss")
	body, _, err := DecodeBody(raw, "", "")
	if err != nil {
		t.Fatalf("DecodeBody: %v", err)
	}
	if want := `<?xml version="1.0" encoding="UTF-8"?>`; !bytes.HasPrefix(body, []byte(want)) {
		t.Errorf("body starts %q, want %q", firstBytes(body, 60), want)
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse decoded feed: %v", err)
	}
	if want := "Jornal de Notícias - Últimas Notícias"; feed.Title != want {
		t.Errorf("feed title = %q, want %q", feed.Title, want)
	}
}

func TestRewriteXMLDecl(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"double quotes":      {`<?xml version="1.0" encoding="windows-1256"?><rss/>`, `<?xml version="1.0" encoding="UTF-8"?><rss/>`},
		"single quotes":      {`<?xml version='1.0' encoding='ISO-8859-6' standalone='yes'?><a/>`, `<?xml version='1.0' encoding="UTF-8" standalone='yes'?><a/>`},
		"leading whitespace": {"\n  <?xml version=\"1.0\" encoding = \"latin1\"?><a/>", "\n  <?xml version=\"1.0\" encoding = \"UTF-8\"?><a/>"},
		"already utf-8":      {`<?xml version="1.0" encoding="utf-8"?><a/>`, `<?xml version="1.0" encoding="utf-8"?><a/>`},
		"no encoding":        {`<?xml version="1.0"?><a encoding="x"/>`, `<?xml version="1.0"?><a encoding="x"/>`},
		"not at the start":   {`<a/><?xml version="1.0" encoding="latin1"?>`, `<a/><?xml version="1.0" encoding="latin1"?>`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := string(rewriteXMLDecl([]byte(tt.in))); got != tt.want {
				t.Errorf("rewriteXMLDecl(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeBodyInvalidUTF8(t *testing.T) {
	raw := []byte("عاجل \xff\xfe\xd8 خبر")
	body, cs, err := DecodeBody(raw, "text/plain; charset=utf-8", "")
	if err != nil {
		t.Fatalf("DecodeBody: %v", err)
	}
	if want := "عاجل \uFFFD خبر"; cs != "utf-8" || string(body) != want {
		t.Errorf("DecodeBody = %q (%s), want %q (utf-8)", body, cs, want)
	}
}

func FuzzDecodeBody(f *testing.F) {
	for _, name := range []string{
		"ar_news_paragraph_windows-1256_no_charset.html",
		"ar_news_paragraph_iso-8859-6_no_charset.html",
		"ar_alriyadh_webtext_windows-1256_culturax.txt",
		"pt_uol_noticias_noprolog_latin1.rss",
		"pt_jn_ultimas_iso8859-1_feedburner.rss",
		"ticker_excerpt_sana_sy_fa_p20025_tatweel_3ajil.txt",
		"ar_fi_sana_name_collision_scraped_2026-03-24.rss",
		"en_aljazeera_listing_gonews_2023-10-07T1226Z.html",
	} {
		raw := readFixture(f, name)
		f.Add(firstBytes(raw, 4096), "", "")
		f.Add(firstBytes(raw, 4096), "text/html; charset=windows-1256", "")
	}
	f.Add([]byte("\xFF\xFE<\x00?\x00x\x00"), "", "")
	f.Add([]byte(`<?xml version="1.0" encoding="iso-8859-6"?><rss/>`), "application/xml", "")
	f.Add([]byte("\xda\xc7\xcc\xe1"), "", "utf-16be")
	f.Fuzz(func(t *testing.T, raw []byte, contentType, override string) {
		body, cs, err := DecodeBody(raw, contentType, override)
		if err != nil {
			if !errors.Is(err, ErrUnknownCharset) {
				t.Fatalf("DecodeBody: unexpected error %v", err)
			}
			return
		}
		if cs == "" {
			t.Error("no charset name returned")
		}
		if !utf8.Valid(body) {
			t.Fatalf("body is not valid UTF-8: %q", firstBytes(body, 100))
		}
		// Decoding the output again as UTF-8 changes nothing: it is
		// already what a parser should be given.
		again, _, err := DecodeBody(body, "", "utf-8")
		if err != nil || !bytes.Equal(again, body) {
			t.Errorf("re-decoding the output as UTF-8 changed it (err %v)", err)
		}
		if m := xmlDecl.FindSubmatch(firstBytes(body, declLimit)); m != nil && !strings.EqualFold(string(m[1][1:len(m[1])-1]), "UTF-8") {
			t.Errorf("xml declaration still names %s", m[1])
		}
	})
}

func BenchmarkDecodeBody(b *testing.B) {
	benches := map[string]struct{ file, contentType string }{
		"utf-8 html 764KB":         {"ar_bbc_arabic_homepage_2022-06_prettyprinted.html", "text/html; charset=utf-8"},
		"latin-1 declared rss":     {"pt_jn_ultimas_iso8859-1_feedburner.rss", ""},
		"windows-1256 sniffed":     {"ar_alriyadh_webtext_windows-1256_culturax.txt", ""},
		"iso-8859-6 sniffed html":  {"ar_news_paragraph_iso-8859-6_no_charset.html", ""},
		"latin-1 sniffed rss 9 KB": {"pt_uol_noticias_noprolog_latin1.rss", ""},
	}
	for name, bb := range benches {
		raw := readFixture(b, bb.file)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, _, err := DecodeBody(raw, bb.contentType, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func firstBytes(b []byte, n int) []byte { return b[:min(len(b), n)] }
