package functional

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// requestIDPattern is the form of X-OpenStack-Request-Id: req-<uuid4>.
var requestIDPattern = regexp.MustCompile(`^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// testService covers the service endpoints and the conventions every
// endpoint keeps: errors, trailing slashes, bodies on GET, limits.
func testService(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "2"}}})
	c := e.api.client

	root := decodeAs[api.Root](t, c.get(t, http.StatusOK, "/"))
	if len(root.Versions) != 1 || root.Versions[0].ID != "v1" || root.Versions[0].Status != "CURRENT" ||
		len(root.Versions[0].Links) == 0 || root.Versions[0].Links[0].Href != c.base+"/v1/" {
		t.Errorf("GET /: %+v", root)
	}
	v1 := decodeAs[api.V1](t, c.get(t, http.StatusOK, "/v1"))
	for coll, links := range map[string][]api.Link{
		"pod_managers": v1.PodManagers, "flavors": v1.Flavors, "nodes": v1.Nodes,
		"systems": v1.Systems, "storages": v1.Storages, "racks": v1.Racks,
	} {
		if len(links) != 2 || links[0].Rel != "self" || links[0].Href != c.base+"/v1/"+coll+"/" || links[1].Rel != "bookmark" {
			t.Errorf("GET /v1: links of %s: %+v", coll, links)
		}
	}
	c.get(t, http.StatusOK, "/v1/") // trailing slashes are optional, without a redirect
	if r := c.expect(t, http.StatusOK, http.MethodHead, "/v1/flavors", nil); len(r.body) != 0 {
		t.Errorf("HEAD /v1/flavors answered a body: %s", r.body)
	}
	if h := decodeAs[api.Health](t, c.get(t, http.StatusOK, "/healthz")); h.Status != "ok" {
		t.Errorf("GET /healthz: %+v", h)
	}
	ready := c.get(t, http.StatusOK, "/readyz")
	if h := decodeAs[api.Health](t, ready); h.Status != "ok" {
		t.Errorf("GET /readyz: %+v", h)
	}
	if id := ready.header.Get("X-OpenStack-Request-Id"); !requestIDPattern.MatchString(id) {
		t.Errorf("X-OpenStack-Request-Id %q is not req-<uuid4>", id)
	}
	spec := c.get(t, http.StatusOK, "/v1/openapi.yaml")
	if !bytes.Equal(spec.body, api.OpenAPI) || !strings.HasPrefix(spec.header.Get("Content-Type"), "application/yaml") {
		t.Errorf("GET /v1/openapi.yaml: %s, %d bytes, not api/openapi.yaml", spec.header.Get("Content-Type"), len(spec.body))
	}
	ref := c.get(t, http.StatusOK, "/v1/docs")
	if !bytes.Equal(ref.body, api.ReferenceHTML) || ref.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("GET /v1/docs: %s, %d bytes, not api/reference.html", ref.header.Get("Content-Type"), len(ref.body))
	}

	// Conventions of every endpoint.
	c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, "/v1/no_such_thing", nil)
	for _, coll := range []string{"pod_managers", "flavors", "nodes", "storages"} {
		c.failure(t, http.StatusNotFound, "NotFound", http.MethodGet, "/v1/"+coll+"/not-a-uuid", nil)
	}
	// Allow names the methods of that path, and only those.
	for _, wrong := range []struct{ method, path, allow string }{
		{http.MethodDelete, "/v1/nodes", "GET, HEAD, POST"},
		{http.MethodPut, "/v1/flavors/", "GET, HEAD, POST"},
		{http.MethodPut, "/v1/nodes/" + unknownID, "GET, HEAD, DELETE"},
		{http.MethodGet, "/v1/nodes/" + unknownID + "/action", "POST"},
		{http.MethodPost, "/v1", "GET, HEAD"},
		{http.MethodPost, "/healthz", "GET, HEAD"},
	} {
		r := c.expect(t, http.StatusMethodNotAllowed, wrong.method, wrong.path, nil)
		if got := strings.Split(r.header.Get("Allow"), ", "); !sameSet(got, strings.Split(wrong.allow, ", ")) {
			t.Errorf("%s %s: Allow %q, want %q", wrong.method, wrong.path, r.header.Get("Allow"), wrong.allow)
		}
	}
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/flavors", `{"name":`)
	detail := c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/flavors", `{"name":"x","colour":"red"}`).Detail
	if !strings.Contains(detail, "colour") {
		t.Errorf("unknown field: detail %q does not name it", detail)
	}
	big := `{"name":"x","description":"` + strings.Repeat("x", 1<<20) + `"}`
	c.failure(t, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", http.MethodPost, "/v1/flavors", big)
	chunked := io.MultiReader(strings.NewReader(big)) // no length: sent chunked, refused while read
	c.failure(t, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", http.MethodPost, "/v1/flavors", chunked)
	oversizedFromPython(t, c.base+"/v1/flavors", 8<<20)
	c.expect(t, http.StatusOK, http.MethodGet, "/v1/flavors", "{}") // python-valenceclient's body on GET
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodGet, "/v1/flavors?colour=red", nil)
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodGet, "/v1/flavors?limit=0", nil)

	// A compose, so that every family of metrics has a sample.
	n := e.api.compose(t, api.NodeCompose{Name: "metered", PodmID: e.podms[0].UUID})

	// Bad input is a 400, never a 500.
	for _, req := range []struct{ method, path, body string }{
		{http.MethodPost, "/v1/nodes", `[]`},
		{http.MethodPost, "/v1/nodes", `null`},
		{http.MethodPost, "/v1/nodes", `{"name":"a"} {"name":"b"}`},
		{http.MethodPost, "/v1/pod_managers", `"text"`},
		{http.MethodPost, "/v1/flavors", ``},
		{http.MethodPost, "/v1/flavors", `{"name":7}`},
		{http.MethodGet, "/v1/nodes?limit=abc", ``},
		{http.MethodPut, "/v1/nodes/" + n.UUID + "/states/power", `{"target":5}`},
		{http.MethodPost, "/v1/nodes/" + n.UUID + "/action", `{"Reset":"On"}`},
		{http.MethodPatch, "/v1/pod_managers/" + e.podms[0].UUID, `[1,2]`},
	} {
		var body any
		if req.body != "" {
			body = req.body
		}
		c.failure(t, http.StatusBadRequest, "BadRequest", req.method, req.path, body)
	}
	// Trailing slashes route the same, for writes too.
	r := c.expect(t, http.StatusCreated, http.MethodPost, "/v1/flavors/", `{"name":"slashed","properties":{}}`)
	c.get(t, http.StatusOK, "/v1/flavors/"+decodeAs[api.Flavor](t, r).UUID+"/")
	metrics := c.get(t, http.StatusOK, "/metrics")
	if ct := metrics.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("GET /metrics: Content-Type %q", ct)
	}
	text := string(metrics.body)
	for _, name := range []string{
		"valence_http_requests_total", "valence_http_request_duration_seconds_bucket",
		"valence_podm_request_duration_seconds_bucket", "valence_compose_duration_seconds_bucket",
		"valence_compose_abandoned 0",
		"go_goroutines", "go_memstats_heap_alloc_bytes", "process_cpu_seconds_total",
	} {
		if !strings.Contains(text, "\n"+name) {
			t.Errorf("GET /metrics: no %s", name)
		}
	}
	// Routes are labelled by pattern, never by raw path.
	if !strings.Contains(text, `route="/v1/nodes"`) || strings.Contains(text, `route="/v1/no_such_thing"`) {
		t.Errorf("GET /metrics: route labels are not route patterns:\n%s", grepLines(text, "valence_http_requests_total"))
	}
}

// grepLines returns the lines of text that contain s.
func grepLines(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
