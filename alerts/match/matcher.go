package match

import (
	"iter"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/aajil/aajil/alerts"
)

// Matcher holds every subscriber's rules in one index and finds, for a
// headline, the subscribers whose rules match it and which rules did.
//
// Why a word index and not Aho-Corasick: after normalisation a headline is
// a sequence of words separated by single spaces, and rule terms are whole
// words or runs of whole words. A substring automaton would find «حمص»
// inside «الحمصي» and need a word-boundary check afterwards, and proclitics
// would have to be spelt out as 24 variants of every pattern. Instead each
// headline word is turned into its few candidate keys (itself, and itself
// without the proclitics it starts with; see candidates) and each key is
// looked up in one hash map from a term's first word to the terms starting
// with it; phrases are then checked against the following words. A rule
// is reached only through its rarest required term, its pivot, and each
// subscriber holding a matched rule is added to the result. The work per
// headline is O(words × candidates) map lookups plus work proportional to
// the rules whose pivot occurs and to the subscribers matched: it does not
// grow with the subscribers that do not match.
//
// The cost per matched subscriber is what decides the worst headlines: a
// headline naming Gaza and Israel matches one subscriber in ten. So the
// index is laid out for it (see index): identical rules are stored once
// (keyed by Rule.Canonical); the holders of every one-word rule without
// vetoes are stored together under that word, so a matched word yields
// them as one contiguous run; subscribers are int32 ids; and the index's
// large arrays hold no pointers, so the garbage collector neither scans
// them nor slows their readers with write barriers. A match collects runs
// of (subscriber, rule) pairs, groups them by subscriber with epoch-stamped
// arrays instead of a map, and allocates only the result (MatchSeq not
// even that).
//
// Updates never block matching: Match reads an immutable snapshot through
// an atomic pointer. A snapshot is a large base index plus a small delta
// index holding the subscribers changed since the base was built; their
// entries in the base are hidden. Set and Remove rebuild only the delta,
// so a change is visible to the next Match at once. When more than a few
// hundred subscribers have changed, the base is rebuilt in the background
// and swapped in when ready.
//
// The Matcher keeps no parsed rules but those of the subscribers changed
// since the base was built: a background rebuild starts from the old base
// index itself (its terms, rules and holders, all in flat arrays) and adds
// the changed subscribers. A million parsed rules would be some ten million
// small heap objects, and every garbage collection would have to visit
// them all while Match and Set wait on it.
//
// A Matcher must be created with NewMatcher and is safe for concurrent use.
type Matcher struct {
	snap atomic.Pointer[snapshot]
	// free holds scratch buffers for reuse. Not a sync.Pool: the pool is
	// emptied by garbage collections, and re-making buffers sized to the
	// whole index would put a collection's cost on the next headlines.
	free chan *scratch

	mu sync.Mutex // serialises writers; readers never take it
	// pending holds the subscribers changed since the base index was
	// built: their current rules (nil when removed) and the change's
	// number. It is what the delta index is built from.
	pending    map[string]change
	seq        uint64 // counts changes
	gen        uint64 // counts Builds: a rebuild begun before one is dropped
	rebuilding bool
	deltaLimit int            // pending subscribers that trigger a base rebuild
	bg         sync.WaitGroup // background rebuilds, waited for by tests
}

// change is a pending subscriber's rules and the number of the change
// that set them.
type change struct {
	rules []Rule
	seq   uint64
}

// defaultDeltaLimit bounds the delta index: rebuilding it on every change
// costs O(its rules), so it is kept to a few thousand rules.
const defaultDeltaLimit = 256

// Result is one subscriber's result for a headline.
type Result struct {
	Subscriber string
	// Rules are the subscriber's rules that matched, as written, in the
	// order they were given to Set or Build.
	Rules []string
}

// Stats describes a Matcher's current index.
type Stats struct {
	Subscribers int // subscribers with at least one rule
	Rules       int // distinct rules (by canonical form) in the base index
	Terms       int // distinct words and phrases in the base index
	Pending     int // subscribers changed since the base index was built
}

// NewMatcher returns an empty Matcher.
func NewMatcher() *Matcher {
	m := &Matcher{
		free:       make(chan *scratch, max(4, runtime.GOMAXPROCS(0))),
		pending:    map[string]change{},
		deltaLimit: defaultDeltaLimit,
	}
	empty := newIndexBuilder(0).finish()
	m.snap.Store(&snapshot{base: empty, delta: empty})
	return m
}

// Build replaces all rules with all (subscriber → rules), building the
// index at once; use it at startup. Rules with no required terms (the zero
// Rule) are ignored, as are later rules of a subscriber with the same
// canonical form as an earlier one. The Matcher does not keep all or its
// slices.
func (m *Matcher) Build(all map[string][]Rule) {
	b := newIndexBuilder(len(all))
	for sub, rules := range all {
		if len(rules) > 0 {
			b.add(sub, rules)
		}
	}
	base := b.finish()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	clear(m.pending)
	m.publish(base)
}

