package report_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aajil/aajil/alerts/story"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
	"github.com/aajil/aajil/web/report"
)

// Headlines of the fixture: one story told by three sources (the later
// two joined), one told once, its headline hostile.
const (
	headA  = "مقتل 3 في غارة إسرائيلية على دمشق"
	headA2 = "غارة على دمشق تقتل ثلاثة أشخاص"
	headA3 = "Israeli strike on Damascus kills 3"
	headB  = `<script>alert("x")</script> زلزال في تركيا`
)

// fixture is a store filled through the calls the pipeline and the
// sender make, and what it holds.
type fixture struct {
	st         *store.Store
	rep        *report.Reports
	a, b       store.StoryRecord
	chats      []int64 // the deliveries of story a
	sentAt     time.Time
	deadLetter string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	f := &fixture{st: storetest.OpenWith(t, store.Options{OutboxPartitions: 2})}
	stories := f.st.Stories(store.StoryOptions{})
	f.a = resolve(t, stories, "sana", "1", headA, nil)
	f.b = resolve(t, stories, "bbc", "7", headB, nil)
	resolve(t, stories, "aljazeera", "2", headA2, &f.a)
	resolve(t, stories, "reuters", "3", headA3, &f.a)

	f.chats = []int64{101, 102, 103, 104}
	var ds []store.Delivery
	for _, c := range f.chats {
		ds = append(ds, store.Delivery{ChatID: c, StoryID: f.a.ID, SourceID: "sana", ItemID: "1", Urgent: true, Title: headA})
	}
	ds = append(ds, store.Delivery{ChatID: 105, StoryID: f.b.ID, SourceID: "bbc", ItemID: "7", Title: headB})
	if n, err := f.st.Enqueue(ctx, ds); err != nil || n != len(ds) {
		t.Fatalf("Enqueue = %d, %v", n, err)
	}
	f.finish(t)
	f.counters(t)
	f.subscribers(t)
	f.rep = report.New(report.NewRedisStore(f.st, store.StoryOptions{}), report.Options{SendLimit: 28.5, TopRules: 2})
	return f
}

// resolve resolves an item as the pipeline does: into join when given,
// else into a new story.
func resolve(t *testing.T, st *store.Stories, src, item, title string, join *store.StoryRecord) store.StoryRecord {
	t.Helper()
	fp := story.NewFingerprint(title)
	in := []store.StoryInput{{FP: store.FP{Hash: fp.Hash, Keys: fp.Keys, Data: title}, Item: store.StoryItem{SourceID: src, ItemID: item, Title: title}}}
	res, err := st.ResolveBatch(t.Context(), in, func(_ int, cands []store.StoryRecord) int {
		if join == nil {
			return -1
		}
		return slices.IndexFunc(cands, func(c store.StoryRecord) bool { return c.ID == join.ID })
	})
	if err != nil {
		t.Fatal(err)
	}
	if join != nil && (res[0].Story.ID != join.ID || !res[0].Added) {
		t.Fatalf("%s joined story %s (added %t), want %s", title, res[0].Story.ID, res[0].Added, join.ID)
	}
	return res[0].Story
}

