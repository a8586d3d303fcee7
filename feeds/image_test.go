package feeds

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// The real feeds of testdata/ that carry pictures give each item its
// own: BBC a media:thumbnail, the Guardian two media:content of which
// the wider is taken (its &amp; decoded once), the NYT a
// media:content medium="image" (not on every item), Asharq Al-Awsat and
// SANA an enclosure of an image type (SANA's with raw Arabic in the
// path). The feeds without pictures give none.
func TestFeedImagesInFixtures(t *testing.T) {
	tests := map[string]struct {
		withImage int            // items with an image
		images    map[int]string // index → image
		prefix    string         // every image starts with it
	}{
		"bbc world 04:24": {withImage: 28, prefix: "https://ichef.bbci.co.uk/ace/standard/240/", images: map[int]string{
			0: "https://ichef.bbci.co.uk/ace/standard/240/cpsprodpb/3190/live/fb878e50-966e-11f1-870d-5d08c49babb2.jpg",
		}},
		"guardian us (escaped markup)": {withImage: 55, prefix: "https://i.guim.co.uk/img/media/", images: map[int]string{
			0: "https://i.guim.co.uk/img/media/b73c8752cd4667c923dff7f1542f1fb20089e421/0_108_3000_1799/master/3000.jpg?w=460&q=55&auto=format&usm=12&fit=max&s=a606a273a90104e57b1e09bc4c0a1e11",
		}},
		"nyt homepage": {withImage: 26, prefix: "https://static01.nyt.com/images/", images: map[int]string{
			0: "https://static01.nyt.com/images/2026/08/12/multimedia/12int-ukraine-ports-01-lvhk/12int-ukraine-ports-01-lvhk-mediumSquareAt3X-v2.jpg",
		}},
		"asharq al-awsat": {withImage: 15, prefix: "https://static.srpcdigital.com/styles/1200x600/public/", images: map[int]string{
			0: "https://static.srpcdigital.com/styles/1200x600/public/2026-03/1454850.jpeg.webp",
		}},
		"sana.fi and sana.sy merged": {withImage: 15, prefix: "https://", images: map[int]string{
			0: "https://sana.fi/wp-content/uploads/2026/02/patukka-saarna.jpg",
			8: "https://cdn.sananews.sy/2026/03/%D9%85%D8%B6%D9%8A%D9%82-%D9%87%D8%B1%D9%85%D8%B2.png",
		}},
		"aljazeera arabic with عاجل":              {withImage: 0},
		"aljazeera english 04:24 (no prolog)":     {withImage: 0},
		"amarbangla atom (rfc-822 dates, U+FFFD)": {withImage: 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tc, ok := rssCases[name]
			if !ok {
				t.Fatalf("no rss case %q", name)
			}
			_, items := parseCase(t, tc)
			n := 0
			for i, it := range items {
				if it.Image == "" {
					continue
				}
				n++
				if !strings.HasPrefix(it.Image, tt.prefix) {
					t.Errorf("item %d image %q: want prefix %q", i, it.Image, tt.prefix)
				}
			}
			if n != tt.withImage {
				t.Errorf("got %d items with an image, want %d", n, tt.withImage)
			}
			for i, want := range tt.images {
				if got := items[i].Image; got != want {
					t.Errorf("item %d image:\n got %q\nwant %q", i, got, want)
				}
			}
		})
	}
}

