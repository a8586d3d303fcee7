package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/aajil/aajil/bot"
	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
)

// sourceRow is one source of the Sources page.
type sourceRow struct {
	ID, Name, URL, Kind string
	Paused              bool
	Failures            int
	// Interval is the configured one; Adaptive the scheduler's now, when
	// it differs, and Reason (a text key) and ReasonDetail why.
	Interval, Adaptive, Reason, ReasonDetail string
	LastSuccess, LastErrorAt, LastPoll       time.Time
	NextDue                                  time.Time
	LastError, LastErrorClass, Lag           string
	Items24, Urgent24                        int64
	// Share304 is the share of polls answered 304 Not Modified.
	Share304 string
}

// sourcesPage is GET /admin/sources.
func (c *Console) sourcesPage(w http.ResponseWriter, r *http.Request, s *session) {
	rows, err := c.sourceRows(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, s, http.StatusOK, "sources", func(v view) templ.Component { return sourcesPage(v, rows) })
}

// sourceRows reads every source with its poll state and 24-hour counts.
func (c *Console) sourceRows(r *http.Request) ([]sourceRow, error) {
	ctx := r.Context()
	recs, err := c.opts.Store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	states, err := c.opts.Store.LoadStates(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]store.Counter, 0, 2*len(recs))
	for _, rec := range recs {
		names = append(names, store.SourceItems(rec.Source.ID), store.SourceUrgentItems(rec.Source.ID))
	}
	counts, err := c.opts.Store.CountsManyAt(ctx, names, c.now())
	if err != nil {
		return nil, err
	}
	rows := make([]sourceRow, len(recs))
	for i, rec := range recs {
		id := rec.Source.ID
		rows[i] = newSourceRow(rec.Source, states[id])
		rows[i].Items24 = counts[store.SourceItems(id)][1]
		rows[i].Urgent24 = counts[store.SourceUrgentItems(id)][1]
	}
	return rows, nil
}

// newSourceRow is a source's row without its counts.
func newSourceRow(src feeds.Source, st feeds.SourceState) sourceRow {
	row := sourceRow{
		ID: src.ID, Name: src.Name, URL: src.URL, Kind: string(src.EffectiveKind()), Paused: src.Paused,
		Failures: st.Failures, Interval: src.EffectiveInterval().String(),
		LastSuccess: st.LastSuccess, LastErrorAt: st.LastErrorAt, LastPoll: st.LastPoll, NextDue: st.NextDue,
		LastError: st.LastError, LastErrorClass: string(st.LastErrorClass), Share304: "—",
	}
	if st.LastLag >= time.Second {
		row.Lag = st.LastLag.Truncate(time.Second).String()
	}
	if st.Polls > 0 {
		row.Share304 = strconv.FormatInt(100*st.NotModified/st.Polls, 10) + " %"
	}
	if st.Interval > 0 && st.IntervalReason != "" {
		row.Adaptive, row.Reason = st.Interval.String(), "reason_"+string(st.IntervalReason)
		switch st.IntervalReason {
		case feeds.ReasonLearned:
			row.ReasonDetail = strconv.FormatFloat(st.Rate.PerHour(), 'f', 1, 64) + "/h"
		case feeds.ReasonCascade:
			row.ReasonDetail = "→ " + when(st.CascadeUntil)
		}
	}
	return row
}

// loadSource reads the source named by the form's or query's id; found
// is false when the admin was already answered (404).
func (c *Console) loadSource(w http.ResponseWriter, r *http.Request, s *session) (store.SourceRecord, bool) {
	id := r.FormValue("id")
	rec, err := c.opts.Store.Source(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || id == "" {
		d := reportData{Title: "nav_sources", Problems: []problem{{Text: tr(c.langOf(r, s), "p_not_found", id)}}}
		c.render(w, r, s, http.StatusNotFound, "sources", func(v view) templ.Component { return unavailablePage(v, d) })
		return rec, false
	}
	if err != nil {
		c.fail(w, r, err)
		return rec, false
	}
	return rec, true
}

// done redirects to the Sources page with a notice.
func done(w http.ResponseWriter, r *http.Request, notice, id string) {
	http.Redirect(w, r, Prefix+"sources?done="+notice+"&id="+url.QueryEscape(id), http.StatusSeeOther)
}

// setPaused is POST /admin/sources/pause and /resume.
func (c *Console) setPaused(paused bool) handlerFunc {
	notice := "resumed"
	if paused {
		notice = "paused"
	}
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		rec, ok := c.loadSource(w, r, s)
		if !ok {
			return
		}
		if err := c.opts.Ops.SetPaused(r.Context(), s.by(), rec.Source, paused); err != nil {
			c.fail(w, r, err)
			return
		}
		done(w, r, notice, rec.Source.ID)
	}
}

// deletePage is GET /admin/sources/delete?id=: the question.
func (c *Console) deletePage(w http.ResponseWriter, r *http.Request, s *session) {
	if rec, ok := c.loadSource(w, r, s); ok {
		c.render(w, r, s, http.StatusOK, "sources", func(v view) templ.Component { return deletePage(v, rec.Source) })
	}
}

// deleteSource is POST /admin/sources/delete.
func (c *Console) deleteSource(w http.ResponseWriter, r *http.Request, s *session) {
	rec, ok := c.loadSource(w, r, s)
	if !ok {
		return
	}
	if err := c.opts.Ops.Delete(r.Context(), s.by(), rec.Source); err != nil && !errors.Is(err, store.ErrNotFound) {
		c.fail(w, r, err)
		return
	}
	done(w, r, "deleted", rec.Source.ID)
}

// export is GET /admin/sources/export: the sources as the YAML file of
// /export.
func (c *Console) export(w http.ResponseWriter, r *http.Request, s *session) {
	recs, err := c.opts.Store.Sources(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	srcs := make([]feeds.Source, len(recs))
	for i, rec := range recs {
		srcs[i] = rec.Source
	}
	data, err := bot.ExportSources(srcs)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", bot.ExportFileName))
	w.Write(data)
}
