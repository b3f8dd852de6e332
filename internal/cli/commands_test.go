package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	podmUUID   = "11111111-1111-4111-8111-111111111111"
	flavorUUID = "22222222-2222-4222-8222-222222222222"
	nodeUUID   = "33333333-3333-4333-8333-333333333333"
	node2UUID  = "44444444-4444-4444-8444-444444444444"
	volUUID    = "55555555-5555-4555-8555-555555555555"
)

// inventory is a fake API with one pod manager, flavor, node and volume,
// each findable by name.
func inventory(t *testing.T) *fakeAPI {
	return newFakeAPI(t, map[string]answer{
		"GET /v1/pod_managers":                                 {200, `[{"uuid":"` + podmUUID + `","name":"podm1"}]`, nil},
		"POST /v1/pod_managers":                                {201, `{"uuid":"` + podmUUID + `","name":"podm1","status":"Online"}`, nil},
		"DELETE /v1/pod_managers/" + podmUUID:                  {200, `{"code":"DELETED","detail":"deleted","request_id":"req-x"}`, nil},
		"PATCH /v1/pod_managers/" + podmUUID:                   {200, `{"uuid":"` + podmUUID + `","name":"podm2"}`, nil},
		"GET /v1/pod_managers/" + podmUUID + "/capacity":       {200, `{"podm_id":"` + podmUUID + `","unit":"system","warnings":[]}`, nil},
		"GET /v1/flavors":                                      {200, `[{"uuid":"` + flavorUUID + `","name":"small"}]`, nil},
		"POST /v1/flavors":                                     {201, `{"uuid":"` + flavorUUID + `","name":"small"}`, nil},
		"DELETE /v1/flavors/" + flavorUUID:                     {200, `{"code":"DELETED","detail":"deleted","request_id":"req-x"}`, nil},
		"PATCH /v1/flavors/" + flavorUUID:                      {200, `{"uuid":"` + flavorUUID + `","name":"small"}`, nil},
		"GET /v1/nodes":                                        {200, `[{"uuid":"` + nodeUUID + `","name":"node1"}]`, nil},
		"POST /v1/nodes/manage":                                {201, `{"uuid":"` + node2UUID + `","name":"adopted"}`, nil},
		"POST /v1/nodes":                                       {201, `{"uuid":"` + nodeUUID + `","name":"node1","node_state":"Assembled"}`, nil},
		"POST /v1/nodes/" + nodeUUID + "/action":               {204, ``, nil},
		"PUT /v1/nodes/" + nodeUUID + "/states/power":          {204, ``, nil},
		"PUT /v1/nodes/" + nodeUUID + "/management/inject_nmi": {204, ``, nil},
		"POST /v1/systems/System1/action":                      {204, ``, nil},
		"PUT /v1/systems/System1/states/power":                 {204, ``, nil},
		"PUT /v1/systems/System1/management/inject_nmi":        {204, ``, nil},
		"GET /v1/storages":                                     {200, `[{"id":"` + volUUID + `","name":"vol1"}]`, nil},
		"POST /v1/storages":                                    {201, `{"id":"` + volUUID + `","name":"vol1"}`, nil},
	})
}

func urlVars(f *fakeAPI) map[string]string { return map[string]string{"VALENCE_URL": f.URL} }

