package keystone

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/auth"
	"github.com/valence-rsd/valence/internal/auth/keystonetest"
	"github.com/valence-rsd/valence/internal/rsdsim"
	"github.com/valence-rsd/valence/internal/server"
	"github.com/valence-rsd/valence/internal/stacktest"
	"github.com/valence-rsd/valence/internal/ui"
)

func TestMain(m *testing.M) { os.Exit(keystonetest.Run(m)) }

// cacheTTL is the token cache's; the tests move the cache's clock past it
// rather than wait for it.
const cacheTTL = time.Minute

// env is valence-api in-process with the keystone strategy, a bolt store,
// an emulated pod manager and the dashboard.
type env struct {
	ks     *keystonetest.Keystone
	url    string
	simURL string
	clock  *keystonetest.Clock // the token cache's
}

func start(t *testing.T) *env { return startWith(t, nil) }

// startWith is start under policy (the default one when nil).
func startWith(t *testing.T, policy *auth.Policy) *env {
	t.Helper()
	ks := keystonetest.Start(t)
	svcUser := ks.NewUser(t, "service", "service")
	clk := keystonetest.NewClock(time.Now())
	authn, err := auth.New(context.Background(), auth.Config{
		Strategy: "keystone",
		Keystone: auth.KeystoneConfig{
			AuthURL: ks.URL, Username: svcUser.Name, Password: svcUser.Password,
			ProjectName: svcUser.ProjectName, CacheTTL: cacheTTL, Now: clk.Now,
		},
	}, zerolog.Nop())
	if err != nil {
		t.Fatalf("keystone authenticator: %v", err)
	}
	st := stacktest.Start(t, rsdsim.Config{Racks: 1, DrawersPerRack: 1, SystemsPerDrawer: 4})
	dash, err := ui.New(ui.Options{Strategy: "keystone", Auth: authn, Policy: policy, KeystoneURL: ks.URL, ComposeTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Options{Log: zerolog.Nop(), Service: st.Service, Auth: authn, Policy: policy, UI: dash.Handler}))
	t.Cleanup(srv.Close)
	return &env{ks: ks, url: srv.URL, simURL: st.SimURL, clock: clk}
}

// call sends a request with token (none when ""), returning status and body.
func (e *env) call(t *testing.T, token, method, path, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (e *env) want(t *testing.T, status int, token, method, path, body string) string {
	t.Helper()
	resp, got := e.call(t, token, method, path, body)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, status, got)
	}
	return got
}

