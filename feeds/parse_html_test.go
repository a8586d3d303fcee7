package feeds

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// tickerBase is the page URL the synthetic SANA ticker is served from; its
// <base href="/ar/"> is resolved against it.
const tickerBase = "https://sana.sy/ar/?p=300"

// The real SANA banner line (seed_sana_ticker_page.txt), without the banner.
const sanaHeadline = "مصدر بجهاز الاستخبارات العامة لـ سانا: جهاز الاستخبارات العامة بالتعاون مع إدارة الأمن العام في ريف دمشق، ينجح بإحباط محاولة لتنظيم داعش القيام بتفجير داخل مقام السيدة زينب في محيط العاصمة دمشق"

// htmlCases covers every HTML page in testdata/ (the two legacy-encoded
// paragraphs are charset fixtures for the fetch side and have no items
// to find), with selectors that work on each page.
var htmlCases = map[string]feedCase{
	"bbc arabic homepage promos": {
		file: "ar_bbc_arabic_homepage_2022-06_prettyprinted.html",
		base: "https://www.bbc.com/arabic",
		src:  Source{Kind: KindHTML, Item: `[data-e2e="story-promo"]`, Text: "h3", Link: "h3 a"},
		n:    72,
		items: []wantItem{
			// Relative link made absolute; the time from <time dateTime>.
			{index: 0, title: "شلل في تونس وتوقف حركة الطيران مع دخول الإضراب العام حيز التنفيذ",
				link: "https://www.bbc.com/arabic/world-61825481", published: "2022-06-16T00:00:00Z", lang: "ar"},
			// &quot; entities; a headline broken across re-indented lines.
			{index: 1, title: `هل تغير زيارة بايدن للسعودية "نهج" إدراته تجاه الشرق الأوسط؟`},
			// The "live" label is part of the promo text; it is not urgency.
			{index: 5, title: `مباشر عفو رئاسي في مصر يشمل ثلاثة ممن أدينوا في قضية "أحداث مجلس الوزراء"، ورابع زلزال يضرب الخليج في أقل من 24 ساعة`,
				link: "https://www.bbc.com/arabic/live/61811893", published: "zero"},
			// A video promo as the page reads it to a screen reader.
			{index: 10, title: "فيديو, مصر وإسرائيل أكبر الرابحين من غاز المتوسط, المدة 2,55",
				link: "https://www.bbc.com/arabic/media-61814408", published: "2022-06-15T00:00:00Z"},
		},
	},
	"bbc arabic homepage, headline spans only": {
		// The visually hidden "فيديو, " prefix and ", المدة 2,55" suffix
		// (class evnljr50) and the "مباشر" label (class e1mbh0ka0) are
		// left out by the text selector.
		file: "ar_bbc_arabic_homepage_2022-06_prettyprinted.html",
		base: "https://www.bbc.com/arabic",
		src: Source{Kind: KindHTML, Item: `[data-e2e="story-promo"]`,
			Text: `h3 a span:not(:has(span)):not(.evnljr50):not(.e1mbh0ka0)`},
		n: 72,
		items: []wantItem{
			{index: 0, title: "شلل في تونس وتوقف حركة الطيران مع دخول الإضراب العام حيز التنفيذ"},
			{index: 5, title: `عفو رئاسي في مصر يشمل ثلاثة ممن أدينوا في قضية "أحداث مجلس الوزراء"، ورابع زلزال يضرب الخليج في أقل من 24 ساعة`},
			{index: 10, title: "مصر وإسرائيل أكبر الرابحين من غاز المتوسط", link: "https://www.bbc.com/arabic/media-61814408"},
		},
	},
	"cnn arabic article": {
		file: "ar_cnn_arabic_article_2013_syria.html",
		base: "http://arabic.cnn.com/2013/syria.2013/8/28/syria.rebels/index.html",
		src:  Source{Kind: KindHTML, Item: "h1:not(:has(img))"},
		n:    1,
		items: []wantItem{
			{index: 0, title: "معارضون يسيطرون على مخازن للصواريخ بريف دمشق", lang: "ar"},
		},
	},
	"aljazeera listing 01:04": {
		file: "en_aljazeera_listing_gonews_2023-10-07T0104Z.html",
		base: "https://ngnhng.github.io/gonews/aljazeera.html",
		src:  Source{Kind: KindHTML, Item: "article h2 a"},
		n:    25,
		items: []wantItem{
			{index: 0, title: "Her son was killed by the Colombian military. Now, she’s getting an apology",
				link: "https://www.aljazeera.com/news/2023/10/6/her-son-was-killed-by-the-colombian-military-now-shes-getting-an-apology?traffic_source=rss",
				lang: "en"},
		},
	},
	"aljazeera listing 12:26": {
		file: "en_aljazeera_listing_gonews_2023-10-07T1226Z.html",
		base: "https://ngnhng.github.io/gonews/aljazeera.html",
		src:  Source{Kind: KindHTML, Item: "article h2 a"},
		n:    25,
	},
	"reuters listing": {
		file: "en_reuters_agency_listing_gonews_2023-12-02.html",
		base: "https://ngnhng.github.io/gonews/reuters.html",
		src:  Source{Kind: KindHTML, Item: "article", Text: "h2", Link: "h2 a"},
		n:    10,
		items: []wantItem{
			{index: 0, title: "Barclays working on $1.25 bln cost plan, could cut up to 2,000 jobs",
				link: "https://www.reutersagency.com/en/reutersbest/article/barclays-working-on-1-25-bln-cost-plan-could-cut-up-to-2000-jobs/"},
		},
	},
	"cnn international 2014 (breaking-news trap)": {
		file: "en_cnn_international_homepage_2014.html",
		base: "http://edition.cnn.com/",
		src:  Source{Kind: KindHTML, Item: "ul.cnn_bulletbin > li", Link: "a"},
		n:    203,
		items: []wantItem{
			{index: 0, title: "Search for missing Algerie flight",
				link: "http://edition.cnn.com/video/data/2.0/video/world/2014/07/24/newday-air-algerie-flight-missing-ah5017.cnn.html?hpt=hp_t1",
				lang: "en"},
			{index: 2, title: "More remains to arrive in Netherlands",
				link: "http://edition.cnn.com/2014/07/24/world/europe/ukraine-malaysia-airlines-crash/index.html?hpt=hp_t2"},
		},
	},
	"ap hosted page headline": {
		file: "en_ap_hosted_news_page_meta_refresh.html",
		base: "http://hosted.ap.org/dynamic/stories/A/AS_AFGHANISTAN_ORLANDO_SHOOTER_FATHER",
		src:  Source{Kind: KindHTML, Item: "span.headline.entry-title"},
		n:    1,
		items: []wantItem{
			{index: 0, title: "Father of Orlando gunman known for rambling political videos", link: "", lang: "en"},
		},
	},
	"ap hosted page nav (entities)": {
		file: "en_ap_hosted_news_page_meta_refresh.html",
		base: "http://hosted.ap.org/dynamic/stories/A/AS_AFGHANISTAN_ORLANDO_SHOOTER_FATHER",
		src:  Source{Kind: KindHTML, Item: "li.menu-link > a"},
		n:    28,
		items: []wantItem{
			{index: 0, title: "Big Story", link: "http://bigstory.ap.org"},
			{index: 1, title: "Headlines", link: "http://hosted.ap.org/dynamic/fronts/HOME?SITE=AP&SECTION=HOME"},
		},
	},
	"sana ticker, marker element": {
		file: "ticker_sana_synthetic.html",
		base: tickerBase,
		src:  Source{Kind: KindHTML, Item: ".news-ticker li", Marker: ".badge"},
		n:    7,
		items: []wantItem{
			// The badge's text is left out of the headline and names the marker;
			// the link is resolved against <base href="/ar/">, itself resolved
			// against the page URL; the NBSP became a space.
			{index: 0, title: sanaHeadline, link: "https://sana.sy/?p=123", lang: "ar", urgent: true, marker: "marker:عــاجــل"},
			{index: 1, title: "الكرملين: علاقتنا مع دمشق استراتيجية", link: "https://sana.sy/ar/news/20025.htm"},
			// عاجل as a prefix and as a suffix in the text: banner removed.
			{index: 2, title: "كولر «يشرح» سبب تراجع أداء الأهلي أمام سيراميكا ويكشف موقف الإصابات في نهائي السوبر",
				urgent: true, marker: "عاجل"},
			{index: 3, title: "الزمالك ينتقد مستوى التحكيم في مباراة بيراميدز.. ويحذر من كارثة بنهائي السوبر",
				link: "https://www.masress.com/elaosboa/46646#2", urgent: true, marker: "عاجل"},
			// No عاجل: a negative case; RLM/LRM removed.
			{index: 4, title: "العربية: حماس وإسرائيل وافقا على وقف النار لمدة 60 يوما.. وترامب سيعلن التفاصيل"},
			// The banner inline in the link text, stretched with tatweel.
			{index: 5, link: "https://sana.sy/ar/?p=20025", urgent: true, marker: "عــاجــل"},
			// A javascript: link is no link.
			{index: 6, title: "هبوط طائرة في مطار بيروت وسط القصف الإسرائيلي العنيف", link: "", urgent: true, marker: "marker:عــاجــل"},
		},
		urgent: []int{0, 2, 3, 5, 6},
	},
	"sana ticker, class on the item": {
		file: "ticker_sana_synthetic.html",
		base: tickerBase,
		src:  Source{Kind: KindHTML, Item: ".news-ticker li", Text: "a", Marker: ".urgent"},
		n:    7,
		items: []wantItem{
			{index: 0, title: sanaHeadline, urgent: true, marker: "marker"},
			{index: 6, urgent: true, marker: "marker"},
		},
		urgent: []int{0, 2, 3, 5, 6},
	},
	"sana ticker, banner in the item text": {
		file: "ticker_sana_synthetic.html",
		base: tickerBase,
		src:  Source{Kind: KindHTML, Item: ".news-ticker li"},
		n:    7,
		items: []wantItem{
			// Without a marker selector the badge is text: «عــاجــل مصدر …»
			// is a banner, as on sana.sy.
			{index: 0, title: sanaHeadline, urgent: true, marker: "عــاجــل"},
			{index: 6, urgent: true, marker: "عــاجــل"},
		},
		urgent: []int{0, 2, 3, 5, 6},
	},
	"sana ticker, links as items": {
		file: "ticker_sana_synthetic.html",
		base: tickerBase,
		src:  Source{Kind: KindHTML, Item: ".news-ticker li > a"},
		n:    7,
		items: []wantItem{
			// The badge is outside the link: the first item is not urgent.
			{index: 0, title: sanaHeadline, link: "https://sana.sy/?p=123"},
		},
		urgent: []int{2, 3, 5},
	},
	"sana ticker, all urgent": {
		file: "ticker_sana_synthetic.html",
		base: tickerBase,
		src:  Source{Kind: KindHTML, Item: ".news-ticker li > a", AllUrgent: true},
		n:    7,
		items: []wantItem{
			{index: 0, title: sanaHeadline, urgent: true, marker: "all_urgent"},
			{index: 2, urgent: true, marker: "عاجل"},
		},
		urgent: []int{0, 1, 2, 3, 4, 5, 6},
	},
}

