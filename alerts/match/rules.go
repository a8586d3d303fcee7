package match

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aajil/aajil/alerts"
)

// Keyword rules: what a subscriber sends with /add, one rule a line.
//
// A rule is a list of terms separated by spaces. A term is a word or a
// "quoted phrase"; every term must appear in a headline for the rule to
// match. A term written with a leading minus (-word, -"a phrase") is a veto:
// the rule does not match a headline that contains it.
//
// Quotes: phones type typographic quotes, so a phrase may be opened and
// closed by any of the ASCII " and “ ” „ ‟ « » (U+201C U+201D U+201E U+201F
// U+00AB U+00BB), in any pairing: "…", “…”, „…“, ”…”, «…». A quote opens a
// phrase only at the start of a term (after a space or a minus); a quote
// anywhere else — in the middle of a word, or left open at the end — is an
// unbalanced quote. The veto minus may be typed as - (U+002D), ‐ (U+2010),
// – (U+2013) or − (U+2212), since phone keyboards substitute them.
//
// Terms are compared in normalised form (see alerts.Normalize): case, diacritics,
// tatweel, hamza forms and punctuation do not matter. A word that
// normalises to several words ("U.S.", "Homs's", "al-Assad") is a phrase.
// A word's leading article ال is optional: «الجيش» and «جيش» are the same
// term (see matchKey).

// Limits on the rules of one chat.
const (
	// MaxRuleLen is the longest rule accepted, in characters (runes).
	MaxRuleLen = 200
	// MaxRules is the most rules one subscriber may hold.
	MaxRules = 50
)

// RuleErrorCode says what is wrong with a rule. Codes are stable strings so
// that the bot can translate them.
type RuleErrorCode string

// Rule error codes.
const (
	// ErrCodeEmpty: the rule holds no terms at all.
	ErrCodeEmpty RuleErrorCode = "empty"
	// ErrCodeTooLong: the rule is longer than MaxRuleLen characters.
	ErrCodeTooLong RuleErrorCode = "too_long"
	// ErrCodeUnbalancedQuote: a phrase's quote is not closed, or a quote
	// stands where no phrase can start. Pos is the quote's position.
	ErrCodeUnbalancedQuote RuleErrorCode = "unbalanced_quote"
	// ErrCodeOnlyVetoes: every term is a veto, so the rule could only
	// match by matching everything else.
	ErrCodeOnlyVetoes RuleErrorCode = "only_vetoes"
	// ErrCodeEmptyTerm: a term has no letters or digits (only
	// punctuation or emoji, an empty "" or a lone minus). Pos and Term
	// say which.
	ErrCodeEmptyTerm RuleErrorCode = "empty_term"
	// ErrCodeTooMany: the subscriber already has MaxRules rules.
	ErrCodeTooMany RuleErrorCode = "too_many_rules"
	// ErrCodeDuplicate: the subscriber already has a rule with the same
	// canonical form (the same terms, maybe written differently).
	ErrCodeDuplicate RuleErrorCode = "duplicate"
)

// RuleError is the error returned for a rule that cannot be used.
type RuleError struct {
	Code RuleErrorCode
	// Rule is the rule as given.
	Rule string
	// Pos is the character (rune) offset in Rule of the problem, or -1
	// when the problem is the whole rule.
	Pos int
	// Term is the offending term as written, for ErrCodeEmptyTerm; for
	// ErrCodeDuplicate, the existing rule it duplicates.
	Term string
}

// Error returns an English message; the bot translates Code instead.
func (e *RuleError) Error() string {
	switch e.Code {
	case ErrCodeEmpty:
		return "rule is empty"
	case ErrCodeTooLong:
		return fmt.Sprintf("rule is longer than %d characters", MaxRuleLen)
	case ErrCodeUnbalancedQuote:
		return fmt.Sprintf("rule has an unbalanced quote at character %d", e.Pos+1)
	case ErrCodeOnlyVetoes:
		return "rule has only excluded terms; add at least one term that must appear"
	case ErrCodeEmptyTerm:
		return fmt.Sprintf("term %q at character %d has no letters or digits", e.Term, e.Pos+1)
	case ErrCodeTooMany:
		return fmt.Sprintf("no more than %d rules are allowed", MaxRules)
	case ErrCodeDuplicate:
		return fmt.Sprintf("rule duplicates the existing rule %q", e.Term)
	}
	return "invalid rule: " + string(e.Code)
}

