package match

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/internal/corpus"
)

// matchSorted is m.Match(h) sorted by subscriber.
func matchSorted(m *Matcher, h string) []Result { return sortMatches(m.Match(h)) }

// sortMatches sorts ms by subscriber and returns it.
func sortMatches(ms []Result) []Result {
	slices.SortFunc(ms, func(a, b Result) int { return strings.Compare(a.Subscriber, b.Subscriber) })
	return ms
}

// collectSeq gathers m.MatchSeq(h) as a Result list, copying the rules as
// MatchSeq's contract asks; nil when nothing matched, like Match.
func collectSeq(m *Matcher, h string) []Result {
	var out []Result
	for sub, rules := range m.MatchSeq(h) {
		out = append(out, Result{Subscriber: sub, Rules: slices.Clone(rules)})
	}
	return out
}

func mustParse(t testing.TB, s string) Rule {
	t.Helper()
	r, err := ParseRule(s)
	if err != nil {
		t.Fatalf("ParseRule(%q): %v", s, err)
	}
	return r
}

// matchCases pair a rule with a headline; headlines marked "real" are
// copied from testdata/ (urgency_labels.tsv and the English corpora).
var matchCases = []struct {
	name     string
	rule     string
	headline string
	want     bool
}{
	// Proclitics and the article in front of the rule word.
	{"bare word", "حمص", "قصف على حمص", true},
	{"after ب", "حمص", "انفجار بحمص", true},
	{"after و", "حمص", "حماة وحمص", true},
	{"after ل", "حمص", "وفد لحمص", true},
	{"before comma", "حمص", "حمص، سوريا", true},
	{"tatweel in headline", "حمص", "قصف حمـص", true},
	{"diacritic in headline", "حمص", "قصف حِمص", true},
	{"after وال", "حمص", "الفول والحمص", true},
	{"after بال", "حمص", "طبق بالحمص", true},
	{"adjective is another word", "حمص", "اللاعب الحمصي", false},
	{"adjective without article", "حمص", "لاعب حمصي", false},
	{"substring is not a word", "مص", "قصف حمص", false},
	{"rule word keeps its article", "الحمصي", "اللاعب الحمصي", true},
	{"rule adjective not in noun", "الحمصي", "قصف حمص", false},
	// Words that start with a proclitic letter.
	{"real: لبنان itself", "لبنان", "غارات إسرائيلية على عدة مناطق في جنوب لبنان", true},
	{"ولبنان", "لبنان", "سوريا ولبنان", true},
	{"بلبنان", "لبنان", "انفجار بلبنان", true},
	{"للبنان", "لبنان", "دعم للبنان", true},
	{"real: بيروت itself", "بيروت", "هبوط طائرة في مطار بيروت وسط القصف الإسرائيلي العنيف", true},
	{"وبيروت", "بيروت", "دمشق وبيروت", true},
	// The article is optional on both sides.
	{"article rule, article headline", "الجيش", "الجيش يعلن", true},
	{"article rule, وال", "الجيش", "الشرطة والجيش", true},
	{"article rule, لل", "الجيش", "بيان للجيش", true},
	{"article rule, بال", "الجيش", "اشتباك بالجيش", true},
	{"article rule, وبال", "الجيش", "اشتباك وبالجيش", true},
	{"article rule, bare headline", "الجيش", "جيش الاحتلال", true},
	{"bare rule, article headline", "جيش", "الجيش يعلن", true},
	{"article rule, other word", "الجيش", "الجيشان", false},
	{"hamza written as alef", "الألعاب", "ألعاب أولمبية", true},
	// Phrases.
	{"phrase after ب", `"ريف حمص"`, "قصف بريف حمص", true},
	{"phrase plain", `"ريف حمص"`, "قصف ريف حمص الشمالي", true},
	{"phrase inner proclitic", `"ريف حمص"`, "ريف بحمص", false},
	{"phrase reversed", `"ريف حمص"`, "حمص ريف", false},
	{"phrase split", `"ريف حمص"`, "ريف دمشق وحمص", false},
	{"phrase inner article", `"ريف حمص"`, "ريف الحمص", true},
	{"real: phrase ريف دمشق", "«ريف دمشق»", "مصدر بجهاز الاستخبارات العامة لـ سانا: جهاز الاستخبارات العامة بالتعاون مع إدارة الأمن العام في ريف دمشق، ينجح بإحباط محاولة لتنظيم داعش القيام بتفجير داخل مقام السيدة زينب في محيط العاصمة دمشق", true},
	{"real: phrase ريف حلب", "“ريف حلب”", "برج حيدر الأثري… شاهد على حضارات تعاقبت في ريف حلب الغربي", true},
	{"real: phrase with proclitic", `"ريف الرقة"`, "ارتفاع منسوب مياه نهر البليخ وغرق مساحات واسعة من الأراضي الزراعية بريف الرقة الشمالي", true},
	{"real: three-word phrase", `"وقف إطلاق النار"`, "الدولار يستعيد بريقه مع تبدد آمال وقف إطلاق النار في إيران", true},
	{"real: quoted name", `"حزب الله"`, "«حزب الله» يعلن شنّ هجوم بمسيّرات وصواريخ على شمال إسرائيل", true},
	{"real: word at the end", "الله", "«حزب الله» يعلن شنّ هجوم بمسيّرات وصواريخ على شمال إسرائيل", true},
	// Normalisation.
	{"real: hamza", "إيران", "النفط يقفز فوق 106 دولارات بعد خطاب ترمب وتهديده إيران", true},
	{"real: لإيران", "ايران", "الذهب يهبط دون مستوى 4700 دولار بعد تهديدات ترمب لإيران", true},
	{"real: adjective of إيران", "إيران", "هل يؤثر التقشف الحكومي بسبب الحرب الإيرانية في حياة المصريين؟", false},
	{"real: ta marbuta", `"قطاع غزه"`, "تحذيرات من تفاقم الكارثة المائية والبيئية في قطاع غزة", true},
	{"real: tatweel banner", "عاجل", "عــاجــل خبرنگار سانا: یک هواپیمای امدادی", true},
	{"real: Persian yeh", "إيران", "یک هواپیمای از ایران", true},
	{"real: ل with tatweel then space", "سانا", "مصدر بجهاز الاستخبارات العامة لـ سانا: جهاز", true},
	{"arabic-indic digits", "٢٠٢٦", "انتخابات 2026", true},
	// Vetoes.
	{"real: veto hits", "ترمب -النفط", "النفط يقفز فوق 106 دولارات بعد خطاب ترمب وتهديده إيران", false},
	{"real: veto misses", "ترمب -النفط", "الذهب يهبط دون مستوى 4700 دولار بعد تهديدات ترمب لإيران", true},
	{"veto phrase hits", `حمص -"كرة القدم"`, "حمص تستضيف مباراة كرة القدم", false},
	{"veto phrase split misses", `حمص -"كرة القدم"`, "كرة السلة والقدم في حمص", true},
	{"veto with proclitic", "حمص -الكرة", "حمص وبالكرة", false},
	// Latin script.
	{"real: Homs", "Homs", "Syria mourns Homs drone victims as gov’t, Russian attacks in Idlib kill 11", true},
	{"HOMS capitals", "Homs", "SYRIA MOURNS HOMS VICTIMS", true},
	{"rule in capitals", "HOMS", "Syria mourns dozens of people killed in Homs drone attack", true},
	{"real: Syria’s Homs,", "Homs", "Israel attacks Syria’s Homs, wounds five soldiers: Ministry", true},
	{"Homs's", "Homs", "Homs's mayor speaks", true},
	{"Homsi", "Homs", "Homsi family returns", false},
	{"real: Gaza’s", "Gaza", "What can be done to extend Gaza’s fragile truce?", true},
	{"real: phrase Gaza City", `"Gaza City"`, "At least 25 people killed in Israeli attacks on Gaza City school", true},
	{"phrase Gaza City split", `"Gaza City"`, "Gaza: the city mourns", false},
	{"real: al-Assad", "al-Assad", "France issues arrest warrant for Syria’s al-Assad", true},
	{"real: all words required", "Russian Idlib", "Syria mourns Homs drone victims as gov’t, Russian attacks in Idlib kill 11", true},
	{"real: one word missing", "Russian Aleppo", "Syria mourns Homs drone victims as gov’t, Russian attacks in Idlib kill 11", false},
	{"real: phrase in order", `"drone attack"`, "Syria mourns dozens of people killed in Homs drone attack", true},
	{"real: phrase out of order", `"attack drone"`, "Syria mourns dozens of people killed in Homs drone attack", false},
	{"real: veto on latin", "Syria -Homs", "Israel attacks Syria’s Homs, wounds five soldiers: Ministry", false},
	{"no arabic stripping in latin", "al", "alcohol ban", false},
	{"mixed scripts", "Gaza غزة", "Gaza غزة", true},
	{"empty headline", "Gaza", "", false},
	{"headline of punctuation", "Gaza", "!!! …", false},
}

