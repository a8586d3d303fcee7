package store_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"unicode"

	"github.com/aajil/aajil/store"
)

// benchHeadlines are real Al Jazeera English headlines (19,812 unique).
func benchHeadlines(b *testing.B) []string {
	b.Helper()
	f, err := os.Open("../testdata/derived/en_aljazeera_unique_titles_gonews_2022-08_to_2023-12.tsv")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if title, _, _ := strings.Cut(sc.Text(), "\t"); title != "" {
			out = append(out, title)
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return out
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

// scriptCalls is the number of scripts the server has run (EVALSHA and
// EVAL calls), to check the round trips counted on the client side.
func scriptCalls(b *testing.B, e *storyEnv) int64 {
	b.Helper()
	info, err := e.raw.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || (name != "cmdstat_evalsha" && name != "cmdstat_eval") {
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		c, _ := strconv.ParseInt(calls, 10, 64)
		n += c
	}
	return n
}

// resolveCounted is Stories.Resolve's loop written out, counting round
// trips: one per Lookup, Create and AddSource.
func resolveCounted(ctx context.Context, b *testing.B, st *store.Stories, l store.StoryLookup, fp store.FP, item store.StoryItem, rtt *atomic.Int64) (created bool) {
	pick := pickSameData(fp)
	for {
		join := l.Exact
		if join == nil {
			if i := pick(l.Candidates); i >= 0 {
				join = &l.Candidates[i]
			}
		}
		if join != nil {
			rtt.Add(1)
			if _, err := st.AddSource(ctx, join.ID, store.SourceRef{SourceID: item.SourceID, ItemID: item.ItemID}); err != nil {
				b.Error(err)
			}
			return false
		}
		rtt.Add(1)
		_, conflict, err := st.Create(ctx, fp, item, l.Cursor)
		if err != nil {
			b.Error(err)
			return false
		}
		if conflict == nil {
			return true
		}
		l = *conflict
	}
}

// BenchmarkStoryLookup measures the story step per item against the test
// Redis: one op is one item. Reported: items/s, client round trips per item
// (rtt/item) and scripts the server ran per item (scripts/item).
//
//   - new: every item is a new story (Lookup + Create), one client, one
//     item at a time.
//   - existing: every item is a re-wording of a known story found through
//     its keys (Lookup + AddSource).
//   - exact: every item has a known headline hash (Lookup + AddSource).
//   - new-batch64: new stories, 64 at a time through ResolveBatch (a
//     lookup pipeline, then a pipeline of creates; rtt/item counts those
//     two, a lower bound when items of a batch conflict).
//   - new-parallel: new stories, Lookup + Create from GOMAXPROCS×4
//     goroutines sharing one client.
func BenchmarkStoryLookup(b *testing.B) {
	ctx := context.Background()
	titles := benchHeadlines(b)
	df := benchDF(titles)
	item := func(i int) store.StoryItem {
		return store.StoryItem{SourceID: "src-" + strconv.Itoa(i%64), ItemID: strconv.Itoa(i), Title: titles[i%len(titles)]}
	}
	report := func(b *testing.B, e *storyEnv, scripts0 int64, rtt *atomic.Int64) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
		b.ReportMetric(float64(rtt.Load())/float64(b.N), "rtt/item")
		b.ReportMetric(float64(scriptCalls(b, e)-scripts0)/float64(b.N), "scripts/item")
	}

	b.Run("new", func(b *testing.B) {
		e := newStoryEnv(b, store.StoryOptions{})
		var rtt atomic.Int64
		s0 := scriptCalls(b, e)
		i := 0
		for b.Loop() {
			fp := benchFP(df, titles[i%len(titles)], i/len(titles))
			rtt.Add(1)
			l, err := e.st.Lookup(ctx, fp)
			if err != nil {
				b.Fatal(err)
			}
			resolveCounted(ctx, b, e.st, l, fp, item(i), &rtt)
			i++
		}
		report(b, e, s0, &rtt)
	})

	// Known stories: the first 2,000 headlines; items are the same
	// headlines re-worded (another hash), so they are found by key.
	const known = 2000
	b.Run("existing", func(b *testing.B) {
		e := newStoryEnv(b, store.StoryOptions{})
		for i := range known {
			fp := benchFP(df, titles[i], 0)
			if _, err := e.st.Resolve(ctx, fp, item(i), pickSameData(fp)); err != nil {
				b.Fatal(err)
			}
		}
		var rtt atomic.Int64
		s0 := scriptCalls(b, e)
		i := 0
		for b.Loop() {
			fp := benchFP(df, titles[i%known], 0)
			fp.Hash = "reworded-" + fp.Hash
			rtt.Add(1)
			l, err := e.st.Lookup(ctx, fp)
			if err != nil {
				b.Fatal(err)
			}
			if resolveCounted(ctx, b, e.st, l, fp, item(i), &rtt) {
				b.Fatalf("item %d created a story, want it joined to a known one", i)
			}
			i++
		}
		report(b, e, s0, &rtt)
	})

	b.Run("exact", func(b *testing.B) {
		e := newStoryEnv(b, store.StoryOptions{})
		for i := range known {
			fp := benchFP(df, titles[i], 0)
			if _, err := e.st.Resolve(ctx, fp, item(i), pickSameData(fp)); err != nil {
				b.Fatal(err)
			}
		}
		var rtt atomic.Int64
		s0 := scriptCalls(b, e)
		i := 0
		for b.Loop() {
			fp := benchFP(df, titles[i%known], 0)
			rtt.Add(1)
			l, err := e.st.Lookup(ctx, fp)
			if err != nil {
				b.Fatal(err)
			}
			if l.Exact == nil {
				b.Fatalf("item %d: no exact hit", i)
			}
			resolveCounted(ctx, b, e.st, l, fp, item(i), &rtt)
			i++
		}
		report(b, e, s0, &rtt)
	})

	b.Run("new-batch64", func(b *testing.B) {
		const batch = 64
		e := newStoryEnv(b, store.StoryOptions{})
		var rtt atomic.Int64
		s0 := scriptCalls(b, e)
		in := make([]store.StoryInput, 0, batch)
		i := 0
		flush := func() {
			// Round trips by design: one lookup pipeline and one pipeline
			// per round of creates and joins (a second round when items
			// of the batch conflict); counted as the lower bound of 2.
			rtt.Add(2)
			if _, err := e.st.ResolveBatch(ctx, in, func(j int, c []store.StoryRecord) int { return pickSameData(in[j].FP)(c) }); err != nil {
				b.Fatal(err)
			}
			in = in[:0]
		}
		for b.Loop() {
			in = append(in, store.StoryInput{FP: benchFP(df, titles[i%len(titles)], i/len(titles)), Item: item(i)})
			i++
			if len(in) == batch {
				flush()
			}
		}
		if len(in) > 0 {
			flush()
		}
		report(b, e, s0, &rtt)
	})

	b.Run("new-parallel", func(b *testing.B) {
		e := newStoryEnv(b, store.StoryOptions{})
		var rtt atomic.Int64
		var next atomic.Int64
		s0 := scriptCalls(b, e)
		b.SetParallelism(4)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := int(next.Add(1) - 1)
				fp := benchFP(df, titles[i%len(titles)], i/len(titles))
				rtt.Add(1)
				l, err := e.st.Lookup(ctx, fp)
				if err != nil {
					b.Error(err)
					return
				}
				resolveCounted(ctx, b, e.st, l, fp, item(i), &rtt)
			}
		})
		report(b, e, s0, &rtt)
	})
}
