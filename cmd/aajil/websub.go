package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/aajil/aajil/configs"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/feeds/websub"
	"github.com/aajil/aajil/metrics"
	"github.com/aajil/aajil/store"
)

// webSub is the WebSub side of a run, with AAJIL_PUBLIC_URL: hub
// discovery at each poll, the callback on the HTTP endpoint, the
// subscription manager (one instance at a time, under a lease) and the
// push health that slows the polls of pushed sources.
type webSub struct {
	st        *store.Store
	discovery *websub.Discovery
	health    *websub.Health
	manager   *websub.Manager
	metrics   *metrics.WebSub
	parser    websub.DocumentParser
	log       *slog.Logger
}

// newWebSub returns the WebSub side, or nil without a public URL. The
// manager and the health check the subscriptions every 30 watch periods
// (30 s in production).
func newWebSub(cfg *configs.Config, st *store.Store, client *http.Client, parser websub.DocumentParser, m *metrics.Metrics,
	instance string, watch time.Duration, log *slog.Logger) *webSub {
	if cfg.PublicURL == "" {
		return nil
	}
	every := 30 * watch
	wm := metrics.NewWebSub(m)
	return &webSub{
		st: st, metrics: wm, parser: parser, log: log,
		discovery: websub.NewDiscovery(st, log),
		health:    websub.NewHealth(websub.HealthOptions{Store: st, Slow: cfg.WebSubPoll, Every: every, Logger: log}),
		manager: websub.NewManager(websub.ManagerOptions{
			Store: st, Sources: registrySources(st), Lease: st.WebSubLease(instance, 3*every),
			Client: client, PublicURL: cfg.PublicURL, Every: every, Metrics: wm, Logger: log,
		}),
	}
}

// hooks are what the scheduler takes of WebSub: the slower interval of
// pushed sources and the discovery of hubs at each poll.
func (ws *webSub) hooks() engineHooks {
	if ws == nil {
		return engineHooks{}
	}
	return engineHooks{intervalFor: ws.health.IntervalFor, observe: ws.discovery.Observe}
}

// serve mounts the callback on the HTTP endpoint; pushed items go to
// submit, as polled ones do.
func (ws *webSub) serve(endpoint *httpEndpoint, submit func(feeds.PollResult)) error {
	if ws == nil {
		return nil
	}
	if endpoint == nil {
		return errors.New("AAJIL_PUBLIC_URL needs AAJIL_HTTP_ADDR to serve the WebSub callback on; it is off")
	}
	endpoint.mux.Handle(websub.CallbackPath, websub.NewHandler(websub.HandlerOptions{
		Store: ws.st, Sources: registrySource(ws.st), Parser: ws.parser, Submit: submit,
		Metrics: ws.metrics, Logger: ws.log,
	}))
	ws.log.Info("websub callback served", slog.String("path", websub.CallbackPath))
	return nil
}

// start runs the manager and the health as watchers in w.
func (ws *webSub) start(watchCtx context.Context, w *workers, sched websub.PollSooner) {
	if ws == nil {
		return
	}
	w.watchers.Go(func() { ws.manager.Run(watchCtx) })
	w.watchers.Go(func() { ws.health.Run(watchCtx, sched) })
}

// registrySources lists the sources of the registry.
func registrySources(st *store.Store) func(ctx context.Context) ([]feeds.Source, error) {
	return func(ctx context.Context) ([]feeds.Source, error) {
		recs, err := st.Sources(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]feeds.Source, len(recs))
		for i, r := range recs {
			out[i] = r.Source
		}
		return out, nil
	}
}

// registrySource looks one source up in the registry.
func registrySource(st *store.Store) websub.SourceFunc {
	return func(ctx context.Context, id string) (feeds.Source, bool, error) {
		rec, err := st.Source(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return feeds.Source{}, false, nil
		}
		if err != nil {
			return feeds.Source{}, false, err
		}
		return rec.Source, true, nil
	}
}
