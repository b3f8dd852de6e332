package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/internal/valence"
)

// TestOverlongParametersRefused: a path or query parameter over its bound is
// a 400 that names the parameter and shows none of the value; an unrouted
// path or an invented method is answered with a bounded prefix of it. Before
// the bounds, an id of 100 KB came back whole in the 404.
func TestOverlongParametersRefused(t *testing.T) {
	f := newAPI(t)
	huge := strings.Repeat("a", 100_000)
	pm := f.createPodManager(t, "podm1")
	for _, c := range []struct{ method, path, param string }{
		{"GET", "/v1/nodes/" + huge, "path parameter uuid"},
		{"DELETE", "/v1/pod_managers/" + strings.Repeat("b", valence.MaxIDLen+1), "path parameter uuid"},
		{"PUT", "/v1/nodes/" + huge + "/states/power", "path parameter uuid"},
		{"POST", "/v1/nodes/" + huge + "/action", "path parameter uuid"},
		{"GET", "/v1/systems/" + strings.Repeat("s", valence.MaxPathIDLen+1), "path parameter id"},
		{"GET", "/v1/storages/" + huge, "path parameter id"},
		{"GET", "/v1/racks/" + huge, "path parameter id"},
		{"GET", "/v1/flavors?name=" + strings.Repeat("n", valence.MaxNameLen+1), "query parameter name"},
		{"GET", "/v1/pod_managers?url=" + huge, "query parameter url"},
		{"GET", "/v1/systems?podm_id=" + pm.UUID + "&marker=" + huge, "query parameter marker"},
		{"GET", "/v1/nodes?node_state=" + huge, "query parameter node_state"},
		{"DELETE", "/v1/pod_managers/" + pm.UUID + "?force=" + huge, "query parameter force"},
		{"GET", "/v1/nodes?" + huge + "=1", "a query parameter's name"},
	} {
		resp, body := f.admin(t, c.method, c.path, `{"target":"power on"}`)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), c.param) || len(body) > 1024 {
			t.Errorf("%s %.60s…: %d, %d bytes: %.300s", c.method, c.path, resp.StatusCode, len(body), body)
		}
	}

	// At the bound, the id is looked up as before.
	if resp, body := f.admin(t, "GET", "/v1/nodes/"+strings.Repeat("c", valence.MaxIDLen), ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an id of %d bytes: %d %s", valence.MaxIDLen, resp.StatusCode, body)
	}
	for _, method := range []string{"GET", strings.Repeat("M", 10_000)} {
		resp, body := f.admin(t, method, "/v1/nope/"+huge, "")
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed || len(body) > 1024 {
			t.Errorf("%.10s of an unrouted overlong path: %d, %d bytes", method, resp.StatusCode, len(body))
		}
	}
	resp, body := f.admin(t, strings.Repeat("M", 10_000), "/v1/nodes", "")
	if resp.StatusCode != http.StatusMethodNotAllowed || len(body) > 1024 {
		t.Errorf("an invented method of 10 KB: %d, %d bytes", resp.StatusCode, len(body))
	}
}