// The other places a feed names a picture, as gofeed parses them.
func TestFeedImageForms(t *testing.T) {
	const rss = `<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title><link>https://news.example.org/</link><item><title>Headline one</title><link>https://news.example.org/a/1</link>%s</item></channel></rss>`
	tests := map[string]struct {
		doc, want string
	}{
		"media:group": {doc: strings.Replace(rss, "%s",
			`<media:group><media:content url="https://img.example.org/s.jpg" medium="image" width="200"/><media:content url="https://img.example.org/l.jpg" medium="image" width="1200"/></media:group>`, 1),
			want: "https://img.example.org/l.jpg"},
		"a video content, then its thumbnail": {doc: strings.Replace(rss, "%s",
			`<media:content url="https://v.example.org/clip.mp4" type="video/mp4"/><media:thumbnail url="https://v.example.org/clip.jpg"/>`, 1),
			want: "https://v.example.org/clip.jpg"},
		"relative enclosure, against the item's link": {doc: strings.Replace(rss, "%s",
			`<enclosure url="../img/p.png" type="image/png" length="0"/>`, 1),
			want: "https://news.example.org/img/p.png"},
		"an audio enclosure is no picture": {doc: strings.Replace(rss, "%s",
			`<enclosure url="https://news.example.org/a.mp3" type="audio/mpeg" length="1"/>`, 1)},
		"an enclosure without a type, by its name": {doc: strings.Replace(rss, "%s",
			`<enclosure url="https://news.example.org/p.JPG?x=1" length="1"/>`, 1),
			want: "https://news.example.org/p.JPG?x=1"},
		"an img in the description is not taken": {doc: strings.Replace(rss, "%s",
			`<description>&lt;img src="https://ads.example.org/pixel.gif"&gt; text</description>`, 1)},
		"javascript is no picture": {doc: strings.Replace(rss, "%s",
			`<media:thumbnail url="javascript:alert(1)"/>`, 1)},
		"protocol-relative": {doc: strings.Replace(rss, "%s",
			`<media:thumbnail url="//cdn.example.org/t.jpg"/>`, 1),
			want: "https://cdn.example.org/t.jpg"},
		"atom link rel=enclosure": {
			doc: `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link href="https://news.example.org/"/>` +
				`<entry><id>tag:1</id><title>Headline one</title><link rel="alternate" href="https://news.example.org/a/1"/>` +
				`<link rel="enclosure" type="image/jpeg" href="/img/a&amp;b.jpg"/></entry></feed>`,
			want: "https://news.example.org/img/a&b.jpg"},
		"json feed image": {
			doc:  `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","url":"https://news.example.org/a/1","title":"Headline one","image":"/i/1.webp"}]}`,
			want: "https://news.example.org/i/1.webp"},
		"json feed banner_image": {
			doc:  `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","url":"https://news.example.org/a/1","title":"Headline one","banner_image":"https://news.example.org/b.png"}]}`,
			want: "https://news.example.org/b.png"},
		"json feed image attachment": {
			doc:  `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","url":"https://news.example.org/a/1","title":"Headline one","attachments":[{"url":"https://news.example.org/c.gif","mime_type":"image/gif"}]}]}`,
			want: "https://news.example.org/c.gif"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			checkImage(t, Source{ID: "f"}, tt.doc, "https://news.example.org/feed", tt.want)
		})
	}
}

// checkImage parses a document of one item and checks its image.
func checkImage(t *testing.T, src Source, doc, base, want string) {
	t.Helper()
	items, err := Parse(src, []byte(doc), base, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 {
		t.Fatalf("got %d items, want 1", len(items))
	}
	if got := items[0].Image; got != want {
		t.Errorf("image:\n got %q\nwant %q", got, want)
	}
}

func TestHTMLImage(t *testing.T) {
	tests := map[string]struct {
		page, image, want string
	}{
		"src, relative":              {`<li><a href="/1">t</a><img src="/i/1.jpg"></li>`, "img", "https://sana.sy/i/1.jpg"},
		"placeholder src, data-src":  {`<li><a href="/1">t</a><img src="data:image/gif;base64,R0lGOD" data-src="https://cdn.sana.sy/1.jpg"></li>`, "img", "https://cdn.sana.sy/1.jpg"},
		"srcset's first URL":         {`<li><a href="/1">t</a><img srcset=" https://c.example.org/w_100,h_100/a.jpg 1x, https://c.example.org/b.jpg 2x"></li>`, "img", "https://c.example.org/w_100,h_100/a.jpg"},
		"a picture element":          {`<li><a href="/1">t</a><picture class="p"><source srcset="/a.webp 1x"><img src="/a.jpg"></picture></li>`, ".p", "https://sana.sy/a.webp"},
		"entities decoded once":      {`<li><a href="/1">t</a><img src="/i.jpg?a=1&amp;amp;b=2"></li>`, "img", "https://sana.sy/i.jpg?a=1&amp;b=2"},
		"no match":                   {`<li><a href="/1">t</a></li>`, "img", ""},
		"against base href":          {`<base href="https://cdn.example.org/n/"><li><a href="/1">t</a><img src="p.png"></li>`, "img", "https://cdn.example.org/n/p.png"},
		"no image field, no picture": {`<li><a href="/1">t</a><img src="/i/1.jpg"></li>`, "", ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			checkImage(t, Source{ID: "h", Kind: KindHTML, Item: "li", Image: tt.image}, tt.page, "https://sana.sy/", tt.want)
		})
	}
}