func TestRequestBodies(t *testing.T) {
	f := inventory(t)
	dir := t.TempDir()
	props := filepath.Join(dir, "props.json")
	if err := os.WriteFile(props, []byte(`{"processor":{"total_cores":"2","model":"Xeon"},"memory":{"capacity_mib":1024}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		args         []string
		method, path string
		body, query  string
	}{
		{"podmanager create, python-valenceclient's syntax",
			[]string{"podmanager", "create", "podm1", "http://podm:8443", "--auth", "username=admin", "--auth", "password=secret", "--driver", "redfishv1", "--insecure"},
			"POST", "/v1/pod_managers",
			`{"name":"podm1","url":"http://podm:8443","driver":"redfishv1","tls_verify":false,"authentication":[{"type":"basic","auth_items":{"username":"admin","password":"secret"}}]}`, ""},
		{"podmanager update by name",
			[]string{"podmanager", "update", "podm1", "--name", "podm2", "--tls-verify"},
			"PATCH", "/v1/pod_managers/" + podmUUID, `{"name":"podm2","tls_verify":true}`, ""},
		{"podmanager capacity by name",
			[]string{"podmanager", "capacity", "podm1"}, "GET", "/v1/pod_managers/" + podmUUID + "/capacity", "", ""},
		{"podmanager delete --force",
			[]string{"podmanager", "delete", "podm1", "--force"}, "DELETE", "/v1/pod_managers/" + podmUUID, "", "force=true"},
		{"flavor create with every requirement flag",
			[]string{"flavor", "create", "big", "--cores", "8", "--cpu-count", "2", "--cpu-model", "Xeon", "--instruction-set", "x86-64",
				"--memory-mib", "16384", "--memory-type", "DDR4", "--local-drive", "100:SSD:NVMe", "--local-drive", "200",
				"--remote-drive", "50:iSCSI", "--network", "10000:42", "--tpm", "--txt=false", "--pci-device", "GPU", "--description", "d"},
			"POST", "/v1/flavors",
			`{"name":"big","description":"d","properties":{"processor":{"total_cores":8,"model":"Xeon","instruction_set":"x86-64","count":2},
			"memory":{"capacity_mib":16384,"type":"DDR4"},"local_drives":[{"capacity_gib":100,"type":"SSD","interface":"NVMe"},{"capacity_gib":200}],
			"remote_drives":[{"capacity_gib":50,"protocol":"iSCSI"}],"network":[{"speed_mbps":10000,"vlan":42}],
			"security":{"tpm":true,"txt":false},"pci_device":{"type":["GPU"]}}}`, ""},
		{"flavor create from a file, flags override",
			[]string{"flavor", "create", "f", "--properties-file", props, "--cores", "4"},
			"POST", "/v1/flavors", `{"name":"f","properties":{"processor":{"total_cores":4,"model":"Xeon"},"memory":{"capacity_mib":1024}}}`, ""},
		{"flavor update merges properties",
			[]string{"flavor", "update", "small", "--memory-mib", "2048"},
			"PATCH", "/v1/flavors/" + flavorUUID, `{"properties":{"memory":{"capacity_mib":2048}}}`, ""},
		{"node compose from a flavor on a pod manager, by names",
			[]string{"node", "compose", "node1", "--flavor", "small", "--podm", "podm1"},
			"POST", "/v1/nodes", `{"name":"node1","podm_id":"` + podmUUID + `","flavor_id":"` + flavorUUID + `"}`, ""},
		{"node compose with requirements",
			[]string{"node", "compose", "node1", "--cores", "2"},
			"POST", "/v1/nodes", `{"name":"node1","properties":{"processor":{"total_cores":2}}}`, ""},
		{"node manage by pod manager name", []string{"node", "manage", "3", "podm1"},
			"POST", "/v1/nodes/manage", `{"node_index":"3","podm_id":"` + podmUUID + `"}`, ""},
		{"node power soft-off", []string{"node", "power", "soft-off", "node1"},
			"PUT", "/v1/nodes/" + nodeUUID + "/states/power", `{"target":"soft power off"}`, ""},
		{"node power reboot", []string{"node", "power", "reboot", nodeUUID},
			"PUT", "/v1/nodes/" + nodeUUID + "/states/power", `{"target":"rebooting"}`, ""},
		{"node inject-nmi", []string{"node", "inject-nmi", "node1"},
			"PUT", "/v1/nodes/" + nodeUUID + "/management/inject_nmi", `{}`, ""},
		{"node boot", []string{"node", "boot", "node1", "--target", "pxe", "--continuous", "--mode", "uefi"},
			"POST", "/v1/nodes/" + nodeUUID + "/action", `{"Boot":{"Enabled":"Continuous","Target":"Pxe","Mode":"UEFI"}}`, ""},
		{"node attach by names", []string{"node", "attach", "node1", "vol1"},
			"POST", "/v1/nodes/" + nodeUUID + "/action", `{"attach":{"resource_id":"` + volUUID + `"}}`, ""},
		{"node detach", []string{"node", "detach", "node1", volUUID},
			"POST", "/v1/nodes/" + nodeUUID + "/action", `{"detach":{"resource_id":"` + volUUID + `"}}`, ""},
		{"system power on a pod manager's", []string{"system", "power", "on", "System1", "--podm", "podm1"},
			"PUT", "/v1/systems/System1/states/power", `{"target":"power on"}`, "podm_id=" + podmUUID},
		{"system boot", []string{"system", "boot", "System1", "--target", "hdd"},
			"POST", "/v1/systems/System1/action", `{"Boot":{"Enabled":"Once","Target":"Hdd"}}`, ""},
		{"system inject-nmi", []string{"system", "inject-nmi", "System1"},
			"PUT", "/v1/systems/System1/management/inject_nmi", `{}`, ""},
		{"storage create", []string{"storage", "create", "--podm", "podm1", "--size", "10", "--name", "v", "--source", "vol1"},
			"POST", "/v1/storages", `{"podm_id":"` + podmUUID + `","capacity_gib":10,"name":"v","source":"` + volUUID + `"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, urlVars(f), tt.args...)
			if r.code != ExitOK {
				t.Fatalf("exit %d; stderr: %s", r.code, r.stderr)
			}
			got := f.last(t, tt.method, tt.path)
			if tt.body != "" {
				sameJSON(t, got.body, tt.body)
			}
			if got.query != tt.query {
				t.Errorf("query %q, want %q", got.query, tt.query)
			}
		})
	}
}

