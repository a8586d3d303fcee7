package story

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aajil/aajil/alerts"
)

// The story lexicon is what Aajil knows of the world when it compares two
// headlines: the places and actors of a bilingual gazetteer
// (alerts/story/gazetteer.tsv) and the event vocabulary (alerts/story/events.tsv),
// both in Arabic and English. A phrase of a headline found in it becomes a
// language-independent unit: "Moscow", «موسكو» and «الروسية» all become
// places and actors with known relations (Moscow is in Russia), and
// "stabbing", "knife rampage" and «طعن» one event concept. That is what lets
// two newsrooms' headlines, or an Arabic and an English one, agree, and
// what makes two known, different places a conflict.

//go:embed gazetteer.tsv
var gazetteerTSV string

//go:embed events.tsv
var eventsTSV string

// Entity kinds of the gazetteer.
const (
	kindCountry = "country"
	kindRegion  = "region"
	kindCity    = "city"
	kindWater   = "water"
	kindOrg     = "org"
	kindPerson  = "person"
)

// entity is a gazetteer row.
type entity struct {
	id, kind, parent string
	capital          bool // a capital city, which stands for its country
}

// lexUnit is what a phrase of the lexicon stands for.
type lexUnit struct {
	id      string
	concept bool // an event concept; otherwise an entity id
}

// lexicon is the parsed gazetteer and event vocabulary. It is built
// once and never written again.
type lexicon struct {
	phrases  map[string]lexUnit // lexKey of the words of a phrase, joined by " "
	maxWords int
	entities map[string]entity
}

// lex is the lexicon compiled into the binary.
var lex = mustLexicon(gazetteerTSV, eventsTSV)

func mustLexicon(gazetteer, events string) *lexicon {
	lx, err := newLexicon(gazetteer, events)
	if err != nil {
		panic("story: embedded lexicon: " + err.Error()) // a bug in the data files, caught by tests
	}
	return lx
}

