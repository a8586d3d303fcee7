package feeds

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

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
