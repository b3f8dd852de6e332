package ui

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes registers the views, which run behind a session and the CSRF
// check. Paths are below /ui (docs/architecture.md, "Web dashboard").
func (d *Dashboard) routes(r chi.Router) {
	r.Get("/", d.overview)

	r.Get("/pod", d.pod)
	r.Get("/systems/{podm}/{id}", d.system)
	r.Get("/flavors", d.flavors)
	r.Post("/flavors", d.createFlavor)
	r.Get("/flavors/{uuid}", d.flavor)
	r.Post("/flavors/{uuid}", d.updateFlavor)
	r.Post("/flavors/{uuid}/delete", d.deleteFlavor)
	r.Get("/volumes", d.volumes)
	r.Post("/volumes", d.createVolume)
	r.Post("/volumes/{id}/delete", d.deleteVolume)

	r.Get("/podmanagers", d.podManagers)
	r.Post("/podmanagers", d.registerPodManager)
	r.Get("/podmanagers/{uuid}", d.podManager)
	r.Post("/podmanagers/{uuid}", d.updatePodManager)
	r.Post("/podmanagers/{uuid}/delete", d.deletePodManager)

	r.Get("/nodes", d.nodes)
	r.Post("/nodes", d.compose)
	r.Get("/nodes/new", d.composeForm)
	r.Post("/nodes/manage", d.adopt)
	r.Get("/jobs/{id}", d.jobPage)
	r.Get("/nodes/{uuid}", d.node)
	r.Post("/nodes/{uuid}/power", d.power())
	r.Post("/nodes/{uuid}/nmi", d.nmi())
	r.Post("/nodes/{uuid}/boot", d.boot())
	r.Post("/nodes/{uuid}/attach", d.attach())
	r.Post("/nodes/{uuid}/detach", d.detach())
	r.Post("/nodes/{uuid}/delete", d.decompose)
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
