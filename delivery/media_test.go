package delivery

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
	"github.com/aajil/aajil/telegram/tgtext"
)

// Pictures of the tests: a real SANA enclosure URL, and one Telegram
// cannot fetch.
const (
	testPicture = "https://cdn.sananews.sy/2026/03/0P3A6264-1024x683.jpg"
	badPicture  = "https://cdn.sananews.sy/2026/03/gone.jpg"
)

// wantCaption is the caption the sender should send with d's picture.
func wantCaption(d store.Delivery, lang string, later ...string) string {
	return RenderAlert(AlertMessage{
		Lang: lang, Urgent: d.Urgent, SourceName: testSourceName(d.SourceID), Title: d.Title,
		Link: d.Link, Published: d.Published, Rule: d.Rule, AlsoReportedBy: later,
	}, RenderOptions{MaxLength: tgtext.MaxCaptionLength})
}

// withImage is d with a picture.
func withImage(d store.Delivery, image string) store.Delivery {
	d.Image = image
	return d
}

// End to end on a real Redis and the fake Bot API: a chat with media on
// gets an alert with a picture as a photo with the alert as its caption;
// a chat with media off, or an alert without a picture, gets text; a
// picture Telegram refuses goes as text at once; and the "also reported
// by" edit of a photo alert is editMessageCaption.
func TestSenderPhotoAlerts(t *testing.T) {
	t.Parallel()
	lim := telegramtest.TelegramLimits()
	lim.Edits = true // the edits stay under the limits too
	h := newSenderHarness(t, telegramtest.Options{Limits: lim})
	const on, off, refused, bare = 20_001, 20_002, 20_003, 20_004
	for _, sub := range []store.Subscriber{
		{ChatID: on, Type: "private", Lang: "ar", Active: true, Media: true},
		{ChatID: off, Type: "private", Lang: "ar", Active: true},
		{ChatID: refused, Type: "private", Lang: "en", Active: true, Media: true},
		{ChatID: bare, Type: "private", Lang: "ar", Active: true, Media: true},
	} {
		if err := h.st.PutSubscriber(t.Context(), sub); err != nil {
			t.Fatal(err)
		}
	}
	h.fake.RefusePhoto(badPicture, "failed to get HTTP URL content")
	// A long headline: the caption is cut to Telegram's 1,024, the link kept.
	long := withImage(testDelivery(on, "p1", true), testPicture)
	long.Title = strings.Repeat("انفجار في ريف دمشق ", 80)
	dOff := long
	dOff.ChatID = off
	dRefused := withImage(testDelivery(refused, "p2", true), badPicture)
	dBare := testDelivery(bare, "p3", true)
	h.enqueue(long, dOff, dRefused, dBare)

	stories := &testStories{stories: map[string]store.StoryRecord{}}
	stories.set(store.StoryRecord{ID: "p1", FirstSource: "sana"})
	// Telegram's limits on both sides: the refused photo counts as a send,
	// and the text that follows it waits for the chat's next slot.
	m := newTestMetrics()
	opts := Options{Metrics: m, Stories: stories}
	opts.EditInterval = 200 * time.Millisecond
	h.start(h.sender(opts))
	wait.For(t, "4 acknowledged", func() bool { return m.get("sent") == 4 })

	sent := h.fake.Sent(on)
	if len(sent) != 1 || sent[0].Photo != testPicture {
		t.Fatalf("media on: %+v; want one photo of %s", sent, testPicture)
	}
	if want := wantCaption(long, "ar"); sent[0].Text != want || sent[0].ParseMode != "HTML" {
		t.Errorf("caption\n%q (%s)\nwant\n%q (HTML)", sent[0].Text, sent[0].ParseMode, want)
	}
	if !strings.Contains(sent[0].Text, `href="`+long.Link+`"`) {
		t.Errorf("caption %q lost the link %s", sent[0].Text, long.Link)
	}
	for chat, want := range map[int64]string{off: wantText(dOff, "ar"), refused: wantText(dRefused, "en"), bare: wantText(dBare, "ar")} {
		if got := h.fake.Sent(chat); len(got) != 1 || got[0].Photo != "" || got[0].Text != want {
			t.Errorf("chat %d: %+v; want one text message\n%q", chat, got, want)
		}
	}
	if got := h.fake.StatusCount("sendPhoto", http.StatusBadRequest); got != 1 {
		t.Errorf("sendPhoto refused %d times, want 1", got)
	}
	if got := m.get("photo_refused"); got != 1 {
		t.Errorf("photo_refused counted %d, want 1", got)
	}
	if got := h.fake.StatusCount("", http.StatusTooManyRequests); got != 0 {
		t.Errorf("%d answers 429, want none", got)
	}
	sm, err := h.st.StoryMessages(t.Context(), "p1")
	if err != nil {
		t.Fatal(err)
	}
	photos := map[int64]bool{}
	for _, msg := range sm.Messages {
		photos[msg.ChatID] = msg.Photo
	}
	if !photos[on] || photos[off] || len(photos) != 2 {
		t.Errorf("story messages' photo flags %v, want %d photo and %d text", photos, on, off)
	}

	// BBC Arabic carries the story later: the photo's caption and the
	// text are edited, each with its own method.
	stories.set(store.StoryRecord{ID: "p1", FirstSource: "sana", Sources: []store.SourceRef{{SourceID: "bbc"}}})
	if err := h.st.ScheduleEdit(context.Background(), "p1", time.Now()); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "2 edits", func() bool { return m.getEdited("edited") == 2 })
	if got := h.fake.Sent(on); got[0].Edits != 1 || got[0].Text != wantCaption(long, "ar", "BBC Arabic") {
		t.Errorf("edited caption\n%q\nwant\n%q", got[0].Text, wantCaption(long, "ar", "BBC Arabic"))
	}
	if got := h.fake.Sent(off); got[0].Edits != 1 || got[0].Text != wantText(dOff, "ar", "BBC Arabic") {
		t.Errorf("edited text\n%q\nwant\n%q", got[0].Text, wantText(dOff, "ar", "BBC Arabic"))
	}
	if c, x := len(h.fake.Calls("editMessageCaption")), len(h.fake.Calls("editMessageText")); c != 1 || x != 1 {
		t.Errorf("editMessageCaption %d, editMessageText %d; want 1 each", c, x)
	}
}

