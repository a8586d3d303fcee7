package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aajil/aajil/configs"
)

func TestPprofServedOnlyWhenAskedFor(t *testing.T) {
	tests := []struct {
		name      string
		withPprof bool
		want      int
	}{
		{name: "off", withPprof: false, want: http.StatusNotFound},
		{name: "on", withPprof: true, want: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint, err := listenHTTP("127.0.0.1:0", tt.withPprof, nil, nil)
			if err != nil {
				t.Fatalf("listenHTTP: %v", err)
			}
			defer endpoint.ln.Close()
			for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1"} {
				rec := httptest.NewRecorder()
				endpoint.mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != tt.want {
					t.Errorf("GET %s: status %d, want %d", path, rec.Code, tt.want)
				}
			}
			rec := httptest.NewRecorder()
			endpoint.mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			if rec.Code != http.StatusOK {
				t.Errorf("GET /healthz: status %d, want 200", rec.Code)
			}
		})
	}
}

// TestConsoleMountedBesideTheOperationsEndpoints: the admin console is
// served under /admin/ on AAJIL_HTTP_ADDR, /healthz unchanged; with the
// address off there is no console and /web has no links to give.
func TestConsoleMountedBesideTheOperationsEndpoints(t *testing.T) {
	_, st := redisDB(t, 11)
	cfg := &configs.Config{HTTPAddr: "127.0.0.1:0", Admins: []int64{1}}
	console, err := newConsole(context.Background(), cfg, st, nil, slog.New(slog.DiscardHandler))
	if err != nil || console == nil {
		t.Fatalf("newConsole = %v, %v; want a console", console, err)
	}
	endpoint, err := listenHTTP(cfg.HTTPAddr, false, nil, nil)
	if err != nil {
		t.Fatalf("listenHTTP: %v", err)
	}
	defer endpoint.ln.Close()
	mountConsole(console, endpoint)
	for path, want := range map[string]int{"/healthz": http.StatusOK, "/admin/sources": http.StatusForbidden, "/admin/static/style.css": http.StatusOK} {
		rec := httptest.NewRecorder()
		endpoint.mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: status %d, want %d", path, rec.Code, want)
		}
	}
	link, err := loginLinks(console).NewLoginLink(context.Background(), 1)
	if err != nil || !strings.HasPrefix(link, "http://127.0.0.1:0/admin/login?t=") {
		t.Errorf("login link %q, %v; want one under http://AAJIL_HTTP_ADDR/admin/", link, err)
	}

	off, err := newConsole(context.Background(), &configs.Config{HTTPAddr: "off"}, st, nil, nil)
	if off != nil || err != nil || loginLinks(off) != nil {
		t.Errorf("with AAJIL_HTTP_ADDR=off: console %v, %v, links %v; want none", off, err, loginLinks(off))
	}
}
