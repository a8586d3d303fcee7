package feeds

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	"github.com/mmcdole/gofeed/rss"
)

// parseFeed reads an RSS 0.9x/1.0/2.0, Atom, RDF or JSON Feed document
// with gofeed.
//
// Links: an item's link is resolved against the feed's own link and then
// the document URL. For FeedBurner feeds the feedburner:origLink is
// preferred to the "~r/" tracking redirect: it is the publisher's own URL,
// so it stays the same if the feed moves off FeedBurner and dedups against
// other sources linking the same article.
//
// Images: see feedImage, resolved against the item's link, the feed's
// link and the document URL.
//
// Dates: gofeed's parsed published (else updated) time, else the raw
// string parsed by parseLooseDate (Portuguese month names and the like).
//
// Only the limit newest items are kept (see newest): a document with more
// is first cut to them (cutFeed), since gofeed builds every item of a
// document in memory. It returns how many items were left out.
func parseFeed(body []byte, baseURL string, limit int) (raws []rawItem, omitted int, err error) {
	body, omitted = cutFeed(body, limit)
	feed, err := safeGofeed(body)
	if err != nil {
		return nil, 0, err
	}
	fc := newFeedContext(feed, baseURL)
	keep := newNewest[rawItem](limit)
	for _, fi := range feed.Items {
		if fi == nil {
			continue
		}
		r := fc.raw(fi)
		keep.add(r, r.published)
	}
	raws, more := keep.kept()
	return raws, omitted + more, nil
}

// feedContext is what the items of a gofeed document are read with
// besides themselves: the document URL, the feed's own link, its type and
// language.
type feedContext struct {
	docBase, feedBase *url.URL
	feedType, lang    string
}

func newFeedContext(feed *gofeed.Feed, baseURL string) feedContext {
	fc := feedContext{docBase: parseBase(baseURL), feedType: feed.FeedType, lang: feed.Language}
	if l := resolveLink(feed.Link, fc.docBase); l != "" {
		fc.feedBase = parseBase(l)
	}
	return fc
}

// raw makes the rawItem of one of the document's items.
func (fc feedContext) raw(fi *gofeed.Item) rawItem {
	r := rawItem{
		guid:       fi.GUID,
		title:      fi.Title,
		summary:    fi.Description,
		categories: fi.Categories,
		lang:       fc.lang,
	}
	if r.summary == "" {
		r.summary = fi.Content
	}
	link := feedburnerOrigLink(fi)
	if link == "" {
		link = fi.Link
	}
	if link == "" && len(fi.Links) > 0 {
		link = fi.Links[0]
	}
	r.link = resolveLink(link, fc.feedBase, fc.docBase)
	if img := feedImage(fi, fc.feedType); img != "" {
		r.image = imageURL(img, parseBase(r.link), fc.feedBase, fc.docBase)
	}
	r.published = itemTime(fi)
	return r
}

// cutFeed returns an RSS, RDF or Atom document with only its limit newest
// items (or entries) left, by the rule of newest, and how many it left
// out. It reads the document once with encoding/xml, leniently (HTML
// entities, unclosed elements), noting where each item starts and ends
// and its date (published, else updated), and copies the document without
// the other items' bytes; everything else is kept as it was, for gofeed.
//
// A document with at most limit items is returned as it is, and so is one
// that encoding/xml cannot read through (gofeed, more lenient, reads it
// whole as before) and a JSON Feed. Counting the item tags first keeps the
// cost of this pass off the documents of ordinary size.
func cutFeed(body []byte, limit int) ([]byte, int) {
	if bytes.Count(body, []byte("<item"))+bytes.Count(body, []byte("<entry")) <= limit {
		return body, 0
	}
	sc := &itemScan{keep: newNewest[feedSpan](limit), itemDepth: -1, firstStart: -1}
	if !sc.run(body) || sc.itemDepth >= 0 || sc.keep.seen() <= limit {
		return body, 0 // unreadable, an item left open, or few enough
	}
	spans, omitted := sc.keep.kept()
	return joinSpans(body, spans, sc.firstStart, sc.lastEnd), omitted
}

// feedSpan is where an item starts and ends in a document.
type feedSpan struct{ start, end int64 }

// itemScan follows a feed document's tokens, noting where each item
// starts and ends and its date (published, else updated).
type itemScan struct {
	keep       *newest[feedSpan]
	depth      int
	itemDepth  int // depth of the open item, -1 outside one
	cur        feedSpan
	field      string // the date element being read, "" for none
	text       []byte
	published  time.Time
	updated    time.Time
	firstStart int64 // -1 before the first item
	lastEnd    int64
}

// run reads body once with encoding/xml, leniently, and reports whether
// it could read it through.
func (sc *itemScan) run(body []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // already UTF-8
	for {
		start := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			sc.startElement(t, start)
		case xml.CharData:
			if sc.field != "" {
				sc.text = append(sc.text, t...)
			}
		case xml.EndElement:
			sc.endElement(d.InputOffset())
		}
	}
}

// startElement opens an item, or one of its date elements.
func (sc *itemScan) startElement(t xml.StartElement, start int64) {
	sc.depth++
	switch {
	case sc.itemDepth < 0 && (t.Name.Local == "item" || t.Name.Local == "entry"):
		sc.itemDepth, sc.cur = sc.depth, feedSpan{start: start}
		if sc.firstStart < 0 {
			sc.firstStart = start
		}
		sc.published, sc.updated = time.Time{}, time.Time{}
	case sc.itemDepth >= 0 && sc.depth == sc.itemDepth+1:
		switch t.Name.Local {
		case "pubDate", "published", "date", "issued", "updated", "modified":
			sc.field, sc.text = t.Name.Local, sc.text[:0]
		}
	}
}

