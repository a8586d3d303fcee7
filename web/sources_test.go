package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/bot"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
)

// sourceAt is a source of the feeds server.
func sourceAt(h *harness, id, path string) feeds.Source {
	return feeds.Source{ID: id, Name: "Source " + id, URL: h.feeds.URL + path}
}

// lastAudit is the newest audit entry.
func lastAudit(t *testing.T, h *harness) store.AuditEntry {
	t.Helper()
	log, err := h.st.AuditLog(context.Background(), 1)
	if err != nil || len(log) == 0 {
		t.Fatalf("audit log: %v, %d entries", err, len(log))
	}
	return log[0]
}

// TestSourceOperations: each operation of the Sources page changes the
// registry, is audited as made on the web by the admin, and comes back
// to the page with its notice.
func TestSourceOperations(t *testing.T) {
	h := newHarness(t, false)
	sid := h.login(admin)
	by := "web:tg:501"
	steps := []struct {
		name, path string
		form       url.Values
		notice     string
		action     string
		check      func() bool
	}{
		{"add", "/admin/sources/add", url.Values{"id": {"aj"}, "name": {"الجزيرة"}, "url": {h.feeds.URL + "/rss"}, "kind": {"atom"}, "interval": {"45s"}},
			"Source aj added.", bot.ActionAddFeed, func() bool {
				s, ok := h.source("aj")
				return ok && s.Interval == 45*time.Second && s.Kind == feeds.KindRSS && s.Name == "الجزيرة"
			}},
		{"edit", "/admin/sources/edit", url.Values{"id": {"aj"}, "name": {"Al Jazeera"}, "url": {h.feeds.URL + "/rss"}, "kind": {"rss"}, "interval": {"2m"}, "all_urgent": {"true"}},
			"Source aj updated.", bot.ActionSetFeed, func() bool {
				s, _ := h.source("aj")
				return s.Interval == 2*time.Minute && s.AllUrgent && s.Name == "Al Jazeera"
			}},
		{"pause", "/admin/sources/pause", url.Values{"id": {"aj"}}, "Source aj paused.", bot.ActionPauseFeed,
			func() bool { s, _ := h.source("aj"); return s.Paused }},
		{"resume", "/admin/sources/resume", url.Values{"id": {"aj"}}, "Source aj resumed.", bot.ActionResumeFeed,
			func() bool { s, _ := h.source("aj"); return !s.Paused }},
		{"delete", "/admin/sources/delete", url.Values{"id": {"aj"}}, "Source aj deleted.", bot.ActionDelFeed,
			func() bool { _, ok := h.source("aj"); return !ok }},
	}
	for _, st := range steps {
		resp := h.post(st.path, sid, st.form)
		if resp.status != http.StatusSeeOther {
			t.Fatalf("%s: status %d, want 303; body:\n%s", st.name, resp.status, resp.body)
		}
		if !st.check() {
			t.Errorf("%s: the registry does not show the change", st.name)
		}
		if e := lastAudit(t, h); e.By != by || e.Action != st.action || e.Target != "aj" {
			t.Errorf("%s: audit entry %s %s %s, want %s %s aj", st.name, e.By, e.Action, e.Target, by, st.action)
		}
		page := h.do("GET", resp.header.Get("Location"), sid, nil)
		if !strings.Contains(page.body, st.notice) {
			t.Errorf("%s: the page after does not say %q", st.name, st.notice)
		}
	}
}

// TestAddAndEditRefuseWhatTheBotRefuses: the same validation as the
// chat commands; the form comes back with the values and the problems.
func TestAddAndEditRefuseWhatTheBotRefuses(t *testing.T) {
	h := newHarness(t, false)
	h.put(sourceAt(h, "a", "/rss"))
	sid := h.login(admin)
	tests := map[string]struct {
		path string
		form url.Values
		want string
	}{
		"existing id":        {"/admin/sources/add", url.Values{"id": {"a"}, "url": {h.feeds.URL + "/rss"}}, "a source with the id a exists already"},
		"bad id":             {"/admin/sources/add", url.Values{"id": {"a b/c"}, "url": {h.feeds.URL + "/rss"}}, "<code>id</code>"},
		"bad interval":       {"/admin/sources/add", url.Values{"id": {"b"}, "url": {h.feeds.URL + "/rss"}, "interval": {"soon"}}, "is not a duration"},
		"html without item":  {"/admin/sources/add", url.Values{"id": {"b"}, "url": {h.feeds.URL + "/ticker"}, "kind": {"html"}}, "<code>item</code>"},
		"other scheme":       {"/admin/sources/add", url.Values{"id": {"b"}, "url": {"ftp://example.org/feed"}}, "only http and https"},
		"page without items": {"/admin/sources/add", url.Values{"id": {"b"}, "url": {h.feeds.URL + "/missing"}}, "probe failed"},
		"edit, bad selector": {"/admin/sources/edit", url.Values{"id": {"a"}, "url": {h.feeds.URL + "/ticker"}, "kind": {"html"}, "item": {"li[["}}, "<code>item</code>"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp := h.post(tc.path, sid, tc.form)
			if resp.status != http.StatusUnprocessableEntity || !strings.Contains(resp.body, tc.want) {
				t.Errorf("status %d, want 422 with %q; body:\n%s", resp.status, tc.want, resp.body)
			}
			if u := tc.form.Get("url"); !strings.Contains(resp.body, `value="`+u+`"`) {
				t.Errorf("the form did not keep the URL %q", u)
			}
		})
	}
	if _, ok := h.source("b"); ok {
		t.Error("a refused add added the source")
	}
	if s, _ := h.source("a"); s.EffectiveKind() != feeds.KindRSS {
		t.Errorf("a refused edit changed the source: %+v", s)
	}
}