// TestUsageErrors: mistakes in the command line exit 2 and send nothing.
func TestUsageErrors(t *testing.T) {
	f := inventory(t)
	for _, args := range [][]string{
		{"podmanager", "create", "p", "http://x", "--auth", "username=u"}, // no password
		{"podmanager", "create", "p", "http://x", "--auth", "user"},
		{"podmanager", "create", "p"},
		{"node", "show", "--bad-flag", "x"},
		{"node", "frobnicate"},
		{"nosuchcommand"},
		{"node", "list", "-f", "xml"},
		{"node", "list", "-c", "colour"},
		{"node", "boot", "node1"}, // --target is required
		{"node", "boot", "node1", "--target", "floppy"},
		{"node", "boot", "node1", "--target", "pxe", "--once", "--continuous"},
		{"node", "compose", "n", "--flavor", "small", "--cores", "2"},
		{"flavor", "create", "f", "--local-drive", "big:SSD"},
		{"flavor", "create", "f", "--network", "10:x"},
		{"flavor", "update", "small"},
		{"storage", "create", "--podm", "podm1"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			f.mu.Lock()
			before := countWrites(f.requests)
			f.mu.Unlock()
			r := run(t, urlVars(f), args...)
			if r.code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr: %s", r.code, ExitUsage, r.stderr)
			}
			if !strings.HasPrefix(r.stderr, "Error: ") {
				t.Errorf("stderr %q does not start with Error:", r.stderr)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if countWrites(f.requests) != before {
				t.Errorf("a usage error sent a request that changes something: %+v", f.requests[len(f.requests)-1])
			}
		})
	}
}

func countWrites(reqs []seen) int {
	n := 0
	for _, r := range reqs {
		if r.method != "GET" {
			n++
		}
	}
	return n
}

