package feeds

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aajil/aajil/alerts"
)

// fixture reads a file of the project's testdata/.
func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		tb.Fatalf("read fixture: %v", err)
	}
	return b
}

// latin1Fixture reads an ISO-8859-1 fixture and decodes it as the fetch
// side does, with DecodeBody and no charset from HTTP: UOL declares no
// encoding at all, JN declares ISO-8859-1 in its XML declaration.
func latin1Fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	body, _, err := DecodeBody(fixture(tb, name), "", "")
	if err != nil {
		tb.Fatalf("DecodeBody(%s): %v", name, err)
	}
	return body
}

// detector returns a detector with the built-in markers.
func detector(tb testing.TB) *alerts.Detector {
	tb.Helper()
	det, err := alerts.NewDetector(alerts.DefaultMarkers())
	if err != nil {
		tb.Fatalf("NewDetector: %v", err)
	}
	return det
}

// wantItem is what a test expects of one item; empty fields are not
// checked, except that urgent and marker are always compared.
type wantItem struct {
	index     int
	title     string
	link      string
	id        string
	published string // RFC 3339, "zero" for the zero time, "" unchecked
	lang      string
	urgent    bool
	marker    string
	summary   string // a substring the summary must contain
}

// checkItems compares the items at the given indexes.
func checkItems(t *testing.T, items []Item, wants []wantItem) {
	t.Helper()
	for _, w := range wants {
		if w.index >= len(items) {
			t.Errorf("item %d: only %d items", w.index, len(items))
			continue
		}
		it := items[w.index]
		if w.title != "" && it.Title != w.title {
			t.Errorf("item %d title:\n got %q\nwant %q", w.index, it.Title, w.title)
		}
		if w.link != "" && it.Link != w.link {
			t.Errorf("item %d link:\n got %q\nwant %q", w.index, it.Link, w.link)
		}
		if w.id != "" && it.ID != w.id {
			t.Errorf("item %d id: got %q, want %q", w.index, it.ID, w.id)
		}
		switch w.published {
		case "":
		case "zero":
			if !it.Published.IsZero() {
				t.Errorf("item %d published: got %v, want zero", w.index, it.Published)
			}
		default:
			want, err := time.Parse(time.RFC3339, w.published)
			if err != nil {
				t.Fatalf("bad want time %q: %v", w.published, err)
			}
			if !it.Published.Equal(want) || it.Published.Location() != time.UTC {
				t.Errorf("item %d published: got %v, want %v in UTC", w.index, it.Published, want)
			}
		}
		if w.lang != "" && it.Lang != w.lang {
			t.Errorf("item %d lang: got %q, want %q", w.index, it.Lang, w.lang)
		}
		if it.Urgent != w.urgent || it.Marker != w.marker {
			t.Errorf("item %d %q urgency: got (%v, %q), want (%v, %q)", w.index, it.Title, it.Urgent, it.Marker, w.urgent, w.marker)
		}
		if w.summary != "" && !strings.Contains(it.Summary, w.summary) {
			t.Errorf("item %d summary: got %q, want it to contain %q", w.index, it.Summary, w.summary)
		}
	}
}

// checkUrgent checks that exactly the items at the given indexes are
// urgent.
func checkUrgent(t *testing.T, items []Item, want []int) {
	t.Helper()
	wantSet := make(map[int]bool, len(want))
	for _, i := range want {
		wantSet[i] = true
	}
	for i, it := range items {
		if it.Urgent != wantSet[i] {
			t.Errorf("item %d %q: urgent = %v (marker %q), want %v", i, it.Title, it.Urgent, it.Marker, wantSet[i])
		}
	}
}

