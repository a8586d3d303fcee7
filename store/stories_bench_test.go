package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"unicode"

	"github.com/aajil/aajil/internal/corpus"
	"github.com/aajil/aajil/store"
)

// benchHeadlines are the 19,813 real Al Jazeera English headlines of
// corpus.AlJazeeraEnglish.
func benchHeadlines(b *testing.B) []string {
	b.Helper()
	titles, err := corpus.Titles(corpus.AlJazeeraEnglish)
	if err != nil {
		b.Fatal(err)
	}
	return titles
}

// benchWords splits a headline into lower-cased words.
func benchWords(title string) []string {
	return strings.FieldsFunc(strings.ToLower(title), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// benchDF counts in how many headlines each word occurs.
func benchDF(titles []string) map[string]int {
	df := make(map[string]int)
	for _, t := range titles {
		for _, w := range slices.Compact(slices.Sorted(slices.Values(benchWords(t)))) {
			df[w]++
		}
	}
	return df
}

// benchFP is a stand-in for the fingerprint of alerts: the hash of the
// words, and as keys the three rarest words in the corpus (the rare tokens
// the real fingerprint gives), made unique per round so that a second pass
// over the corpus is new stories again rather than exact duplicates.
func benchFP(df map[string]int, title string, round int) store.FP {
	words := benchWords(title)
	rare := slices.Compact(slices.Sorted(slices.Values(words)))
	slices.SortStableFunc(rare, func(a, b string) int { return df[a] - df[b] })
	suffix := "#" + strconv.Itoa(round)
	keys := make([]string, 0, 3)
	for _, w := range rare[:min(3, len(rare))] {
		keys = append(keys, w+suffix)
	}
	sum := sha256.Sum256([]byte(strings.Join(words, " ") + suffix))
	return store.FP{Hash: hex.EncodeToString(sum[:12]), Keys: keys, Data: strings.Join(words, " ")}
}

// pickSameData stands in for alerts.Compare: same words, same story.
func pickSameData(fp store.FP) store.Pick {
	return func(cands []store.StoryRecord) int {
		for i, c := range cands {
			if c.Data == fp.Data {
				return i
			}
		}
		return -1
	}
}

// serverStats are the scripts the test Redis has run (EVALSHA and EVAL
// calls) and the server time they took, from INFO commandstats: a check of
// the round trips counted on the client side, and the server's cost.
type serverStats struct {
	calls, usec int64
}

func scriptStats(b *testing.B, e *storyEnv) serverStats {
	b.Helper()
	info, err := e.raw.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	var st serverStats
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || (name != "cmdstat_evalsha" && name != "cmdstat_eval") {
			continue
		}
		for _, f := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(f, "=")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "calls":
				st.calls += n
			case "usec":
				st.usec += n
			}
		}
	}
	return st
}

// storyMetrics accumulates what a story benchmark reports.
type storyMetrics struct {
	e      *storyEnv
	start  serverStats
	rtt    atomic.Int64 // client round trips
	items  atomic.Int64 // items resolved
	polled atomic.Int64 // items in the polls (BenchmarkDedupAndStory)
}

func newStoryMetrics(b *testing.B, e *storyEnv) *storyMetrics {
	return &storyMetrics{e: e, start: scriptStats(b, e)}
}

// batch counts a ResolveBatch: its round trips are those of its slowest
// item, as every round is one pipeline.
func (m *storyMetrics) batch(res []store.Resolution) {
	rounds := 0
	for _, r := range res {
		rounds = max(rounds, r.RoundTrips)
	}
	m.rtt.Add(int64(rounds))
	m.items.Add(int64(len(res)))
}

// report reports items/s, client round trips per item (rtt/item), scripts
// the server ran per item (scripts/item) and the server's script time per
// item (server-µs/item). Items are the resolved ones, or the polled ones
// where there are polls, with the resolved ones as stories/s and
// rtt/story.
func (m *storyMetrics) report(b *testing.B) {
	end := scriptStats(b, m.e)
	secs := b.Elapsed().Seconds()
	n := float64(m.items.Load())
	if p := float64(m.polled.Load()); p > 0 {
		b.ReportMetric(n/secs, "stories/s")
		b.ReportMetric(float64(m.rtt.Load())/n, "rtt/story")
		n = p
	}
	b.ReportMetric(n/secs, "items/s")
	b.ReportMetric(float64(m.rtt.Load())/n, "rtt/item")
	b.ReportMetric(float64(end.calls-m.start.calls)/n, "scripts/item")
	b.ReportMetric(float64(end.usec-m.start.usec)/n, "server-µs/item")
}