// TestSourcesPageShowsHealthAndCounts: the poll state and the 24-hour
// counters of each source.
func TestSourcesPageShowsHealthAndCounts(t *testing.T) {
	h := newHarness(t, false)
	ctx := context.Background()
	src := sourceAt(h, "sana", "/ticker")
	src.Name = "سانا \u202Eevil"
	h.put(src)
	at := time.Date(2026, time.March, 1, 10, 0, 0, 0, time.UTC)
	state := feeds.SourceState{ID: "sana", Polls: 8, NotModified: 2, Failures: 1, LastSuccess: at, LastErrorAt: at.Add(time.Minute),
		LastError: "<b>timeout</b>", LastErrorClass: feeds.ClassTimeout, LastPoll: at.Add(time.Minute),
		Interval: 20 * time.Second, IntervalReason: feeds.ReasonLearned, Rate: feeds.Rate{}}
	if err := h.st.SaveStates(ctx, []feeds.SourceState{state}); err != nil {
		t.Fatal(err)
	}
	for c, n := range map[store.Counter]int64{store.SourceItems("sana"): 7, store.SourceUrgentItems("sana"): 3} {
		if err := h.st.AddAt(ctx, c, n, h.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	body := h.do("GET", "/admin/sources", h.login(admin), nil).body
	for _, want := range []string{"<bdi class=\"id\">sana</bdi>", "<td>7</td><td>3</td>", "25 %", "2026-03-01 10:00:00 UTC",
		"&lt;b&gt;timeout&lt;/b&gt;", ">timeout</span>", "20s", "learned from its rate", "failing (1)", "<bdi>سانا evil</bdi>"} {
		if !strings.Contains(body, want) {
			t.Errorf("Sources page lacks %q", want)
		}
	}
	if strings.ContainsRune(body, '\u202E') {
		t.Error("Sources page holds U+202E from a source's name")
	}
}

const importYAML = `sources:
  - id: one
    url: %s/rss
    interval: 30s
  - id: two
    url: %s/ticker
    kind: html
    item: ".news-ticker li"
`

func TestImportAndExport(t *testing.T) {
	h := newHarness(t, false)
	sid := h.login(admin)
	yaml := strings.ReplaceAll(importYAML, "%s", h.feeds.URL)

	resp := h.post("/admin/sources/import", sid, url.Values{"yaml": {yaml}})
	if resp.status != http.StatusSeeOther || !strings.Contains(resp.header.Get("Location"), "done=imported") {
		t.Fatalf("import: status %d, location %q; body:\n%s", resp.status, resp.header.Get("Location"), resp.body)
	}
	for _, id := range []string{"one", "two"} {
		if _, ok := h.source(id); !ok {
			t.Errorf("source %s not imported", id)
		}
	}
	if e := lastAudit(t, h); e.By != "web:tg:501" || e.Action != bot.ActionImport {
		t.Errorf("audit entry %s %s, want web:tg:501 import", e.By, e.Action)
	}

	export := h.do("GET", "/admin/sources/export", sid, nil)
	if export.status != http.StatusOK || !strings.Contains(export.header.Get("Content-Disposition"), bot.ExportFileName) {
		t.Fatalf("export: status %d, disposition %q", export.status, export.header.Get("Content-Disposition"))
	}
	// The export, uploaded as a file, is the registry: nothing changes.
	resp = h.upload(sid, export.body)
	if resp.status != http.StatusSeeOther || !strings.Contains(resp.header.Get("Location"), "done=unchanged") {
		t.Errorf("re-import of the export: status %d, location %q", resp.status, resp.header.Get("Location"))
	}
}

// upload posts a sources file as an upload.
func (h *harness) upload(sid, file string) response {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", h.csrf(sid))
	fw, err := mw.CreateFormFile("file", "sources.yaml")
	if err != nil {
		h.t.Fatal(err)
	}
	fw.Write([]byte(file))
	mw.Close()
	req, err := http.NewRequest("POST", h.srv.URL+"/admin/sources/import", &buf)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sid})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return response{status: resp.StatusCode, header: resp.Header}
}

func TestImportErrorsAndConfirmation(t *testing.T) {
	h := newHarness(t, false)
	h.put(sourceAt(h, "a", "/rss"), sourceAt(h, "b", "/rss"), sourceAt(h, "c", "/rss"))
	sid := h.login(admin)

	bad := "sources:\n  - id: x\n    url: " + h.feeds.URL + "/rss\n    interval: soon\n"
	resp := h.post("/admin/sources/import", sid, url.Values{"yaml": {bad}})
	if resp.status != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "<code>line 4</code>") {
		t.Errorf("bad file: status %d, want 422 naming line 4; body:\n%s", resp.status, resp.body)
	}

	one := "sources:\n  - id: a\n    name: Source a\n    url: " + h.feeds.URL + "/rss\n"
	resp = h.post("/admin/sources/import", sid, url.Values{"yaml": {one}})
	if resp.status != http.StatusOK || !strings.Contains(resp.body, "This file removes 2 of the 3 current sources") {
		t.Fatalf("removing file: status %d, want 200 and the question; body:\n%s", resp.status, resp.body)
	}
	if _, ok := h.source("b"); !ok {
		t.Fatal("the import was applied before it was confirmed")
	}
	resp = h.post("/admin/sources/import", sid, url.Values{"yaml": {one}, "confirm": {"yes"}})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("confirmed: status %d, want 303", resp.status)
	}
	for id, want := range map[string]bool{"a": true, "b": false, "c": false} {
		if _, ok := h.source(id); ok != want {
			t.Errorf("after the confirmed import, source %s exists: %v, want %v", id, ok, want)
		}
	}
}