// TestRuleMatches checks the reference matcher and the Matcher on the same
// cases.
func TestRuleMatches(t *testing.T) {
	for _, tt := range matchCases {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, tt.rule)
			if got := r.Matches(alerts.Normalize(tt.headline)); got != tt.want {
				t.Errorf("ParseRule(%q).Matches(%q) = %v, want %v", tt.rule, alerts.Normalize(tt.headline), got, tt.want)
			}
			m := NewMatcher()
			m.Set("chat", []Rule{r})
			var want []Result
			if tt.want {
				want = []Result{{Subscriber: "chat", Rules: []string{tt.rule}}}
			}
			if got := m.Match(tt.headline); !reflect.DeepEqual(got, want) {
				t.Errorf("Matcher with %q: Match(%q) = %v, want %v", tt.rule, tt.headline, got, want)
			}
		})
	}
}

func TestMatchCasesAreEnough(t *testing.T) {
	var yes, no int
	for _, c := range matchCases {
		if c.want {
			yes++
		} else {
			no++
		}
	}
	if yes < 30 || no < 15 {
		t.Errorf("matchCases has %d matching and %d non-matching cases, want at least 30 and 15", yes, no)
	}
}

func TestMatcherSharedRules(t *testing.T) {
	// Subscribers share rules written in different ways; each gets its
	// own text back.
	spellings := [][]string{
		{"الجيش", "جيش", "الجَيش"},
		{`"ريف حمص"`, "«ريف حمص»", "“ريف حمص”"},
		{"Gaza -football", "gaza -FOOTBALL"},
	}
	all := map[string][]Rule{}
	want := map[string][]string{} // for the headline below
	for i := range 3000 {
		sub := fmt.Sprintf("chat-%04d", i)
		var rules []Rule
		var matched []string
		for j, variants := range spellings {
			if i%(j+2) != 0 {
				continue
			}
			text := variants[i%len(variants)]
			rules = append(rules, mustParse(t, text))
			if j < 2 { // the headline mentions the army and ريف حمص
				matched = append(matched, text)
			}
		}
		if len(rules) > 0 {
			all[sub] = rules
		}
		if len(matched) > 0 {
			want[sub] = matched
		}
	}
	m := NewMatcher()
	m.Build(all)
	if got := m.Stats(); got.Subscribers != len(all) || got.Rules != 3 || got.Terms != 4 {
		t.Errorf("Stats() = %+v, want %d subscribers, 3 rules and 4 terms", got, len(all))
	}
	got := matchSorted(m, "قصف للجيش بريف حمص")
	if len(got) != len(want) {
		t.Fatalf("Match returned %d subscribers, want %d", len(got), len(want))
	}
	for i, g := range got {
		if i > 0 && got[i-1].Subscriber == g.Subscriber {
			t.Fatalf("subscriber %q appears twice", g.Subscriber)
		}
		if w := want[g.Subscriber]; !slices.Equal(g.Rules, w) {
			t.Errorf("%s: rules %q, want %q", g.Subscriber, g.Rules, w)
		}
	}
	if got := m.Match("Gaza football final"); got != nil {
		t.Errorf("vetoed headline matched %d subscribers", len(got))
	}
}

