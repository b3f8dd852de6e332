package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/apidoc"
	"github.com/valence-rsd/valence/internal/auth"
	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/stacktest"
)

// actionBodies choose, for an operation whose body decides the rule, a body
// that makes it check each rule, by the rule's last word (valence:node:boot,
// and alike for any other resource's actions).
var actionBodies = map[string]string{
	"power":  `{"Reset": {"Type": "On"}}`,
	"boot":   `{"Boot": {"Enabled": "Once", "Target": "Pxe"}}`,
	"attach": `{"attach": {"resource_id": "v1"}}`,
	"detach": `{"detach": {"resource_id": "v1"}}`,
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// nodePath is the path of one existing node's operations: their rules are
// checked against that node's project, so they need a node that exists.
var nodePath = regexp.MustCompile(`^/v1/nodes/\{uuid\}`)

// TestSpecPolicyRulesAreChecked proves the x-policy-rule of every operation
// of api/openapi.yaml, which the API reference shows: with that rule denied
// (and every other allowed) an admin gets a 403; with only that rule allowed
// the operation gets past the policy. So the reference cannot name a rule
// the server does not check. A node that valence:node:get denies is hidden
// (404), so that rule's denial is a 404 on the node's routes.
func TestSpecPolicyRulesAreChecked(t *testing.T) {
	specRules, err := apidoc.PolicyRules(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	var opRules []string
	for _, r := range auth.Rules() {
		if strings.HasPrefix(r.Name, "valence:") {
			opRules = append(opRules, r.Name)
		}
	}
	st := stacktest.Start(t, rsdsim.Config{Racks: 1, DrawersPerRack: 1, SystemsPerDrawer: 1})
	// serve answers with a policy that sets the rules of set to expr and
	// every other operation rule to other.
	serve := func(set map[string]bool, expr, other string) *httptest.Server {
		var b strings.Builder
		for _, r := range opRules {
			e := other
			if set[r] {
				e = expr
			}
			b.WriteString(`"` + r + `": "` + e + `"` + "\n")
		}
		file := filepath.Join(t.TempDir(), "policy.yaml")
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		policy, err := auth.LoadPolicy(file)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(New(Options{Log: zerolog.Nop(), Service: st.Service, Auth: headerAuth{}, Policy: policy}))
		t.Cleanup(srv.Close)
		return srv
	}
	f := &apiFixture{srv: serve(nil, "", "@"), simURL: st.SimURL}
	node := f.compose(t, "p-admin", f.createPodManager(t, "podm").UUID).UUID
	ops := make([]string, 0, len(specRules))
	for op := range specRules {
		ops = append(ops, op)
	}
	// Deletes last, so that the node's decompose, once allowed, leaves
	// the other operations their node.
	sort.Slice(ops, func(i, j int) bool {
		di, dj := strings.HasPrefix(ops[i], "DELETE "), strings.HasPrefix(ops[j], "DELETE ")
		return di != dj && dj || di == dj && ops[i] < ops[j]
	})
	for _, op := range ops {
		rules := specRules[op]
		method, path, _ := strings.Cut(op, " ")
		path = nodePath.ReplaceAllString(path, "/v1/nodes/"+node)
		path = pathParam.ReplaceAllString(path, "00000000-0000-4000-8000-000000000000")
		for _, rule := range rules {
			body := ""
			if strings.HasSuffix(path, "/states/power") {
				body = `{"target": "power on"}`
			}
			if len(rules) > 1 {
				if body = actionBodies[rule[strings.LastIndex(rule, ":")+1:]]; body == "" {
					t.Fatalf("%s: no body in actionBodies that makes it check %s", op, rule)
				}
			}
			want := http.StatusForbidden
			if rule == auth.RuleNodeGet && nodePath.MatchString(op[len(method)+1:]) {
				want = http.StatusNotFound
			}
			denied := serve(map[string]bool{rule: true}, "!", "@")
			if code := adminCall(t, denied, method, path, body); code != want {
				t.Errorf("%s with %s denied: %d, want %d (does the server check %s?)", op, rule, code, want, rule)
			}
			// A node's operations check valence:node:get first: it stays allowed.
			allowed := serve(map[string]bool{rule: true, auth.RuleNodeGet: true}, "@", "!")
			if code := adminCall(t, allowed, method, path, body); code == http.StatusForbidden {
				t.Errorf("%s with only %s allowed: 403 (the server checks another rule)", op, rule)
			}
		}
	}
}

// TestSpecQueryFiltersAreAccepted sends every query parameter that
// api/openapi.yaml documents for a GET, alone, with a value of its type:
// none may be refused as unknown (the reference and the guide show them).
func TestSpecQueryFiltersAreAccepted(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	st := stacktest.Start(t, rsdsim.Config{Racks: 1, DrawersPerRack: 1, SystemsPerDrawer: 1})
	srv := httptest.NewServer(New(Options{Log: zerolog.Nop(), Service: st.Service, Auth: headerAuth{}}))
	t.Cleanup(srv.Close)
	for path, item := range doc.Paths.Map() {
		op := item.Get
		if op == nil || strings.Contains(path, "{") {
			continue
		}
		for _, p := range op.Parameters {
			v := p.Value
			// A marker must name an item of the list: any made-up one is a 400.
			if v.In != "query" || v.Name == "marker" {
				continue
			}
			value := "x"
			switch s := v.Schema.Value; {
			case len(s.Enum) > 0:
				value = fmt.Sprint(s.Enum[0])
			case s.Format == "uuid":
				value = "00000000-0000-4000-8000-000000000000"
			case s.Type.Is("integer"):
				value = "1"
			}
			if adminCall(t, srv, http.MethodGet, path+"?"+url.Values{v.Name: {value}}.Encode(), "") == http.StatusBadRequest {
				t.Errorf("GET %s?%s=%s: 400, yet openapi.yaml documents the parameter", path, v.Name, value)
			}
		}
	}
}

// adminCall sends a request as an admin (headerAuth) and returns its status.
func adminCall(t *testing.T, srv *httptest.Server, method, path, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Test-Roles", "admin,member,reader")
	req.Header.Set("X-Test-Project", "p-admin")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
