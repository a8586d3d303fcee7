package pipeline

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// harness is a pipeline on a fresh key prefix of the test Redis, running
// until the test ends, recording its alerts.
type harness struct {
	t      *testing.T
	st     *store.Store
	p      *Pipeline
	mu     sync.Mutex
	alerts []Alert
}

func newHarness(t *testing.T, st *store.Store) *harness {
	t.Helper()
	return newHarnessOutbox(t, st, st)
}

// newHarnessOutbox is newHarness with another outbox in front of the store.
func newHarnessOutbox(t *testing.T, st *store.Store, outbox Outbox) *harness {
	t.Helper()
	return newHarnessWith(t, st, func(o *Options) { o.Outbox = outbox })
}

// newHarnessWith is newHarness with options changed by set.
func newHarnessWith(t *testing.T, st *store.Store, set func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, st: st}
	opts := Options{
		Seen: st, Stories: st.Stories(store.StoryOptions{}), Outbox: st,
		OnAlert: func(a Alert) {
			h.mu.Lock()
			h.alerts = append(h.alerts, a)
			h.mu.Unlock()
		},
	}
	set(&opts)
	h.p = New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.p.Run(ctx, time.Second); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// poll submits a poll of src with the given items and waits until the
// pipeline has processed it.
func (h *harness) poll(src feeds.Source, items ...feeds.Item) {
	h.t.Helper()
	h.p.Submit(feeds.PollResult{Source: src, Items: items})
	h.waitIdle()
}

func (h *harness) waitIdle() {
	h.t.Helper()
	wait.Within(h.t, 20*time.Second, "the pipeline to finish its work", func() bool {
		h.p.mu.Lock()
		defer h.p.mu.Unlock()
		return len(h.p.queued) == 0
	})
}

// countingSeen counts the tries to mark items seen.
type countingSeen struct {
	SeenStore
	tries atomic.Int64
}

func (c *countingSeen) MarkSeen(ctx context.Context, sourceID string, itemIDs []string) ([]string, bool, error) {
	c.tries.Add(1)
	return c.SeenStore.MarkSeen(ctx, sourceID, itemIDs)
}

func (h *harness) titles() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, a := range h.alerts {
		out = append(out, a.Item.Title)
	}
	return out
}

// deliveries reads the whole outbox as "chat story-title rule" lines.
func deliveries(t *testing.T, st *store.Store) []string {
	t.Helper()
	entries, err := st.ReadOutbox(context.Background(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, fmt.Sprintf("%d %s [%s]", e.ChatID, e.Title, e.Rule))
	}
	slices.Sort(out)
	return out
}

