package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/valence-rsd/valence/internal/valence"
)

// paramLimits bound the path and query parameters by name, in bytes; one
// not named here is bounded by valence.MaxQueryParamLen. api/openapi.yaml
// states each as maxLength (TestSpecLimitsMatchTheCode holds them together).
// Without them a parameter is bounded only by net/http's 1 MiB of headers,
// and the core echoes an id it cannot find.
var paramLimits = map[string]int{
	"uuid":       valence.MaxIDLen,
	"id":         valence.MaxPathIDLen,
	"podm_id":    valence.MaxIDLen,
	"project_id": valence.MaxIDLen,
	"marker":     valence.MaxMarkerLen,
	"name":       valence.MaxNameLen,
	"url":        valence.MaxURLLen,
	"index":      valence.MaxPathIDLen,
}

// paramLimit is the most bytes the value of the parameter called name may have.
func paramLimit(name string) int {
	if n, ok := paramLimits[name]; ok {
		return n
	}
	return valence.MaxQueryParamLen
}

// checkParams refuses (400) a path parameter or a query parameter longer
// than its bound before anything reads it. The message names the parameter
// and the lengths, never the value.
func checkParams(r *http.Request) error {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		for i, k := range rc.URLParams.Keys {
			if v := rc.URLParams.Values[i]; k != "*" && len(v) > paramLimit(k) {
				// "*" is the rest of the path below a sub-router's mount:
				// the parameters it holds are checked by their names.
				return valence.Errorf(valence.Invalid, "path parameter %s may be at most %d bytes long, not %d", k, paramLimit(k), len(v))
			}
		}
	}
	for k, vs := range r.URL.Query() {
		if len(k) > valence.MaxQueryParamLen {
			return valence.Errorf(valence.Invalid, "a query parameter's name may be at most %d bytes long, not %d (%q)",
				valence.MaxQueryParamLen, len(k), valence.Shortened(k, valence.MaxQueryParamLen))
		}
		for _, v := range vs {
			if len(v) > paramLimit(k) {
				return valence.Errorf(valence.Invalid, "query parameter %s may be at most %d bytes long, not %d", k, paramLimit(k), len(v))
			}
		}
	}
	return nil
}
