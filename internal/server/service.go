package server

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/valence-rsd/valence/api"
)

// readyTimeout bounds one round of readiness checks.
const readyTimeout = 3 * time.Second

type publicURLKey struct{}

// publicURL makes base (VALENCE_PUBLIC_URL, without a trailing slash) the
// base of every absolute URL the server builds.
func publicURL(base string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), publicURLKey{}, base)))
		})
	}
}

// baseURL is the configured public URL, or else the scheme and host the
// caller used to reach us (which the caller chooses: behind a proxy, or to
// keep clients from being sent elsewhere, configure the public URL).
func baseURL(r *http.Request) string {
	if base, ok := r.Context().Value(publicURLKey{}).(string); ok {
		return base
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func root(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, api.Root{
		Name:        "OpenStack Valence API",
		Description: "Valence manages Rack Scale Design pod managers and the nodes composed from them.",
		Versions: []api.Version{{
			ID: "v1", Status: "CURRENT",
			Links: []api.Link{{Href: baseURL(r) + "/v1/", Rel: "self"}},
		}},
	})
}

func v1(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	pair := func(coll string) []api.Link {
		return []api.Link{
			{Href: base + "/v1/" + coll + "/", Rel: "self"},
			{Href: base + "/" + coll + "/", Rel: "bookmark"},
		}
	}
	writeJSON(w, http.StatusOK, api.V1{
		ID: "v1",
		Links: []api.Link{
			{Href: base + "/v1/", Rel: "self"},
			{Href: base + "/v1/openapi.yaml", Rel: "describedby", Type: "application/yaml"},
		},
		MediaTypes:  []api.MediaType{{Base: "application/json", Type: "application/vnd.openstack.valence.v1+json"}},
		PodManagers: pair("pod_managers"),
		Flavors:     pair("flavors"),
		Nodes:       pair("nodes"),
		Systems:     pair("systems"),
		Storages:    pair("storages"),
		Racks:       pair("racks"),
	})
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, api.Health{Status: "ok"})
}

// readyz answers 200 when every check passes, and otherwise a 503 in the
// error format naming those that fail.
func readyz(checks map[string]ReadyCheck) http.HandlerFunc {
	names := make([]string, 0, len(checks))
	for name := range checks {
		names = append(names, name)
	}
	sort.Strings(names)
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		var failed []string
		for _, name := range names {
			if err := checks[name](ctx); err != nil {
				failed = append(failed, fmt.Sprintf("%s: %v", name, err))
			}
		}
		if len(failed) > 0 {
			writeErrorBody(w, r, http.StatusServiceUnavailable, api.Error{
				Code: "ServiceUnavailable", Title: "Service unavailable",
				Detail: "Not ready: " + strings.Join(failed, "; "),
			})
			return
		}
		writeJSON(w, http.StatusOK, api.Health{Status: "ok"})
	}
}
