package feeds

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestDiscoverHub(t *testing.T) {
	for _, tc := range []struct {
		name, file, contentType, base string
		links                         []string
		kind                          Kind
		hubs                          []string
		self                          string
	}{{
		name: "rss atom10:link (FeedBurner)", file: "pt_jn_ultimas_iso8859-1_feedburner.rss",
		contentType: "application/rss+xml", base: "http://feeds.jn.pt/JN-ULTIMAS", kind: KindRSS,
		hubs: []string{"http://pubsubhubbub.appspot.com/"}, self: "http://feeds.jn.pt/JN-ULTIMAS",
	}, {
		name: "atom link, relative self", file: "derived/bn_amarbanglabd_atom_hub_link_added.atom",
		base: "http://www.amarbanglabd.com/rss", kind: KindRSS,
		hubs: []string{"https://pubsubhubbub.appspot.com/"}, self: "http://www.amarbanglabd.com/feeds",
	}, {
		// A self link without a hub is not read: there is nothing to
		// subscribe to, and most polls of most feeds are spared the read.
		name: "rss self only, not read", file: "en_bbc_world_2026-08-13T0424Z.rss",
		base: "https://feeds.bbci.co.uk/news/world/rss.xml", kind: KindRSS,
	}, {
		name: "no links, item links ignored", file: "bn_amarbanglabd_atom_rfc822dates_U+FFFD_2026-08-13T0927Z.atom",
		base: "http://www.amarbanglabd.com/feeds", kind: KindRSS,
	}, {
		name: "Link header before the document", file: "pt_jn_ultimas_iso8859-1_feedburner.rss",
		base: "http://feeds.jn.pt/JN-ULTIMAS", kind: KindRSS,
		links: []string{`<https://hub.example/a>; rel="hub", </feed>; rel="self"`, `<https://hub.example/b>; rel=hub`},
		hubs:  []string{"https://hub.example/a", "https://hub.example/b", "http://pubsubhubbub.appspot.com/"},
		self:  "http://feeds.jn.pt/feed",
	}, {
		name: "Link header on an html page", file: "en_cnn_international_homepage_2014.html",
		base: "https://edition.cnn.com/", kind: KindHTML,
		links: []string{`<https://hub.example/>; rel="hub"`},
		hubs:  []string{"https://hub.example/"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			body, _, err := DecodeBody(raw, tc.contentType, "")
			if err != nil {
				t.Fatal(err)
			}
			got := DiscoverHub(tc.links, body, tc.kind, tc.base)
			if !slices.Equal(got.Hubs, tc.hubs) || got.Self != tc.self {
				t.Errorf("DiscoverHub = %+v, want hubs %q self %q", got, tc.hubs, tc.self)
			}
			if got.Found() != (len(tc.hubs) > 0) {
				t.Errorf("Found() = %v with hubs %q", got.Found(), got.Hubs)
			}
		})
	}
}

func TestParseLinkHeader(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Link
	}{
		{`<https://h.example/>; rel="hub"`, []Link{{URL: "https://h.example/", Rel: "hub"}}},
		{`<https://h.example/>;rel=hub, <https://s.example/f>; title="a, b"; rel="self"`,
			[]Link{{URL: "https://h.example/", Rel: "hub"}, {URL: "https://s.example/f", Rel: "self"}}},
		{`<https://x.example/>; rel="hub self"`, []Link{{URL: "https://x.example/", Rel: "hub self"}}},
		{`<https://x.example/>`, []Link{{URL: "https://x.example/"}}},
		{`garbage`, nil},
		{`<unterminated; rel=hub`, nil},
		{``, nil},
	} {
		if got := ParseLinkHeader(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("ParseLinkHeader(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// FuzzDiscoverHub: nothing from the network makes discovery panic.
func FuzzDiscoverHub(f *testing.F) {
	f.Add(`<https://h.example/>; rel="hub"`, []byte(`<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="/h"/></feed>`))
	f.Add(`<`, []byte(`<rss><channel><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="hub" href="x"/>`))
	f.Fuzz(func(t *testing.T, link string, body []byte) {
		DiscoverHub([]string{link}, body, KindRSS, "https://example.org/feed")
	})
}

func TestMayAnnounceHub(t *testing.T) {
	tests := map[string]struct {
		doc  string
		want bool
	}{
		"hub link":               {`<rss><channel><atom:link rel="hub" href="h"/><item/></channel></rss>`, true},
		"upper case":             {`<rss><channel><atom:link rel="HUB" href="h"/></channel></rss>`, true},
		"hub only in an item":    {`<rss><channel><title>t</title><item><title>hub</title></item></channel></rss>`, false},
		"hub only in an entry":   {`<feed><title>t</title><entry><link rel="hub" href="h"/></entry></feed>`, false},
		"none":                   {`<rss><channel><atom:link rel="self" href="s"/><item/></channel></rss>`, false},
		"short":                  {`hu`, false},
		"pubsubhubbub namespace": {`<feed xmlns:ps="http://pubsubhubbub.appspot.com/"><entry/></feed>`, true},
	}
	for name, tc := range tests {
		if got := mayAnnounceHub([]byte(tc.doc)); got != tc.want {
			t.Errorf("%s: mayAnnounceHub = %t, want %t", name, got, tc.want)
		}
	}
}