func subscribe(t *testing.T, st *store.Store, p *Pipeline, subs ...store.Subscriber) {
	t.Helper()
	for _, s := range subs {
		if err := st.PutSubscriber(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	all, err := st.Subscribers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p.ApplySubscribers(store.SubscriberUpdate{Full: true, Subscribers: all})
}

// newTwoSourceHarness is a harness on a fresh store with one subscriber
// to everything (chat 1), whose sources sana and aj have had their first
// poll, the baseline, so that their next items alert.
func newTwoSourceHarness(t *testing.T) (*store.Store, *harness) {
	t.Helper()
	st := storetest.Open(t)
	h := newHarness(t, st)
	subscribe(t, st, h.p, store.Subscriber{ChatID: 1, Active: true})
	h.poll(sana)
	h.poll(aj)
	return st, h
}

var (
	sana = feeds.Source{ID: "sana", Name: "سانا", URL: "https://sana.sy/feed/"}
	aj   = feeds.Source{ID: "aljazeera-ar", Name: "الجزيرة", URL: "https://www.aljazeera.net/rss"}
)

// realTitles returns the first n headlines of the Al Jazeera English
// corpus: real, and each a different story.
func realTitles(t *testing.T, n int) []string {
	t.Helper()
	data, err := os.ReadFile("../testdata/derived/en_aljazeera_unique_titles_gonews_2022-08_to_2023-12.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.SplitN(string(data), "\n", n+1)[:n] {
		title, _, _ := strings.Cut(line, "\t")
		out = append(out, title)
	}
	return out
}

func item(id, title string, urgent bool) feeds.Item {
	return feeds.Item{ID: id, Title: title, Link: "https://example.org/" + id, Urgent: urgent, Lang: "ar"}
}

func TestBaselineThenNewItemsOnce(t *testing.T) {
	st := storetest.Open(t)
	h := newHarness(t, st)
	subscribe(t, st, h.p,
		store.Subscriber{ChatID: 1, Active: true},
		store.Subscriber{ChatID: 2, Active: true, Sources: []string{"aljazeera-ar"}},
		store.Subscriber{ChatID: 3, Active: true, Rules: []string{"حمص"}},
		store.Subscriber{ChatID: 4, Active: true, Rules: []string{"حمص"}, Mode: "all"},
		store.Subscriber{ChatID: 5, Active: true, PausedUntil: time.Now().Add(time.Hour)},
		store.Subscriber{ChatID: 6, Active: false},
	)
	old := item("1", "انفجار قديم في ميناء اللاذقية", true)
	h.poll(sana, old)
	if got := h.titles(); len(got) != 0 {
		t.Fatalf("baseline poll alerted %q, want nothing", got)
	}

	urgent := item("2", "انفجار في مستودع للذخيرة بريف حمص الشرقي", true)
	calm := item("3", "افتتاح معرض للكتاب بحمص", false)
	h.poll(sana, urgent, calm, old)
	h.poll(sana, urgent, calm, old) // the same document again

	if got, want := h.titles(), []string{urgent.Title}; !slices.Equal(got, want) {
		t.Errorf("alerts = %q, want %q", got, want)
	}
	want := []string{
		"1 " + urgent.Title + " []",    // no rules: every urgent item
		"3 " + urgent.Title + " [حمص]", // rule, urgent mode: urgent only
		"4 " + calm.Title + " [حمص]",   // rule, mode all: the calm one too
		"4 " + urgent.Title + " [حمص]", //
	}
	slices.Sort(want)
	if got := deliveries(t, st); !slices.Equal(got, want) {
		t.Errorf("deliveries:\n%q\nwant:\n%q", got, want)
	}
}

// An item's image travels with its deliveries, whatever the chat's
// media setting (the sender decides at send time).
func TestDeliveryCarriesImage(t *testing.T) {
	st := storetest.Open(t)
	h := newHarness(t, st)
	subscribe(t, st, h.p,
		store.Subscriber{ChatID: 1, Active: true},
		store.Subscriber{ChatID: 2, Active: true, Media: true},
	)
	h.poll(sana)
	pic := item("2", "انفجار في مستودع للذخيرة بريف حمص الشرقي", true)
	pic.Image = "https://sana.sy/wp-content/uploads/2026/03/homs.jpg"
	bare := item("3", "Major Russian grain export terminals hit in Ukraine Black Sea port attack", true)
	h.poll(sana, pic, bare)
	entries, err := st.ReadOutbox(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Fatalf("got %d deliveries, want 4", len(entries))
	}
	for _, e := range entries {
		want := ""
		if e.ItemID == pic.ID {
			want = pic.Image
		}
		if e.Image != want {
			t.Errorf("chat %d item %s: image %q, want %q", e.ChatID, e.ItemID, e.Image, want)
		}
	}
}

func TestSameStoryFromTwoSourcesAlertsOnce(t *testing.T) {
	st, h := newTwoSourceHarness(t)
	h.poll(sana, item("s1", "مصدر في الاستخبارات لـ سانا: إحباط محاولة تفجير داخل مقام السيدة زينب بريف دمشق", true))
	h.poll(aj, item("a1", "إحباط محاولة تفجير داخل مقام السيدة زينب بريف دمشق", true))
	h.poll(aj, item("a2", "انفجار في حلب", true))
	if got := h.titles(); len(got) != 2 || got[1] != "انفجار في حلب" {
		t.Errorf("alerts = %q, want the SANA story once and the Aleppo one", got)
	}
	if got := deliveries(t, st); len(got) != 2 {
		t.Errorf("deliveries = %q, want 2", got)
	}
}

// Headlines with nothing to compare (a bare banner, "Live") are no story:
// two of them from two sources are two alerts, not one.
func TestContentFreeHeadlinesAreNotOneStory(t *testing.T) {
	_, h := newTwoSourceHarness(t)
	h.poll(sana, item("s1", "عاجل", true))
	h.poll(aj, item("a1", "Live", true))
	if got, want := h.titles(), []string{"عاجل", "Live"}; !slices.Equal(got, want) {
		t.Errorf("alerts = %q, want %q", got, want)
	}
}

func TestTwoPipelinesRacingAlertOnce(t *testing.T) {
	// Two clients on the same Redis and prefix: two instances.
	inst := storetest.OpenInstances(t, 2)
	st1, st2 := inst[0], inst[1]
	h1, h2 := newHarness(t, st1), newHarness(t, st2)
	subscribe(t, st1, h1.p, store.Subscriber{ChatID: 7, Active: true})
	subscribe(t, st2, h2.p, store.Subscriber{ChatID: 7, Active: true})
	h1.poll(sana)
	var items []feeds.Item
	for i, title := range realTitles(t, 30) {
		items = append(items, item(fmt.Sprint("n", i), title, true))
	}
	for range 3 {
		h1.p.Submit(feeds.PollResult{Source: sana, Items: items})
		h2.p.Submit(feeds.PollResult{Source: sana, Items: items})
	}
	h1.waitIdle()
	h2.waitIdle()
	if n := len(h1.titles()) + len(h2.titles()); n != len(items) {
		t.Errorf("alerts: %d + %d = %d, want %d (each item once across both)", len(h1.titles()), len(h2.titles()), n, len(items))
	}
	if got := deliveries(t, st1); len(got) != len(items) {
		t.Errorf("%d deliveries, want %d", len(got), len(items))
	}
}

func TestRedisOutageHoldsItemsAndLosesNothing(t *testing.T) {
	srv, err := storetest.StartPersistent()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if !srv.Real() {
		t.Skip("needs a redis-server process to kill (CI has one)")
	}
	st := storetest.OpenURL(t, srv.URL())
	seen := &countingSeen{SeenStore: st}
	h := newHarnessWith(t, st, func(o *Options) { o.Seen = seen })
	subscribe(t, st, h.p, store.Subscriber{ChatID: 9, Active: true})
	h.poll(sana, item("old", "خبر قديم", true))

	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	titles := realTitles(t, 5)
	var items []feeds.Item
	before := seen.tries.Load()
	for i, title := range titles {
		items = append(items, item(fmt.Sprint("o", i), title, true))
		// Polling goes on during the outage: every poll lists the items.
		h.p.Submit(feeds.PollResult{Source: sana, Items: items})
	}
	wait.For(t, "a try while redis is down", func() bool { return seen.tries.Load() > before })
	if got := h.titles(); len(got) != 0 {
		t.Fatalf("alerted %q while redis was down", got)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	h.waitIdle()
	h.poll(sana, items...) // and once more after: nothing new
	if got := h.titles(); !slices.Equal(got, titles) {
		t.Errorf("alerts after the outage = %q\nwant each held item once, in order: %q", got, titles)
	}
	if got := deliveries(t, st); len(got) != len(titles) {
		t.Errorf("%d deliveries, want %d", len(got), len(titles))
	}
}

func TestRestartDoesNotRealert(t *testing.T) {
	inst := storetest.OpenInstances(t, 2)
	first := newHarness(t, inst[0])
	subscribe(t, inst[0], first.p, store.Subscriber{ChatID: 1, Active: true})
	titles := realTitles(t, 3)
	a, b := item("a", titles[0], true), item("b", titles[1], true)
	first.poll(sana, a)
	first.poll(sana, a, b)

	// A new process on the same Redis: the same document alerts nothing,
	// a new item does.
	second := newHarness(t, inst[1])
	subscribe(t, inst[1], second.p)
	c := item("c", titles[2], true)
	second.poll(sana, a, b)
	second.poll(sana, a, b, c)
	if got, want := first.titles(), []string{b.Title}; !slices.Equal(got, want) {
		t.Errorf("first process alerted %q, want %q", got, want)
	}
	if got, want := second.titles(), []string{c.Title}; !slices.Equal(got, want) {
		t.Errorf("after restart alerted %q, want only the new item %q", got, want)
	}
}

func TestUpdateOfAKnownStoryIsNotANewAlert(t *testing.T) {
	_, h := newTwoSourceHarness(t)
	h.poll(sana, item("1", "Earthquake of magnitude 6.1 kills 10 in western Turkey", true))
	// The death toll rose: the same event with new facts, from another
	// source. It is recorded on the story (the sent message is edited in
	// delivery), not sent again.
	h.poll(aj, item("2", "Earthquake of magnitude 6.1 kills 25 in western Turkey", true))
	// The same template in another country is another event.
	h.poll(aj, item("3", "Earthquake of magnitude 5.2 kills 3 in eastern Iran", true))
	want := []string{
		"Earthquake of magnitude 6.1 kills 10 in western Turkey",
		"Earthquake of magnitude 5.2 kills 3 in eastern Iran",
	}
	if got := h.titles(); !slices.Equal(got, want) {
		t.Errorf("alerts = %q, want %q", got, want)
	}
}

// flakyOutbox fails its first n Enqueue calls, as a Redis hiccup between
// the story and the outbox would.
type flakyOutbox struct {
	Outbox
	mu   sync.Mutex
	fail int
}

func (f *flakyOutbox) Enqueue(ctx context.Context, d []store.Delivery) (int, error) {
	f.mu.Lock()
	if f.fail > 0 {
		f.fail--
		f.mu.Unlock()
		return 0, fmt.Errorf("enqueue: %w", context.DeadlineExceeded)
	}
	f.mu.Unlock()
	return f.Outbox.Enqueue(ctx, d)
}

func TestFailureAfterTheStoryIsCreatedLosesNothing(t *testing.T) {
	st := storetest.Open(t)
	h := newHarnessOutbox(t, st, &flakyOutbox{Outbox: st, fail: 2})
	subscribe(t, st, h.p, store.Subscriber{ChatID: 1, Active: true})

	h.poll(sana)
	titles := realTitles(t, 2)
	h.poll(sana, item("x", titles[0], true), item("y", titles[1], true))
	if got := h.titles(); !slices.Equal(got, titles) {
		t.Errorf("alerts = %q, want each once, in order: %q", got, titles)
	}
	if got := deliveries(t, st); len(got) != 2 {
		t.Errorf("deliveries = %q, want 2", got)
	}
}

// editLog records the edits a pipeline schedules.
type editLog struct {
	mu    sync.Mutex
	edits []string
}

func (e *editLog) ScheduleEdit(_ context.Context, storyID string, due time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.edits = append(e.edits, storyID+"@"+due.Format(time.RFC3339))
	return nil
}

func TestLaterSourceSchedulesAnEdit(t *testing.T) {
	st := storetest.Open(t)
	var (
		edits  editLog
		mu     sync.Mutex
		merged []string
	)
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	h := newHarnessWith(t, st, func(o *Options) {
		o.Edits, o.EditDelay, o.Now = &edits, 7*time.Second, func() time.Time { return now }
		o.OnMerged = func(storyID string, src feeds.Source, added bool) {
			mu.Lock()
			merged = append(merged, fmt.Sprintf("%s %s %v", storyID, src.ID, added))
			mu.Unlock()
		}
	})

	subscribe(t, st, h.p, store.Subscriber{ChatID: 1, Active: true})
	h.poll(sana)
	h.poll(aj)
	h.poll(sana, item("s1", "مصدر في الاستخبارات لـ سانا: إحباط محاولة تفجير داخل مقام السيدة زينب بريف دمشق", true))
	if len(h.alerts) != 1 {
		t.Fatalf("alerts = %d, want 1", len(h.alerts))
	}
	story := h.alerts[0].StoryID
	h.poll(aj, item("a1", "إحباط محاولة تفجير داخل مقام السيدة زينب بريف دمشق", true))
	// The same source again, with another item of the same story: not a
	// new source, so no new edit.
	h.poll(aj, item("a2", "إحباط محاولة تفجير داخل مقام السيدة زينب في ريف دمشق", true))

	wantEdit := story + "@" + now.Add(7*time.Second).Format(time.RFC3339)
	if len(edits.edits) != 1 || edits.edits[0] != wantEdit {
		t.Errorf("edits = %q, want [%q]", edits.edits, wantEdit)
	}
	want := []string{story + " aljazeera-ar true", story + " aljazeera-ar false"}
	if !slices.Equal(merged, want) {
		t.Errorf("merged = %q, want %q", merged, want)
	}
}

func TestSubscriberCounts(t *testing.T) {
	p := New(Options{})
	now := time.Now()
	p.ApplySubscribers(store.SubscriberUpdate{Full: true, Subscribers: []store.Subscriber{
		{ChatID: 1, Active: true},
		{ChatID: 2, Active: true, Rules: []string{"حمص"}},
		{ChatID: 3, Active: true, PausedUntil: now.Add(time.Hour)},
		{ChatID: 4, Active: true, PausedUntil: now.Add(-time.Hour)}, // pause over
		{ChatID: 5, Active: false},
	}})
	if a, pa, in := p.SubscriberCounts(); a != 3 || pa != 1 || in != 1 {
		t.Errorf("SubscriberCounts = %d active, %d paused, %d inactive; want 3, 1, 1", a, pa, in)
	}
	p.ApplySubscribers(store.SubscriberUpdate{Removed: []int64{1, 5}})
	if a, pa, in := p.SubscriberCounts(); a != 2 || pa != 1 || in != 0 {
		t.Errorf("after removals: %d active, %d paused, %d inactive; want 2, 1, 0", a, pa, in)
	}
}

// TestUpdateWithNewFiguresRetitlesTheStory: a later report of one event
// with a higher toll is no new alert; it becomes the story's headline and
// the sent messages' edit is scheduled, also when it comes from the source
// that reported first. A report with a lower toll changes nothing.
func TestUpdateWithNewFiguresRetitlesTheStory(t *testing.T) {
	st := storetest.Open(t)
	var edits editLog
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	h := newHarnessWith(t, st, func(o *Options) {
		o.Edits, o.EditDelay, o.Now = &edits, 5*time.Second, func() time.Time { return now }
	})
	subscribe(t, st, h.p, store.Subscriber{ChatID: 1, Active: true})
	h.poll(sana)
	h.poll(aj)
	first := "At least 10 killed as magnitude 6.1 quake hits western Turkey"
	h.poll(sana, item("s1", first, true))
	if len(h.alerts) != 1 {
		t.Fatalf("alerts = %d, want 1", len(h.alerts))
	}
	storyID := h.alerts[0].StoryID
	title := func() string {
		t.Helper()
		rec, err := st.Stories(store.StoryOptions{}).Get(context.Background(), storyID)
		if err != nil {
			t.Fatal(err)
		}
		return rec.Title
	}

	rose := "At least 25 killed as magnitude 6.1 quake hits western Turkey"
	h.poll(sana, item("s2", rose, true)) // the same source, new figures
	if got := title(); got != rose {
		t.Errorf("story title = %q, want the update %q", got, rose)
	}
	if len(edits.edits) != 1 {
		t.Errorf("edits = %q, want one after the update", edits.edits)
	}
	h.poll(aj, item("a1", "At least 23 killed as magnitude 6.1 quake hits western Turkey", true)) // an older, lower count
	if got := title(); got != rose {
		t.Errorf("story title = %q after a lower count, want %q kept", got, rose)
	}
	if got := h.titles(); len(got) != 1 {
		t.Errorf("alerts = %q, want the first report only", got)
	}
}
