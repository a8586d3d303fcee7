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
	"sync"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/metrics"
	"github.com/aajil/aajil/store"
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

// sourceLeaser is the part of the store that leases sources.
type sourceLeaser interface {
	LeaseSource(ctx context.Context, id, holder string, ttl time.Duration) (ok bool, left time.Duration, err error)
	ReleaseSources(ctx context.Context, holder string, ids []string) error
}

// leasedPoller polls a source only while this instance holds its lease,
// so that several instances on one Redis poll each source once. The lease
// lasts about an interval and a half, so the holder renews it at every
// poll and, when the holder dies, another instance takes the source over
// within two intervals (sourceLeaseTTL). If Redis cannot be asked, the
// source is polled anyway: a duplicate fetch costs little, and the seen
// set in Redis keeps it from alerting twice.
type leasedPoller struct {
	inner  feeds.SourcePoller
	leases sourceLeaser
	holder string
	log    *slog.Logger

	mu   sync.Mutex
	held map[string]bool
}

func newLeasedPoller(inner feeds.SourcePoller, leases sourceLeaser, holder string, log *slog.Logger) *leasedPoller {
	return &leasedPoller{inner: inner, leases: leases, holder: holder, log: log, held: make(map[string]bool)}
}

// sourceLeaseTTL is how long a poll's lease on its source lasts: an
// interval and a half (the holder's next poll comes an interval later,
// give or take its jitter), plus up to a second for a slow poll, and never
// more than two intervals, so a dead holder's sources are taken over
// within two intervals of its last poll.
func sourceLeaseTTL(src feeds.Source) time.Duration {
	iv := src.EffectiveInterval()
	return iv + iv/2 + min(time.Second, iv/2)
}

func (l *leasedPoller) Poll(ctx context.Context, src feeds.Source, v feeds.Validators) feeds.PollResult {
	ok, left, err := l.leases.LeaseSource(ctx, src.ID, l.holder, sourceLeaseTTL(src))
	if err != nil {
		l.log.Debug("source lease unavailable; polling anyway", slog.String("source", src.ID), slog.Any("error", err))
		ok = true
	}
	l.mu.Lock()
	was := l.held[src.ID]
	l.held[src.ID] = ok
	l.mu.Unlock()
	if !ok {
		if was {
			l.log.Info("source taken over by another instance", slog.String("source", src.ID))
		}
		return feeds.PollResult{Source: src, Validators: v, Skipped: true, RetryAfter: left + 100*time.Millisecond}
	}
	return l.inner.Poll(ctx, src, v)
}

// release gives up the leases held, so that another instance takes the
// sources over at once rather than when the leases lapse.
func (l *leasedPoller) release(ctx context.Context) {
	l.mu.Lock()
	var ids []string
	for id, held := range l.held {
		if held {
			ids = append(ids, id)
		}
	}
	l.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	if err := l.leases.ReleaseSources(ctx, l.holder, ids); err != nil {
		l.log.Debug("source leases not released; they lapse on their own", slog.Any("error", err))
	}
}

// countingOutbox counts the deliveries queued.
type countingOutbox struct {
	st *store.Store
	m  *metrics.Metrics
}

func (o countingOutbox) Enqueue(ctx context.Context, deliveries []store.Delivery) (int, error) {
	n, err := o.st.Enqueue(ctx, deliveries)
	o.m.Queued(n)
	return n, err
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

// sourceNames knows the display name of every source, for alerts, kept
// up to date from the registry.
type sourceNames struct {
	mu    sync.RWMutex
	names map[string]string
}

func newSourceNames(srcs []feeds.Source) *sourceNames {
	n := &sourceNames{}
	n.set(srcs)
	return n
}

func (n *sourceNames) set(srcs []feeds.Source) {
	names := make(map[string]string, len(srcs))
	for _, s := range srcs {
		if s.Name != "" {
			names[s.ID] = s.Name
		}
	}
	n.mu.Lock()
	n.names = names
	n.mu.Unlock()
}

// name returns the source's name, or its id when it has none.
func (n *sourceNames) name(id string) string {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if name, ok := n.names[id]; ok {
		return name
	}
	return id
}

// baselineResetter is the part of the store that forgets the seen set of
// a source whose URL or kind changed.
type baselineResetter interface {
	ResetChangedBaselines(ctx context.Context, srcs []feeds.Source) (reset []string, err error)
}

// rebaser sees every source set the registry hands the scheduler and, for
// the sources whose URL or kind is new to this process (all of them the
// first time, which catches a change made in the file while no instance
// ran), has the store forget a seen set that belongs to the source's old
// document, before the scheduler polls the new one: its first poll is
// then a baseline, not a flood of its back catalogue. /addfeed, /setfeed
// and /resumefeed record a probe's items as the baseline themselves; the
// store finds those current and leaves them.
type rebaser struct {
	st   baselineResetter
	log  *slog.Logger
	tags map[string]string // source id → baseline tag last checked
}

func newRebaser(st baselineResetter, log *slog.Logger) *rebaser {
	return &rebaser{st: st, log: log, tags: make(map[string]string)}
}

func (r *rebaser) changed(ctx context.Context, srcs []feeds.Source) {
	var todo []feeds.Source
	next := make(map[string]string, len(srcs))
	for _, src := range srcs {
		if src.Paused {
			// Checked when it resumes.
			continue
		}
		tag := store.BaselineTag(src)
		next[src.ID] = tag
		if r.tags[src.ID] != tag {
			todo = append(todo, src)
		}
	}
	reset, err := r.st.ResetChangedBaselines(ctx, todo)
	if err != nil {
		// Checked again at the next change; meanwhile the seen sets stay.
		r.log.Warn("seen sets of changed sources not checked", slog.Any("error", err))
		return
	}
	for _, id := range reset {
		r.log.Info("source's URL or kind changed: its next poll is a baseline", slog.String("source", id))
	}
	r.tags = next
}
