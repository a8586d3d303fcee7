package web

import (
	"bytes"
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/tgtext"
)

//go:generate go run github.com/a-h/templ/cmd/templ@v0.3.1118 generate

//go:embed static
var staticFiles embed.FS

// clean drops explicit bidi controls (U+202A–E, U+2066–9) from a value
// from a feed or a user, so that it cannot reorder the page around it;
// the pages also put such values in <bdi>.
func clean(s string) string { return tgtext.StripBidiControls(s) }

// sourceURL is the page of action ("edit", "delete") on source id.
func sourceURL(action, id string) templ.SafeURL {
	return templ.SafeURL(Prefix + "sources/" + action + "?id=" + url.QueryEscape(id))
}

// sourceFormTitle is the title of the source form's page.
func sourceFormTitle(lang string, edit bool) string {
	if edit {
		return tr(lang, "edit_source")
	}
	return tr(lang, "add_source")
}

// markerText says which marker made an item urgent (feeds.Item.Marker)
// in lang: the source's marker selector or field (with the text it
// matched), a category, the source's all_urgent, or the banner found in
// the headline, which is shown as it is.
func markerText(lang, m string) string {
	switch {
	case m == "marker":
		return tr(lang, "why_marker")
	case strings.HasPrefix(m, "marker:"):
		return tr(lang, "why_marker_text", strings.TrimPrefix(m, "marker:"))
	case strings.HasPrefix(m, "category:"):
		return tr(lang, "why_category", strings.TrimPrefix(m, "category:"))
	case m == "all_urgent":
		return tr(lang, "why_all_urgent")
	}
	return tr(lang, "why_banner", m)
}

// when formats a time for a table, "—" for none.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// view is what every page gets besides its own data.
type view struct {
	Lang, Dir string
	// Nav is the page's entry in the navigation bar.
	Nav  string
	CSRF string
	// SignedIn shows the navigation bar and the sign-out button.
	SignedIn bool
	Notice   string
}

// page makes a page's component for the view.
type page func(v view) templ.Component

// langOf is the admin's language: that of the subscription of their
// private chat with the bot (/lang), English without one.
func (c *Console) langOf(r *http.Request, s *session) string {
	if s == nil {
		return "en"
	}
	sub, err := c.opts.Store.Subscriber(r.Context(), s.sess.UserID)
	if err == nil && sub.Lang == "ar" {
		return "ar"
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.log.Warn("web console: admin's language not read", slog.Any("error", err))
	}
	return "en"
}

// render writes page p, whose navigation entry is nav, for the admin of
// s (nil: signed out).
func (c *Console) render(w http.ResponseWriter, r *http.Request, s *session, status int, nav string, p page) {
	v := view{Lang: c.langOf(r, s), Nav: nav}
	v.Dir = "ltr"
	if v.Lang == "ar" {
		v.Dir = "rtl"
	}
	if s != nil {
		v.CSRF, v.SignedIn = s.sess.CSRF, true
	}
	if n := r.URL.Query().Get("done"); n != "" && notices[n] {
		v.Notice = tr(v.Lang, "notice_"+n, r.URL.Query().Get("id"))
	}
	c.write(w, r, status, p(v))
}

// write renders a page into a buffer first, so that an error is a clean
// 500, not half a page.
func (c *Console) write(w http.ResponseWriter, r *http.Request, status int, page templ.Component) {
	var buf bytes.Buffer
	if err := page.Render(r.Context(), &buf); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		c.log.Error("web console: render", slog.String("path", r.URL.Path), slog.Any("error", err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// loginData is the login page's.
type loginData struct {
	// Token, when set, is a valid link's: the page shows the sign-in
	// button.
	Token string
	// Refused says the link could not be used.
	Refused bool
}

// renderLogin shows the login page: how to get a link, or the button of
// a valid one.
func (c *Console) renderLogin(w http.ResponseWriter, r *http.Request, status int, token string, refused bool) {
	d := loginData{Token: token, Refused: refused}
	c.render(w, r, nil, status, "", func(v view) templ.Component { return loginPage(v, d) })
}

// fail answers a failure on our side (Redis) and logs it.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	c.log.Error("web console", slog.String("path", r.URL.Path), slog.Any("error", err))
	http.Error(w, "internal error; try again in a moment", http.StatusInternalServerError)
}

// sourceFormOf is the source form's page of d.
func sourceFormOf(d formData) page {
	return func(v view) templ.Component { return sourceFormPage(v, d) }
}

// testerOf is the tester's page of d.
func testerOf(d formData) page {
	return func(v view) templ.Component { return testerPage(v, d) }
}

// importOf is the import page of d.
func importOf(d importData) page {
	return func(v view) templ.Component { return importPage(v, d) }
}
