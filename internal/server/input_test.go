package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/stacktest"
	"github.com/valence-rsd/valence/internal/valence"
)

// raw sends body as an admin with the Content-Type given ("" for none); an
// io.Reader that is not a *strings.Reader goes chunked.
func (f *apiFixture) raw(t *testing.T, method, path, contentType string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("X-Test-Roles", "admin,member,reader")
	req.Header.Set("X-Test-Project", "p-admin")
	return f.send(t, req)
}

// simNodes counts the composed nodes on the emulated pod manager.
func (f *apiFixture) simNodes(t *testing.T) int {
	t.Helper()
	req, _ := http.NewRequest("GET", f.simURL+"/redfish/v1/Nodes", nil)
	req.SetBasicAuth(stacktest.SimUser, stacktest.SimPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var coll struct {
		Members []json.RawMessage `json:"Members"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&coll); err != nil {
		t.Fatal(err)
	}
	return len(coll.Members)
}

// count answers how many objects a list holds.
func (f *apiFixture) count(t *testing.T, path string) int {
	t.Helper()
	_, body := f.admin(t, "GET", path, "")
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		t.Fatalf("GET %s: %s", path, body)
	}
	return len(items)
}

// TestOutOfMemoryComposeIsRefused is issue 10's reproduction: one compose
// with a processor count of two billion took the process down. It is a 400
// naming the field and its limit, and the pod manager hears nothing.
func TestOutOfMemoryComposeIsRefused(t *testing.T) {
	f := newAPI(t)
	pm := f.createPodManager(t, "podm1")
	for _, body := range []string{
		`{"name":"n","properties":{"processor":{"count":2000000000}}}`,
		`{"name":"n","podm_id":"` + pm.UUID + `","properties":{"processor":{"count":"2000000000"}}}`,
	} {
		resp, raw := f.admin(t, "POST", "/v1/nodes", body)
		e := checkError(t, resp, raw, 400, "BadRequest")
		if !strings.Contains(e.Detail, "processor.count") || !strings.Contains(e.Detail, fmt.Sprint(valence.MaxProcessorCount)) {
			t.Errorf("detail %q does not name the field and its limit", e.Detail)
		}
	}
	resp, raw := f.admin(t, "POST", "/v1/storages", `{"podm_id":"`+pm.UUID+`","capacity_gib":8589934592}`)
	if e := checkError(t, resp, raw, 400, "BadRequest"); !strings.Contains(e.Detail, "capacity_gib") {
		t.Errorf("detail %q", e.Detail)
	}
	resp, raw = f.admin(t, "POST", "/v1/nodes", `{"name":"`+strings.Repeat("n", 200_000)+`"}`)
	checkError(t, resp, raw, 400, "BadRequest")
	if n := f.simNodes(t); n != 0 {
		t.Errorf("%d nodes on the pod manager", n)
	}
	if n := f.count(t, "/v1/nodes"); n != 0 {
		t.Errorf("%d nodes recorded", n)
	}
	resp, raw = f.admin(t, "GET", "/v1/nodes?limit=1001", "")
	if e := checkError(t, resp, raw, 400, "BadRequest"); !strings.Contains(e.Detail, "1000") {
		t.Errorf("limit over the largest page: %q", e.Detail)
	}
}

// TestWritesNeedJSON: a write whose body is not declared JSON is a 415
// (a cross-site form cannot send JSON without asking first).
func TestWritesNeedJSON(t *testing.T) {
	f := newAPI(t)
	flavor := `{"name":"f"}`
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
		"application/json; charset=latin1", "application/merge-patch+json", "application/jsonx", "json"} {
		resp, raw := f.raw(t, "POST", "/v1/flavors", ct, strings.NewReader(flavor))
		if e := checkError(t, resp, raw, 415, "UnsupportedMediaType"); !strings.Contains(e.Detail, "application/json") {
			t.Errorf("Content-Type %q: detail %q", ct, e.Detail)
		}
	}
	// A chunked body is no way around it.
	resp, raw := f.raw(t, "POST", "/v1/flavors", "text/plain", io.MultiReader(strings.NewReader(flavor)))
	checkError(t, resp, raw, 415, "UnsupportedMediaType")
	resp, raw = f.raw(t, "PUT", "/v1/nodes/"+unknownUUID+"/states/power", "text/plain", strings.NewReader(`{"target":"power off"}`))
	checkError(t, resp, raw, 415, "UnsupportedMediaType")
	if n := f.count(t, "/v1/flavors"); n != 0 {
		t.Fatalf("%d flavors created", n)
	}

	for i, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"} {
		if resp, raw := f.raw(t, "POST", "/v1/flavors", ct, strings.NewReader(fmt.Sprintf(`{"name":"f%d"}`, i))); resp.StatusCode != 201 {
			t.Errorf("Content-Type %q: %d %s", ct, resp.StatusCode, raw)
		}
	}
	_, raw = f.admin(t, "GET", "/v1/flavors", "")
	var fl []api.Flavor
	json.Unmarshal(raw, &fl)
	if resp, raw := f.raw(t, "PATCH", "/v1/flavors/"+fl[0].UUID, "application/merge-patch+json", strings.NewReader(`{"description":"d"}`)); resp.StatusCode != 200 {
		t.Errorf("PATCH as merge-patch+json: %d %s", resp.StatusCode, raw)
	}
	// No body needs no type, and python-valenceclient's DELETE with {} and
	// no type is fine (GET and DELETE bodies are ignored).
	resp, raw = f.raw(t, "PUT", "/v1/nodes/"+unknownUUID+"/management/inject_nmi", "", nil)
	checkError(t, resp, raw, 404, "NotFound")
	resp, raw = f.raw(t, "PUT", "/v1/nodes/"+unknownUUID+"/management/inject_nmi", "", io.MultiReader())
	checkError(t, resp, raw, 404, "NotFound")
	if resp, raw := f.raw(t, "DELETE", "/v1/flavors/"+fl[0].UUID, "", strings.NewReader(`{}`)); resp.StatusCode != 200 {
		t.Errorf("DELETE with {}: %d %s", resp.StatusCode, raw)
	}
	if resp, raw := f.raw(t, "DELETE", "/v1/flavors/"+fl[1].UUID, "text/plain", strings.NewReader(`{}`)); resp.StatusCode != 200 {
		t.Errorf("DELETE with {} as text/plain: %d %s", resp.StatusCode, raw)
	}
	// A path without the method is still a 405, whatever the type.
	resp, raw = f.raw(t, "POST", "/v1/systems", "text/plain", strings.NewReader("x"))
	checkError(t, resp, raw, 405, "MethodNotAllowed")
}

const unknownUUID = "0b6a5f4e-3c2d-4b1a-9f8e-7d6c5b4a3f2e"

// TestStrictBodies: what a lenient JSON reader takes silently is a 400
// naming the problem, and changes nothing.
func TestStrictBodies(t *testing.T) {
	f := newAPI(t)
	pm := f.createPodManager(t, "podm1")
	deep := `{"name":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "}"
	cases := []struct {
		path, body, detail string
	}{
		{"/v1/flavors", `{"name":"a","name":"b"}`, `"name" is given twice`},
		{"/v1/flavors", `{"name":"a","properties":{"memory":{"type":"DDR4","type":"DDR3"}}}`, `"properties.memory.type" is given twice`},
		{"/v1/flavors", `{"name":"a","properties":{"local_drives":[{"type":"SSD"},{"type":"SSD","type":"HDD"}]}}`, `"properties.local_drives[1].type" is given twice`},
		{"/v1/flavors", `{"name":"x"}}`, "more than one JSON value"},
		{"/v1/flavors", `{"name":"x"}]`, "more than one JSON value"},
		{"/v1/flavors", `{"name":"x"} {"name":"y"}`, "more than one JSON value"},
		{"/v1/flavors", `{"name":"x"} 1`, "more than one JSON value"},
		{"/v1/flavors", "{\"name\":\"x\"}\v", "more than one JSON value"},
		{"/v1/flavors", "{\"name\":\"a\xffb\"}", "UTF-8"},
		{"/v1/flavors", `{"name":"a\ud800b"}`, "UTF-8"},
		{"/v1/flavors", `{"name":"a\u0007b"}`, "control"},
		{"/v1/flavors", `{"Name":"x"}`, `unknown field "Name"`},
		{"/v1/flavors", `{"name":"x","properties":{"Processor":{"count":1}}}`, `unknown field "properties.Processor"`},
		{"/v1/flavors", `{"name":"x","properties":{"processor":{"COUNT":1}}}`, `unknown field "properties.processor.COUNT"`},
		{"/v1/flavors", `null`, "JSON object"},
		{"/v1/flavors", `"name"`, "JSON object"},
		{"/v1/flavors", deep, "deeper"},
		{"/v1/nodes", `{"name":"x","name":"y","podm_id":"` + pm.UUID + `"}`, `"name" is given twice`},
		{"/v1/nodes", `{"name":"x","podm_id":"` + pm.UUID + `"}}`, "more than one JSON value"},
		{"/v1/nodes/manage", `{"node_index":"1/","podm_id":"` + pm.UUID + `"}`, "node_index"},
		{"/v1/nodes/manage", `{"node_index":"1?x","podm_id":"` + pm.UUID + `"}`, "node_index"},
		{"/v1/pod_managers", `{"name":"p2","url":"http://admin:hunter2@podm.test","authentication":[{"type":"basic","auth_items":{"username":"a","password":"b"}}]}`, "credentials"},
	}
	for _, c := range cases {
		resp, raw := f.admin(t, "POST", c.path, c.body)
		if e := checkError(t, resp, raw, 400, "BadRequest"); !strings.Contains(e.Detail, c.detail) {
			t.Errorf("POST %s %.60s: detail %q lacks %q", c.path, c.body, e.Detail, c.detail)
		}
		if strings.Contains(string(raw), "hunter2") {
			t.Errorf("the answer shows the password: %s", raw)
		}
	}
	if n := f.count(t, "/v1/flavors") + f.count(t, "/v1/nodes") + f.simNodes(t); n != 0 {
		t.Errorf("%d objects created", n)
	}
	if n := f.count(t, "/v1/pod_managers"); n != 1 {
		t.Errorf("%d pod managers", n)
	}
}

// TestPatchKeysAreExact: a PATCH key in another case than the field's was
// applied or ignored depending on its value; it is refused as in a POST.
func TestPatchKeysAreExact(t *testing.T) {
	f := newAPI(t)
	pm := f.createPodManager(t, "podm1")
	_, raw := f.admin(t, "POST", "/v1/flavors", `{"name":"small","description":"d","properties":{"processor":{"count":1}}}`)
	var fl api.Flavor
	json.Unmarshal(raw, &fl)
	cases := []struct{ path, body, detail string }{
		{"/v1/flavors/" + fl.UUID, `{"Name":"big"}`, `unknown field "Name"`},
		{"/v1/flavors/" + fl.UUID, `{"NAME":"big"}`, `unknown field "NAME"`},
		{"/v1/flavors/" + fl.UUID, `{"Description":null}`, `unknown field "Description"`},
		{"/v1/flavors/" + fl.UUID, `{"properties":{"processor":{"Count":4}}}`, `unknown field "properties.processor.Count"`},
		{"/v1/flavors/" + fl.UUID, `{"name":"a","name":"b"}`, "given twice"},
		{"/v1/flavors/" + fl.UUID, `{"name":"big"}}`, "more than one JSON value"},
		{"/v1/flavors/" + fl.UUID, `{"properties":{"processor":{"count":65}}}`, "processor.count"},
		{"/v1/pod_managers/" + pm.UUID, `{"Name":"other"}`, `unknown field "Name"`},
		{"/v1/pod_managers/" + pm.UUID, `{"Tls_Verify":false}`, `unknown field "Tls_Verify"`},
		{"/v1/pod_managers/" + pm.UUID, `{"authentication":[{"type":"basic","auth_items":{"Username":"x","password":"y"}}]}`, `unknown field "authentication[0].auth_items.Username"`},
		{"/v1/pod_managers/" + pm.UUID, `{"description":"a\nb"}`, "control"},
	}
	for _, c := range cases {
		resp, raw := f.admin(t, "PATCH", c.path, c.body)
		if e := checkError(t, resp, raw, 400, "BadRequest"); !strings.Contains(e.Detail, c.detail) {
			t.Errorf("PATCH %s: detail %q lacks %q", c.body, e.Detail, c.detail)
		}
	}
	_, raw = f.admin(t, "GET", "/v1/flavors/"+fl.UUID, "")
	var now api.Flavor
	json.Unmarshal(raw, &now)
	if now.Name != "small" || now.Description != "d" || now.Properties.Processor.Count != 1 || !now.UpdatedAt.Equal(fl.UpdatedAt) {
		t.Errorf("refused patches changed the flavor: %s", raw)
	}
	_, raw = f.admin(t, "GET", "/v1/pod_managers/"+pm.UUID, "")
	var pmNow api.PodManager
	json.Unmarshal(raw, &pmNow)
	if pmNow.Name != "podm1" || !pmNow.TLSVerify || pmNow.Description != "" || pmNow.Authentication[0].AuthItems.Username != stacktest.SimUser {
		t.Errorf("refused patches changed the pod manager: %s", raw)
	}
}