// TestMatchSeqStops checks that a loop over MatchSeq may stop early, and
// that the matcher is usable afterwards and inside the loop body.
func TestMatchSeqStops(t *testing.T) {
	m := NewMatcher()
	all := map[string][]Rule{}
	for i := range 50 {
		all[fmt.Sprintf("chat-%02d", i)] = []Rule{mustParse(t, "لبنان"), mustParse(t, `"جنوب لبنان"`)}
	}
	m.Build(all)
	const headline = "غارات إسرائيلية على عدة مناطق في جنوب لبنان"
	want := m.Match(headline)
	if len(want) != len(all) {
		t.Fatalf("Match matched %d subscribers, want %d", len(want), len(all))
	}
	for stop := range 3 {
		var got []Result
		for sub, rules := range m.MatchSeq(headline) {
			got = append(got, Result{Subscriber: sub, Rules: slices.Clone(rules)})
			// A nested Match in the body gets its own buffers.
			if inner := m.Match(headline); len(inner) != len(all) {
				t.Fatalf("Match inside the loop matched %d subscribers, want %d", len(inner), len(all))
			}
			if len(got) == stop+1 {
				break
			}
		}
		if !reflect.DeepEqual(got, want[:stop+1]) {
			t.Errorf("stopping after %d: got %v, want %v", stop+1, got, want[:stop+1])
		}
	}
	if got := collectSeq(m, headline); !reflect.DeepEqual(got, want) {
		t.Errorf("after stopping early: MatchSeq = %v, want %v", got, want)
	}
	if got := collectSeq(m, "Gaza"); got != nil {
		t.Errorf("MatchSeq(%q) = %v, want nothing", "Gaza", got)
	}
}