// Set replaces one subscriber's rules; no rules removes the subscriber.
// The change is visible to the next Match.
func (m *Matcher) Set(subscriber string, rules []Rule) {
	m.Update(map[string][]Rule{subscriber: rules})
}

// Remove removes a subscriber and its rules.
func (m *Matcher) Remove(subscriber string) { m.Set(subscriber, nil) }

// Update applies several Set calls at once, rebuilding the delta index
// only once: use it for batches.
func (m *Matcher) Update(changes map[string][]Rule) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for sub, rules := range changes {
		m.seq++
		if len(rules) == 0 {
			rules = nil
		} else {
			rules = slices.Clone(rules)
		}
		m.pending[sub] = change{rules: rules, seq: m.seq}
	}
	m.publish(m.snap.Load().base)
	m.maybeRebuild()
}

// Stats returns the sizes of the current index.
func (m *Matcher) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.snap.Load()
	n := len(s.base.subs)
	for sub, c := range m.pending {
		if _, ok := s.base.subIDs[sub]; ok {
			n--
		}
		if c.rules != nil {
			n++
		}
	}
	return Stats{Subscribers: n, Rules: s.base.nrules, Terms: s.base.nterms(), Pending: len(m.pending)}
}

// publish stores a snapshot of base and a new delta index built from the
// pending subscribers. m.mu must be held.
func (m *Matcher) publish(base *index) {
	var stale []uint64
	b := newIndexBuilder(len(m.pending))
	for sub, c := range m.pending {
		if id, ok := base.subIDs[sub]; ok {
			if stale == nil {
				stale = make([]uint64, (len(base.subs)+63)/64)
			}
			stale[id/64] |= 1 << (id % 64)
		}
		if c.rules != nil {
			b.add(sub, c.rules)
		}
	}
	m.snap.Store(&snapshot{base: base, delta: b.finish(), stale: stale})
}

// maybeRebuild starts a background rebuild of the base index when the
// delta has grown too large. m.mu must be held.
func (m *Matcher) maybeRebuild() {
	if m.rebuilding || len(m.pending) <= m.deltaLimit {
		return
	}
	m.rebuilding = true
	// The current snapshot's stale set is exactly the base's entries that
	// pending replaces, since every change publishes.
	s := m.snap.Load()
	changed := make(map[string][]Rule, len(m.pending))
	for sub, c := range m.pending {
		if c.rules != nil {
			changed[sub] = c.rules
		}
	}
	seq, gen := m.seq, m.gen
	m.bg.Add(1)
	go func() {
		defer m.bg.Done()
		b := newIndexBuilder(len(s.base.subs) + len(changed))
		b.keep(s.base, s.stale)
		for sub, rules := range changed {
			b.add(sub, rules)
		}
		base := b.finish()
		m.mu.Lock()
		defer m.mu.Unlock()
		m.rebuilding = false
		// A Build since the copy was taken is newer than this base.
		if gen == m.gen {
			maps.DeleteFunc(m.pending, func(_ string, c change) bool { return c.seq <= seq })
			m.publish(base)
		}
		m.maybeRebuild()
	}()
}

// snapshot is an immutable view used by Match.
type snapshot struct {
	base, delta *index
	// stale is a bit set over base's subscriber ids: the subscribers whose
	// entries in base are out of date; their current rules, if any, are
	// in delta. Nil when there are none.
	stale []uint64
}

// index is an immutable word index over a set of rules. Its large arrays
// are flat and free of pointers, indexed by int32 ids, and laid out so
// that what one matched term leads to is contiguous.
//
// Terms (distinct words and phrases) have ids 0…nterms-1. Every distinct
// rule hangs under one of its required terms, its pivot: the one fewest
// rules require, so that a headline mentioning a popular word («غزة»,
// "Ukraine") visits only the rules for which that word is the rarest
// term, not every rule containing it. A rule is simple when its pivot is
// its only term (one required word or phrase, no vetoes): it matches
// whenever its pivot does, so the holders of all simple rules under a
// term are stored as one run of owners. The other rules under a term have
// consecutive ids and list the terms still to check.
//
// An index holds all it needs to be rebuilt without the parsed rules it
// was built from (see indexBuilder.keep): each term's words and key, and
// each rule's canonical form.
type index struct {
	// Terms are found by their first word, and phrases by their first
	// two: a popular word starts many phrases, and checking each of them
	// against the following words at every mention would cost more than
	// one more lookup.
	first     map[string]firstWord
	pairs     map[string]int32 // a phrase's first two words, space-separated → p, below
	pairStart []int32          // the phrases starting with pair p: pairTerms[pairStart[p]:pairStart[p+1]]
	pairTerms []int32
	wordStart []int32  // term t's words (match keys): words[wordStart[t]:wordStart[t+1]]
	words     []string //
	keys      []string // term t's words joined by single spaces

	simpleStart []int32 // term t's simple rules' owners: owners[simpleStart[t]:simpleStart[t+1]]
	ruleStart   []int32 // term t's other rules: ids ruleStart[t] to ruleStart[t+1]-1
	condStart   []int32 // rule r's terms to check: conds[condStart[r]:condStart[r+1]]
	vetoStart   []int32 // of which vetoes from conds[vetoStart[r]] on
	conds       []int32
	canon       []ref   // rule r's canonical form (Rule.Canonical)
	ownStart    []int32 // rule r's owners: owners[ownStart[r]:ownStart[r+1]]
	owners      []owner
	// The owners' subscribers and rules as written, in the order of
	// owners: a result is read in about that order, so these are read
	// from consecutive memory rather than from anywhere in a large array.
	ownRefs []ownRef

	// arena holds every string of the index: subscribers, rules as
	// written, canonical rules and terms. The index's strings are all
	// substrings of it, and the rest refer to it by offset, so the garbage
	// collector finds one object where there would be one or more per
	// rule, and a large index costs a collection little. (A string that
	// Match returns keeps the arena alive until it is dropped.)
	arena  string
	subs   []string         // subscriber id → subscriber
	subIDs map[string]int32 // and back
	nrules int              // distinct rules
}

