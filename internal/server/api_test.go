package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/stacktest"
	"github.com/valence-rsd/valence/internal/valence"
)

// headerAuth is a test authenticator: the caller is whoever the X-Test-*
// headers say, and a request without X-Test-Roles is refused.
type headerAuth struct{}

func (headerAuth) Authenticate(_ context.Context, r *http.Request) (valence.Caller, error) {
	roles := r.Header.Get("X-Test-Roles")
	if roles == "" {
		return valence.Caller{}, valence.Errorf(valence.Unauthorized, "no test credentials")
	}
	return valence.Caller{UserName: "tester", ProjectID: r.Header.Get("X-Test-Project"), Roles: strings.Split(roles, ",")}, nil
}

func (headerAuth) Challenge() string { return `Test realm="valence"` }

// apiFixture is the whole server in-process (see stacktest).
type apiFixture struct {
	srv    *httptest.Server
	simURL string
	host   string // when set, the Host header of every request
}

func newAPI(t *testing.T) *apiFixture { return newAPIWith(t, Options{}) }

// newAPIWith is newAPI with the other options of opts (Policy, PublicURL).
func newAPIWith(t *testing.T, opts Options) *apiFixture {
	t.Helper()
	return newAPIOver(t, rsdsim.Config{Racks: 1, DrawersPerRack: 1, SystemsPerDrawer: 2}, opts)
}

// newAPIOver is newAPIWith in front of a pod manager made from sim.
func newAPIOver(t *testing.T, sim rsdsim.Config, opts Options) *apiFixture {
	t.Helper()
	st := stacktest.Start(t, sim)
	opts.Log, opts.Service, opts.Auth = zerolog.Nop(), st.Service, headerAuth{}
	srv := httptest.NewServer(New(opts))
	t.Cleanup(srv.Close)
	return &apiFixture{srv: srv, simURL: st.SimURL}
}

// call sends a request as a caller with roles in project; it returns the
// response and its body.
func (f *apiFixture) call(t *testing.T, roles, project, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if f.host != "" {
		req.Host = f.host
	}
	if roles != "" {
		req.Header.Set("X-Test-Roles", roles)
		req.Header.Set("X-Test-Project", project)
	}
	return f.send(t, req)
}