// checkInvariants holds for every item of every document: a clean,
// non-empty title, an absolute http(s) link or none, a unique id, the
// source id, valid UTF-8 and a UTC time.
func checkInvariants(t *testing.T, src Source, items []Item) {
	t.Helper()
	ids := make(map[string]int, len(items))
	for i, it := range items {
		if it.Title == "" || it.Title != collapse(it.Title) {
			t.Errorf("item %d: title %q is empty or not clean", i, it.Title)
		}
		if !utf8.ValidString(it.Title) || !utf8.ValidString(it.Summary) {
			t.Errorf("item %d: invalid UTF-8", i)
		}
		if it.Link != "" && !strings.HasPrefix(it.Link, "http://") && !strings.HasPrefix(it.Link, "https://") {
			t.Errorf("item %d: link %q is not absolute", i, it.Link)
		}
		if it.ID == "" {
			t.Errorf("item %d: empty id", i)
		}
		if j, dup := ids[it.ID]; dup {
			t.Errorf("items %d and %d share id %q", j, i, it.ID)
		}
		ids[it.ID] = i
		if it.SourceID != src.ID {
			t.Errorf("item %d: source %q, want %q", i, it.SourceID, src.ID)
		}
		if !it.Published.IsZero() && it.Published.Location() != time.UTC {
			t.Errorf("item %d: published %v not in UTC", i, it.Published)
		}
		if it.Urgent != (it.Marker != "") {
			t.Errorf("item %d: urgent %v with marker %q", i, it.Urgent, it.Marker)
		}
		if utf8.RuneCountInString(it.Summary) > maxSummaryRunes {
			t.Errorf("item %d: summary of %d runes", i, utf8.RuneCountInString(it.Summary))
		}
	}
}

func TestParseErrors(t *testing.T) {
	det := detector(t)
	tests := map[string]struct {
		src     Source
		body    string
		wantMsg string
	}{
		"not a feed":             {Source{ID: "s"}, "this is not a feed", "parse rss:"},
		"unknown kind":           {Source{ID: "s", Kind: "csv"}, "a,b", `unknown source kind "csv"`},
		"html without item":      {Source{ID: "s", Kind: KindHTML}, "<p>x</p>", "item selector: required"},
		"html bad item selector": {Source{ID: "s", Kind: KindHTML, Item: "li[", Text: "a"}, "<li>x</li>", `item selector "li["`},
		"html bad text selector": {Source{ID: "s", Kind: KindHTML, Item: "li", Text: "a:nth-child("}, "<li>x</li>", `text selector "a:nth-child("`},
		"html bad link selector": {Source{ID: "s", Kind: KindHTML, Item: "li", Link: ">>"}, "<li>x</li>", `link selector ">>"`},
		"html bad marker":        {Source{ID: "s", Kind: KindHTML, Item: "li", Marker: "::x"}, "<li>x</li>", `marker selector "::x"`},
		"html item matches none": {Source{ID: "s", Kind: KindHTML, Item: "div.ticker li"}, "<ul><li>x</li></ul>", `item selector "div.ticker li" matched no element`},
		"json invalid":           {Source{ID: "s", Kind: KindJSON, Item: "items"}, `{"items": [`, "invalid JSON"},
		"json not an array":      {Source{ID: "s", Kind: KindJSON, Item: "$.status"}, `{"status": "ok"}`, `item path "$.status" is not an array (found a string)`},
		"json missing path":      {Source{ID: "s", Kind: KindJSON, Item: "data.items"}, `{"data": {}}`, `item path "data.items" matched nothing`},
		"json without item":      {Source{ID: "s", Kind: KindJSON}, `[]`, "item path is required"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			items, err := Parse(tc.src, []byte(tc.body), "https://example.org/", det)
			if err == nil {
				t.Fatalf("got %d items and no error, want an error containing %q", len(items), tc.wantMsg)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error:\n got %q\nwant it to contain %q", err, tc.wantMsg)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %T, want a *ParseError", err)
			}
			if pe.Kind != tc.src.EffectiveKind() {
				t.Errorf("ParseError.Kind: got %q, want %q", pe.Kind, tc.src.EffectiveKind())
			}
			if got := ClassOf(err); got != ClassParse {
				t.Errorf("ClassOf: got %q, want %q", got, ClassParse)
			}
		})
	}
}