// TestAPIErrors: an API error exits 1 with its detail, extended_info and
// request id on stderr.
func TestAPIErrors(t *testing.T) {
	f := newFakeAPI(t, map[string]answer{
		"GET /v1/nodes": {200, `[{"uuid":"` + nodeUUID + `","name":"twin"},{"uuid":"` + node2UUID + `","name":"twin"}]`, nil},
		"POST /v1/nodes": {409, `{"code":"Conflict","title":"Conflict","detail":"no pod manager can compose it","status":409,
			"request_id":"req-1234","extended_info":["podm1: no resources","podm2: offline"]}`, nil},
		"GET /v1/pod_managers": {200, `[]`, nil},
	})
	r := run(t, urlVars(f), "node", "compose", "n1", "--cores", "64")
	if r.code != ExitError {
		t.Fatalf("exit %d, want 1", r.code)
	}
	for _, want := range []string{"no pod manager can compose it (HTTP 409 Conflict)", "podm1: no resources", "podm2: offline", "Request ID: req-fake"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.stdout != "" {
		t.Errorf("stdout: %q", r.stdout)
	}

	r = run(t, urlVars(f), "node", "show", "twin")
	if r.code != ExitError || !strings.Contains(r.stderr, "2 nodes are named \"twin\": "+nodeUUID+", "+node2UUID) {
		t.Errorf("ambiguous name: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, urlVars(f), "podmanager", "show", "nope")
	if r.code != ExitError || !strings.Contains(r.stderr, `no pod manager with the name or UUID "nope"`) {
		t.Errorf("unknown name: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, urlVars(f), "flavor", "show", flavorUUID)
	if r.code != ExitError || !strings.Contains(r.stderr, "(HTTP 404 NotFound)") {
		t.Errorf("unknown uuid: exit %d, stderr %q", r.code, r.stderr)
	}

	// A server that is down.
	f.Close()
	r = run(t, urlVars(f), "node", "list")
	if r.code != ExitError || !strings.Contains(r.stderr, "connection refused") {
		t.Errorf("server down: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestAuthentication: the credentials each setting sends.
func TestAuthentication(t *testing.T) {
	f := newFakeAPI(t, map[string]answer{"GET /v1/flavors": {200, `[]`, nil}})
	tests := []struct {
		name  string
		vars  map[string]string
		check func(seen) bool
	}{
		{"none", map[string]string{}, func(s seen) bool { return s.header.Get("Authorization") == "" && s.header.Get("X-Auth-Token") == "" }},
		{"OS_AUTH_TYPE=none wins", map[string]string{"OS_AUTH_TYPE": "none", "OS_USERNAME": "u", "OS_PASSWORD": "p"},
			func(s seen) bool { return s.header.Get("Authorization") == "" }},
		{"user and password without Keystone: http_basic", map[string]string{"OS_USERNAME": "u", "OS_PASSWORD": "p"},
			func(s seen) bool { u, p, ok := (&httpReq{s}).basic(); return ok && u == "u" && p == "p" }},
		{"a token", map[string]string{"OS_TOKEN": "tok"}, func(s seen) bool { return s.header.Get("X-Auth-Token") == "tok" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.vars["VALENCE_URL"] = f.URL
			r := run(t, tt.vars, "flavor", "list")
			if r.code != ExitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if got := f.last(t, "GET", "/v1/flavors"); !tt.check(got) {
				t.Errorf("headers %v", got.header)
			}
		})
	}
	for _, vars := range []map[string]string{
		{"OS_AUTH_TYPE": "http_basic"},
		{"OS_AUTH_TYPE": "password", "OS_USERNAME": "u", "OS_PASSWORD": "p"}, // no OS_AUTH_URL
		{"OS_AUTH_TYPE": "token"},
		{"OS_AUTH_TYPE": "kerberos"},
	} {
		vars["VALENCE_URL"] = f.URL
		if r := run(t, vars, "flavor", "list"); r.code != ExitUsage {
			t.Errorf("%v: exit %d, want %d: %s", vars, r.code, ExitUsage, r.stderr)
		}
	}
	// --help shows no secret of the environment.
	if r := run(t, map[string]string{"OS_PASSWORD": "hunter2", "OS_TOKEN": "tok-secret"}, "--help"); r.code != ExitOK ||
		strings.Contains(r.stdout, "hunter2") || strings.Contains(r.stdout, "tok-secret") {
		t.Errorf("--help: exit %d, shows a secret:\n%s", r.code, r.stdout)
	}
	// The old client's flags.
	if r := run(t, nil, "--valence-api-url", f.URL, "--valence-auth-type", "none", "flavor", "list"); r.code != ExitOK {
		t.Errorf("--valence-api-url: exit %d: %s", r.code, r.stderr)
	}
}

// httpReq reads basic credentials off a recorded request.
type httpReq struct{ s seen }

func (h *httpReq) basic() (string, string, bool) {
	req := &http.Request{Header: h.s.header}
	return req.BasicAuth()
}

// TestComposeProgress: on a terminal, compose shows what runs and how
// long; piped, stderr stays empty.
func TestComposeProgress(t *testing.T) {
	f := inventory(t)
	r := run(t, urlVars(f), "node", "compose", "node1")
	if r.code != ExitOK || r.stderr != "" {
		t.Errorf("piped: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runEnv(t, func(e *Env) {
		e.Getenv = func(k string) string { return urlVars(f)[k] }
		e.Terminal = func(io.Writer) (bool, int) { return true, 80 }
	}, "node", "compose", "node1")
	if r.code != ExitOK || !strings.Contains(r.stderr, "composing node1… 0s") || !strings.Contains(r.stderr, "composing node1: done in") {
		t.Errorf("terminal: exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "Assembled") {
		t.Errorf("the result is not on stdout: %q", r.stdout)
	}
}

// TestCompletion: the scripts the packages install come from valence
// completion.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{"bash": "__start_valence", "zsh": "#compdef valence", "fish": "complete -c valence"} {
		r := run(t, nil, "completion", shell)
		if r.code != ExitOK || !strings.Contains(r.stdout, want) {
			t.Errorf("completion %s: exit %d, no %q in %d bytes; stderr %q", shell, r.code, want, len(r.stdout), r.stderr)
		}
	}
	if r := run(t, nil, "completion", "tcsh"); r.code != ExitUsage {
		t.Errorf("completion tcsh: exit %d, want %d", r.code, ExitUsage)
	}
}

// TestDeleteSeveral: every named object is tried; one failure fails the
// command, after the others were deleted.
func TestDeleteSeveral(t *testing.T) {
	f := inventory(t)
	r := run(t, urlVars(f), "flavor", "delete", "nosuch", "small")
	if r.code != ExitError || r.stdout != "Deleted flavor small\n" ||
		!strings.Contains(r.stderr, `flavor nosuch: no flavor with the name or UUID "nosuch"`) ||
		!strings.Contains(r.stderr, "1 of 2 flavors failed to delete") {
		t.Errorf("exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
	f.last(t, "DELETE", "/v1/flavors/"+flavorUUID)
}

// TestTimeout: --timeout bounds a command.
func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	r := run(t, map[string]string{"VALENCE_URL": srv.URL}, "--timeout", "50ms", "node", "list")
	if r.code != ExitError || !strings.Contains(r.stderr, "context deadline exceeded") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
