package server

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/valence"
)

// methods are those that the router can answer; Allow lists the ones a path
// has. HEAD is not among them: GetHead serves it wherever GET is routed.
var methods = []string{
	http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
}

// maxPathShown bounds what an error message shows of the request's path or method.
const maxPathShown = 256

func notFound(w http.ResponseWriter, r *http.Request) {
	writeErrorBody(w, r, http.StatusNotFound, api.Error{
		Code: "NotFound", Title: "Resource could not be found",
		Detail: fmt.Sprintf("The path %s is not part of this API.", valence.Shortened(r.URL.Path, maxPathShown)),
	})
}

// methodNotAllowed answers 405 with an Allow header naming the methods that
// the path does have; chi leaves that header to a custom handler.
func methodNotAllowed(router chi.Routes) http.HandlerFunc {
	var (
		once sync.Once
		flat *chi.Mux
	)
	return func(w http.ResponseWriter, r *http.Request) {
		// router's own Match says yes to every method at a sub-router's
		// mount point (/v1/nodes), where Mount leaves a catch-all stub; a
		// flat copy of the routes, made once they are all registered, has
		// none of those.
		once.Do(func() { flat = flatten(router) })
		// The whole path, not chi's RoutePath: inside a sub-router that is
		// the rest below the mount point ("/"). StripSlashes left r.URL.Path
		// as sent, so its trailing slashes go here.
		path := r.URL.Path
		for len(path) > 1 && strings.HasSuffix(path, "/") {
			path = path[:len(path)-1]
		}
		var allowed []string
		for _, m := range methods {
			if flat.Match(chi.NewRouteContext(), m, path) {
				allowed = append(allowed, m)
				if m == http.MethodGet {
					allowed = append(allowed, http.MethodHead)
				}
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeErrorBody(w, r, http.StatusMethodNotAllowed, api.Error{
			Code: "MethodNotAllowed", Title: "Method not allowed",
			Detail: fmt.Sprintf("%s is not allowed on %s; allowed: %s.", valence.Shortened(r.Method, maxPathShown), valence.Shortened(r.URL.Path, maxPathShown), strings.Join(allowed, ", ")),
		})
	}
}

// flatten copies every route of routes, sub-routers included, onto one
// router without sub-routers, with the trailing slashes StripSlashes takes
// off requests taken off the patterns too. Its handlers do nothing: it is
// only matched against.
func flatten(routes chi.Routes) *chi.Mux {
	flat := chi.NewRouter()
	none := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	_ = chi.Walk(routes, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		for len(pattern) > 1 && strings.HasSuffix(pattern, "/") {
			pattern = pattern[:len(pattern)-1]
		}
		flat.Method(method, pattern, none)
		return nil
	})
	return flat
}