func TestValidateSelectors(t *testing.T) {
	tests := map[string]struct {
		src       Source
		wantField string // "" means valid
	}{
		"rss needs nothing":   {Source{}, ""},
		"html valid":          {Source{Kind: KindHTML, Item: `[data-e2e="story-promo"]`, Text: "h3", Link: "h3 a", Marker: ".badge, .urgent"}, ""},
		"html missing item":   {Source{Kind: KindHTML, Text: "a"}, "item"},
		"html bad item":       {Source{Kind: KindHTML, Item: "ul >"}, "item"},
		"html bad text":       {Source{Kind: KindHTML, Item: "li", Text: "a["}, "text"},
		"html bad link":       {Source{Kind: KindHTML, Item: "li", Link: "a:unknown-pseudo"}, "link"},
		"html bad marker":     {Source{Kind: KindHTML, Item: "li", Marker: "#"}, "marker"},
		"json valid":          {Source{Kind: KindJSON, Item: "$.data.items[*]"}, ""},
		"json missing item":   {Source{Kind: KindJSON, Item: "  "}, "item"},
		"unknown kind errors": {Source{Kind: "xml"}, "-"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := ValidateSelectors(tc.src)
			switch tc.wantField {
			case "":
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
				return
			case "-":
				if err == nil {
					t.Error("got nil, want an error")
				}
				return
			}
			var se *SelectorError
			if !errors.As(err, &se) {
				t.Fatalf("got %v (%T), want a *SelectorError", err, err)
			}
			if se.Field != tc.wantField {
				t.Errorf("field: got %q, want %q", se.Field, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantField+" selector") {
				t.Errorf("message %q does not name the field", err)
			}
		})
	}
}

func TestFinishIDs(t *testing.T) {
	det := detector(t)
	title := "Ebola outbreak on track to be deadliest ever, WHO chief says"
	hashID := "h:" + shortHash(alerts.Normalize(title), 8)
	raws := []rawItem{
		{guid: "g1", title: "First headline", link: "https://example.org/1"},
		{guid: "g1", title: "First   headline"}, // exact repeat after cleaning: dropped
		{guid: "g1", title: "Second headline sharing the guid"},
		{link: "https://example.org/3", title: "Third"},
		{title: title},
		{title: "  <b></b>&nbsp;\u200b "}, // empty after cleaning: dropped
	}
	items := finish(Source{ID: "src"}, raws, det)
	gotIDs := make([]string, len(items))
	for i, it := range items {
		gotIDs[i] = it.ID
	}
	wantIDs := []string{
		"g1",
		"g1#" + shortHash(alerts.Normalize("Second headline sharing the guid"), 4),
		"https://example.org/3",
		hashID,
	}
	if strings.Join(gotIDs, " ") != strings.Join(wantIDs, " ") {
		t.Errorf("ids:\n got %q\nwant %q", gotIDs, wantIDs)
	}
	// Stable across polls: the same raw items in another order give the
	// same id to the same headline.
	again := finish(Source{ID: "src"}, []rawItem{raws[4], raws[2], raws[0]}, det)
	if again[0].ID != hashID {
		t.Errorf("hash id changed between polls: got %q, want %q", again[0].ID, hashID)
	}
	if len(hashID) != len("h:")+16 {
		t.Errorf("hash id %q: want h: and 16 hex digits", hashID)
	}
}

