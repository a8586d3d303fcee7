package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// SelectorError reports a selector field of a source that cannot be used:
// a CSS selector that does not compile, or a required field left empty.
type SelectorError struct {
	Field    string // "item", "text", "link", "marker" or "image"
	Selector string // the selector as configured
	Err      error  // why it cannot be used
}

func (e *SelectorError) Error() string {
	if e.Selector == "" {
		return fmt.Sprintf("%s selector: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("%s selector %q: %v", e.Field, e.Selector, e.Err)
}

// Unwrap returns the underlying error.
func (e *SelectorError) Unwrap() error { return e.Err }

// htmlSelectors are the compiled CSS selectors of an html source. text,
// link, marker and image are nil when not configured.
type htmlSelectors struct {
	item, text, link, marker, image cascadia.Selector
}

// compileSelectors compiles the CSS selectors of an html source. item is
// required; errors name the field and the selector.
func compileSelectors(src Source) (htmlSelectors, error) {
	var s htmlSelectors
	if strings.TrimSpace(src.Item) == "" {
		return s, &SelectorError{Field: "item", Err: errors.New("required for an html source")}
	}
	fields := [...]struct {
		name, sel string
		dst       *cascadia.Selector
	}{
		{"item", src.Item, &s.item},
		{"text", src.Text, &s.text},
		{"link", src.Link, &s.link},
		{"marker", src.Marker, &s.marker},
		{"image", src.Image, &s.image},
	}
	for _, f := range fields {
		if strings.TrimSpace(f.sel) == "" {
			continue
		}
		c, err := cascadia.Compile(f.sel)
		if err != nil {
			return s, &SelectorError{Field: f.name, Selector: f.sel, Err: err}
		}
		*f.dst = c
	}
	return s, nil
}

// parseHTML extracts the items of a ticker or headline list from a page.
//
//   - item (required) selects one element per item; matching nothing is an
//     error, since for a ticker it almost always means the page changed.
//   - text selects the headline inside an item (the text of every match,
//     joined by spaces); default: the item's whole text. An item in which
//     text matches nothing is skipped (an ad slot, an empty placeholder).
//   - link selects the element whose href is the link; default: the item
//     itself if it is an <a href>, else its first a[href]. Links are resolved
//     against <base href> (itself resolved against the page URL) and the
//     page URL.
//   - marker selects an element whose presence inside the item, or a match
//     on the item itself (".urgent"), marks it urgent; the marker element's
//     text is not part of the headline.
//   - image selects the element inside the item that holds its picture
//     (see htmlImage); default: no picture.
//
// script, style, noscript and template elements are removed first. The
// first time[datetime] in an item holding a date gives its published time;
// the page's <html lang> is the declared language.
//
// Only the limit newest items are kept (see newest); it returns how many
// were left out. The page itself is parsed whole. With elements, each
// item keeps its element's outer HTML, cut to MaxElementBytes.
func parseHTML(src Source, body []byte, baseURL string, limit int, elements bool) ([]rawItem, int, error) {
	sels, err := compileSelectors(src)
	if err != nil {
		return nil, 0, err
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("read html: %w", err)
	}
	doc.Find("script, style, noscript, template").Remove()

	pageBase := parseBase(baseURL)
	base := pageBase
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b := parseBase(resolveLink(href, pageBase)); b != nil {
			base = b
		}
	}
	lang, _ := doc.Find("html").First().Attr("lang")

	found := doc.FindMatcher(sels.item)
	if found.Length() == 0 {
		return nil, 0, fmt.Errorf("item selector %q matched no element", src.Item)
	}
	keep := newNewest[rawItem](limit)
	found.Each(func(_ int, item *goquery.Selection) {
		r := rawItem{lang: lang}
		if elements {
			r.element = outerHTML(item)
		}

		var markers map[*html.Node]bool
		if sels.marker != nil {
			if item.IsMatcher(sels.marker) {
				r.marker = "marker"
			} else if m := item.FindMatcher(sels.marker); m.Length() > 0 {
				markers = make(map[*html.Node]bool, m.Length())
				for _, n := range m.Nodes {
					markers[n] = true
				}
				r.marker = "marker"
				if t := CleanText(nodeText(m.Nodes[0], nil)); t != "" {
					r.marker = "marker:" + t
				}
			}
		}

		if sels.text != nil {
			parts := item.FindMatcher(sels.text)
			if parts.Length() == 0 {
				return
			}
			texts := make([]string, 0, parts.Length())
			for _, n := range parts.Nodes {
				texts = append(texts, nodeText(n, markers))
			}
			r.title = strings.Join(texts, " ")
		} else {
			r.title = nodeText(item.Nodes[0], markers)
		}

		r.link = resolveLink(itemHref(item, sels.link), base, pageBase)
		if sels.image != nil {
			r.image = htmlImage(item, sels.image, base, pageBase)
		}
		// The first time[datetime] that is a date: video promos also carry
		// a duration such as <time datetime="PT2M55S">.
		for _, n := range item.Find("time[datetime]").Nodes {
			dt, _ := attr(n, "datetime")
			if t, ok := parseLooseDate(dt); ok {
				r.published = t
				break
			}
		}
		keep.add(r, r.published)
	})
	raws, omitted := keep.kept()
	return raws, omitted, nil
}

// MaxElementBytes is about how much of an item's element Item.Element
// keeps: enough to see its structure and classes.
const MaxElementBytes = 300

// outerHTML is the item's element as HTML, cut at a character boundary
// to MaxElementBytes with an ellipsis.
func outerHTML(item *goquery.Selection) string {
	s, err := goquery.OuterHtml(item)
	if err != nil {
		return ""
	}
	if len(s) <= MaxElementBytes {
		return s
	}
	cut := MaxElementBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// itemHref returns the raw href of an item's link (see parseHTML).
func itemHref(item *goquery.Selection, link cascadia.Selector) string {
	if link != nil {
		for _, n := range item.FindMatcher(link).Nodes {
			if href, ok := attr(n, "href"); ok {
				return href
			}
		}
		return ""
	}
	if n := item.Nodes[0]; n.DataAtom == atom.A {
		if href, ok := attr(n, "href"); ok {
			return href
		}
	}
	href, _ := item.Find("a[href]").First().Attr("href")
	return href
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// nodeText returns the text under n, leaving out the subtrees rooted at
// the nodes in skip, with a space where a block-level element or <br>
// separates words. Unlike goquery's Text it does not glue the last word of
// one list item to the first of the next. Whitespace is collapsed later.
func nodeText(n *html.Node, skip map[*html.Node]bool) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if skip[n] {
			b.WriteByte(' ')
			return
		}
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.CommentNode:
			return
		case html.ElementNode:
			if hiddenElement(n.DataAtom) {
				return
			}
		}
		block := n.Type == html.ElementNode && blockElement(n.DataAtom)
		if block {
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			b.WriteByte(' ')
		}
	}
	walk(n)
	return b.String()
}
