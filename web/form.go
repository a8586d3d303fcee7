package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/aajil/aajil/bot"
	"github.com/aajil/aajil/feeds"
)

// formFields are the source fields the forms edit, by their key=value
// names (bot.ApplySourceFields); the others (markers, charset,
// max_bytes) are kept as they are, and set by a YAML import.
var formFields = []string{"name", "url", "kind", "interval", "min_interval", "max_interval", "all_urgent",
	"item", "text", "link", "marker", "image", "lang"}

// kinds are the choices of the kind field; atom is read as rss.
var kinds = []string{"rss", "atom", "html", "json", "telegram"}

// sourceForm is a source as its form shows it.
type sourceForm struct {
	ID, Name, URL, Kind, Interval, MinInterval, MaxInterval string
	AllUrgent                                               bool
	Item, Text, Link, Marker, Image, Lang                   string
}

// problem is something wrong with what was submitted.
type problem struct {
	Field, Text string
}

// formData is what the add, edit and tester pages show.
type formData struct {
	Form     sourceForm
	Kinds    []string
	Edit     bool
	Problems []problem
	Items    []feeds.Item
	// Ran says the tester fetched the page.
	Ran bool
}

// formOf is the form of a source.
func formOf(src feeds.Source) sourceForm {
	f := sourceForm{ID: src.ID, Name: src.Name, URL: src.URL, Kind: string(src.EffectiveKind()), AllUrgent: src.AllUrgent,
		Item: src.Item, Text: src.Text, Link: src.Link, Marker: src.Marker, Image: src.Image, Lang: src.Lang}
	f.Interval, f.MinInterval, f.MaxInterval = durationField(src.Interval), durationField(src.MinInterval), durationField(src.MaxInterval)
	return f
}

// durationField is a duration as a form shows it, "" for unset.
func durationField(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return d.String()
}

