package feeds

import (
	"testing"
	"unicode/utf8"

	"github.com/aajil/aajil/alerts"
)

const (
	jsonTickerBase = "https://sana.sy/api/ticker.json"
	beirutHeadline = "هبوط طائرة في مطار بيروت وسط القصف الإسرائيلي العنيف"
)

// jsonCases read testdata/ticker_synthetic.json (our structure, real
// headlines) with different paths.
var jsonCases = map[string]feedCase{
	"boolean marker": {
		file: "ticker_synthetic.json",
		base: jsonTickerBase,
		src:  Source{Kind: KindJSON, Item: "data.items", Marker: "urgent"},
		// 7 elements: one is not an object, one has a blank title.
		n: 5,
		items: []wantItem{
			// The banner in the text wins over the marker field.
			{index: 0, id: "sana-123", title: sanaHeadline, link: "https://sana.sy/?p=123",
				published: "2026-03-24T20:05:00Z", lang: "ar", urgent: true, marker: "عــاجــل"},
			// A numeric id; Unix seconds; "link" when there is no "url".
			{index: 1, id: "20025", title: "الكرملين: علاقتنا مع دمشق استراتيجية", link: "https://sana.sy/?p=20025",
				published: "2026-03-24T20:00:00Z"},
			{index: 2, title: "Major Russian grain export terminals hit in Ukraine Black Sea port attack",
				published: "2026-08-13T03:28:56Z", lang: "en"},
			// "yes" is true.
			{index: 3, urgent: true, marker: "marker"},
			// No link, no id: a hash of the headline; 0 is false.
			{index: 4, id: "h:" + shortHash(alerts.Normalize(beirutHeadline), 8), link: "", title: beirutHeadline},
		},
		urgent: []int{0, 3},
	},
	"label marker, JSONPath form": {
		file: "ticker_synthetic.json",
		base: jsonTickerBase,
		src:  Source{Kind: KindJSON, Item: "$.data.items[*]", Marker: "$.label"},
		n:    5,
		items: []wantItem{
			{index: 0, title: sanaHeadline, urgent: true, marker: "عــاجــل"},
			// A label the detector knows.
			{index: 2, urgent: true, marker: "marker:Breaking News"},
			// "سياسة" (politics) is not a marker.
			{index: 3},
			{index: 4},
		},
		urgent: []int{0, 2},
	},
	"nested paths": {
		file: "ticker_synthetic.json",
		base: jsonTickerBase,
		src:  Source{Kind: KindJSON, Item: "$.sections[0].entries", Text: "headline.text", Link: "$.href", Marker: "flags.breaking"},
		n:    2,
		items: []wantItem{
			// An entity in the JSON text is unescaped.
			{index: 0, title: "Israeli settlers besiege Palestinian families in West Bank’s Qusra",
				link: "https://www.aljazeera.com/news/2026/8/13/israeli-settlers-besiege-three-palestinian-families-in-occupied-west-bank?traffic_source=rss",
				lang: "en", published: "zero"},
			{index: 1, title: "Ebola outbreak on track to be deadliest ever, WHO chief says", urgent: true, marker: "marker"},
		},
		urgent: []int{1},
	},
	"all urgent": {
		file: "ticker_synthetic.json",
		base: jsonTickerBase,
		src:  Source{Kind: KindJSON, Item: "data.items", AllUrgent: true},
		n:    5,
		items: []wantItem{
			{index: 1, urgent: true, marker: "all_urgent"},
		},
		urgent: []int{0, 1, 2, 3, 4},
	},
}

func TestParseJSONFixtures(t *testing.T) { runFeedCases(t, jsonCases) }

func TestParseJSONBareArray(t *testing.T) {
	body := `[{"title":"عاجل: هبوط طائرة في مطار بيروت","url":"https://example.org/1"},{"title":"second","link":"/2"}]`
	for _, path := range []string{"$", "$[*]", "@this"} {
		t.Run(path, func(t *testing.T) {
			items, err := Parse(Source{ID: "j", Kind: KindJSON, Item: path}, []byte(body), "https://example.org/api", detector(t))
			if err != nil {
				t.Fatal(err)
			}
			checkItems(t, items, []wantItem{
				{index: 0, title: "هبوط طائرة في مطار بيروت", urgent: true, marker: "عاجل"},
				{index: 1, title: "second", link: "https://example.org/2"},
			})
		})
	}
}

func TestJSONPath(t *testing.T) {
	tests := map[string]string{
		"data.items":             "data.items",
		"$.data.items":           "data.items",
		"$.data.items[*]":        "data.items",
		"$data.items":            "data.items",
		"$.sections[0].entries":  "sections.0.entries",
		"sections[12].entries.*": "sections.12.entries",
		"$":                      "@this",
		"$[*]":                   "@this",
		"  ":                     "",
		"items[last]":            "items[last]",
	}
	for in, want := range tests {
		if got := jsonPath(in); got != want {
			t.Errorf("jsonPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	f.Add(fixture(f, "ticker_synthetic.json"))
	f.Add([]byte(`[{"title":"x","url":"javascript:1","urgent":"1","id":1e400}]`))
	f.Add([]byte(`{"data":{"items":{"title":"not an array"}}}`))
	det := detector(f)
	srcs := []Source{
		{ID: "j1", Kind: KindJSON, Item: "data.items", Marker: "urgent"},
		{ID: "j2", Kind: KindJSON, Item: "$", Text: "title", Link: "url", Marker: "label"},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, src := range srcs {
			items, err := Parse(src, body, jsonTickerBase, det)
			if err != nil {
				continue
			}
			ids := make(map[string]bool, len(items))
			for _, it := range items {
				if it.Title == "" || !utf8.ValidString(it.Title) || !utf8.ValidString(it.Summary) {
					t.Fatalf("bad item %+v", it)
				}
				if ids[it.ID] {
					t.Fatalf("duplicate id %q", it.ID)
				}
				ids[it.ID] = true
			}
		}
	})
}
