package story

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aajil/aajil/alerts"
)

// Story fingerprints decide whether two headlines tell the same event: two
// newsrooms' headlines of one strike, a short RSS headline and a longer
// ticker line, a headline re-worded after publication, an Arabic and an
// English report of one event. The method and its measured error rates on
// real headline pairs are in docs/DEDUP.md.
//
// Everything here is pure: the store keeps fingerprints and an inverted
// index of their Keys, and calls Compare on the few candidates it finds.

// MaxKeys is the most index keys a fingerprint carries: the rarest words,
// then language-independent keys made of places, actors and events.
const MaxKeys = 10

// params are the thresholds and weights of the decision rule, as one
// value so that the tuning tools can try others; defaults are the
// ones in use.
type params struct {
	same, update, cross     float64 // thresholds
	entity, concept, number float64 // weights
	penalty                 float64 // λ: how much the words each side has alone count against
	events                  bool    // each side having an event the other lacks is a conflict
	crossUnits              int     // the fewest shared units of an Arabic–English pair
	dice                    float64 // >0: headlines that read this alike (letter trigrams) need no score, only no conflict
	anchor                  bool    // a shared place below country level and a shared event stand for the score
	anchorPerson            bool    // so do a shared person and a shared event that happens to one once (death, arrest, resignation)
	subst                   float64 // >0: one or two words swapped for others of at least this weight in an otherwise shared headline are a conflict
}

var defaults = params{
	same: SameThreshold, update: UpdateThreshold, cross: crossThreshold,
	entity: entityWeight, concept: conceptWeight, number: numberWeight,
	penalty: alonePenalty, events: true, subst: substWeight, crossUnits: 2, anchor: true, anchorPerson: true, dice: alikeDice,
}

// Thresholds and weights of the decision rule. They were chosen on the
// tuning part of the real corpus (alerts/story/testdata/stories/, split.tsv) and
// never on its test part; docs/DEDUP.md has both parts' figures.
const (
	// SameThreshold is the least score at which two headlines of one
	// language are one story. (A stricter threshold for reports hours
	// apart was tried and gained nothing on the tuning part.)
	SameThreshold = 0.6
	// UpdateThreshold is the least score at which two headlines whose
	// counts differ are one event with new figures rather than two
	// events of one template.
	UpdateThreshold = 0.55
	// crossThreshold is the least score, over places, actors,
	// events and numbers only, at which an Arabic and an English
	// headline are one story.
	crossThreshold = 0.6

	// updateWindow is the time within which a changed count is
	// new figures of one event (a toll rising through the day), and
	// window the time after which one headline told again is
	// another event (the pipeline keeps stories open for a day).
	updateWindow = 12 * 3600
	window       = 24 * 3600

	// Weights of language-independent units, on the scale of the IDF
	// weights of words (a word seen once in the corpora weighs ~10).
	entityWeight  = 5.0
	conceptWeight = 3.0
	numberWeight  = 4.0
	// alonePenalty is λ in the score (see Compare).
	alonePenalty = 2.0
	// alikeDice is the letter-trigram likeness (Dice) at which two
	// headlines of one language need no score, only no conflict: they
	// read alike though their words take other forms.
	alikeDice = 0.65
	// substWeight is the least weight (IDF) of the words whose swap, in
	// two headlines otherwise alike, makes them two events: one template
	// told of two clubs, two people, two companies the gazetteer does not
	// know («الزمالك ينتقد …» / «الأهلي ينتقد …»).
	substWeight = 4.0
	// weakConcept is the weight of the events that say little of
	// what happened (announce, confirm, a speech).
	weakConcept = 1.0
)

// weakConcepts are the event-vocabulary concepts that report rather
// than happen.
var weakConcepts = map[string]bool{"announce": true, "confirm": true, "speech": true, "call": true, "claim_responsibility": true}

// strongAlone returns a concept of side, not a weak one, that other
// lacks, or "" (with attacks, "attack" and its kinds count as one).
func strongAlone(side, other []string, attacks bool) string {
	for _, x := range side {
		if weakConcepts[x] || slices.Contains(other, x) || (attacks && attackKinds[x]) || implied(x, other) {
			continue
		}
		return x
	}
	return ""
}

// implied reports whether x implies or is implied by one of others.
func implied(x string, others []string) bool { return impliedIn(x, others) != "" }

// impliedIn returns the event of others that x implies or is implied
// by, or "".
func impliedIn(x string, others []string) string {
	for _, y := range others {
		if y != x && (implies[x] == y || implies[y] == x) {
			return y
		}
	}
	return ""
}

// implies holds events that imply another: an assassination is a
// killing, so "assassinated" on one side and "killed" on the other agree.
var implies = map[string]string{"assassinate": "kill"}

// attackKinds are the concepts that are each a kind of attack.
var attackKinds = map[string]bool{"attack": true, "raid": true, "airstrike": true, "bombing": true, "drone": true,
	"missile": true, "stabbing": true, "shooting": true, "assassinate": true, "invade": true}