// storyStream hands out benchmark items: a mix of new stories, re-wordings
// of known stories (found through their keys, then compared) and exact
// duplicates of known ones (found through the hash), from other sources
// than the stories' first.
type storyStream struct {
	titles []string
	df     map[string]int
	known  int // titles[:known] are known stories, created by seed
	// mix is the pattern of kinds, repeated: 'n' new, 'r' re-worded, 'x'
	// exact duplicate.
	mix     string
	n, next int
}

// benchKnown is how many stories are known before the benchmarks that
// re-word or repeat them.
const benchKnown = 2000

func newStoryStream(b *testing.B, mix string) *storyStream {
	titles := benchHeadlines(b)
	return &storyStream{titles: titles, df: benchDF(titles), known: benchKnown, mix: mix}
}

// seed creates the known stories.
func (s *storyStream) seed(b *testing.B, st *store.Stories) {
	b.Helper()
	in := make([]store.StoryInput, s.known)
	for i := range in {
		in[i] = store.StoryInput{FP: benchFP(s.df, s.titles[i], 0),
			Item: store.StoryItem{SourceID: "seed", ItemID: strconv.Itoa(i), Title: s.titles[i]}}
	}
	for c := range slices.Chunk(in, 64) {
		if _, err := st.ResolveBatch(context.Background(), c, func(i int, cands []store.StoryRecord) int { return pickSameData(c[i].FP)(cands) }); err != nil {
			b.Fatal(err)
		}
	}
}

// item returns the next item.
func (s *storyStream) item() store.StoryInput {
	i := s.n
	s.n++
	var fp store.FP
	var title string
	switch s.mix[i%len(s.mix)] {
	case 'n': // a headline not seen before, made unique per pass
		fresh := len(s.titles) - s.known
		j := s.known + s.next%fresh
		title = s.titles[j]
		fp = benchFP(s.df, title, 1+s.next/fresh)
		s.next++
	case 'r':
		title = s.titles[i%s.known]
		fp = benchFP(s.df, title, 0)
		fp.Hash = "reworded-" + fp.Hash
	default:
		title = s.titles[i%s.known]
		fp = benchFP(s.df, title, 0)
	}
	return store.StoryInput{FP: fp, Item: store.StoryItem{SourceID: "src-" + strconv.Itoa(i%64), ItemID: strconv.Itoa(i), Title: title}}
}

func pickIn(in []store.StoryInput) func(int, []store.StoryRecord) int {
	return func(i int, c []store.StoryRecord) int { return pickSameData(in[i].FP)(c) }
}

// BenchmarkStoryLookup measures the story step per item against the test
// Redis, through Resolve and ResolveBatch: one op is one item. Reported:
// items/s, client round trips per item (rtt/item), scripts the server ran
// per item (scripts/item) and their server time (server-µs/item).
//
//   - new: every item is a new story, one client, one item at a time.
//   - existing: every item is a re-wording of a known story, found
//     through its keys and compared.
//   - exact: every item has a known headline hash.
//   - new-batch64: new stories, 64 at a time through ResolveBatch.
//   - mix-batch64: 64 at a time, 7 in 10 new stories, 2 re-worded, 1
//     exact duplicate.
//   - new-parallel: new stories, Resolve from GOMAXPROCS×4 goroutines
//     sharing one client.
func BenchmarkStoryLookup(b *testing.B) {
	ctx := context.Background()
	one := func(mix string, seed bool) func(b *testing.B) {
		return func(b *testing.B) {
			e := newStoryEnv(b, store.StoryOptions{})
			s := newStoryStream(b, mix)
			if seed {
				s.seed(b, e.st)
			}
			m := newStoryMetrics(b, e)
			for b.Loop() {
				in := s.item()
				res, err := e.st.Resolve(ctx, in.FP, in.Item, pickSameData(in.FP))
				if err != nil {
					b.Fatal(err)
				}
				if seed && res.Created { // the corpus has a few repeated headlines, so new ones may join
					b.Fatalf("item %s created a story, want it joined to a known one", in.Item.ItemID)
				}
				m.batch([]store.Resolution{res})
			}
			m.report(b)
		}
	}
	b.Run("new", one("n", false))
	b.Run("existing", one("r", true))
	b.Run("exact", one("x", true))

	batch := func(mix string, seed bool) func(b *testing.B) {
		return func(b *testing.B) {
			const size = 64
			e := newStoryEnv(b, store.StoryOptions{})
			s := newStoryStream(b, mix)
			if seed {
				s.seed(b, e.st)
			}
			m := newStoryMetrics(b, e)
			in := make([]store.StoryInput, 0, size)
			flush := func() {
				res, err := e.st.ResolveBatch(ctx, in, pickIn(in))
				if err != nil {
					b.Fatal(err)
				}
				m.batch(res)
				in = in[:0]
			}
			for b.Loop() {
				in = append(in, s.item())
				if len(in) == size {
					flush()
				}
			}
			if len(in) > 0 {
				flush()
			}
			m.report(b)
		}
	}
	b.Run("new-batch64", batch("n", false))
	b.Run("mix-batch64", batch("nnnnnnnrrx", true))

	b.Run("new-parallel", func(b *testing.B) {
		e := newStoryEnv(b, store.StoryOptions{})
		s := newStoryStream(b, "n")
		items := make([]store.StoryInput, b.N)
		for i := range items {
			items[i] = s.item()
		}
		var next atomic.Int64
		m := newStoryMetrics(b, e)
		b.SetParallelism(4)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				in := items[next.Add(1)-1]
				res, err := e.st.Resolve(ctx, in.FP, in.Item, pickSameData(in.FP))
				if err != nil {
					b.Error(err)
					return
				}
				m.batch([]store.Resolution{res})
			}
		})
		m.report(b)
	})
}