func TestJSONImage(t *testing.T) {
	const doc = `{"items":[{"title":"Headline one","url":"https://sana.sy/n/1","image":"/i/1.jpg","media":{"src":"https://c.example.org/p.jpg?w=640&amp;h=360"}}]}`
	tests := map[string]struct {
		doc, path, want string
	}{
		"default path, relative":    {doc: doc, want: "https://sana.sy/i/1.jpg"},
		"a path, &amp; decoded":     {doc: doc, path: "media.src", want: "https://c.example.org/p.jpg?w=640&h=360"},
		"JSONPath form":             {doc: doc, path: "$.media.src", want: "https://c.example.org/p.jpg?w=640&h=360"},
		"image_url":                 {doc: `{"items":[{"title":"Headline one","image_url":"https://c.example.org/u.png"}]}`, want: "https://c.example.org/u.png"},
		"decoded once only":         {doc: `{"items":[{"title":"Headline one","image":"https://c.example.org/u.png?a&amp;amp;b"}]}`, want: "https://c.example.org/u.png?a&amp;b"},
		"an object is no URL":       {doc: doc, path: "media", want: ""},
		"a missing path":            {doc: doc, path: "nothing", want: ""},
		"ftp is refused":            {doc: `{"items":[{"title":"Headline one","image":"ftp://c.example.org/u.png"}]}`, want: ""},
		"an overlong URL is left":   {doc: `{"items":[{"title":"Headline one","image":"https://c.example.org/` + strings.Repeat("a", MaxImageURLLength) + `"}]}`, want: ""},
		"no link: the ticker's URL": {doc: `{"items":[{"title":"Headline one","image":"p.jpg"}]}`, want: "https://sana.sy/api/p.jpg"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			checkImage(t, Source{ID: "j", Kind: KindJSON, Item: "items", Image: tt.path}, tt.doc, "https://sana.sy/api/ticker.json", tt.want)
		})
	}
}

// A Telegram post's photo is its image; the emoji of its text (drawn
// with a background-image too) are not.
func TestTelegramImage(t *testing.T) {
	items, err := Parse(Source{ID: "tg", Kind: KindTelegram}, tgPage(t, tgFixture), "https://t.me/s/"+tgChannel, detector(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"https://t.me/example_news/1004": "https://cdn4.cdn-telegram.org/file/example1004.jpg"}
	for _, it := range items {
		if got := it.Image; got != want[it.ID] {
			t.Errorf("post %s image: got %q, want %q", it.ID, got, want[it.ID])
		}
	}
}

func TestStyleImage(t *testing.T) {
	tests := map[string]string{
		"width:800px;background-image:url('https://c.example.org/a.jpg')": "https://c.example.org/a.jpg",
		`background-image: url("//c.example.org/b.jpg")`:                  "//c.example.org/b.jpg",
		"background:#000 url(https://c.example.org/c.jpg) no-repeat":      "https://c.example.org/c.jpg",
		"BACKGROUND-IMAGE:URL( 'x.png' )":                                 "x.png",
		"background-image:url('https://c.example.org/unclosed":            "",
		"width:100px":                   "",
		"background-image:none":         "",
		"background-image:url(":         "",
		"background-image:url(unclosed": "",
	}
	for style, want := range tests {
		if got := styleImage(style); got != want {
			t.Errorf("styleImage(%q) = %q, want %q", style, got, want)
		}
	}
}

func TestSrcsetFirst(t *testing.T) {
	tests := map[string]string{
		"a.jpg 1x, b.jpg 2x":           "a.jpg",
		" ,a.jpg":                      "a.jpg",
		"https://c/w_1,h_2/a.jpg 100w": "https://c/w_1,h_2/a.jpg",
		"a.jpg,b.jpg":                  "a.jpg,b.jpg",
		"a.jpg, b.jpg 2x":              "a.jpg",
		"":                             "",
		"\n":                           "",
	}
	for in, want := range tests {
		if got := srcsetFirst(in); got != want {
			t.Errorf("srcsetFirst(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzImageURL feeds the string readers of image URLs (an inline style,
// a srcset, a JSON value) with anything: they never panic, and what
// imageURL keeps is an absolute http(s) URL with a host, valid UTF-8,
// within MaxImageURLLength.
func FuzzImageURL(f *testing.F) {
	for _, s := range []string{
		"width:800px;background-image:url('https://cdn4.cdn-telegram.org/file/example1004.jpg')",
		`background-image:url("//telegram.org/img/emoji/40/F09F94B4.png")`,
		"a.jpg 1x, b.jpg 2x", "https://c/w_1,h_2/a.jpg 100w",
		"/i.jpg?a=1&amp;b=2", "javascript:alert(1)", "data:image/gif;base64,R0", "http://[::1", "\xff",
	} {
		f.Add(s)
	}
	base, _ := url.Parse("https://t.me/s/example_news")
	f.Fuzz(func(t *testing.T, s string) {
		for _, raw := range []string{styleImage(s), srcsetFirst(s), jsonImage(s), s} {
			u := imageURL(raw, base)
			if u == "" {
				continue
			}
			p, err := url.Parse(u)
			if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
				t.Fatalf("imageURL(%q) = %q: not an absolute http(s) URL", raw, u)
			}
			if len(u) > MaxImageURLLength || !utf8.ValidString(u) {
				t.Fatalf("imageURL(%q) = %q: too long or not UTF-8", raw, u)
			}
		}
	})
}
