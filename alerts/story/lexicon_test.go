package story

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aajil/aajil/alerts"
)

// testGazetteer is a small gazetteer in the format of gazetteer.tsv.
const testGazetteer = `# id	kind	parent	names
RU	country	-	Russia|Russian|روسيا|روسي
IR	country	-	Iran|Iranian|إيران
US	country	-	United States|US|U.S.|America|American|الولايات المتحدة|أمريكا|أميركا
LB	country	-	Lebanon|لبنان
SY	country	-	Syria|سوريا|سورية
RU-moscow	capital	RU	Moscow|موسكو
LB-beirut	capital	LB	Beirut|بيروت
SY-latakia	city	SY	Latakia|اللاذقية
SY-aleppo	city	SY	Aleppo|حلب
kremlin	org	RU	Kremlin|الكرملين
trump	person	US	Trump|ترامب|ترمب
biden	person	US	Biden|بايدن
caspian	water	-	Caspian Sea|بحر قزوين
`

const testEvents = `# concept	forms
kill	killed|kills|dead|قتل|مقتل|قتلى
warn	warns|warned|تحذر|يحذر
`

func testLexicon(t *testing.T) *lexicon {
	t.Helper()
	lx, err := newLexicon(testGazetteer, testEvents)
	if err != nil {
		t.Fatal(err)
	}
	return lx
}

func TestStoryLexiconFind(t *testing.T) {
	lx := testLexicon(t)
	tests := []struct {
		text string
		want string // matched ids, space-separated, in order
	}{
		{"روسيا تحذر من امتداد حرب إيران إلى بحر قزوين", "RU warn IR caspian"},
		{"موسكو تحذر من امتداد الحرب على إيران إلى بحر قزوين", "RU-moscow warn IR caspian"},
		{"انفجار يهز مرفأ بيروت", "LB-beirut"},
		{"وبيروت ولبيروت فالكرملين", "LB-beirut LB-beirut kremlin"},
		{"السفارة الأمريكية ببغداد", "US"},      // adjective of place, the article and ة
		{"القوات الروسية واللبنانيين", "RU LB"}, // adjectives with و and a plural ending
		{"Trump warns Iran over the Caspian Sea", "trump warn IR caspian"},
		{"U.S. says Moscow killed nobody", "US RU-moscow kill"},
		{"ترمب", "trump"},
		{"كلام لا يعني شيئا", ""},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range lx.find(strings.Fields(alerts.Normalize(tt.text))) {
			got = append(got, m.unit.id)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("find(%q) = %q, want %q", tt.text, strings.Join(got, " "), tt.want)
		}
	}
}

