package feeds

import (
	"bytes"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aajil/aajil/alerts"
)

// itemCache keeps, for each source, the items of its last RSS or Atom
// document by a hash of each item element's bytes, so that the next
// document is parsed only in its new or changed items: a news feed's
// document usually differs from the one before by an item or two.
//
// The result is the one a full parse gives (ParseLimit): an item element
// is parsed again unless the same bytes were parsed in the last document
// under the same context (the prolog and the start tags enclosing the
// items; the document URL; the feed's link, language and type; the
// source's id, language and all_urgent; its detector). Whatever the
// splitter does not read exactly (splitFeed), a document of more than the
// limit's items, or an answer of gofeed that does not match the split is
// parsed whole. A source's entry holds only the items of its last
// document and goes when the source is removed (Forget) or answers 304.
type itemCache struct {
	seed maphash.Seed
	mu   sync.Mutex
	docs map[string]*docItems
	// parsed counts the item elements given to gofeed by incremental
	// parses, for tests.
	parsed atomic.Int64
}

// docItems are the finished items of a source's last document by the hash
// of their element, under the context key they were parsed with.
type docItems struct {
	key   docKey
	items map[uint64]candidate
}

// docKey is what an item's parse depends on besides its own bytes.
type docKey struct {
	split                       uint64 // feedSplit.ctx
	baseURL, feedLink, feedType string
	feedLang, srcLang           string
	allUrgent                   bool
	det                         *alerts.Detector
}

func newItemCache() *itemCache {
	return &itemCache{seed: maphash.MakeSeed(), docs: make(map[string]*docItems)}
}

// take removes and returns the entry of a source (nil when none): a
// document parsed at the same time (a push during a poll) goes without.
func (c *itemCache) take(id string) *docItems {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.docs[id]
	delete(c.docs, id)
	return d
}

func (c *itemCache) put(id string, d *docItems) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.docs[id] = d
}

// forget drops a source's entry.
func (c *itemCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.docs, id)
}

// len returns the number of sources with an entry.
func (c *itemCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.docs)
}

// parse is ParseLimit for src, reusing the items of the source's last
// document that are unchanged.
//
// Items are kept only for a source whose documents come one after the
// other: the first document (and the first after a 304, which forgets the
// source) is parsed whole and leaves a mark; a document that finds the
// mark, or items, keeps its items for the next. So a source that answers
// 304 between its changes holds no items (its next document is parsed
// whole, as it would be anyway), and one that sends a document at every
// poll has all but its new items parsed once.
func (c *itemCache) parse(src Source, body []byte, baseURL string, det *alerts.Detector, limit int) ([]Item, int, error) {
	if limit <= 0 {
		limit = MaxItems
	}
	prev := c.take(src.ID)
	if src.EffectiveKind() == KindRSS && bytes.Count(body, []byte("<item"))+bytes.Count(body, []byte("<entry")) <= limit {
		if prev == nil {
			c.put(src.ID, &docItems{})
		} else if split, ok := splitFeed(c.seed, body); ok {
			if items, next, ok := c.incremental(src, body, baseURL, det, split, prev); ok {
				c.put(src.ID, next)
				return items, 0, nil
			}
		}
	}
	return ParseLimit(src, body, baseURL, det, limit)
}