// Rule is a parsed keyword rule. Build one with ParseRule; the zero Rule
// matches nothing.
type Rule struct {
	// Text is the rule as written (surrounding spaces removed), for
	// display and /del.
	Text string
	// Canonical is the rule's normalised terms, sorted and without
	// duplicates, required terms first, then vetoes; phrases in ASCII
	// quotes. Rules with the same Canonical match the same headlines,
	// and Canonical re-parses to the same rule.
	Canonical string

	required []term
	vetoes   []term
}

// term is one word or phrase in matching form: its words, each normalised
// and reduced to its match key.
type term struct {
	words []string
	key   string // the words joined by single spaces
}

// Required returns the canonical text of the terms that must appear.
func (r Rule) Required() []string { return termKeys(r.required) }

// Vetoes returns the canonical text of the terms that exclude a headline.
func (r Rule) Vetoes() []string { return termKeys(r.vetoes) }

func termKeys(ts []term) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.key
	}
	return out
}

// isQuote reports the characters accepted as phrase quotes.
func isQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '„', '‟', '«', '»':
		return true
	}
	return false
}

// isMinus reports the characters accepted as the veto sign.
func isMinus(r rune) bool {
	switch r {
	case '-', '‐', '–', '−':
		return true
	}
	return false
}

// isRuleSpace reports what separates terms. Format characters (bidi marks
// typed by RTL keyboards, zero-width spaces) are not separators: they are
// skipped where a term starts and removed by normalisation inside one.
func isRuleSpace(r rune) bool { return unicode.IsSpace(r) || r == 0 }

// ParseRule parses one rule. Errors are *RuleError.
func ParseRule(s string) (Rule, error) {
	text := strings.TrimFunc(s, isRuleSpace)
	if n := utf8.RuneCountInString(text); n > MaxRuleLen {
		return Rule{}, &RuleError{Code: ErrCodeTooLong, Rule: s, Pos: -1}
	}
	p := ruleParser{rule: s}
	lead := len(s) - len(strings.TrimLeftFunc(s, isRuleSpace))
	required, vetoes, err := p.parse(text, utf8.RuneCountInString(s[:lead]))
	if err != nil {
		return Rule{}, err
	}
	if len(required) == 0 {
		if len(vetoes) == 0 {
			return Rule{}, &RuleError{Code: ErrCodeEmpty, Rule: s, Pos: -1}
		}
		return Rule{}, &RuleError{Code: ErrCodeOnlyVetoes, Rule: s, Pos: -1}
	}
	required, vetoes = sortTerms(required), sortTerms(vetoes)
	canon := canonical(required, vetoes)
	// Normalisation can lengthen text (ﷺ is 18 letters under NFKC); the
	// limit holds for the canonical form too, so that it re-parses.
	if utf8.RuneCountInString(canon) > MaxRuleLen {
		return Rule{}, &RuleError{Code: ErrCodeTooLong, Rule: s, Pos: -1}
	}
	return Rule{Text: text, Canonical: canon, required: required, vetoes: vetoes}, nil
}

type ruleParser struct {
	rule string // as given, for errors
}

