package alerts

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Story fingerprints decide whether two headlines tell the same story: a
// short RSS headline and a longer ticker line of one event, a headline
// re-worded after publication, the same report under another source's
// prefix. The method and its measured error rates are in docs/DEDUP.md.
//
// Everything here is pure: the store keeps fingerprints and an inverted
// index of their Keys, and calls Compare on the few candidates it finds.

// MaxKeys is the most index keys a fingerprint carries.
const MaxKeys = 4

// Thresholds of the decision rule, calibrated on alerts/testdata/story_*.tsv
// (see docs/DEDUP.md).
const (
	// SameThreshold is the least score at which two headlines are one
	// story.
	SameThreshold = 0.8
	// UpdateThreshold is the least score at which two headlines whose
	// numbers disagree are one story with new figures; below it, the
	// other numbers mean another event ("72-hour ceasefire" /
	// "seven-day ceasefire").
	UpdateThreshold = 0.9
	// storyMinShared is the least number of content tokens two headlines must
	// share to be one story (unless their fingerprints are identical): a
	// single shared word, however rare, is a topic, not an event.
	storyMinShared = 2
)

// Fingerprint is the comparable form of a headline. Its fields are plain
// strings so that a store can keep it as it is.
type Fingerprint struct {
	// Tokens are the distinct content tokens, sorted: normalised, with
	// stop words, the urgency banner, source prefixes, media labels and
	// attribution tails removed, Arabic proclitics and the article
	// stripped, English plurals folded, and a few news verbs mapped to
	// one synonym. A number that names an instance rather than counting
	// ("day 171", a year) is a token too ("day171", "2023").
	Tokens []string
	// Numbers are the other numbers of the headline (death tolls,
	// magnitudes, scores), distinct and sorted, decimals with a dot and
	// no thousands separators ("5.2", "1000"). Number words ("three",
	// «ثلاثة») count.
	Numbers []string
	// Names are the Tokens that may name a place, actor or object: Latin
	// words written with a capital (not as the first word of the headline
	// or of a clause after a colon) and every Arabic-script token, since
	// Arabic has no capitals. When each of two headlines has a name the
	// other lacks, they are one template told of two events («انفجار في
	// دمشق» / «انفجار في حلب»), and Compare keeps them apart.
	Names []string
	// Keys are the tokens to index the story under and to look candidates
	// up by: the rarest MaxKeys tokens by the static document-frequency
	// table, rarest first.
	Keys []string
	// Hash is the exact fingerprint: the hex SHA-256 (first 16 bytes) of
	// Tokens and Numbers. Equal hashes mean the same story.
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
// it (banner and prefixes included: they are removed here).
func NewFingerprint(title string) Fingerprint {
	text := storyBanners.Detect(title).Rest
	text = storyStripPrefixes(text)
	text = storyStripAttribution(text)

	var fp Fingerprint
	var tokens []string
	numbers, ordinal := storyNumbers(text)
	tokens = append(tokens, ordinal...)

	words := strings.Fields(Normalize(text))
	words = storyTrimEnds(words)
	words = storyCutAttribution(words)
	for _, w := range words {
		if storyIsDigits(w) {
			continue // counted by storyNumbers, with its decimals
		}
		if n, ok := storyNumberWords[w]; ok {
			numbers = append(numbers, n)
			continue
		}
		if t := storyToken(w); t != "" {
			tokens = append(tokens, t)
		}
	}
	slices.Sort(tokens)
	fp.Tokens = slices.Compact(tokens)
	slices.Sort(numbers)
	fp.Numbers = slices.Compact(numbers)
	fp.Names = storyNames(text, fp.Tokens)
	fp.Keys = storyKeys(fp.Tokens)
	fp.Hash = storyHash(fp.Tokens, fp.Numbers)
	return fp
}

// storyHash hashes tokens and numbers with separators that cannot occur in
// them.
func storyHash(tokens, numbers []string) string {
	h := sha256.New()
	for _, t := range tokens {
		h.Write([]byte(t))
		h.Write([]byte{0x1f})
	}
	h.Write([]byte{0x1e})
	for _, n := range numbers {
		h.Write([]byte(n))
		h.Write([]byte{0x1f})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// storyKeys returns the rarest tokens, rarest first; ties go to the
// longer, then the smaller token, so the choice is deterministic.
func storyKeys(tokens []string) []string {
	keys := slices.Clone(tokens)
	slices.SortFunc(keys, func(a, b string) int {
		wa, wb := storyWeight(a), storyWeight(b)
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
	if len(keys) > MaxKeys {
		keys = keys[:MaxKeys:MaxKeys]
	}
	return keys
}

// Compare decides whether a and b are one story and returns the score the
// decision was made on, in [0, 1].
//
// The score is a weighted containment with a substitution penalty:
//
//	score = (shared − min(onlyA, onlyB)) / min(weight(a), weight(b))
//
// where the weights are inverse document frequencies. Containment makes a
// short headline match a longer telling of the same event; the penalty
// makes two headlines of one template with another place, actor or object
// («انفجار في دمشق» / «انفجار في حلب») different, because each side then
// has a rare word the other lacks. Headlines sharing fewer than two
// content tokens are different unless identical.
//
// Same-story pairs whose numbers disagree (each side has numbers and they
// are not the same set) are an Update.
func Compare(a, b Fingerprint) (Verdict, float64) {
	if a.Hash == b.Hash && a.Hash != "" {
		return Same, 1
	}
	score, shared, onlyA, onlyB := storySimilarity(a.Tokens, b.Tokens)
	if shared < storyMinShared || score < SameThreshold {
		return Different, score
	}
	if storyHasName(onlyA, a.Names) && storyHasName(onlyB, b.Names) {
		return Different, score
	}
	if len(a.Numbers) > 0 && len(b.Numbers) > 0 && !slices.Equal(a.Numbers, b.Numbers) {
		if score < UpdateThreshold {
			return Different, score
		}
		return Update, score
	}
	return Same, score
}

// storySimilarity returns the score described at Compare and the number of
// shared tokens. Tokens are sorted; a token also matches one that carries
// one more Arabic proclitic letter (see storyProcliticPair).
func storySimilarity(a, b []string) (score float64, shared int, onlyA, onlyB []string) {
	var sw float64 // shared weight
	n := 0
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
			sw += storyWeight(a[i])
			n++
			i++
			j++
		}
	}
	// Tokens left on both sides may still be one word with and without a
	// proclitic letter; a map keeps this linear in the number of tokens.
	var inB map[string]int
	if len(onlyA) > 0 && len(onlyB) > 0 {
		inB = make(map[string]int, len(onlyB))
		for k, y := range onlyB {
			inB[y] = k
		}
	}
	var uA, uB float64
	restA := onlyA[:0:0]
	for _, x := range onlyA {
		wx := storyWeight(x)
		if k, ok := storyProcliticMatch(x, inB); ok {
			sw += (wx + storyWeight(onlyB[k])) / 2
			n++
			delete(inB, onlyB[k])
			onlyB[k] = ""
			continue
		}
		uA += wx
		restA = append(restA, x)
	}
	restB := onlyB[:0:0]
	for _, y := range onlyB {
		if y != "" {
			uB += storyWeight(y)
			restB = append(restB, y)
		}
	}
	den := sw + min(uA, uB)
	if den == 0 {
		return 0, n, restA, restB
	}
	s := (sw - min(uA, uB)) / den
	return max(0, min(1, s)), n, restA, restB
}

// storyHasName reports whether one of tokens is among names (sorted).
func storyHasName(tokens, names []string) bool {
	for _, t := range tokens {
		if _, ok := slices.BinarySearch(names, t); ok {
			return true
		}
	}
	return false
}

// storyIsKnownName reports whether a word that opens a clause (and so
// is capitalised anyway) is one the corpora mostly write with a capital
// elsewhere: "Afghanistan vs Australia", not "Doctors move …".
func storyIsKnownName(w string) bool {
	for _, n := range strings.Fields(Normalize(w)) {
		if t := storyToken(n); t != "" && storyNameTokens[t] {
			return true
		}
	}
	return false
}

// storyNames returns the tokens (sorted, as in tokens) that text writes
// as names: see Fingerprint.Names.
func storyNames(text string, tokens []string) []string {
	names := map[string]bool{}
	first := true // the next word starts a clause
	for _, field := range strings.Fields(text) {
		for _, w := range strings.FieldsFunc(field, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && r != 0x640
		}) {
			r, _ := utf8.DecodeRuneInString(w)
			capital := unicode.IsUpper(r) && (!first || storyIsKnownName(w))
			arabic := unicode.Is(unicode.Arabic, r)
			if capital || arabic {
				for _, n := range strings.Fields(Normalize(w)) {
					if t := storyToken(n); t != "" {
						names[t] = true
					}
				}
			}
			first = false
		}
		if strings.HasSuffix(field, ":") || strings.HasSuffix(field, "?") {
			first = true
		}
	}
	var out []string
	for _, t := range tokens {
		if names[t] {
			out = append(out, t)
		}
	}
	return out
}

// storyProcliticMatch finds in inB (token → index) a token that is x with
// one proclitic letter more or less (see storyProcliticPair).
func storyProcliticMatch(x string, inB map[string]int) (int, bool) {
	if len(inB) == 0 {
		return 0, false
	}
	if r, size := utf8.DecodeRuneInString(x); strings.ContainsRune(storyProclitics, r) {
		if k, ok := inB[x[size:]]; ok && storyProcliticPair(x, x[size:]) {
			return k, true
		}
	}
	for _, p := range storyProclitics {
		y := string(p) + x
		if k, ok := inB[y]; ok && storyProcliticPair(x, y) {
			return k, true
		}
	}
	return 0, false
}

// storyProclitics are the one-letter Arabic proclitics.
const storyProclitics = "وفبكل"

// storyProcliticPair reports whether x is y with one more leading Arabic
// proclitic letter, or the other way round. Canonical tokens already lose
// their proclitics, but a single و ف ب ك ل is ambiguous (it also begins
// words: «بيروت», «وزير», «لبنان»), so it is stripped at most once and the
// remaining one-letter difference is accepted here.
func storyProcliticPair(x, y string) bool {
	if len(x) < len(y) {
		x, y = y, x
	}
	if len(x)-len(y) != 2 || utf8.RuneCountInString(y) < 3 {
		return false
	}
	r, size := utf8.DecodeRuneInString(x)
	return strings.ContainsRune(storyProclitics, r) && x[size:] == y
}

// ---- Text clean-up before tokens ----

// storyBanners removes the urgency banner. A Detector is immutable.
var storyBanners = storyBannerDetector()

func storyBannerDetector() *Detector {
	d, err := NewDetector(DefaultMarkers())
	if err != nil {
		panic("alerts: default markers: " + err.Error()) // a bug in DefaultMarkers
	}
	return d
}

// storyPrefixSeparators end a source prefix: «سانا: …», "Reuters: …".
const storyPrefixSeparators = ":：|"

// storyStripPrefixes removes up to two leading labels that name a
// source, a correspondent or a media type («سانا:», «مراسل سانا:»,
// «مصدر بجهاز … لـ سانا:», «يسرائيل هيوم عن مصادر:», "Reuters:",
// "Exclusive:", "WATCH:", "Video |"). A prefix that names anything else
// ("Russia-Ukraine war: …", «تركيا: …») is content and stays.
func storyStripPrefixes(s string) string {
	for range 2 {
		i := strings.IndexAny(s, storyPrefixSeparators)
		if i < 0 {
			return s
		}
		head := strings.Fields(Normalize(s[:i]))
		if !storyIsSourceLabel(head) {
			return s
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		s = s[i+size:]
	}
	return s
}

// storyIsSourceLabel reports whether the normalised words before a colon are a
// source or media label.
func storyIsSourceLabel(words []string) bool {
	if len(words) == 0 || len(words) > 8 {
		return false
	}
	phrase := strings.Join(words, " ")
	if storyMediaLabels[phrase] || storySourceNames[phrase] {
		return true
	}
	// «مراسل سانا», «مصدر … لـ سانا», "… told Reuters": a label that
	// ends with a source or with «مصادر».
	for n := min(3, len(words)); n >= 1; n-- {
		tail := strings.Join(words[len(words)-n:], " ")
		if storySourceNames[tail] {
			return true
		}
		if n == 1 {
			if t := storyStripOneProclitic(tail); storySourceNames[t] {
				return true
			}
		}
	}
	return false
}

// storyAttributionVerbs end an English attribution tail ("…, ministry says").
var storyAttributionVerbs = storyWordSet("says", "say", "said", "claims", "report", "reports", "confirms", "warns", "sources", "officials")

// storyStripAttribution removes an English attribution after the last
// comma or dash ("…, US says", "… – report", "…: officials") when it is
// short; the words it names are not the event.
func storyStripAttribution(s string) string {
	i := max(strings.LastIndex(s, ", "), strings.LastIndex(s, " – "),
		strings.LastIndex(s, " — "), strings.LastIndex(s, " - "), strings.LastIndex(s, ": "))
	if i <= 0 {
		return s
	}
	// A media label may follow the attribution ("…, police say | Video").
	tail := storyTrimEnds(strings.Fields(Normalize(s[i:])))
	if len(tail) == 0 || len(tail) > 5 {
		return s
	}
	if storyAttributionVerbs[tail[len(tail)-1]] {
		return s[:i]
	}
	if len(tail) >= 2 && tail[0] == "according" && tail[1] == "to" {
		return s[:i]
	}
	return s
}

// storyAttributionWords opens an Arabic attribution tail («… بحسب وكالة …»,
// «… وفق مصادر»), and "according" an English one without a comma.
var storyAttributionWords = storyWordSet("بحسب", "حسب", "وفق", "وفقا", "نقلا", "طبقا", "according")

// storyCutAttribution drops a short attribution tail (at most six words)
// that follows at least two words of content.
func storyCutAttribution(words []string) []string {
	for i := len(words) - 1; i >= 2 && len(words)-i <= 6; i-- {
		if storyAttributionWords[words[i]] {
			return words[:i]
		}
	}
	return words
}

// storyTrimEnds removes media labels and source names at either end: a
// trailing «(فيديو)», «- سانا», "| Al Jazeera", a leading «بالفيديو».
func storyTrimEnds(words []string) []string {
	for changed := true; changed && len(words) > 0; {
		changed = false
		for n := min(3, len(words)); n >= 1; n-- {
			if p := strings.Join(words[:n], " "); storyMediaLabels[p] || storySourceNames[p] {
				words = words[n:]
				changed = true
				break
			}
			if p := strings.Join(words[len(words)-n:], " "); storyMediaLabels[p] || storySourceNames[p] {
				words = words[:len(words)-n]
				changed = true
				break
			}
		}
	}
	return words
}

// ---- Numbers ----

// storyOrdinalWords before a number make it name an instance ("day 171",
// «الجولة 5»): a different one is a different event, not an update, so the
// number joins the word as a token.
var storyOrdinalWords = storyWordSet("day", "week", "month", "round", "stage", "game", "match", "episode", "part",
	"يوم", "اسبوع", "شهر", "جوله", "مرحله", "حلقه", "دوره")

// storyNumbers finds the numbers in s, with their decimals and thousands
// separators. Numbers after an ordinal word and years (1900–2099) are
// returned as tokens; the rest as numbers.
func storyNumbers(s string) (numbers, tokens []string) {
	var b strings.Builder
	start := -1
	flush := func() {
		if start < 0 {
			return
		}
		n := strings.TrimRight(b.String(), ".")
		b.Reset()
		prev := storyWordBefore(s[:start])
		switch {
		case n == "":
		case storyOrdinalWords[prev]:
			tokens = append(tokens, prev+n)
		case storyIsYear(n):
			tokens = append(tokens, n)
		default:
			numbers = append(numbers, strings.TrimLeft(n, "0"))
		}
		start = -1
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		d := storyDigit(r)
		switch {
		case d >= 0:
			if start < 0 {
				start = i
			}
			b.WriteByte(byte('0' + d))
		case start >= 0 && (r == '.' || r == '٫' || r == ',' || r == '٬') && i+size < len(s) && storyDigit(storyFirstRune(s[i+size:])) >= 0:
			if r == '.' || r == '٫' {
				b.WriteByte('.')
			}
		default:
			flush()
		}
		i += size
	}
	flush()
	return numbers, tokens
}

func storyFirstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// storyDigit returns the value of an ASCII, Arabic-Indic or Persian digit,
// or -1.
func storyDigit(r rune) int {
	switch {
	case '0' <= r && r <= '9':
		return int(r - '0')
	case 0x660 <= r && r <= 0x669:
		return int(r - 0x660)
	case 0x6F0 <= r && r <= 0x6F9:
		return int(r - 0x6F0)
	}
	return -1
}

// storyWordBefore returns the canonical form of the last word before a number.
func storyWordBefore(s string) string {
	// Only the last few words matter: normalise a short tail, cut at a
	// rune boundary.
	if len(s) > 48 {
		k := len(s) - 48
		for k < len(s) && !utf8.RuneStart(s[k]) {
			k++
		}
		s = s[k:]
	}
	words := strings.Fields(Normalize(s))
	if len(words) == 0 {
		return ""
	}
	w := words[len(words)-1]
	if storyOrdinalWords[w] {
		return w
	}
	return storyStripProclitics(w)
}

func storyIsYear(n string) bool {
	if len(n) != 4 {
		return false
	}
	y, err := strconv.Atoi(n)
	return err == nil && y >= 1900 && y <= 2099
}

func storyIsDigits(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}

// ---- Tokens ----

// storyToken returns the comparable form of a normalised word, or "" for a
// stop word.
func storyToken(w string) string {
	if storyStopWords[w] || utf8.RuneCountInString(w) < 2 {
		return ""
	}
	if storyIsArabic(w) {
		w = storyStripProclitics(w)
		if storyStopWords[w] {
			return ""
		}
	} else if storyIsLatin(w) {
		w = storyStemEnglish(w)
	}
	if s, ok := storySynonyms[w]; ok {
		return s
	}
	return w
}

func storyIsArabic(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.Is(unicode.Arabic, r)
}

func storyIsLatin(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// storyStripProclitics removes a conjunction (و ف), then the article with
// its preposition (ال بال كال فال لل), or else one preposition (ب ك ل),
// leaving at least three letters: «بدمشق» → «دمشق», «والرئيس» → «رئيس».
func storyStripProclitics(w string) string {
	long := func(s string) bool { return utf8.RuneCountInString(s) >= 3 }
	if t, ok := storyCutPrefix(w, "وال", "فال", "بال", "كال", "لل", "ال"); ok && long(t) {
		return t
	}
	// A lone و ف ب ك ل also begins words («وزير», «بيروت», «لبنان»), so
	// it is stripped only from longer words, and once; storyProcliticPair
	// accepts the remaining one-letter difference.
	if t, ok := storyCutPrefix(w, "و", "ف", "ب", "ك", "ل"); ok && utf8.RuneCountInString(t) >= 4 {
		if u, ok := storyCutPrefix(t, "ال", "بال", "لل"); ok && long(u) {
			return u // «وبالعاصمة», «وللمرة»
		}
		return t
	}
	return w
}

// storyStripOneProclitic removes one leading ل ب (as in «لـ سانا» → «لسانا»).
func storyStripOneProclitic(w string) string {
	if t, ok := storyCutPrefix(w, "ل", "ب"); ok && utf8.RuneCountInString(t) >= 3 {
		return t
	}
	return w
}

func storyCutPrefix(w string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if t, ok := strings.CutPrefix(w, p); ok {
			return t, true
		}
	}
	return w, false
}

// storyStemEnglish folds plurals and third-person -s: "quakes" → "quake",
// "casualties" → "casualty". Words in -ss, -us, -is are left alone.
func storyStemEnglish(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") &&
		!strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:len(w)-1]
	}
	return w
}

// ---- Weights ----

//go:embed idf_headlines.txt
var storyIDFTable string

// storyDF holds the static table: the number of headlines of
// the corpora in which a canonical token occurs, and their count. Built
// once, never written again.
var storyDF, storyNameTokens, storyCorpusSize = storyParseIDF(storyIDFTable)

// storyParseIDF reads "# documents N" and "token<TAB>df<TAB>name" lines,
// where name is 1 for a token the corpora mostly capitalise inside a
// sentence. The table is generated by TestGenerateIDF, which also checks
// it; a malformed line is skipped here.
func storyParseIDF(s string) (map[string]int, map[string]bool, int) {
	df := make(map[string]int)
	names := make(map[string]bool)
	n := 1
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "# documents "); ok {
			if x, err := strconv.Atoi(v); err == nil && x > 0 {
				n = x
			}
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || strings.HasPrefix(line, "#") {
			continue
		}
		if x, err := strconv.Atoi(f[1]); err == nil {
			df[f[0]] = x
		}
		if f[2] == "1" {
			names[f[0]] = true
		}
	}
	return df, names, n
}

