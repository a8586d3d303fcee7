package feeds

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/feeds/feedtest"
)

func TestNewestRule(t *testing.T) {
	base := time.Date(2026, 8, 13, 4, 0, 0, 0, time.UTC)
	// dates are minutes after base, 0 for an undated item; want are the
	// positions kept.
	cases := []struct {
		name  string
		dates []int
		n     int
		want  []int
	}{
		{"newest first", []int{5, 4, 3, 2, 1}, 2, []int{0, 1}},
		{"oldest first", []int{1, 2, 3, 4, 5}, 2, []int{3, 4}},
		{"undated: the top", []int{0, 0, 0, 0}, 2, []int{0, 1}},
		{"newest by date in the middle", []int{3, 2, 9, 1}, 2, []int{0, 2}},
		{"newest by date at the bottom", []int{3, 2, 1, 9}, 1, []int{3}},
		{"undated above the dated: newest", []int{0, 5, 4, 3}, 2, []int{0, 1}},
		{"undated above the dated, oldest first: oldest", []int{0, 1, 2, 3, 4}, 2, []int{3, 4}},
		{"undated ranks after the item above it", []int{5, 0, 4, 3}, 2, []int{0, 1}},
		{"undated ranks after the item above it, oldest first", []int{1, 2, 0, 3}, 2, []int{2, 3}},
		{"equal dates: the top", []int{7, 7, 7, 7}, 2, []int{0, 1}},
		{"fewer than n", []int{1, 0, 2}, 5, []int{0, 1, 2}},
		{"n of 0", []int{1, 2}, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newNewest[int](c.n)
			for i, d := range c.dates {
				var at time.Time
				if d != 0 {
					at = base.Add(time.Duration(d) * time.Minute)
				}
				s.add(i, at)
			}
			got, omitted := s.kept()
			if !slices.Equal(got, c.want) && len(got)+len(c.want) > 0 {
				t.Errorf("kept %v, want %v", got, c.want)
			}
			if want := len(c.dates) - len(c.want); omitted != want {
				t.Errorf("omitted %d, want %d", omitted, want)
			}
		})
	}
}

func TestParseLimitKeepsTheNewestOfABigFeed(t *testing.T) {
	det, err := alerts.NewDetector(alerts.DefaultMarkers())
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000
	for _, c := range feedtest.Placements(n) {
		t.Run(c.Name, func(t *testing.T) {
			body := feedtest.BigBBC(t, n, c.Dated, c.At, feedtest.QuakeItem(c.New))
			items, omitted, err := ParseLimit(Source{ID: "bbc"}, body, "https://feeds.bbci.co.uk/news/world/rss.xml", det, MaxItems)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != MaxItems || omitted != n+1-MaxItems {
				t.Errorf("%d items, %d omitted; want %d, %d", len(items), omitted, MaxItems, n+1-MaxItems)
			}
			i := slices.IndexFunc(items, func(it Item) bool { return it.ID == "quake" })
			if i < 0 {
				t.Fatalf("the new item is not among the %d kept", len(items))
			}
			if !items[i].Urgent {
				t.Errorf("the new item is not urgent: %+v", items[i])
			}
			// The rest are the newest of the feed: big-0 … big-1998.
			kept := ids(items)
			if c.Dated && (!slices.Contains(kept, "big-1998") || slices.Contains(kept, "big-1999")) {
				t.Errorf("kept %s … %s, want big-0 … big-1998 and the new item", kept[0], kept[len(kept)-1])
			}
		})
	}
}