func TestParseHTMLFixtures(t *testing.T) { runFeedCases(t, htmlCases) }

// Every HTML page in testdata/ has a case above, except the two tiny
// legacy-encoded paragraphs, which are charset fixtures.
func TestParseHTMLFixturesCoverTestdata(t *testing.T) {
	checkCovered(t, htmlCases, []string{
		"ar_news_paragraph_windows-1256_no_charset.html",
		"ar_news_paragraph_iso-8859-6_no_charset.html",
	}, "*.html")
}

func TestParseHTMLBBCArabicLinks(t *testing.T) {
	_, items := parseCase(t, htmlCases["bbc arabic homepage promos"])
	for i, it := range items {
		if !strings.HasPrefix(it.Link, "https://www.bbc.com/arabic/") {
			t.Errorf("item %d link %q: want https://www.bbc.com/arabic/…", i, it.Link)
		}
		if strings.Contains(it.Title, "  ") || strings.Contains(it.Title, "\n") || strings.Contains(it.Title, "&quot;") {
			t.Errorf("item %d title not collapsed: %q", i, it.Title)
		}
	}
}

// The page ignores script, style, noscript and template content: the
// synthetic ticker hides "عاجل" in each of them.
func TestParseHTMLIgnoresHiddenElements(t *testing.T) {
	_, items := parseCase(t, feedCase{
		file: "ticker_sana_synthetic.html", base: tickerBase,
		src: Source{Kind: KindHTML, Item: "li, p, body > *"},
	})
	for _, it := range items {
		for _, hidden := range []string{"script text", "جافا سكريبت", "قالب لا يُعرض", "color:"} {
			if strings.Contains(it.Title, hidden) {
				t.Errorf("title %q contains hidden text %q", it.Title, hidden)
			}
		}
	}
}

