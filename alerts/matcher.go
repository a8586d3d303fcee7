package alerts

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
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
// is reached only through its rarest required term (see irule), and each
// subscriber holding a matched rule is added to the result. The work per
// headline is O(words × candidates) map lookups plus work proportional to
// the rules whose rarest term occurs and to the subscribers matched: it
// does not grow with the subscribers that do not match.
//
// Identical rules are stored once (keyed by Rule.Canonical) with the list
// of subscribers that hold them, so a popular rule costs one count however
// many subscribers share it.
//
// Updates never block matching: Match reads an immutable snapshot through
// an atomic pointer. A snapshot is a large base index plus a small delta
// index holding the subscribers changed since the base was built; their
// entries in the base are hidden. Set and Remove rebuild only the delta,
// so a change is visible to the next Match at once. When more than a few
// hundred subscribers have changed, the base is rebuilt in the background
// and swapped in when ready.
//
// A Matcher must be created with NewMatcher and is safe for concurrent use.
type Matcher struct {
	snap    atomic.Pointer[snapshot]
	scratch sync.Pool // *scratch, reused across headlines

	mu         sync.Mutex // serialises writers; readers never take it
	subs       map[string][]Rule
	seq        uint64            // counts changes
	baseSeq    uint64            // changes up to this one are in the base
	dirty      map[string]uint64 // subscribers changed after baseSeq → last change
	rebuilding bool
	deltaLimit int            // dirty subscribers that trigger a base rebuild
	bg         sync.WaitGroup // background rebuilds, waited for by tests
}

// defaultDeltaLimit bounds the delta index: rebuilding it on every change
// costs O(its rules), so it is kept to a few thousand rules.
const defaultDeltaLimit = 256

// Match is one subscriber's result for a headline.
type Match struct {
	Subscriber string
	// Rules are the subscriber's rules that matched, as written, in the
	// order they were given to Set or Build.
	Rules []string
}

// MatcherStats describes a Matcher's current index.
type MatcherStats struct {
	Subscribers int // subscribers with at least one rule
	Rules       int // distinct rules (by canonical form) in the base index
	Terms       int // distinct words and phrases in the base index
	Pending     int // subscribers changed since the base index was built
}

// NewMatcher returns an empty Matcher.
func NewMatcher() *Matcher {
	m := &Matcher{
		subs:       map[string][]Rule{},
		dirty:      map[string]uint64{},
		deltaLimit: defaultDeltaLimit,
	}
	m.scratch.New = func() any { return new(scratch) }
	empty := buildIndex(nil)
	m.snap.Store(&snapshot{base: empty, delta: empty})
	return m
}

// Build replaces all rules with all (subscriber → rules), building the
// index at once; use it at startup. Rules with no required terms (the zero
// Rule) are ignored, as are later rules of a subscriber with the same
// canonical form as an earlier one.
func (m *Matcher) Build(all map[string][]Rule) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.subs = make(map[string][]Rule, len(all))
	for sub, rules := range all {
		if len(rules) > 0 {
			m.subs[sub] = slices.Clone(rules)
		}
	}
	m.seq++
	m.baseSeq = m.seq
	clear(m.dirty)
	m.publish(buildIndex(m.subs))
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
			delete(m.subs, sub)
		} else {
			m.subs[sub] = slices.Clone(rules)
		}
		m.dirty[sub] = m.seq
	}
	m.publish(m.snap.Load().base)
	m.maybeRebuild()
}

// Stats returns the sizes of the current index.
func (m *Matcher) Stats() MatcherStats {
	m.mu.Lock()
	n, pending := len(m.subs), len(m.dirty)
	m.mu.Unlock()
	s := m.snap.Load()
	return MatcherStats{Subscribers: n, Rules: len(s.base.rules), Terms: len(s.base.terms), Pending: pending}
}

// publish stores a snapshot of base and a new delta index built from the
// dirty subscribers. m.mu must be held.
func (m *Matcher) publish(base *index) {
	var stale []uint64
	changed := make(map[string][]Rule, len(m.dirty))
	for sub := range m.dirty {
		if id, ok := base.subIDs[sub]; ok {
			if stale == nil {
				stale = make([]uint64, (len(base.subs)+63)/64)
			}
			stale[id/64] |= 1 << (id % 64)
		}
		if rules, ok := m.subs[sub]; ok {
			changed[sub] = rules
		}
	}
	m.snap.Store(&snapshot{base: base, delta: buildIndex(changed), stale: stale})
}

