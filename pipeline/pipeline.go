// Package pipeline turns polled items into alerts: it drops what a source
// showed before, merges the same story told by several sources, matches
// every subscriber's rules in one pass and queues one delivery per
// (subscriber, story) in the outbox. All state is in Redis (through the
// small interfaces below), so a restart or a second instance changes
// nothing.
//
// Work is kept per source and in order. When Redis is unreachable, polling
// goes on: new items wait in memory (bounded per source, the newest kept)
// and are processed, once, when Redis is back; the log says so once, not
// once per item.
//
// Around it: SourceSync keeps the scheduler, the source names and the
// metrics in step with the source registry, AlertCounter counts each
// alert, and Console prints it in console mode.
package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aajil/aajil/alerts/match"
	"github.com/aajil/aajil/alerts/story"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
	lru "github.com/hashicorp/golang-lru/v2"
)

// SeenStore remembers which items each source showed.
type SeenStore interface {
	MarkSeen(ctx context.Context, sourceID string, itemIDs []string) (fresh []string, baseline bool, err error)
}

// SeenBatcher is a SeenStore that also marks the polls of several
// sources in one round trip (*store.Store): the pipeline then marks the
// sources that are ready together at once.
type SeenBatcher interface {
	MarkSeenMany(ctx context.Context, polls []store.SeenPoll) []store.SeenResult
}

// StoryIndex finds or creates the stories of items, race-free, in one
// pipelined batch.
type StoryIndex interface {
	ResolveBatch(ctx context.Context, in []store.StoryInput, pick func(i int, candidates []store.StoryRecord) int) ([]store.Resolution, error)
	// SetTitle replaces a story's headline and fingerprint, when a later
	// report brings new figures of its event.
	SetTitle(ctx context.Context, storyID string, fp store.FP, title string) error
}

// Outbox queues deliveries, at most one per (chat, story).
type Outbox interface {
	Enqueue(ctx context.Context, deliveries []store.Delivery) (queued int, err error)
}

// EditScheduler schedules the edit of a story's sent messages, when a
// later source joined it ("also reported by").
type EditScheduler interface {
	ScheduleEdit(ctx context.Context, storyID string, due time.Time) error
}

// Alert is a new story that a subscriber without rules would receive: an
// urgent item seen first by this pipeline run.
type Alert struct {
	Source  feeds.Source
	Item    feeds.Item
	StoryID string
	// Queued is the number of deliveries queued for it.
	Queued int
}

// Options configure a Pipeline.
type Options struct {
	Seen    SeenStore
	Stories StoryIndex
	Outbox  Outbox
	// OnAlert, when set, is called for each new urgent story, after its
	// deliveries are queued (console mode prints it).
	OnAlert func(Alert)
	// OnFresh, when set, is called with each source's new items (those
	// MarkSeen found fresh; none on a baseline poll), before they are
	// turned into alerts: ItemCounter.OnFresh counts them.
	OnFresh func(src feeds.Source, fresh []feeds.Item)
	// Edits, when set, is told of every story a later source joined, so
	// that the messages already sent name that source too; the edit is
	// due EditDelay later (default 5 s), which lets several sources that
	// report within seconds make one edit.
	Edits     EditScheduler
	EditDelay time.Duration
	// OnMerged, when set, is called for every item that was a later
	// report of a known story (counted as a merged story); added reports
	// that its source was newly recorded on the story.
	OnMerged func(storyID string, src feeds.Source, added bool)
	Log      *slog.Logger
	// Workers process sources in parallel (each source in order);
	// default 4.
	Workers int
	// Gather is how long a worker woken by new work waits for the
	// polls finishing about then (the scheduler starts the polls due in
	// the same second together) before it takes the sources ready, at
	// most BatchSize of them, and marks their items seen in one round
	// trip (when Seen is a SeenBatcher): one wake-up and one round trip
	// for a second's polls instead of one each. Default DefaultGather;
	// negative for none (each source as soon as a worker is free).
	Gather time.Duration
	// BatchSize is the most sources a worker takes at once; default
	// DefaultBatchSize.
	BatchSize int
	// MaxPending bounds the items held per source and not yet marked
	// seen (while Redis is away, or while the source's previous poll is
	// still being worked on); default feeds.MaxItems, the most a poll
	// brings. Beyond it the oldest are dropped (the newest by date where
	// items have one, by position otherwise, as feeds.Newest), and the
	// log says so and why.
	MaxPending int
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// Cascade, when set, is told of every new urgent story, so that the
	// other sources are polled soon, for CascadeFor (default
	// feeds.DefaultCascadeFor, 2 min).
	Cascade    Cascader
	CascadeFor time.Duration
}

