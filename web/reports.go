package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"

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
// in the admin's language.
type reportView struct {
	Title string
	HTML  string
}

// reportContent is a report page's content with its texts from t.
type reportContent func(t func(key string) string) templ.Component

// showReport renders report page name, whose content is content, for the
// admin of s.
func (c *Console) showReport(w http.ResponseWriter, r *http.Request, s *session, name string, content reportContent) {
	lang := c.langOf(r, s)
	var buf bytes.Buffer
	t := func(key string) string { return report.T(lang, key) }
	if err := content(t).Render(r.Context(), &buf); err != nil {
		c.fail(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	// The report pages escape every value; explicit bidi controls (which
	// no page holds) are dropped from what the values brought, as clean
	// does on the other pages.
	d := reportView{Title: "nav_" + name, HTML: tgtext.StripBidiControls(buf.String())}
	c.render(w, r, s, http.StatusOK, name, func(v view) templ.Component { return reportPage(v, d) })
}

// report serves one report page: nav is its navigation entry.
func (c *Console) report(nav string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		rep := c.opts.Reports
		if rep == nil {
			d := reportData{Title: "nav_" + nav}
			c.render(w, r, s, http.StatusOK, nav, func(v view) templ.Component { return unavailablePage(v, d) })
			return
		}
		var content reportContent
		switch nav {
		case "stories":
			page, err := rep.Stories(r.Context())
			if err != nil {
				c.fail(w, r, err)
				return
			}
			content = func(t func(string) string) templ.Component { return report.StoriesContent(t, page) }
		case "delivery":
			page, err := rep.Delivery(r.Context())
			if err != nil {
				c.fail(w, r, err)
				return
			}
			page.CSRFToken = s.sess.CSRF
			content = func(t func(string) string) templ.Component { return report.DeliveryContent(t, page) }
		case "subscribers":
			page, err := rep.Subscribers(r.Context())
			if err != nil {
				c.fail(w, r, err)
				return
			}
			content = func(t func(string) string) templ.Component { return report.SubscribersContent(t, page) }
		default:
			http.NotFound(w, r)
			return
		}
		c.showReport(w, r, s, nav, content)
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
