package websub

import (
	"context"
	"log/slog"
	"slices"
	"sync"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
)

// DiscoveryStore records the hubs found (store.Store).
type DiscoveryStore interface {
	SetDiscoveredHub(ctx context.Context, source string, hub store.DiscoveredHub) error
}

// Discovery records in Redis, from each successful poll, the WebSub hub
// the source announces (or that it announces none), for the manager,
// which may run on another instance. A record is written only when it
// changes from what this instance last wrote. It is safe for concurrent
// use.
type Discovery struct {
	st  DiscoveryStore
	log *slog.Logger

	mu   sync.Mutex
	last map[string]store.DiscoveredHub
}

// NewDiscovery returns a Discovery writing to st.
func NewDiscovery(st DiscoveryStore, log *slog.Logger) *Discovery {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Discovery{st: st, log: log, last: map[string]store.DiscoveredHub{}}
}

// Observe records the hub links of a poll's result: a poll that fetched
// and parsed a document (not a 304, an error or a skipped poll).
func (d *Discovery) Observe(ctx context.Context, r feeds.PollResult) {
	if r.Err != nil || r.NotModified || r.Skipped || r.Source.ID == "" {
		return
	}
	h := store.DiscoveredHub{URL: r.Source.URL, Hubs: r.Hub.Hubs, Self: r.Hub.Self}
	d.mu.Lock()
	prev, seen := d.last[r.Source.ID]
	d.mu.Unlock()
	if seen && prev.URL == h.URL && prev.Self == h.Self && slices.Equal(prev.Hubs, h.Hubs) {
		return
	}
	if err := d.st.SetDiscoveredHub(ctx, r.Source.ID, h); err != nil {
		d.log.Warn("websub hub not recorded", slog.String("source", r.Source.ID), slog.Any("error", err))
		return
	}
	if h.Hubs != nil {
		d.log.Info("websub hub found", slog.String("source", r.Source.ID), slog.String("hub", h.Hubs[0]))
	}
	d.mu.Lock()
	d.last[r.Source.ID] = h
	d.mu.Unlock()
}
