package main

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aajil/aajil/metrics"
)

func TestHealth(t *testing.T) {
	var ready atomic.Bool
	srv := httptest.NewServer(metrics.Mux(metrics.New(), func(ctx context.Context) error {
		if !ready.Load() {
			return errors.New("redis: connection refused")
		}
		return nil
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	_, port, _ := strings.Cut(addr, ":")

	tests := []struct {
		name     string
		ready    bool
		env      map[string]string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{name: "ready, address from the environment", ready: true, env: map[string]string{"AAJIL_HTTP_ADDR": addr}, args: []string{"health"}, wantCode: 0, wantOut: "ready"},
		{name: "an address on all interfaces is asked on loopback", ready: true, env: map[string]string{"AAJIL_HTTP_ADDR": "0.0.0.0:" + port}, args: []string{"health"}, wantCode: 0, wantOut: "ready"},
		{name: "not ready: the reason", ready: false, args: []string{"health", "-addr", addr}, wantCode: 1, wantErr: "connection refused"},
		{name: "alive though not ready", ready: false, args: []string{"health", "-live", "-addr", addr}, wantCode: 0, wantOut: "ok"},
		{name: "nothing listening", ready: true, args: []string{"health", "-addr", "127.0.0.1:1"}, wantCode: 1, wantErr: "127.0.0.1:1"},
		{name: "endpoint off", ready: true, env: map[string]string{"AAJIL_HTTP_ADDR": "off"}, args: []string{"health"}, wantCode: 1, wantErr: "off"},
		{name: "bad address", ready: true, args: []string{"health", "-addr", "nonsense"}, wantCode: 2, wantErr: "nonsense"},
		{name: "usage", ready: true, args: []string{"health", "-h"}, wantCode: 0, wantErr: "Usage: aajil health"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ready.Store(tt.ready)
			code, out, errOut := runCLI(t, tt.env, tt.args...)
			wantExit(t, code, errOut, tt.wantCode, tt.wantErr)
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", out, tt.wantOut)
			}
		})
	}
}