// storyWeight is the inverse document frequency of a token. Tokens missing
// from the table (rare words, most Arabic words) get the weight of a token
// seen once.
func storyWeight(t string) float64 {
	df := max(storyDF[t], 1)
	return math.Log(float64(storyCorpusSize+1) / float64(df))
}

// ---- Word lists ----

func storyWordSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[Normalize(w)] = true
	}
	return m
}

// storyStopWords are function words of Arabic and English headlines, in
// normalised form, and the reporting verbs that attributions use. They
// carry no event.
var storyStopWords = storyWordSet(
	// Arabic.
	"في", "من", "على", "إلى", "الى", "عن", "مع", "بعد", "قبل", "أن", "إن", "أنه", "أنها", "إنه",
	"التي", "الذي", "الذين", "هذا", "هذه", "ذلك", "تلك", "هناك", "كان", "كانت", "يكون", "قد", "لقد",
	"لم", "لن", "لا", "ما", "ماذا", "هل", "أو", "ثم", "حتى", "بين", "خلال", "عند", "منذ", "ضد", "حول",
	"أمام", "دون", "غير", "كل", "أي", "به", "بها", "له", "لها", "عليه", "فيه", "منه", "وفي", "ومن",
	"وعلى", "وأن", "هو", "هي", "هم", "كما", "أيضا", "عبر", "لدى", "إلا", "إذا", "لكن", "بل", "نحو",
	"جراء", "بسبب", "وسط", "اليوم", "أمس", "الآن", "قال", "قالت", "يقول", "تقول", "وقال", "أكد",
	"أكدت", "يؤكد", "تؤكد", "أعلن", "أعلنت", "يعلن", "تعلن", "أفاد", "أفادت", "ذكر", "ذكرت", "عاجل",
	"مساء", "صباح", "الماضي", "الجاري",
	// English.
	"a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "but",
	"as", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these",
	"those", "has", "have", "had", "will", "would", "can", "could", "may", "might", "not", "no",
	"after", "before", "over", "under", "into", "about", "amid", "against", "between", "during",
	"since", "than", "then", "there", "their", "they", "them", "he", "she", "his", "her", "we", "our",
	"you", "your", "who", "what", "when", "where", "which", "why", "how", "all", "also", "says", "say",
	"said", "told", "tells", "just", "still", "via", "per", "own", "yet", "so", "if", "do", "does",
	"did", "more", "most", "s", "t", "vs", "amid", "as", "over", "new",
)