func TestKeystoneRolesAndProjects(t *testing.T) {
	e := start(t)
	admin := e.ks.Token(t, e.ks.NewUser(t, "ops", "admin"))
	memberA := e.ks.Token(t, e.ks.NewUser(t, "project-a", "member"))
	memberB := e.ks.Token(t, e.ks.NewUser(t, "project-b", "member"))
	reader := e.ks.Token(t, e.ks.NewUser(t, "project-a", "reader"))

	t.Run("no token is 401 with the Keystone challenge", func(t *testing.T) {
		resp, body := e.call(t, "", "GET", "/v1/flavors", "")
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Keystone uri="`+e.ks.URL+`"` {
			t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
		}
	})
	t.Run("forged token is 401", func(t *testing.T) {
		e.want(t, 401, "gAAAAABforgedtokenforgedtokenforgedtoken", "GET", "/v1/flavors", "")
	})
	t.Run("public routes need no token", func(t *testing.T) {
		e.want(t, 200, "", "GET", "/v1", "")
	})
	t.Run("reader reads but cannot write", func(t *testing.T) {
		e.want(t, 200, reader, "GET", "/v1/flavors", "")
		e.want(t, 403, reader, "POST", "/v1/flavors", `{"name":"f","properties":{}}`)
	})

	var podmID string
	t.Run("admin manages pod managers; members may not", func(t *testing.T) {
		body := `{"name":"podm","url":"` + e.simURL + `","authentication":[{"type":"basic","auth_items":{"username":"` + stacktest.SimUser + `","password":"` + stacktest.SimPassword + `"}}]}`
		e.want(t, 403, memberA, "POST", "/v1/pod_managers", body)
		var pm api.PodManager
		json.Unmarshal([]byte(e.want(t, 201, admin, "POST", "/v1/pod_managers", body)), &pm)
		if pm.Status != "Online" {
			t.Fatalf("pod manager %+v", pm)
		}
		podmID = pm.UUID
	})

	t.Run("members compose in their project and see only its nodes", func(t *testing.T) {
		var n api.Node
		json.Unmarshal([]byte(e.want(t, 201, memberA, "POST", "/v1/nodes", `{"name":"a1","podm_id":"`+podmID+`"}`)), &n)
		e.want(t, 200, memberA, "GET", "/v1/nodes/"+n.UUID, "")
		e.want(t, 200, reader, "GET", "/v1/nodes/"+n.UUID, "")
		e.want(t, 404, memberB, "GET", "/v1/nodes/"+n.UUID, "")
		e.want(t, 404, memberB, "DELETE", "/v1/nodes/"+n.UUID, "")
		if got := e.want(t, 200, memberB, "GET", "/v1/nodes", ""); strings.Contains(got, n.UUID) {
			t.Errorf("project b lists project a's node: %s", got)
		}
		if got := e.want(t, 200, admin, "GET", "/v1/nodes", ""); !strings.Contains(got, n.UUID) {
			t.Errorf("admin does not list the node: %s", got)
		}
		e.want(t, 403, reader, "PUT", "/v1/nodes/"+n.UUID+"/states/power", `{"target":"power on"}`)
		e.want(t, 204, memberA, "PUT", "/v1/nodes/"+n.UUID+"/states/power", `{"target":"power on"}`)
		e.want(t, 200, memberA, "DELETE", "/v1/nodes/"+n.UUID, "")
	})

	t.Run("a deleted user's token stops working once the cache TTL passes", func(t *testing.T) {
		u := e.ks.NewUser(t, "project-a", "member")
		tok := e.ks.Token(t, u)
		e.want(t, 200, tok, "GET", "/v1/flavors", "")
		e.ks.DeleteUser(t, u)
		e.clock.Advance(cacheTTL - time.Nanosecond)
		e.want(t, 200, tok, "GET", "/v1/flavors", "") // still cached
		e.clock.Advance(time.Nanosecond)
		e.want(t, 401, tok, "GET", "/v1/flavors", "")
	})

	t.Run("Keystone down is 503, not 401", func(t *testing.T) {
		fresh := e.ks.Token(t, e.ks.NewUser(t, "project-a", "reader"))
		e.ks.Down(t)
		resp, body := e.call(t, fresh, "GET", "/v1/flavors", "")
		if resp.StatusCode != 503 || !strings.Contains(body, `"code":"ServiceUnavailable"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
}

// valence:node:list_all_projects given to an auditor role lets an auditor
// of project B list project A's nodes, and do nothing else to them: the
// rules of one node are checked against the node's project.
func TestKeystoneAuditorListsOnly(t *testing.T) {
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policy, []byte(`"valence:node:list_all_projects": "role:auditor"`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := auth.LoadPolicy(policy)
	if err != nil {
		t.Fatal(err)
	}
	e := startWith(t, p)
	admin := e.ks.Token(t, e.ks.NewUser(t, "ops", "admin"))
	memberA := e.ks.Token(t, e.ks.NewUser(t, "project-a", "member"))
	auditorB := e.ks.Token(t, e.ks.NewUser(t, "project-b", "auditor", "member"))

	body := `{"name":"podm","url":"` + e.simURL + `","authentication":[{"type":"basic","auth_items":{"username":"` + stacktest.SimUser + `","password":"` + stacktest.SimPassword + `"}}]}`
	var pm api.PodManager
	json.Unmarshal([]byte(e.want(t, 201, admin, "POST", "/v1/pod_managers", body)), &pm)
	var n api.Node
	json.Unmarshal([]byte(e.want(t, 201, memberA, "POST", "/v1/nodes", `{"name":"a1","podm_id":"`+pm.UUID+`"}`)), &n)
	e.want(t, 204, memberA, "PUT", "/v1/nodes/"+n.UUID+"/states/power", `{"target":"power on"}`)

	if got := e.want(t, 200, auditorB, "GET", "/v1/nodes", ""); !strings.Contains(got, n.UUID) {
		t.Errorf("the auditor does not list project A's node: %s", got)
	}
	node := "/v1/nodes/" + n.UUID
	for _, rq := range []struct{ method, path, body string }{
		{"GET", node, ""},
		{"PUT", node + "/states/power", `{"target":"power off"}`},
		{"POST", node + "/action", `{"Reset":{"Type":"ForceOff"}}`},
		{"POST", node + "/action", `{"Boot":{"Enabled":"Once","Target":"Pxe"}}`},
		{"POST", node + "/action", `{"attach":{"resource_id":"vol-1"}}`},
		{"DELETE", node, ""},
	} {
		e.want(t, 404, auditorB, rq.method, rq.path, rq.body)
	}
	if got := e.want(t, 200, memberA, "GET", node+"/states", ""); !strings.Contains(got, `"power_state":"On"`) {
		t.Errorf("project A's node after the auditor's attempts: %s", got)
	}
}