// hasAttack reports whether concepts hold "attack" or a kind of it.
func hasAttack(concepts []string) bool {
	return slices.ContainsFunc(concepts, func(c string) bool { return attackKinds[c] })
}

// reversals are the concepts that turn an event into its denial or
// refusal: "X denies Y" is other news than "Y".
var reversals = map[string]bool{"deny": true, "reject": true}

// Fingerprint is the comparable form of a headline. Its fields are plain
// values so that a store can keep it as JSON.
type Fingerprint struct {
	// Lang is the headline's script: "ar", "en" (any Latin script) or
	// "" when it has neither.
	Lang string `json:",omitempty"`
	// Tokens are the distinct content words, sorted: normalised, with
	// stop words, the urgency banner, source prefixes, media labels and
	// attribution tails removed, Arabic proclitics stripped and a light
	// stemmer applied (English: Snowball), and without the words that
	// became Entities or Concepts. A number that names an instance rather
	// than counting ("day 171", a year) is a token too ("day171",
	// "2023").
	Tokens []string
	// Entities are the gazetteer ids of the places and actors named
	// ("RU", "LB-beirut", "hezbollah"), distinct and sorted.
	Entities []string `json:",omitempty"`
	// Concepts are the event-vocabulary ids of what happened ("kill",
	// "stab", "warn"), distinct and sorted.
	Concepts []string `json:",omitempty"`
	// Numbers are the other numbers of the headline (death tolls,
	// magnitudes, scores), distinct and sorted, decimals with a dot and
	// no thousands separators ("5.2", "1000"). Number words ("three",
	// «ثلاثة») count.
	Numbers []string
	// At is when the item was published or first seen, in Unix seconds;
	// 0 when unknown. The caller sets it: the time between two reports
	// is evidence.
	At int64 `json:",omitempty"`
	// Keys are what to index the story under and to look candidates up
	// by: the rarest words, then pairs of places, actors and events (by
	// country, so that "Moscow" and «روسيا» share them).
	Keys []string
	// Grams are the letter trigrams of the headline's words (stop words
	// left out, each word padded with a space), as FNV-1a hashes, sorted
	// and distinct: how alike two headlines read, whatever their words'
	// forms («يدرب» / «مدرباً», "besieged" / "besieging").
	Grams Grams `json:",omitempty"`
	// Hash is the exact fingerprint: the hex SHA-256 (first 16 bytes) of
	// Tokens, Entities, Concepts and Numbers. Equal hashes mean the same
	// story. It is empty when all four are: such a headline is no story.
	Hash string
}

// Verdict is the outcome of comparing two fingerprints.
type Verdict int

const (
	// Different: two stories.
	Different Verdict = iota
	// Same: one story told again; a later source is recorded on the
	// story, nothing is alerted.
	Same
	// Update: one story with new figures (a death toll rose, a count
	// changed); the alert already sent is edited, no new alert is sent.
	Update
)