// parse splits text into terms; base is text's rune offset in the rule.
func (p *ruleParser) parse(text string, base int) (required, vetoes []term, err error) {
	pos := base // rune offset of i
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if isRuleSpace(r) || unicode.Is(unicode.Cf, r) {
			i += size
			pos++
			continue
		}
		start, startPos := i, pos
		veto := false
		if isMinus(r) {
			veto = true
			i += size
			pos++
			// Bidi marks may sit between the minus and the term.
			for i < len(text) {
				r, size = utf8.DecodeRuneInString(text[i:])
				if !unicode.Is(unicode.Cf, r) {
					break
				}
				i += size
				pos++
			}
		}
		var raw string // the term's text, without minus and quotes
		if i < len(text) && isQuote(r) {
			quotePos := pos
			i += size
			pos++
			j := i
			for j < len(text) {
				q, qs := utf8.DecodeRuneInString(text[j:])
				if isQuote(q) {
					break
				}
				j += qs
				pos++
			}
			if j == len(text) {
				return nil, nil, &RuleError{Code: ErrCodeUnbalancedQuote, Rule: p.rule, Pos: quotePos}
			}
			raw = text[i:j]
			_, qs := utf8.DecodeRuneInString(text[j:])
			i = j + qs
			pos++
		} else {
			j := i
			for j < len(text) {
				q, qs := utf8.DecodeRuneInString(text[j:])
				if isRuleSpace(q) {
					break
				}
				if isQuote(q) {
					return nil, nil, &RuleError{Code: ErrCodeUnbalancedQuote, Rule: p.rule, Pos: pos}
				}
				j += qs
				pos++
			}
			raw = text[i:j]
			i = j
		}
		t, ok := newTerm(raw)
		if !ok {
			return nil, nil, &RuleError{Code: ErrCodeEmptyTerm, Rule: p.rule, Pos: startPos, Term: text[start:i]}
		}
		if veto {
			vetoes = append(vetoes, t)
		} else {
			required = append(required, t)
		}
	}
	return required, vetoes, nil
}

// newTerm normalises raw into a term; false when nothing is left.
func newTerm(raw string) (term, bool) {
	n := alerts.Normalize(raw)
	if n == "" {
		return term{}, false
	}
	words := strings.Split(n, " ")
	for i, w := range words {
		words[i] = matchKey(w)
	}
	return term{words: words, key: strings.Join(words, " ")}, true
}

// sortTerms sorts terms by key and removes duplicates.
func sortTerms(ts []term) []term {
	slices.SortFunc(ts, func(a, b term) int { return strings.Compare(a.key, b.key) })
	return slices.CompactFunc(ts, func(a, b term) bool { return a.key == b.key })
}

// canonical writes terms back in rule syntax.
func canonical(required, vetoes []term) string {
	var b strings.Builder
	write := func(t term, veto bool) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if veto {
			b.WriteByte('-')
		}
		if len(t.words) > 1 {
			b.WriteByte('"')
			b.WriteString(t.key)
			b.WriteByte('"')
		} else {
			b.WriteString(t.key)
		}
	}
	for _, t := range required {
		write(t, false)
	}
	for _, t := range vetoes {
		write(t, true)
	}
	return b.String()
}

// ValidateRules checks that add can join a subscriber's existing rules:
// it must parse, the subscriber must hold fewer than MaxRules rules, and
// none of them may have the same canonical form. Existing rules that no
// longer parse are ignored for the duplicate check. It returns the parsed
// rule; errors are *RuleError.
func ValidateRules(existing []string, add string) (Rule, error) {
	r, err := ParseRule(add)
	if err != nil {
		return Rule{}, err
	}
	if len(existing) >= MaxRules {
		return Rule{}, &RuleError{Code: ErrCodeTooMany, Rule: add, Pos: -1}
	}
	for _, e := range existing {
		if old, err := ParseRule(e); err == nil && old.Canonical == r.Canonical {
			return Rule{}, &RuleError{Code: ErrCodeDuplicate, Rule: add, Pos: -1, Term: e}
		}
	}
	return r, nil
}