// incremental parses a split document, the items found in prev as they
// were. It reports false when the document is to be parsed whole.
func (c *itemCache) incremental(src Source, body []byte, baseURL string, det *alerts.Detector, split feedSplit, prev *docItems) ([]Item, *docItems, bool) {
	hashes := make([]uint64, len(split.spans))
	cands := make([]candidate, len(split.spans))
	known := make([]bool, len(split.spans))
	hits := 0
	for i, sp := range split.spans {
		hashes[i] = maphash.Bytes(c.seed, body[sp.start:sp.end])
		if prev.items != nil && prev.key.split == split.ctx {
			cands[i], known[i] = prev.items[hashes[i]]
			if known[i] {
				hits++
			}
		}
	}
	doc := body
	if hits > 0 {
		// The document without the items already known, nor the
		// channel's elements that no item is read with: gofeed reads the
		// channel's link and language and the new items only.
		size := int64(len(body)) + int64(len(split.spans)-hits)*maxDateGrowth
		for i, sp := range split.spans {
			if known[i] {
				size -= sp.end - sp.start
			}
		}
		for _, sp := range split.skip {
			size -= sp.end - sp.start
		}
		doc = make([]byte, 0, size)
		at := int64(0)
		cut := func(sp feedSpan) {
			doc = append(doc, body[at:sp.start]...)
			at = sp.end
		}
		k := 0
		for i, sp := range split.spans {
			for ; k < len(split.skip) && split.skip[k].start < sp.start; k++ {
				cut(split.skip[k])
			}
			cut(sp)
			if !known[i] {
				doc = appendFastDates(doc, body[sp.start:sp.end])
			}
		}
		for ; k < len(split.skip); k++ {
			cut(split.skip[k])
		}
		doc = append(doc, body[at:]...)
	}
	feed, err := safeGofeedFormat(doc, split.atom, split.rootEnd)
	if err != nil || len(feed.Items) != len(split.spans)-hits {
		return nil, nil, false
	}
	key := docKey{
		split: split.ctx, baseURL: baseURL, feedLink: feed.Link, feedType: feed.FeedType,
		feedLang: feed.Language, srcLang: src.Lang, allUrgent: src.AllUrgent, det: det,
	}
	if hits > 0 && key != prev.key {
		// The channel changed what its items are read with: all again.
		return c.incremental(src, body, baseURL, det, split, &docItems{})
	}
	c.parsed.Add(int64(len(feed.Items)))
	fc := newFeedContext(feed, baseURL)
	next := &docItems{key: key}
	if hits > 0 {
		// prev is this parse's own (taken from the cache): its map is
		// the next one, without the items the document no longer has.
		next.items = prev.items
		for h := range next.items {
			if !slices.Contains(hashes, h) {
				delete(next.items, h)
			}
		}
	} else {
		next.items = make(map[uint64]candidate, len(split.spans))
	}
	k := 0
	for i := range split.spans {
		if !known[i] {
			if fi := feed.Items[k]; fi != nil {
				cands[i] = finishOne(src, fc.raw(fi), det)
			}
			k++
		}
		next.items[hashes[i]] = cands[i]
	}
	return uniqueIDs(cands), next, true
}

// appendFastDates appends an item element to dst with each <pubDate>
// child of the RFC 1123 form in GMT or UTC ("Thu, 13 Aug 2026 03:28:56
// GMT", the common one) written with a numeric zone ("… +0000"): the same
// instant, which gofeed finds with the fourth of its date layouts instead
// of after the 150 it tries before its first layout with a zone name,
// each failure an allocated error. gofeed gives an item's parsed date in
// UTC either way; only the raw text it keeps (Item.Published, not read
// when the parsed date is there) differs. item is an element as splitFeed
// cuts them (well formed, no '<' in text): comments, CDATA sections and
// deeper elements are passed over as they are.
func appendFastDates(dst, item []byte) []byte {
	const open, end = "<pubDate>", "</pubDate>"
	depth, at := 0, 0
	for i := 0; i < len(item); {
		j := bytes.IndexByte(item[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := item[i:]
		// A comment, CDATA section or processing instruction is passed
		// over as splitFeed reads it.
		var from int
		var skip []byte
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			from, skip = 4, []byte("-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			skip = []byte("]]>")
		case bytes.HasPrefix(rest, []byte("<?")):
			skip = []byte("?>")
		}
		if skip != nil {
			k := bytes.Index(rest[from:], skip)
			if k < 0 {
				break
			}
			i += from + k + len(skip)
			continue
		}
		if len(rest) < 2 {
			break
		}
		if rest[1] == '/' {
			k := bytes.IndexByte(rest, '>')
			if k < 0 {
				break
			}
			depth--
			i += k + 1
			continue
		}
		_, k, selfClosing, ok := scanStartTag(rest)
		if !ok {
			break
		}
		if !selfClosing {
			depth++
		}
		if depth == 2 && bytes.HasPrefix(rest, []byte(open)) {
			text := rest[len(open):]
			if n := bytes.IndexByte(text, '<'); n >= 0 && bytes.HasPrefix(text[n:], []byte(end)) && gmtRFC1123(text[:n]) {
				zone := i + len(open) + n - len("GMT")
				dst = append(dst, item[at:zone]...)
				dst = append(dst, "+0000"...)
				at = zone + len("GMT")
			}
		}
		i += k
	}
	return append(dst, item[at:]...)
}

// maxDateGrowth is what appendFastDates may add to an item element of a
// usual size: one date, " GMT" written " +0000". More only grows the copy.
const maxDateGrowth = 2

// gmtRFC1123 reports whether text is a date of the form of time.RFC1123
// in GMT or UTC, nothing around it.
func gmtRFC1123(text []byte) bool {
	if len(text) != len("Mon, 02 Jan 2006 15:04:05 GMT") {
		return false
	}
	if z := string(text[len(text)-4:]); z != " GMT" && z != " UTC" {
		return false
	}
	_, err := time.Parse(time.RFC1123, string(text))
	return err == nil
}