// send sends req and returns the response and its body.
func (f *apiFixture) send(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (f *apiFixture) admin(t *testing.T, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	return f.call(t, "admin,member,reader", "p-admin", method, path, body)
}

func (f *apiFixture) createPodManager(t *testing.T, name string) api.PodManager {
	t.Helper()
	resp, body := f.admin(t, "POST", "/v1/pod_managers",
		`{"name":"`+name+`","url":"`+f.simURL+`","authentication":[{"type":"basic","auth_items":{"username":"`+stacktest.SimUser+`","password":"`+stacktest.SimPassword+`"}}]}`)
	if resp.StatusCode != 201 {
		t.Fatalf("create pod manager: %d %s", resp.StatusCode, body)
	}
	var pm api.PodManager
	json.Unmarshal(body, &pm)
	return pm
}

// compose composes a node named n1 on podmID as a member of project.
func (f *apiFixture) compose(t *testing.T, project, podmID string) api.Node {
	t.Helper()
	resp, body := f.call(t, "member,reader", project, "POST", "/v1/nodes", `{"name":"n1","podm_id":"`+podmID+`","properties":{"processor":{"total_cores":1}}}`)
	if resp.StatusCode != 201 {
		t.Fatalf("member compose: %d %s", resp.StatusCode, body)
	}
	var n api.Node
	json.Unmarshal(body, &n)
	return n
}

func TestPodManagerLifecycleOverHTTP(t *testing.T) {
	f := newAPI(t)
	pm := f.createPodManager(t, "podm1")
	if pm.Status != "Online" || pm.RSDVersion == "" || pm.Authentication[0].AuthItems.Password != "******" {
		t.Errorf("created pod manager %+v", pm)
	}
	resp, body := f.admin(t, "POST", "/v1/pod_managers",
		`{"name":"podm1","url":"http://other:1","authentication":[{"type":"basic","auth_items":{"username":"a","password":"b"}}]}`)
	checkError(t, resp, body, 409, "Conflict")
	if strings.Contains(string(body), "secret") {
		t.Errorf("a password leaked: %s", body)
	}

	resp, body = f.admin(t, "PATCH", "/v1/pod_managers/"+pm.UUID, `{"description":"rack row 3","location":"DC1"}`)
	var patched api.PodManager
	json.Unmarshal(body, &patched)
	if resp.StatusCode != 200 || patched.Description != "rack row 3" || patched.Name != "podm1" || patched.Status != "Online" {
		t.Errorf("patch: %d %s", resp.StatusCode, body)
	}
	resp, body = f.admin(t, "PATCH", "/v1/pod_managers/"+pm.UUID, `{"url":"http://elsewhere"}`)
	checkError(t, resp, body, 400, "BadRequest")
	resp, body = f.admin(t, "PATCH", "/v1/pod_managers/"+pm.UUID, `{"bogus":1}`)
	if e := checkError(t, resp, body, 400, "BadRequest"); !strings.Contains(e.Detail, "bogus") {
		t.Errorf("unknown field not named: %s", e.Detail)
	}
	// Wrong credentials are recorded as such, not refused.
	resp, body = f.admin(t, "PATCH", "/v1/pod_managers/"+pm.UUID, `{"authentication":[{"type":"basic","auth_items":{"username":"admin","password":"wrong"}}]}`)
	json.Unmarshal(body, &patched)
	if resp.StatusCode != 200 || patched.Status != "AuthenticationFailed" {
		t.Errorf("patch with a wrong password: %d %s", resp.StatusCode, body)
	}

	resp, body = f.admin(t, "DELETE", "/v1/pod_managers/"+pm.UUID, "")
	var conf api.Confirmation
	json.Unmarshal(body, &conf)
	if resp.StatusCode != 200 || conf.Code != "DELETED" || conf.RequestID != resp.Header.Get(RequestIDHeader) {
		t.Errorf("delete: %d %s", resp.StatusCode, body)
	}
	resp, body = f.admin(t, "GET", "/v1/pod_managers/"+pm.UUID, "")
	checkError(t, resp, body, 404, "NotFound")
}

func TestBadBodies(t *testing.T) {
	f := newAPI(t)
	cases := []struct {
		method, path, body string
		detail             string
	}{
		{"POST", "/v1/flavors", `{"name":`, "not valid JSON"},
		{"POST", "/v1/flavors", `[1,2]`, "JSON object"},
		{"POST", "/v1/flavors", `{"name":"f","colour":"red"}`, `"colour"`},
		{"POST", "/v1/flavors", `{"name":"f","properties":{"processor":{"total_cores":"four"}}}`, "four"},
		{"POST", "/v1/flavors", `{"name":"f","properties":{"processor":{"total_cores":-2}}}`, "negative"},
		{"POST", "/v1/flavors", `{"name":"f","properties":{"local_drives":[{"type":"Tape"}]}}`, "Tape"},
		{"POST", "/v1/flavors", ``, "JSON body"},
		{"POST", "/v1/nodes/00000000-0000-4000-8000-000000000000/action", `{}`, "exactly one"},
		{"POST", "/v1/nodes/00000000-0000-4000-8000-000000000000/action", `{"Reset":{"Type":"On"},"Boot":{"Enabled":"Once","Target":"Pxe"}}`, "exactly one"},
		{"GET", "/v1/flavors?colour=red", ``, `"colour"`},
		{"GET", "/v1/nodes?limit=0", ``, "limit"},
	}
	for _, tc := range cases {
		resp, body := f.admin(t, tc.method, tc.path, tc.body)
		e := checkError(t, resp, body, 400, "BadRequest")
		if !strings.Contains(e.Detail, tc.detail) {
			t.Errorf("%s %s %s: detail %q lacks %q", tc.method, tc.path, tc.body, e.Detail, tc.detail)
		}
	}
}

func TestFlavorsOverHTTP(t *testing.T) {
	f := newAPI(t)
	// Valence's clients send numbers as strings; they are answered as numbers.
	resp, body := f.admin(t, "POST", "/v1/flavors/", `{"name":"small","properties":{"memory":{"capacity_mib":"4096","type":"DDR4"},"processor":{"total_cores":"4","model":"Intel"}}}`)
	if resp.StatusCode != 201 || !strings.Contains(string(body), `"capacity_mib":4096`) || !strings.Contains(string(body), `"total_cores":4`) {
		t.Fatalf("create flavor: %d %s", resp.StatusCode, body)
	}
	var fl api.Flavor
	json.Unmarshal(body, &fl)
	if loc := resp.Header.Get("Location"); loc != f.srv.URL+"/v1/flavors/"+fl.UUID {
		t.Errorf("Location %q", loc)
	}
	// A merge patch merges nested objects and removes what is set to null.
	resp, body = f.admin(t, "PATCH", "/v1/flavors/"+fl.UUID, `{"properties":{"memory":{"capacity_mib":8192},"processor":null}}`)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"memory":{"capacity_mib":8192,"type":"DDR4"}`) || strings.Contains(string(body), "processor") {
		t.Errorf("patch flavor: %d %s", resp.StatusCode, body)
	}
	resp, body = f.admin(t, "PATCH", "/v1/flavors/"+fl.UUID, `{"properties":{"memory":{"capacity_mib":-1}}}`)
	checkError(t, resp, body, 400, "BadRequest")

	for i := range 3 {
		f.admin(t, "POST", "/v1/flavors", `{"name":"f`+string(rune('a'+i))+`","properties":{}}`)
	}
	// Paging: two at a time, following the Link header.
	var names []string
	next := "/v1/flavors?limit=2"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		resp, body = f.admin(t, "GET", next, "")
		var page []api.Flavor
		json.Unmarshal(body, &page)
		for _, p := range page {
			names = append(names, p.Name)
		}
		next = ""
		if link := resp.Header.Get("Link"); link != "" {
			next = strings.TrimPrefix(strings.Split(strings.Trim(strings.Split(link, ";")[0], "<>"), f.srv.URL)[1], "")
		}
	}
	if len(names) != 4 {
		t.Errorf("paged through %v, want 4 flavors", names)
	}
	_, body = f.admin(t, "GET", "/v1/flavors?name=fb", "")
	if !strings.Contains(string(body), `"name":"fb"`) || strings.Count(string(body), `"uuid"`) != 1 {
		t.Errorf("filter by name: %s", body)
	}
	// A GET with Valence's {} body is fine.
	if resp, body = f.admin(t, "GET", "/v1/flavors/"+fl.UUID, `{}`); resp.StatusCode != 200 {
		t.Errorf("GET with a body: %d %s", resp.StatusCode, body)
	}
}

func TestAuthAndPolicy(t *testing.T) {
	f := newAPI(t)
	resp, body := f.call(t, "", "", "GET", "/v1/flavors", "")
	checkError(t, resp, body, 401, "Unauthorized")
	if resp.Header.Get("WWW-Authenticate") != `Test realm="valence"` {
		t.Errorf("401 without the challenge: %v", resp.Header)
	}
	// Public routes need no credentials.
	for _, p := range []string{"/", "/v1", "/healthz", "/v1/openapi.yaml", "/v1/docs"} {
		if resp, _ := f.call(t, "", "", "GET", p, ""); resp.StatusCode != 200 {
			t.Errorf("public %s: %d", p, resp.StatusCode)
		}
	}
	if resp, body = f.call(t, "reader", "p1", "GET", "/v1/flavors", ""); resp.StatusCode != 200 {
		t.Errorf("reader GET: %d %s", resp.StatusCode, body)
	}
	resp, body = f.call(t, "reader", "p1", "POST", "/v1/flavors", `{"name":"x","properties":{}}`)
	checkError(t, resp, body, 403, "Forbidden")
	resp, body = f.call(t, "member,reader", "p1", "POST", "/v1/pod_managers", `{}`)
	checkError(t, resp, body, 403, "Forbidden")
}

func TestComposeAndProjectIsolation(t *testing.T) {
	f := newAPI(t)
	pm := f.createPodManager(t, "podm1")
	n := f.compose(t, "p1", pm.UUID)
	if n.ProjectID != "p1" || n.NodeState != "Assembled" {
		t.Errorf("composed %+v", n)
	}
	// Another project's member sees nothing of it: 404, not 403.
	resp, body := f.call(t, "member,reader", "p2", "GET", "/v1/nodes/"+n.UUID, "")
	checkError(t, resp, body, 404, "NotFound")
	resp, body = f.call(t, "member,reader", "p2", "DELETE", "/v1/nodes/"+n.UUID, "")
	checkError(t, resp, body, 404, "NotFound")
	if _, body = f.call(t, "member,reader", "p2", "GET", "/v1/nodes", ""); string(body) != "[]\n" {
		t.Errorf("p2 lists %s", body)
	}
	if _, body = f.admin(t, "GET", "/v1/nodes", ""); !strings.Contains(string(body), n.UUID) {
		t.Errorf("admin does not list the node: %s", body)
	}
	resp, body = f.call(t, "reader", "p1", "PUT", "/v1/nodes/"+n.UUID+"/states/power", `{"target":"power off"}`)
	checkError(t, resp, body, 403, "Forbidden")
	if resp, body = f.call(t, "member,reader", "p1", "PUT", "/v1/nodes/"+n.UUID+"/states/power", `{"target":"power on"}`); resp.StatusCode != 204 {
		t.Errorf("member power on: %d %s", resp.StatusCode, body)
	}
	resp, body = f.call(t, "member,reader", "p1", "PUT", "/v1/nodes/"+n.UUID+"/states/power", `{"target":"warp speed"}`)
	checkError(t, resp, body, 400, "BadRequest")
	resp, body = f.admin(t, "DELETE", "/v1/pod_managers/"+pm.UUID, "")
	if e := checkError(t, resp, body, 409, "Conflict"); !strings.Contains(e.Detail, "n1") {
		t.Errorf("delete with nodes does not name them: %s", e.Detail)
	}
	if resp, body = f.admin(t, "DELETE", "/v1/pod_managers/"+pm.UUID+"?force=true", ""); resp.StatusCode != 200 {
		t.Errorf("forced delete: %d %s", resp.StatusCode, body)
	}
	if _, body = f.admin(t, "GET", "/v1/nodes", ""); string(body) != "[]\n" {
		t.Errorf("forced delete left nodes: %s", body)
	}
}

func TestInventoryPaging(t *testing.T) {
	f := newAPI(t)
	pm := f.createPodManager(t, "podm1")
	_, body := f.admin(t, "GET", "/v1/systems", "")
	var all []api.System
	json.Unmarshal(body, &all)
	if len(all) != 2 {
		t.Fatalf("want the simulator's 2 systems, got %s", body)
	}
	resp, body := f.admin(t, "GET", "/v1/systems?limit=1", "")
	var page []api.System
	json.Unmarshal(body, &page)
	want := "<" + f.srv.URL + "/v1/systems?limit=1&marker=" + all[0].UUID + `>; rel="next"`
	if len(page) != 1 || page[0].UUID != all[0].UUID || resp.Header.Get("Link") != want {
		t.Fatalf("first page %s, Link %q (want %q)", body, resp.Header.Get("Link"), want)
	}
	resp, body = f.admin(t, "GET", "/v1/systems?limit=1&marker="+all[0].UUID, "")
	json.Unmarshal(body, &page)
	if len(page) != 1 || page[0].UUID != all[1].UUID || resp.Header.Get("Link") != "" {
		t.Errorf("last page %s, Link %q", body, resp.Header.Get("Link"))
	}
	resp, body = f.admin(t, "GET", "/v1/systems?marker=nope", "")
	checkError(t, resp, body, 400, "BadRequest")
	resp, body = f.admin(t, "GET", "/v1/systems?ram=16", "")
	checkError(t, resp, body, 400, "BadRequest")
	// Valence's body form of the pod-manager filter.
	if resp, body = f.admin(t, "GET", "/v1/systems", `{"podm_id":"`+pm.UUID+`"}`); resp.StatusCode != 200 || strings.Count(string(body), `"uuid"`) != 2 {
		t.Errorf("systems for a podm_id body: %d %s", resp.StatusCode, body)
	}
	resp, body = f.admin(t, "GET", "/v1/systems?podm_id=00000000-0000-4000-8000-000000000000", "")
	checkError(t, resp, body, 404, "NotFound")
}
