package match

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"
)

// Matcher benchmarks, at the scale of the issue: subscribers × 10 rules
// drawn from the real headline corpora (see corpusRules), with a fixed
// seed. Run:
//
//	go test -run '^$' -bench 'BenchmarkMatcherBuild' -benchtime 1x ./alerts/match/
//	go test -run '^$' -bench '^BenchmarkMatch(Seq)?$' -benchtime 2000x ./alerts/match/
//	go test -run '^$' -bench 'BenchmarkMatcherSet' ./alerts/match/
//
// (-benchtime 1x: one build per size is the figure wanted; the match
// benchmark times every corpus headline itself before its b.Loop.)

var benchSizes = []int{1000, 10000, 100000}

const rulesPerSubscriber = 10

// benchSubscribers returns n subscribers with rulesPerSubscriber rules
// each.
func benchSubscribers(tb testing.TB, n int) map[string][]Rule {
	tb.Helper()
	words := splitHeadlines(corpusHeadlines(tb, 1))
	rng := rand.New(rand.NewPCG(2026, uint64(n)))
	texts := corpusRules(words, n*rulesPerSubscriber, rng)
	all := make(map[string][]Rule, n)
	for i := range n {
		rules := make([]Rule, rulesPerSubscriber)
		for j := range rules {
			rules[j] = mustParse(tb, texts[i*rulesPerSubscriber+j])
		}
		all[fmt.Sprintf("%d", 100000000+i)] = rules
	}
	return all
}

// heapAlloc returns the live heap after a full collection.
func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkMatcherBuild reports the time of Build and the heap the index
// holds (index-MiB), and the whole live heap with the parsed rules and the
// corpus (heap-MiB).
func BenchmarkMatcherBuild(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			all := benchSubscribers(b, n)
			before := heapAlloc()
			var m *Matcher
			for b.Loop() {
				m = nil // let the previous index go before building the next
				m = NewMatcher()
				m.Build(all)
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "build-s")
			after := heapAlloc()
			s := m.Stats()
			b.ReportMetric(float64(after-before)/(1<<20), "index-MiB")
			b.ReportMetric(float64(after)/(1<<20), "heap-MiB")
			b.ReportMetric(float64(s.Rules), "rules")
			b.ReportMetric(float64(s.Terms), "terms")
			// The Matcher keeps nothing of all: keep it to the end, so
			// that index-MiB is what the index adds to the parsed rules.
			runtime.KeepAlive(all)
			runtime.KeepAlive(m)
		})
	}
}

// BenchmarkMatch times Match over every corpus headline: p50-ns, p99-ns
// and max-ns are the per-headline latencies of one pass over the whole
// corpus (after a warm-up pass); ns/op is the mean over b.N headlines.
// subs-matched/headline and p99-subs-matched give the fan-out: the result
// is built per matched subscriber, so it bounds the latency from below.
func BenchmarkMatch(b *testing.B) {
	benchMatch(b, func(m *Matcher, h string) int { return len(m.Match(h)) })
}

// BenchmarkMatchSeq is BenchmarkMatch for MatchSeq, consuming every
// subscriber and rule as the pipeline does.
func BenchmarkMatchSeq(b *testing.B) {
	benchMatch(b, func(m *Matcher, h string) int {
		n := 0
		for sub, rules := range m.MatchSeq(h) {
			if sub != "" && rules[0] != "" {
				n++
			}
		}
		return n
	})
}

// benchMatch times match, which returns the number of subscribers
// matched, over the corpus headlines (see BenchmarkMatch).
func benchMatch(b *testing.B, match func(*Matcher, string) int) {
	headlines := corpusHeadlines(b, 1)
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			m := NewMatcher()
			m.Build(benchSubscribers(b, n))
			for _, h := range headlines { // warm the scratch buffers
				match(m, h)
			}
			// The index is built at startup: time the steady state, not
			// the collection of what building it left behind. Collections
			// caused by matching itself still count.
			runtime.GC()
			durs := make([]time.Duration, len(headlines))
			fanout := make([]int, len(headlines))
			matched := 0
			for i, h := range headlines {
				start := time.Now()
				k := match(m, h)
				durs[i] = time.Since(start)
				fanout[i] = k
				matched += k
			}
			slices.Sort(durs)
			slices.Sort(fanout)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				match(m, headlines[i%len(headlines)])
				i++
			}
			b.ReportMetric(float64(durs[len(durs)/2].Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(durs[len(durs)*99/100].Nanoseconds()), "p99-ns")
			b.ReportMetric(float64(durs[len(durs)-1].Nanoseconds()), "max-ns")
			b.ReportMetric(float64(matched)/float64(len(headlines)), "subs-matched/headline")
			b.ReportMetric(float64(fanout[len(fanout)*99/100]), "p99-subs-matched")
		})
	}
}

// BenchmarkMatcherSet times one subscriber's /add on a full matcher: the
// delta rebuild that makes it visible to the next Match, with background
// base rebuilds happening as the delta fills up. max-ns is the slowest
// Set, so the longest a change waits to become visible; p99-ns is the
// 99th percentile.
//
// After Build only a sample of the parsed rule sets is kept to Set from:
// the pipeline keeps subscribers' rules as text and parses only what
// changes, and a million parsed rules held by the benchmark would make
// every collection, and so every Set that meets one, slower than it is in
// the program.
func BenchmarkMatcherSet(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			all := benchSubscribers(b, n)
			subs := make([]string, 0, n)
			for s := range all {
				subs = append(subs, s)
			}
			slices.Sort(subs)
			m := NewMatcher()
			m.Build(all)
			rng := rand.New(rand.NewPCG(7, 8))
			sample := make([][]Rule, 1000)
			for i := range sample {
				sample[i] = all[subs[rng.IntN(len(subs))]]
			}
			// all is not used past here, so it can be collected.
			var durs []time.Duration
			for b.Loop() {
				s := subs[rng.IntN(len(subs))]
				start := time.Now()
				m.Set(s, sample[rng.IntN(len(sample))])
				durs = append(durs, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(durs)
			b.ReportMetric(float64(durs[len(durs)*99/100].Nanoseconds()), "p99-ns")
			b.ReportMetric(float64(durs[len(durs)-1].Nanoseconds()), "max-ns")
			m.bg.Wait()
		})
	}
}
