package delivery

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// testStories is a StoryGetter whose stories the test sets.
type testStories struct {
	mu      sync.Mutex
	stories map[string]store.StoryRecord
}

func (s *testStories) Get(_ context.Context, id string) (store.StoryRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.stories[id]
	if !ok {
		return store.StoryRecord{}, store.ErrStoryNotFound
	}
	return r, nil
}

func (s *testStories) set(r store.StoryRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stories[r.ID] = r
}

func TestEditorAlsoReportedBy(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	const old, a, b = 10_001, 10_002, -1_010_003
	h.subscribe("ar", old, a)
	h.subscribe("en", b)
	stories := &testStories{stories: map[string]store.StoryRecord{}}
	stories.set(store.StoryRecord{ID: "st", FirstSource: "sana"})
	var offset atomic.Int64 // the sender's clock, relative to the real one
	opts, m := fastOptions()
	opts.Stories = stories
	opts.EditInterval = 200 * time.Millisecond
	opts.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	s := h.sender(opts)
	h.start(s)

	// A message sent two hours ago is too old to edit.
	offset.Store(int64(-2 * time.Hour))
	dOld := testDelivery(old, "st", true)
	h.enqueue(dOld)
	if _, err := h.fake.WaitSent(t.Context(), old, 1); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "acknowledged", func() bool { return m.get("sent") == 1 })
	offset.Store(0)
	da, db := testDelivery(a, "st", true), testDelivery(b, "st", true)
	h.enqueue(da, db)
	wait.For(t, "acknowledged", func() bool { return m.get("sent") == 3 })

	// BBC and Reuters carry the story; BBC twice, the first source once more.
	stories.set(store.StoryRecord{ID: "st", FirstSource: "sana", Sources: []store.SourceRef{
		{SourceID: "bbc"}, {SourceID: "sana"}, {SourceID: "reuters"}, {SourceID: "bbc"},
	}})
	if err := h.st.ScheduleEdit(context.Background(), "st", time.Now()); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "edits made", func() bool { return m.getEdited("edited") == 2 && m.getEdited("too_old") == 1 })
	// The console's Stories page counts the two edited messages.
	wait.For(t, "edits counted", func() bool {
		c, err := h.st.StoryDeliveryCounts(context.Background(), []string{"st"})
		return err == nil && c["st"].Edited == 2
	})

	for _, tc := range []struct {
		d    store.Delivery
		lang string
	}{{da, "ar"}, {db, "en"}} {
		sent := h.fake.Sent(tc.d.ChatID)
		if len(sent) != 1 || sent[0].Edits != 1 {
			t.Fatalf("chat %d: %+v; want one message edited once", tc.d.ChatID, sent)
		}
		if want := wantText(tc.d, tc.lang, "BBC Arabic", "Reuters"); sent[0].Text != want {
			t.Errorf("chat %d edited to\n%q\nwant\n%q", tc.d.ChatID, sent[0].Text, want)
		}
	}
	if sent := h.fake.Sent(old); len(sent) != 1 || sent[0].Edits != 0 || sent[0].Text != wantText(dOld, "ar") {
		t.Errorf("old message: %+v; want it unedited", sent)
	}

	// Sent after the later sources joined, an alert names them, once
	// the names cached when the first alerts went out have expired.
	wait.For(t, "the story's cached names expired", func() bool {
		_, ok := s.names.get("st\x00sana")
		return !ok
	})
	const late = 10_004
	h.subscribe("ar", late)
	dl := testDelivery(late, "st", true)
	h.enqueue(dl)
	sent, err := h.fake.WaitSent(t.Context(), late, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := wantText(dl, "ar", "BBC Arabic", "Reuters"); sent[0].Text != want {
		t.Errorf("late alert\n%q\nwant\n%q", sent[0].Text, want)
	}
}

// TestEditorShowsUpdatedFigures: when a later report with new figures
// became the story's headline, the sent message is edited to show it,
// with no later source to name.
func TestEditorShowsUpdatedFigures(t *testing.T) {
	t.Parallel()
	h := newSenderHarness(t, telegramtest.Options{})
	const chat = 20_001
	h.subscribe("ar", chat)
	d := testDelivery(chat, "toll", true)
	stories := &testStories{stories: map[string]store.StoryRecord{}}
	stories.set(store.StoryRecord{ID: "toll", FirstSource: "sana", Title: d.Title})
	opts, m := fastOptions()
	opts.Stories = stories
	opts.EditInterval = 200 * time.Millisecond
	h.start(h.sender(opts))
	h.enqueue(d)
	if _, err := h.fake.WaitSent(t.Context(), chat, 1); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "acknowledged", func() bool { return m.get("sent") == 1 })

	updated := d
	updated.Title = "ارتفاع حصيلة ضحايا الانفجار في ريف دمشق إلى 12 قتيلا"
	stories.set(store.StoryRecord{ID: "toll", FirstSource: "sana", Title: updated.Title})
	if err := h.st.ScheduleEdit(context.Background(), "toll", time.Now()); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "edit made", func() bool { return m.getEdited("edited") == 1 })
	sent := h.fake.Sent(chat)
	if len(sent) != 1 || sent[0].Edits != 1 {
		t.Fatalf("%+v; want one message edited once", sent)
	}
	if want := wantText(updated, "ar"); sent[0].Text != want {
		t.Errorf("edited to\n%q\nwant\n%q", sent[0].Text, want)
	}
}
