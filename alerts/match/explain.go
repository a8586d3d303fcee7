package match

import "strings"

// Explanation says why a rule matched a headline: for each of its
// required terms, in the rule's canonical order, the headline's words
// that met it.
type Explanation struct {
	// Terms are the required terms, in canonical form.
	Terms []string
	// Words holds, for each of Terms, the headline's words (normalised,
	// as alerts.Normalize wrote them) where the term was found.
	Words [][]string
}

// Explain reports whether the rule matches a headline already normalised
// with alerts.Normalize (as Matches does) and, when it does, which words
// met each required term. It is the reference matcher with the places
// kept: for the "Why?" of one alert, not for matching many.
func (r Rule) Explain(normalised string) (Explanation, bool) {
	if !r.Matches(normalised) {
		return Explanation{}, false
	}
	words := strings.Fields(normalised)
	cands := make([][]string, len(words))
	for i, w := range words {
		cands[i] = candidates(w)
	}
	var ex Explanation
	for _, t := range r.required {
		at := t.at(words, cands)
		ex.Terms = append(ex.Terms, t.key)
		ex.Words = append(ex.Words, words[at:at+len(t.words)])
	}
	return ex, true
}

// at returns where the term first occurs in the headline words, -1 when
// it does not (see in).
func (t term) at(words []string, cands [][]string) int {
	for i := 0; i+len(t.words) <= len(words); i++ {
		if t.matchesAt(i, words, cands) {
			return i
		}
	}
	return -1
}
