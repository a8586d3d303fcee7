package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aajil/aajil/alerts/story"
	"github.com/aajil/aajil/bot"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/web/report"
)

// A console without reports shows each report page as not available and
// refuses a retry.
func TestReportPagesWithoutReports(t *testing.T) {
	h := newHarness(t, false)
	sid := h.login(admin)
	for _, p := range []string{"stories", "delivery", "subscribers"} {
		resp := h.do("GET", "/admin/"+p, sid, nil)
		if resp.status != http.StatusOK || !strings.Contains(resp.body, `href="/admin/`+p+`" aria-current="page"`) {
			t.Errorf("/admin/%s: status %d, or not the current page in the bar", p, resp.status)
		}
		if want := tr("en", "report_unavailable"); !strings.Contains(resp.body, want) {
			t.Errorf("/admin/%s does not say %q", p, want)
		}
	}
	if resp := h.post("/admin/delivery/retry", sid, url.Values{"id": {"1-0"}}); resp.status != http.StatusNotFound {
		t.Errorf("retry without reports: status %d, want 404", resp.status)
	}
}

// hostileHeadline tries to inject markup and to reorder the page.
const hostileHeadline = `عاجل <script>alert("x")</script> ` + "\u202Eevil\u202C"

// deadLetter makes a story with a hostile headline whose one delivery
// was given up, and returns the dead letter's id.
func (h *harness) deadLetter() string {
	h.t.Helper()
	ctx := context.Background()
	st := h.st.Store
	fp := story.NewFingerprint(hostileHeadline)
	in := []store.StoryInput{{FP: store.FP{Hash: fp.Hash, Keys: fp.Keys, Data: hostileHeadline}, Item: store.StoryItem{SourceID: "sana", ItemID: "1", Title: hostileHeadline}}}
	res, err := st.Stories(store.StoryOptions{}).ResolveBatch(ctx, in, func(int, []store.StoryRecord) int { return -1 })
	if err != nil {
		h.t.Fatal(err)
	}
	d := store.Delivery{ChatID: 101, StoryID: res[0].Story.ID, SourceID: "sana", ItemID: "1", Urgent: true, Title: hostileHeadline}
	if _, err := st.Enqueue(ctx, []store.Delivery{d}); err != nil {
		h.t.Fatal(err)
	}
	es, err := st.ReadPartition(ctx, st.PartitionOf(101), "test", 10, 0)
	if err != nil || len(es) != 1 {
		h.t.Fatalf("ReadPartition = %d entries, %v; want 1", len(es), err)
	}
	if err := st.DeadLetter(ctx, es[0], "telegram 400: Bad Request: can't parse entities <b>", 3); err != nil {
		h.t.Fatal(err)
	}
	dl, err := st.DeadLetters(ctx, 10)
	if err != nil || len(dl) != 1 {
		h.t.Fatalf("DeadLetters = %v, %v; want one", dl, err)
	}
	return dl[0].ID
}

// The report pages show the store's data in the admin's language, with
// hostile headlines inert, and a dead letter's Retry puts it back into
// the outbox once, audited.
func TestReportPages(t *testing.T) {
	h := newHarness(t, true)
	id := h.deadLetter()
	sid := h.login(admin)

	stories := h.do("GET", "/admin/stories", sid, nil)
	if stories.status != http.StatusOK || !strings.Contains(stories.body, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`) || strings.Contains(stories.body, "<script>alert") {
		t.Errorf("stories: status %d; want the headline escaped:\n%s", stories.status, stories.body)
	}
	if strings.Contains(stories.body, "\u202E") {
		t.Errorf("stories: a bidi control reached the page")
	}
	subs := h.do("GET", "/admin/subscribers", sid, nil)
	if subs.status != http.StatusOK || !strings.Contains(subs.body, `aria-current="page"`) {
		t.Errorf("subscribers: status %d", subs.status)
	}

	delivery := h.do("GET", "/admin/delivery", sid, nil)
	csrf := h.csrf(sid)
	form := `<input type="hidden" name="id" value="` + id + `"><input type="hidden" name="csrf" value="` + csrf + `">`
	if delivery.status != http.StatusOK || !strings.Contains(delivery.body, form) {
		t.Fatalf("delivery: status %d; want a Retry form for %s with the session's token:\n%s", delivery.status, id, delivery.body)
	}
	if !strings.Contains(delivery.body, "can&#39;t parse entities &lt;b&gt;") {
		t.Errorf("delivery: the reason is not shown escaped")
	}

	// Without the token, nothing happens.
	if resp := h.do("POST", "/admin/delivery/retry", sid, url.Values{"id": {id}}); resp.status != http.StatusForbidden {
		t.Errorf("retry without a token: status %d, want 403", resp.status)
	}
	retry := h.post("/admin/delivery/retry", sid, url.Values{"id": {id}})
	if loc := retry.header.Get("Location"); retry.status != http.StatusSeeOther || loc != "/admin/delivery?done=retried&id="+url.QueryEscape(id) {
		t.Fatalf("retry: status %d, Location %q", retry.status, loc)
	}
	out, err := h.st.ReadOutbox(context.Background(), 10)
	if err != nil || len(out) != 1 || out[0].ChatID != 101 {
		t.Fatalf("outbox after retry = %+v, %v; want chat 101's delivery", out, err)
	}
	again := h.post("/admin/delivery/retry", sid, url.Values{"id": {id}})
	if loc := again.header.Get("Location"); !strings.Contains(loc, "done=retry_gone") {
		t.Errorf("second retry: Location %q, want retry_gone", loc)
	}
	if out, _ := h.st.ReadOutbox(context.Background(), 10); len(out) != 1 {
		t.Errorf("outbox after a second retry: %d entries, want 1", len(out))
	}
	log, err := h.st.AuditLog(context.Background(), 10)
	if err != nil || len(log) != 1 || log[0].Action != bot.ActionRetryDelivery || log[0].Target != id || log[0].By != "web:tg:501" {
		t.Errorf("audit = %+v, %v; want one retry of %s by the admin", log, err, id)
	}
	page := h.do("GET", "/admin/delivery?done=retried&id="+url.QueryEscape(id), sid, nil)
	if want := tr("en", "notice_retried", id); !strings.Contains(page.body, want) {
		t.Errorf("delivery after retry does not say %q", want)
	}

	// In Arabic: right to left, the reports' own Arabic texts.
	if err := h.st.PutSubscriber(context.Background(), store.Subscriber{ChatID: admin, Active: true, Lang: "ar"}); err != nil {
		t.Fatal(err)
	}
	ar := h.do("GET", "/admin/delivery", sid, nil)
	if !strings.Contains(ar.body, `<html lang="ar" dir="rtl">`) || !strings.Contains(ar.body, ">"+report.T("ar", "delivery.title")+"<") {
		t.Errorf("delivery in Arabic: no rtl page or Arabic title:\n%s", ar.body)
	}
}
