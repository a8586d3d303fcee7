package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"

	"github.com/aajil/aajil/metrics"
)

// instanceName names this process among the instances sharing one Redis:
// host, pid and a random suffix, so a restarted process is a new instance.
func instanceName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "aajil"
	}
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// httpEndpoint serves /healthz, /readyz, /metrics and, in webhook mode, the
// Telegram webhook, on one listener.
type httpEndpoint struct {
	ln  net.Listener
	mux *http.ServeMux
}

// listenHTTP opens AAJIL_HTTP_ADDR at start, so that a port in use is a
// clear error before anything runs. "off" serves nothing.
func listenHTTP(addr string, m *metrics.Metrics, ready metrics.ReadyFunc) (*httpEndpoint, error) {
	if addr == "off" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on AAJIL_HTTP_ADDR %s: %w (set AAJIL_HTTP_ADDR to a free address, or to off)", addr, err)
	}
	return &httpEndpoint{ln: ln, mux: metrics.Mux(m, ready)}, nil
}

func (h *httpEndpoint) serve(ctx context.Context, log *slog.Logger) {
	if h == nil {
		return
	}
	log.Info("http endpoint listening", slog.String("addr", h.ln.Addr().String()))
	if err := metrics.ServeListener(ctx, h.ln, h.mux); err != nil {
		log.Error("http endpoint stopped", slog.Any("error", err))
	}
}
