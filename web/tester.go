package web

import (
	"net/http"
)

// testerID names the source of a test that gave none: a source's
// validation needs an id.
const testerID = "tester"

// testerPage is GET /admin/tester: the empty form.
func (c *Console) testerPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.render(w, r, s, http.StatusOK, "tester", testerOf(formData{Form: sourceForm{Kind: "rss"}, Kinds: kinds}))
}

// testSelectors is POST /admin/tester: the form's source, checked as
// /probe checks it, fetched once through the Inspector (the probe's
// client and policy) and shown as the pipeline sees its items, with the
// form as submitted, so that a selector can be changed and tried again.
func (c *Console) testSelectors(w http.ResponseWriter, r *http.Request, s *session) {
	lang := c.langOf(r, s)
	src, data := c.newSourceForm(r, lang, testerID)
	if len(data.Problems) == 0 && c.opts.Inspector != nil {
		res := c.opts.Inspector.Inspect(r.Context(), src)
		data.Ran, data.Items = true, res.Items
		if res.Err != nil {
			data.Problems = probeProblem(lang, res)
		}
	}
	status := http.StatusOK
	if len(data.Problems) > 0 {
		status = http.StatusUnprocessableEntity
	}
	c.render(w, r, s, status, "tester", testerOf(data))
}
