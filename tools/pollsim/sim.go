package main

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/aajil/aajil/feeds"
)

// Config is one simulated run.
type Config struct {
	// Models are the publication rhythms; source i follows
	// Models[i % len(Models)], each source with its own random stream.
	Models  []Model
	Sources int
	// Warmup is simulated before the measured Span, so that the adaptive
	// intervals have learned the rates (a running scheduler restores
	// them from Redis at a restart).
	Warmup, Span time.Duration
	Seed         uint64
	// Fixed, when positive, polls every source at this fixed interval;
	// zero runs the adaptive policy of a source that sets no interval
	// fields (feeds.Adapter, as the scheduler does).
	Fixed time.Duration
	// Cascade runs a cascade (feeds.CascadeGate, feeds.CascadeDue) at
	// every new urgent story, as the pipeline asks the scheduler to.
	Cascade bool
	// Stories injects that many stories into the measured span, each
	// published by len(StoryAt) distinct random sources at the offsets
	// StoryAt from a random start, urgent.
	Stories int
	StoryAt []time.Duration
	// Window is how many of its newest items a feed shows.
	Window int
	// Jitter is the scheduler's: each interval moved at random by up to
	// this fraction either way.
	Jitter float64
}

// maxBlock is the most consecutive real gaps copied at once when a
// source's publications are drawn: runs of gaps keep a feed's bursts
// and lulls together.
const maxBlock = 8

// Result is what a run measured over its span.
type Result struct {
	Hours    float64
	Requests int
	// Delays are publication → first seen (the first poll at or after
	// the publication) of the background publications of the span.
	Delays []time.Duration
	// StoryDelays[k] are those of the injected stories' k-th
	// publications (by StoryAt).
	StoryDelays [][]time.Duration
	// Cascades started and the polls they brought forward.
	Cascades, Pulled int
	// ByModel splits Requests and Delays by the sources' model (the
	// index in Config.Models).
	ByModel []ModelResult
}

// ModelResult is the share of a Result of the sources of one model.
type ModelResult struct {
	Requests int
	Delays   []time.Duration
}

// PerHour is the requests an hour.
func (r Result) PerHour() float64 { return float64(r.Requests) / r.Hours }

// pub is one publication of a simulated source.
type pub struct {
	at     time.Time
	id     string
	urgent bool
	story  int // > 0: an injected story's number
	pos    int // the story's publication: its index in Config.StoryAt
}

// simSource is one simulated source and its poll state.
type simSource struct {
	pubs []pub
	seen int // pubs published at or before the last poll
	// polled is false until the first poll, the baseline: what it sees
	// is not news (the pipeline's seen set starts from it).
	polled bool
	next   time.Time
	adapt  *feeds.Adapter
	model  int // its index in Config.Models
	index  int // in the due heap
}

// epoch is the simulated clock's start.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Run simulates cfg and returns what it measured.
func Run(cfg Config) (Result, error) {
	if len(cfg.Models) == 0 || cfg.Sources <= 0 || cfg.Span <= 0 || cfg.Window <= 0 {
		return Result{}, fmt.Errorf("config: models, sources, span and window are required")
	}
	from := epoch.Add(cfg.Warmup)
	to := from.Add(cfg.Span)
	// Publications run on past the span so that its last ones are seen.
	drain := to.Add(2 * feeds.DefaultMaxPoll)
	srcs := make([]*simSource, cfg.Sources)
	src := feeds.Source{}
	if cfg.Fixed > 0 {
		src.Interval = cfg.Fixed
	}
	for i := range srcs {
		m := cfg.Models[i%len(cfg.Models)]
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
		srcs[i] = &simSource{pubs: publications(m, i, drain, rng), adapt: feeds.NewAdapter(src, false), model: i % len(cfg.Models)}
	}
	injectStories(cfg, srcs, from, to)

	res := Result{Hours: cfg.Span.Hours(), StoryDelays: make([][]time.Duration, len(cfg.StoryAt)),
		ByModel: make([]ModelResult, len(cfg.Models))}
	rng := rand.New(rand.NewPCG(cfg.Seed, 1<<32))
	// The first polls are spread over the first interval, as the
	// scheduler's initial load spreads them.
	base := feeds.DefaultInterval
	if cfg.Fixed > 0 {
		base = cfg.Fixed
	}
	due := make(dueHeap, len(srcs))
	for i, s := range srcs {
		s.next = epoch.Add(time.Duration(rng.Float64() * float64(base)))
		s.index = i
		due[i] = s
	}
	heap.Init(&due)
	var gate feeds.CascadeGate
	storySeen := map[int]bool{}
	for due[0].next.Before(drain) {
		s := due[0]
		now := s.next
		by := &res.ByModel[s.model]
		if !now.Before(from) && now.Before(to) {
			res.Requests++
			by.Requests++
		}
		baseline := !s.polled
		s.polled = true
		n := s.seen
		for n < len(s.pubs) && !s.pubs[n].at.After(now) {
			n++
		}
		fresh := s.pubs[s.seen:n]
		r := feeds.PollResult{Started: now, NotModified: len(fresh) == 0 && !baseline}
		if !r.NotModified {
			r.Items = window(s.pubs[:n], cfg.Window)
		}
		s.seen = n
		d, _ := s.adapt.Observe(&r)
		cascade := false
		for _, p := range fresh {
			if baseline {
				break
			}
			delay := now.Sub(p.at)
			switch {
			case p.story > 0:
				res.StoryDelays[p.pos] = append(res.StoryDelays[p.pos], delay)
			case !p.at.Before(from) && p.at.Before(to):
				res.Delays = append(res.Delays, delay)
				by.Delays = append(by.Delays, delay)
			}
			// A new urgent story: the first item of an injected story,
			// or any urgent background item (each its own story).
			if p.urgent && (p.story == 0 || !storySeen[p.story]) {
				cascade = true
			}
			if p.story > 0 {
				storySeen[p.story] = true
			}
		}
		jit := cfg.Jitter * (2*rng.Float64() - 1)
		s.next = now.Add(d + time.Duration(jit*float64(d)))
		heap.Fix(&due, s.index)
		if cascade && cfg.Cascade {
			startCascade(&res, &gate, &due, s, now, rng)
		}
	}
	return res, nil
}

