package functional

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
)

// typed sends body with the Content-Type given ("" for none) and checks the
// answer against api/openapi.yaml, as do does with its own type.
func (c *client) typed(t *testing.T, method, path, contentType, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if err := validator.ValidateResponse(req, resp.StatusCode, resp.Header, data); err != nil {
		t.Errorf("the answer breaks api/openapi.yaml: %v\nbody: %s", err, data)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// testHostileInput sends what issue 10 found taken: a compose that ran the
// server out of memory, cross-site forms (text/plain), duplicate keys and
// data after the JSON value, keys in another case in a PATCH, a second
// spelling of an adopted node's Id, a password inside a pod manager's URL.
// Each is a 4xx that changes nothing, and the server keeps serving.
func testHostileInput(t *testing.T, b backend) {
	const password = "Url-pass-4Kq"
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "2"}}})
	c, sim, pm := e.api.client, e.sims[0], e.podms[0]

	for _, body := range []string{
		`{"name":"n","properties":{"processor":{"count":2000000000}}}`,
		`{"name":"n","podm_id":"` + pm.UUID + `","properties":{"processor":{"count":"1000000"}}}`,
	} {
		if e := c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/nodes", body); !strings.Contains(e.Detail, "processor.count must be at most 64") {
			t.Errorf("detail %q does not name the field and its limit", e.Detail)
		}
	}
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/storages", `{"podm_id":"`+pm.UUID+`","capacity_gib":8589934592}`)

	// A browser form posts text/plain without asking first.
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
		r := c.typed(t, http.MethodPost, "/v1/nodes", ct, `{"name":"csrf","podm_id":"`+pm.UUID+`"}`)
		if r.status != http.StatusUnsupportedMediaType || !strings.Contains(string(r.body), `"UnsupportedMediaType"`) {
			t.Errorf("POST /v1/nodes as %q: %d %s", ct, r.status, r.body)
		}
	}
	if r := c.typed(t, http.MethodPut, "/v1/nodes/"+unknownID+"/states/power", "text/plain", `{"target":"power off"}`); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("PUT power as text/plain: %d %s", r.status, r.body)
	}

	for _, body := range []string{
		`{"name":"x"}}`, `{"name":"x"}]`, `{"name":"x"}{"name":"y"}`,
		`{"name":"a","name":"b"}`, `{"name":"a","properties":{"processor":{"count":1,"count":2}}}`,
		`{"Name":"x"}`, "{\"name\":\"bad\xff\"}", `{"name":"bell\u0007"}`,
	} {
		c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/flavors", body)
	}
	c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/nodes", `{"name":"x","podm_id":"`+pm.UUID+`"}}`)
	if got := decodeAs[[]api.Flavor](t, c.get(t, http.StatusOK, "/v1/flavors")); len(got) != 0 {
		t.Errorf("flavors made of refused bodies: %v", uuids(got))
	}

	// Keys in another case in a PATCH were applied or ignored.
	fl := decodeAs[api.Flavor](t, c.create(t, "/v1/flavors", `{"name":"small","properties":{"processor":{"count":1}}}`))
	for _, patch := range []string{`{"Name":"big"}`, `{"properties":{"processor":{"Count":2}}}`, `{"name":"big"}}`} {
		c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPatch, "/v1/flavors/"+fl.UUID, patch)
	}
	if r := c.typed(t, http.MethodPatch, "/v1/flavors/"+fl.UUID, "application/merge-patch+json", `{"description":"d"}`); r.status != http.StatusOK {
		t.Errorf("PATCH as merge-patch+json: %d %s", r.status, r.body)
	}
	if now := decodeAs[api.Flavor](t, c.get(t, http.StatusOK, "/v1/flavors/"+fl.UUID)); now.Name != "small" || now.Properties.Processor.Count != 1 {
		t.Errorf("refused patches changed the flavor: %+v", now)
	}
	// python-valenceclient's DELETE carries {} and no type.
	if r := c.typed(t, http.MethodDelete, "/v1/flavors/"+fl.UUID, "", `{}`); r.status != http.StatusOK {
		t.Errorf("DELETE with {}: %d %s", r.status, r.body)
	}

	// One node, one record: another spelling of its Id is refused.
	n := e.api.compose(t, api.NodeCompose{Name: "own", PodmID: pm.UUID})
	for _, alias := range []string{n.Index + "/", n.Index + "?x", "./" + n.Index} {
		c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/nodes/manage", api.NodeManage{NodeIndex: alias, PodmID: pm.UUID})
	}
	if got := decodeAs[[]api.Node](t, c.get(t, http.StatusOK, "/v1/nodes")); len(got) != 1 {
		t.Errorf("nodes recorded: %v", uuids(got))
	}

	body := podmCreate("with-password", strings.Replace(sim.url, "http://", "http://"+simUser+":"+password+"@", 1))
	if e := c.failure(t, http.StatusBadRequest, "BadRequest", http.MethodPost, "/v1/pod_managers", body); strings.Contains(e.Detail, password) || !strings.Contains(e.Detail, "authentication") {
		t.Errorf("detail %q", e.Detail)
	}

	c.deleted(t, "/v1/nodes/"+n.UUID)
	if left := sim.nodes(t); len(left) != 0 {
		t.Errorf("nodes left on the simulator: %v", left)
	}
	c.get(t, http.StatusOK, "/healthz")
	e.api.stop(t)
	log, err := os.ReadFile(e.api.proc.logFile)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(log, []byte(password)) {
		t.Errorf("the log holds the URL's password:\n%s", grepLines(string(log), password))
	}
}