// Cascader polls the sources other than except soon and often until
// until: *feeds.Scheduler.
type Cascader interface {
	Cascade(except string, until time.Time)
}

// Pipeline is safe for concurrent use: Submit is called from the
// scheduler's workers, ApplySubscribers from the subscribers' watcher.
type Pipeline struct {
	opt     Options
	log     *slog.Logger
	matcher *match.Matcher

	subMu    sync.RWMutex
	subs     map[int64]store.Subscriber
	ruleless []int64 // active subscribers without rules, sorted

	mu      sync.Mutex
	pending map[string]*sourceWork // by source id
	ready   []string               // source ids with work, in arrival order
	queued  map[string]bool        // ids in ready or being processed
	wake    chan struct{}
	// gathering is set while a worker waits for more work before taking
	// a batch (Options.Gather): another worker woken meanwhile leaves the
	// work to it.
	gathering bool

	outage outageLog

	// bounded holds the sources whose polls left items out (the log
	// says so at info level once).
	bounded map[string]bool

	// marked holds the sources whose seen set this process has updated at
	// least once: an empty first document must still be recorded as the
	// source's baseline.
	marked map[string]bool

	picker *storyPicker
}

// sourceWork is one source's waiting work: items not yet marked seen, and
// fresh items not yet turned into alerts.
type sourceWork struct {
	src    feeds.Source
	unseen []feeds.Item
	fresh  []feeds.Item
	// dropped counts the held items dropped over MaxPending since the
	// last try; inOutage says whether Redis was failing then.
	dropped  int
	inOutage bool
}

// Defaults of Options.Gather and Options.BatchSize.
const (
	DefaultGather    = 10 * time.Millisecond
	DefaultBatchSize = 32
)

