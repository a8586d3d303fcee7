package pipeline

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
)

// SourceWatcher hands every change of the source registry to fn.
type SourceWatcher interface {
	WatchSources(ctx context.Context, every time.Duration, fn func([]feeds.Source))
}

// SourceSetter polls the sources it is given (feeds.Scheduler).
type SourceSetter interface {
	Set(sources []feeds.Source)
}

// SourceMetrics counts the sources and drops a removed source's series.
type SourceMetrics interface {
	SetSources(n int)
	RemoveSource(id string)
}

// SourceSyncOptions are what a SourceSync keeps in step with the registry.
type SourceSyncOptions struct {
	Watch     SourceWatcher
	Rebaser   *Rebaser
	Scheduler SourceSetter
	Names     *SourceNames
	Metrics   SourceMetrics
	// Every is how often the registry is checked for changes.
	Every time.Duration
}

// SourceSync keeps the running process in step with the source registry:
// every change reaches, in order, the rebaser (a source re-pointed starts
// with a baseline), the scheduler, the source names and the metrics (a
// removed source's series go with it).
type SourceSync struct {
	opt    SourceSyncOptions
	loaded chan struct{}
	once   sync.Once
	known  map[string]bool
}

// NewSourceSync returns a SourceSync; Run starts it.
func NewSourceSync(opt SourceSyncOptions) *SourceSync {
	return &SourceSync{opt: opt, loaded: make(chan struct{}), known: make(map[string]bool)}
}

// Loaded is closed once the scheduler has had its first set of sources
// (its initial load, spread over the interval).
func (s *SourceSync) Loaded() <-chan struct{} { return s.loaded }

// Run watches the registry until ctx is done.
func (s *SourceSync) Run(ctx context.Context) {
	s.opt.Watch.WatchSources(ctx, s.opt.Every, func(srcs []feeds.Source) { s.apply(ctx, srcs) })
}

// apply hands one set of sources on.
func (s *SourceSync) apply(ctx context.Context, srcs []feeds.Source) {
	s.opt.Rebaser.Changed(ctx, srcs)
	s.opt.Scheduler.Set(srcs)
	s.once.Do(func() { close(s.loaded) })
	s.opt.Names.Set(srcs)
	s.opt.Metrics.SetSources(len(srcs))
	// A deleted source's series go with it.
	now := make(map[string]bool, len(srcs))
	for _, src := range srcs {
		now[src.ID] = true
	}
	for id := range s.known {
		if !now[id] {
			s.opt.Metrics.RemoveSource(id)
		}
	}
	s.known = now
}

// SourceNames knows the display name of every source, for alerts, kept
// up to date from the registry.
type SourceNames struct {
	mu    sync.RWMutex
	names map[string]string
}

// NewSourceNames returns the names of srcs.
func NewSourceNames(srcs []feeds.Source) *SourceNames {
	n := &SourceNames{}
	n.Set(srcs)
	return n
}

// Set replaces the names with those of srcs.
func (n *SourceNames) Set(srcs []feeds.Source) {
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

// Name returns the source's name, or its id when it has none.
func (n *SourceNames) Name(id string) string {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if name, ok := n.names[id]; ok {
		return name
	}
	return id
}

// BaselineResetter forgets the seen set of a source whose URL or kind
// changed.
type BaselineResetter interface {
	ResetChangedBaselines(ctx context.Context, srcs []feeds.Source) (reset []string, err error)
}

// Rebaser sees every source set the registry hands the scheduler and, for
// the sources whose URL or kind is new to this process (all of them the
// first time, which catches a change made in the file while no instance
// ran), has the store forget a seen set that belongs to the source's old
// document, before the scheduler polls the new one: its first poll is
// then a baseline, not a flood of its back catalogue. /addfeed, /setfeed
// and /resumefeed record a probe's items as the baseline themselves; the
// store finds those current and leaves them.
type Rebaser struct {
	st   BaselineResetter
	log  *slog.Logger
	tags map[string]string // source id → baseline tag last checked
}

// NewRebaser returns a Rebaser that resets baselines through st.
func NewRebaser(st BaselineResetter, log *slog.Logger) *Rebaser {
	return &Rebaser{st: st, log: log, tags: make(map[string]string)}
}

// Changed checks the sources of srcs whose URL or kind changed since the
// last call (all of them at the first).
func (r *Rebaser) Changed(ctx context.Context, srcs []feeds.Source) {
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