// finish sends two of story a's deliveries, drops one and dead-letters
// one, as the sender does; story b's stays queued.
func (f *fixture) finish(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	var es []store.OutboxEntry
	for p := range 2 {
		got, err := f.st.ReadPartition(ctx, p, "inst-1", 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, got...)
	}
	byChat := map[int64]store.OutboxEntry{}
	for _, e := range es {
		byChat[e.ChatID] = e
	}
	f.sentAt = f.a.Created.Add(1500 * time.Millisecond)
	for i, c := range f.chats[:2] {
		rec := store.SentRecord{MessageID: 10 + i, SentAt: f.sentAt.Add(time.Duration(i) * time.Second)}
		if err := f.st.Acknowledge(ctx, byChat[c], rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.st.Drop(ctx, byChat[f.chats[2]]); err != nil {
		t.Fatal(err)
	}
	if err := f.st.DeadLetter(ctx, byChat[f.chats[3]], "telegram 400: Bad Request: can't parse entities", 1); err != nil {
		t.Fatal(err)
	}
	// Both sent messages were edited to name the later sources.
	if err := f.st.CountEdits(ctx, f.a.ID, f.chats[:2]); err != nil {
		t.Fatal(err)
	}
	dl, err := f.st.DeadLetters(ctx, 1)
	if err != nil || len(dl) != 1 {
		t.Fatalf("DeadLetters = %v, %v", dl, err)
	}
	f.deadLetter = dl[0].ID
}

// counters records sends and 429s as the sender's flushes do, and an
// instance holding partition 1.
func (f *fixture) counters(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	now := time.Now()
	for _, a := range []struct {
		c  store.Counter
		n  int64
		at time.Time
	}{
		{store.CounterDeliveries, 120, now.Add(-time.Minute)},
		{store.CounterDeliveries, 9, now},
		{store.CounterTooManyRequests, 2, now},
		{store.CounterTooManyRequests, 3, now.Add(-3 * time.Hour)},
	} {
		if err := f.st.AddAt(ctx, a.c, a.n, a.at); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.st.Heartbeat(ctx, "inst-1", time.Minute); err != nil {
		t.Fatal(err)
	}
	if tok, _, err := f.st.PartitionLease(1, "inst-1", time.Minute).Take(ctx); err != nil || tok == 0 {
		t.Fatalf("Take = %d, %v", tok, err)
	}
}

func (f *fixture) subscribers(t *testing.T) {
	t.Helper()
	subs := []store.Subscriber{
		{ChatID: 1, Lang: "ar", Mode: "urgent", Active: true, Rules: []string{"دمشق", "حمص"}},
		{ChatID: 2, Lang: "ar", Mode: "all", Active: true, Rules: []string{"دمشق"}, PausedUntil: time.Now().Add(time.Hour)},
		{ChatID: 3, Lang: "en", Mode: "urgent", Active: false, Rules: []string{"Gaza", "دمشق"}},
		{ChatID: 4, Mode: "urgent", Active: true},
	}
	for _, s := range subs {
		if err := f.st.PutSubscriber(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStories(t *testing.T) {
	f := newFixture(t)
	page, err := f.rep.Stories(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Stories) != 2 || page.Stories[0].ID != f.b.ID || page.Stories[1].ID != f.a.ID {
		t.Fatalf("stories %+v, want b then a", page.Stories)
	}
	b, a := page.Stories[0], page.Stories[1]
	if b.Headline != headB || b.Queued != 1 || b.Sent != 0 || !b.FirstDelivered.IsZero() || b.Delay != 0 || len(b.Merges) != 0 {
		t.Errorf("story b = %+v, want queued 1, nothing sent, no merge", b)
	}
	if a.Sent != 2 || a.Queued != 0 || a.Failed != 1 || a.Dropped != 1 || a.Edited != 2 {
		t.Errorf("story a sent/queued/failed/dropped/edited = %d/%d/%d/%d/%d, want 2/0/1/1/2", a.Sent, a.Queued, a.Failed, a.Dropped, a.Edited)
	}
	if !a.FirstSeen.Equal(f.a.Created) || !a.FirstDelivered.Equal(f.sentAt) || a.Delay != 1500*time.Millisecond {
		t.Errorf("story a first seen %v, delivered %v, delay %v; want %v, %v, 1.5s", a.FirstSeen, a.FirstDelivered, a.Delay, f.a.Created, f.sentAt)
	}
	var srcs []string
	for _, r := range a.Reports {
		srcs = append(srcs, r.Source)
		if r.At.IsZero() || r.Headline == "" {
			t.Errorf("report %+v without a time or headline", r)
		}
	}
	if want := []string{"sana", "aljazeera", "reuters"}; !slices.Equal(srcs, want) {
		t.Errorf("reports %q, want %q", srcs, want)
	}
	if want := []string{"aljazeera", "reuters"}; !slices.Equal(a.AlsoReportedBy, want) {
		t.Errorf("also reported by %q, want %q", a.AlsoReportedBy, want)
	}
	if len(a.Merges) != 2 {
		t.Fatalf("merges %+v, want 2", a.Merges)
	}
	for i, h := range []string{headA2, headA3} {
		x := story.ExplainHeadlines(headA, h)
		m := a.Merges[i]
		if m.Headline != h || m.Verdict != x.Verdict.String() || m.Score != x.Score || !slices.Equal(m.Matched, x.Matched) || !slices.Equal(m.OnlyReport, x.OnlyB) {
			t.Errorf("merge %d = %+v, want the explanation %+v", i, m, x)
		}
	}
}

func TestDelivery(t *testing.T) {
	f := newFixture(t)
	page, err := f.rep.Delivery(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if page.Depth != 1 || page.Pending != 1 || len(page.Partitions) != 2 {
		t.Errorf("depth %d, pending %d, %d partitions; want 1, 1, 2", page.Depth, page.Pending, len(page.Partitions))
	}
	p105 := f.st.PartitionOf(105)
	for _, p := range page.Partitions {
		want := int64(0)
		if p.Number == p105 {
			want = 1
		}
		if p.Depth != want || p.Pending != want {
			t.Errorf("partition %d: depth %d pending %d, want %d", p.Number, p.Depth, p.Pending, want)
		}
		if wantHolder := map[int]string{1: "inst-1"}[p.Number]; p.Holder != wantHolder {
			t.Errorf("partition %d held by %q, want %q", p.Number, p.Holder, wantHolder)
		}
	}
	if page.SentLastMinute != 120 || page.Rate != 2 || page.Limit != 28.5 {
		t.Errorf("last minute %d at %.2f/s of %.2f, want 120, 2, 28.5", page.SentLastMinute, page.Rate, page.Limit)
	}
	if page.TooManyHour != 2 || page.TooManyDay != 5 {
		t.Errorf("429s hour/day %d/%d, want 2/5", page.TooManyHour, page.TooManyDay)
	}
	if len(page.Instances) != 1 || page.Instances[0].Name != "inst-1" || !slices.Equal(page.Instances[0].Partitions, []int{1}) {
		t.Errorf("instances %+v, want inst-1 holding [1]", page.Instances)
	}
	if len(page.DeadLetters) != 1 {
		t.Fatalf("dead letters %+v, want 1", page.DeadLetters)
	}
	d := page.DeadLetters[0]
	if d.ID != f.deadLetter || d.ChatID != f.chats[3] || d.StoryID != f.a.ID || d.Reason != "telegram 400: Bad Request: can't parse entities" || d.Attempts != 1 || d.At.IsZero() {
		t.Errorf("dead letter %+v", d)
	}
}

func TestRetryDeadLetter(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if err := f.rep.RetryDeadLetter(ctx, f.deadLetter); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if err := f.rep.RetryDeadLetter(ctx, f.deadLetter); !errors.Is(err, store.ErrDeadLetterNotFound) {
		t.Errorf("second retry = %v, want ErrDeadLetterNotFound", err)
	}
	page, err := f.rep.Delivery(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if page.Depth != 2 || len(page.DeadLetters) != 0 {
		t.Errorf("after retry: depth %d, %d dead letters; want 2, 0", page.Depth, len(page.DeadLetters))
	}
	stories, err := f.rep.Stories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a := stories.Stories[1]; a.Failed != 0 || a.Queued != 1 {
		t.Errorf("story a after retry: failed %d queued %d, want 0, 1", a.Failed, a.Queued)
	}
}

func TestSubscribers(t *testing.T) {
	f := newFixture(t)
	page, err := f.rep.Subscribers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want []report.Count
	}{
		{"state", page.ByState, []report.Count{{"active", "state.active", 2}, {"paused", "state.paused", 1}, {"stopped", "state.stopped", 1}}},
		{"lang", page.ByLang, []report.Count{{"ar", "", 2}, {"", "", 1}, {"en", "", 1}}},
		{"mode", page.ByMode, []report.Count{{"urgent", "", 3}, {"all", "", 1}}},
		{"rules", page.TopRules, []report.Count{{"دمشق", "", 3}, {"Gaza", "", 1}}},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s: %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
	if page.Total != 4 {
		t.Errorf("total %d, want 4", page.Total)
	}
}
