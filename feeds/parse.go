package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aajil/aajil/alerts"
)

// ParseError reports a document that could not be turned into items: not
// a feed, broken JSON, a selector that does not compile or matches nothing.
// Retrying the same document will not help; the source or its
// configuration needs attention.
type ParseError struct {
	Kind Kind  // the kind of document being parsed
	Err  error // what went wrong
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("parse %s: %v", e.Kind, e.Err)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// maxSummaryRunes caps Item.Summary: enough for a teaser paragraph, not a
// whole article pasted into a description.
const maxSummaryRunes = 1000

// Parse turns a document (already decoded to UTF-8) of src into items, in
// document order: at most MaxItems of them, the newest (see ParseLimit).
//
// baseURL is the document's final URL (after redirects), used to resolve
// relative links. det is the urgency detector for this source (the global
// markers plus the source's own); a nil det detects no banners, so only
// markers from the document structure and AllUrgent apply.
//
// Items whose title is empty after cleaning are dropped, and so are exact
// repeats (same id and same headline). Errors are *ParseError.
func Parse(src Source, body []byte, baseURL string, det *alerts.Detector) ([]Item, error) {
	items, _, err := ParseLimit(src, body, baseURL, det, MaxItems)
	return items, err
}

// ParseLimit is Parse keeping the limit newest items of the document (by
// date where items have one, by position otherwise: the rule is on
// MaxItems' newest), in document order; a limit ≤ 0 is MaxItems. It
// returns how many items were left out. The parsers stop holding an item
// as soon as it cannot be among the newest, and an RSS or Atom document
// is cut to its newest items before it is parsed, so the memory a parse
// takes is bounded by the body and the limit, not by the number of items.
func ParseLimit(src Source, body []byte, baseURL string, det *alerts.Detector, limit int) (items []Item, omitted int, err error) {
	return parseLimit(src, body, baseURL, det, limit, false)
}

// parseLimit is ParseLimit; with elements, the items of an html source
// keep their element's outer HTML (Item.Element).
func parseLimit(src Source, body []byte, baseURL string, det *alerts.Detector, limit int, elements bool) (items []Item, omitted int, err error) {
	if limit <= 0 {
		limit = MaxItems
	}
	kind := src.EffectiveKind()
	var raws []rawItem
	switch kind {
	case KindRSS:
		raws, omitted, err = parseFeed(body, baseURL, limit)
	case KindHTML:
		raws, omitted, err = parseHTML(src, body, baseURL, limit, elements)
	case KindJSON:
		raws, omitted, err = parseJSON(src, body, baseURL, det, limit)
	case KindTelegram:
		raws, omitted, err = parseTelegram(body, baseURL, det, limit)
	default:
		err = fmt.Errorf("unknown source kind %q", kind)
	}
	if err != nil {
		return nil, 0, &ParseError{Kind: kind, Err: err}
	}
	return finish(src, raws, det), omitted, nil
}

// ValidateSelectors checks the selector fields of a source before it is
// saved: for html, that item is set and every CSS selector compiles; for
// json, that item names a path. Selector problems are *SelectorError,
// naming the field and the selector.
func ValidateSelectors(src Source) error {
	switch kind := src.EffectiveKind(); kind {
	case KindHTML:
		_, err := compileSelectors(src)
		return err
	case KindJSON:
		if strings.TrimSpace(src.Item) == "" {
			return &SelectorError{Field: "item", Err: errors.New("path required for a json source")}
		}
		return nil
	case KindRSS, KindTelegram:
		return nil
	default:
		return fmt.Errorf("validate source: unknown kind %q", kind)
	}
}

// rawItem is what a format-specific parser extracts, before the shared
// finishing (cleaning, urgency, ids, language) in finish.
type rawItem struct {
	guid       string    // the document's own id for the item, if any
	title      string    // may hold markup and entities
	link       string    // already absolute, or empty
	image      string    // the picture's URL, already absolute, or empty
	summary    string    // may hold markup and entities
	published  time.Time // zero when unknown
	categories []string
	// lang is the language the document declares ("en-gb", "ar"), used
	// when the script of the title does not decide.
	lang string
	// marker is set when the document structure marks the item urgent
	// (an html marker element, a json marker field).
	marker string
	// plain says title and summary are text already (entities decoded,
	// no markup): they are not decoded a second time.
	plain bool
	// element is the item's outer HTML, cut (html, when asked for).
	element string
}

// finish turns raw items into Items: it cleans the text, finds urgency,
// assigns ids that are stable across polls and unique within this one, and
// picks the language.
func finish(src Source, raws []rawItem, det *alerts.Detector) []Item {
	cands := make([]candidate, len(raws))
	for i, r := range raws {
		cands[i] = finishOne(src, r, det)
	}
	return uniqueIDs(cands)
}

// candidate is one raw item finished on its own (finishOne): the item
// with the id its document gives it, the normalised headline, and whether
// it is kept at all (a headline empty after cleaning is not).
type candidate struct {
	it   Item
	norm string
	ok   bool
}

// finishOne is the part of finish that depends on the item alone: text,
// urgency, language and the id before it is made unique in the poll.
func finishOne(src Source, r rawItem, det *alerts.Detector) candidate {
	it := Item{SourceID: src.ID, Link: r.link, Image: r.image, Published: r.published, Element: r.element}
	it.Title = cleanField(r.title, r.plain, CleanText)
	if det != nil {
		if b := det.Detect(it.Title); b.Found {
			it.Title = strings.TrimSpace(b.Rest)
			it.Urgent, it.Marker = true, b.Marker
		}
	}
	if it.Title == "" {
		return candidate{}
	}
	for _, c := range r.categories {
		c = CleanText(c)
		if c == "" {
			continue
		}
		it.Categories = append(it.Categories, c)
		if !it.Urgent && det != nil && det.IsMarker(c) {
			it.Urgent, it.Marker = true, "category:"+c
		}
	}
	if !it.Urgent && r.marker != "" {
		it.Urgent, it.Marker = true, r.marker
	}
	if !it.Urgent && src.AllUrgent {
		it.Urgent, it.Marker = true, "all_urgent"
	}
	it.Summary = truncateWords(cleanField(r.summary, r.plain, cleanMarkup), maxSummaryRunes)
	it.Lang = itemLang(src.Lang, r.lang, it.Title)

	norm := alerts.Normalize(it.Title)
	id := strings.TrimSpace(r.guid)
	if id == "" {
		id = it.Link
	}
	if id == "" {
		id = "h:" + shortHash(norm, 8)
	}
	it.ID = id
	return candidate{it: it, norm: norm, ok: true}
}

// uniqueIDs returns the kept candidates as items whose ids are unique in
// the poll: an exact repeat (same id, same headline) is dropped, and
// different items sharing an id get a suffix from their headline.
func uniqueIDs(cands []candidate) []Item {
	items := make([]Item, 0, len(cands))
	// byID remembers the normalised title of each id given out, so that a
	// repeat can be told from a different item sharing an id.
	byID := make(map[string]string, len(cands))
	for _, c := range cands {
		if !c.ok {
			continue
		}
		it, id := c.it, c.it.ID
		if prev, ok := byID[id]; ok {
			if prev == c.norm {
				continue // the same item twice
			}
			// Different items sharing an id (a feed reusing a guid): the
			// suffix depends only on the headline, so it is the same in the
			// next poll.
			id += "#" + shortHash(c.norm, 4)
			if _, ok := byID[id]; ok {
				continue
			}
		}
		byID[id] = c.norm
		it.ID = id
		items = append(items, it)
	}
	return items
}

// cleanField cleans a title or summary with clean, or when plain (text
// already decoded) only filters its characters and collapses its spaces.
func cleanField(s string, plain bool, clean func(string) string) string {
	if plain {
		return collapse(strings.ToValidUTF8(s, "\uFFFD"))
	}
	return clean(s)
}

// shortHash returns the hex of the first n bytes of the SHA-256 of s.
func shortHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:n])
}