// ref is a string in an index's arena: arena[off:off+n]. Offsets are
// ints, since an arena may outgrow 4 GiB; one string is far shorter.
type ref struct {
	off int
	n   int32
}

// ownRef is an owner's subscriber and rule as written: two refs, packed.
type ownRef struct {
	nameOff, textOff int
	nameLen, textLen int32
}

// str returns the string r refers to.
func (idx *index) str(r ref) string { return idx.arena[r.off : r.off+int(r.n)] }

// name returns owners[at]'s subscriber.
func (idx *index) name(at int32) string {
	r := &idx.ownRefs[at]
	return idx.arena[r.nameOff : r.nameOff+int(r.nameLen)]
}

// text returns owners[at]'s rule as written.
func (idx *index) text(at int32) string {
	r := &idx.ownRefs[at]
	return idx.arena[r.textOff : r.textOff+int(r.textLen)]
}

// firstWord is what starts with a word: the one-word term (or -1), and
// whether phrases do.
type firstWord struct {
	term    int32
	phrases bool
}

// owner is a subscriber holding a rule; slot is the rule's position among
// the subscriber's rules, which orders a subscriber's matched rules.
type owner struct{ sub, slot int32 }

// nterms is the number of distinct terms.
func (idx *index) nterms() int { return len(idx.keys) }

// termWords returns term t's words.
func (idx *index) termWords(t int32) []string {
	return idx.words[idx.wordStart[t]:idx.wordStart[t+1]]
}

// indexBuilder collects rules into flat lists; finish lays them out.
type indexBuilder struct {
	idx     *index
	termIDs map[string]int32 // term key → id
	keys    []string         // term id → its key
	uses    []int32          // term id → distinct rules requiring it
	ruleIDs map[string]int32 // canonical rule → id
	canon   []string         // rule id → canonical rule
	// Rule r's required terms are terms[termStart[r]:termStart[r]+nreq[r]],
	// its vetoes follow up to termStart[r+1].
	terms     []int32
	termStart []int32
	nreq      []int32
	held      []holding
}

// holding is a subscriber holding a rule, while building.
type holding struct {
	rule, sub, slot int32
	text            string // the rule as written
}

func newIndexBuilder(subs int) *indexBuilder {
	return &indexBuilder{
		idx:       &index{subs: make([]string, 0, subs)},
		termIDs:   map[string]int32{},
		ruleIDs:   make(map[string]int32, subs),
		termStart: []int32{0},
	}
}

// addSub gives a subscriber its id.
func (b *indexBuilder) addSub(name string) int32 {
	sub := int32(len(b.idx.subs))
	b.idx.subs = append(b.idx.subs, name)
	return sub
}

// add adds a subscriber that is not in the builder yet, with its rules.
func (b *indexBuilder) add(name string, rules []Rule) {
	sub := b.addSub(name)
	for pos, r := range rules {
		if len(r.required) == 0 {
			continue
		}
		dup := false
		for _, earlier := range rules[:pos] {
			if earlier.Canonical == r.Canonical {
				dup = true
				break
			}
		}
		if !dup {
			b.held = append(b.held, holding{rule: b.rule(r), sub: sub, slot: int32(pos), text: r.Text})
		}
	}
}

