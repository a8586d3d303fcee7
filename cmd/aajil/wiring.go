package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"

	"github.com/aajil/aajil/bot"
	"github.com/aajil/aajil/configs"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/metrics"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/web"
	"github.com/aajil/aajil/web/report"
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
// clear error before anything runs. "off" serves nothing. With withPprof
// (AAJIL_PPROF=true) Go's profiler is served under /debug/pprof/ too.
func listenHTTP(addr string, withPprof bool, m *metrics.Metrics, ready metrics.ReadyFunc) (*httpEndpoint, error) {
	if addr == "off" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on AAJIL_HTTP_ADDR %s: %w (set AAJIL_HTTP_ADDR to a free address, or to off)", addr, err)
	}
	mux := metrics.Mux(m, ready)
	if withPprof {
		mountPprof(mux)
	}
	return &httpEndpoint{ln: ln, mux: mux}, nil
}

// mountPprof serves net/http/pprof's handlers on mux: the index and named
// profiles (heap, goroutine, allocs …) under /debug/pprof/, a CPU profile
// at /debug/pprof/profile?seconds=N, an execution trace at
// /debug/pprof/trace?seconds=N.
func mountPprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
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

// newConsole builds the admin console served under /admin/ on
// AAJIL_HTTP_ADDR, nil when that is off. Its login links start with
// AAJIL_PUBLIC_URL, else http:// and the address.
func newConsole(ctx context.Context, cfg *configs.Config, st *store.Store, poller *feeds.Poller, log *slog.Logger) (*web.Console, error) {
	if cfg.HTTPAddr == "off" {
		return nil, nil
	}
	base := cfg.PublicURL
	if base == "" {
		base = "http://" + cfg.HTTPAddr
	}
	return web.New(ctx, web.Options{
		Store: st, Ops: bot.NewSourceOps(st, poller, cfg.AllowPrivateSources, nil), Inspector: poller,
		Admins: bot.NewAdminSet(cfg.Admins), BaseURL: base, Secret: []byte(cfg.WebSecret), Logger: log,
		Reports: report.New(report.NewRedisStore(st, store.StoryOptions{}), report.Options{SendLimit: cfg.Delivery.Rate}),
	})
}

// loginLinks is the console as the bot's /web sees it: nil without one.
func loginLinks(c *web.Console) bot.LoginLinks {
	if c == nil {
		return nil
	}
	return c
}

// mountConsole serves the console on the endpoint.
func mountConsole(c *web.Console, endpoint *httpEndpoint) {
	if c != nil && endpoint != nil {
		c.Mount(endpoint.mux)
	}
}