// endElement closes a date element (noting the date) or an item (keeping
// it if it is among the newest); end is the offset after the element.
func (sc *itemScan) endElement(end int64) {
	if sc.field != "" && sc.depth == sc.itemDepth+1 {
		if tm, ok := parseLooseDate(string(sc.text)); ok {
			if sc.field == "updated" || sc.field == "modified" {
				sc.updated = tm
			} else if sc.published.IsZero() {
				sc.published = tm
			}
		}
		sc.field = ""
	}
	if sc.depth == sc.itemDepth {
		sc.cur.end = end
		date := sc.published
		if date.IsZero() {
			date = sc.updated
		}
		sc.keep.add(sc.cur, date)
		sc.itemDepth, sc.lastEnd = -1, sc.cur.end
	}
	sc.depth--
}

// joinSpans copies body without its items but those of spans: what comes
// before the first item, the spans (one a line), what follows the last.
func joinSpans(body []byte, spans []feedSpan, firstStart, lastEnd int64) []byte {
	size := firstStart + int64(len(body)) - lastEnd
	for _, sp := range spans {
		size += sp.end - sp.start + 1
	}
	out := make([]byte, 0, size)
	out = append(out, body[:firstStart]...)
	for _, sp := range spans {
		out = append(out, body[sp.start:sp.end]...)
		out = append(out, '\n')
	}
	out = append(out, body[lastEnd:]...)
	return out
}

// safeGofeed runs gofeed on body. gofeed is third-party code fed with
// bytes from the network: if it ever panics on a malformed document, the
// panic is turned into a parse error here (and in safeGofeedFormat), the
// one place it can happen, instead of taking down the poller.
func safeGofeed(body []byte) (feed *gofeed.Feed, err error) {
	defer func() {
		if p := recover(); p != nil {
			feed, err = nil, fmt.Errorf("feed parser failed: %v", p)
		}
	}()
	fp := gofeed.NewParser()
	fp.RSSTranslator = rssTranslator()
	feed, err = fp.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("read feed: %w", err)
	}
	return feed, nil
}

// rssTranslator is gofeed's RSS translator without its fallback for an
// item's picture, which parses the item's content and description as
// HTML documents for their first <img>: an RSS item's Item.Image is not
// read (feedImage), and that parse was a fifth of the memory a document's
// parse allocated.
func rssTranslator() gofeed.Translator {
	return &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
}

// detectionPeek is how many leading bytes gofeed's Parse reads to find
// the root element and so the format (gofeed.Parser.Parse).
const detectionPeek = 4096

// safeGofeedFormat is safeGofeed for a document whose root element the
// splitter has read (an Atom feed, else RSS or RDF, its start tag ending
// at rootEnd): it runs gofeed's parser of that format and its translator,
// without the detection pass, which reads the document's start a second
// time with a parser of its own. That pass decides as the splitter did
// when the root's start tag is within its peek and nothing before the
// root is read differently by the two (the format parsers drop C0
// control bytes, the detection does not; it skips a byte order mark and
// the like before the first '<', the format parsers do not): a document
// not of that kind goes to safeGofeed.
func safeGofeedFormat(body []byte, isAtom bool, rootEnd int64) (feed *gofeed.Feed, err error) {
	if rootEnd <= 0 || rootEnd >= detectionPeek || rootEnd > int64(len(body)) || !plainProlog(body[:rootEnd]) {
		return safeGofeed(body)
	}
	defer func() {
		if p := recover(); p != nil {
			feed, err = nil, fmt.Errorf("feed parser failed: %v", p)
		}
	}()
	if isAtom {
		var af *atom.Feed
		if af, err = (&atom.Parser{}).Parse(bytes.NewReader(body)); err == nil {
			feed, err = (&gofeed.DefaultAtomTranslator{}).Translate(af)
		}
	} else {
		var rf *rss.Feed
		if rf, err = (&rss.Parser{}).Parse(bytes.NewReader(body)); err == nil {
			feed, err = rssTranslator().Translate(rf)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read feed: %w", err)
	}
	return feed, nil
}

// plainProlog reports whether b, a document's start up to the end of its
// root's start tag, begins with '<' after ASCII white space and holds no
// C0 control byte but tab, LF and CR.
func plainProlog(b []byte) bool {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i == len(b) || b[i] != '<' {
		return false
	}
	for _, c := range b[i:] {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// feedburnerOrigLink returns the feedburner:origLink of an item, or "".
func feedburnerOrigLink(fi *gofeed.Item) string {
	for _, e := range fi.Extensions["feedburner"]["origLink"] {
		if v := strings.TrimSpace(e.Value); v != "" {
			return v
		}
	}
	return ""
}

// itemTime returns when an item was published (else updated), in UTC, or
// the zero time.
func itemTime(fi *gofeed.Item) time.Time {
	switch {
	case fi.PublishedParsed != nil:
		return fi.PublishedParsed.UTC()
	case fi.UpdatedParsed != nil:
		return fi.UpdatedParsed.UTC()
	}
	for _, s := range [...]string{fi.Published, fi.Updated} {
		if t, ok := parseLooseDate(s); ok {
			return t
		}
	}
	return time.Time{}
}
