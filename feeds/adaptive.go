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
	// the next new item.
	intervalShare = 0.25
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
	ReasonCascade IntervalReason = "cascade" // at the minimum after breaking news elsewhere
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
// DefaultMinPoll or DefaultMaxPoll); one that sets only interval keeps it
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
		lo = min(DefaultMinPoll, base, hi)
	}
	hi = max(hi, lo)
	return pollPolicy{base: clamp(base, lo, hi), lo: lo, hi: hi, adaptive: lo < hi}
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
// interval until the next poll, and why. The interval is intervalShare of
// the expected time to the next new item (a prior of one item per
// base/intervalShare keeps a new source at its base), clamped to the
// bounds; a rise in the rate shortens it at once, a fall lengthens it by
// at most growStep a poll. During a cascade the source is polled at its
// lower bound. Failure backoff and Retry-After are applied after it.
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
		priorSpan := float64(p.base) / intervalShare
		perNs := (st.rate.Items + 1) / (float64(st.rate.Span) + priorSpan)
		target := time.Duration(intervalShare / perNs)
		if target < cur {
			cur = target
		} else {
			cur = min(target, time.Duration(float64(cur)*growStep))
		}
	}
	st.interval = clamp(cur, p.lo, p.hi)
	if ob.now.Before(st.cascadeUntil) {
		return st, p.lo, ReasonCascade
	}
	return st, st.interval, ReasonLearned
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