// String returns "different", "same" or "update".
func (v Verdict) String() string {
	switch v {
	case Same:
		return "same"
	case Update:
		return "update"
	case Different:
		return "different"
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// NewFingerprint computes the fingerprint of a headline as a source wrote
// it (banner and prefixes included: they are removed here). At is left 0
// for the caller to set.
func NewFingerprint(title string) Fingerprint {
	text := banners.Detect(title).Rest
	text = stripPrefixes(text)
	text = stripAttribution(text)

	fp := Fingerprint{Lang: alerts.Script(title)}
	if fp.Lang != "ar" && fp.Lang != "" {
		fp.Lang = "en"
	}
	numbers, tokens := splitNumbers(text)

	words := strings.Fields(alerts.Normalize(text))
	words = trimEnds(words)
	words = cutAttribution(words)
	covered := make([]bool, len(words))
	for _, m := range lex.find(words) {
		if m.unit.concept {
			fp.Concepts = append(fp.Concepts, m.unit.id)
		} else {
			fp.Entities = append(fp.Entities, m.unit.id)
		}
		for k := m.start; k < m.end; k++ {
			covered[k] = true
		}
	}
	for i, w := range words {
		if covered[i] || hasDigit(w) {
			continue // a number is counted by splitNumbers, with its decimals
		}
		if n, ok := numberWords[w]; ok {
			numbers = append(numbers, n)
			continue
		}
		if t := token(w); t != "" {
			tokens = append(tokens, t)
		}
	}
	fp.Tokens = sortedSet(tokens)
	fp.Numbers = sortedSet(numbers)
	fp.Entities = sortedSet(fp.Entities)
	fp.Concepts = sortedSet(fp.Concepts)
	fp.Grams = gramsOf(words)
	fp.Keys = indexKeys(&fp)
	if !fp.empty() {
		// A headline with nothing to compare («عاجل», "Live") has no
		// exact fingerprint: two of them are not one story.
		fp.Hash = hash(fp.Tokens, fp.Entities, fp.Concepts, fp.Numbers)
	}
	return fp
}

// empty reports a headline with nothing to compare: no word, place,
// actor, event or number («عاجل», "Live").
func (fp Fingerprint) empty() bool {
	return len(fp.Tokens)+len(fp.Entities)+len(fp.Concepts)+len(fp.Numbers) == 0
}

func sortedSet(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func hasDigit(w string) bool {
	return strings.ContainsAny(w, "0123456789")
}

// hash hashes the lists with separators that cannot occur in them.
func hash(lists ...[]string) string {
	h := sha256.New()
	for _, l := range lists {
		for _, t := range l {
			h.Write([]byte(t))
			h.Write([]byte{0x1f})
		}
		h.Write([]byte{0x1e})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// tokenKeys is how many of the keys are the rarest words.
const tokenKeys = 4

// indexKeys returns the keys of a fingerprint: its rarest words, rarest
// first (ties to the longer, then the smaller word), then pairs of the
// places, actors and events it names, each place or actor taken at the
// level of its country ("~IR+RU", "~LB+kill"), so that two tellings in
// other words or another language share one.
func indexKeys(fp *Fingerprint) []string {
	words := slices.Clone(fp.Tokens)
	slices.SortFunc(words, func(a, b string) int {
		wa, wb := idfWeight(a), idfWeight(b)
		switch {
		case wa > wb:
			return -1
		case wa < wb:
			return 1
		case len(a) != len(b):
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	keys := words[:min(len(words), tokenKeys)]

	var places []string
	for _, e := range fp.Entities {
		if c := lex.country(e); c != "" {
			e = c
		}
		places = append(places, e)
	}
	places = sortedSet(places)
	var pairs []string
	for i, p := range places {
		for _, q := range places[i+1:] {
			pairs = append(pairs, "~"+p+"+"+q)
		}
	}
	for _, p := range places {
		for _, c := range fp.Concepts {
			pairs = append(pairs, "~"+p+"+"+c)
		}
	}
	if len(pairs) == 0 && len(places) == 1 && len(fp.Concepts) == 0 && len(fp.Numbers) > 0 {
		pairs = append(pairs, "~"+places[0]+"#"+fp.Numbers[0])
	}
	keys = append(keys, pairs[:min(len(pairs), MaxKeys-len(keys))]...)
	return slices.Clip(keys)
}

// Compare decides whether a and b are one story and returns the score the
// decision was made on, in [0, 1]. It is symmetric.
//
// The score is a weighted containment with a substitution penalty over
// the units the two headlines share: words (exactly, by one proclitic
// letter, or by one letter's spelling difference), places and actors (the
// same, one within the other, or two that stand for one state), events of
// the vocabulary, and numbers:
//
//	score = (shared − min(onlyA, onlyB)) / (shared + min(onlyA, onlyB))
//
// Containment makes a short headline match a longer telling of the same
// event; the penalty makes two headlines of one template with another
// place, actor or object different. Two known, different places or actors
// (one on each side, neither within the other) are a conflict outright,
// and so are two sets of events with nothing in common. An Arabic and an
// English headline are compared on places, actors, events and numbers
// only. Same-event pairs whose counts changed are an Update when the
// change is one a developing event makes (a toll that rises within
// hours), and Different otherwise (a count that falls, another
// magnitude).
func Compare(a, b Fingerprint) (Verdict, float64) {
	e := compareWith(a, b, defaults, false)
	return e.Verdict, e.Score
}

// Explanation is why Compare decided as it did: what the two headlines
// share and what keeps them apart. Its lists are for people (aajil story
// --explain); their wording may change.
type Explanation struct {
	Verdict Verdict
	Score   float64
	// Matched lists what the two sides share ("دمشق", "place RU ~
	// RU-moscow", "event kill").
	Matched []string
	// Conflicts lists what makes them two events, if anything
	// ("places: LB-beirut ≠ SY-latakia").
	Conflicts []string
	// OnlyA and OnlyB are the words, places, actors and events each side
	// has alone.
	OnlyA, OnlyB []string
}

// comparison accumulates a comparison.
type comparison struct {
	Explanation
	shared         float64 // weight of what both sides have
	onlyA, onlyB   float64 // weight of what one side has alone
	units          int     // shared units
	entities       int     // shared places and actors
	eventOrNumber  int     // shared events and numbers
	leftA, leftB   []string
	entitiesA      []string // unmatched entities
	entitiesB      []string
	allA, allB     []string // every entity of each side
	crossLanguage  bool
	seconds        int64 // time between the two, or -1 if unknown
	conceptsDiffer bool
	reversal       string  // a denial or refusal on one side only
	explain        bool    // describe what matched and conflicted
	dice           float64 // how alike the two read, letter trigrams (same language)
	sharedCity     int     // shared cities that are not capitals
	incidentShared int     // shared incidents (incidents)
	sharedPerson   int     // shared people
	onceShared     int     // shared events that happen to a person once
	strongShared   int     // shared events that are not reports
	refused        bool    // a conflict was found
	p              params
}

// Explain compares a and b as Compare does and says why.
func Explain(a, b Fingerprint) Explanation {
	return compareWith(a, b, defaults, true)
}

// ExplainHeadlines is Explain of two headlines' fingerprints, compared as
// if reported at unknown times: what `aajil story --explain` prints and
// the admin console shows for a story's merged reports.
func ExplainHeadlines(a, b string) Explanation {
	return Explain(NewFingerprint(a), NewFingerprint(b))
}

func compareWith(a, b Fingerprint, p params, explain bool) Explanation {
	c := comparison{p: p, explain: explain, crossLanguage: a.Lang != "" && b.Lang != "" && a.Lang != b.Lang, seconds: -1}
	if a.At > 0 && b.At > 0 {
		c.seconds = a.At - b.At
		if c.seconds < 0 {
			c.seconds = -c.seconds
		}
	}
	if c.seconds > window {
		// One headline told again days later is another event (a
		// raid, a strike of the same kind): the pipeline keeps stories
		// open for a day.
		c.refuse(func() string { return "reported more than a day apart" })
		return c.Explanation
	}
	if a.empty() || b.empty() {
		c.refuse(func() string { return "nothing to compare (no word, place, event or number)" })
		return c.Explanation
	}
	if a.Hash == b.Hash && a.Hash != "" {
		c.Verdict, c.Score, c.Matched = Same, 1, []string{"identical fingerprint"}
		return c.Explanation
	}
	c.allA, c.allB = a.Entities, b.Entities
	c.matchEntities(a.Entities, b.Entities)
	c.matchConcepts(a.Concepts, b.Concepts)
	c.matchNumbers(a.Numbers, b.Numbers)
	if !c.crossLanguage {
		c.matchTokens(a.Tokens, b.Tokens)
	}
	if den := c.shared + p.penalty*min(c.onlyA, c.onlyB); den > 0 {
		c.Score = max(0, min(1, c.shared/den))
	}
	c.Score = math.Round(c.Score*1000) / 1000
	c.decide(a, b)
	return c.Explanation
}

// decide sets the verdict from what the comparison found.
func (c *comparison) decide(a, b Fingerprint) {
	c.Verdict = Different
	if x, y, ok := c.entityConflict(); ok {
		c.refuse(func() string { return "two places or actors: " + x + " ≠ " + y })
	}
	if c.reversal != "" {
		c.refuse(func() string { return "one side only: " + c.reversal })
	}
	if c.conceptsDiffer {
		c.refuse(func() string {
			return "other events: " + strings.Join(a.Concepts, ",") + " ≠ " + strings.Join(b.Concepts, ",")
		})
	}
	if c.p.subst > 0 && !c.crossLanguage && c.swapped() {
		c.refuse(func() string {
			return "one word swapped for another: " + strings.Join(c.leftA, ",") + " ≠ " + strings.Join(c.leftB, ",")
		})
	}
	threshold := c.p.same
	enough := c.units >= 2
	if c.crossLanguage {
		threshold = c.p.cross
		enough = c.entities >= 1 && c.eventOrNumber >= 1 && c.units >= c.p.crossUnits
	}
	change := compareNumbers(a, b)
	if change == numbersRose && !c.crossLanguage {
		// New figures of a developing event come hours apart: the
		// update threshold applies at any time within the window.
		threshold = c.p.update
	}
	if !c.crossLanguage {
		c.dice = dice(a.Grams, b.Grams)
		if c.explain && c.dice > 0 {
			c.Matched = append(c.Matched, "letters alike "+strconv.FormatFloat(c.dice, 'f', 2, 64))
		}
	}
	alike := c.p.dice > 0 && c.dice >= c.p.dice
	switch {
	case !enough && !alike:
		c.refuse(func() string { return "too little in common (" + strconv.Itoa(c.units) + " shared)" })
	case c.Score < threshold && !c.anchored() && !alike:
		c.refuse(func() string { return "score below " + strconv.FormatFloat(threshold, 'f', -1, 64) })
	}
	if c.refused {
		return
	}
	switch change {
	case numbersAgree:
		c.Verdict = Same
	case numbersRose:
		if c.seconds > updateWindow {
			c.refuse(func() string { return "other figures, more than 12 h apart" })
			return
		}
		c.Verdict = Update
	default:
		c.refuse(func() string {
			return "other figures that no update makes: " + strings.Join(a.Numbers, ",") + " ≠ " + strings.Join(b.Numbers, ",")
		})
	}
}

// swapped reports whether the two headlines are one template with a word
// or two swapped: each side has at most two words alone, at least one of
// them not common, and they share at least three units.
func (c *comparison) swapped() bool {
	// Places and actors one side has alone take part in a swap too
	// («كولر يشرح …» / «ترمب يشرح …»).
	nA, nB := len(c.leftA)+c.aloneEntities('a'), len(c.leftB)+c.aloneEntities('b')
	if nA == 0 || nB == 0 || nA > 2 || nB > 2 || c.units < 3 {
		return false
	}
	heavy := func(ts []string, entities int) bool {
		if entities > 0 {
			return true
		}
		for _, t := range ts {
			if idfWeight(t) >= c.p.subst {
				return true
			}
		}
		return false
	}
	return heavy(c.leftA, c.aloneEntities('a')) && heavy(c.leftB, c.aloneEntities('b'))
}

// aloneEntities counts the places and actors of one side that the other
// side neither has nor covers.
func (c *comparison) aloneEntities(side byte) int {
	n := 0
	mine, theirs := c.entitiesA, c.allB
	if side == 'b' {
		mine, theirs = c.entitiesB, c.allA
	}
	for _, x := range mine {
		if !coveredBy(x, theirs) {
			n++
		}
	}
	return n
}

// entityConflict finds two known places (or two actors), one on each side
// alone, that cannot name one thing.
func (c *comparison) entityConflict() (string, string, bool) {
	for _, x := range c.entitiesA {
		for _, y := range c.entitiesB {
			if lex.isPlace(x) == lex.isPlace(y) && !lex.compatible(x, y) {
				return x, y, true
			}
		}
	}
	return "", "", false
}

// share counts a unit both sides have; what it is, for Explain, is kind
// and x (matched with y when they differ).
func (c *comparison) share(w float64, kind, x, y string) {
	c.shared += w
	c.units++
	if c.explain {
		c.Matched = append(c.Matched, unitLabel(kind, x, y))
	}
}

// refuse records a conflict: its description only for Explain.
func (c *comparison) refuse(why func() string) {
	c.refused = true
	if c.explain {
		c.Conflicts = append(c.Conflicts, why())
	}
}

// anchored reports whether the pair shares what pins one event down: a
// city (not a capital, not a region: a war is fought in Gaza and over Kyiv
// every day) and an incident that seldom happens twice in one city in a
// day (an earthquake, an explosion, a shooting, a crash, a fire, a flood:
// «انفجار يهز مرفأ بيروت» / "Massive explosion kills dozens in Beirut"
// would need the city; "Bondi" does), or a person and what happens to a
// person once (a natural death, an assassination, a funeral, an arrest, a
// sentence: «اغتيال إسماعيل هنية» / «حماس تعلن مقتل اسماعيل هنية»), so
// that two newsrooms' other details do not keep them apart. Conflicts
// still apply. Acts that go on (war, strikes, talks) and acts a person
// does (appoints, dismisses, warns) do not anchor.
func (c *comparison) anchored() bool {
	return c.p.anchor && c.sharedCity > 0 && c.incidentShared > 0 ||
		c.p.anchorPerson && c.sharedPerson > 0 && c.onceShared > 0
}

// incidents seldom happen twice in one city in a day.
var incidents = map[string]bool{"earthquake": true, "bombing": true, "shooting": true, "stabbing": true,
	"crash": true, "fire": true, "flood": true, "collapse": true, "landslide": true, "tsunami": true,
	"volcano": true, "sink": true}

// onceEvents happen to a person once.
var onceEvents = map[string]bool{"death_natural": true, "assassinate": true, "funeral": true, "arrest": true,
	"sentence": true, "execute": true}

// Grams are letter-trigram hashes, sorted and distinct. In JSON they are
// one base64 string of 4 little-endian bytes each, shorter than a list of
// numbers and quicker to read back (BenchmarkCompareStored: 15 µs with a
// list, 11 µs with base64).
type Grams []uint32

// MarshalJSON encodes g as a base64 string.
func (g Grams) MarshalJSON() ([]byte, error) {
	buf := make([]byte, 4*len(g))
	for i, h := range g {
		binary.LittleEndian.PutUint32(buf[4*i:], h)
	}
	return json.Marshal(base64.RawStdEncoding.EncodeToString(buf))
}

// UnmarshalJSON decodes what MarshalJSON encoded.
func (g *Grams) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("story grams: %w", err)
	}
	buf, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil || len(buf)%4 != 0 {
		return fmt.Errorf("story grams: not 4-byte hashes in base64")
	}
	out := make(Grams, len(buf)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(buf[4*i:])
	}
	*g = out
	return nil
}

// gramsOf returns the sorted, distinct FNV-1a hashes of the letter
// trigrams of words (normalised), stop words left out.
func gramsOf(words []string) Grams {
	var out Grams
	var r []rune
	for _, w := range words {
		if stopWords[w] {
			continue
		}
		r = append(append(append(r[:0], ' '), []rune(w)...), ' ')
		for i := 0; i+3 <= len(r); i++ {
			h := uint32(2166136261)
			for _, c := range r[i : i+3] {
				h ^= uint32(c)
				h *= 16777619
			}
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// dice is the Dice coefficient of two sorted sets.
func dice(a, b Grams) float64 {
	if len(a)+len(b) == 0 {
		return 0
	}
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return 2 * float64(n) / float64(len(a)+len(b))
}

func unitLabel(kind, x, y string) string {
	if y != "" {
		x += " ~ " + y
	}
	if kind != "" {
		x = kind + " " + x
	}
	return x
}

// alone counts a unit one side has alone.
func (c *comparison) alone(side byte, w float64, kind, x string) {
	if side == 'a' {
		c.onlyA += w
		if c.explain {
			c.OnlyA = append(c.OnlyA, unitLabel(kind, x, ""))
		}
	} else {
		c.onlyB += w
		if c.explain {
			c.OnlyB = append(c.OnlyB, unitLabel(kind, x, ""))
		}
	}
}

// matchEntities pairs the places and actors of the two sides: the same
// ones first, then compatible ones (Moscow with Russia).
func (c *comparison) matchEntities(a, b []string) {
	usedB := make([]bool, len(b))
	var restA []string
	for _, x := range a {
		if k, ok := slices.BinarySearch(b, x); ok {
			usedB[k] = true
			c.share(c.p.entity, "place/actor", x, "")
			c.entities++
			switch lex.entities[x].kind {
			case kindCity:
				if !lex.entities[x].capital {
					c.sharedCity++
				}
			case kindPerson:
				c.sharedPerson++
			}
			continue
		}
		restA = append(restA, x)
	}
	for _, x := range restA {
		found := false
		for k, y := range b {
			if !usedB[k] && lex.compatible(x, y) {
				usedB[k] = true
				c.share(c.p.entity, "place/actor", x, y)
				c.entities++
				found = true
				break
			}
		}
		if !found {
			// One side naming more of the same state, or a place
			// within one the other side named, is detail, not
			// difference: it does not count against the score, but
			// it may still conflict with what the other side has
			// alone.
			c.entitiesA = append(c.entitiesA, x)
			if !coveredBy(x, b) {
				c.alone('a', c.p.entity, "", x)
			}
		}
	}
	for k, y := range b {
		if usedB[k] {
			continue
		}
		c.entitiesB = append(c.entitiesB, y)
		if !coveredBy(y, a) {
			c.alone('b', c.p.entity, "", y)
		}
	}
}

// coveredBy reports whether entity x is compatible with one of others.
func coveredBy(x string, others []string) bool {
	for _, y := range others {
		if lex.compatible(x, y) {
			return true
		}
	}
	return false
}

func (c *comparison) matchConcepts(a, b []string) {
	weight := func(x string) float64 {
		if weakConcepts[x] {
			return weakConcept
		}
		return c.p.concept
	}
	attacks := hasAttack(a) && hasAttack(b)
	// covered reports whether an event one side lacks is told by the
	// other in other words: a kind of attack covers "attack" ("knife
	// rampage" / "stabbing attack"), so it neither counts as shared nor
	// against.
	covered := func(x string) bool { return attacks && x == "attack" }
	shared, strongA, strongB := 0, 0, 0
	for _, x := range a {
		if !weakConcepts[x] {
			strongA++
		}
		y := x
		if _, ok := slices.BinarySearch(b, x); !ok {
			// An event the other side names by one it implies: an
			// assassination and a killing.
			if y = impliedIn(x, b); y == "" {
				if !covered(x) {
					c.alone('a', weight(x), "event", x)
				}
				continue
			}
		}
		if y == x {
			y = ""
		}
		c.share(weight(x), "event", x, y)
		if onceEvents[x] || onceEvents[y] {
			c.onceShared++
		}
		if !weakConcepts[x] {
			c.strongShared++
			c.eventOrNumber++
			shared++
		}
	}
	for _, y := range b {
		if !weakConcepts[y] {
			strongB++
		}
		if _, ok := slices.BinarySearch(a, y); !ok && impliedIn(y, a) == "" && !covered(y) {
			c.alone('b', weight(y), "event", y)
		}
	}
	if !attacks {
		c.conceptsDiffer = strongA > 0 && strongB > 0 && shared == 0
	}
	if c.p.events && !c.conceptsDiffer {
		// Each side has an event the other lacks ("ferry fire" /
		// "storms", "postponed" / "held"): another development or
		// another event. A kind of attack and "attack" are one.
		x, y := strongAlone(a, b, attacks), strongAlone(b, a, attacks)
		c.conceptsDiffer = x != "" && y != ""
	}
	for r := range reversals {
		_, inA := slices.BinarySearch(a, r)
		_, inB := slices.BinarySearch(b, r)
		if inA != inB {
			c.reversal = r
		}
	}
}

func (c *comparison) matchNumbers(a, b []string) {
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); ok {
			c.share(c.p.number, "number", x, "")
			c.eventOrNumber++
		}
	}
}

// matchTokens matches the words of the two sides: exactly, with one
// Arabic proclitic letter more or less, or as spelling variants (one
// edit apart); each side's other words count against the score.
func (c *comparison) matchTokens(a, b []string) {
	var onlyA, onlyB []string
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			onlyA = append(onlyA, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			c.share(idfWeight(a[i]), "", a[i], "")
			i++
			j++
		}
	}
	usedB := make([]bool, len(onlyB))
	for _, x := range onlyA {
		k := softMatch(x, onlyB, usedB)
		if k < 0 {
			c.leftA = append(c.leftA, x)
			c.alone('a', idfWeight(x), "", x)
			continue
		}
		usedB[k] = true
		w := (idfWeight(x) + idfWeight(onlyB[k])) / 2
		c.share(w, "", x, onlyB[k])
	}
	for k, y := range onlyB {
		if !usedB[k] {
			c.leftB = append(c.leftB, y)
			c.alone('b', idfWeight(y), "", y)
		}
	}
}

// softMatch returns the index of the first unused token of others that
// is x told another way, or -1: the same word with one proclitic letter
// more («بغداد» / «ببغداد»), or a spelling variant one edit away
// («فرنسيس» / «فرانسيس»), among words long enough for one letter not to
// make another word.
func softMatch(x string, others []string, used []bool) int {
	nx := utf8.RuneCountInString(x)
	fx, _ := utf8.DecodeRuneInString(x)
	arabic := isArabic(x)
	least := 4
	if !arabic {
		least = 7 // English: "organisation"/"organization", not "Iran"/"Iraq"
	}
	for k, y := range others {
		if used[k] {
			continue
		}
		if procliticPair(x, y) {
			return k
		}
		// Both kinds of variant keep the first letter; checking it
		// first keeps the loop cheap.
		if fy, _ := utf8.DecodeRuneInString(y); fy != fx || isArabic(y) != arabic {
			continue
		}
		ny := utf8.RuneCountInString(y)
		if min(nx, ny) >= least && editDistanceAtMostOne(x, y) {
			return k
		}
		if arabic && min(nx, ny) >= 3 && sameSkeleton(x, y) && rare(x) && rare(y) {
			return k
		}
	}
	return -1
}

// rare reports whether a word is rare enough in the corpora (seen in
// at most 3 headlines: a weight of at least rareFloor, or none in the
// table) to be a name rather than a common word.
func rare(t string) bool {
	w, ok := idfWeights[t]
	return !ok || w >= rareFloor
}

// sameSkeleton reports whether two Arabic words are the same without
// their long vowels and final ه after the first letter: transliterations
// of one foreign name differ mostly in them («بونداي» / «بوندي»,
// «فرنسيس» / «فرانسيس»).
func sameSkeleton(x, y string) bool {
	vowel := func(r rune) bool { return r == 'ا' || r == 'و' || r == 'ي' || r == 'ه' }
	next := func(s string, i int) (rune, int) {
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if i == size || !vowel(r) { // the first letter always counts
				return r, i
			}
		}
		return -1, i
	}
	i, j := 0, 0
	for {
		var rx, ry rune
		rx, i = next(x, i)
		ry, j = next(y, j)
		if rx != ry {
			return false
		}
		if rx < 0 {
			return true
		}
	}
}

// editDistanceAtMostOne reports whether a and b are at most one edit
// apart: one letter inserted, removed, replaced, or two adjacent letters
// swapped («اميركيه» / «امريكيه»).
func editDistanceAtMostOne(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	// Skip the common prefix and suffix; what is left must be one
	// letter or less on each side, or two swapped letters.
	for len(a) > 0 && len(b) > 0 {
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if ra != rb {
			break
		}
		a, b = a[sa:], b[sb:]
	}
	for len(a) > 0 && len(b) > 0 {
		ra, sa := utf8.DecodeLastRuneInString(a)
		rb, sb := utf8.DecodeLastRuneInString(b)
		if ra != rb {
			break
		}
		a, b = a[:len(a)-sa], b[:len(b)-sb]
	}
	na, nb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	switch {
	case na <= 1 && nb <= 1:
		return true // equal, one letter inserted or replaced
	case na == 2 && nb == 2:
		a0, s0 := utf8.DecodeRuneInString(a)
		b0, t0 := utf8.DecodeRuneInString(b)
		return a[s0:] == string(b0) && b[t0:] == string(a0) // swapped
	}
	return false
}

// numberChange is how the numbers of two headlines relate.
type numberChange int

const (
	numbersAgree numberChange = iota // the same, or one side has none, or one side's are a part of the other's
	numbersRose                      // counts changed the way a developing event changes them
	numbersOther                     // another event's figures
)

// compareNumbers compares the numbers of a and b. Counts that differ
// are new figures of one event when both count a toll (the dead, the
// injured, …), every changed count of the later report (by At; without
// times, either order) is higher than the earlier one's and none is a
// decimal (a magnitude, a rate): a toll rises as bodies are found, while
// a count that falls, a new magnitude or another count is another event.
// Counts within a fifth of each other are one figure rounded or hedged
// differently ("at least 44" / "more than 40").
func compareNumbers(a, b Fingerprint) numberChange {
	if len(a.Numbers) == 0 || len(b.Numbers) == 0 {
		return numbersAgree
	}
	onlyA := minus(a.Numbers, b.Numbers)
	onlyB := minus(b.Numbers, a.Numbers)
	if len(onlyA) == 0 && len(onlyB) == 0 {
		return numbersAgree
	}
	if len(onlyA) == 0 || len(onlyB) == 0 {
		// One side adds figures to the other's ("ten killed" / "kills
		// 10, wounds 15"): new figures of a toll, or detail.
		if isToll(a, b) {
			return numbersRose
		}
		return numbersAgree
	}
	for _, n := range append(slices.Clone(onlyA), onlyB...) {
		if strings.Contains(n, ".") {
			return numbersOther
		}
	}
	if !isToll(a, b) {
		return numbersOther
	}
	rose := func(before, after []string) bool {
		return maxNumber(after) > maxNumber(before) && minNumber(after) >= minNumber(before)
	}
	switch {
	case a.At > 0 && b.At > 0 && a.At < b.At:
		if rose(onlyA, onlyB) {
			return numbersRose
		}
	case a.At > 0 && b.At > 0 && b.At < a.At:
		if rose(onlyB, onlyA) {
			return numbersRose
		}
	default:
		if rose(onlyA, onlyB) || rose(onlyB, onlyA) {
			return numbersRose
		}
	}
	// Two newsrooms round and hedge one count differently ("at least
	// 44" / "more than 40"): a later count that is lower by less than a
	// fifth is the same figure, not another event.
	if lo, hi := min(minNumber(onlyA), minNumber(onlyB)), max(maxNumber(onlyA), maxNumber(onlyB)); lo >= 10 && hi <= 1.2*lo {
		return numbersAgree
	}
	return numbersOther
}

// RaisesFigures reports whether item, an Update of story, brings higher
// counts than the story has, or counts it lacks: the figures an update
// should show. (Compare
// is symmetric; without times, a lower count of one toll is an Update too,
// and the story keeps its higher figure.)
func RaisesFigures(item, story Fingerprint) bool {
	onlyI, onlyS := minus(item.Numbers, story.Numbers), minus(story.Numbers, item.Numbers)
	if len(onlyS) == 0 {
		return len(onlyI) > 0 // figures added
	}
	return len(onlyI) > 0 && maxNumber(onlyI) > maxNumber(onlyS)
}

// tollConcepts are the events whose counts grow as an event
// develops: the dead, the injured, the missing, the displaced, the
// arrested.
var tollConcepts = map[string]bool{"kill": true, "injure": true, "missing": true, "displace": true,
	"evacuate": true, "arrest": true, "hostage": true, "rescue": true, "death_natural": true}

// isToll reports whether two headlines count a toll: they share an
// event whose count grows (a count of drones downed in a second attack
// is not a toll, and another count is another event).
func isToll(a, b Fingerprint) bool {
	for _, x := range a.Concepts {
		if tollConcepts[x] && slices.Contains(b.Concepts, x) {
			return true
		}
	}
	return false
}

// minus returns the members of a (sorted) that b (sorted) lacks.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			out = append(out, x)
		}
	}
	return out
}

func maxNumber(ns []string) float64 {
	m := math.Inf(-1)
	for _, n := range ns {
		if v, err := strconv.ParseFloat(n, 64); err == nil {
			m = max(m, v)
		}
	}
	return m
}

func minNumber(ns []string) float64 {
	m := math.Inf(1)
	for _, n := range ns {
		if v, err := strconv.ParseFloat(n, 64); err == nil {
			m = min(m, v)
		}
	}
	return m
}

// procliticLetters are the one-letter Arabic proclitics.
const procliticLetters = "وفبكل"

// procliticPair reports whether x is y with one more leading Arabic
// proclitic letter, or the other way round. Canonical tokens already lose
// their proclitics, but a single و ف ب ك ل is ambiguous (it also begins
// words: «بيروت», «وزير», «لبنان»), so it is stripped at most once and the
// remaining one-letter difference is accepted here.
func procliticPair(x, y string) bool {
	if len(x) < len(y) {
		x, y = y, x
	}
	if len(x)-len(y) != 2 || utf8.RuneCountInString(y) < 3 {
		return false
	}
	r, size := utf8.DecodeRuneInString(x)
	return strings.ContainsRune(procliticLetters, r) && x[size:] == y
}