// keep adds what old holds, except the subscribers in the bit set stale.
// It must come before any add: old's rules are distinct, so they are
// registered without looking them up. Rules and terms no one holds any
// more are left out.
func (b *indexBuilder) keep(old *index, stale []uint64) {
	subOf := make([]int32, len(old.subs)) // old id → new, or -1
	for s, name := range old.subs {
		if stale != nil && stale[s/64]&(1<<(s%64)) != 0 {
			subOf[s] = -1
		} else {
			subOf[s] = b.addSub(name)
		}
	}
	termOf := make([]int32, old.nterms()) // old id → new, or -1 until used
	for t := range termOf {
		termOf[t] = -1
	}
	mapTerm := func(t int32) int32 {
		if termOf[t] < 0 {
			termOf[t] = b.term(old.keys[t])
		}
		return termOf[t]
	}
	// held reports whether someone kept holds one of old.owners[lo:hi].
	held := func(lo, hi int32) bool {
		for _, o := range old.owners[lo:hi] {
			if subOf[o.sub] >= 0 {
				return true
			}
		}
		return false
	}
	// hold adds the kept holders in old.owners[lo:hi] of the rule.
	hold := func(rule, lo, hi int32) {
		for at := lo; at < hi; at++ {
			if o := old.owners[at]; subOf[o.sub] >= 0 {
				b.held = append(b.held, holding{rule: rule, sub: subOf[o.sub], slot: o.slot, text: old.text(at)})
			}
		}
	}
	for t := range int32(old.nterms()) {
		if lo, hi := old.simpleStart[t], old.simpleStart[t+1]; held(lo, hi) {
			canon := old.keys[t]
			if old.wordStart[t+1]-old.wordStart[t] > 1 {
				canon = `"` + canon + `"` // as canonical writes a phrase
			}
			id := b.newRule(canon)
			b.requires(mapTerm(t))
			b.endRule(1)
			hold(id, lo, hi)
		}
		for r := old.ruleStart[t]; r < old.ruleStart[t+1]; r++ {
			lo, hi := old.ownStart[r], old.ownStart[r+1]
			if !held(lo, hi) {
				continue
			}
			id := b.newRule(old.str(old.canon[r]))
			b.requires(mapTerm(t))
			veto := old.vetoStart[r]
			for _, c := range old.conds[old.condStart[r]:veto] {
				b.requires(mapTerm(c))
			}
			for _, c := range old.conds[veto:old.condStart[r+1]] {
				b.terms = append(b.terms, mapTerm(c))
			}
			b.endRule(1 + veto - old.condStart[r])
			hold(id, lo, hi)
		}
	}
}

// rule returns the id of r, registering it if new.
func (b *indexBuilder) rule(r Rule) int32 {
	if id, ok := b.ruleIDs[r.Canonical]; ok {
		return id
	}
	id := b.newRule(r.Canonical)
	for _, t := range r.required {
		b.requires(b.term(t.key))
	}
	for _, t := range r.vetoes {
		b.terms = append(b.terms, b.term(t.key))
	}
	b.endRule(int32(len(r.required)))
	return id
}

// newRule registers a rule by its canonical form; its required terms and
// then its vetoes are to be appended to b.terms, and endRule called.
func (b *indexBuilder) newRule(canon string) int32 {
	id := int32(len(b.nreq))
	b.ruleIDs[canon] = id
	b.canon = append(b.canon, canon)
	return id
}

// requires adds a required term to the rule being registered.
func (b *indexBuilder) requires(t int32) {
	b.terms = append(b.terms, t)
	b.uses[t]++
}

// endRule ends the rule being registered, which requires nreq terms.
func (b *indexBuilder) endRule(nreq int32) {
	b.termStart = append(b.termStart, int32(len(b.terms)))
	b.nreq = append(b.nreq, nreq)
}

// term returns the id of the term with key (its words joined by single
// spaces), registering it if new.
func (b *indexBuilder) term(key string) int32 {
	if id, ok := b.termIDs[key]; ok {
		return id
	}
	id := int32(len(b.keys))
	b.termIDs[key] = id
	b.keys = append(b.keys, key)
	b.uses = append(b.uses, 0)
	return id
}

// prefixSum turns counts into starts in place: counts[i] becomes the sum
// of the counts before i; it returns the total.
func prefixSum(counts []int32) int32 {
	var sum int32
	for i, c := range counts {
		counts[i] = sum
		sum += c
	}
	return sum
}

// finish lays out the index (see index): counting sorts by term and by
// rule, no comparisons. Each phase is a method of its own: the arena,
// the terms by first words, the rules under their pivots, the complex
// rules' terms to check, and the owners.
func (b *indexBuilder) finish() *index {
	b.idx.nrules = len(b.nreq)
	canon, texts, names := b.layOutArena()
	b.layOutTerms()
	lay := b.placeRules()
	b.layOutConds(lay, canon)
	b.layOutOwners(lay, texts, names)
	return b.idx
}

// simpleRule stands in ruleLayout.newID for a simple rule (see index),
// which has no id of its own in the index.
const simpleRule = -1

// ruleLayout is where finish puts each of the builder's rules: under its
// pivot term and, unless it is simple, at its id among the index's
// other (complex) rules.
type ruleLayout struct {
	pivot    []int32 // builder rule id → its pivot term
	newID    []int32 // builder rule id → index rule id, or simpleRule
	ncomplex int32   // rules that are not simple
}

