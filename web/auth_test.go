package web

import (
	"context"
	"encoding/binary"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestLogin(t *testing.T) {
	tests := map[string]struct {
		token      func(h *harness) string
		wantStatus int
		// wantTakes is how many login tokens were looked up in Redis.
		wantTakes int64
	}{
		"valid link": {token: func(h *harness) string { return h.link(admin) }, wantStatus: http.StatusSeeOther, wantTakes: 1},
		"expired link": {token: func(h *harness) string {
			tok := h.link(admin)
			h.clock.Advance(LinkTTL + time.Second)
			return tok
		}, wantStatus: http.StatusForbidden},
		"used link": {token: func(h *harness) string {
			tok := h.link(admin)
			if resp := h.do("POST", "/admin/login", "", url.Values{"t": {tok}}); resp.status != http.StatusSeeOther {
				t.Fatalf("first use: status %d, want 303", resp.status)
			}
			return tok
		}, wantStatus: http.StatusForbidden, wantTakes: 2},
		"forged signature": {token: func(h *harness) string {
			tok := h.link(admin)
			return tok[:len(tok)-2] + flip(tok[len(tok)-2:])
		}, wantStatus: http.StatusForbidden},
		"another user's id in a signed payload": {token: func(h *harness) string {
			p, s, _ := strings.Cut(h.link(otherAdmin), ".")
			payload, _ := b64.DecodeString(p)
			binary.BigEndian.PutUint64(payload, uint64(admin))
			return b64.EncodeToString(payload) + "." + s
		}, wantStatus: http.StatusForbidden},
		"not a token":            {token: func(*harness) string { return "abc" }, wantStatus: http.StatusForbidden},
		"a link for a non-admin": {token: func(h *harness) string { return h.link(999) }, wantStatus: http.StatusForbidden, wantTakes: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, false)
			tok := tc.token(h)
			resp := h.do("POST", "/admin/login", "", url.Values{"t": {tok}})
			if resp.status != tc.wantStatus {
				t.Fatalf("status %d, want %d; body:\n%s", resp.status, tc.wantStatus, resp.body)
			}
			if got := h.st.takes.Load(); got != tc.wantTakes {
				t.Errorf("login tokens looked up in Redis: %d, want %d", got, tc.wantTakes)
			}
			sid := sessionFrom(resp)
			if tc.wantStatus != http.StatusSeeOther {
				if sid != "" || !strings.Contains(resp.body, "invalid, expired or already used") {
					t.Errorf("refused login set session %q or did not say why:\n%s", sid, resp.body)
				}
				return
			}
			if got := resp.header.Get("Location"); got != "/admin/sources" {
				t.Errorf("redirect to %q, want /admin/sources", got)
			}
			page := h.do("GET", "/admin/sources", sid, nil)
			if page.status != http.StatusOK || isLoginPage(page.body) {
				t.Errorf("Sources page with the new session: status %d, login page %v", page.status, isLoginPage(page.body))
			}
		})
	}
}

// flip changes a base64url string into another of the same length.
func flip(s string) string {
	out := []byte(s)
	for i := range out {
		if out[i] == 'A' {
			out[i] = 'B'
		} else {
			out[i] = 'A'
		}
	}
	return string(out)
}

// TestLoginLinkPageDoesNotSpendTheLink: opening the link shows a button;
// only its POST uses the link.
func TestLoginLinkPageDoesNotSpendTheLink(t *testing.T) {
	h := newHarness(t, false)
	tok := h.link(admin)
	for range 2 {
		page := h.do("GET", "/admin/login?t="+url.QueryEscape(tok), "", nil)
		if page.status != http.StatusOK || !strings.Contains(page.body, `action="/admin/login"`) {
			t.Fatalf("link page: status %d, want 200 with the sign-in button:\n%s", page.status, page.body)
		}
	}
	if h.st.takes.Load() != 0 {
		t.Errorf("the link page looked the token up in Redis")
	}
	if resp := h.do("POST", "/admin/login", "", url.Values{"t": {tok}}); resp.status != http.StatusSeeOther {
		t.Errorf("sign-in after viewing the page: status %d, want 303", resp.status)
	}
}

func TestSessionCookie(t *testing.T) {
	for _, tc := range []struct {
		base       string
		wantSecure bool
	}{{"http://127.0.0.1:8080", false}, {"https://aajil.example", true}} {
		h := newHarness(t, false)
		h.console.secure = strings.HasPrefix(tc.base, "https:")
		resp := h.do("POST", "/admin/login", "", url.Values{"t": {h.link(admin)}})
		cookies := (&http.Response{Header: resp.header}).Cookies()
		if len(cookies) != 1 {
			t.Fatalf("%s: %d cookies, want 1", tc.base, len(cookies))
		}
		c := cookies[0]
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin" || c.Secure != tc.wantSecure || c.MaxAge != int(SessionTTL/time.Second) {
			t.Errorf("%s: cookie %+v; want HttpOnly, SameSite=Strict, Path=/admin, Secure=%v, Max-Age 12 h", tc.base, c, tc.wantSecure)
		}
	}
}