// bigJSON builds a JSON ticker of n items from the headlines of a real
// feed, newest first, one minute apart.
func bigJSON(t testing.TB, n int) []byte {
	t.Helper()
	raw, err := os.ReadFile("../testdata/en_bbc_world_2026-08-13T0424Z.rss")
	if err != nil {
		t.Fatal(err)
	}
	feed, err := Parse(Source{ID: "bbc"}, raw, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 8, 13, 4, 0, 0, 0, time.UTC).Unix()
	var b bytes.Buffer
	b.WriteString(`{"data":{"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		it := feed[i%len(feed)]
		fmt.Fprintf(&b, `{"id":"j-%d","title":%q,"url":%q,"time":%d}`, i, it.Title, it.Link, base-int64(i)*60)
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

func TestParseLimitJSONKeepsTheNewest(t *testing.T) {
	body := bigJSON(t, 5000)
	src := Source{ID: "ticker", Kind: KindJSON, Item: "data.items"}
	items, omitted, err := ParseLimit(src, body, "https://example.org/", nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 100 || omitted != 4900 || items[0].ID != "j-0" || items[99].ID != "j-99" {
		t.Errorf("%d items (%s … %s), %d omitted; want j-0 … j-99, 4900 omitted",
			len(items), items[0].ID, items[len(items)-1].ID, omitted)
	}
}

func TestParseLimitHTMLKeepsTheTop(t *testing.T) {
	body, err := os.ReadFile("../testdata/ticker_sana_synthetic.html")
	if err != nil {
		t.Fatal(err)
	}
	src := Source{ID: "sana", Kind: KindHTML, Item: ".news-ticker li"}
	all, err := Parse(src, body, "https://sana.sy/", nil)
	if err != nil {
		t.Fatal(err)
	}
	items, omitted, err := ParseLimit(src, body, "https://sana.sy/", nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	// 8 list items, one of them without a headline.
	if !slices.Equal(ids(items), ids(all[:3])) || omitted != 5 {
		t.Errorf("ParseLimit 3 = %d items, %d omitted; want the first 3 of %d, 5 omitted", len(items), omitted, len(all))
	}
}

// A document within the limit is parsed as it is.
func TestCutFeedLeavesASmallFeedAlone(t *testing.T) {
	for _, f := range []string{"en_bbc_world_2026-08-13T0424Z.rss", "bn_amarbanglabd_atom_rfc822dates_U+FFFD_2026-08-13T0927Z.atom"} {
		body, err := os.ReadFile("../testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if out, omitted := cutFeed(body, MaxItems); omitted != 0 || !bytes.Equal(out, body) {
			t.Errorf("%s: cut %d items", f, omitted)
		}
	}
}

// An Atom feed is cut by its entries' published dates.
func TestCutFeedAtom(t *testing.T) {
	body, err := os.ReadFile("../testdata/bn_amarbanglabd_atom_rfc822dates_U+FFFD_2026-08-13T0927Z.atom")
	if err != nil {
		t.Fatal(err)
	}
	all, err := Parse(Source{ID: "amar"}, body, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	items, omitted, err := ParseLimit(Source{ID: "amar"}, body, "", nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || omitted != len(all)-3 {
		t.Fatalf("%d items, %d omitted; want 3 of %d", len(items), omitted, len(all))
	}
	want, _ := Newest(all, 3)
	if !slices.EqualFunc(items, want, func(a, b Item) bool { return a.ID == b.ID }) {
		t.Errorf("kept %v, want the newest %v", ids(items), ids(want))
	}
}

func ids(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func FuzzCutFeed(f *testing.F) {
	for _, name := range []string{"en_bbc_world_2026-08-13T0424Z.rss", "bn_amarbanglabd_atom_rfc822dates_U+FFFD_2026-08-13T0927Z.atom"} {
		body, err := os.ReadFile("../testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Add([]byte("<rss><item><pubDate>x</pubDate></item><item></item><entry/></rss>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, omitted := cutFeed(body, 2)
		if omitted < 0 || (omitted == 0 && !bytes.Equal(out, body)) {
			t.Fatalf("omitted %d, document changed: %v", omitted, !bytes.Equal(out, body))
		}
		if omitted > 0 {
			if _, _, err := ParseLimit(Source{ID: "f"}, out, "", nil, 2); err != nil {
				if _, err2 := Parse(Source{ID: "f"}, body, "", nil); err2 == nil {
					t.Fatalf("the cut document does not parse (%v), the whole one does", err)
				}
			}
		}
	})
}

func BenchmarkParseBigRSS(b *testing.B) {
	body := feedtest.BigBBC(b, 20000, true, 0, "")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseLimit(Source{ID: "bbc"}, body, "", nil, MaxItems); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBigJSON(b *testing.B) {
	body := bigJSON(b, 100000)
	src := Source{ID: "ticker", Kind: KindJSON, Item: "data.items"}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseLimit(src, body, "", nil, MaxItems); err != nil {
			b.Fatal(err)
		}
	}
}
