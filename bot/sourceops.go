package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aajil/aajil/configs"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
)

// Audit actions, as stored in the audit log: the admin commands' and an
// import's, by chat or by the web console alike.
const (
	ActionAddFeed    = "addfeed"
	ActionSetFeed    = "setfeed"
	ActionDelFeed    = "delfeed"
	ActionPauseFeed  = "pausefeed"
	ActionResumeFeed = "resumefeed"
	ActionImport     = "import"
	// ActionRetryDelivery is a dead letter put back into the outbox from
	// the web console.
	ActionRetryDelivery = "retry"
)

// SourceOps are the changes to the sources registry that the admin
// commands and the web console share: each goes live at once (the
// registry's watchers pick it up), is audited with who made it (by:
// "tg:ID" from a chat, "web:tg:ID" from the console), and gives a source
// going live, live again or to another document its baseline first.
// Validation is ApplySourceFields, SourceProblems and CheckURL.
type SourceOps struct {
	st           *store.Store
	prober       Prober
	allowPrivate bool
	now          func() time.Time
}

// NewSourceOps returns the source operations on st; prober (may be nil)
// probes a source for its baseline; allowPrivate is
// AAJIL_ALLOW_PRIVATE_SOURCES; now is the clock (time.Now when nil).
func NewSourceOps(st *store.Store, prober Prober, allowPrivate bool, now func() time.Time) *SourceOps {
	if now == nil {
		now = time.Now
	}
	return &SourceOps{st: st, prober: prober, allowPrivate: allowPrivate, now: now}
}

// origin is the store origin of a change made by by.
func (o *SourceOps) origin(by string) store.Origin {
	return store.Origin{By: by, At: o.now().UTC()}
}

// Audit writes one change to the audit log. before and after are the
// source before and after the change, nil when absent.
func (o *SourceOps) Audit(ctx context.Context, by, action, target string, before, after *feeds.Source) error {
	enc := func(s *feeds.Source) (string, error) {
		if s == nil {
			return "", nil
		}
		raw, err := json.Marshal(s)
		return string(raw), err
	}
	bs, err := enc(before)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", action, target, err)
	}
	as, err := enc(after)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", action, target, err)
	}
	return o.st.Audit(ctx, store.AuditEntry{At: o.now().UTC(), By: by, Action: action, Target: target, Before: bs, After: as})
}

// CheckURL checks a source URL against the fetch policy before anything
// is fetched (feeds.CheckURLPolicy with AAJIL_ALLOW_PRIVATE_SOURCES).
func (o *SourceOps) CheckURL(url string) error {
	return feeds.CheckURLPolicy(url, o.allowPrivate)
}

// Refusal says why the fetch policy refused a URL.
type Refusal int

// The refusals of the fetch policy.
const (
	NotRefused     Refusal = iota // allowed, or an error of another kind
	RefusedPrivate                // a private address, however reached; detail: the address
	RefusedScheme                 // a scheme other than http and https
	RefusedAddress                // numbers that make no address; detail: the error
)

// ClassifyRefusal tells a refusal of the fetch policy (of CheckURL, or
// of a probe's dial or redirect) from other errors, with its detail.
func ClassifyRefusal(err error) (Refusal, string) {
	var blocked *feeds.BlockedError
	switch {
	case err == nil:
		return NotRefused, ""
	case errors.As(err, &blocked):
		return RefusedPrivate, blocked.Addr.String()
	case errors.Is(err, feeds.ErrUnsupportedScheme):
		return RefusedScheme, ""
	case errors.Is(err, feeds.ErrInvalidAddress):
		return RefusedAddress, err.Error()
	}
	return NotRefused, ""
}

// Probe polls src once, as /probe and /addfeed do; without a prober
// the result's Err says so.
func (o *SourceOps) Probe(ctx context.Context, src feeds.Source) feeds.PollResult {
	if o.prober == nil {
		return feeds.PollResult{Source: src, Err: errors.New("probing is not configured")}
	}
	return o.prober.Poll(ctx, src, feeds.Validators{})
}

// Exists reports whether the registry has a source with this id.
func (o *SourceOps) Exists(ctx context.Context, id string) (bool, error) {
	switch _, err := o.st.Source(ctx, id); {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	default:
		return false, err
	}
}

