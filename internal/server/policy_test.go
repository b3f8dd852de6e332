package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/auth"
)

// loadPolicy compiles a policy file of the given YAML.
func loadPolicy(t *testing.T, yaml string) *auth.Policy {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := auth.LoadPolicy(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// valence:node:list_all_projects lets an auditor list every project's nodes
// and nothing more: every operation on one node is decided with the node's
// own project as the policy target, never the caller's.
func TestListAllProjectsWidensOnlyTheList(t *testing.T) {
	const auditor, memberA = "auditor,member,reader", "member,reader"
	for _, tc := range []struct {
		name, policy string
		// get is the status of reading project A's node as an auditor of
		// project B; act, that of changing it.
		get, act int
	}{
		{"list only", `"valence:node:list_all_projects": "role:auditor"`, 404, 404},
		{"list and get", `"valence:node:list_all_projects": "role:auditor"
"valence:node:get": "rule:admin_required or rule:project_reader or role:auditor"`, 200, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newAPIWith(t, Options{Policy: loadPolicy(t, tc.policy)})
			pm := f.createPodManager(t, "podm1")
			resp, body := f.call(t, memberA, "p-a", "POST", "/v1/nodes", `{"name":"a1","podm_id":"`+pm.UUID+`"}`)
			if resp.StatusCode != 201 {
				t.Fatalf("compose in project A: %d %s", resp.StatusCode, body)
			}
			var n api.Node
			json.Unmarshal(body, &n)
			node := "/v1/nodes/" + n.UUID
			if resp, body = f.call(t, memberA, "p-a", "PUT", node+"/states/power", `{"target":"power on"}`); resp.StatusCode != 204 {
				t.Fatalf("power on by project A: %d %s", resp.StatusCode, body)
			}

			if _, body = f.call(t, auditor, "p-b", "GET", "/v1/nodes", ""); !strings.Contains(string(body), n.UUID) {
				t.Errorf("the auditor does not list project A's node: %s", body)
			}
			for _, rq := range []struct {
				method, path, body string
				want               int
			}{
				{"GET", node, "", tc.get},
				{"GET", node + "/states", "", tc.get},
				{"GET", node + "/storages", "", tc.act}, // valence:node:list_storages is not given
				{"PUT", node + "/states/power", `{"target":"power off"}`, tc.act},
				{"PUT", node + "/management/inject_nmi", "", tc.act},
				{"POST", node + "/action", `{"Reset":{"Type":"ForceOff"}}`, tc.act},
				{"POST", node + "/action", `{"Boot":{"Enabled":"Once","Target":"Pxe"}}`, tc.act},
				{"POST", node + "/action", `{"attach":{"resource_id":"vol-1"}}`, tc.act},
				{"POST", node + "/action", `{"detach":{"resource_id":"vol-1"}}`, tc.act},
				{"DELETE", node, "", tc.act},
			} {
				resp, body := f.call(t, auditor, "p-b", rq.method, rq.path, rq.body)
				if resp.StatusCode != rq.want {
					t.Errorf("auditor of B: %s %s %s: %d, want %d: %s", rq.method, rq.path, rq.body, resp.StatusCode, rq.want, body)
				}
			}
			// A plain member of B gets nothing of it, whatever the auditor may.
			resp, body = f.call(t, memberA, "p-b", "GET", node, "")
			checkError(t, resp, body, 404, "NotFound")

			resp, body = f.call(t, memberA, "p-a", "GET", node+"/states", "")
			var st api.NodeStates
			json.Unmarshal(body, &st)
			if resp.StatusCode != 200 || st.PowerState != "On" {
				t.Errorf("project A's node after the auditor's attempts: %d %s, want it still there and On", resp.StatusCode, body)
			}
		})
	}
}
