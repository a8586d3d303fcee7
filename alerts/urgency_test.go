package alerts

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aajil/aajil/internal/corpus"
)

// keywordFile holds the Al Jazeera English titles with an urgency
// keyword, named as the urgency corpus names its source: under the
// repository's testdata/.
const keywordFile = "derived/en_aljazeera_titles_matching_breaking_urgent_flash_live_keywords.tsv"

// readLabels returns the urgency corpus, testdata/urgency_labels.tsv.
func readLabels(tb testing.TB) []corpus.Label {
	tb.Helper()
	labels, err := corpus.ReadLabels(corpus.Labels)
	if err != nil {
		tb.Fatal(err)
	}
	return labels
}

func newDefaultDetector(t testing.TB) *Detector {
	t.Helper()
	d, err := NewDetector(DefaultMarkers())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDetectLabelled(t *testing.T) {
	d := newDefaultDetector(t)
	labels := readLabels(t)
	fixtures := map[string]string{}
	var urgent, not, arabic int
	for _, l := range labels {
		doc, ok := fixtures[l.Source]
		if !ok {
			b, err := os.ReadFile("../testdata/" + l.Source)
			if err != nil {
				t.Fatalf("line %d: %v", l.Line, err)
			}
			doc = string(b)
			fixtures[l.Source] = doc
		}
		if !strings.Contains(doc, l.Title) {
			t.Errorf("line %d: title %q does not occur in %s", l.Line, l.Title, l.Source)
		}
		if l.Urgent {
			urgent++
		} else {
			not++
		}
		if Script(l.Title) == "ar" {
			arabic++
		}
		got := d.Detect(l.Title)
		want := Banner{Found: l.Urgent, Marker: l.Marker, Rest: l.Rest}
		if !l.Urgent {
			want.Rest = l.Title
		}
		if got != want {
			t.Errorf("line %d: Detect(%q)\n got %+v\nwant %+v", l.Line, l.Title, got, want)
		}
	}
	if urgent < 5 || not < 60 || arabic < 30 {
		t.Errorf("labels: %d urgent, %d not, %d Arabic; want a corpus of at least 5, 60 and 30", urgent, not, arabic)
	}

	// Every title of the keyword file must be labelled.
	have := map[string]bool{}
	for _, l := range labels {
		if l.Source == keywordFile {
			have[l.Title] = true
		}
	}
	keywordTitles, err := corpus.Titles("testdata/" + keywordFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range keywordTitles {
		if !have[title] {
			t.Errorf("%s: title %q has no label", keywordFile, title)
		}
	}
}

// detectCases are titles with and without a banner, by what they test.
var detectCases = map[string]struct {
	title, marker, rest string
	found               bool
}{
	// Typographies of عاجل, at the start.
	"bar":                 {title: "عاجل | نص الخبر", found: true, marker: "عاجل", rest: "نص الخبر"},
	"tatweel space":       {title: "عــاجــل مصدر أمني: انفجار", found: true, marker: "عــاجــل", rest: "مصدر أمني: انفجار"},
	"diacritics":          {title: "عاجِلٌ: نص الخبر", found: true, marker: "عاجِلٌ", rest: "نص الخبر"},
	"presentation forms":  {title: "ﻋﺎﺟﻞ - نص الخبر", found: true, marker: "ﻋﺎﺟﻞ", rest: "نص الخبر"},
	"hashtag":             {title: "#عاجل الرئيس يصل", found: true, marker: "عاجل", rest: "الرئيس يصل"},
	"guillemets":          {title: "«عاجل» الرئيس يصل", found: true, marker: "عاجل", rest: "الرئيس يصل"},
	"brackets":            {title: "[عاجل] الرئيس يصل", found: true, marker: "عاجل", rest: "الرئيس يصل"},
	"lenticular":          {title: "【عاجل】الرئيس يصل", found: true, marker: "عاجل", rest: "الرئيس يصل"},
	"emoji and bar":       {title: "🔴 عاجل | الرئيس يصل", found: true, marker: "عاجل", rest: "الرئيس يصل"},
	"emoji after":         {title: "عاجل 🚨 الرئيس يصل", found: true, marker: "عاجل", rest: "الرئيس يصل"},
	"emoji with selector": {title: "⚡️عاجل⚡️ الرئيس يصل", found: true, marker: "عاجل", rest: "الرئيس يصل"},
	"khabar":              {title: "خبر عاجل: الرئيس يصل", found: true, marker: "خبر عاجل", rest: "الرئيس يصل"},
	"jiddan tanwin":       {title: "عاجل جداً.. الرئيس يصل", found: true, marker: "عاجل جداً", rest: "الرئيس يصل"},
	"jiddan":              {title: "عاجل جدا الرئيس يصل", found: true, marker: "عاجل جدا", rest: "الرئيس يصل"},
	"ellipsis":            {title: "عاجل… الرئيس يصل", found: true, marker: "عاجل", rest: "الرئيس يصل"},
	"zero width and bidi": {title: "\u200fعاجل\u200c: الرئيس يصل\u200f", found: true, marker: "عاجل", rest: "الرئيس يصل"},
	"only the marker":     {title: "عــاجــل", found: true, marker: "عــاجــل", rest: ""},
	"marker and colon":    {title: " BREAKING: ", found: true, marker: "BREAKING", rest: ""},
	"both ends":           {title: "عاجل | الرئيس يصل | #عاجل", found: true, marker: "عاجل", rest: "الرئيس يصل"},
	// At the end.
	"suffix dots":     {title: "الرئيس يصل.. عاجل", found: true, marker: "عاجل", rest: "الرئيس يصل"},
	"suffix dash":     {title: "الرئيس يصل - عاجل", found: true, marker: "عاجل", rest: "الرئيس يصل"},
	"suffix hashtag":  {title: "الرئيس يصل #عاجل", found: true, marker: "عاجل", rest: "الرئيس يصل"},
	"suffix brackets": {title: "President lands (URGENT)", found: true, marker: "URGENT", rest: "President lands"},
	"suffix emoji":    {title: "President lands 🔴 Breaking", found: true, marker: "Breaking", rest: "President lands"},
	// Latin markers.
	"breaking colon":     {title: "BREAKING: Ukraine says", found: true, marker: "BREAKING", rest: "Ukraine says"},
	"breaking capitals":  {title: "BREAKING Ukraine says", found: true, marker: "BREAKING", rest: "Ukraine says"},
	"breaking news":      {title: "Breaking News - Ukraine says", found: true, marker: "Breaking News", rest: "Ukraine says"},
	"breaking news caps": {title: "BREAKING NEWS Ukraine says", found: true, marker: "BREAKING NEWS", rest: "Ukraine says"},
	"hashtag camel":      {title: "#BreakingNews Ukraine says", found: true, marker: "BreakingNews", rest: "Ukraine says"},
	"urgent":             {title: "URGENT: UN Security Council meets", found: true, marker: "URGENT", rest: "UN Security Council meets"},
	"flash":              {title: "FLASH - Quake hits Turkey", found: true, marker: "FLASH", rest: "Quake hits Turkey"},
	"just in":            {title: "Just in: Quake hits Turkey", found: true, marker: "Just in", rest: "Quake hits Turkey"},
	"alerte":             {title: "ALERTE - Séisme en Turquie", found: true, marker: "ALERTE", rest: "Séisme en Turquie"},
	"alerte info":        {title: "ALERTE INFO : Séisme en Turquie", found: true, marker: "ALERTE INFO", rest: "Séisme en Turquie"},
	"derniere minute":    {title: "Dernière minute : séisme en Turquie", found: true, marker: "Dernière minute", rest: "séisme en Turquie"},
	"fullwidth":          {title: "ＢＲＥＡＫＩＮＧ：Ukraine says", found: true, marker: "ＢＲＥＡＫＩＮＧ", rest: "Ukraine says"},
	// Not banners: the list, and near misses.
	"tari wa ajil":        {title: "اجتماع طارئ وعاجل للجامعة العربية"},
	"ighatha ajila":       {title: "مطالبات بإغاثة عاجلة للنازحين"},
	"khitta ajila":        {title: "خطة عاجلة لإصلاح شبكة الكهرباء"},
	"nida ajil":           {title: "نداء عاجل للتبرع بالدم"},
	"ajila at start":      {title: "عاجلة هي الحاجة إلى المساعدات"},
	"bishakl ajil end":    {title: "الحكومة تتحرك بشكل عاجل"},
	"ajil end full stop":  {title: "الحكومة تتحرك بشكل عاجل."},
	"quoted at end":       {title: "الأمم المتحدة: الوضع «عاجل»"},
	"flash flood":         {title: "Flash flood warning issued for Khartoum"},
	"flash hyphen":        {title: "Flash-flood warning issued for Khartoum"},
	"record-breaking":     {title: "Europe bakes in record-breaking temperatures"},
	"urgent appeal":       {title: "Hospital makes an urgent appeal for blood donors"},
	"breaking the":        {title: "Breaking the silence on Sudan"},
	"urgent care":         {title: "Urgent care clinics close across the state"},
	"just in time":        {title: "Just in time for the holidays"},
	"breaking point":      {title: "Gaza at breaking point"},
	"in a flash":          {title: "In a flash, a family lost everything"},
	"all capitals":        {title: "BREAKING BAD STAR DIES AT 70"},
	"quoted urgent":       {title: "UN calls situation ‘urgent’"},
	"live blog":           {title: "Russia-Ukraine war live: Kyiv under attack"},
	"live blog ar":        {title: "مباشر | تطورات الحرب على غزة"},
	"developing":          {title: "Developing Afghanistan’s mines will uplift Afghans"},
	"channel title":       {title: "Al Jazeera – Breaking News, World News and Video from Al Jazeera"},
	"empty":               {title: ""},
	"symbols only":        {title: "🔴 | 🔴"},
	"marker in mid-title": {title: "الرئيس: عاجل | قرار"},
}

func TestDetect(t *testing.T) {
	d := newDefaultDetector(t)
	for name, tt := range detectCases {
		t.Run(name, func(t *testing.T) {
			got := d.Detect(tt.title)
			want := Banner{Found: tt.found, Marker: tt.marker, Rest: tt.rest}
			if !tt.found {
				want.Rest = tt.title
			}
			if got != want {
				t.Errorf("Detect(%q)\n got %+v\nwant %+v", tt.title, got, want)
			}
		})
	}
}

func TestIsMarker(t *testing.T) {
	d := newDefaultDetector(t)
	tests := map[string]bool{
		"Breaking News":          true,
		"breaking":               true,
		"breaking-news":          true,
		"عاجل":                   true,
		"#عاجل":                  true,
		"عــاجــل":               true,
		"أخبار عاجلة":            true,
		"خبر عاجل":               true,
		"URGENT":                 true,
		"Urgent news":            true,
		"Eilmeldung":             true,
		"Breaking the Silence":   false,
		"Live":                   false,
		"مباشر":                  false,
		"عاجلة":                  false,
		"News":                   false,
		"":                       false,
		"World News and Video":   false,
		"Middle East, Breaking":  false,
		"breaking news breaking": false,
	}
	for label, want := range tests {
		t.Run(label, func(t *testing.T) {
			if got := d.IsMarker(label); got != want {
				t.Errorf("IsMarker(%q) = %v, want %v", label, got, want)
			}
		})
	}
}

func TestNewDetectorInvalid(t *testing.T) {
	tests := map[string][]string{
		"empty marker":        {"عاجل", ""},
		"punctuation only":    {"breaking", "::"},
		"diacritics only":     {"\u064e\u0651"},
		"no markers":          {},
		"nil":                 nil,
		"whitespace and bidi": {" \u200f "},
	}
	for name, markers := range tests {
		t.Run(name, func(t *testing.T) {
			d, err := NewDetector(markers)
			if !errors.Is(err, ErrInvalidMarker) {
				t.Fatalf("NewDetector(%q) = %v, %v; want an error wrapping ErrInvalidMarker", markers, d, err)
			}
			for _, m := range markers {
				if Normalize(m) == "" && !strings.Contains(err.Error(), fmt.Sprintf("%q", m)) {
					t.Errorf("error %q does not name the marker %q", err, m)
				}
			}
		})
	}
}

func TestWith(t *testing.T) {
	base := newDefaultDetector(t)
	d, err := base.With([]string{"فوری", "Eilmeldung"})
	if err != nil {
		t.Fatal(err)
	}
	title := "فوری: زلزله در ترکیه"
	if got := base.Detect(title); got.Found {
		t.Errorf("base Detect(%q) = %+v, want not found", title, got)
	}
	want := Banner{Found: true, Marker: "فوری", Rest: "زلزله در ترکیه"}
	if got := d.Detect(title); got != want {
		t.Errorf("extended Detect(%q) = %+v, want %+v", title, got, want)
	}
	if got := d.Detect("عاجل | الرئيس يصل"); !got.Found {
		t.Errorf("extended detector lost the base markers: %+v", got)
	}
	if _, err := base.With([]string{"ok", "—"}); !errors.Is(err, ErrInvalidMarker) {
		t.Errorf("With an invalid marker: err = %v, want ErrInvalidMarker", err)
	}
}

func FuzzDetect(f *testing.F) {
	for _, l := range readLabels(f) {
		f.Add(l.Title)
	}
	for _, s := range []string{"عاجل", "#عاجل", "🔴 عاجل | x", "x.. عاجل", "BREAKING: x", "(URGENT)", "ﻋﺎﺟﻞ", "عاجل: عاجل: x"} {
		f.Add(s)
	}
	d, err := NewDetector(DefaultMarkers())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, title string) {
		b := d.Detect(title)
		if !b.Found {
			if b.Rest != title || b.Marker != "" {
				t.Fatalf("Detect(%q) = %+v: not found must give the title back unchanged", title, b)
			}
			return
		}
		if b.Marker == "" || !strings.Contains(title, b.Marker) {
			t.Fatalf("Detect(%q) = %+v: Marker must be a non-empty part of the title", title, b)
		}
		if !d.IsMarker(b.Marker) {
			t.Fatalf("Detect(%q) = %+v: Marker is not a marker", title, b)
		}
		if utf8.ValidString(title) && !strings.Contains(title, b.Rest) {
			t.Fatalf("Detect(%q) = %+v: Rest must be part of the title", title, b)
		}
		if len(b.Rest) >= len(title) {
			t.Fatalf("Detect(%q) = %+v: Rest must be shorter than the title", title, b)
		}
		if b.Rest != trimSpace(b.Rest) {
			t.Fatalf("Detect(%q) = %+v: Rest must be trimmed", title, b)
		}
	})
}
