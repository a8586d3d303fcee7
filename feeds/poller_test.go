package feeds

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aajil/aajil/alerts"
)

// TestPollerSourceMarkers: a source's own markers are added to the global
// ones for that source only, on every poll.
func TestPollerSourceMarkers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<rss version="2.0"><channel><title>t</title>
<item><title>فوري | انقطاع الكهرباء في دمشق</title><link>https://example.org/1</link></item>
<item><title>عاجل: انفجار في حلب</title><link>https://example.org/2</link></item>
</channel></rss>`))
	}))
	defer srv.Close()
	det, err := alerts.NewDetector(alerts.DefaultMarkers())
	if err != nil {
		t.Fatal(err)
	}
	p := NewPoller(NewFetcher(NewClient(ClientOptions{AllowPrivate: true}), ""), det)
	tests := []struct {
		name    string
		markers []string
		want    []bool // urgency of the two items
	}{
		{"global markers only", nil, []bool{false, true}},
		{"the source's own marker", []string{"فوري"}, []bool{true, true}},
		{"again, from the cache", []string{"فوري"}, []bool{true, true}},
		{"others unaffected afterwards", nil, []bool{false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := p.Poll(context.Background(), Source{ID: "s", URL: srv.URL, Markers: tt.markers}, Validators{})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if len(r.Items) != 2 {
				t.Fatalf("got %d items, want 2", len(r.Items))
			}
			for i, it := range r.Items {
				if it.Urgent != tt.want[i] {
					t.Errorf("item %q urgent = %v, want %v", it.Title, it.Urgent, tt.want[i])
				}
			}
		})
	}
}

// TestPollerInspectKeepsElements: Inspect gives each html item its
// element's outer HTML, cut to MaxElementBytes; Poll never does.
func TestPollerInspectKeepsElements(t *testing.T) {
	page, err := os.ReadFile("../testdata/ticker_sana_synthetic.html")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	det, err := alerts.NewDetector(alerts.DefaultMarkers())
	if err != nil {
		t.Fatal(err)
	}
	p := NewPoller(NewFetcher(NewClient(ClientOptions{AllowPrivate: true}), ""), det)
	src := Source{ID: "sana-ticker", URL: srv.URL, Kind: KindHTML, Item: ".news-ticker li", Text: "a", Link: "a", Marker: ".urgent, .badge"}
	inspected := p.Inspect(context.Background(), src)
	if inspected.Err != nil || len(inspected.Items) == 0 {
		t.Fatalf("Inspect = %d items, %v; want items", len(inspected.Items), inspected.Err)
	}
	first := inspected.Items[0]
	if !strings.HasPrefix(first.Element, `<li class="urgent" data-id="123">`) {
		t.Errorf("first element = %q, want the urgent <li>", first.Element)
	}
	for _, it := range inspected.Items {
		if it.Element == "" || len(it.Element) > MaxElementBytes+len("…") || !utf8.ValidString(it.Element) {
			t.Errorf("item %q element = %q (%d bytes), want valid UTF-8 of at most %d bytes and an ellipsis", it.Title, it.Element, len(it.Element), MaxElementBytes)
		}
	}
	polled := p.Poll(context.Background(), src, Validators{})
	if len(polled.Items) != len(inspected.Items) {
		t.Fatalf("Poll = %d items, Inspect %d; want the same", len(polled.Items), len(inspected.Items))
	}
	for _, it := range polled.Items {
		if it.Element != "" {
			t.Errorf("Poll kept element %q, want none", it.Element)
		}
	}
}