// layOutTerms indexes terms by first word, phrases by first two, and
// the phrases' other words.
func (b *indexBuilder) layOutTerms() {
	idx := b.idx
	nterms := len(b.keys)
	idx.first = make(map[string]firstWord, nterms)
	idx.pairs = map[string]int32{}
	pairOf := make([]int32, nterms) // or -1
	var pairCount []int32
	for t := range nterms {
		words := idx.termWords(int32(t))
		fw, ok := idx.first[words[0]]
		if !ok {
			fw.term = -1
		}
		pairOf[t] = -1
		if len(words) == 1 {
			fw.term = int32(t)
		} else {
			fw.phrases = true
			key := idx.keys[t][:len(words[0])+1+len(words[1])]
			p, ok := idx.pairs[key]
			if !ok {
				p = int32(len(pairCount))
				idx.pairs[key] = p
				pairCount = append(pairCount, 0)
			}
			pairOf[t] = p
			pairCount[p]++
		}
		idx.first[words[0]] = fw
	}
	idx.pairStart = append(pairCount, prefixSum(pairCount))
	idx.pairTerms = make([]int32, idx.pairStart[len(pairCount)])
	fill := slices.Clone(idx.pairStart)
	for t, p := range pairOf {
		if p >= 0 {
			idx.pairTerms[fill[p]] = int32(t)
			fill[p]++
		}
	}
}

// placeRules picks the rules' pivots, and renumbers the other rules so
// that those under one term are consecutive; it sets idx.ruleStart.
func (b *indexBuilder) placeRules() ruleLayout {
	idx := b.idx
	nterms, nrules := len(b.keys), len(b.nreq)
	lay := ruleLayout{pivot: make([]int32, nrules), newID: make([]int32, nrules)}
	idx.ruleStart = make([]int32, nterms+1)
	for r := range nrules {
		start, end := b.termStart[r], b.termStart[r+1]
		p := b.terms[start]
		for _, t := range b.terms[start+1 : start+b.nreq[r]] {
			if b.uses[t] < b.uses[p] {
				p = t
			}
		}
		lay.pivot[r] = p
		if end-start == 1 {
			lay.newID[r] = simpleRule
		} else {
			idx.ruleStart[p]++
		}
	}
	lay.ncomplex = prefixSum(idx.ruleStart[:nterms])
	idx.ruleStart[nterms] = lay.ncomplex
	fill := slices.Clone(idx.ruleStart)
	for r := range nrules {
		if lay.newID[r] != simpleRule {
			lay.newID[r] = fill[lay.pivot[r]]
			fill[lay.pivot[r]]++
		}
	}
	return lay
}

// layOutConds lists each complex rule's terms to check: required but the
// pivot, then vetoes; and places its canonical form (canon, by builder
// rule id, from layOutArena).
func (b *indexBuilder) layOutConds(lay ruleLayout, canon []ref) {
	idx := b.idx
	nrules, ncomplex := len(b.nreq), lay.ncomplex
	idx.condStart = make([]int32, ncomplex+1)
	idx.vetoStart = make([]int32, ncomplex)
	idx.canon = make([]ref, ncomplex)
	for r := range nrules {
		if id := lay.newID[r]; id != simpleRule {
			idx.condStart[id+1] = b.termStart[r+1] - b.termStart[r] - 1
			idx.canon[id] = canon[r]
		}
	}
	for i := range ncomplex {
		idx.condStart[i+1] += idx.condStart[i]
	}
	idx.conds = make([]int32, idx.condStart[ncomplex])
	for r := range nrules {
		id := lay.newID[r]
		if id == simpleRule {
			continue
		}
		start, end := b.termStart[r], b.termStart[r+1]
		c := idx.condStart[id]
		for i, t := range b.terms[start:end] {
			if int32(i) == b.nreq[r] {
				idx.vetoStart[id] = c
			}
			if t != lay.pivot[r] || int32(i) >= b.nreq[r] {
				idx.conds[c] = t
				c++
			}
		}
		if b.nreq[r] == end-start {
			idx.vetoStart[id] = c
		}
	}
}

// layOutOwners places the owners: simple rules' by pivot term first, then
// the other rules' by rule; texts and names are the holdings' texts and
// the subscribers in the arena, from layOutArena.
func (b *indexBuilder) layOutOwners(lay ruleLayout, texts, names []ref) {
	idx := b.idx
	nterms, ncomplex := len(b.keys), lay.ncomplex
	idx.simpleStart = make([]int32, nterms+1)
	idx.ownStart = make([]int32, ncomplex+1)
	for _, h := range b.held {
		if id := lay.newID[h.rule]; id == simpleRule {
			idx.simpleStart[lay.pivot[h.rule]]++
		} else {
			idx.ownStart[id]++
		}
	}
	nsimple := prefixSum(idx.simpleStart[:nterms])
	idx.simpleStart[nterms] = nsimple
	idx.ownStart[ncomplex] = prefixSum(idx.ownStart[:ncomplex])
	for i := range idx.ownStart {
		idx.ownStart[i] += nsimple
	}
	idx.owners = make([]owner, len(b.held))
	idx.ownRefs = make([]ownRef, len(b.held))
	fillSimple, fillOwn := slices.Clone(idx.simpleStart), slices.Clone(idx.ownStart)
	for i, h := range b.held {
		var at int32
		if id := lay.newID[h.rule]; id == simpleRule {
			at = fillSimple[lay.pivot[h.rule]]
			fillSimple[lay.pivot[h.rule]]++
		} else {
			at = fillOwn[id]
			fillOwn[id]++
		}
		idx.owners[at] = owner{sub: h.sub, slot: h.slot}
		name, text := names[h.sub], texts[i]
		idx.ownRefs[at] = ownRef{nameOff: name.off, textOff: text.off, nameLen: name.n, textLen: text.n}
	}
}

