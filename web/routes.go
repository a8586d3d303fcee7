package web

import (
	"io/fs"
	"net/http"
)

// routes are the console's pages. Every page but the login and the
// static files needs a session (authed).
func (c *Console) routes() *http.ServeMux {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /admin/static/", http.StripPrefix("/admin/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /admin/login", c.loginPage)
	mux.HandleFunc("POST /admin/login", c.login)
	mux.HandleFunc("POST /admin/logout", c.authed(c.logout))
	mux.HandleFunc("GET /admin/{$}", c.authed(func(w http.ResponseWriter, r *http.Request, _ *session) {
		http.Redirect(w, r, Prefix+"sources", http.StatusSeeOther)
	}))
	mux.HandleFunc("GET /admin/sources", c.authed(c.sourcesPage))
	mux.HandleFunc("GET /admin/sources/new", c.authed(c.newPage))
	mux.HandleFunc("POST /admin/sources/add", c.authed(c.addSource))
	mux.HandleFunc("GET /admin/sources/edit", c.authed(c.editPage))
	mux.HandleFunc("POST /admin/sources/edit", c.authed(c.editSource))
	mux.HandleFunc("POST /admin/sources/pause", c.authed(c.setPaused(true)))
	mux.HandleFunc("POST /admin/sources/resume", c.authed(c.setPaused(false)))
	mux.HandleFunc("GET /admin/sources/delete", c.authed(c.deletePage))
	mux.HandleFunc("POST /admin/sources/delete", c.authed(c.deleteSource))
	mux.HandleFunc("GET /admin/sources/import", c.authed(c.importPage))
	mux.HandleFunc("POST /admin/sources/import", c.authed(c.importSources))
	mux.HandleFunc("GET /admin/sources/export", c.authed(c.export))
	mux.HandleFunc("GET /admin/tester", c.authed(c.testerPage))
	mux.HandleFunc("POST /admin/tester", c.authed(c.testSelectors))
	mux.HandleFunc("GET /admin/stories", c.authed(c.report("stories")))
	mux.HandleFunc("GET /admin/delivery", c.authed(c.report("delivery")))
	mux.HandleFunc("POST /admin/delivery/retry", c.authed(c.retryDeadLetter))
	mux.HandleFunc("GET /admin/subscribers", c.authed(c.report("subscribers")))
	mux.HandleFunc("/admin/", c.authed(func(w http.ResponseWriter, r *http.Request, s *session) {
		http.NotFound(w, r)
	}))
	return mux
}