func TestParseHTMLBaseHref(t *testing.T) {
	tests := map[string]struct {
		page, pageURL, want string
	}{
		"relative base":      {`<base href="/ar/"><li><a href="x/1">t</a></li>`, "https://sana.sy/en/p", "https://sana.sy/ar/x/1"},
		"absolute base":      {`<base href="https://cdn.example.org/n/"><li><a href="1">t</a></li>`, "https://sana.sy/", "https://cdn.example.org/n/1"},
		"no base":            {`<li><a href="../1">t</a></li>`, "https://sana.sy/a/b/c", "https://sana.sy/a/1"},
		"base is javascript": {`<base href="javascript:x"><li><a href="1">t</a></li>`, "https://sana.sy/a/", "https://sana.sy/a/1"},
		"item is the link":   {`<a class="i" href="/9">t</a>`, "https://sana.sy/a/", "https://sana.sy/9"},
		"no page url":        {`<li><a href="/1">t</a></li>`, "", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			item := "li"
			if strings.Contains(tc.page, `class="i"`) {
				item = "a.i"
			}
			items, err := Parse(Source{ID: "b", Kind: KindHTML, Item: item}, []byte(tc.page), tc.pageURL, detector(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 || items[0].Link != tc.want {
				t.Errorf("got %+v, want one item with link %q", items, tc.want)
			}
		})
	}
}

func FuzzParseHTML(f *testing.F) {
	for _, tc := range htmlCases {
		f.Add(fixture(f, tc.file))
	}
	f.Add([]byte(`<base href="//x"><ul><li class="urgent"><span class="badge">عاجل</span><a href="?p=1">x&amp;amp;y</a></li></ul>`))
	det := detector(f)
	srcs := []Source{
		{ID: "f1", Kind: KindHTML, Item: "li", Text: "a", Link: "a", Marker: ".badge, .urgent"},
		{ID: "f2", Kind: KindHTML, Item: "article h2 a, h3, h1"},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, src := range srcs {
			items, err := Parse(src, body, "https://example.org/a/", det)
			if err != nil {
				continue
			}
			ids := make(map[string]bool, len(items))
			for _, it := range items {
				if it.Title == "" || !utf8.ValidString(it.Title) {
					t.Fatalf("bad title %q", it.Title)
				}
				if it.Link != "" && !strings.HasPrefix(it.Link, "http") {
					t.Fatalf("link %q is not absolute", it.Link)
				}
				if ids[it.ID] {
					t.Fatalf("duplicate id %q", it.ID)
				}
				ids[it.ID] = true
			}
		}
	})
}

func BenchmarkParseHTML(b *testing.B) {
	det := detector(b)
	tc := htmlCases["bbc arabic homepage promos"]
	body := fixture(b, tc.file)
	src := tc.src
	src.ID = "bench"
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	n := 0
	for b.Loop() {
		items, err := Parse(src, body, tc.base, det)
		if err != nil {
			b.Fatal(err)
		}
		n = len(items)
	}
	reportPerItem(b, n, func() { _, _ = Parse(src, body, tc.base, det) })
}
