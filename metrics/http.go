package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// ReadyFunc reports whether the process can do its work (Redis answers,
// the Telegram token was accepted); a nil error means ready. Its error is
// shown in /readyz's body, so it must not carry secrets.
type ReadyFunc func(ctx context.Context) error

// Timeouts of the operations endpoint.
const (
	// ReadyTimeout bounds one call of the ReadyFunc; a check that takes
	// longer counts as not ready.
	ReadyTimeout = 2 * time.Second
	// ShutdownTimeout is how long Serve waits for requests in flight once
	// its context is done.
	ShutdownTimeout = 5 * time.Second
)

// Mux returns a mux serving
//
//	GET /healthz  200 "ok": the process is alive
//	GET /readyz   200 "ready", or 503 "not ready: REASON" when ready fails
//	GET /metrics  m's metrics (404 when m is nil)
//
// A nil ready is always ready. The caller may mount more routes on the
// returned mux, e.g. the Telegram webhook:
//
//	mux.Handle("POST /telegram/…", webhook)
func Mux(m *Metrics, ready ReadyFunc) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := checkReady(r.Context(), ready); err != nil {
			writeText(w, http.StatusServiceUnavailable, "not ready: "+oneLine(err.Error()))
			return
		}
		writeText(w, http.StatusOK, "ready")
	})
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

// readyGrace is how long past its deadline a check may take to return its
// own error, which names what was slow, before a generic one is shown.
const readyGrace = 250 * time.Millisecond

// checkReady runs ready with ReadyTimeout. It runs on its own goroutine so
// that a check ignoring its context still answers in time.
func checkReady(ctx context.Context, ready ReadyFunc) error {
	if ready == nil {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ready(cctx) }()
	timer := time.NewTimer(ReadyTimeout + readyGrace)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("readiness check: %w", ctx.Err())
	case <-timer.C:
		return fmt.Errorf("readiness check: %w", context.DeadlineExceeded)
	}
}

// oneLine keeps a reason on one line of the text body.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, body) // the client hanging up is not our error
}

// Serve listens on addr and serves h until ctx is done, then shuts down
// gracefully, waiting up to ShutdownTimeout for requests in flight. It
// returns nil after a clean shutdown, and an error naming addr when it
// cannot listen (e.g. the address is in use; errors.Is(err,
// syscall.EADDRINUSE) holds then).
func Serve(ctx context.Context, addr string, h http.Handler) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("http listen on %s: %w", addr, err)
	}
	return ServeListener(ctx, ln, h)
}

// ServeListener is Serve on a listener the caller opened; it closes ln.
func ServeListener(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler: h,
		// Slow clients must not hold connections open forever. There is no
		// WriteTimeout: a webhook update is handled within the request
		// and may legitimately take a while.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Requests still running after the grace period are cut off.
		_ = srv.Close()
		<-errc
		return fmt.Errorf("http shutdown on %s: %w", ln.Addr(), err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http serve on %s: %w", ln.Addr(), err)
	}
	return nil
}
