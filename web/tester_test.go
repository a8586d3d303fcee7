package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aajil/aajil/store"
)

func TestTester(t *testing.T) {
	h := newHarness(t, false)
	sid := h.login(admin)
	tests := map[string]struct {
		form       url.Values
		wantStatus int
		want       []string
	}{
		"rss": {form: url.Values{"url": {h.feeds.URL + "/rss"}, "kind": {"rss"}}, wantStatus: http.StatusOK,
			want: []string{"Items found:", `<tr class="urgent">`, "https://www.aljazeera.net/"}},
		"html ticker": {form: url.Values{"url": {h.feeds.URL + "/ticker"}, "kind": {"html"}, "item": {".news-ticker li"}, "text": {"a"}, "link": {"a"}, "marker": {".urgent, .badge"}},
			wantStatus: http.StatusOK,
			want: []string{"الكرملين: علاقتنا مع دمشق استراتيجية", `<tr class="urgent">`, "yes: <bdi>the marker selector</bdi>",
				`<pre class="element"><code>&lt;li class=&#34;urgent&#34; data-id=&#34;123&#34;&gt;`, `value=".news-ticker li"`}},
		"html, selector matching nothing": {form: url.Values{"url": {h.feeds.URL + "/ticker"}, "kind": {"html"}, "item": {".nothing li"}},
			wantStatus: http.StatusUnprocessableEntity, want: []string{"probe failed", "matched no element", `value=".nothing li"`}},
		"bad selector": {form: url.Values{"url": {h.feeds.URL + "/ticker"}, "kind": {"html"}, "item": {"li[["}},
			wantStatus: http.StatusUnprocessableEntity, want: []string{"<code>item</code>"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp := h.post("/admin/tester", sid, tc.form)
			if resp.status != tc.wantStatus {
				t.Fatalf("status %d, want %d; body:\n%s", resp.status, tc.wantStatus, resp.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(resp.body, w) {
					t.Errorf("result lacks %q", w)
				}
			}
		})
	}
	recs, err := h.st.Sources(context.Background())
	if err != nil || len(recs) != 0 {
		t.Errorf("the tester changed the registry: %d sources, %v", len(recs), err)
	}
}

// TestTesterSaveAsSource: the tester's "save as source" posts the same
// values to the add form; without an id the source gets the one made
// from its URL, as with /addfeed.
func TestTesterSaveAsSource(t *testing.T) {
	h := newHarness(t, false)
	sid := h.login(admin)
	page := h.post("/admin/tester", sid, url.Values{"url": {h.feeds.URL + "/rss"}})
	if !strings.Contains(page.body, `formaction="/admin/sources/add"`) {
		t.Fatal("the tester has no save-as-source button")
	}
	resp := h.post("/admin/sources/add", sid, url.Values{"url": {h.feeds.URL + "/rss"}})
	if _, ok := h.source("127-0-0-1"); resp.status != http.StatusSeeOther || !ok {
		t.Errorf("save without an id: status %d, added %v; want 303 and source 127-0-0-1", resp.status, ok)
	}
	resp = h.post("/admin/sources/add", sid, url.Values{"id": {"aj"}, "url": {h.feeds.URL + "/rss"}})
	if _, ok := h.source("aj"); resp.status != http.StatusSeeOther || !ok {
		t.Errorf("save with an id: status %d, added %v; want 303 and the source", resp.status, ok)
	}
}

// TestHostileHeadlinesAreInert: markup in headlines is text, and bidi
// controls are gone, on the tester's result.
func TestHostileHeadlinesAreInert(t *testing.T) {
	h := newHarness(t, false)
	sid := h.login(admin)
	resp := h.post("/admin/tester", sid, url.Values{"url": {h.feeds.URL + "/hostile"}})
	if resp.status != http.StatusOK {
		t.Fatalf("status %d; body:\n%s", resp.status, resp.body)
	}
	for _, bad := range []string{"<script>alert", "<img src=x", "onerror=alert(2)>", "\u202E", "\u202C"} {
		if strings.Contains(resp.body, bad) {
			t.Errorf("result holds %q", bad)
		}
	}
	for _, want := range []string{"<bdi>evil reversed headline</bdi>", "Gaza", "script&gt;alert(1)&lt;/script&gt;"} {
		if !strings.Contains(resp.body, want) {
			t.Errorf("result lacks %q", want)
		}
	}
	if n := strings.Count(resp.body, "<script"); n != 1 {
		t.Errorf("%d <script elements, want 1 (tester.js)", n)
	}
}

func TestArabicPageIsRightToLeft(t *testing.T) {
	h := newHarness(t, false)
	if err := h.st.PutSubscriber(context.Background(), store.Subscriber{ChatID: admin, Active: true, Lang: "ar"}); err != nil {
		t.Fatal(err)
	}
	ar := h.do("GET", "/admin/sources", h.login(admin), nil).body
	if !strings.Contains(ar, `<html lang="ar" dir="rtl">`) || !strings.Contains(ar, "المصادر") {
		t.Errorf("Arabic admin's page is not Arabic and right-to-left:\n%s", ar[:min(len(ar), 400)])
	}
	en := h.do("GET", "/admin/sources", h.login(otherAdmin), nil).body
	if !strings.Contains(en, `<html lang="en" dir="ltr">`) {
		t.Errorf("admin without a subscription: page not English left-to-right:\n%s", en[:min(len(en), 400)])
	}
}

func TestMarkerText(t *testing.T) {
	tests := []struct{ lang, marker, want string }{
		{"en", "marker", "the marker selector"},
		{"ar", "marker", "محدد علامة العاجل"},
		{"en", "marker:عاجل", "the marker selector: عاجل"},
		{"en", "category:Breaking News", "category Breaking News"},
		{"ar", "all_urgent", "كل أخبار المصدر عاجلة"},
		{"en", "عــاجــل", "banner عــاجــل in the headline"},
		{"en", "🔴", "banner 🔴 in the headline"},
	}
	for _, tc := range tests {
		if got := markerText(tc.lang, tc.marker); got != tc.want {
			t.Errorf("markerText(%q, %q) = %q, want %q", tc.lang, tc.marker, got, tc.want)
		}
	}
}
