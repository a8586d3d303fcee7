package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/alerts"
	"github.com/aajil/aajil/bot"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
	"github.com/aajil/aajil/web/report"
)

// TestMain shares one real Redis among the package's tests; each test
// opens its own key prefix with storetest.Open.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// The admins of the tests.
const (
	admin      int64 = 501
	otherAdmin int64 = 502
)

// admins is a list of admins a test changes.
type admins struct {
	mu  sync.Mutex
	ids map[int64]bool
}

func (a *admins) IsAdmin(id int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ids[id]
}

func (a *admins) remove(id int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.ids, id)
}

// countingStore counts the login tokens looked up in Redis.
type countingStore struct {
	*store.Store
	takes atomic.Int64
}

func (s *countingStore) TakeLoginToken(ctx context.Context, id string) (int64, error) {
	s.takes.Add(1)
	return s.Store.TakeLoginToken(ctx, id)
}

// clock is a clock the test moves: an offset from the real time.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// harness is a console on a real Redis, served on 127.0.0.1, with a
// feeds server of the project's fixtures.
type harness struct {
	t       *testing.T
	st      *countingStore
	console *Console
	srv     *httptest.Server
	feeds   *httptest.Server
	admins  *admins
	clock   *clock
}

// fixtures are the documents the feeds server serves, by path.
var fixtures = map[string]struct{ file, contentType string }{
	"/rss":    {"../testdata/ar_aljazeera_net_scraped_2026-02-15_with_3ajil.rss", "application/rss+xml; charset=utf-8"},
	"/ticker": {"../testdata/ticker_sana_synthetic.html", "text/html; charset=utf-8"},
}

// newHarness starts a console; withReports gives it the real reports on
// its store, else it has none.
func newHarness(t *testing.T, withReports bool) *harness {
	t.Helper()
	h := &harness{t: t, st: &countingStore{Store: storetest.Open(t)},
		admins: &admins{ids: map[int64]bool{admin: true, otherAdmin: true}},
		clock:  &clock{}}
	h.feeds = httptest.NewServer(http.HandlerFunc(h.serveFixture))
	t.Cleanup(h.feeds.Close)
	det, err := alerts.NewDetector(alerts.DefaultMarkers())
	if err != nil {
		t.Fatal(err)
	}
	var reports Reports
	if withReports {
		reports = report.New(report.NewRedisStore(h.st.Store, store.StoryOptions{}), report.Options{SendLimit: 28.5})
	}
	poller := feeds.NewPoller(feeds.NewFetcher(feeds.NewClient(feeds.ClientOptions{AllowPrivate: true, Timeout: 5 * time.Second}), ""), det)
	h.console, err = New(context.Background(), Options{
		Store: h.st, Ops: bot.NewSourceOps(h.st.Store, poller, true, h.clock.Now), Inspector: poller,
		Admins: h.admins, Reports: reports, BaseURL: "http://127.0.0.1:8080", Now: h.clock.Now,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.srv = httptest.NewServer(h.console)
	t.Cleanup(h.srv.Close)
	return h
}

// hostileRSS is a feed whose headlines try to inject markup and to
// reorder the page.
const hostileRSS = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title><![CDATA[عاجل: &lt;script&gt;alert(1)&lt;/script&gt;]]></title><link>https://example.org/1</link></item>
<item><title>"&gt;&lt;img src=x onerror=alert(2)&gt; Gaza</title><link>https://example.org/2</link></item>
<item><title>` + "\u202Eevil reversed\u202C headline" + `</title><link>https://example.org/3</link></item>
</channel></rss>`

func (h *harness) serveFixture(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/hostile" {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, hostileRSS)
		return
	}
	f, ok := fixtures[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, err := os.ReadFile(f.file)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Write(body)
}

// response is a finished request.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request with the session cookie sid ("" for none) and does
// not follow redirects.
func (h *harness) do(method, path, sid string, form url.Values) response {
	h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, h.srv.URL+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if sid != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: sid})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// link asks the console for user's login link and returns its token.
func (h *harness) link(user int64) string {
	h.t.Helper()
	link, err := h.console.NewLoginLink(context.Background(), user)
	if err != nil {
		h.t.Fatalf("NewLoginLink: %v", err)
	}
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, "http://127.0.0.1:8080/admin/login?t=") {
		h.t.Fatalf("login link %q is not one of the console", link)
	}
	return u.Query().Get("t")
}

// login signs user in and returns the session cookie's value.
func (h *harness) login(user int64) string {
	h.t.Helper()
	resp := h.do("POST", "/admin/login", "", url.Values{"t": {h.link(user)}})
	sid := sessionFrom(resp)
	if resp.status != http.StatusSeeOther || sid == "" {
		h.t.Fatalf("login: status %d, session %q; want 303 and a session", resp.status, sid)
	}
	return sid
}

// sessionFrom is the session cookie a response sets, "" for none.
func sessionFrom(resp response) string {
	for _, c := range (&http.Response{Header: resp.header}).Cookies() {
		if c.Name == sessionCookie && c.MaxAge > 0 {
			return c.Value
		}
	}
	return ""
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of a signed-in page.
func (h *harness) csrf(sid string) string {
	h.t.Helper()
	m := csrfField.FindStringSubmatch(h.do("GET", "/admin/sources", sid, nil).body)
	if m == nil {
		h.t.Fatal("no CSRF token on the Sources page")
	}
	return m[1]
}

// post sends a form with the session's CSRF token.
func (h *harness) post(path, sid string, form url.Values) response {
	h.t.Helper()
	form.Set("csrf", h.csrf(sid))
	return h.do("POST", path, sid, form)
}

// source reads a source from the registry; ok is false when there is none.
func (h *harness) source(id string) (feeds.Source, bool) {
	h.t.Helper()
	rec, err := h.st.Source(context.Background(), id)
	if err != nil {
		return feeds.Source{}, false
	}
	return rec.Source, true
}

// put stores sources as the file would.
func (h *harness) put(srcs ...feeds.Source) {
	h.t.Helper()
	for _, s := range srcs {
		if err := h.st.PutSource(context.Background(), s, store.Origin{By: "test"}); err != nil {
			h.t.Fatal(err)
		}
	}
}

// isLoginPage reports whether a page is the login page's "send /web".
func isLoginPage(body string) bool {
	return strings.Contains(body, "send /web to the bot") && !strings.Contains(body, `action="/admin/logout"`)
}