func TestMatcherUpdates(t *testing.T) {
	m := NewMatcher()
	const headline = "غارات إسرائيلية على عدة مناطق في جنوب لبنان"
	check := func(step string, want []Result) {
		t.Helper()
		if got := matchSorted(m, headline); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Match = %v, want %v", step, got, want)
		}
	}
	check("empty matcher", nil)

	m.Set("a", []Rule{mustParse(t, "لبنان"), mustParse(t, "سوريا")})
	check("after Set a", []Result{{"a", []string{"لبنان"}}})

	m.Set("b", []Rule{mustParse(t, `"جنوب لبنان"`), mustParse(t, "غارات"), mustParse(t, "Homs")})
	check("after Set b", []Result{{"a", []string{"لبنان"}}, {"b", []string{`"جنوب لبنان"`, "غارات"}}})

	m.Set("a", []Rule{mustParse(t, "سوريا")})
	check("after replacing a's rules", []Result{{"b", []string{`"جنوب لبنان"`, "غارات"}}})

	m.Set("b", []Rule{mustParse(t, "غارات -لبنان")})
	check("after a veto for b", nil)

	m.Set("a", []Rule{mustParse(t, "لبنان"), mustParse(t, "اللبنان"), mustParse(t, "جنوب")})
	check("duplicate canonical rule kept once", []Result{{"a", []string{"لبنان", "جنوب"}}})

	m.Remove("a")
	check("after Remove a", nil)

	m.Set("b", nil)
	check("after Set b to nothing", nil)
	if s := m.Stats(); s.Subscribers != 0 {
		t.Errorf("Stats().Subscribers = %d, want 0", s.Subscribers)
	}

	m.Set("c", []Rule{mustParse(t, "لبنان")})
	m.Build(map[string][]Rule{"d": {mustParse(t, "غارات")}, "e": {{}}})
	check("Build replaces everything, zero rules ignored", []Result{{"d", []string{"غارات"}}})
	if s := m.Stats(); s.Pending != 0 || s.Rules != 1 {
		t.Errorf("after Build: Stats() = %+v, want 1 rule and nothing pending", s)
	}
}