// Add puts a new source live with the items its probe found as its
// baseline, and audits it.
func (o *SourceOps) Add(ctx context.Context, by string, src feeds.Source, probed []feeds.Item) error {
	if err := o.st.SetBaseline(ctx, src, itemIDs(probed)); err != nil {
		return err
	}
	if err := o.st.PutSource(ctx, src, o.origin(by)); err != nil {
		return err
	}
	return o.Audit(ctx, by, ActionAddFeed, src.ID, nil, &src)
}

// Update replaces a source's definition (validated by the caller); a new
// URL or kind is probed for its baseline first.
func (o *SourceOps) Update(ctx context.Context, by string, before, after feeds.Source) error {
	if store.BaselineTag(after) != store.BaselineTag(before) && !after.Paused {
		// Another document: what it shows now is its baseline, not a
		// flood of news.
		if err := o.Rebase(ctx, after); err != nil {
			return err
		}
	}
	if err := o.st.PutSource(ctx, after, o.origin(by)); err != nil {
		return err
	}
	return o.Audit(ctx, by, ActionSetFeed, before.ID, &before, &after)
}

// SetPaused pauses or resumes a source; nothing is done when it already
// is. store.ErrNotFound: it was deleted meanwhile.
func (o *SourceOps) SetPaused(ctx context.Context, by string, before feeds.Source, paused bool) error {
	if before.Paused == paused {
		return nil
	}
	action := ActionPauseFeed
	if !paused {
		action = ActionResumeFeed
		// What the source shows now was published while it was paused:
		// it is the baseline, and only what comes after is alerted.
		if err := o.Rebase(ctx, before); err != nil {
			return err
		}
	}
	if err := o.st.SetPaused(ctx, before.ID, paused, o.origin(by)); err != nil {
		return err
	}
	after := before
	after.Paused = paused
	return o.Audit(ctx, by, action, before.ID, &before, &after)
}

// Delete removes a source. store.ErrNotFound: it was deleted meanwhile.
func (o *SourceOps) Delete(ctx context.Context, by string, before feeds.Source) error {
	if err := o.st.DeleteSource(ctx, before.ID, o.origin(by)); err != nil {
		return err
	}
	return o.Audit(ctx, by, ActionDelFeed, before.ID, &before, nil)
}

// Rebase makes what src shows now its baseline before it goes live (or
// live again, or at another URL): the items of a probe, so that anything
// published after the admin's command is alerted; when the probe fails,
// the seen set is forgotten and the first poll is the baseline, so the
// document's back catalogue is not alerted either way.
func (o *SourceOps) Rebase(ctx context.Context, src feeds.Source) error {
	if o.prober != nil {
		if res := o.prober.Poll(ctx, src, feeds.Validators{}); res.Err == nil {
			return o.st.SetBaseline(ctx, src, itemIDs(res.Items))
		}
	}
	return o.st.ResetBaseline(ctx, src)
}

// itemIDs returns the ids of items.
func itemIDs(items []feeds.Item) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids
}

// ParseImport parses and checks a sources file as an import takes it
// (configs.ParseSources under the fetch policy); the error lists every
// problem, one a line, each with its line in the file.
func (o *SourceOps) ParseImport(data []byte) (*configs.Config, error) {
	return configs.ParseSources(data, o.allowPrivate)
}

// ImportPlan is what an import changes.
type ImportPlan struct {
	Sources                 []feeds.Source          // the file's
	Current                 map[string]feeds.Source // the registry's, by id
	Added, Changed, Removed []string                // ids
}

// NeedsConfirmation: the import removes every source, or more than half.
func (p ImportPlan) NeedsConfirmation() bool {
	return len(p.Current) > 0 && 2*len(p.Removed) > len(p.Current)
}

// Changes is how many sources the import adds, changes and removes.
func (p ImportPlan) Changes() int { return len(p.Added) + len(p.Changed) + len(p.Removed) }

// PlanImport compares the file's sources with the registry's.
func (o *SourceOps) PlanImport(ctx context.Context, cfg *configs.Config) (ImportPlan, error) {
	recs, err := o.st.Sources(ctx)
	if err != nil {
		return ImportPlan{}, err
	}
	p := ImportPlan{Sources: cfg.Sources, Current: make(map[string]feeds.Source, len(recs))}
	for _, r := range recs {
		p.Current[r.Source.ID] = r.Source
	}
	seen := make(map[string]bool, len(cfg.Sources))
	for _, src := range cfg.Sources {
		seen[src.ID] = true
		old, ok := p.Current[src.ID]
		switch {
		case !ok:
			p.Added = append(p.Added, src.ID)
		case !sameSource(old, src):
			p.Changed = append(p.Changed, src.ID)
		}
	}
	for id := range p.Current {
		if !seen[id] {
			p.Removed = append(p.Removed, id)
		}
	}
	slices.Sort(p.Removed)
	return p, nil
}

