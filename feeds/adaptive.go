package feeds

import (
	"hash/maphash"
	"math"
	"slices"
	"time"
)

// Defaults of the adaptive interval of a source that sets no bounds.
const (
	DefaultMinPoll = 10 * time.Second
	DefaultMaxPoll = 5 * time.Minute
)

// Tuning of the adaptive interval.
const (
	// rateTau is the time constant of the decayed estimate of a source's
	// rate of new items: an hour of quiet weighs e^-0.5 of now.
	rateTau = 2 * time.Hour
	// intervalShare is the interval as a share of the expected time to
	// the next new item, for a source that publishes at most one item
	// every busyGap.
	intervalShare = 0.25
	// busyGap: a source busier than one new item every busyGap is
	// polled at a share of its expected gap that falls with the square
	// root of its rate (intervalForGap), as most new items, and most of
	// the wait for them, are on the busy sources (tools/pollsim).
	busyGap = 30 * time.Minute
	// growStep is the most an unchanged poll lengthens the interval by.
	growStep = 1.25
	// urgentWeight is how many new items an urgent new item counts as.
	urgentWeight = 3.0
)

// IntervalReason says why a source is polled at its current interval.
type IntervalReason string

// The reasons of an interval.
const (
	ReasonFixed   IntervalReason = "fixed"   // the configured interval, not adapted
	ReasonLearned IntervalReason = "learned" // from the source's rate of new items
	ReasonCascade IntervalReason = "cascade" // faster for a while after breaking news elsewhere
	ReasonPush    IntervalReason = "push"    // slower while pushes arrive
)

// Rate is a decayed estimate of a source's rate of new items: Items (an
// urgent one counted urgentWeight times) over Span of observed time, both
// decayed with rateTau.
type Rate struct {
	Items float64
	Span  time.Duration
}

// PerHour returns the estimated new items an hour, 0 when nothing was
// observed.
func (r Rate) PerHour() float64 {
	if r.Span <= 0 {
		return 0
	}
	return r.Items / r.Span.Hours()
}

// observe adds n new items seen after dt of observation.
func (r Rate) observe(n float64, dt time.Duration) Rate {
	if dt < 0 {
		dt = 0
	}
	d := math.Exp(-float64(dt) / float64(rateTau))
	return Rate{
		Items: r.Items*d + n,
		Span:  time.Duration(float64(r.Span)*d + float64(rateTau)*(1-d)),
	}
}

// pollPolicy is what a source allows its interval to be.
type pollPolicy struct {
	base, lo, hi time.Duration
	adaptive     bool
}

// policyOf resolves a source's interval fields. A source that sets
// min_interval or max_interval adapts within them (the missing one
// defaultMinPoll or DefaultMaxPoll); one that sets only interval keeps it
// fixed; one that sets none adapts within the defaults, starting at
// DefaultInterval, unless fixed says every source keeps its interval.
// min_interval = max_interval pins the source.
func policyOf(src Source, fixed bool) pollPolicy {
	base := intervalOf(src)
	if src.MinInterval <= 0 && src.MaxInterval <= 0 && (src.Interval != 0 || fixed) {
		return pollPolicy{base: base, lo: base, hi: base}
	}
	lo, hi := src.MinInterval, src.MaxInterval
	if hi <= 0 {
		hi = max(DefaultMaxPoll, base, lo)
	}
	if lo <= 0 {
		lo = min(defaultMinPoll(src), base, hi)
	}
	hi = max(hi, lo)
	return pollPolicy{base: clamp(base, lo, hi), lo: lo, hi: hi, adaptive: lo < hi}
}

// defaultMinPoll is the lower bound of a source that sets no
// min_interval: DefaultMinPoll, or DefaultTelegramInterval for kind
// telegram, whose host takes one request at a time and is not to be
// polled faster than its default unless the source says so.
func defaultMinPoll(src Source) time.Duration {
	if src.EffectiveKind() == KindTelegram {
		return max(DefaultMinPoll, DefaultTelegramInterval)
	}
	return DefaultMinPoll
}

func clamp(d, lo, hi time.Duration) time.Duration { return min(max(d, lo), hi) }

// adaptState is a source's interval state: its policy, the learned
// interval, the rate it was learned from and the end of a cascade.
type adaptState struct {
	policy       pollPolicy
	interval     time.Duration
	rate         Rate
	cascadeUntil time.Time
}

// observation is what one successful poll saw: fresh new items (urgent of
// them urgent) after elapsed since the last observation; baseline when
// there was no earlier poll to tell new items from old.
type observation struct {
	now           time.Time
	elapsed       time.Duration
	fresh, urgent int
	baseline      bool
}

