package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api"
)

// methods are those that the router can answer; Allow lists the ones a path
// has. HEAD is not among them: GetHead serves it wherever GET is routed.
var methods = []string{
	http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeErrorBody(w, r, http.StatusNotFound, api.Error{
		Code: "NotFound", Title: "Resource could not be found",
		Detail: fmt.Sprintf("The path %s is not part of this API.", r.URL.Path),
	})
}

// methodNotAllowed answers 405 with an Allow header naming the methods that
// the path does have; chi leaves that header to a custom handler.
func methodNotAllowed(router chi.Routes) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// The whole path, not chi's RoutePath: inside a sub-router (/v1/nodes)
		// that is the rest below the mount point ("/"), which router, the
		// root, would match as another path. StripSlashes left r.URL.Path as
		// sent, so its trailing slashes go here.
		path := r.URL.Path
		for len(path) > 1 && strings.HasSuffix(path, "/") {
			path = path[:len(path)-1]
		}
		var allowed []string
		for _, m := range methods {
			if router.Match(chi.NewRouteContext(), m, path) {
				allowed = append(allowed, m)
				if m == http.MethodGet {
					allowed = append(allowed, http.MethodHead)
				}
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeErrorBody(w, r, http.StatusMethodNotAllowed, api.Error{
			Code: "MethodNotAllowed", Title: "Method not allowed",
			Detail: fmt.Sprintf("%s is not allowed on %s; allowed: %s.", r.Method, r.URL.Path, strings.Join(allowed, ", ")),
		})
	}
}
