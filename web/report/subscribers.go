package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aajil/aajil/store"
)

// SubscribersPage is the Subscribers page: counts only, nothing of any
// one chat.
type SubscribersPage struct {
	Now   time.Time
	Total int
	// ByState counts active, paused and stopped subscribers, in that
	// order; ByLang and ByMode by language and mode, most first.
	ByState, ByLang, ByMode []Count
	// TopRules are the most used rules, most first (ties by text).
	TopRules []Count
}

// Count is how many subscribers have a value ("" reads as unset).
type Count struct {
	Value string
	// Key is the string key (Strings) that names Value, when it has one
	// (the states).
	Key string
	N   int
}

// CountTable is one table of the page: its caption's and first column's
// string keys, and its rows.
type CountTable struct {
	Caption, Label string
	Rows           []Count
}

// Tables are the page's tables, in the order shown.
func (p SubscribersPage) Tables() []CountTable {
	return []CountTable{
		{"subscribers.by_state", "subscribers.state", p.ByState},
		{"subscribers.by_lang", "subscribers.lang", p.ByLang},
		{"subscribers.by_mode", "subscribers.mode", p.ByMode},
		{"subscribers.top_rules", "subscribers.rule", p.TopRules},
	}
}

// Subscribers returns the Subscribers page.
func (r *Reports) Subscribers(ctx context.Context) (SubscribersPage, error) {
	subs, err := r.st.Subscribers(ctx)
	if err != nil {
		return SubscribersPage{}, fmt.Errorf("subscribers page: %w", err)
	}
	now := r.opt.Now()
	states := map[string]int{}
	langs := map[string]int{}
	modes := map[string]int{}
	rules := map[string]int{}
	for _, s := range subs {
		states[string(s.State(now))]++
		langs[s.Lang]++
		modes[s.Mode]++
		for _, rule := range s.Rules {
			rules[rule]++
		}
	}
	page := SubscribersPage{Now: now, Total: len(subs), ByLang: counts(langs), ByMode: counts(modes)}
	for _, st := range []store.SubscriberState{store.StateActive, store.StatePaused, store.StateStopped} {
		page.ByState = append(page.ByState, Count{Value: string(st), Key: "state." + string(st), N: states[string(st)]})
	}
	page.TopRules = counts(rules)
	if len(page.TopRules) > r.opt.TopRules {
		page.TopRules = page.TopRules[:r.opt.TopRules]
	}
	return page, nil
}

// counts lists m most first, ties by value.
func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for v, n := range m {
		out = append(out, Count{Value: v, N: n})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Value, b.Value)) })
	return out
}