// TestMatcherRebuild drives many changes through a small delta limit, so
// that the base index is rebuilt in the background several times, and
// checks every intermediate state.
func TestMatcherRebuild(t *testing.T) {
	m := NewMatcher()
	m.deltaLimit = 4
	headlines := readTitles(t, corpus.AlJazeeraEnglish)[:200]
	words := []string{"Gaza", "Ukraine", "Israel", "Russia", "China", "Sudan", "Iran", `"West Bank"`}
	rng := rand.New(rand.NewPCG(1, 2))
	current := map[string][]Rule{}
	for step := range 300 {
		sub := fmt.Sprintf("s%d", rng.IntN(40))
		if rng.IntN(5) == 0 {
			m.Remove(sub)
			delete(current, sub)
		} else {
			rules := []Rule{mustParse(t, words[rng.IntN(len(words))]), mustParse(t, words[rng.IntN(len(words))]+" -"+words[rng.IntN(len(words))])}
			m.Set(sub, rules)
			current[sub] = rules
		}
		h := headlines[step%len(headlines)]
		if got, want := matchSorted(m, h), referenceMatch(current, h); !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d, %q: Match = %v, want %v", step, h, got, want)
		}
		// Between rebuilds results come from the base and the delta. A
		// rebuild may land between two calls and change the order, so
		// MatchSeq too is compared sorted.
		if got, want := sortMatches(collectSeq(m, h)), referenceMatch(current, h); !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d, %q: MatchSeq = %v, want %v", step, h, got, want)
		}
	}
	m.bg.Wait()
	if s := m.Stats(); s.Pending > m.deltaLimit || s.Subscribers != len(current) {
		t.Errorf("after the rebuilds settle: Stats() = %+v, want at most %d pending and %d subscribers", s, m.deltaLimit, len(current))
	}
	for _, h := range headlines {
		if got, want := matchSorted(m, h), referenceMatch(current, h); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: Match = %v, want %v", h, got, want)
		}
	}
}

// referenceMatch is what Matcher.Match must return, computed with the
// reference matcher.
func referenceMatch(subs map[string][]Rule, headline string) []Result {
	n := alerts.Normalize(headline)
	cache := map[string]bool{} // canonical → matches, within this headline
	matches := func(r Rule) bool {
		m, ok := cache[r.Canonical]
		if !ok {
			m = r.Matches(n)
			cache[r.Canonical] = m
		}
		return m
	}
	var out []Result
	for sub, rules := range subs {
		var texts []string
		var seen []string
		for _, r := range rules {
			if slices.Contains(seen, r.Canonical) {
				continue
			}
			seen = append(seen, r.Canonical)
			if matches(r) {
				texts = append(texts, r.Text)
			}
		}
		if len(texts) > 0 {
			out = append(out, Result{Subscriber: sub, Rules: texts})
		}
	}
	slices.SortFunc(out, func(a, b Result) int { return strings.Compare(a.Subscriber, b.Subscriber) })
	return out
}

// TestMatcherConcurrent matches while other goroutines change rules: run
// with -race. A subscriber nobody touches must be in every result, and a
// changing subscriber's result must be one of its two rule sets.
func TestMatcherConcurrent(t *testing.T) {
	m := NewMatcher()
	m.deltaLimit = 8
	m.Build(map[string][]Rule{"steady": {mustParse(t, "Gaza")}})
	const headline = "Israeli attacks on Gaza City school"
	ruleA, ruleB := mustParse(t, "Israeli"), mustParse(t, `"Gaza City"`)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				sub := fmt.Sprintf("w%d-%d", w, i%50)
				switch i % 3 {
				case 0:
					m.Set(sub, []Rule{ruleA})
				case 1:
					m.Set(sub, []Rule{ruleB, ruleA})
				default:
					m.Remove(sub)
				}
			}
		}()
	}
	errs := make(chan string, 4)
	var readers sync.WaitGroup
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := range 2000 {
				got := m.Match(headline)
				if i%2 == 1 {
					got = collectSeq(m, headline)
				}
				steady := false
				for _, g := range got {
					switch {
					case g.Subscriber == "steady":
						steady = slices.Equal(g.Rules, []string{"Gaza"})
					case !slices.Equal(g.Rules, []string{"Israeli"}) && !slices.Equal(g.Rules, []string{`"Gaza City"`, "Israeli"}):
						errs <- fmt.Sprintf("%s matched %q", g.Subscriber, g.Rules)
						return
					}
				}
				if !steady {
					errs <- fmt.Sprintf("steady subscriber missing from %v", got)
					return
				}
			}
		}()
	}
	readers.Wait()
	close(stop)
	wg.Wait()
	m.bg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// corpusHeadlines returns real headlines: the Arabic and English titles of
