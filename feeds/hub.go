package feeds

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
)

// HubLinks are the WebSub (PubSubHubbub) links a feed announces: the hubs
// that push its updates and the URL it names as itself, the topic to
// subscribe to. Both are empty when the feed announces none.
type HubLinks struct {
	// Hubs are the hub URLs, in the order found, without repeats.
	Hubs []string
	// Self is the feed's canonical URL (rel="self"), the topic; empty
	// when not announced. A document's own self link is read only when
	// a hub may be announced (mayAnnounceHub): without a hub there is
	// nothing to subscribe to.
	Self string
}

// Found reports whether at least one hub is announced.
func (h HubLinks) Found() bool { return len(h.Hubs) > 0 }

// atomNS is the Atom namespace, in which RSS feeds write their
// <atom:link rel="hub"> elements.
const atomNS = "http://www.w3.org/2005/Atom"

// maxHubs bounds the hubs kept from one document: a feed naming more is
// odd, and each is a subscription to manage.
const maxHubs = 4

// DiscoverHub finds the WebSub links of a fetched document: the HTTP Link
// headers first (linkHeaders, the values of every Link header), then, for
// an RSS or Atom document (kind KindRSS), the feed-level <link> elements
// of an Atom feed and the <atom:link> elements of an RSS channel. Item and
// entry links are not looked at: the document is read only up to its
// first item. Relative URLs are resolved against baseURL. It never fails:
// what cannot be read is ignored.
func DiscoverHub(linkHeaders []string, body []byte, kind Kind, baseURL string) HubLinks {
	var h HubLinks
	base := parseBase(baseURL)
	add := func(rel, href string) {
		if href = resolveLink(href, base); href == "" {
			return
		}
		for _, r := range strings.Fields(strings.ToLower(rel)) {
			switch r {
			case "hub":
				if len(h.Hubs) < maxHubs && !contains(h.Hubs, href) {
					h.Hubs = append(h.Hubs, href)
				}
			case "self":
				if h.Self == "" {
					h.Self = href
				}
			}
		}
	}
	for _, v := range linkHeaders {
		for _, l := range ParseLinkHeader(v) {
			add(l.Rel, l.URL)
		}
	}
	if kind == KindRSS && (len(h.Hubs) > 0 || mayAnnounceHub(body)) {
		documentLinks(body, add)
	}
	return h
}

// mayAnnounceHub reports whether the feed-level part of a document (up to
// its first item or entry) holds the letters "hub" in any case: a
// document without them announces no hub, and its self link matters
// only beside a hub, so it is not read (most polls of most feeds).
func mayAnnounceHub(body []byte) bool {
	head := body
	for _, tag := range [][]byte{[]byte("<item"), []byte("<entry")} {
		if i := bytes.Index(head, tag); i >= 0 {
			head = head[:i]
		}
	}
	for i := 0; i+3 <= len(head); i++ {
		if head[i]|0x20 == 'h' && head[i+1]|0x20 == 'u' && head[i+2]|0x20 == 'b' {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// documentLinks calls add for each feed-level link of an Atom feed and
// each atom:link of an RSS channel, stopping at the first item or entry.
func documentLinks(body []byte, add func(rel, href string)) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	// The body is UTF-8 already, whatever its declaration says.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	depth := 0
	atomRoot := false
	for {
		tok, err := d.Token()
		if err != nil {
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			name := strings.ToLower(t.Name.Local)
			if depth == 1 {
				atomRoot = name == "feed"
			}
			switch {
			case name == "item" || name == "entry":
				return
			case name == "link" && (t.Name.Space == atomNS || atomRoot && t.Name.Space == ""):
				var rel, href string
				for _, a := range t.Attr {
					switch strings.ToLower(a.Name.Local) {
					case "rel":
						rel = a.Value
					case "href":
						href = a.Value
					}
				}
				add(rel, href)
			}
		case xml.EndElement:
			depth--
		}
	}
}

// Link is one link of an HTTP Link header (RFC 8288): its target and its
// rel parameter (possibly several relation types separated by spaces).
type Link struct {
	URL string
	Rel string
}

// ParseLinkHeader reads the links of one Link header value, such as
// `<https://hub.example/>; rel="hub", <https://example.org/feed>; rel=self`.
// Links that cannot be read are skipped.
func ParseLinkHeader(v string) []Link {
	var out []Link
	for v != "" {
		start := strings.IndexByte(v, '<')
		if start < 0 {
			break
		}
		end := strings.IndexByte(v[start:], '>')
		if end < 0 {
			break
		}
		l := Link{URL: v[start+1 : start+end]}
		v = v[start+end+1:]
		// The parameters run to the next comma outside quotes.
		params, rest := splitParams(v)
		v = rest
		for _, p := range strings.Split(params, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "rel") {
				l.Rel = strings.Trim(strings.TrimSpace(val), `"`)
			}
		}
		out = append(out, l)
	}
	return out
}

// splitParams splits s at the first comma outside double quotes.
func splitParams(s string) (params, rest string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				return s[:i], s[i+1:]
			}
		}
	}
	return s, ""
}
