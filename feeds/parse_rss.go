package feeds

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
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
// Dates: gofeed's parsed published (else updated) time, else the raw
// string parsed by parseLooseDate (Portuguese month names and the like).
func parseFeed(body []byte, baseURL string) (raws []rawItem, err error) {
	feed, err := safeGofeed(body)
	if err != nil {
		return nil, err
	}
	docBase := parseBase(baseURL)
	var feedBase *url.URL
	if l := resolveLink(feed.Link, docBase); l != "" {
		feedBase = parseBase(l)
	}
	raws = make([]rawItem, 0, len(feed.Items))
	for _, fi := range feed.Items {
		if fi == nil {
			continue
		}
		r := rawItem{
			guid:       fi.GUID,
			title:      fi.Title,
			summary:    fi.Description,
			categories: fi.Categories,
			lang:       feed.Language,
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
		r.link = resolveLink(link, feedBase, docBase)
		r.published = itemTime(fi)
		raws = append(raws, r)
	}
	return raws, nil
}

// safeGofeed runs gofeed on body. gofeed is third-party code fed with
// bytes from the network: if it ever panics on a malformed document, the
// panic is turned into a parse error here, the one place it can happen,
// instead of taking down the poller.
func safeGofeed(body []byte) (feed *gofeed.Feed, err error) {
	defer func() {
		if p := recover(); p != nil {
			feed, err = nil, fmt.Errorf("feed parser failed: %v", p)
		}
	}()
	feed, err = gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("read feed: %w", err)
	}
	return feed, nil
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