// Arabic word boundaries.
//
// Arabic writes the conjunctions و ف, the prepositions ب ك ل and the
// article ال joined to the next word, so «حمص» appears as «بحمص», «وحمص»,
// «لحمص», «والحمص». A headline word therefore stands for several
// candidate words: itself and itself without each proclitic chain that it
// starts with. Keeping the word itself is what lets «لبنان» and «بيروت»
// (which start with ل and ب) match. A rule word matches a headline word
// when it equals any candidate; that never strips letters from the rule
// word, so «الحمصي» and «حمصي» stay different from «حمص».
//
// The article is optional on both sides: matchKey removes a leading ال
// from rule words and from every candidate, so a rule «الجيش» matches
// «جيش», «الجيش», «للجيش», «وبالجيش», and a rule «جيش» matches the same.
// A newsroom user who types «الجيش» wants the army in any form.
//
// Stripping stops when fewer than minStem letters would be left, so «ال»
// and «و» do not vanish, and only where a letter follows (never a
// combining mark, which would then have nothing to sit on).

// minStem is the fewest letters left after removing a proclitic.
const minStem = 2

const article = "ال"

// proclitics are the prefixes removed from a headline word: a conjunction
// (و ف), then a preposition (ب ك ل), then the article, each optional; ل
// followed by ال is written لل. Built once, never written.
var proclitics = buildProclitics()

func buildProclitics() []string {
	var out []string
	for _, conj := range []string{"", "و", "ف"} {
		for _, prep := range []string{"", "ب", "ك", "ل"} {
			for _, art := range []string{"", article} {
				p := conj + prep + art
				if prep == "ل" && art != "" {
					p = conj + "لل"
				}
				if p != "" {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// stripOK reports whether rest may stand alone once a prefix is removed.
func stripOK(rest string) bool {
	r, _ := utf8.DecodeRuneInString(rest)
	return unicode.IsLetter(r) && utf8.RuneCountInString(rest) >= minStem
}

// matchKey is the form in which rule words and headline candidates are
// compared: a normalised word without its leading article. The article is
// removed repeatedly, because normalisation writes أ as ا: «الألعاب» is
// «الالعاب» and must meet «ألعاب» («العاب») at «عاب». That also makes
// matchKey idempotent, which canonical forms rely on.
func matchKey(w string) string {
	for {
		rest, ok := strings.CutPrefix(w, article)
		if !ok || !stripOK(rest) {
			return w
		}
		w = rest
	}
}

// candidates returns the match keys a normalised headline word stands for:
// the word itself and the word without each proclitic it starts with. It
// is the plain, allocating version used by the reference matcher.
func candidates(w string) []string {
	out := []string{matchKey(w)}
	for _, p := range proclitics {
		if rest, ok := strings.CutPrefix(w, p); ok && stripOK(rest) {
			if k := matchKey(rest); !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// Matches reports whether the rule matches a headline already normalised
// with alerts.Normalize. It is the plain reference matcher: simple and slow, it
// checks every term at every word. Matcher gives the same answers for many
// rules at once.
func (r Rule) Matches(normalised string) bool {
	if len(r.required) == 0 {
		return false
	}
	words := strings.Fields(normalised)
	cands := make([][]string, len(words))
	for i, w := range words {
		cands[i] = candidates(w)
	}
	for _, t := range r.required {
		if !t.in(words, cands) {
			return false
		}
	}
	for _, t := range r.vetoes {
		if t.in(words, cands) {
			return false
		}
	}
	return true
}

// in reports whether the term occurs in the headline words (cands holds
// each word's candidates): its first word may carry proclitics; the words
// after it must equal the term's words up to the article (so «"ريف حمص"»
// matches «بريف حمص» and «ريف الحمص» but not «ريف بحمص»).
func (t term) in(words []string, cands [][]string) bool { return t.at(words, cands) >= 0 }

// matchesAt reports whether the term occurs at word i (see in).
func (t term) matchesAt(i int, words []string, cands [][]string) bool {
	if !slices.Contains(cands[i], t.words[0]) {
		return false
	}
	for j := 1; j < len(t.words); j++ {
		if matchKey(words[i+j]) != t.words[j] {
			return false
		}
	}
	return true
}