// nextInterval is the adaptive policy: it returns the updated state, the
// interval until the next poll, and why. The interval is intervalForGap
// of the expected time to the next new item (a prior of one item per
// gapForInterval(base) keeps a new source at its base), clamped to the
// bounds; a rise in the rate shortens it at once, a fall lengthens it by
// at most growStep a poll. During a cascade the source is polled every
// CascadePoll (within its bounds, or at its own shorter interval). Failure backoff and Retry-After are applied after it.
func nextInterval(st adaptState, ob observation) (adaptState, time.Duration, IntervalReason) {
	p := st.policy
	if !p.adaptive {
		st.interval = p.base
		return st, p.base, ReasonFixed
	}
	cur := st.interval
	if cur <= 0 {
		cur = p.base
	}
	if !ob.baseline {
		st.rate = st.rate.observe(float64(ob.fresh)+(urgentWeight-1)*float64(ob.urgent), ob.elapsed)
		priorSpan := gapForInterval(float64(p.base))
		perNs := (st.rate.Items + 1) / (float64(st.rate.Span) + priorSpan)
		target := time.Duration(intervalForGap(1 / perNs))
		if target < cur {
			cur = target
		} else {
			cur = min(target, time.Duration(float64(cur)*growStep))
		}
	}
	st.interval = clamp(cur, p.lo, p.hi)
	if ob.now.Before(st.cascadeUntil) {
		// Every CascadePoll (or the source's own, shorter interval), not
		// at its minimum: most of a cascade's gain is its first poll and
		// the next one, and a cascade after every urgent story at the
		// minimum would cost each source five times its polls.
		return st, min(st.interval, max(p.lo, CascadePoll)), ReasonCascade
	}
	return st, st.interval, ReasonLearned
}

// Adapter is one source's adaptive poll interval: Observe feeds it every
// successful poll and returns the interval until the next one, Cascade
// puts the source in a cascade. The Scheduler keeps one per source, and
// tools/pollsim drives the same code on simulated polls. An Adapter is
// not safe for concurrent use; make one with NewAdapter.
type Adapter struct {
	st adaptState
	// items are the hashed ids of the last poll's items (nil before the
	// first poll), observed at lastObs.
	items   itemSet
	lastObs time.Time
	seed    maphash.Seed
}

// NewAdapter returns the adapter of src, with nothing learned yet;
// fixed keeps a source that sets no interval fields at its interval
// (SchedulerOptions.FixedIntervals).
func NewAdapter(src Source, fixed bool) *Adapter {
	return &Adapter{st: adaptState{policy: policyOf(src, fixed)}, seed: maphash.MakeSeed()}
}

// Reconfigure applies src's interval fields after a change: the learned
// interval starts again from the new configured one; the rate and the
// items of the last poll are kept.
func (a *Adapter) Reconfigure(src Source, fixed bool) {
	a.st.policy = policyOf(src, fixed)
	a.st.interval = 0
}

// restore takes up a state kept from an earlier run: the learned
// interval, the rate and the end of a cascade.
func (a *Adapter) restore(interval time.Duration, rate Rate, cascadeUntil time.Time) {
	a.st.interval, a.st.rate, a.st.cascadeUntil = interval, rate, cascadeUntil
}

// Observe takes the result of a successful poll that started at
// r.Started (its items, or NotModified) and returns the interval until
// the next poll and why. The first poll is a baseline: its items are not
// new.
func (a *Adapter) Observe(r *PollResult) (time.Duration, IntervalReason) {
	ob := observation{now: r.Started, elapsed: r.Started.Sub(a.lastObs), baseline: a.items == nil}
	if !r.NotModified {
		var set itemSet
		set, ob.fresh, ob.urgent = a.items.diff(a.seed, r.Items)
		if set == nil {
			set = itemSet{}
		}
		a.items = set
	}
	a.lastObs = r.Started
	var d time.Duration
	var why IntervalReason
	a.st, d, why = nextInterval(a.st, ob)
	return d, why
}

// Adaptive reports whether the source's interval adapts (and so whether
// a cascade may speed it up).
func (a *Adapter) Adaptive() bool { return a.st.policy.adaptive }

// Rate is the learned rate of new items.
func (a *Adapter) Rate() Rate { return a.st.rate }

// CascadeUntil is the end of the source's cascade, zero if none began.
func (a *Adapter) CascadeUntil() time.Time { return a.st.cascadeUntil }

// Cascade puts an adaptive source in a cascade until until: from its
// next poll on it is polled at its lower bound. It returns false, and
// changes nothing, for a source that does not adapt. The caller brings
// the next poll forward with CascadeDue.
func (a *Adapter) Cascade(until time.Time) bool {
	if !a.st.policy.adaptive {
		return false
	}
	a.st.cascadeUntil = until
	return true
}

// intervalForGap returns the interval for an expected gap between new
// items (in nanoseconds): intervalShare of it, times √(gap/busyGap) when
// the gap is shorter than busyGap.
func intervalForGap(gap float64) float64 {
	iv := intervalShare * gap
	if gap < float64(busyGap) {
		iv *= math.Sqrt(gap / float64(busyGap))
	}
	return iv
}

// gapForInterval is the inverse of intervalForGap: the expected gap
// whose interval is iv.
func gapForInterval(iv float64) float64 {
	gap := iv / intervalShare
	if gap < float64(busyGap) {
		gap = math.Cbrt(gap * gap * float64(busyGap))
	}
	return gap
}

// itemSet is the hashed ids of the items of a source's last poll, sorted,
// to tell the new items of the next one.
type itemSet []uint64

// diff returns the set of items and how many of them, and of the urgent
// ones, are not in old.
func (old itemSet) diff(seed maphash.Seed, items []Item) (set itemSet, fresh, urgent int) {
	set = make(itemSet, len(items))
	for i, it := range items {
		h := maphash.String(seed, it.ID)
		set[i] = h
		if _, found := slices.BinarySearch(old, h); !found {
			fresh++
			if it.Urgent {
				urgent++
			}
		}
	}
	slices.Sort(set)
	return set, fresh, urgent
}