// layOutArena copies the index's strings into its arena (see index): it
// sets idx.arena, and idx.subs, idx.subIDs, idx.keys and idx.words to
// substrings of it, and returns where the canonical forms of the rules
// with more than one term (by builder rule id), the holdings' texts and
// the subscribers are in it.
func (b *indexBuilder) layOutArena() (canon, texts, names []ref) {
	idx := b.idx
	complexRule := func(r int) bool { return b.termStart[r+1]-b.termStart[r] > 1 }
	size := 0
	for _, s := range idx.subs {
		size += len(s)
	}
	for _, k := range b.keys {
		size += len(k)
	}
	for r, c := range b.canon {
		if complexRule(r) {
			size += len(c)
		}
	}
	for _, h := range b.held {
		size += len(h.text)
	}
	var a strings.Builder
	a.Grow(size)
	put := func(s string) ref {
		r := ref{off: a.Len(), n: int32(len(s))}
		a.WriteString(s)
		return r
	}
	names = make([]ref, len(idx.subs))
	for i, s := range idx.subs {
		names[i] = put(s)
	}
	keys := make([]ref, len(b.keys))
	for t, k := range b.keys {
		keys[t] = put(k)
	}
	canon = make([]ref, len(b.canon))
	for r, c := range b.canon {
		if complexRule(r) {
			canon[r] = put(c)
		}
	}
	texts = make([]ref, len(b.held))
	for i, h := range b.held {
		texts[i] = put(h.text)
	}
	idx.arena = a.String()

	idx.subIDs = make(map[string]int32, len(idx.subs))
	for i, r := range names {
		idx.subs[i] = idx.str(r)
		idx.subIDs[idx.subs[i]] = int32(i)
	}
	idx.keys = make([]string, len(keys))
	idx.wordStart = make([]int32, len(keys)+1)
	for t, r := range keys {
		idx.keys[t] = idx.str(r)
		for w := range strings.SplitSeq(idx.keys[t], " ") {
			idx.words = append(idx.words, w)
		}
		idx.wordStart[t+1] = int32(len(idx.words))
	}
	return canon, texts, names
}

// Match returns the subscribers whose rules match text (a headline as
// shown, not yet normalised), in no particular order, or nil. It
// allocates only the result, and its cost grows with the headline's
// length and with what matched, not with the number of subscribers.
// MatchSeq gives the same results without allocating them. The strings
// share the index's memory (see index.arena): clone any kept for long.
func (m *Matcher) Match(text string) []Result {
	s := m.snap.Load()
	sc := m.getScratch()
	defer m.putScratch(sc)
	if !sc.match(s, text) {
		return nil
	}
	out := make([]Result, len(sc.groups))
	texts := make([]string, len(sc.sorted))
	for i, g := range sc.groups {
		idx := s.of(g)
		ats := sc.sorted[g.start : g.start+g.n]
		t := texts[g.start : g.start+g.n : g.start+g.n]
		for j, at := range ats {
			t[j] = idx.text(at)
		}
		out[i] = Result{Subscriber: idx.name(ats[0]), Rules: t}
	}
	return out
}

// MatchSeq yields what Match returns, one matched subscriber at a time
// and in the same order, without allocating: the subscriber and its rules
// that matched, as written, in their order. The rules slice is reused:
// it is valid only until the loop body returns, so copy it to keep it
// (the strings themselves may be kept). The matching happens when the
// loop starts.
func (m *Matcher) MatchSeq(text string) iter.Seq2[string, []string] {
	return func(yield func(string, []string) bool) {
		s := m.snap.Load()
		sc := m.getScratch()
		defer m.putScratch(sc)
		if !sc.match(s, text) {
			return
		}
		for _, g := range sc.groups {
			idx := s.of(g)
			ats := sc.sorted[g.start : g.start+g.n]
			rules := sc.rules[:0]
			for _, at := range ats {
				rules = append(rules, idx.text(at))
			}
			sc.rules = rules
			if !yield(idx.name(ats[0]), rules[:len(rules):len(rules)]) {
				break
			}
		}
		// Do not let the pooled scratch keep the strings alive.
		clear(sc.rules)
	}
}

// getScratch takes a scratch from m.free or makes one.
func (m *Matcher) getScratch() *scratch {
	select {
	case sc := <-m.free:
		return sc
	default:
		return new(scratch)
	}
}

// putScratch returns sc to m.free, or drops it when enough are kept.
func (m *Matcher) putScratch(sc *scratch) {
	select {
	case m.free <- sc:
	default:
	}
}