// newLexicon parses a gazetteer ("id kind parent names", names
// separated by |, capitals of kind "capital") and an event vocabulary
// ("concept forms").
func newLexicon(gazetteer, events string) (*lexicon, error) {
	lx := &lexicon{phrases: map[string]lexUnit{}, entities: map[string]entity{}}
	add := func(form string, u lexUnit) {
		key := lexPhraseKey(form)
		if _, taken := lx.phrases[key]; key == "" || taken {
			// A form listed twice keeps its first meaning;
			// TestStoryEmbeddedLexicon keeps the shipped files free of
			// such forms.
			return
		}
		lx.phrases[key] = u
		lx.maxWords = max(lx.maxWords, strings.Count(key, " ")+1)
	}
	err := eachTSVRow(gazetteer, 4, func(line int, f []string) error {
		e := entity{id: f[0], kind: f[1], parent: f[2]}
		if e.parent == "-" {
			e.parent = ""
		}
		if e.kind == "capital" {
			e.kind, e.capital = kindCity, true
		}
		switch e.kind {
		case kindCountry, kindRegion, kindCity, kindWater, kindOrg, kindPerson:
		default:
			return fmt.Errorf("line %d: unknown kind %q", line, f[1])
		}
		if _, dup := lx.entities[e.id]; dup {
			return fmt.Errorf("line %d: duplicate id %q", line, e.id)
		}
		lx.entities[e.id] = e
		for _, name := range strings.Split(f[3], "|") {
			add(name, lexUnit{id: e.id})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("gazetteer: %w", err)
	}
	for id, e := range lx.entities {
		if e.parent != "" {
			if _, ok := lx.entities[e.parent]; !ok {
				return nil, fmt.Errorf("gazetteer: %s: unknown parent %q", id, e.parent)
			}
		}
	}
	err = eachTSVRow(events, 2, func(line int, f []string) error {
		for _, form := range strings.Split(f[1], "|") {
			add(form, lexUnit{id: f[0], concept: true})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("event vocabulary: %w", err)
	}
	return lx, nil
}

// eachTSVRow calls fn for every line of s that is neither blank nor a #
// comment, with at least n TAB-separated fields, trimmed.
//
// The fields are parts of s (for the embedded tables, of the binary's
// read-only data), not copies: the ids and names the lexicon keeps take no
// heap of their own.
func eachTSVRow(s string, n int, fn func(line int, fields []string) error) error {
	line := 0
	for text := range strings.Lines(s) {
		line++
		text = strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) < n {
			return fmt.Errorf("line %d: %d fields, want %d", line, len(f), n)
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if err := fn(line, f); err != nil {
			return err
		}
	}
	return nil
}

// lexPhraseKey is the lookup form of a phrase: normalised words, each
// Arabic one without its article.
func lexPhraseKey(phrase string) string {
	words := strings.Fields(alerts.Normalize(phrase))
	for i, w := range words {
		words[i] = lexWord(w)
	}
	return strings.Join(words, " ")
}

// lexWord drops the Arabic article of a normalised word, leaving at least
// two letters.
func lexWord(w string) string {
	if t, ok := strings.CutPrefix(w, "ال"); ok && utf8.RuneCountInString(t) >= 2 {
		return t
	}
	return w
}

// lexFirstWordForms are the forms under which the first word of a phrase
// is looked up: as written, then without a conjunction (و ف), without a
// preposition (ب ل ك), or both. Each form then loses its article.
func lexFirstWordForms(w string, out []string) []string {
	out = append(out[:0], w)
	if !isArabic(w) {
		return out
	}
	rest := []string{w}
	if t, ok := cutPrefix(w, "و", "ف"); ok && utf8.RuneCountInString(t) >= 2 {
		out = append(out, t)
		rest = append(rest, t)
	}
	for _, r := range rest {
		if t, ok := cutPrefix(r, "ب", "ل", "ك"); ok && utf8.RuneCountInString(t) >= 2 {
			out = append(out, t)
		}
	}
	// «للعاصمة» is ل + ال with the alef dropped.
	if t, ok := strings.CutPrefix(w, "لل"); ok && utf8.RuneCountInString(t) >= 2 {
		out = append(out, t)
	}
	return out
}

// lexAdjSuffixes are the endings of Arabic adjectives of place
// («لبنانية», «سوريين»): a word that is a known place with one of them
// is that place.
var lexAdjSuffixes = []string{"يين", "يون", "يه", "ين", "ي"}

// lexMatch is a phrase of a headline found in the lexicon: words [start,
// end) of the headline.
type lexMatch struct {
	unit       lexUnit
	start, end int
}

// find returns the lexicon phrases of words (normalised), longest first
// at each position, without overlaps.
func (lx *lexicon) find(words []string) []lexMatch {
	var out []lexMatch
	var forms []string
	var key strings.Builder
	for i := 0; i < len(words); {
		found := false
		forms = lexFirstWordForms(words[i], forms)
		for n := min(lx.maxWords, len(words)-i); n >= 1 && !found; n-- {
			for _, first := range forms {
				key.Reset()
				key.WriteString(lexWord(first))
				for _, w := range words[i+1 : i+n] {
					key.WriteByte(' ')
					key.WriteString(lexWord(w))
				}
				if u, ok := lx.phrases[key.String()]; ok {
					out = append(out, lexMatch{unit: u, start: i, end: i + n})
					i += n
					found = true
					break
				}
			}
		}
		if found {
			continue
		}
		if u, ok := lx.adjective(words[i], forms); ok {
			out = append(out, lexMatch{unit: u, start: i, end: i + 1})
		}
		i++
	}
	return out
}

// adjective finds the place that an Arabic adjective of place names
// («الإيرانية» → Iran, «الأميركي» → America); forms are the word's forms
// (lexFirstWordForms).
func (lx *lexicon) adjective(w string, forms []string) (lexUnit, bool) {
	if !isArabic(w) {
		return lexUnit{}, false
	}
	for _, f := range forms {
		f = lexWord(f)
		for _, suf := range lexAdjSuffixes {
			stem, ok := strings.CutSuffix(f, suf)
			if !ok || utf8.RuneCountInString(stem) < 3 {
				continue
			}
			for _, cand := range [...]string{stem, stem + "ا", stem + "ه", stem + "يا"} {
				if u, ok := lx.phrases[cand]; ok && !u.concept {
					if e := lx.entities[u.id]; e.kind == kindCountry || e.kind == kindRegion || e.kind == kindCity {
						return u, true
					}
				}
			}
		}
	}
	return lexUnit{}, false
}

// country returns the country an entity belongs to (itself for a
// country), or "" for one that has none (a sea, the UN).
func (lx *lexicon) country(id string) string {
	for range 8 { // parents form a short tree; the bound guards a cycle
		e, ok := lx.entities[id]
		if !ok {
			return ""
		}
		if e.kind == kindCountry {
			return id
		}
		if e.parent == "" {
			return ""
		}
		id = e.parent
	}
	return ""
}

// within reports whether entity a is b or lies within it (Aleppo within
// Syria, Gaza City within the Gaza Strip).
func (lx *lexicon) within(a, b string) bool {
	for range 8 {
		if a == b {
			return true
		}
		e, ok := lx.entities[a]
		if !ok || e.parent == "" {
			return false
		}
		a = e.parent
	}
	return false
}

// standsForState reports whether an entity can stand for its country as
// an actor: the country itself, its capital, its institutions and its
// people in office ("Moscow warns", "the Kremlin warns", "Russia warns").
func (lx *lexicon) standsForState(id string) bool {
	e := lx.entities[id]
	return e.kind == kindCountry || e.capital || e.kind == kindOrg || e.kind == kindPerson
}

// compatible reports whether two entities can name the same thing in two
// tellings of one event: the same entity, one within the other, or two
// that stand for one state (Moscow / Russia / the Kremlin / Putin). Two
// people are compatible only when they are one person.
func (lx *lexicon) compatible(a, b string) bool {
	if a == b || lx.within(a, b) || lx.within(b, a) {
		return true
	}
	ea, eb := lx.entities[a], lx.entities[b]
	if ea.kind == kindPerson && eb.kind == kindPerson {
		return false
	}
	c := lx.country(a)
	return c != "" && c == lx.country(b) && lx.standsForState(a) && lx.standsForState(b)
}

// isPlace reports whether an entity is a place rather than an actor.
func (lx *lexicon) isPlace(id string) bool {
	switch lx.entities[id].kind {
	case kindCountry, kindRegion, kindCity, kindWater:
		return true
	}
	return false
}