// maybeRebuild starts a background rebuild of the base index when the
// delta has grown too large. m.mu must be held.
func (m *Matcher) maybeRebuild() {
	if m.rebuilding || len(m.dirty) <= m.deltaLimit {
		return
	}
	m.rebuilding = true
	all, seq := maps.Clone(m.subs), m.seq
	m.bg.Add(1)
	go func() {
		defer m.bg.Done()
		base := buildIndex(all)
		m.mu.Lock()
		defer m.mu.Unlock()
		m.rebuilding = false
		// A Build since the copy was taken is newer than this base.
		if seq > m.baseSeq {
			m.baseSeq = seq
			maps.DeleteFunc(m.dirty, func(_ string, s uint64) bool { return s <= seq })
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

// index is an immutable word index over a set of rules.
type index struct {
	first  map[string][]int32 // a term's first word → the terms' ids
	terms  []iterm
	rules  []irule
	subs   []string         // subscriber id → subscriber
	subIDs map[string]int32 // and back
}

// iterm is one distinct word or phrase.
type iterm struct {
	rest  []string // the phrase's words after the first
	rules []int32  // rules whose pivot this term is
	uses  int32    // rules requiring it (while building)
}

// irule is one distinct rule. It is listed under one of its required
// terms only, its pivot: the one fewest rules require. A headline that
// mentions a popular word («غزة», "Ukraine") then visits only the rules
// for which that word is the rarest term, instead of every rule that
// contains it, and the other required terms are checked directly.
type irule struct {
	required []int32 // required terms' ids
	vetoes   []int32 // veto terms' ids
	owners   []owner
}

// owner is a subscriber holding a rule, with the rule as it wrote it.
type owner struct {
	text string
	sub  int32 // index.subs
	pos  int32 // the rule's position among the subscriber's rules
}

// buildIndex indexes the rules of subs.
func buildIndex(subs map[string][]Rule) *index {
	b := indexBuilder{
		idx:     &index{first: map[string][]int32{}, subIDs: make(map[string]int32, len(subs))},
		termIDs: map[string]int32{},
		ruleIDs: map[string]int32{},
	}
	for sub, rules := range subs {
		b.add(sub, rules)
	}
	idx := b.idx
	for id := range idx.rules {
		req := idx.rules[id].required
		pivot := req[0]
		for _, t := range req[1:] {
			if idx.terms[t].uses < idx.terms[pivot].uses {
				pivot = t
			}
		}
		idx.terms[pivot].rules = append(idx.terms[pivot].rules, int32(id))
	}
	return idx
}

type indexBuilder struct {
	idx     *index
	termIDs map[string]int32 // term key → id
	ruleIDs map[string]int32 // canonical rule → id
}

func (b *indexBuilder) add(name string, rules []Rule) {
	sub := int32(len(b.idx.subs))
	b.idx.subs = append(b.idx.subs, name)
	b.idx.subIDs[name] = sub
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
		if dup {
			continue
		}
		id := b.rule(r)
		b.idx.rules[id].owners = append(b.idx.rules[id].owners, owner{sub: sub, text: r.Text, pos: int32(pos)})
	}
}

func (b *indexBuilder) rule(r Rule) int32 {
	if id, ok := b.ruleIDs[r.Canonical]; ok {
		return id
	}
	id := int32(len(b.idx.rules))
	b.ruleIDs[r.Canonical] = id
	ir := irule{required: make([]int32, len(r.required))}
	for i, t := range r.required {
		tid := b.term(t)
		ir.required[i] = tid
		b.idx.terms[tid].uses++
	}
	for _, t := range r.vetoes {
		ir.vetoes = append(ir.vetoes, b.term(t))
	}
	b.idx.rules = append(b.idx.rules, ir)
	return id
}

func (b *indexBuilder) term(t term) int32 {
	if id, ok := b.termIDs[t.key]; ok {
		return id
	}
	id := int32(len(b.idx.terms))
	b.termIDs[t.key] = id
	b.idx.first[t.words[0]] = append(b.idx.first[t.words[0]], id)
	b.idx.terms = append(b.idx.terms, iterm{rest: t.words[1:]})
	return id
}

// Match returns the subscribers whose rules match text (a headline as
// shown, not yet normalised), in no particular order, or nil. Apart from
// the result it allocates nothing once warmed up, and its cost grows with
// the headline's length and with what matched, not with the number of
// subscribers.
func (m *Matcher) Match(text string) []Match {
	s := m.snap.Load()
	sc := m.scratch.Get().(*scratch)
	defer m.scratch.Put(sc)
	sc.split(text)
	if len(sc.words) == 0 {
		return nil
	}
	sc.found, sc.groups = sc.found[:0], sc.groups[:0]
	sc.run(s.base, s.stale)
	sc.run(s.delta, nil)
	if len(sc.found) == 0 {
		return nil
	}
	return sc.result()
}

// scratch holds the per-headline buffers of Match.
type scratch struct {
	buf   []byte // the normalised headline
	words []span
	cands []int
	hits  []int32

	// Epoch stamps: termStamp[id] == epoch means the term matched in this
	// pass; subStamp[id] == epoch means subGroup[id] is this pass's.
	// Stamps avoid clearing arrays sized to the whole index per headline.
	epoch     uint32
	termStamp []uint32
	subStamp  []uint32
	subGroup  []int32

	groups []group // one per matched subscriber
	found  []found // matched rules, in the order found
	sorted []found // found, grouped by subscriber
}

// group is one matched subscriber in scratch.
type group struct {
	sub      string
	n, start int // its rules: sorted[start:start+n]
}

// found is one matched rule of a subscriber.
type found struct {
	text  string
	group int32
	pos   int32
}

// span is a word of buf: buf[start:end], its match key buf[key:end].
type span struct{ start, key, end int }

// split normalises text into sc.buf and finds its words.
func (sc *scratch) split(text string) {
	sc.buf = AppendNormalized(sc.buf[:0], text)
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
	sc.termStamp = grow(sc.termStamp, len(idx.terms))
	sc.subStamp = grow(sc.subStamp, len(idx.subs))
	sc.subGroup = grow(sc.subGroup, len(idx.subs))
	sc.epoch++
	if sc.epoch == 0 { // wrapped: old stamps could collide
		clear(sc.termStamp)
		clear(sc.subStamp)
		sc.epoch = 1
	}
}

// run matches sc.words against idx, adding the matching rules to
// sc.groups and sc.found, except those of the subscribers in the bit set
// skip.
func (sc *scratch) run(idx *index, skip []uint64) {
	if len(idx.rules) == 0 {
		return
	}
	sc.nextEpoch(idx)
	epoch := sc.epoch
	sc.hits = sc.hits[:0]
	for i, w := range sc.words {
		sc.candidateKeys(w)
		for _, k := range sc.cands {
			for _, id := range idx.first[string(sc.buf[k:w.end])] {
				if sc.termStamp[id] == epoch || !sc.followedBy(i, idx.terms[id].rest) {
					continue
				}
				sc.termStamp[id] = epoch
				sc.hits = append(sc.hits, id)
			}
		}
	}
	// Each term is hit once and each rule hangs under one term, so each
	// rule is visited at most once.
	for _, t := range sc.hits {
		for _, r := range idx.terms[t].rules {
			ir := &idx.rules[r]
			if !sc.all(ir.required) || sc.any(ir.vetoes) {
				continue
			}
			sc.collect(idx, ir, skip)
		}
	}
}

// collect adds the owners of a matched rule to the result, except those
// in the bit set skip.
func (sc *scratch) collect(idx *index, ir *irule, skip []uint64) {
	epoch := sc.epoch
	for _, o := range ir.owners {
		if skip != nil && skip[o.sub/64]&(1<<(o.sub%64)) != 0 {
			continue
		}
		if sc.subStamp[o.sub] != epoch {
			sc.subStamp[o.sub] = epoch
			sc.subGroup[o.sub] = int32(len(sc.groups))
			sc.groups = append(sc.groups, group{sub: idx.subs[o.sub]})
		}
		g := sc.subGroup[o.sub]
		sc.groups[g].n++
		sc.found = append(sc.found, found{text: o.text, group: g, pos: o.pos})
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

// result turns sc.groups and sc.found into one Match per subscriber, its
// rules in their order, without sorting the whole list: rules are placed
// by subscriber (a counting sort), then each subscriber's few rules are
// put in order.
func (sc *scratch) result() []Match {
	start := 0
	for i := range sc.groups {
		sc.groups[i].start = start
		start += sc.groups[i].n
		sc.groups[i].n = 0
	}
	sc.sorted = grow(sc.sorted, len(sc.found))
	for _, f := range sc.found {
		g := &sc.groups[f.group]
		sc.sorted[g.start+g.n] = f
		g.n++
	}
	out := make([]Match, len(sc.groups))
	texts := make([]string, len(sc.found))
	for i, g := range sc.groups {
		rules := sc.sorted[g.start : g.start+g.n]
		for j := 1; j < len(rules); j++ { // insertion sort: n is tiny
			for k := j; k > 0 && rules[k].pos < rules[k-1].pos; k-- {
				rules[k], rules[k-1] = rules[k-1], rules[k]
			}
		}
		t := texts[g.start : g.start+g.n : g.start+g.n]
		for j, f := range rules {
			t[j] = f.text
		}
		out[i] = Match{Subscriber: g.sub, Rules: t}
	}
	// Drop references so pooled scratch does not keep strings alive.
	clear(sc.found)
	clear(sc.sorted[:len(sc.found)])
	clear(sc.groups)
	return out
}