// itemLang picks an item's language: the configured one; else "ar" for an
// Arabic-script title; for a Latin-script title the document's language
// when it is a Latin-script language, else "en"; otherwise the document's
// language. Arabic feeds that declare "en" (scrapers do) are thus
// corrected by the script of each title.
func itemLang(configured, declared, title string) string {
	if configured != "" {
		return configured
	}
	declared = baseLang(declared)
	switch alerts.Script(title) {
	case "ar":
		return "ar"
	case "latin":
		if latinLanguage(declared) {
			return declared
		}
		return "en"
	}
	return declared
}

// baseLang returns the primary subtag of a language tag, lowercased:
// "en-GB" → "en", "pt_PT" → "pt".
func baseLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	for i := 0; i < len(tag); i++ {
		if tag[i] < 'a' || tag[i] > 'z' {
			return ""
		}
	}
	return tag
}

// latinLanguage reports whether a primary language subtag names a language
// written in the Latin script.
func latinLanguage(lang string) bool {
	switch lang {
	case "en", "fr", "de", "es", "pt", "it", "nl", "fi", "sv", "da", "no", "nb",
		"nn", "is", "pl", "cs", "sk", "sl", "hr", "bs", "ro", "hu", "tr", "az",
		"id", "ms", "tl", "vi", "sq", "et", "lv", "lt", "ca", "eu", "gl", "ga",
		"cy", "mt", "sw", "so", "ha", "yo", "uz", "af":
		return true
	}
	return false
}