// storyMediaLabels are media-type and genre labels that prefix or suffix a
// headline without being part of it.
var storyMediaLabels = storyWordSet(
	"فيديو", "بالفيديو", "صور", "بالصور", "شاهد", "فيديو وصور", "بالفيديو والصور", "مباشر", "تحديث",
	"انفوغراف", "إنفوغراف", "بث مباشر",
	"video", "videos", "watch", "photos", "photo", "in pictures", "exclusive", "update", "updated",
	"live updates", "breaking",
)

// storySourceNames are news agencies and channels that appear as prefixes,
// suffixes or attributions («سانا:», «- سانا», «مراسل سانا», "Reuters:").
var storySourceNames = storyWordSet(
	"سانا", "العربية", "الجزيرة", "الحدث", "الميادين", "رويترز", "فرانس برس", "أ ف ب", "ا ف ب",
	"الأناضول", "الإخبارية", "سكاي نيوز", "سكاي نيوز عربية", "روسيا اليوم", "الشرق الأوسط",
	"وكالة الأنباء", "مراسلنا", "مراسل", "مصادر", "مصدر", "سبوتنيك", "تاس", "واس", "وام", "قنا", "كونا",
	"reuters", "ap", "afp", "bloomberg", "cnn", "bbc", "al jazeera", "aljazeera", "tass", "ria",
	"xinhua", "anadolu", "sources", "source",
)