// of returns the index a group's subscriber belongs to.
func (s *snapshot) of(g group) *index {
	if g.delta {
		return s.delta
	}
	return s.base
}

// scratch holds the per-headline buffers of Match. Apart from buf and
// rules, nothing in it holds pointers, so filling it costs no write
// barriers.
type scratch struct {
	buf   []byte // the normalised headline
	pair  []byte // two words' keys, to look up phrases
	words []span
	cands []int
	hits  []int32    // matched terms
	runs  [][2]int32 // matched owners: owners[lo:hi] for each {lo, hi}

	// Epoch stamps: termStamp[id] == epoch means the term matched in this
	// pass; subStamp[id] == epoch means subGroup[id] is this pass's.
	// Stamps avoid clearing arrays sized to the whole index per headline.
	epoch     uint32
	termStamp []uint32
	subStamp  []uint32
	subGroup  []int32

	groups  []group  // one per matched subscriber
	entries []entry  // matched rules, in the order found
	sorted  []int32  // their owners, grouped by subscriber
	rules   []string // one subscriber's rules, for MatchSeq
}

// group is one matched subscriber in scratch.
type group struct {
	delta    bool  // the subscriber is in the delta index, not the base
	start, n int32 // its rules' owners: sorted[start:start+n]
}

// entry is one matched rule of a subscriber: its position in the
// index's owners, and its group.
type entry struct{ at, group int32 }

// match runs text against s, leaving the matched subscribers in
// sc.groups, their rules' owners in sc.sorted; false when none matched.
func (sc *scratch) match(s *snapshot, text string) bool {
	sc.split(text)
	sc.groups, sc.entries = sc.groups[:0], sc.entries[:0]
	if len(sc.words) == 0 {
		return false
	}
	sc.run(s.base, s.stale, false)
	sc.run(s.delta, nil, true)
	if len(sc.groups) == 0 {
		return false
	}
	sc.sortEntries(s)
	return true
}

// span is a word of buf: buf[start:end], its match key buf[key:end].
type span struct{ start, key, end int }

// split normalises text into sc.buf and finds its words.
func (sc *scratch) split(text string) {
	sc.buf = alerts.AppendNormalized(sc.buf[:0], text)
	sc.words = sc.words[:0]
	for i := 0; i < len(sc.buf); {
		j := i
		for j < len(sc.buf) && sc.buf[j] != ' ' {
			j++
		}
		sc.words = append(sc.words, span{start: i, key: keyStart(sc.buf, i, j), end: j})
		i = j + 1
	}
}

// keyStart is where the match key of buf[i:end] starts (see matchKey).
func keyStart(buf []byte, i, end int) int {
	for end-i > len(article) && string(buf[i:i+len(article)]) == article && stripOKBytes(buf[i+len(article):end]) {
		i += len(article)
	}
	return i
}

// stripOKBytes is stripOK for a byte slice.
func stripOKBytes(rest []byte) bool {
	r, _ := utf8.DecodeRune(rest)
	return unicode.IsLetter(r) && utf8.RuneCount(rest) >= minStem
}

// candidateKeys sets sc.cands to where the candidate keys of word w start
// (each ends at w.end); see candidates.
func (sc *scratch) candidateKeys(w span) {
	sc.cands = append(sc.cands[:0], w.key)
	// Every proclitic starts with the lead byte of an Arabic letter.
	if c := sc.buf[w.start]; c != 0xD8 && c != 0xD9 {
		return
	}
	word := sc.buf[w.start:w.end]
	for _, p := range proclitics {
		if len(word) <= len(p) || string(word[:len(p)]) != p || !stripOKBytes(word[len(p):]) {
			continue
		}
		k := keyStart(sc.buf, w.start+len(p), w.end)
		if !slices.Contains(sc.cands, k) {
			sc.cands = append(sc.cands, k)
		}
	}
}

// grow returns s with at least n elements; new ones are zero.
func grow[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	return make([]T, n+n/4)
}

// nextEpoch starts a pass over idx, sizing the stamp arrays to it.
func (sc *scratch) nextEpoch(idx *index) {
	sc.termStamp = grow(sc.termStamp, idx.nterms())
	sc.subStamp = grow(sc.subStamp, len(idx.subs))
	sc.subGroup = grow(sc.subGroup, len(idx.subs))
	sc.epoch++
	if sc.epoch == 0 { // wrapped: old stamps could collide
		clear(sc.termStamp)
		clear(sc.subStamp)
		sc.epoch = 1
	}
}

