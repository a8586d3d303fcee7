package feeds

import (
	"html"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
	xhtml "golang.org/x/net/html"
)

// MaxImageURLLength is the longest image URL (in bytes, once resolved)
// an item keeps; a longer one is left out, as Telegram would not fetch
// it.
const MaxImageURLLength = 2000

// imageURL makes ref, an image's URL as the document gives it (its
// entities already decoded by the document's parser), absolute against
// the first base that can: "" unless the result is an http(s) URL with a
// host, valid UTF-8, at most MaxImageURLLength bytes.
func imageURL(ref string, bases ...*url.URL) string {
	u := resolveLink(ref, bases...)
	if u == "" || len(u) > MaxImageURLLength || !utf8.ValidString(u) {
		return ""
	}
	return u
}

// feedImage returns the raw URL of a feed item's picture, by what gofeed
// parsed: the widest media:content that is an image (medium="image", an
// image/* type, or neither given and an image file name), directly or in
// a media:group; else the widest media:thumbnail; else the first
// enclosure (RSS enclosure, Atom link rel="enclosure", JSON Feed
// attachment) of an image type; else a JSON Feed item's image (or
// banner_image). gofeed's own Item.Image of an RSS item is not used: it
// falls back to the first <img> of the description, which is as often a
// tracking pixel or an advertisement as the article's picture.
func feedImage(fi *gofeed.Item, feedType string) string {
	media := fi.Extensions["media"]
	contents := media["content"]
	thumbs := media["thumbnail"]
	for _, g := range media["group"] {
		contents = append(contents, g.Children["content"]...)
		thumbs = append(thumbs, g.Children["thumbnail"]...)
	}
	if u := widest(contents, mediaIsImage); u != "" {
		return u
	}
	if u := widest(thumbs, func(ext.Extension) bool { return true }); u != "" {
		return u
	}
	for _, enc := range fi.Enclosures {
		if enc == nil || strings.TrimSpace(enc.URL) == "" {
			continue
		}
		t := strings.ToLower(strings.TrimSpace(enc.Type))
		if strings.HasPrefix(t, "image/") || (t == "" && imageFileName(enc.URL)) {
			return enc.URL
		}
	}
	if feedType == "json" && fi.Image != nil {
		return fi.Image.URL
	}
	return ""
}

// mediaIsImage reports whether a media:content element is a picture.
func mediaIsImage(e ext.Extension) bool {
	medium := strings.ToLower(strings.TrimSpace(e.Attrs["medium"]))
	typ := strings.ToLower(strings.TrimSpace(e.Attrs["type"]))
	switch {
	case medium != "":
		return medium == "image"
	case typ != "":
		return strings.HasPrefix(typ, "image/")
	}
	return imageFileName(e.Attrs["url"])
}

// widest returns the url of the element of es that ok accepts with the
// largest width attribute (the first of those without one when none has
// a width), or "".
func widest(es []ext.Extension, ok func(ext.Extension) bool) string {
	best, bestWidth := "", -1
	for _, e := range es {
		u := strings.TrimSpace(e.Attrs["url"])
		if u == "" || !ok(e) {
			continue
		}
		w, err := strconv.Atoi(strings.TrimSpace(e.Attrs["width"]))
		if err != nil || w < 0 {
			w = 0
		}
		if w > bestWidth {
			best, bestWidth = u, w
		}
	}
	return best
}

// imageFileName reports whether a URL's path names an image file by its
// extension.
func imageFileName(ref string) bool {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return false
	}
	switch strings.ToLower(path.Ext(u.Path)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif":
		return true
	}
	return false
}

// htmlImage returns the raw URL of the picture of an html item: the first
// element inside it that sel matches and that names one, by its src (a
// lazy-loading placeholder such as a data: URL does not count), else its
// data-src, else the first URL of its srcset; an element without any
// (a <picture> or <figure>) is looked into for an img or source that
// has one. The bases resolve relative URLs.
func htmlImage(item *goquery.Selection, sel cascadia.Selector, bases ...*url.URL) string {
	for _, n := range item.FindMatcher(sel).Nodes {
		if u := nodeImage(n, bases); u != "" {
			return u
		}
		for _, c := range goquery.NewDocumentFromNode(n).Find("img, source").Nodes {
			if u := nodeImage(c, bases); u != "" {
				return u
			}
		}
	}
	return ""
}

// nodeImage is the image URL an element names (see htmlImage), already
// resolved, or "".
func nodeImage(n *xhtml.Node, bases []*url.URL) string {
	for _, key := range [...]string{"src", "data-src", "srcset", "data-srcset"} {
		v, ok := attr(n, key)
		if !ok {
			continue
		}
		if strings.HasSuffix(key, "srcset") {
			v = srcsetFirst(v)
		}
		if u := imageURL(v, bases...); u != "" {
			return u
		}
	}
	return ""
}

// srcsetFirst returns the URL of the first candidate of a srcset
// attribute ("a.jpg 1x, b.jpg 2x" → "a.jpg"), as HTML reads it: leading
// white space and commas skipped, the URL up to the next white space,
// trailing commas removed. A URL may hold commas itself
// ("w_100,h_100/a.jpg").
func srcsetFirst(s string) string {
	s = strings.TrimLeft(s, " \t\n\r\f,")
	if i := strings.IndexAny(s, " \t\n\r\f"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, ",")
}

// styleImage returns the URL of the background-image of an inline style
// ("width:800px;background-image:url('https://…/a.jpg')"), unquoted, or
// "" when it has none. It reads the first url( after background-image or
// background, quoted with ' or " or not at all.
func styleImage(style string) string {
	lower := asciiLower(style) // same length as style: indexes carry over
	i := strings.Index(lower, "background-image")
	if i < 0 {
		if i = strings.Index(lower, "background"); i < 0 {
			return ""
		}
	}
	j := strings.Index(lower[i:], "url(")
	if j < 0 {
		return ""
	}
	rest := strings.TrimLeft(style[i+j+len("url("):], " \t\n\r\f")
	if rest == "" {
		return ""
	}
	if q := rest[0]; q == '\'' || q == '"' {
		end := strings.IndexByte(rest[1:], q)
		if end < 0 {
			return ""
		}
		return strings.TrimSpace(rest[1 : 1+end])
	}
	end := strings.IndexByte(rest, ')')
	if end < 0 {
		return ""
	}
	return strings.TrimSpace(rest[:end])
}

// asciiLower lowercases the ASCII letters of s only, so that the result
// has the length of s (strings.ToLower replaces invalid UTF-8 with the
// longer U+FFFD).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// jsonImage returns an image URL read from a JSON ticker: JSON strings
// carry no markup, so the HTML entities a CMS may have written into them
// ("…?w=640&amp;h=360") are decoded, once.
func jsonImage(v string) string {
	if strings.IndexByte(v, '&') >= 0 {
		v = html.UnescapeString(v)
	}
	return v
}
