package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/tgtext"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pages are the parsed templates: each page is the layout with its
// content.
type pages struct {
	byName map[string]*template.Template
}

// parsePages parses every page of templates/ with the layout.
func parsePages() (*pages, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFiles, n)
		if err != nil {
			return nil, fmt.Errorf("web templates: %w", err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"t": tr,
	// clean drops explicit bidi controls (U+202A–E, U+2066–9) from a
	// value from a feed or a user, so that it cannot reorder the page
	// around it; templates also put such values in <bdi>.
	"clean": tgtext.StripBidiControls,
	"when":  when,
	// why says in words which marker made an item urgent.
	"why": markerText,
	"ago": func(t time.Time) time.Duration { return time.Since(t).Truncate(time.Second) },
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

// view is what every page's template gets.
type view struct {
	Lang, Dir string
	// Nav is the page's entry in the navigation bar.
	Nav  string
	CSRF string
	// SignedIn shows the navigation bar and the sign-out button.
	SignedIn bool
	Notice   string
	Data     any
}

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

// render writes page name with data for the admin of s (nil: signed out).
func (c *Console) render(w http.ResponseWriter, r *http.Request, s *session, status int, name, nav string, data any) {
	v := view{Lang: c.langOf(r, s), Nav: nav, Data: data}
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
	c.write(w, status, name, v)
}

// write executes a page into a buffer first, so that a template error is
// a clean 500, not half a page.
func (c *Console) write(w http.ResponseWriter, status int, name string, v view) {
	t, ok := c.pages.byName[name]
	if !ok {
		http.Error(w, "internal error", http.StatusInternalServerError)
		c.log.Error("web console: no template", slog.String("page", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		c.log.Error("web console: render", slog.String("page", name), slog.Any("error", err))
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
	c.render(w, r, nil, status, "login", "", loginData{Token: token, Refused: refused})
}

// fail answers a failure on our side (Redis) and logs it.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	c.log.Error("web console", slog.String("path", r.URL.Path), slog.Any("error", err))
	http.Error(w, "internal error; try again in a moment", http.StatusInternalServerError)
}