// startCascade runs a cascade after a new urgent story seen by s at now,
// through the scheduler's own gate and pull rule.
func startCascade(res *Result, gate *feeds.CascadeGate, due *dueHeap, s *simSource, now time.Time, rng *rand.Rand) {
	until, ok := gate.Start(now, now.Add(feeds.DefaultCascadeFor))
	if !ok {
		return
	}
	res.Cascades++
	for _, o := range *due {
		if o == s || !o.adapt.Cascade(until) {
			continue
		}
		if next, pulled := feeds.CascadeDue(now, o.next, rng.Float64); pulled {
			o.next = next
			heap.Fix(due, o.index)
			res.Pulled++
		}
	}
}

// window returns the newest n of pubs as a feed shows them, newest first.
func window(pubs []pub, n int) []feeds.Item {
	pubs = pubs[max(0, len(pubs)-n):]
	items := make([]feeds.Item, len(pubs))
	for i, p := range pubs {
		items[len(pubs)-1-i] = feeds.Item{ID: p.id, Urgent: p.urgent, Published: p.at}
	}
	return items
}

// publications draws source i's publications from epoch to end: runs of
// up to maxBlock consecutive real gaps of m, each run from a random place,
// the first publication at a random point of a random gap.
func publications(m Model, i int, end time.Time, rng *rand.Rand) []pub {
	var out []pub
	t := epoch.Add(time.Duration(rng.Float64() * float64(m.Gaps[rng.IntN(len(m.Gaps))].D)))
	for t.Before(end) {
		j, n := rng.IntN(len(m.Gaps)), 1+rng.IntN(maxBlock)
		for k := j; k < min(j+n, len(m.Gaps)) && t.Before(end); k++ {
			g := m.Gaps[k]
			t = t.Add(g.D)
			out = append(out, pub{at: t, id: fmt.Sprintf("s%d-%d", i, len(out)), urgent: g.Urgent})
		}
	}
	return out
}

// injectStories adds cfg.Stories stories to the sources, each published
// by len(cfg.StoryAt) distinct sources at its offsets from a random start
// within [from, to).
func injectStories(cfg Config, srcs []*simSource, from, to time.Time) {
	if cfg.Stories == 0 || len(cfg.StoryAt) == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 1<<33))
	last := cfg.StoryAt[len(cfg.StoryAt)-1]
	for k := 1; k <= cfg.Stories; k++ {
		t0 := from.Add(time.Duration(rng.Float64() * float64(to.Sub(from)-last)))
		picked := rng.Perm(len(srcs))[:len(cfg.StoryAt)]
		for pos, i := range picked {
			s := srcs[i]
			s.pubs = append(s.pubs, pub{at: t0.Add(cfg.StoryAt[pos]), urgent: true, story: k, pos: pos,
				id: fmt.Sprintf("story%d-%d", k, pos)})
		}
	}
	for _, s := range srcs {
		slices.SortStableFunc(s.pubs, func(a, b pub) int { return a.at.Compare(b.at) })
	}
}

// dueHeap orders the sources by next poll.
type dueHeap []*simSource

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].next.Before(h[j].next) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *dueHeap) Push(x any) { *h = append(*h, x.(*simSource)) }
func (h *dueHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Percentile returns the p-th percentile (0–100) of ds, nearest rank.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}