// ApplyImport makes the registry's sources the plan's, each change
// audited. After a Redis error half way what was done stays done and
// audited, and the file can be imported again.
func (o *SourceOps) ApplyImport(ctx context.Context, by string, p ImportPlan) error {
	for _, src := range p.Sources {
		old, ok := p.Current[src.ID]
		if ok && sameSource(old, src) {
			continue
		}
		if err := o.st.PutSource(ctx, src, o.origin(by)); err != nil {
			return fmt.Errorf("import %s: %w", src.ID, err)
		}
		before := &old
		if !ok {
			before = nil
		}
		if err := o.Audit(ctx, by, ActionImport, src.ID, before, &src); err != nil {
			return err
		}
	}
	for _, id := range p.Removed {
		old := p.Current[id]
		if err := o.st.DeleteSource(ctx, id, o.origin(by)); err != nil {
			return fmt.Errorf("import: remove %s: %w", id, err)
		}
		if err := o.Audit(ctx, by, ActionImport, id, &old, nil); err != nil {
			return err
		}
	}
	return nil
}

// sameSource reports whether two source definitions are equal.
func sameSource(a, b feeds.Source) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// FieldProblem is a field an admin set that cannot be used: unknown, or
// with a bad value (Reason, in English).
type FieldProblem struct {
	Field, Reason string
	Unknown       bool
}

// ApplySourceFields sets key=value fields (the keys of /setfeed and
// /addfeed: id, name, url, kind, interval, min_interval, max_interval,
// all_urgent, item, text, link, marker, image, lang) on src and returns every problem,
// in key order, so that replies are stable.
func ApplySourceFields(src *feeds.Source, kv map[string]string) []FieldProblem {
	var probs []FieldProblem
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		v := strings.TrimSpace(kv[k])
		text := map[string]*string{"id": &src.ID, "name": &src.Name, "url": &src.URL, "item": &src.Item,
			"text": &src.Text, "link": &src.Link, "marker": &src.Marker, "image": &src.Image, "lang": &src.Lang}
		if dst, ok := text[k]; ok {
			*dst = v
			continue
		}
		switch k {
		case "kind":
			src.Kind = feeds.Kind(v)
		case "interval", "min_interval", "max_interval":
			d, ok := fieldDuration(v)
			if !ok {
				probs = append(probs, FieldProblem{Field: k, Reason: fmt.Sprintf("%q is not a duration such as 30s or 2m", v)})
				break
			}
			switch k {
			case "interval":
				src.Interval = d
			case "min_interval":
				src.MinInterval = d
			default:
				src.MaxInterval = d
			}
		case "all_urgent":
			switch strings.ToLower(v) {
			case "true", "yes", "on", "1":
				src.AllUrgent = true
			case "false", "no", "off", "0", "":
				src.AllUrgent = false
			default:
				probs = append(probs, FieldProblem{Field: k, Reason: fmt.Sprintf("%q is not true or false", v)})
			}
		default:
			probs = append(probs, FieldProblem{Field: k, Unknown: true})
		}
	}
	return probs
}

// fieldDuration reads a duration field's value; empty means unset (0).
func fieldDuration(v string) (time.Duration, bool) {
	if v == "" {
		return 0, true
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		d, err = ParseDuration(v)
	}
	return d, err == nil
}

// SourceProblems runs feeds.Source.Validate and turns its field errors
// into problems.
func SourceProblems(src *feeds.Source) []FieldProblem {
	err := src.Validate()
	if err == nil {
		return nil
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var probs []FieldProblem
	for _, e := range errs {
		var fe *feeds.FieldError
		if errors.As(e, &fe) {
			probs = append(probs, FieldProblem{Field: fe.Field, Reason: fe.Msg})
		} else {
			probs = append(probs, FieldProblem{Field: "source", Reason: e.Error()})
		}
	}
	return probs
}
