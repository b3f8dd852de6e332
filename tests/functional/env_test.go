package functional

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valence-rsd/valence/api"
)

// Credentials of every simulator the tests start.
const (
	simUser     = "admin"
	simPassword = "secret"
)

// backend is where a valence-api keeps its records: a bolt file per server,
// or one etcd shared by the package with a key prefix per server.
type backend struct {
	name string
	etcd []string // client endpoints; nil for bolt
}

// prefixes numbers the etcd key prefixes, one per valence-api.
var prefixes atomic.Int64

// storeEnv is the VALENCE_* environment that gives a new valence-api a
// store of its own on b.
func (b backend) storeEnv(t *testing.T) []string {
	if b.etcd == nil {
		return []string{"VALENCE_STORE=bolt://" + filepath.Join(t.TempDir(), "valence.db")}
	}
	return []string{
		"VALENCE_STORE=etcd://" + strings.Join(b.etcd, ","),
		fmt.Sprintf("VALENCE_ETCD_PREFIX=/valence-functional/%d", prefixes.Add(1)),
	}
}

// apiServer is a running valence-api.
type apiServer struct {
	*client
	proc *proc
}

// startAPI starts valence-api on a free loopback port with a store of its
// own on b and the extra VALENCE_* settings in env, and waits for /readyz.
func startAPI(t *testing.T, b backend, env ...string) *apiServer {
	t.Helper()
	return runAPI(t, append(b.storeEnv(t), env...)...)
}

// runAPI starts valence-api on a free loopback port with the VALENCE_*
// settings in env, which name its store, and waits for /readyz.
func runAPI(t *testing.T, env ...string) *apiServer {
	t.Helper()
	var err error
	// The port is free when picked but may be taken before the server binds
	// it: then the server exits, and another port is tried.
	for range 3 {
		addr := freeAddr(t)
		settings := []string{"VALENCE_LISTEN=" + addr, "VALENCE_LOG_LEVEL=warn"}
		p, _ := startProc(t, "valence-api", apiBin, nil, append(settings, env...), false)
		base := "http://" + addr
		if err = waitReady(p, base+"/readyz"); err == nil {
			return &apiServer{client: newClient(base), proc: p}
		}
		p.stop(t)
	}
	t.Fatalf("valence-api: %v", err)
	return nil
}

// simulator is a running rsd-simulator.
type simulator struct {
	url  string
	proc *proc
	hc   *http.Client
}

// startSimulator starts rsd-simulator on a free loopback port with the
// test credentials and args (e.g. "--systems", "4").
func startSimulator(t *testing.T, args ...string) *simulator {
	t.Helper()
	args = append([]string{"--listen", "127.0.0.1:0", "--username", simUser, "--password", simPassword}, args...)
	p, out := startProc(t, "rsd-simulator", simBin, args, nil, true)
	url, err := firstLine(out)
	if err != nil || !strings.HasPrefix(url, "http") {
		t.Fatalf("rsd-simulator: first line %q: %v", url, err)
	}
	return &simulator{url: url, proc: p, hc: &http.Client{}}
}

// call sends a Redfish request to the simulator with its credentials and
// returns the status and body.
func (s *simulator) call(t *testing.T, method, path, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(simUser, simPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		t.Fatalf("simulator %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// nodes returns the members of the simulator's /redfish/v1/Nodes.
func (s *simulator) nodes(t *testing.T) []string { return s.members(t, "/redfish/v1/Nodes") }

// members returns the members of the simulator's collection at path, all
// its pages (Members@odata.nextLink) when it answers in pages.
func (s *simulator) members(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for page := path; page != ""; {
		if len(out) > 100_000 {
			t.Fatalf("simulator %s: more than 100,000 members", path)
		}
		var coll struct {
			Members  []api.ODataRef
			NextLink string `json:"Members@odata.nextLink"`
		}
		s.get(t, page, &coll)
		for _, m := range coll.Members {
			out = append(out, m.ODataID)
		}
		page = coll.NextLink
	}
	return out
}

// setFaults replaces the simulator's faults through its admin endpoint.
func (s *simulator) setFaults(t *testing.T, faults string) {
	t.Helper()
	status, body := s.call(t, http.MethodPut, "/admin/faults", faults)
	if status != http.StatusOK {
		t.Fatalf("simulator PUT /admin/faults %s: %d %s", faults, status, body)
	}
}

// env is one valence-api with simulators registered as its pod managers.
type env struct {
	api   *apiServer
	sims  []*simulator
	podms []api.PodManager
}

// setup describes an env: one simulator per entry of sims, started with
// those args and registered as pod managers podm1, podm2, ...; apiEnv are
// extra VALENCE_* settings.
type setup struct {
	sims   [][]string
	apiEnv []string
}

// newEnv starts the simulators and valence-api of s and registers them.
// The simulators start first so that they stop last, once valence-api has
// closed its connections to them.
func newEnv(t *testing.T, b backend, s setup) *env {
	t.Helper()
	e := &env{}
	for _, args := range s.sims {
		e.sims = append(e.sims, startSimulator(t, args...))
	}
	e.api = startAPI(t, b, s.apiEnv...)
	for i, sim := range e.sims {
		e.podms = append(e.podms, e.api.register(t, fmt.Sprintf("podm%d", i+1), sim.url))
	}
	return e
}

// podmCreate is the body that registers url under name with the test
// credentials.
func podmCreate(name, url string) api.PodManagerCreate {
	return api.PodManagerCreate{Name: name, URL: url, Authentication: []api.Authentication{
		{Type: "basic", AuthItems: api.AuthItems{Username: simUser, Password: simPassword}},
	}}
}

// register adds a pod manager and expects it Online.
func (c *client) register(t *testing.T, name, url string) api.PodManager {
	t.Helper()
	pm := decodeAs[api.PodManager](t, c.create(t, "/v1/pod_managers", podmCreate(name, url)))
	if pm.Status != api.PodManagerOnline {
		t.Fatalf("pod manager %s at %s: status %s", name, url, pm.Status)
	}
	return pm
}

// compose expects POST /v1/nodes with body to answer 201 and returns the node.
func (c *client) compose(t *testing.T, body any) api.Node {
	t.Helper()
	return decodeAs[api.Node](t, c.create(t, "/v1/nodes", body))
}

// stop stops valence-api with SIGTERM and expects it to exit 0.
func (a *apiServer) stop(t *testing.T) {
	t.Helper()
	a.proc.stop(t)
}

// statusTimeout bounds the waits for a change: of a pod manager's status (a
// read re-probes once the status is a few seconds old), or of what a
// simulator holds.
const statusTimeout = 30 * time.Second

// waitStatus polls a pod manager until its status is want.
func waitStatus(t *testing.T, c *client, pm api.PodManager, want string) {
	t.Helper()
	waitFor(t, "pod manager "+pm.Name+" to be "+want, func() bool {
		return decodeAs[api.PodManager](t, c.get(t, http.StatusOK, "/v1/pod_managers/"+pm.UUID)).Status == want
	})
}

// waitFor polls cond every 100ms for up to statusTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitWithin(t, statusTimeout, what, cond)
}

// waitWithin polls cond every 100ms for up to limit.
func waitWithin(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", limit.Round(time.Millisecond), what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