// BenchmarkDedupAndStory measures dedup and the story step together, as a
// poll runs them: MarkSeen of the poll's 30 item ids, of which 3 are
// fresh, then the story of each fresh item (all urgent), a mix of new
// stories (7 in 10), re-wordings (2) and exact duplicates (1) of known
// ones. One op is one poll of one of 64 sources, one client. Reported:
// polled items/s with round trips (rtt/item), scripts and server time per
// polled item, and the fresh items resolved as stories/s with round trips
// per story (rtt/story).
//
//   - batch: the fresh items resolved with one ResolveBatch.
//   - each: each fresh item resolved with Resolve, one after another.
func BenchmarkDedupAndStory(b *testing.B) {
	const (
		sources = 64
		perPoll = 30
		fresh   = 3
	)
	ctx := context.Background()
	run := func(batched bool) func(b *testing.B) {
		return func(b *testing.B) {
			e := newStoryEnv(b, store.StoryOptions{})
			s := newStoryStream(b, "nnnnnnnrrx")
			s.seed(b, e.st)
			// Each source lists its newest perPoll items; the first poll
			// is the baseline.
			newest := make([]int, sources)
			ids := func(src int) []string {
				out := make([]string, perPoll)
				for k := range out {
					out[k] = "item-" + strconv.Itoa(newest[src]-k)
				}
				return out
			}
			for src := range sources {
				newest[src] = perPoll
				if _, baseline, err := e.s.MarkSeen(ctx, "src-"+strconv.Itoa(src), ids(src)); err != nil || !baseline {
					b.Fatalf("baseline poll: baseline %v, err %v", baseline, err)
				}
			}
			m := newStoryMetrics(b, e)
			in := make([]store.StoryInput, 0, fresh)
			poll := 0
			for b.Loop() {
				src := poll % sources
				poll++
				newest[src] += fresh
				srcID := "src-" + strconv.Itoa(src)
				got, _, err := e.s.MarkSeen(ctx, srcID, ids(src))
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != fresh {
					b.Fatalf("poll %d: %d fresh items, want %d", poll, len(got), fresh)
				}
				m.rtt.Add(1)
				m.polled.Add(perPoll)
				in = in[:0]
				for _, id := range got {
					it := s.item()
					it.Item.SourceID, it.Item.ItemID = srcID, id
					in = append(in, it)
				}
				if batched {
					res, err := e.st.ResolveBatch(ctx, in, pickIn(in))
					if err != nil {
						b.Fatal(err)
					}
					m.batch(res)
					continue
				}
				for _, it := range in {
					res, err := e.st.Resolve(ctx, it.FP, it.Item, pickSameData(it.FP))
					if err != nil {
						b.Fatal(err)
					}
					m.batch([]store.Resolution{res})
				}
			}
			m.report(b)
		}
	}
	b.Run("batch", run(true))
	b.Run("each", run(false))
}
