package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// storyEnv is a story index on the test Redis with a known key prefix, and
// a raw client to inspect the keys it writes.
type storyEnv struct {
	prefix string
	url    string
	s      *store.Store // the store of st
	st     *store.Stories
	raw    *redis.Client
	opt    store.StoryOptions
}

func newStoryEnv(t testing.TB, opt store.StoryOptions) *storyEnv {
	t.Helper()
	url := os.Getenv("AAJIL_TEST_REDIS_URL")
	if url == "" {
		t.Fatal("no test Redis: storetest.Main sets AAJIL_TEST_REDIS_URL")
	}
	e := &storyEnv{prefix: storetest.Prefix(), url: url, opt: opt}
	e.s = e.openStore(t)
	e.st = e.s.Stories(opt)
	o, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	e.raw = redis.NewClient(o)
	t.Cleanup(func() { e.raw.Close() })
	return e
}

// open returns another client of the same index, as a second instance of
// the bot would have.
func (e *storyEnv) open(t testing.TB) *store.Stories {
	t.Helper()
	return e.openStore(t).Stories(e.opt)
}

// openStore returns a new connection to the store with the env's prefix.
func (e *storyEnv) openStore(t testing.TB) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := store.Open(ctx, e.url, store.Options{Prefix: e.prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// keys lists the keys the index wrote.
func (e *storyEnv) keys(t testing.TB) []string {
	t.Helper()
	var out []string
	iter := e.raw.Scan(context.Background(), 0, e.prefix+"*", 100).Iterator()
	for iter.Next(context.Background()) {
		out = append(out, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func ids(recs []store.StoryRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

// pickSharedKey is the test's similarity decision: the candidate is the
// item's story when their fingerprint data (space-separated keys) share a
// word.
func pickSharedKey(fp store.FP) store.Pick {
	return func(cands []store.StoryRecord) int {
		for i, c := range cands {
			for _, w := range strings.Fields(c.Data) {
				if slices.Contains(fp.Keys, w) {
					return i
				}
			}
		}
		return -1
	}
}

func fpOf(hash string, keys ...string) store.FP {
	return store.FP{Hash: hash, Keys: keys, Data: strings.Join(keys, " ")}
}

func mustCreate(t testing.TB, st *store.Stories, fp store.FP, item store.StoryItem) store.StoryRecord {
	t.Helper()
	ctx := context.Background()
	l, err := st.Lookup(ctx, fp)
	if err != nil {
		t.Fatal(err)
	}
	rec, conflict, err := st.Create(ctx, fp, item, l.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if conflict != nil {
		t.Fatalf("Create(%v): conflict %v, want a new story", fp.Keys, ids(conflict.Candidates))
	}
	return rec
}

func TestStoryExactDuplicate(t *testing.T) {
	ctx := context.Background()
	e := newStoryEnv(t, store.StoryOptions{})
	fp := fpOf("h-explosion-damascus", "انفجار", "دمشق")
	first := store.StoryItem{SourceID: "sana", ItemID: "s1", Title: "انفجار في دمشق", Link: "https://sana.sy/1"}
	res, err := e.st.Resolve(ctx, fp, first, pickSharedKey(fp))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created {
		t.Fatalf("first report: Created = false, want true")
	}
	l, err := e.st.Lookup(ctx, fp)
	if err != nil {
		t.Fatal(err)
	}
	if l.Exact == nil || l.Exact.ID != res.Story.ID {
		t.Fatalf("Lookup(same hash).Exact = %+v, want story %s", l.Exact, res.Story.ID)
	}
	if got, want := *l.Exact, res.Story; !reflect.DeepEqual(got, want) {
		t.Errorf("Lookup(same hash).Exact = %+v, want %+v", got, want)
	}
	if len(l.Candidates) != 0 {
		t.Errorf("exact lookup also gave candidates %v", ids(l.Candidates))
	}

	// Another source with the same headline, and a fingerprint with no
	// keys at all: found by the hash alone, never compared.
	never := func([]store.StoryRecord) int { t.Error("pick called for an exact duplicate"); return -1 }
	second := store.StoryItem{SourceID: "alwatan", ItemID: "w7", Title: "انفجار في دمشق"}
	res2, err := e.st.Resolve(ctx, store.FP{Hash: fp.Hash}, second, never)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Resolution{Story: res.Story, Exact: true, Added: true, RoundTrips: 1}
	if !reflect.DeepEqual(res2, want) {
		t.Errorf("second report: got %+v, want %+v", res2, want)
	}
	got, err := e.st.Get(ctx, res.Story.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Sources) != 1 || got.Sources[0].SourceID != "alwatan" || got.Sources[0].ItemID != "w7" {
		t.Errorf("Get.Sources = %+v, want alwatan/w7", got.Sources)
	}
	if got.Title != first.Title || got.FirstSource != "sana" || got.FirstItemID != "s1" || got.Link != first.Link || got.Data != fp.Data {
		t.Errorf("Get = %+v, want the first item's data", got)
	}
}

func TestStoryCandidates(t *testing.T) {
	ctx := context.Background()
	e := newStoryEnv(t, store.StoryOptions{})
	damascus := mustCreate(t, e.st, fpOf("h1", "انفجار", "دمشق", "المزة"), store.StoryItem{SourceID: "sana", ItemID: "1", Title: "انفجار في المزة بدمشق"})
	aleppo := mustCreate(t, e.st, fpOf("h2", "انفجار", "حلب"), store.StoryItem{SourceID: "sana", ItemID: "2", Title: "انفجار في حلب"})

	tests := map[string]struct {
		fp   store.FP
		want []string
	}{
		"one shared key":            {fpOf("x1", "المزة", "قصف"), []string{damascus.ID}},
		"key shared by both":        {fpOf("x2", "انفجار"), []string{aleppo.ID, damascus.ID}},
		"each through its own key":  {fpOf("x3", "حلب", "دمشق"), []string{aleppo.ID, damascus.ID}},
		"disjoint keys":             {fpOf("x4", "زلزال", "اللاذقية"), nil},
		"no keys, unknown hash":     {store.FP{Hash: "x5"}, nil},
		"nothing at all":            {store.FP{}, nil},
		"empty and repeated keys":   {fpOf("x6", "", "حلب", "حلب", ""), []string{aleppo.ID}},
		"same hash as a story wins": {fpOf("h2", "دمشق"), nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			l, err := e.st.Lookup(ctx, tt.fp)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(l.Candidates); !slices.Equal(got, tt.want) {
				t.Errorf("candidates = %v, want %v (newest first)", got, tt.want)
			}
			if tt.fp.Hash == "h2" && (l.Exact == nil || l.Exact.ID != aleppo.ID) {
				t.Errorf("Exact = %+v, want story %s", l.Exact, aleppo.ID)
			}
		})
	}

	// The candidates carry what the caller compares.
	l, err := e.st.Lookup(ctx, fpOf("", "المزة"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Candidates) != 1 {
		t.Fatalf("got %d candidates, want 1", len(l.Candidates))
	}
	if c := l.Candidates[0]; c.Data != "انفجار دمشق المزة" || c.Title != "انفجار في المزة بدمشق" || c.FirstSource != "sana" || c.Created.IsZero() {
		t.Errorf("candidate = %+v, want the story's data, title, source and creation time", c)
	}
}

// TestStoryCreateConflict checks the cursor: a story indexed under the
// item's keys or hash after the lookup makes Create refuse, whatever the
// timestamps (both creates usually fall in the same millisecond here), and
// the conflict's cursor lets the next Create through.
func TestStoryCreateConflict(t *testing.T) {
	ctx := context.Background()
	tests := map[string]struct {
		other    store.FP
		conflict bool
	}{
		"shared key":     {fpOf("o1", "حمص", "قصف"), true},
		"same hash":      {fpOf("mine", "تدمر"), true},
		"disjoint":       {fpOf("o2", "درعا"), false},
		"no keys at all": {store.FP{Hash: "o3"}, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			e := newStoryEnv(t, store.StoryOptions{})
			mine := fpOf("mine", "حمص", "انفجار")
			l, err := e.st.Lookup(ctx, mine)
			if err != nil {
				t.Fatal(err)
			}
			other := mustCreate(t, e.st, tt.other, store.StoryItem{SourceID: "b", ItemID: "b1"})
			rec, conflict, err := e.st.Create(ctx, mine, store.StoryItem{SourceID: "a", ItemID: "a1"}, l.Cursor)
			if err != nil {
				t.Fatal(err)
			}
			if got := conflict != nil; got != tt.conflict {
				t.Fatalf("conflict = %v, want %v", got, tt.conflict)
			}
			if !tt.conflict {
				if rec.ID == "" || rec.ID == other.ID {
					t.Errorf("created id %q, want a new one (other is %q)", rec.ID, other.ID)
				}
				return
			}
			var got []string
			if conflict.Exact != nil {
				got = []string{conflict.Exact.ID}
			}
			got = append(got, ids(conflict.Candidates)...)
			if !slices.Equal(got, []string{other.ID}) {
				t.Errorf("conflicting stories %v, want [%s]", got, other.ID)
			}
			if conflict.Cursor <= l.Cursor {
				t.Errorf("conflict cursor %d, want after the lookup's %d", conflict.Cursor, l.Cursor)
			}
			if tt.other.Hash == mine.Hash {
				return // the same headline is never a new story
			}
			// The caller compared and found it different: the next
			// attempt with the new cursor creates.
			if _, again, err := e.st.Create(ctx, mine, store.StoryItem{SourceID: "a", ItemID: "a1"}, conflict.Cursor); err != nil || again != nil {
				t.Errorf("Create after the conflict: conflict %+v, err %v; want created", again, err)
			}
		})
	}
}

// TestStoryRace: instances racing on one event produce one story. Every
// goroutine looks up before any creates, so all but one must lose.
func TestStoryRace(t *testing.T) {
	ctx := context.Background()
	const n = 16
	e := newStoryEnv(t, store.StoryOptions{})
	clients := []*store.Stories{e.st, e.open(t)}
	fps := make([]store.FP, n)
	for i := range fps {
		// Different wordings (hashes) of one event, sharing one key.
		fps[i] = fpOf(fmt.Sprintf("wording-%d", i), "زلزال", fmt.Sprintf("word-%d", i))
	}

	t.Run("lookup then create", func(t *testing.T) {
		looked := make(chan store.StoryLookup, n)
		var lookups, creates sync.WaitGroup
		lookups.Add(n)
		type result struct {
			rec      store.StoryRecord
			conflict *store.StoryLookup
			err      error
		}
		results := make([]result, n)
		for i := range n {
			creates.Go(func() {
				st := clients[i%2]
				l, err := st.Lookup(ctx, fps[i])
				lookups.Done()
				if err != nil {
					results[i].err = err
					return
				}
				looked <- l
				lookups.Wait()
				results[i].rec, results[i].conflict, results[i].err = st.Create(ctx, fps[i], store.StoryItem{SourceID: fmt.Sprint("src-", i)}, l.Cursor)
			})
		}
		creates.Wait()
		close(looked)
		for l := range looked {
			if len(l.Candidates) != 0 || l.Exact != nil {
				t.Fatalf("a lookup before any create found %v", ids(l.Candidates))
			}
		}
		var created []string
		for i, r := range results {
			if r.err != nil {
				t.Fatalf("goroutine %d: %v", i, r.err)
			}
			if r.conflict == nil {
				created = append(created, r.rec.ID)
			}
		}
		if len(created) != 1 {
			t.Fatalf("%d stories created (%v), want exactly 1", len(created), created)
		}
		for i, r := range results {
			if r.conflict != nil && !slices.Contains(ids(r.conflict.Candidates), created[0]) {
				t.Errorf("goroutine %d: conflict %v does not hold the created story %s", i, ids(r.conflict.Candidates), created[0])
			}
		}
	})

	t.Run("resolve", func(t *testing.T) {
		e := newStoryEnv(t, store.StoryOptions{})
		clients := []*store.Stories{e.st, e.open(t)}
		start := make(chan struct{})
		res := make([]store.Resolution, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				item := store.StoryItem{SourceID: fmt.Sprint("src-", i), ItemID: fmt.Sprint("item-", i)}
				res[i], errs[i] = clients[i%2].Resolve(ctx, fps[i], item, pickSharedKey(fps[i]))
			})
		}
		close(start)
		wg.Wait()
		var story string
		var created, added int
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("goroutine %d: %v", i, errs[i])
			}
			if story == "" {
				story = res[i].Story.ID
			}
			if res[i].Story.ID != story {
				t.Errorf("goroutine %d: story %s, others %s", i, res[i].Story.ID, story)
			}
			if res[i].Created {
				created++
			}
			if res[i].Added {
				added++
			}
		}
		if created != 1 || added != n-1 {
			t.Errorf("created %d, added %d; want 1 and %d", created, added, n-1)
		}
		got, err := e.st.Get(ctx, story)
		if err != nil {
			t.Fatal(err)
		}
		srcs := map[string]bool{got.FirstSource: true}
		for _, s := range got.Sources {
			srcs[s.SourceID] = true
		}
		if len(got.Sources) != n-1 || len(srcs) != n {
			t.Errorf("story has first source %s and %d later sources (%d distinct in all), want %d later and %d distinct",
				got.FirstSource, len(got.Sources), len(srcs), n-1, n)
		}
	})
}

func TestStoryAddSource(t *testing.T) {
	ctx := context.Background()
	e := newStoryEnv(t, store.StoryOptions{MaxSources: 3})
	s := mustCreate(t, e.st, fpOf("h", "قمة"), store.StoryItem{SourceID: "first", ItemID: "f1"})
	at := time.UnixMilli(1_700_000_000_123)
	steps := []struct {
		ref  store.SourceRef
		want bool
	}{
		{store.SourceRef{SourceID: "first", ItemID: "f2"}, false}, // the first source again
		{store.SourceRef{SourceID: "a", ItemID: "a1", At: at}, true},
		{store.SourceRef{SourceID: "a", ItemID: "a1"}, false}, // the same report again
		{store.SourceRef{SourceID: "a", ItemID: "a2"}, false}, // a re-worded item of a known source
		{store.SourceRef{SourceID: "b", ItemID: "b\t1"}, true},
		{store.SourceRef{SourceID: "c", ItemID: "c1"}, true},
		{store.SourceRef{SourceID: "d", ItemID: "d1"}, false}, // over MaxSources
		{store.SourceRef{SourceID: "c", ItemID: "c1"}, false},
	}
	for i, st := range steps {
		got, err := e.st.AddSource(ctx, s.ID, st.ref)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got != st.want {
			t.Errorf("step %d AddSource(%s/%s) = %v, want %v", i, st.ref.SourceID, st.ref.ItemID, got, st.want)
		}
	}
	rec, err := e.st.Get(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rec.Sources {
		got = append(got, r.SourceID+"/"+r.ItemID)
	}
	if want := []string{"a/a1", "b/b\t1", "c/c1"}; !slices.Equal(got, want) {
		t.Errorf("Sources = %q, want %q (oldest first)", got, want)
	}
	if !rec.Sources[0].At.Equal(at) {
		t.Errorf("Sources[0].At = %v, want the given %v", rec.Sources[0].At, at)
	}
	if d := time.Since(rec.Sources[1].At); d < -time.Minute || d > time.Minute {
		t.Errorf("Sources[1].At = %v, want Redis's time now", rec.Sources[1].At)
	}

	if _, err := e.st.AddSource(ctx, "999999", store.SourceRef{SourceID: "x"}); !errors.Is(err, store.ErrStoryNotFound) {
		t.Errorf("AddSource(unknown story) error = %v, want ErrStoryNotFound", err)
	}
	if _, err := e.st.Get(ctx, "999999"); !errors.Is(err, store.ErrStoryNotFound) {
		t.Errorf("Get(unknown story) error = %v, want ErrStoryNotFound", err)
	}
}

func TestStorySetTitle(t *testing.T) {
	ctx := context.Background()
	e := newStoryEnv(t, store.StoryOptions{})
	s := mustCreate(t, e.st, fpOf("h-10", "حصيلة", "ضحايا", "10"), store.StoryItem{SourceID: "a", ItemID: "1", Title: "10 ضحايا"})
	l, err := e.st.Lookup(ctx, fpOf("", "50"))
	if err != nil {
		t.Fatal(err)
	}
	update := fpOf("h-50", "حصيلة", "50")
	if err := e.st.SetTitle(ctx, s.ID, update, "ارتفاع الحصيلة إلى 50"); err != nil {
		t.Fatal(err)
	}
	got, err := e.st.Get(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "ارتفاع الحصيلة إلى 50" || got.Data != update.Data || got.FirstItemID != "1" {
		t.Errorf("after SetTitle: %+v, want the new title and data, the first item kept", got)
	}
	byKey, err := e.st.Lookup(ctx, fpOf("", "50"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(byKey.Candidates), []string{s.ID}) {
		t.Errorf("lookup by the update's key: %v, want [%s]", ids(byKey.Candidates), s.ID)
	}
	byHash, err := e.st.Lookup(ctx, store.FP{Hash: "h-50"})
	if err != nil {
		t.Fatal(err)
	}
	if byHash.Exact == nil || byHash.Exact.ID != s.ID {
		t.Errorf("lookup by the update's hash: %+v, want story %s", byHash.Exact, s.ID)
	}
	// An item looked up before the update and created after it conflicts
	// with the story the update indexed under its key.
	_, conflict, err := e.st.Create(ctx, fpOf("h-other", "50"), store.StoryItem{SourceID: "b"}, l.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	if conflict == nil || !slices.Equal(ids(conflict.Candidates), []string{s.ID}) {
		t.Errorf("Create racing the update: conflict %+v, want story %s", conflict, s.ID)
	}
	if err := e.st.SetTitle(ctx, "999999", update, "x"); !errors.Is(err, store.ErrStoryNotFound) {
		t.Errorf("SetTitle(unknown story) error = %v, want ErrStoryNotFound", err)
	}
}

// TestStoryKeys checks the key layout: one hash tag, a TTL within the window
// on every key but the sequence, and each key's index capped.
func TestStoryKeys(t *testing.T) {
	ctx := context.Background()
	const window = time.Hour
	e := newStoryEnv(t, store.StoryOptions{Window: window, CandidatesPerKey: 3})
	var made []string
	for i := range 5 {
		s := mustCreate(t, e.st, fpOf(fmt.Sprint("h", i), "غزة", fmt.Sprint("k", i)), store.StoryItem{SourceID: "s", ItemID: fmt.Sprint(i)})
		made = append(made, s.ID)
	}
	if _, err := e.st.AddSource(ctx, made[0], store.SourceRef{SourceID: "t"}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetTitle(ctx, made[1], fpOf("h-new", "رفح"), "x"); err != nil {
		t.Fatal(err)
	}
	keys := e.keys(t)
	if len(keys) == 0 {
		t.Fatal("no keys written")
	}
	for _, k := range keys {
		rest := strings.TrimPrefix(k, e.prefix)
		if !strings.HasPrefix(rest, "{stories}:") {
			t.Errorf("key %q is not under the {stories} hash tag", k)
		}
		ttl, err := e.raw.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if rest == "{stories}:seq" {
			if ttl >= 0 {
				t.Errorf("%s has TTL %v, want none (ids must not repeat)", k, ttl)
			}
			continue
		}
		if ttl <= 0 || ttl > window {
			t.Errorf("%s TTL = %v, want within (0, %v]", k, ttl, window)
		}
	}
	if n := e.raw.ZCard(ctx, e.prefix+"{stories}:k:غزة").Val(); n != 3 {
		t.Errorf("index of a key shared by 5 stories holds %d, want CandidatesPerKey = 3", n)
	}
	l, err := e.st.Lookup(ctx, fpOf("", "غزة"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{made[4], made[3], made[2]}; !slices.Equal(ids(l.Candidates), want) {
		t.Errorf("candidates %v, want the 3 newest %v", ids(l.Candidates), want)
	}
}

// TestStoryMaxKeys: only the first MaxKeys distinct keys are used.
func TestStoryMaxKeys(t *testing.T) {
	ctx := context.Background()
	e := newStoryEnv(t, store.StoryOptions{MaxKeys: 2})
	mustCreate(t, e.st, fpOf("h", "a", "a", "b", "c"), store.StoryItem{SourceID: "s"})
	for key, want := range map[string]int{"a": 1, "b": 1, "c": 0} {
		l, err := e.st.Lookup(ctx, fpOf("", key))
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Candidates) != want {
			t.Errorf("lookup by %q: %d candidates, want %d", key, len(l.Candidates), want)
		}
	}
}

// TestStoryWindowExpiry: stories and their index entries leave with the
// window.
func TestStoryWindowExpiry(t *testing.T) {
	ctx := context.Background()
	const window = time.Second
	e := newStoryEnv(t, store.StoryOptions{Window: window})
	old := mustCreate(t, e.st, fpOf("h-old", "إدلب", "غارة"), store.StoryItem{SourceID: "s", ItemID: "1"})
	// Its record expires with the window (on the embedded server within
	// a tick more): wait for that.
	wait.Within(t, window+5*time.Second, "the story to expire", func() bool {
		_, err := e.st.Get(ctx, old.ID)
		return errors.Is(err, store.ErrStoryNotFound)
	})

	l, err := e.st.Lookup(ctx, fpOf("h-old", "إدلب"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Exact != nil || len(l.Candidates) != 0 {
		t.Errorf("after the window: exact %+v, candidates %v; want nothing", l.Exact, ids(l.Candidates))
	}
	if _, err := e.st.Get(ctx, old.ID); !errors.Is(err, store.ErrStoryNotFound) {
		t.Errorf("Get(expired) error = %v, want ErrStoryNotFound", err)
	}
	if _, err := e.st.AddSource(ctx, old.ID, store.SourceRef{SourceID: "x"}); !errors.Is(err, store.ErrStoryNotFound) {
		t.Errorf("AddSource(expired) error = %v, want ErrStoryNotFound", err)
	}
	// The same headline again is a new story with a new id.
	res, err := e.st.Resolve(ctx, fpOf("h-old", "إدلب", "غارة"), store.StoryItem{SourceID: "s", ItemID: "2"}, pickSharedKey(fpOf("", "إدلب")))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Story.ID == old.ID {
		t.Errorf("after the window: %+v, want a new story (old id %s)", res, old.ID)
	}

	// A key still in use keeps only the live story: stale entries are
	// trimmed when a story is indexed under the key, not only by TTL.
	a := mustCreate(t, e.st, fpOf("h-a", "مشترك", "أ"), store.StoryItem{SourceID: "s"})
	// b comes when half of a's window has passed (seen on a's record's
	// TTL), so that a leaves the window well before b.
	wait.For(t, "half of a's window", func() bool {
		ttl, err := e.raw.PTTL(ctx, e.prefix+"{stories}:s:"+a.ID).Result()
		return err == nil && ttl < window/2
	})
	b := mustCreate(t, e.st, fpOf("h-b", "مشترك", "ب"), store.StoryItem{SourceID: "s"})
	wait.Within(t, window+5*time.Second, "a to leave the window", func() bool {
		_, err := e.st.Get(ctx, a.ID)
		return errors.Is(err, store.ErrStoryNotFound)
	})
	// a is out of the window, b is not.
	c := mustCreate(t, e.st, fpOf("h-c", "مشترك", "ج"), store.StoryItem{SourceID: "s"})
	members, err := e.raw.ZRange(ctx, e.prefix+"{stories}:k:مشترك", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(members, a.ID) || !slices.Contains(members, b.ID) || !slices.Contains(members, c.ID) {
		t.Errorf("index of the shared key = %v, want %s trimmed and %s, %s kept", members, a.ID, b.ID, c.ID)
	}
}

func TestStoryLookupBatch(t *testing.T) {
	ctx := context.Background()
	e := newStoryEnv(t, store.StoryOptions{})
	s1 := mustCreate(t, e.st, fpOf("h1", "مطار", "دمشق"), store.StoryItem{SourceID: "s"})
	s2 := mustCreate(t, e.st, fpOf("h2", "مطار", "بيروت"), store.StoryItem{SourceID: "s"})
	fps := []store.FP{fpOf("h1"), fpOf("x", "مطار"), fpOf("y", "بيروت"), fpOf("z", "عمان"), {}}
	// Flush the script cache so the batch must load the script itself.
	if err := e.raw.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := e.st.LookupBatch(ctx, fps)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(fps) {
		t.Fatalf("%d results for %d fingerprints", len(got), len(fps))
	}
	for i, fp := range fps {
		want, err := e.st.Lookup(ctx, fp)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got[i].Exact, ids(got[i].Candidates), got[i].Cursor) != fmt.Sprint(want.Exact, ids(want.Candidates), want.Cursor) {
			t.Errorf("batch[%d] = %+v, Lookup = %+v", i, got[i], want)
		}
	}
	if got[0].Exact == nil || got[0].Exact.ID != s1.ID || !slices.Equal(ids(got[1].Candidates), []string{s2.ID, s1.ID}) {
		t.Errorf("batch = %+v, want exact %s and candidates [%s %s]", got, s1.ID, s2.ID, s1.ID)
	}
	if empty, err := e.st.LookupBatch(ctx, nil); err != nil || empty != nil {
		t.Errorf("LookupBatch(nil) = %v, %v; want nil, nil", empty, err)
	}
}

// TestStoryEmbedded runs the scripts on the embedded server that `aajil run`
// uses without AAJIL_REDIS_URL, and checks its expiry with a moved clock.
func TestStoryEmbedded(t *testing.T) {
	ctx := context.Background()
	emb, err := store.StartEmbedded(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	s, err := store.Open(ctx, emb.URL(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := s.Stories(store.StoryOptions{})
	fp := fpOf("h", "انفجار", "دمشق")
	r1, err := st.Resolve(ctx, fp, store.StoryItem{SourceID: "a", ItemID: "1"}, pickSharedKey(fp))
	if err != nil {
		t.Fatal(err)
	}
	fp2 := fpOf("h2", "دمشق", "انفجار")
	r2, err := st.Resolve(ctx, fp2, store.StoryItem{SourceID: "b", ItemID: "2"}, pickSharedKey(fp2))
	if err != nil {
		t.Fatal(err)
	}
	if !r1.Created || r2.Created || !r2.Added || r2.Story.ID != r1.Story.ID {
		t.Errorf("embedded: first %+v, second %+v; want one story joined by the second", r1, r2)
	}
	got, err := st.LookupBatch(ctx, []store.FP{fp, fpOf("", "دمشق")})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Exact == nil || len(got[1].Candidates) != 1 {
		t.Errorf("embedded LookupBatch = %+v, want an exact hit and one candidate", got)
	}
	emb.FastForward(store.DefaultStoryWindow + time.Second)
	if _, err := st.Get(ctx, r1.Story.ID); !errors.Is(err, store.ErrStoryNotFound) {
		t.Errorf("embedded, after the window: Get error = %v, want ErrStoryNotFound", err)
	}
}

// TestStoryResolveAgain: resolving the first item of a story again (a retry
// after a lost reply) says Created again instead of joining it to itself.
func TestStoryResolveAgain(t *testing.T) {
	ctx := context.Background()
	e := newStoryEnv(t, store.StoryOptions{})
	fp := fpOf("h", "انتخابات", "نتائج")
	item := store.StoryItem{SourceID: "a", ItemID: "1", Title: "نتائج الانتخابات"}
	first, err := e.st.Resolve(ctx, fp, item, pickSharedKey(fp))
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.st.Resolve(ctx, fp, item, pickSharedKey(fp))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Created || again.Added || again.Story.ID != first.Story.ID {
		t.Errorf("again: %+v, want Created on story %s", again, first.Story.ID)
	}
	got, err := e.st.Get(ctx, first.Story.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Sources) != 0 {
		t.Errorf("story sources %+v, want none", got.Sources)
	}
}

// TestStoryResolveBatch: items of one batch that are one story end as one
// story, through the conflict round; unrelated items each make their own.
func TestStoryResolveBatch(t *testing.T) {
	ctx := context.Background()
	e := newStoryEnv(t, store.StoryOptions{})
	known := mustCreate(t, e.st, fpOf("k", "الليرة", "الدولار"), store.StoryItem{SourceID: "old", ItemID: "0"})
	in := []store.StoryInput{
		{FP: fpOf("a1", "زلزال", "تركيا"), Item: store.StoryItem{SourceID: "a", ItemID: "1"}},
		{FP: fpOf("b1", "زلزال", "قوته"), Item: store.StoryItem{SourceID: "b", ItemID: "1"}},
		{FP: fpOf("c1", "فيضانات", "ليبيا"), Item: store.StoryItem{SourceID: "c", ItemID: "1"}},
		{FP: fpOf("d1", "الدولار"), Item: store.StoryItem{SourceID: "d", ItemID: "1"}},
		{FP: fpOf("a1", "زلزال", "تركيا"), Item: store.StoryItem{SourceID: "e", ItemID: "1"}},
	}
	res, err := e.st.ResolveBatch(ctx, in, func(i int, c []store.StoryRecord) int { return pickSharedKey(in[i].FP)(c) })
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		created, added bool
		story          string // "" : same as item 0's story
	}
	wants := []want{{true, false, "new"}, {false, true, ""}, {true, false, "new"}, {false, true, known.ID}, {false, true, ""}}
	for i, w := range wants {
		r := res[i]
		story := w.story
		if story == "" {
			story = res[0].Story.ID
		}
		if r.Created != w.created || r.Added != w.added || (story != "new" && r.Story.ID != story) {
			t.Errorf("item %d: %+v, want created %v, added %v, story %s", i, r, w.created, w.added, story)
		}
	}
	if res[0].Story.ID == res[2].Story.ID {
		t.Errorf("unrelated items 0 and 2 share story %s", res[0].Story.ID)
	}
	if empty, err := e.st.ResolveBatch(ctx, nil, nil); err != nil || len(empty) != 0 {
		t.Errorf("ResolveBatch(nil) = %v, %v; want nothing", empty, err)
	}
}

// TestStoryRoundTrips checks the round trips Resolve reports for each path,
// and that Create with a zero cursor creates only when nothing shares the
// item's hash or keys.
func TestStoryRoundTrips(t *testing.T) {
	ctx := context.Background()
	e := newStoryEnv(t, store.StoryOptions{})
	steps := []struct {
		name    string
		fp      store.FP
		item    store.StoryItem
		created bool
		exact   bool
		rtt     int
	}{
		{"new story, unused keys", fpOf("h1", "سد", "الفرات"), store.StoryItem{SourceID: "a", ItemID: "1"}, true, false, 1},
		{"exact duplicate", fpOf("h1", "سد", "الفرات"), store.StoryItem{SourceID: "b", ItemID: "1"}, false, true, 1},
		{"re-worded, compared", fpOf("h2", "الفرات", "سد", "انهيار"), store.StoryItem{SourceID: "c", ItemID: "1"}, false, false, 2},
		{"different story under a used key", fpOf("h3", "الفرات", "جسر"), store.StoryItem{SourceID: "d", ItemID: "1"}, true, false, 2},
		{"first item again", fpOf("h1", "سد", "الفرات"), store.StoryItem{SourceID: "a", ItemID: "1"}, true, false, 1},
	}
	for _, st := range steps {
		// The items about the dam (سد) are one story; the bridge (جسر)
		// shares the river's key but is another story.
		pick := func(c []store.StoryRecord) int {
			for i, r := range c {
				if strings.Contains(r.Data, "سد") && slices.Contains(st.fp.Keys, "سد") {
					return i
				}
			}
			return -1
		}
		res, err := e.st.Resolve(ctx, st.fp, st.item, pick)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if res.Created != st.created || res.Exact != st.exact || res.RoundTrips != st.rtt {
			t.Errorf("%s: created %v, exact %v, round trips %d; want %v, %v, %d",
				st.name, res.Created, res.Exact, res.RoundTrips, st.created, st.exact, st.rtt)
		}
	}

	// A zero cursor: every live story under the keys is a conflict.
	_, conflict, err := e.st.Create(ctx, fpOf("h4", "الفرات"), store.StoryItem{SourceID: "e", ItemID: "1"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if conflict == nil || len(conflict.Candidates) != 2 {
		t.Fatalf("Create(cursor 0) under a key of 2 stories: conflict %+v, want both stories", conflict)
	}
	if _, again, err := e.st.Create(ctx, fpOf("h4", "الفرات"), store.StoryItem{SourceID: "e", ItemID: "1"}, conflict.Cursor); err != nil || again != nil {
		t.Errorf("Create with the conflict's cursor: conflict %+v, err %v; want created", again, err)
	}
	if _, conflict, err := e.st.Create(ctx, fpOf("h5", "تدمر"), store.StoryItem{SourceID: "e", ItemID: "2"}, 0); err != nil || conflict != nil {
		t.Errorf("Create(cursor 0) under unused keys: conflict %+v, err %v; want created", conflict, err)
	}
}

// TestStoryLookupPrunes: a lookup that comes across the index entry of an
// expired story removes it.
func TestStoryLookupPrunes(t *testing.T) {
	ctx := context.Background()
	e := newStoryEnv(t, store.StoryOptions{})
	s := mustCreate(t, e.st, fpOf("h", "حماة", "مطر"), store.StoryItem{SourceID: "s"})
	if err := e.raw.Del(ctx, e.prefix+"{stories}:s:"+s.ID).Err(); err != nil { // as if expired
		t.Fatal(err)
	}
	l, err := e.st.Lookup(ctx, fpOf("", "حماة"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Candidates) != 0 {
		t.Errorf("candidates %v, want none (the story is gone)", ids(l.Candidates))
	}
	members, err := e.raw.ZRange(ctx, e.prefix+"{stories}:k:حماة", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 0 {
		t.Errorf("index after the lookup = %v, want the expired story's entry removed", members)
	}
}

// TestStoryRecent: the stories of a period, newest first, with their
// later sources and the headlines those reported.
func TestStoryRecent(t *testing.T) {
	ctx := context.Background()
	e := newStoryEnv(t, store.StoryOptions{})
	a := mustCreate(t, e.st, fpOf("ha", "غزة"), store.StoryItem{SourceID: "s1", ItemID: "1", Title: "قصف على غزة"})
	b := mustCreate(t, e.st, fpOf("hb", "دمشق"), store.StoryItem{SourceID: "s1", ItemID: "2", Title: "انفجار في دمشق"})
	if _, err := e.st.AddSource(ctx, a.ID, store.SourceRef{SourceID: "s2", ItemID: "9", Title: "غارات على غزة"}); err != nil {
		t.Fatal(err)
	}
	// Joined through the hash: the joining item's headline is kept.
	res, err := e.st.Resolve(ctx, fpOf("hb", "دمشق"), store.StoryItem{SourceID: "s3", ItemID: "3", Title: "دوي انفجار في دمشق"},
		func([]store.StoryRecord) int { return -1 })
	if err != nil || res.Story.ID != b.ID {
		t.Fatalf("Resolve = %+v, %v; want story %s", res, err, b.ID)
	}
	got, err := e.st.Recent(ctx, a.Created, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != b.ID || got[1].ID != a.ID {
		t.Fatalf("Recent = %v, want [%s %s]", ids(got), b.ID, a.ID)
	}
	if s := got[1].Sources; len(s) != 1 || s[0].SourceID != "s2" || s[0].Title != "غارات على غزة" || s[0].At.IsZero() {
		t.Errorf("story a's later sources %+v, want s2 with its headline", s)
	}
	if s := got[0].Sources; len(s) != 1 || s[0].SourceID != "s3" || s[0].Title != "دوي انفجار في دمشق" {
		t.Errorf("story b's later sources %+v, want s3 with its headline", s)
	}
	if got, _ := e.st.Recent(ctx, a.Created, 1); len(got) != 1 || got[0].ID != b.ID {
		t.Errorf("Recent limit 1 = %v, want [%s]", ids(got), b.ID)
	}
	if got, _ := e.st.Recent(ctx, time.Now().Add(time.Hour), 0); len(got) != 0 {
		t.Errorf("Recent from the future = %v, want none", ids(got))
	}
}