// New returns a pipeline; call Run to process what Submit hands it.
func New(opt Options) *Pipeline {
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	if opt.Gather == 0 {
		opt.Gather = DefaultGather
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultBatchSize
	}
	if opt.MaxPending <= 0 {
		opt.MaxPending = feeds.MaxItems
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.EditDelay <= 0 {
		opt.EditDelay = 5 * time.Second
	}
	if opt.CascadeFor <= 0 {
		opt.CascadeFor = feeds.DefaultCascadeFor
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	return &Pipeline{
		opt:     opt,
		log:     opt.Log,
		matcher: match.NewMatcher(),
		subs:    make(map[int64]store.Subscriber),
		pending: make(map[string]*sourceWork),
		queued:  make(map[string]bool),
		wake:    make(chan struct{}, 1),
		outage:  outageLog{log: opt.Log},
		marked:  make(map[string]bool),
		bounded: make(map[string]bool),
		picker:  newStoryPicker(),
	}
}

// Consume is a feeds.Consumer: it hands each poll's items to the pipeline.
func (p *Pipeline) Consume(_ context.Context, r feeds.PollResult) { p.Submit(r) }

// Submit queues a poll's items. It never blocks on Redis.
func (p *Pipeline) Submit(r feeds.PollResult) {
	if r.Err != nil || r.NotModified {
		return
	}
	if r.Omitted > 0 {
		// Each poll of such a source leaves items out: said once at info
		// level, then at debug.
		p.mu.Lock()
		first := !p.bounded[r.Source.ID]
		p.bounded[r.Source.ID] = true
		p.mu.Unlock()
		level := slog.LevelDebug
		if first {
			level = slog.LevelInfo
		}
		p.log.Log(context.Background(), level, "source lists more items than a poll takes: the oldest are left out",
			slog.String("source", r.Source.ID), slog.Int("taken", len(r.Items)), slog.Int("left_out", r.Omitted),
			slog.Int("bound", feeds.MaxItems))
	}
	inOutage := p.outage.active()
	p.mu.Lock()
	w := p.pending[r.Source.ID]
	if w == nil {
		w = &sourceWork{}
		p.pending[r.Source.ID] = w
	}
	w.src = r.Source
	if r.Omitted == 0 {
		delete(p.bounded, r.Source.ID)
	}
	// A poll lists the source's current items: ones still waiting from an
	// earlier poll are kept once, in their first place.
	have := make(map[string]bool, len(w.unseen))
	for _, it := range w.unseen {
		have[it.ID] = true
	}
	for _, it := range r.Items {
		if !have[it.ID] {
			have[it.ID] = true
			w.unseen = append(w.unseen, it)
		}
	}
	if len(w.unseen) > p.opt.MaxPending {
		var dropped int
		w.unseen, dropped = keepNewest(w.unseen, r.Items, p.opt.MaxPending)
		w.dropped += dropped
		w.inOutage = w.inOutage || inOutage
	}
	if !p.queued[r.Source.ID] {
		p.queued[r.Source.ID] = true
		p.ready = append(p.ready, r.Source.ID)
	}
	// A worker gathering takes this source too: no other is woken for
	// it only to find the work taken.
	gathering := p.gathering
	p.mu.Unlock()
	if gathering {
		return
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// keepNewest returns the n newest of held, in their order, and how many it
// dropped. Newness is feeds.Newest's, over the items of the latest poll
// (current) in the source's order followed by the held items it no longer
// lists, which are older than anything it lists.
func keepNewest(held, current []feeds.Item, n int) ([]feeds.Item, int) {
	order := make([]feeds.Item, 0, len(held))
	listed := make(map[string]bool, len(current))
	for _, it := range current {
		listed[it.ID] = true
		order = append(order, it)
	}
	for _, it := range held {
		if !listed[it.ID] {
			order = append(order, it)
		}
	}
	newest, _ := feeds.Newest(order, n)
	keep := make(map[string]bool, len(newest))
	for _, it := range newest {
		keep[it.ID] = true
	}
	kept := slices.DeleteFunc(held, func(it feeds.Item) bool { return !keep[it.ID] })
	// The dropped items' slots are cleared by DeleteFunc; the array is
	// shrunk when much of it is left unused.
	if cap(kept) > 2*len(kept)+64 {
		kept = slices.Clip(slices.Clone(kept))
	}
	return kept, len(held) - len(kept)
}

// Run processes submitted work until ctx is done, then finishes the work
// in hand (for at most drain) and returns.
func (p *Pipeline) Run(ctx context.Context, drain time.Duration) {
	var wg sync.WaitGroup
	for range p.opt.Workers {
		wg.Go(func() { p.worker(ctx, drain) })
	}
	wg.Wait()
}

func (p *Pipeline) worker(ctx context.Context, drain time.Duration) {
	for {
		ids := p.nextBatch(ctx)
		if len(ids) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-p.wake:
				continue
			}
		}
		// Work in hand is finished even when ctx ends meanwhile, within
		// the drain time, so nothing is left half-written.
		wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		stop := context.AfterFunc(ctx, func() {
			time.AfterFunc(drain, cancel)
		})
		errs := p.processBatch(wctx, ids)
		stop()
		cancel()
		failed := false
		for i, id := range ids {
			p.done(id, errs[i] != nil)
			failed = failed || errs[i] != nil
		}
		if failed {
			if !p.backoff(ctx) {
				return
			}
		}
	}
}

// nextBatch takes sources with work off the ready list, at most
// BatchSize; none when there is none, or when another worker is
// gathering them. With work ready and fewer than BatchSize sources, it
// first waits Options.Gather for more (not once ctx is done).
func (p *Pipeline) nextBatch(ctx context.Context) []string {
	p.mu.Lock()
	if len(p.ready) == 0 || p.gathering {
		p.mu.Unlock()
		return nil
	}
	if p.opt.Gather > 0 && len(p.ready) < p.opt.BatchSize && ctx.Err() == nil {
		p.gathering = true
		p.mu.Unlock()
		t := time.NewTimer(p.opt.Gather)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		p.mu.Lock()
		p.gathering = false
	}
	defer p.mu.Unlock()
	n := min(len(p.ready), p.opt.BatchSize)
	ids := slices.Clone(p.ready[:n])
	p.ready = p.ready[n:]
	if len(p.ready) > 0 {
		// More than a batch, or work that came while gathering and
		// was left to this worker: another worker takes it.
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
	return ids
}

// done puts a source back on the ready list when it still has work.
func (p *Pipeline) done(id string, failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.pending[id]
	if w == nil || len(w.unseen)+len(w.fresh) == 0 {
		delete(p.pending, id)
		delete(p.queued, id)
		return
	}
	p.ready = append(p.ready, id)
	if !failed {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// backoff waits after a failure: exponential with jitter, reset by the
// next success. It reports false when ctx ended.
func (p *Pipeline) backoff(ctx context.Context) bool {
	d := p.outage.delay()
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		select {
		case p.wake <- struct{}{}:
		default:
		}
		return true
	}
}

// processBatch works through the pending items of the sources ids, each
// in order: mark the unseen ones seen (all the sources' in one round
// trip when the store can), then turn each fresh one into an alert. On a
// source's error it stops where that source is; what is left stays
// pending for the next try. errs[i] is the error of ids[i].
func (p *Pipeline) processBatch(ctx context.Context, ids []string) (errs []error) {
	errs = make([]error, len(ids))
	type marking struct {
		i      int // in ids
		w      *sourceWork
		unseen []feeds.Item
	}
	var marks []marking
	works := make([]*sourceWork, len(ids))
	for i, id := range ids {
		p.mu.Lock()
		w := p.pending[id]
		if w == nil {
			p.mu.Unlock()
			continue
		}
		works[i] = w
		unseen, dropped, inOutage := w.unseen, w.dropped, w.inOutage
		w.unseen, w.dropped, w.inOutage = nil, 0, false
		marked := p.marked[id]
		p.mu.Unlock()
		if dropped > 0 {
			if inOutage {
				p.log.Warn("items dropped while redis was unavailable: more were held than the bound, the oldest went",
					slog.String("source", id), slog.Int("dropped", dropped), slog.Int("bound", p.opt.MaxPending))
			} else {
				p.log.Warn("items skipped: more were waiting for this source than the bound, the oldest went",
					slog.String("source", id), slog.Int("dropped", dropped), slog.Int("bound", p.opt.MaxPending))
			}
		}
		if len(unseen) > 0 || !marked {
			marks = append(marks, marking{i: i, w: w, unseen: unseen})
		}
	}

	polls := make([]store.SeenPoll, len(marks))
	for j, m := range marks {
		itemIDs := make([]string, len(m.unseen))
		for k, it := range m.unseen {
			itemIDs[k] = it.ID
		}
		polls[j] = store.SeenPoll{SourceID: ids[m.i], ItemIDs: itemIDs}
	}
	results := p.markSeen(ctx, polls)
	for j, m := range marks {
		id, r := ids[m.i], results[j]
		if r.Err != nil {
			p.requeue(id, m.unseen)
			errs[m.i] = p.failed(fmt.Errorf("mark seen %s: %w", id, r.Err))
			continue
		}
		if r.Baseline {
			p.log.Info("first poll of a source: its current items are the baseline", slog.String("source", id), slog.Int("items", len(polls[j].ItemIDs)))
		}
		isFresh := make(map[string]bool, len(r.Fresh))
		for _, f := range r.Fresh {
			isFresh[f] = true
		}
		var added []feeds.Item
		p.mu.Lock()
		p.marked[id] = true
		for _, it := range m.unseen {
			if isFresh[it.ID] {
				m.w.fresh = append(m.w.fresh, it)
				added = append(added, it)
			}
		}
		src := m.w.src
		p.mu.Unlock()
		if len(added) > 0 && p.opt.OnFresh != nil {
			p.opt.OnFresh(src, added)
		}
	}

	for i, w := range works {
		if w == nil || errs[i] != nil {
			continue
		}
		p.mu.Lock()
		src := w.src
		p.mu.Unlock()
		if err := p.alertFresh(ctx, src, w); err != nil {
			errs[i] = p.failed(err)
			continue
		}
		p.outage.ok()
	}
	return errs
}

// markSeen marks the polls seen: in one round trip when the store is a
// SeenBatcher and there are several, else one by one.
func (p *Pipeline) markSeen(ctx context.Context, polls []store.SeenPoll) []store.SeenResult {
	if b, ok := p.opt.Seen.(SeenBatcher); ok && len(polls) > 1 {
		return b.MarkSeenMany(ctx, polls)
	}
	results := make([]store.SeenResult, len(polls))
	for i, sp := range polls {
		r := &results[i]
		r.Fresh, r.Baseline, r.Err = p.opt.Seen.MarkSeen(ctx, sp.SourceID, sp.ItemIDs)
	}
	return results
}

// requeue puts items that could not be marked back in front.
func (p *Pipeline) requeue(id string, items []feeds.Item) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.pending[id]
	have := make(map[string]bool, len(items))
	for _, it := range items {
		have[it.ID] = true
	}
	rest := slices.DeleteFunc(w.unseen, func(it feeds.Item) bool { return have[it.ID] })
	w.unseen = append(items, rest...)
}

func (p *Pipeline) failed(err error) error {
	p.outage.failed(err)
	return err
}

// candidate is a fresh item with what deciding its alert needs.
type candidate struct {
	item    feeds.Item
	matches []ruleMatch
	fp      story.Fingerprint
	sfp     store.FP // fp as the story index keeps it
}

// alertFresh turns a source's fresh items into deliveries, in order: the
// items that are urgent or match a rule get their stories resolved in one
// pipelined batch, then each new story's deliveries are queued. On an
// error the items not yet queued stay fresh for the next try; resolving
// them again finds the stories they created, so nothing is lost or sent
// twice.
func (p *Pipeline) alertFresh(ctx context.Context, src feeds.Source, w *sourceWork) error {
	p.mu.Lock()
	items := slices.Clone(w.fresh)
	p.mu.Unlock()
	if len(items) == 0 {
		return nil
	}
	cands := make([]*candidate, len(items))
	var (
		in    []store.StoryInput
		which []int // index in items of each of in
	)
	for i, it := range items {
		// MatchSeq, not Match: only each subscriber's first rule is
		// kept, so a headline matching thousands of subscribers costs
		// one pair each.
		var matches []ruleMatch
		for sub, rules := range p.matcher.MatchSeq(it.Title) {
			matches = append(matches, ruleMatch{subscriber: sub, rule: rules[0]})
		}
		if !it.Urgent && len(matches) == 0 {
			continue
		}
		c := &candidate{item: it, matches: matches, fp: story.NewFingerprint(it.Title)}
		c.fp.At = storyTime(it, p.opt.Now())
		data, err := json.Marshal(c.fp)
		if err != nil {
			return fmt.Errorf("story fingerprint: %w", err)
		}
		c.sfp = store.FP{Hash: c.fp.Hash, Keys: c.fp.Keys, Data: string(data)}
		cands[i] = c
		in = append(in, store.StoryInput{
			FP:   c.sfp,
			Item: store.StoryItem{SourceID: src.ID, ItemID: it.ID, Title: it.Title, Link: it.Link},
		})
		which = append(which, i)
	}
	var res []store.Resolution
	if len(in) > 0 {
		var err error
		res, err = p.opt.Stories.ResolveBatch(ctx, in, func(j int, stories []store.StoryRecord) int {
			return p.picker.pick(cands[which[j]].fp)(stories)
		})
		if err != nil {
			return fmt.Errorf("stories of %s: %w", src.ID, err)
		}
	}
	next := 0
	for _, c := range cands {
		if c != nil {
			if err := p.deliver(ctx, src, c, res[next]); err != nil {
				return err
			}
			next++
		}
		p.mu.Lock()
		w.fresh = w.fresh[1:]
		p.mu.Unlock()
	}
	return nil
}

// deliver queues the deliveries of an item whose story is resolved, when
// the item started the story.
func (p *Pipeline) deliver(ctx context.Context, src feeds.Source, c *candidate, res store.Resolution) error {
	it := c.item
	// An item that already started its story (a retry after a failure
	// further down) is still this item's alert; deliveries are deduped.
	own := res.Created || (res.Story.FirstSource == src.ID && res.Story.FirstItemID == it.ID)
	if !own {
		p.log.Debug("later report of a known story", slog.String("source", src.ID),
			slog.String("item", it.ID), slog.String("story", res.Story.ID), slog.String("first_source", res.Story.FirstSource))
		if p.opt.OnMerged != nil {
			p.opt.OnMerged(res.Story.ID, src, res.Added)
		}
		updated, err := p.updateStory(ctx, c, res.Story)
		if err != nil {
			return err
		}
		if (res.Added || updated) && p.opt.Edits != nil {
			// Best effort: the source is recorded on the story either
			// way, and the next source to join schedules the edit again.
			if err := p.opt.Edits.ScheduleEdit(ctx, res.Story.ID, p.opt.Now().Add(p.opt.EditDelay)); err != nil {
				p.log.Warn("scheduling the edit of a story's messages", slog.String("story", res.Story.ID),
					slog.String("source", src.ID), slog.Any("error", err))
			}
		}
		return nil
	}
	deliveries := p.recipients(src, it, res.Story.ID, c.matches)
	queued := 0
	for batch := range slices.Chunk(deliveries, 1000) {
		n, err := p.opt.Outbox.Enqueue(ctx, batch)
		if err != nil {
			return fmt.Errorf("enqueue story %s: %w", res.Story.ID, err)
		}
		queued += n
	}
	if it.Urgent && res.Created && p.opt.Cascade != nil {
		p.opt.Cascade.Cascade(src.ID, p.opt.Now().Add(p.opt.CascadeFor))
	}
	if it.Urgent && p.opt.OnAlert != nil {
		p.opt.OnAlert(Alert{Source: src, Item: it, StoryID: res.Story.ID, Queued: queued})
	}
	return nil
}

// updateStory makes a later report with new figures of a story's event
// (a toll that rose) the story's headline, so that the edit of its sent
// messages shows them. It reports whether it did.
func (p *Pipeline) updateStory(ctx context.Context, c *candidate, rec store.StoryRecord) (bool, error) {
	sfp, ok := p.picker.fingerprint(rec.Data)
	if !ok {
		return false, nil
	}
	if v, _ := story.Compare(c.fp, sfp); v != story.Update || !story.RaisesFigures(c.fp, sfp) || c.item.Title == rec.Title {
		return false, nil
	}
	if err := p.opt.Stories.SetTitle(ctx, rec.ID, c.sfp, c.item.Title); err != nil {
		return false, fmt.Errorf("update story %s: %w", rec.ID, err)
	}
	p.log.Info("story updated with new figures", slog.String("story", rec.ID),
		slog.String("item", c.item.ID), slog.String("title", c.item.Title))
	return true, nil
}

// storyTime is when an item was reported, for comparing it with other
// reports: its publication time when the source gives a plausible one (not
// in the future, not older than two days), else now.
func storyTime(it feeds.Item, now time.Time) int64 {
	if p := it.Published; !p.IsZero() && !p.After(now.Add(5*time.Minute)) && p.After(now.Add(-48*time.Hour)) {
		return p.Unix()
	}
	return now.Unix()
}

// storyPicker decides which candidate story an item tells. It keeps the
// fingerprints it has read back from the index: the same recent stories
// are the candidates of many items, and reading one costs more than
// comparing it.
type storyPicker struct {
	parsed *lru.Cache[string, story.Fingerprint] // by the stored data
}

// storyPickerSize bounds the fingerprints kept: more than a busy day's
// stories that share keys with new items.
const storyPickerSize = 8192

func newStoryPicker() *storyPicker {
	c, err := lru.New[string, story.Fingerprint](storyPickerSize)
	if err != nil {
		panic("pipeline: story picker: " + err.Error()) // only for a size ≤ 0
	}
	return &storyPicker{parsed: c}
}

// fingerprint returns the fingerprint stored as data.
func (sp *storyPicker) fingerprint(data string) (story.Fingerprint, bool) {
	if fp, ok := sp.parsed.Get(data); ok {
		return fp, true
	}
	var fp story.Fingerprint
	if json.Unmarshal([]byte(data), &fp) != nil {
		return fp, false
	}
	sp.parsed.Add(data, fp)
	return fp, true
}

// pick returns the Pick that chooses, among candidate stories, the one
// the item is the same event as (or an update of), by the best score.
func (sp *storyPicker) pick(fp story.Fingerprint) store.Pick {
	return func(cands []store.StoryRecord) int {
		best, bestScore := -1, 0.0
		for i, c := range cands {
			cfp, ok := sp.fingerprint(c.Data)
			if !ok {
				continue
			}
			v, score := story.Compare(fp, cfp)
			if v != story.Different && score > bestScore {
				best, bestScore = i, score
			}
		}
		return best
	}
}

// ruleMatch is a subscriber whose rule matched an item, with its first
// matching rule as written.
type ruleMatch struct{ subscriber, rule string }

// recipients lists the deliveries of a new story: every active, unpaused
// subscriber following the source that has no rules (urgent items only),
// or whose rule matched (urgent items, or all items in mode "all").
func (p *Pipeline) recipients(src feeds.Source, it feeds.Item, storyID string, matches []ruleMatch) []store.Delivery {
	now := p.opt.Now()
	p.subMu.RLock()
	defer p.subMu.RUnlock()
	var out []store.Delivery
	add := func(s store.Subscriber, rule string) {
		out = append(out, store.Delivery{
			ChatID: s.ChatID, StoryID: storyID, ItemID: it.ID, SourceID: src.ID,
			Urgent: it.Urgent, Title: it.Title, Link: it.Link, Image: it.Image, Published: it.Published,
			Rule: rule, MatchedAt: now,
		})
	}
	if it.Urgent {
		for _, id := range p.ruleless {
			if s := p.subs[id]; receives(s, src.ID, now) {
				add(s, "")
			}
		}
	}
	for _, m := range matches {
		id, err := strconv.ParseInt(m.subscriber, 10, 64)
		if err != nil {
			continue
		}
		s, ok := p.subs[id]
		if !ok || !receives(s, src.ID, now) || (!it.Urgent && s.Mode != "all") {
			continue
		}
		add(s, m.rule)
	}
	return out
}

// SubscriberCounts counts the subscribers the pipeline knows: active
// (receiving alerts), paused (by /pause, now) and inactive (Telegram
// refused to deliver: blocked, kicked, deleted).
func (p *Pipeline) SubscriberCounts() (active, paused, inactive int) {
	now := p.opt.Now()
	p.subMu.RLock()
	defer p.subMu.RUnlock()
	for _, s := range p.subs {
		switch {
		case !s.Active:
			inactive++
		case now.Before(s.PausedUntil):
			paused++
		default:
			active++
		}
	}
	return active, paused, inactive
}

// receives reports whether a subscriber gets alerts from source now.
func receives(s store.Subscriber, source string, now time.Time) bool {
	if !s.Active || now.Before(s.PausedUntil) {
		return false
	}
	return len(s.Sources) == 0 || slices.Contains(s.Sources, source)
}

// ApplySubscribers brings the pipeline's subscribers and the matcher up
// to date (store.WatchSubscribers' callback).
func (p *Pipeline) ApplySubscribers(u store.SubscriberUpdate) {
	changes := make(map[string][]match.Rule)
	p.subMu.Lock()
	if u.Full {
		for id := range p.subs {
			changes[strconv.FormatInt(id, 10)] = nil
		}
		p.subs = make(map[int64]store.Subscriber, len(u.Subscribers))
	}
	for _, id := range u.Removed {
		delete(p.subs, id)
		changes[strconv.FormatInt(id, 10)] = nil
	}
	for _, s := range u.Subscribers {
		p.subs[s.ChatID] = s
		var rules []match.Rule
		for _, text := range s.Rules {
			r, err := match.ParseRule(text)
			if err != nil {
				p.log.Warn("stored rule does not parse; ignored", slog.Int64("chat", s.ChatID), slog.String("rule", text), slog.Any("error", err))
				continue
			}
			rules = append(rules, r)
		}
		changes[strconv.FormatInt(s.ChatID, 10)] = rules
	}
	p.ruleless = p.ruleless[:0]
	for id, s := range p.subs {
		if len(s.Rules) == 0 {
			p.ruleless = append(p.ruleless, id)
		}
	}
	slices.Sort(p.ruleless)
	p.subMu.Unlock()
	if u.Full {
		all := make(map[string][]match.Rule, len(changes))
		for k, v := range changes {
			if len(v) > 0 {
				all[k] = v
			}
		}
		p.matcher.Build(all)
		return
	}
	p.matcher.Update(changes)
}

// outageLog reports a run of failures once when it starts and once when
// it ends, and gives the backoff delay.
type outageLog struct {
	log      *slog.Logger
	mu       sync.Mutex
	failures int
	since    time.Time
}

func (o *outageLog) failed(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failures++
	if o.failures == 1 {
		o.since = time.Now()
		if store.IsUnavailable(err) {
			o.log.Warn("redis unavailable: new items are held and will be alerted when it is back", slog.Any("error", err))
			return
		}
		o.log.Error("pipeline error: retrying with backoff", slog.Any("error", err))
	}
}

// active reports whether the last try failed.
func (o *outageLog) active() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.failures > 0
}

func (o *outageLog) ok() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failures > 0 {
		o.log.Info("pipeline recovered", slog.Duration("after", time.Since(o.since).Round(time.Millisecond)), slog.Int("failed_tries", o.failures))
	}
	o.failures = 0
}

func (o *outageLog) delay() time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	d := 100 * time.Millisecond
	for i := 1; i < o.failures && d < 30*time.Second; i++ {
		d *= 2
	}
	return min(d, 30*time.Second)
}
