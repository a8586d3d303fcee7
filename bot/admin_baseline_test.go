package bot

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// itemsServer serves, at each path, an RSS feed of the items set for it
// (newest first), or a 500 when the path has none.
type itemsServer struct {
	*httptest.Server
	mu    sync.Mutex
	items map[string][]string
}

func newItemsServer(t *testing.T) *itemsServer {
	s := &itemsServer{items: make(map[string][]string)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		items, ok := s.items[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>`)
		for _, id := range items {
			fmt.Fprintf(&b, `<item><title>News %s</title><link>https://example.org/%s</link><guid>%s</guid></item>`, id, id, id)
		}
		b.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(b.String()))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *itemsServer) set(path string, items ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if items == nil {
		delete(s.items, path)
		return
	}
	s.items[path] = items
}

// firstPoll is what the source's next poll would alert: it polls it as
// the scheduler does and marks the ids seen.
func firstPoll(t *testing.T, h *harness, id string) (fresh []string, baseline bool) {
	t.Helper()
	ctx := context.Background()
	rec, err := h.st.Source(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	res := h.bot.opts.Prober.Poll(ctx, rec.Source, feeds.Validators{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	fresh, baseline, err = h.st.MarkSeen(ctx, id, itemIDs(res.Items))
	if err != nil {
		t.Fatal(err)
	}
	return fresh, baseline
}

// TestLiveChangesBaseline: /addfeed, /resumefeed and a URL change record
// what the source shows at the command as its baseline, so the first
// poll alerts what was published after it, and neither the back
// catalogue of a new URL nor what came out while paused.
func TestLiveChangesBaseline(t *testing.T) {
	h := newAdminHarness(t)
	srv := newItemsServer(t)
	chat := telegramtest.PrivateChat(enAdmin.ID)
	send := func(text string) {
		t.Helper()
		if len(h.send(chat, enAdmin, text)) == 0 {
			t.Fatalf("%s: no reply", text)
		}
	}
	check := func(step string, wantFresh []string, wantBaseline bool) {
		t.Helper()
		fresh, baseline := firstPoll(t, h, "s")
		if !slices.Equal(fresh, wantFresh) || baseline != wantBaseline {
			t.Errorf("%s: first poll alerts %q (baseline %v), want %q (baseline %v)", step, fresh, baseline, wantFresh, wantBaseline)
		}
	}

	srv.set("/a", "a2", "a1")
	send("/addfeed " + srv.URL + "/a id=s")
	srv.set("/a", "a3", "a2", "a1") // published right after the probe
	check("addfeed", []string{"a3"}, false)

	srv.set("/b", "b2", "b1")
	send("/setfeed s url=" + srv.URL + "/b")
	srv.set("/b", "b3", "b2", "b1")
	check("URL change", []string{"b3"}, false)

	send("/pausefeed s")
	srv.set("/b", "b4", "b3", "b2", "b1") // published while paused
	send("/resumefeed s")
	srv.set("/b", "b5", "b4", "b3", "b2", "b1")
	check("resume", []string{"b5"}, false)

	// A URL change to a document that cannot be probed: its first poll is
	// the baseline, not a flood.
	send("/setfeed s url=" + srv.URL + "/c")
	srv.set("/c", "c2", "c1")
	check("URL change, probe failed", nil, true)
	check("after it", nil, false)
}

// TestResetChangedBaselinesAfterAddFeed: the tag recorded with an
// /addfeed baseline is the source's, so the registry watcher finds
// nothing to reset.
func TestResetChangedBaselinesAfterAddFeed(t *testing.T) {
	h := newAdminHarness(t)
	srv := newItemsServer(t)
	srv.set("/a", "a1")
	h.send(telegramtest.PrivateChat(enAdmin.ID), enAdmin, "/addfeed "+srv.URL+"/a id=s")
	rec, err := h.st.Source(context.Background(), "s")
	if err != nil {
		t.Fatal(err)
	}
	reset, err := h.st.ResetChangedBaselines(context.Background(), []feeds.Source{rec.Source})
	if err != nil || len(reset) != 0 {
		t.Errorf("ResetChangedBaselines = %q, %v; want none reset", reset, err)
	}
	if tag := store.BaselineTag(rec.Source); tag == "" {
		t.Error("empty baseline tag")
	}
}
