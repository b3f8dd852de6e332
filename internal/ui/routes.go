package ui

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes registers the views, which run behind a session and the CSRF
// check. Paths are below /ui (docs/architecture.md, "Web dashboard").
func (d *Dashboard) routes(r chi.Router) {
	r.Get("/", d.overview)
}

// redirectBare sends /ui to /ui/, the Overview.
func redirectBare(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ui" {
			http.Redirect(w, r, "/ui/", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}
