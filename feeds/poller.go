package feeds

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/aajil/aajil/alerts"
)

// Poller fetches and parses sources: the production implementation of
// the scheduler's poll step.
type Poller struct {
	fetcher  *Fetcher
	detector *alerts.Detector
	now      func() time.Time

	// withMarkers caches the detectors of sources with markers of their
	// own, by their markers joined, so one is built once, not per poll.
	withMarkers sync.Map // string → *alerts.Detector

	// parsing bounds the documents parsed at once to the CPUs: a parse
	// is CPU work, so more at once finish no sooner, and each holds its
	// document and its garbage (the first round of polls, every source
	// changed, parsed them all at once).
	parsing chan struct{}

	// items holds the items of each source's last RSS or Atom document,
	// so that the next one is parsed only in what changed.
	items *itemCache
}

// NewPoller returns a poller that fetches with f and classifies urgency
// with det (the global markers; a source's own markers are added to them).
func NewPoller(f *Fetcher, det *alerts.Detector) *Poller {
	return &Poller{fetcher: f, detector: det, now: time.Now, parsing: make(chan struct{}, runtime.GOMAXPROCS(0)), items: newItemCache()}
}

// Poll fetches src (conditionally, with v) and parses the document.
func (p *Poller) Poll(ctx context.Context, src Source, v Validators) PollResult {
	return p.poll(ctx, src, v, false)
}

// Inspect polls src once, unconditionally, as Poll does (the same fetch
// policy), and keeps each html item's element (Item.Element): what the
// web console's selector tester shows.
func (p *Poller) Inspect(ctx context.Context, src Source) PollResult {
	return p.poll(ctx, src, Validators{}, true)
}

// poll is Poll; with elements, html items keep their element.
func (p *Poller) poll(ctx context.Context, src Source, v Validators, elements bool) (res PollResult) {
	res = PollResult{Source: src, Validators: v, Started: p.now()}
	defer func() { res.Duration = p.now().Sub(res.Started) }()

	resp, err := p.fetcher.Fetch(ctx, src, v)
	if err != nil {
		res.Err = err
		var fe *FetchError
		if errors.As(err, &fe) {
			res.RetryAfter = fe.RetryAfter
		}
		return res
	}
	res.Validators = resp.Validators
	if resp.NotModified {
		p.items.forget(src.ID)
		res.NotModified = true
		return res
	}
	res.Hub = DiscoverHub(resp.Links, resp.Body, src.EffectiveKind(), resp.URL)
	items, omitted, err := p.parse(src, resp.Body, resp.URL, elements)
	size := len(resp.Body)
	resp = nil
	if size >= returnAfter {
		// The body and the parse's garbage are many times what the
		// process holds otherwise: given back to the system now rather
		// than kept resident until the runtime's scavenger gets to it.
		debug.FreeOSMemory()
	}
	if err != nil {
		res.Err = err
		return res
	}
	res.Items, res.Omitted = items, omitted
	return res
}

// Document parses a document of src that arrived otherwise than by a poll
// (a WebSub push): raw is decoded to UTF-8 by contentType and the source's
// charset, then parsed as a poll's would be. The result has no
// validators; Started and Duration are set.
func (p *Poller) Document(src Source, raw []byte, contentType, baseURL string) (res PollResult) {
	res = PollResult{Source: src, Started: p.now()}
	defer func() { res.Duration = p.now().Sub(res.Started) }()
	body, _, err := DecodeBody(raw, contentType, src.Charset)
	if err != nil {
		res.Err = &ParseError{Kind: src.EffectiveKind(), Err: err}
		return res
	}
	res.Items, res.Omitted, res.Err = p.parse(src, body, baseURL, false)
	return res
}

// parse parses a decoded document of src with the source's detector,
// waiting for a turn (parsing). With elements, html items keep their
// element (Inspect), and the document is parsed whole.
func (p *Poller) parse(src Source, body []byte, baseURL string, elements bool) ([]Item, int, error) {
	det, err := p.sourceDetector(src)
	if err != nil {
		return nil, 0, fmt.Errorf("source %s: markers: %w", src.ID, err)
	}
	p.parsing <- struct{}{}
	defer func() { <-p.parsing }()
	if elements {
		return parseLimit(src, body, baseURL, det, MaxItems, true)
	}
	return p.items.parse(src, body, baseURL, det, MaxItems)
}

// Forget drops what the poller keeps of a source between polls (the
// items of its last document); SchedulerOptions.Removed calls it when a
// source is removed.
func (p *Poller) Forget(id string) { p.items.forget(id) }

// returnAfter is the size of a document after whose poll the memory it
// took is given back to the system at once (debug.FreeOSMemory, a full
// collection: a few milliseconds for this process's heap). Below it, the
// runtime returns memory at its own pace.
const returnAfter = 16 << 20

func (p *Poller) sourceDetector(src Source) (*alerts.Detector, error) {
	if len(src.Markers) == 0 {
		return p.detector, nil
	}
	key := strings.Join(src.Markers, "\x00")
	if d, ok := p.withMarkers.Load(key); ok {
		return d.(*alerts.Detector), nil
	}
	d, err := p.detector.With(src.Markers)
	if err != nil {
		return nil, err
	}
	p.withMarkers.Store(key, d)
	return d, nil
}
