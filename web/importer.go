package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
)

// importData is what the import page shows.
type importData struct {
	YAML     string
	Problems []problem
	// Confirm, when set, asks to confirm an import that removes many
	// sources (bot.ImportPlan.NeedsConfirmation).
	Confirm *importCounts
}

// importCounts are an import's changes.
type importCounts struct{ Removed, Current, Added, Changed int }

// importPage is GET /admin/sources/import.
func (c *Console) importPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.render(w, r, s, http.StatusOK, "sources", importOf(importData{}))
}

// errLine splits "line 12: sources[3] …" into its line and the rest.
var errLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// importSources is POST /admin/sources/import: a pasted or uploaded file,
// checked as a whole (on any error nothing changes and every error is
// listed with its line), planned against the registry and applied with
// each change audited, as a file sent to the bot is; an import that
// removes more than half of the sources is applied only when confirmed.
func (c *Console) importSources(w http.ResponseWriter, r *http.Request, s *session) {
	lang := c.langOf(r, s)
	data, err := importedFile(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	page := importData{YAML: string(data)}
	if len(strings.TrimSpace(page.YAML)) == 0 {
		page.Problems = []problem{{Text: tr(lang, "p_import_empty")}}
		c.render(w, r, s, http.StatusUnprocessableEntity, "sources", importOf(page))
		return
	}
	cfg, err := c.opts.Ops.ParseImport(data)
	if err != nil {
		page.Problems = importProblems(err)
		c.render(w, r, s, http.StatusUnprocessableEntity, "sources", importOf(page))
		return
	}
	plan, err := c.opts.Ops.PlanImport(r.Context(), cfg)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if plan.NeedsConfirmation() && r.PostFormValue("confirm") != "yes" {
		page.Confirm = &importCounts{Removed: len(plan.Removed), Current: len(plan.Current), Added: len(plan.Added), Changed: len(plan.Changed)}
		c.render(w, r, s, http.StatusOK, "sources", importOf(page))
		return
	}
	if err := c.opts.Ops.ApplyImport(r.Context(), s.by(), plan); err != nil {
		c.fail(w, r, err)
		return
	}
	if plan.Changes() == 0 {
		done(w, r, "unchanged", "")
		return
	}
	done(w, r, "imported", fmt.Sprintf("%d · %d · %d", len(plan.Added), len(plan.Changed), len(plan.Removed)))
}

// importedFile is the uploaded file, or else the pasted text.
func importedFile(r *http.Request) ([]byte, error) {
	f, _, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return []byte(r.PostFormValue("yaml")), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read uploaded file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxForm))
	if err != nil {
		return nil, fmt.Errorf("read uploaded file: %w", err)
	}
	return data, nil
}

// importProblems lists a file's errors, one a line, with their lines.
func importProblems(err error) []problem {
	msgs := strings.Split(err.Error(), "\n")
	out := make([]problem, len(msgs))
	for i, m := range msgs {
		out[i] = problem{Text: m}
		if g := errLine.FindStringSubmatch(m); g != nil {
			out[i] = problem{Field: "line " + g[1], Text: g[2]}
		}
	}
	return out
}