// run matches sc.words against idx and adds the subscribers whose rules
// matched to sc.groups and sc.entries, except those in the bit set skip.
// The base's and the delta's subscribers never overlap (skip hides the
// base's changed ones), so each pass groups its own.
func (sc *scratch) run(idx *index, skip []uint64, delta bool) {
	if idx.nrules == 0 {
		return
	}
	sc.nextEpoch(idx)
	epoch := sc.epoch
	sc.hits = sc.hits[:0]
	for i, w := range sc.words {
		sc.candidateKeys(w)
		for _, k := range sc.cands {
			fw, ok := idx.first[string(sc.buf[k:w.end])]
			if !ok {
				continue
			}
			if t := fw.term; t >= 0 && sc.termStamp[t] != epoch {
				sc.termStamp[t] = epoch
				sc.hits = append(sc.hits, t)
			}
			if !fw.phrases || i+1 == len(sc.words) {
				continue
			}
			next := sc.words[i+1]
			sc.pair = append(append(append(sc.pair[:0], sc.buf[k:w.end]...), ' '), sc.buf[next.key:next.end]...)
			p, ok := idx.pairs[string(sc.pair)]
			if !ok {
				continue
			}
			for _, t := range idx.pairTerms[idx.pairStart[p]:idx.pairStart[p+1]] {
				if sc.termStamp[t] == epoch || !sc.followedBy(i+1, idx.words[idx.wordStart[t]+2:idx.wordStart[t+1]]) {
					continue
				}
				sc.termStamp[t] = epoch
				sc.hits = append(sc.hits, t)
			}
		}
	}
	// Each term is hit once and each rule hangs under one term, so each
	// rule is visited at most once.
	sc.runs = sc.runs[:0]
	for _, t := range sc.hits {
		sc.addRun(idx.simpleStart[t], idx.simpleStart[t+1])
		for r := idx.ruleStart[t]; r < idx.ruleStart[t+1]; r++ {
			veto := idx.vetoStart[r]
			if sc.all(idx.conds[idx.condStart[r]:veto]) && !sc.any(idx.conds[veto:idx.condStart[r+1]]) {
				sc.addRun(idx.ownStart[r], idx.ownStart[r+1])
			}
		}
	}
	sc.collect(idx, skip, delta)
}

// addRun adds owners[lo:hi] to sc.runs, extending the last run when they
// follow it (consecutive rules under one term).
func (sc *scratch) addRun(lo, hi int32) {
	if lo == hi {
		return
	}
	if n := len(sc.runs); n > 0 && sc.runs[n-1][1] == lo {
		sc.runs[n-1][1] = hi
		return
	}
	sc.runs = append(sc.runs, [2]int32{lo, hi})
}

// collect groups the owners in sc.runs by subscriber, except those in the
// bit set skip. sc.epoch must be the one of this pass over idx.
func (sc *scratch) collect(idx *index, skip []uint64, delta bool) {
	epoch := sc.epoch
	stamp, groupOf := sc.subStamp[:len(idx.subs)], sc.subGroup[:len(idx.subs)]
	for _, run := range sc.runs {
		for i, o := range idx.owners[run[0]:run[1]] {
			if skip != nil && skip[o.sub/64]&(1<<(o.sub%64)) != 0 {
				continue
			}
			if stamp[o.sub] != epoch {
				stamp[o.sub] = epoch
				groupOf[o.sub] = int32(len(sc.groups))
				sc.groups = append(sc.groups, group{delta: delta})
			}
			g := groupOf[o.sub]
			sc.groups[g].n++
			sc.entries = append(sc.entries, entry{at: run[0] + int32(i), group: g})
		}
	}
}

// sortEntries puts the owners of sc.entries into sc.sorted grouped by
// subscriber, each subscriber's rules in order, without sorting the whole
// list: entries are placed by group (a counting sort), then each group's
// few rules are put in order of their slots.
func (sc *scratch) sortEntries(s *snapshot) {
	var start int32
	for i := range sc.groups {
		g := &sc.groups[i]
		g.start, start = start, start+g.n
		g.n = 0
	}
	sc.sorted = grow(sc.sorted, len(sc.entries))[:len(sc.entries)]
	for _, e := range sc.entries {
		g := &sc.groups[e.group]
		sc.sorted[g.start+g.n] = e.at
		g.n++
	}
	for _, g := range sc.groups {
		if g.n > 1 {
			owners := s.of(g).owners
			ats := sc.sorted[g.start : g.start+g.n]
			for j := 1; j < len(ats); j++ { // insertion sort: n is tiny
				for k := j; k > 0 && owners[ats[k]].slot < owners[ats[k-1]].slot; k-- {
					ats[k], ats[k-1] = ats[k-1], ats[k]
				}
			}
		}
	}
}

// followedBy reports whether the words after word i have the match keys
// rest.
func (sc *scratch) followedBy(i int, rest []string) bool {
	if i+len(rest) >= len(sc.words) {
		return len(rest) == 0
	}
	for j, k := range rest {
		w := sc.words[i+1+j]
		if string(sc.buf[w.key:w.end]) != k {
			return false
		}
	}
	return true
}

// all reports whether every term in ts matched in this pass.
func (sc *scratch) all(ts []int32) bool {
	for _, t := range ts {
		if sc.termStamp[t] != sc.epoch {
			return false
		}
	}
	return true
}

// any reports whether some term in ts matched in this pass.
func (sc *scratch) any(ts []int32) bool {
	for _, t := range ts {
		if sc.termStamp[t] == sc.epoch {
			return true
		}
	}
	return false
}