func TestStoryLexiconCompatible(t *testing.T) {
	lx := testLexicon(t)
	tests := []struct {
		a, b string
		want bool
	}{
		{"RU", "RU", true},
		{"RU", "RU-moscow", true}, // a capital within its country
		{"kremlin", "RU", true},   // an institution stands for its state
		{"kremlin", "RU-moscow", true},
		{"trump", "US", true},
		{"trump", "biden", false}, // two people of one state
		{"SY-aleppo", "SY", true}, // within
		{"SY-aleppo", "SY-latakia", false},
		{"LB-beirut", "SY-latakia", false},
		{"RU", "IR", false},
		{"caspian", "IR", false},
	}
	for _, tt := range tests {
		if got := lx.compatible(tt.a, tt.b); got != tt.want {
			t.Errorf("compatible(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := lx.compatible(tt.b, tt.a); got != tt.want {
			t.Errorf("compatible(%s, %s) = %v, want %v (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestStoryLexiconErrors(t *testing.T) {
	tests := []struct {
		name, gazetteer, events, want string
	}{
		{"duplicate id", "RU\tcountry\t-\tRussia\nRU\tcountry\t-\tRussland\n", "", "duplicate id"},
		{"unknown parent", "RU-moscow\tcity\tRU\tMoscow\n", "", "unknown parent"},
		{"unknown kind", "RU\tnation\t-\tRussia\n", "", "unknown kind"},
		{"short row", "RU\tcountry\n", "", "fields"},
		{"short event row", "", "kill\n", "fields"},
	}
	for _, tt := range tests {
		_, err := newLexicon(tt.gazetteer, tt.events)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

// TestStoryEmbeddedLexicon checks the shipped gazetteer and vocabulary:
// every entity's parent exists and no surface form means two things.
func TestStoryEmbeddedLexicon(t *testing.T) {
	seen := map[string]string{}
	check := func(file string, idCol, formsCol int, data string) {
		err := eachTSVRow(data, formsCol+1, func(line int, f []string) error {
			for _, form := range strings.Split(f[formsCol], "|") {
				key := lexPhraseKey(form)
				if key == "" {
					continue
				}
				if other, ok := seen[key]; ok && other != f[idCol] {
					t.Errorf("%s:%d: %q means both %s and %s", file, line, form, other, f[idCol])
				}
				seen[key] = f[idCol]
			}
			return nil
		})
		if err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
	check("gazetteer.tsv", 0, 3, gazetteerTSV)
	check("events.tsv", 0, 1, eventsTSV)
	if len(lex.entities) < 300 {
		t.Errorf("gazetteer has %d entities, want the world's countries and more", len(lex.entities))
	}
	for _, id := range []string{"RU", "IR", "US", "SY", "LB"} {
		if lex.entities[id].kind != kindCountry {
			t.Errorf("gazetteer: %s is not a country", id)
		}
	}
}

func TestStoryStemArabic(t *testing.T) {
	tests := []struct{ in, want string }{
		{"سفاره", "سفار"},
		{"دول", "دول"},
		{"دوله", "دول"},
		{"مستوطنين", "مستوطن"},
		{"مستوطنون", "مستوطن"},
		{"هجمات", "هجم"},
		{"وشيكه", "وشيك"},
		{"حرب", "حرب"},
		{"به", "به"},      // two letters stay
		{"مدربا", "مدرب"}, // the accusative alef
		{"لسان", "لسان"},  // three letters at least: «ل» + «سان» still matches «سان»
	}
	for _, tt := range tests {
		if got := stemArabic(tt.in); got != tt.want {
			t.Errorf("stemArabic(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStoryEditDistanceAtMostOne(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"فرنسيس", "فرانسيس", true},  // inserted
		{"اميركيه", "امريكيه", true}, // swapped
		{"organisation", "organization", true},
		{"abc", "abc", true},
		{"abcd", "abc", true},
		{"abcd", "abdc", true},
		{"abcd", "bacd", true},
		{"abcd", "badc", false},
		{"بيروت", "تيرو", false},
		{"abc", "abcde", false},
	}
	for _, tt := range tests {
		if got := editDistanceAtMostOne(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistanceAtMostOne(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := editDistanceAtMostOne(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistanceAtMostOne(%q, %q) = %v, want %v (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestStoryNumberChange(t *testing.T) {
	const hour = 3600
	tests := []struct {
		name     string
		a, b     []string
		aAt, bAt int64
		want     numberChange
	}{
		{"same numbers", []string{"10"}, []string{"10"}, 0, 0, numbersAgree},
		{"one side has none", []string{"10"}, nil, 0, 0, numbersAgree},
		{"figures added to a toll", []string{"10"}, []string{"10", "15"}, 0, 0, numbersRose},
		{"toll rose, later", []string{"10"}, []string{"25"}, hour, 2 * hour, numbersRose},
		{"toll rose, given in the other order", []string{"25"}, []string{"10"}, 2 * hour, hour, numbersRose},
		{"toll fell", []string{"25"}, []string{"10"}, hour, 2 * hour, numbersOther},
		{"no times: either order", []string{"25"}, []string{"10"}, 0, 0, numbersRose},
		{"another magnitude", []string{"5.6"}, []string{"6.1"}, hour, 2 * hour, numbersOther},
		{"no toll", []string{"20"}, []string{"42"}, hour, 2 * hour, numbersOther}, // drones downed in two attacks
		{"hedged: at least 44, more than 40", []string{"44"}, []string{"40"}, hour, 2 * hour, numbersAgree},
	}
	for _, tt := range tests {
		a := Fingerprint{Numbers: tt.a, At: tt.aAt, Concepts: []string{"kill"}}
		if tt.name == "no toll" {
			a.Concepts = nil
		}
		b := Fingerprint{Numbers: tt.b, At: tt.bAt, Concepts: []string{"kill"}}
		if got := compareNumbers(a, b); got != tt.want {
			t.Errorf("%s: compareNumbers = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestRaisesFigures(t *testing.T) {
	tests := []struct {
		item, story []string
		want        bool
	}{
		{[]string{"25"}, []string{"10"}, true},
		{[]string{"10"}, []string{"25"}, false},
		{[]string{"10"}, []string{"10"}, false},
		{[]string{"10", "15"}, []string{"10"}, true}, // figures added: "kills 10, wounds 15"
		{[]string{"10"}, []string{"10", "15"}, false},
		{nil, []string{"10"}, false},
	}
	for _, tt := range tests {
		if got := RaisesFigures(Fingerprint{Numbers: tt.item}, Fingerprint{Numbers: tt.story}); got != tt.want {
			t.Errorf("RaisesFigures(%q, %q) = %v, want %v", tt.item, tt.story, got, tt.want)
		}
	}
}

func TestGramsJSON(t *testing.T) {
	fp := NewFingerprint("Massive explosion kills dozens in Beirut")
	data, err := json.Marshal(fp)
	if err != nil {
		t.Fatal(err)
	}
	var back Fingerprint
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Grams, fp.Grams) || len(fp.Grams) == 0 {
		t.Errorf("grams after JSON: got %v, want %v", back.Grams, fp.Grams)
	}
	for _, bad := range []string{`{"Grams":"%%%"}`, `{"Grams":"AAA"}`, `{"Grams":12}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("Unmarshal(%s): no error", bad)
		}
	}
}
