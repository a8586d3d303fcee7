package web

import (
	"context"
	"net/http"
	"net/url"
)

// Reports fills the Stories, Delivery and Subscribers pages: each method
// returns the page's data and the name of its template (a file of
// templates/ without .html, executed as the content of the layout, with
// the data as .Data). A nil Reports, or an empty template name, shows
// the page as not available.
type Reports interface {
	Stories(ctx context.Context, q url.Values) (data any, template string, err error)
	Delivery(ctx context.Context, q url.Values) (data any, template string, err error)
	Subscribers(ctx context.Context, q url.Values) (data any, template string, err error)
}

// reportData is the page of a report that is not available, and of a
// source not found.
type reportData struct {
	Title    string
	Problems []problem
}

// report serves one report page: nav is its navigation entry, get its
// Reports method.
func (c *Console) report(nav string, get func(Reports) func(context.Context, url.Values) (any, string, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		if c.opts.Reports == nil {
			c.render(w, r, s, http.StatusOK, "report", nav, reportData{Title: "nav_" + nav})
			return
		}
		data, name, err := get(c.opts.Reports)(r.Context(), r.URL.Query())
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if _, ok := c.pages.byName[name]; !ok || name == "" {
			c.render(w, r, s, http.StatusOK, "report", nav, reportData{Title: "nav_" + nav})
			return
		}
		c.render(w, r, s, http.StatusOK, name, nav, data)
	}
}
