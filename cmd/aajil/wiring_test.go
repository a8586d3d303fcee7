package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
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