func TestFinishUrgencySources(t *testing.T) {
	det := detector(t)
	tests := map[string]struct {
		src        Source
		raw        rawItem
		wantTitle  string
		wantMarker string
	}{
		"none":       {Source{ID: "s"}, rawItem{title: "Quiet day"}, "Quiet day", ""},
		"all urgent": {Source{ID: "s", AllUrgent: true}, rawItem{title: "Quiet day"}, "Quiet day", "all_urgent"},
		"structure marker": {Source{ID: "s", AllUrgent: true}, rawItem{title: "Quiet day", marker: "marker:عاجل"},
			"Quiet day", "marker:عاجل"},
		"category": {Source{ID: "s"}, rawItem{title: "Quiet day", categories: []string{"World", " Breaking&nbsp;News "}},
			"Quiet day", "category:Breaking News"},
		"banner wins": {Source{ID: "s", AllUrgent: true},
			rawItem{title: "عاجل | يسرائيل هيوم عن مصادر: حكومة إسرائيل تسعى", marker: "marker"},
			"يسرائيل هيوم عن مصادر: حكومة إسرائيل تسعى", "عاجل"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			items := finish(tc.src, []rawItem{tc.raw}, det)
			if len(items) != 1 {
				t.Fatalf("got %d items, want 1", len(items))
			}
			it := items[0]
			if it.Title != tc.wantTitle || it.Marker != tc.wantMarker || it.Urgent != (tc.wantMarker != "") {
				t.Errorf("got (%q, %v, %q), want (%q, %v, %q)", it.Title, it.Urgent, it.Marker,
					tc.wantTitle, tc.wantMarker != "", tc.wantMarker)
			}
		})
	}
}

func TestItemLang(t *testing.T) {
	tests := map[string]struct {
		configured, declared, title, want string
	}{
		"configured wins":            {"fr", "en", "عاجل", "fr"},
		"arabic title, feed says en": {"", "en", "غارات إسرائيلية على عدة مناطق في جنوب لبنان", "ar"},
		"latin title, feed en-gb":    {"", "en-GB", "Ebola outbreak on track", "en"},
		"latin title, feed pt-pt":    {"", "pt-pt", "Reações dos partidos ao veto de Marcelo", "pt"},
		"latin title, no language":   {"", "", "Dow Jones fecha em baixa de 0,68%", "en"},
		"latin title, feed ar":       {"", "ar", "Breaking news", "en"},
		"other script, feed bn-BD":   {"", "bn-BD", "বরিশাল আদালত চত্বরে ককটেল বিস্ফোরণ", "bn"},
		"other script, no language":  {"", "", "বরিশাল আদালত চত্বরে ককটেল বিস্ফোরণ", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := itemLang(tc.configured, tc.declared, tc.title); got != tc.want {
				t.Errorf("itemLang(%q, %q, %q) = %q, want %q", tc.configured, tc.declared, tc.title, got, tc.want)
			}
		})
	}
}

func TestParseLooseDate(t *testing.T) {
	tests := map[string]struct {
		in   string
		want string // RFC 3339; "" = no date
	}{
		"rfc1123z":            {"Thu, 13 Aug 2026 09:25:10 +0000", "2026-08-13T09:25:10Z"},
		"portuguese (UOL)":    {"Seg, 24 Set 2018 19:42:40 -0300", "2018-09-24T22:42:40Z"},
		"newline and spaces":  {"Wed, 03 Jan 2018 13:47:00\n      GMT  ", "2018-01-03T13:47:00Z"},
		"french":              {"mer., 3 janv. 2018 10:00:00 +0100", "2018-01-03T09:00:00Z"},
		"date only":           {"2022-06-16", "2022-06-16T00:00:00Z"},
		"rfc3339 with offset": {"2026-03-24T23:05:00+03:00", "2026-03-24T20:05:00Z"},
		"garbage":             {"قبل 3 ساعة", ""},
		"empty":               {"", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := parseLooseDate(tc.in)
			if tc.want == "" {
				if ok {
					t.Errorf("parseLooseDate(%q) = %v, want no date", tc.in, got)
				}
				return
			}
			if !ok || got.Format(time.RFC3339) != tc.want || got.Location() != time.UTC {
				t.Errorf("parseLooseDate(%q) = %v, %v; want %s", tc.in, got, ok, tc.want)
			}
		})
	}
}

// sortedKeys returns the keys of a map in order, for benchmarks whose
// sub-benchmark order should not change from run to run.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// reportPerItem adds items/s and allocs/item to a benchmark that parsed a
// document of n items b.N times; parse parses it once more.
func reportPerItem(b *testing.B, n int, parse func()) {
	b.Helper()
	if n == 0 {
		return
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(testing.AllocsPerRun(3, parse)/float64(n), "allocs/item")
}
