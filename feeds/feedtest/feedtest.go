// Package feedtest builds large feed documents for tests from real ones.
package feedtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	guidTag    = regexp.MustCompile(`<guid[^>]*>[^<]*</guid>`)
	pubDateTag = regexp.MustCompile(`<pubDate>[^<]*</pubDate>`)
)

// BigRSS builds an RSS document of n items from a real RSS document by
// repeating its items with distinct guids (big-0, big-1, …) and dates one
// minute apart going back from 2026-08-13 04:00 UTC (no dates when
// !dated).
// extra, when not empty, is an item inserted at position at (at ≥ n:
// after the last).
func BigRSS(real []byte, n int, dated bool, at int, extra string) ([]byte, error) {
	s := string(real)
	first, last := strings.Index(s, "<item>"), strings.LastIndex(s, "</item>")
	if first < 0 || last < first {
		return nil, errors.New("feedtest: the document has no <item>")
	}
	end := last + len("</item>")
	items := strings.SplitAfter(s[first:end], "</item>")
	items = items[:len(items)-1]
	newest := time.Date(2026, 8, 13, 4, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	b.WriteString(s[:first])
	for i := range n {
		if i == at && extra != "" {
			b.WriteString(extra)
		}
		it := guidTag.ReplaceAllString(items[i%len(items)], fmt.Sprintf(`<guid isPermaLink="false">big-%d</guid>`, i))
		date := ""
		if dated {
			date = "<pubDate>" + newest.Add(-time.Duration(i)*time.Minute).Format(time.RFC1123Z) + "</pubDate>"
		}
		b.WriteString(pubDateTag.ReplaceAllString(it, date))
	}
	if at >= n && extra != "" {
		b.WriteString(extra)
	}
	b.WriteString(s[end:])
	return b.Bytes(), nil
}

// QuakeTitle is the headline of QuakeItem, without its banner.
const QuakeTitle = "Earthquake of magnitude 7.2 strikes off the coast of Chile"

// QuakeItem is an urgent RSS item ("BREAKING: " + QuakeTitle, guid
// "quake"), dated one minute after the newest item of BigRSS, or undated.
func QuakeItem(dated bool) string {
	date := ""
	if dated {
		date = "<pubDate>Thu, 13 Aug 2026 04:01:00 +0000</pubDate>"
	}
	return `<item><title><![CDATA[BREAKING: ` + QuakeTitle + `]]></title>` +
		`<link>https://www.bbc.co.uk/news/articles/quake</link><guid isPermaLink="false">quake</guid>` + date + `</item>`
}

// BBCFile is the real RSS document, in the project's testdata/, that
// BigBBC repeats.
const BBCFile = "en_bbc_world_2026-08-13T0424Z.rss"

// BigBBC is BigRSS of BBCFile, read from ../testdata (the project's
// testdata/ as seen from a package's folder); it fails tb on an error.
func BigBBC(tb testing.TB, n int, dated bool, at int, extra string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", BBCFile))
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := BigRSS(raw, n, dated, at, extra)
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

// Placement is where a big feed lists a new item, and which of them are
// dated.
type Placement struct {
	Name  string
	Dated bool // the feed's items
	New   bool // the new item (QuakeItem(New))
	At    int  // the new item's position (≥ n: after the last)
}

// Placements are the places a new urgent item takes in a feed of n items
// that it must be kept from, however many the feed holds: the top, the
// middle and the bottom of a dated feed, the top of an undated one, and
// undated at the top of a dated one.
func Placements(n int) []Placement {
	return []Placement{
		{"top", true, true, 0},
		{"middle", true, true, n / 2},
		{"bottom", true, true, n},
		{"undated feed, top", false, false, 0},
		{"undated item at the top of a dated feed", true, false, 0},
	}
}