// TestWithoutSessionOnlyTheLoginPage: every page, with no session or a
// bad one, is the login page, with the security headers.
func TestWithoutSessionOnlyTheLoginPage(t *testing.T) {
	h := newHarness(t, false)
	h.put(sourceAt(h, "a", "/rss"))
	paths := []string{"/admin/", "/admin/sources", "/admin/sources/new", "/admin/sources/edit?id=a", "/admin/sources/export",
		"/admin/sources/import", "/admin/tester", "/admin/stories", "/admin/delivery", "/admin/subscribers", "/admin/nothing"}
	for _, sid := range []string{"", "not-a-session"} {
		for _, p := range paths {
			resp := h.do("GET", p, sid, nil)
			if resp.status != http.StatusForbidden || !isLoginPage(resp.body) {
				t.Errorf("GET %s (session %q): status %d, login page %v; want 403 and the login page", p, sid, resp.status, isLoginPage(resp.body))
			}
			checkHeaders(t, p, resp)
		}
	}
	resp := h.do("POST", "/admin/sources/delete", "", url.Values{"id": {"a"}})
	if resp.status != http.StatusForbidden {
		t.Errorf("POST without a session: status %d, want 403", resp.status)
	}
	if _, ok := h.source("a"); !ok {
		t.Error("a POST without a session deleted the source")
	}
}

// checkHeaders checks the security headers of every response.
func checkHeaders(t *testing.T, path string, resp response) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	}
	for k, v := range want {
		if got := resp.header.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", path, k, got, v)
		}
	}
}

func TestCSRFRefused(t *testing.T) {
	h := newHarness(t, false)
	h.put(sourceAt(h, "a", "/rss"))
	sid := h.login(admin)
	otherSid := h.login(otherAdmin)
	for name, token := range map[string]string{"missing": "", "wrong": "x", "another session's": h.csrf(otherSid)} {
		form := url.Values{"id": {"a"}}
		if token != "" {
			form.Set("csrf", token)
		}
		for _, path := range []string{"/admin/sources/pause", "/admin/sources/delete", "/admin/logout"} {
			if resp := h.do("POST", path, sid, form); resp.status != http.StatusForbidden {
				t.Errorf("%s token, POST %s: status %d, want 403", name, path, resp.status)
			}
		}
	}
	src, ok := h.source("a")
	if !ok || src.Paused {
		t.Errorf("after refused POSTs the source is %+v (exists %v), want it unchanged", src, ok)
	}
	if resp := h.do("GET", "/admin/sources", sid, nil); resp.status != http.StatusOK {
		t.Errorf("session ended by a refused logout: status %d", resp.status)
	}
}

// TestAdminRemovedLosesAccess: a session whose user is no longer an
// admin is no session, at the next request.
func TestAdminRemovedLosesAccess(t *testing.T) {
	h := newHarness(t, false)
	sid := h.login(admin)
	csrf := h.csrf(sid)
	h.admins.remove(admin)
	if resp := h.do("GET", "/admin/sources", sid, nil); resp.status != http.StatusForbidden || !isLoginPage(resp.body) {
		t.Errorf("GET after removal: status %d, want 403 and the login page", resp.status)
	}
	h.put(sourceAt(h, "a", "/rss"))
	if resp := h.do("POST", "/admin/sources/delete", sid, url.Values{"id": {"a"}, "csrf": {csrf}}); resp.status != http.StatusForbidden {
		t.Errorf("POST after removal: status %d, want 403", resp.status)
	}
	if _, ok := h.source("a"); !ok {
		t.Error("a removed admin deleted a source")
	}
}

func TestRevokeAndLogout(t *testing.T) {
	h := newHarness(t, false)
	a1, a2, other := h.login(admin), h.login(admin), h.login(otherAdmin)
	n, err := h.console.RevokeSessions(context.Background(), admin)
	if err != nil || n != 2 {
		t.Fatalf("RevokeSessions = %d, %v; want 2", n, err)
	}
	for sid, want := range map[string]int{a1: http.StatusForbidden, a2: http.StatusForbidden, other: http.StatusOK} {
		if got := h.do("GET", "/admin/sources", sid, nil).status; got != want {
			t.Errorf("after /web off, a session's page: status %d, want %d", got, want)
		}
	}
	resp := h.post("/admin/logout", other, url.Values{})
	if resp.status != http.StatusSeeOther {
		t.Fatalf("logout: status %d, want 303", resp.status)
	}
	if got := h.do("GET", "/admin/sources", other, nil).status; got != http.StatusForbidden {
		t.Errorf("after logout: status %d, want 403", got)
	}
}

func TestStaticFiles(t *testing.T) {
	h := newHarness(t, false)
	for path, ctype := range map[string]string{"/admin/static/style.css": "text/css", "/admin/static/tester.js": "text/javascript"} {
		resp := h.do("GET", path, "", nil)
		if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), ctype) {
			t.Errorf("%s: status %d, type %q; want 200, %s", path, resp.status, resp.header.Get("Content-Type"), ctype)
		}
		checkHeaders(t, path, resp)
	}
}