// readForm reads a submitted source form into form (for showing it
// again) and the key=value fields of bot.ApplySourceFields.
func readForm(r *http.Request) (sourceForm, map[string]string) {
	kv := make(map[string]string, len(formFields))
	for _, k := range formFields {
		kv[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	if kv["kind"] == "atom" {
		kv["kind"] = "rss"
	}
	if kv["all_urgent"] == "" {
		kv["all_urgent"] = "false"
	}
	f := sourceForm{ID: strings.TrimSpace(r.PostFormValue("id")), Name: kv["name"], URL: kv["url"], Kind: kv["kind"],
		Interval: kv["interval"], MinInterval: kv["min_interval"], MaxInterval: kv["max_interval"], AllUrgent: kv["all_urgent"] == "true",
		Item: kv["item"], Text: kv["text"], Link: kv["link"], Marker: kv["marker"], Image: kv["image"], Lang: kv["lang"]}
	return f, kv
}

// buildSource applies a form's fields to src and checks the result as
// /addfeed and /setfeed do: the fields, the fetch policy, then the
// source's validation. It returns every problem, in the admin's
// language.
func (c *Console) buildSource(lang string, src *feeds.Source, kv map[string]string) []problem {
	if probs := fieldProblems(lang, bot.ApplySourceFields(src, kv)); len(probs) > 0 {
		return probs
	}
	src.Normalize()
	if p, refused := policyProblem(lang, c.opts.Ops.CheckURL(src.URL)); refused {
		return []problem{p}
	}
	return fieldProblems(lang, bot.SourceProblems(src))
}

// fieldProblems turns the bot's field problems into the page's.
func fieldProblems(lang string, probs []bot.FieldProblem) []problem {
	out := make([]problem, len(probs))
	for i, p := range probs {
		out[i] = problem{Field: p.Field, Text: p.Reason}
		if p.Unknown {
			out[i].Text = tr(lang, "p_unknown")
		}
	}
	return out
}

// policyProblem renders a refusal of the fetch policy, as the bot's
// policyRefusal does; refused is false for any other error.
func policyProblem(lang string, err error) (p problem, refused bool) {
	switch kind, detail := bot.ClassifyRefusal(err); kind {
	case bot.RefusedPrivate:
		return problem{Field: "url", Text: tr(lang, "p_private", detail)}, true
	case bot.RefusedScheme:
		return problem{Field: "url", Text: tr(lang, "p_only_http")}, true
	case bot.RefusedAddress:
		return problem{Field: "url", Text: detail}, true
	}
	return p, false
}

// probeProblem is why a probe's result cannot be used, "" when it can.
func probeProblem(lang string, res feeds.PollResult) []problem {
	if p, refused := policyProblem(lang, res.Err); refused {
		return []problem{p}
	}
	switch {
	case res.Err != nil:
		return []problem{{Text: tr(lang, "p_probe_failed", res.Err.Error())}}
	case len(res.Items) == 0:
		return []problem{{Text: tr(lang, "p_no_items")}}
	}
	return nil
}

// newSourceForm reads and checks the form of a new source (the add form
// or the tester's); an empty id is defaultID ("": made from the URL).
func (c *Console) newSourceForm(r *http.Request, lang, defaultID string) (feeds.Source, formData) {
	form, kv := readForm(r)
	kv["id"] = form.ID
	if form.ID == "" {
		kv["id"] = defaultID
	}
	data := formData{Form: form, Kinds: kinds}
	var src feeds.Source
	data.Problems = c.buildSource(lang, &src, kv)
	return src, data
}

// newPage is GET /admin/sources/new.
func (c *Console) newPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.render(w, r, s, http.StatusOK, "sources", sourceFormOf(formData{Form: sourceForm{Kind: "rss"}, Kinds: kinds}))
}

// addSource is POST /admin/sources/add: validated, probed, added live
// with its baseline and audited, as /addfeed; on any problem the form
// comes back with the values and the problems.
func (c *Console) addSource(w http.ResponseWriter, r *http.Request, s *session) {
	lang := c.langOf(r, s)
	src, data := c.newSourceForm(r, lang, "")
	if len(data.Problems) == 0 {
		switch exists, err := c.opts.Ops.Exists(r.Context(), src.ID); {
		case err != nil:
			c.fail(w, r, err)
			return
		case exists:
			data.Problems = []problem{{Field: "id", Text: tr(lang, "p_exists", src.ID)}}
		}
	}
	if len(data.Problems) == 0 {
		res := c.opts.Ops.Probe(r.Context(), src)
		data.Items, data.Problems = res.Items, probeProblem(lang, res)
	}
	if len(data.Problems) > 0 {
		c.render(w, r, s, http.StatusUnprocessableEntity, "sources", sourceFormOf(data))
		return
	}
	if err := c.opts.Ops.Add(r.Context(), s.by(), src, data.Items); err != nil {
		c.fail(w, r, err)
		return
	}
	done(w, r, "added", src.ID)
}

// editPage is GET /admin/sources/edit?id=.
func (c *Console) editPage(w http.ResponseWriter, r *http.Request, s *session) {
	if rec, ok := c.loadSource(w, r, s); ok {
		c.render(w, r, s, http.StatusOK, "sources", sourceFormOf(formData{Form: formOf(rec.Source), Kinds: kinds, Edit: true}))
	}
}

// editSource is POST /admin/sources/edit: the source's fields replaced
// by the form's, validated, live and audited, as /setfeed.
func (c *Console) editSource(w http.ResponseWriter, r *http.Request, s *session) {
	rec, ok := c.loadSource(w, r, s)
	if !ok {
		return
	}
	form, kv := readForm(r)
	form.ID = rec.Source.ID
	src := rec.Source
	if probs := c.buildSource(c.langOf(r, s), &src, kv); len(probs) > 0 {
		c.render(w, r, s, http.StatusUnprocessableEntity, "sources", sourceFormOf(formData{Form: form, Kinds: kinds, Edit: true, Problems: probs}))
		return
	}
	if err := c.opts.Ops.Update(r.Context(), s.by(), rec.Source, src); err != nil {
		c.fail(w, r, err)
		return
	}
	done(w, r, "updated", src.ID)
}