// A failed photo send: a refused picture or request goes as text at once;
// a 5xx or no answer is retried after its backoff, as text; a 429 or a
// migration keeps the photo.
func TestUnitPhotoFailures(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		fail        error
		minGap      time.Duration // between the failed send and the next
		retryPhoto  bool
		wantRefused int
		wantRetries int
	}{
		"picture refused":   {fail: tgError(400, "Bad Request: wrong file identifier/HTTP URL specified"), wantRefused: 1},
		"picture not image": {fail: tgError(400, "Bad Request: wrong type of the web page content"), wantRefused: 1},
		"caption refused":   {fail: tgError(400, "Bad Request: can't parse entities"), wantRefused: 1},
		"5xx":               {fail: tgError(502, "Bad Gateway"), minGap: backoffMin / 2, wantRetries: 1},
		"no answer":         {fail: errors.New("read: connection reset by peer"), minGap: backoffMin / 2, wantRetries: 1},
		"429":               {fail: tooManyRequests(1), minGap: time.Second, retryPhoto: true, wantRetries: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := newUnit(t, 1, Options{})
			const chat = 41
			u.st.subscribe("ar", chat)
			u.st.mu.Lock()
			sub := u.st.subs[chat]
			sub.Media = true
			u.st.subs[chat] = sub
			u.st.mu.Unlock()
			d := withImage(testDelivery(chat, "a", true), testPicture)
			u.st.enqueue(d)
			u.tg.failChat(chat, tc.fail)
			u.start()
			wait.For(t, "acknowledged", func() bool { return u.st.pending() == 0 })
			calls := u.tg.callsTo(chat)
			if len(calls) != 2 {
				t.Fatalf("%d sends, want 2 (one failed)", len(calls))
			}
			if calls[0].photo != testPicture {
				t.Errorf("first send's photo %q, want %q", calls[0].photo, testPicture)
			}
			wantPhoto := ""
			if tc.retryPhoto {
				wantPhoto = testPicture
			}
			if calls[1].photo != wantPhoto {
				t.Errorf("second send's photo %q, want %q", calls[1].photo, wantPhoto)
			}
			if gap := calls[1].at.Sub(calls[0].at); gap < tc.minGap {
				t.Errorf("retried %v after the failure, want ≥ %v", gap, tc.minGap)
			}
			if got := u.m.get("photo_refused"); got != tc.wantRefused {
				t.Errorf("photo_refused %d, want %d", got, tc.wantRefused)
			}
			if got := u.m.get("retry"); got != tc.wantRetries {
				t.Errorf("retries %d, want %d", got, tc.wantRetries)
			}
			ms := u.tg.messages(chat)
			want := wantText(d, "ar")
			if tc.retryPhoto {
				want = wantCaption(d, "ar")
			}
			if len(ms) != 1 || ms[0].Text != want {
				t.Errorf("sent %+v, want one message\n%q", ms, want)
			}
		})
	}
}
