package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/aajil/aajil/bot"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/tgtext"
	"github.com/aajil/aajil/web/report"
)

// Reports fills the Stories, Delivery and Subscribers pages and retries a
// dead letter (*report.Reports).
type Reports interface {
	Stories(ctx context.Context) (report.StoriesPage, error)
	Delivery(ctx context.Context) (report.DeliveryPage, error)
	Subscribers(ctx context.Context) (report.SubscribersPage, error)
	RetryDeadLetter(ctx context.Context, id string) error
}

// reportData is the page of a report that is not available, and of a
// source not found.
type reportData struct {
	Title    string
	Problems []problem
}

// reportView is a report page: its title key and its content, rendered
// from report.Templates in the admin's language.
type reportView struct {
	Title string
	HTML  template.HTML
}

// reportPages are report.Templates parsed once per language: each
// template's t gives report.T in that language, so the layout's own t
// (language first) and the reports' (key only) never meet in one set.
type reportPages map[string]map[string]*template.Template

// parseReportPages parses each report page for Arabic and English.
func parseReportPages() (reportPages, error) {
	names, err := fs.Glob(report.Templates, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("report templates: %w", err)
	}
	out := reportPages{}
	for _, lang := range []string{"en", "ar"} {
		out[lang] = map[string]*template.Template{}
		t := func(key string) string { return report.T(lang, key) }
		for _, n := range names {
			name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
			tmpl, err := template.New(name).Funcs(template.FuncMap{"t": t}).ParseFS(report.Templates, n)
			if err != nil {
				return nil, fmt.Errorf("report templates: %w", err)
			}
			out[lang][name] = tmpl
		}
	}
	return out, nil
}

// showReport renders report page name with data for the admin of s.
func (c *Console) showReport(w http.ResponseWriter, r *http.Request, s *session, name string, data any) {
	lang := c.langOf(r, s)
	var buf bytes.Buffer
	if err := c.reports[lang][name].ExecuteTemplate(&buf, "content", data); err != nil {
		c.fail(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	// The report templates escape every value; explicit bidi controls
	// (which no template holds) are dropped from what the values brought,
	// as clean does on the other pages.
	html := template.HTML(tgtext.StripBidiControls(buf.String()))
	c.render(w, r, s, http.StatusOK, "reportpage", name, reportView{Title: "nav_" + name, HTML: html})
}

// report serves one report page: nav is its navigation entry and the
// name of its template in report.Templates.
func (c *Console) report(nav string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		rep := c.opts.Reports
		if rep == nil {
			c.render(w, r, s, http.StatusOK, "report", nav, reportData{Title: "nav_" + nav})
			return
		}
		var data any
		var err error
		switch nav {
		case "stories":
			data, err = rep.Stories(r.Context())
		case "delivery":
			var page report.DeliveryPage
			page, err = rep.Delivery(r.Context())
			page.CSRFToken = s.sess.CSRF
			data = page
		case "subscribers":
			data, err = rep.Subscribers(r.Context())
		}
		if err != nil {
			c.fail(w, r, err)
			return
		}
		c.showReport(w, r, s, nav, data)
	}
}

// retryDeadLetter is POST /admin/delivery/retry: dead letter id goes back
// into its chat's outbox, once, and the retry is audited.
func (c *Console) retryDeadLetter(w http.ResponseWriter, r *http.Request, s *session) {
	if c.opts.Reports == nil {
		http.NotFound(w, r)
		return
	}
	id := strings.TrimSpace(r.FormValue("id"))
	if id == "" {
		http.Error(w, "bad form: no dead letter id", http.StatusBadRequest)
		return
	}
	notice := "retried"
	err := c.opts.Reports.RetryDeadLetter(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrDeadLetterNotFound), errors.Is(err, store.ErrDeadLetterRetried):
		notice = "retry_gone"
	case errors.Is(err, store.ErrDeadLetterCorrupt):
		notice = "retry_corrupt"
	case err != nil:
		c.fail(w, r, err)
		return
	default:
		e := store.AuditEntry{At: c.now().UTC(), By: s.by(), Action: bot.ActionRetryDelivery, Target: id}
		if err := c.opts.Store.Audit(r.Context(), e); err != nil {
			// The retry is done; a lost audit line is reported, not
			// turned into a failure the admin would retry.
			c.log.Warn("web console: retry not audited", slog.String("dead_letter", id), slog.Any("error", err))
		}
	}
	http.Redirect(w, r, Prefix+"delivery?done="+notice+"&id="+url.QueryEscape(id), http.StatusSeeOther)
}