// storyNumberWords are written numbers, counted as numbers.
var storyNumberWords = func() map[string]string {
	m := map[string]string{}
	for i, w := range []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
		"nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
		"eighteen", "nineteen", "twenty"} {
		m[w] = strconv.Itoa(i)
	}
	for i, ws := range [][]string{{}, {"واحد"}, {"اثنان", "اثنين", "اثنتين"}, {"ثلاثة", "ثلاث"},
		{"أربعة", "أربع"}, {"خمسة", "خمس"}, {"ستة"}, {"سبعة", "سبع"}, {"ثمانية", "ثماني"},
		{"تسعة", "تسع"}, {"عشرة"}} {
		for _, w := range ws {
			m[Normalize(w)] = strconv.Itoa(i)
		}
	}
	return m
}()

// storySynonyms map the words news wires use for the same act to one token, so
// "killed" and "dead", «هجوم» and «اعتداء» agree. Keys are canonical forms
// (proclitics stripped, plurals folded).
var storySynonyms = func() map[string]string {
	groups := map[string][]string{
		"kill":       {"killed", "killing", "dead", "death", "die", "died"},
		"attack":     {"attacked", "strike", "struck", "airstrike", "raid", "assault", "hit"},
		"explosion":  {"blast", "explode", "exploded", "bomb", "bombing"},
		"injure":     {"injured", "injury", "wounded", "wound", "hurt"},
		"earthquake": {"quake", "tremor"},
		"arrest":     {"arrested", "detain", "detained"},
		"قتل":        {"مقتل", "مصرع", "قتلي", "قتيل", "قتيلا", "قتلوا", "شهيد", "شهيدا", "شهداء", "استشهاد"},
		"هجوم":       {"اعتداء", "اعتداءات", "غاره", "غارات", "قصف", "ضربه", "ضربات", "هجمات", "هجوما"},
		"انفجار":     {"تفجير", "انفجارات", "تفجيرات"},
		"اصابه":      {"اصابات", "جرحي", "جريح", "مصابين", "مصابا", "جرح"},
		"زلزال":      {"هزه"},
		"اعتقال":     {"توقيف", "قبض"},
		"يضرب":       {"يهز", "ضرب"},
	}
	m := map[string]string{}
	for to, from := range groups {
		for _, f := range from {
			m[Normalize(f)] = to
		}
	}
	return m
}()