// urgency_labels.tsv, the Reuters titles and one in every `every` of the
// 19,812 Al Jazeera English titles.
func corpusHeadlines(t testing.TB, every int) []string {
	t.Helper()
	out := labelTitles(t)
	for i, h := range readTitles(t, corpus.AlJazeeraEnglish) {
		if i%every == 0 {
			out = append(out, h)
		}
	}
	return append(out, readTitles(t, corpus.Reuters)...)
}

// stopwords are left out of generated rules: nobody follows "the".
var stopwords = map[string]bool{
	"the": true, "for": true, "and": true, "after": true, "over": true, "says": true, "with": true,
	"what": true, "from": true, "new": true, "day": true, "key": true, "list": true, "will": true,
	"how": true, "amid": true, "are": true, "who": true, "more": true, "can": true, "not": true,
	"two": true, "out": true, "into": true, "has": true, "its": true, "his": true, "her": true,
	"was": true, "but": true, "you": true, "all": true, "than": true, "about": true, "this": true,
	"that": true, "they": true, "their": true, "have": true, "why": true, "one": true, "year": true,
	"علي": true, "الي": true, "بعد": true, "بين": true, "قبل": true, "حول": true, "التي": true,
	"الذي": true, "هذا": true, "هذه": true, "خلال": true, "عام": true, "منذ": true, "ضد": true,
}

// splitHeadlines normalises headlines and splits them into words.
func splitHeadlines(headlines []string) [][]string {
	out := make([][]string, 0, len(headlines))
	for _, h := range headlines {
		if words := strings.Fields(alerts.Normalize(h)); len(words) > 0 {
			out = append(out, words)
		}
	}
	return out
}

// corpusRules draws n rule texts from headline words (see
// splitHeadlines), so popular words are popular in rules too: one to three
// words, phrases of adjacent words, vetoes, and Arabic words given the
// article as users write them. Stopwords and words under three letters
// are left out.
func corpusRules(headlines [][]string, n int, rng *rand.Rand) []string {
	out := make([]string, 0, n)
	word := func() (string, []string, int) {
		for {
			words := headlines[rng.IntN(len(headlines))]
			i := rng.IntN(len(words))
			if len([]rune(words[i])) < 3 || stopwords[words[i]] {
				continue
			}
			return words[i], words, i
		}
	}
	var terms []string
	for len(out) < n {
		terms = terms[:0]
		for range 1 + rng.IntN(3) {
			w, words, i := word()
			switch k := rng.IntN(10); {
			case k < 2 && i+1 < len(words):
				terms = append(terms, `"`+w+" "+words[i+1]+`"`)
			case k == 2 && alerts.Script(w) == "ar":
				terms = append(terms, "ال"+w)
			default:
				terms = append(terms, w)
			}
		}
		if rng.IntN(6) == 0 {
			w, _, _ := word()
			terms = append(terms, "-"+w)
		}
		out = append(out, strings.Join(terms, " "))
	}
	return out
}

// TestMatcherAgreesWithReference runs rules drawn from the corpora against
// real headlines and compares the Matcher with the reference matcher
// rule by rule. Each rule belongs to its own subscriber, and a few rules
// are shared, so the comparison covers interning too.
func TestMatcherAgreesWithReference(t *testing.T) {
	// Words for the rules come from all headlines; the reference matcher
	// is slow, so it checks one in ten of the Al Jazeera titles.
	rng := rand.New(rand.NewPCG(3, 4))
	texts := corpusRules(splitHeadlines(corpusHeadlines(t, 1)), 200, rng)
	headlines := corpusHeadlines(t, 10)
	texts = append(texts, "حمص", "لبنان", "الجيش", `"ريف دمشق"`, "إيران -النفط", "Gaza", `"West Bank"`, "Israel -Gaza", "Ukraine Russia")
	all := map[string][]Rule{}
	for i, s := range texts {
		all[fmt.Sprintf("s%03d", i)] = []Rule{mustParse(t, s)}
		all[fmt.Sprintf("t%03d", i)] = []Rule{mustParse(t, s)} // shared
	}
	m := NewMatcher()
	m.Build(all)
	matched := 0
	for _, h := range headlines {
		got, want := matchSorted(m, h), referenceMatch(all, h)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: Match = %v, want %v", h, got, want)
		}
		// MatchSeq yields the same, in the same order as Match.
		if seq, plain := collectSeq(m, h), m.Match(h); !reflect.DeepEqual(seq, plain) {
			t.Fatalf("%q: MatchSeq = %v, Match = %v", h, seq, plain)
		}
		matched += len(got)
	}
	// The comparison is only meaningful if many headlines match.
	if matched < len(headlines)/4 {
		t.Errorf("only %d matches over %d headlines: the rules test too little", matched, len(headlines))
	}
}