// resolveLink makes ref absolute against the first base that yields an
// absolute http(s) URL. Links with other schemes (javascript:, mailto:,
// data:) and unparsable links give "", as a reader cannot open them.
func resolveLink(ref string, bases ...*url.URL) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if !u.IsAbs() {
		for _, b := range bases {
			if b != nil && b.IsAbs() {
				u = b.ResolveReference(u)
				break
			}
		}
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	// url.Parse takes some hosts in a reference ("//::0") that it refuses
	// in the absolute URL they make: keep only what parses again.
	out := u.String()
	if _, err := url.Parse(out); err != nil {
		return ""
	}
	return out
}

// parseBase parses an absolute http(s) base URL, nil when s is not one.
func parseBase(s string) *url.URL {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil
	}
	return u
}

// dateLayouts are the shapes of dates seen in feeds and tickers that
// gofeed's parser does not already handle.
var dateLayouts = [...]string{
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// foreignMonths maps month and weekday abbreviations of Portuguese,
// Spanish and French feeds (UOL writes "Seg, 24 Set 2018") to English.
var foreignMonths = map[string]string{
	"jan": "Jan", "fev": "Feb", "mar": "Mar", "abr": "Apr", "mai": "May", "jun": "Jun",
	"jul": "Jul", "ago": "Aug", "set": "Sep", "out": "Oct", "nov": "Nov", "dez": "Dec",
	"ene": "Jan", "feb": "Feb", "may": "May", "sep": "Sep", "oct": "Oct", "dic": "Dec",
	"janv": "Jan", "févr": "Feb", "fév": "Feb", "avr": "Apr", "juin": "Jun",
	"juil": "Jul", "août": "Aug", "sept": "Sep", "déc": "Dec",
}

// parseLooseDate parses a date written in one of dateLayouts, also with
// Portuguese, Spanish or French month names and any weekday name. It
// returns the time in UTC and whether it succeeded.
func parseLooseDate(s string) (time.Time, bool) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}, false
	}
	if t, ok := tryLayouts(s); ok {
		return t, true
	}
	// Drop a leading weekday ("Seg, ") and translate the month name.
	if i := strings.IndexByte(s, ','); i > 0 && i <= 10 {
		s = strings.TrimSpace(s[i+1:])
	}
	f := strings.Fields(s)
	for i, w := range f {
		if en, ok := foreignMonths[strings.ToLower(strings.TrimSuffix(w, "."))]; ok {
			f[i] = en
			break
		}
	}
	s = strings.Join(f, " ")
	for _, l := range [...]string{"2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 MST", "2 Jan 2006 15:04 -0700", "2 Jan 2006"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func tryLayouts(s string) (time.Time, bool) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