// TestMatcherRebuildFromIndex changes most subscribers of a matcher built
// from corpus rules, so that the base index is rebuilt from the old one
// (no parsed rules kept) plus the changes, several times over, and checks
// the result against a matcher built afresh from the same rules: the same
// matches, rules in the same order, and the same sizes, so that terms and
// rules nobody holds any more are dropped.
func TestMatcherRebuildFromIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	texts := corpusRules(splitHeadlines(corpusHeadlines(t, 1)), 3000, rng)
	rules := func() []Rule {
		out := make([]Rule, 1+rng.IntN(6))
		for i := range out {
			out[i] = mustParse(t, texts[rng.IntN(len(texts))])
		}
		return out
	}
	current := map[string][]Rule{}
	for i := range 400 {
		current[fmt.Sprintf("s%03d", i)] = rules()
	}
	m := NewMatcher()
	m.deltaLimit = 20
	m.Build(current)
	for round := range 5 {
		changes := map[string][]Rule{}
		for range 150 {
			sub := fmt.Sprintf("s%03d", rng.IntN(450))
			if rng.IntN(4) == 0 {
				changes[sub] = nil
				delete(current, sub)
			} else {
				changes[sub] = rules()
				current[sub] = changes[sub]
			}
		}
		m.Update(changes)
		m.bg.Wait()
		fresh := NewMatcher()
		fresh.Build(current)
		got, want := m.Stats(), fresh.Stats()
		if got != want {
			t.Fatalf("round %d: Stats() = %+v, want %+v as built afresh", round, got, want)
		}
		for _, h := range corpusHeadlines(t, 20) {
			if got, want := matchSorted(m, h), matchSorted(fresh, h); !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, %q: Match = %v, want %v as built afresh", round, h, got, want)
			}
		}
	}
}

func FuzzMatch(f *testing.F) {
	for _, c := range matchCases {
		f.Add(c.rule, c.headline)
	}
	for _, title := range labelTitles(f) {
		f.Add("سانا", title)
	}
	f.Fuzz(func(t *testing.T, rule, headline string) {
		r, err := ParseRule(rule)
		if err != nil {
			return
		}
		m := NewMatcher()
		m.Set("s", []Rule{r})
		got := m.Match(headline)
		want := r.Matches(alerts.Normalize(headline))
		if want != (len(got) == 1) || len(got) > 1 {
			t.Fatalf("rule %q, headline %q: Match = %v, reference says %v", rule, headline, got, want)
		}
		if want && !slices.Equal(got[0].Rules, []string{r.Text}) {
			t.Fatalf("rule %q, headline %q: Match = %v, want the rule as written", rule, headline, got)
		}
		if seq := collectSeq(m, headline); !reflect.DeepEqual(seq, got) {
			t.Fatalf("rule %q, headline %q: MatchSeq = %v, Match = %v", rule, headline, seq, got)
		}
		// The same rule in a base index rebuilt from an older one, not
		// from the parsed rule.
		rebuilt := NewMatcher()
		rebuilt.deltaLimit = 0
		rebuilt.Set("s", []Rule{r})
		rebuilt.bg.Wait()
		rebuilt.Remove("t") // a second rebuild, which keeps s from the first
		rebuilt.bg.Wait()
		if s := rebuilt.Stats(); s.Pending != 0 {
			t.Fatalf("rule %q: Stats() = %+v after the rebuilds, want none pending", rule, s)
		}
		if again := rebuilt.Match(headline); !reflect.DeepEqual(again, got) {
			t.Fatalf("rule %q, headline %q: Match after rebuilds = %v, want %v", rule, headline, again, got)
		}
	})
}
