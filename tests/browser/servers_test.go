package browser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/valence-rsd/valence/api"

	"github.com/valence-rsd/valence/tests/internal/procs"
)

const (
	// startTimeout bounds a process's start on a loaded 2-core machine.
	startTimeout = 30 * time.Second
	// stopTimeout is how long a SIGTERM gets before SIGKILL.
	stopTimeout = 15 * time.Second
	// Credentials of every simulator the tests start.
	simUser     = "admin"
	simPassword = "secret"
	// maxBody caps what a test reads of one answer.
	maxBody = 8 << 20
)

// start starts a process for the test, stops it in t.Cleanup (failing the
// test if it does not stop cleanly) and prints its log when the test fails.
func start(t *testing.T, name, bin string, args, env []string, stdout bool) (*procs.Proc, io.ReadCloser) {
	t.Helper()
	p, out, err := procs.Start(name, bin, args, env, filepath.Join(t.TempDir(), name+".log"), stdout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(stopTimeout); err != nil {
			t.Error(err)
		}
		if out != nil {
			out.Close()
		}
		if t.Failed() {
			b, _ := os.ReadFile(p.LogFile)
			t.Logf("%s output:\n%s", name, b)
		}
	})
	return p, out
}

// simulator is a running rsd-simulator.
type simulator struct{ url string }

// startSimulator starts rsd-simulator on a free loopback port with the
// test credentials and args (e.g. "--systems", "4").
func startSimulator(t *testing.T, args ...string) *simulator {
	t.Helper()
	args = append([]string{"--listen", "127.0.0.1:0", "--username", simUser, "--password", simPassword}, args...)
	_, out := start(t, "rsd-simulator", simBin, args, nil, true)
	url, err := procs.FirstLine(out, startTimeout)
	if err != nil || !strings.HasPrefix(url, "http") {
		t.Fatalf("rsd-simulator: first line %q: %v", url, err)
	}
	return &simulator{url: url}
}

// startAPI starts valence-api on a free loopback port with a bolt store of
// its own and the VALENCE_* settings in env, waits for /readyz and returns
// its base URL.
func startAPI(t *testing.T, env ...string) string {
	t.Helper()
	var err error
	// The port is free when picked but may be taken before the server binds
	// it: then the server exits, and another port is tried.
	for range 3 {
		var addr string
		if addr, err = procs.FreeAddr(); err != nil {
			t.Fatal(err)
		}
		settings := []string{"VALENCE_LISTEN=" + addr, "VALENCE_LOG_LEVEL=warn",
			"VALENCE_STORE=bolt://" + filepath.Join(t.TempDir(), "valence.db")}
		p, _ := start(t, "valence-api", apiBin, nil, append(settings, env...), false)
		base := "http://" + addr
		if err = procs.WaitReady(base+"/readyz", startTimeout, p.Exited); err == nil {
			return base
		}
		_ = p.Stop(stopTimeout)
	}
	t.Fatalf("valence-api: %v", err)
	return ""
}

// user is an http_basic user of a test server.
type user struct {
	name, password, project string
	roles                   []string
}

// basicAuthEnv writes the htpasswd and users files of users and returns
// the settings that run valence-api with http_basic over them.
func basicAuthEnv(t *testing.T, users ...user) []string {
	t.Helper()
	var htpasswd, yaml strings.Builder
	yaml.WriteString("users:\n")
	for _, u := range users {
		hash, err := bcrypt.GenerateFromPassword([]byte(u.password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&htpasswd, "%s:%s\n", u.name, hash)
		fmt.Fprintf(&yaml, "  %s: {project_id: %s, roles: [%s]}\n", u.name, u.project, strings.Join(u.roles, ", "))
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	return []string{"VALENCE_AUTH_STRATEGY=http_basic",
		"VALENCE_HTPASSWD_FILE=" + write("htpasswd", htpasswd.String()),
		"VALENCE_USERS_FILE=" + write("users.yaml", yaml.String())}
}

// apiCall sends a v1 request to base as u (none under noauth: nil) and
// returns the status and body.
func apiCall(t *testing.T, base string, u *user, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if u != nil {
		req.SetBasicAuth(u.name, u.password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// apiGet GETs a v1 path as u, expects 200 and decodes the answer into v.
func apiGet(t *testing.T, base string, u *user, path string, v any) {
	t.Helper()
	status, b := apiCall(t, base, u, http.MethodGet, path, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, b)
	}
	decode(t, b, v)
}

// decode decodes a JSON answer into v.
func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %T: %v: %.500s", v, err, b)
	}
}

// redfish GETs a Redfish path (or URL) of the simulator with its
// credentials and decodes the answer into v.
func (s *simulator) redfish(t *testing.T, path string, v any) {
	t.Helper()
	if i := strings.Index(path, "/redfish/"); i > 0 {
		path = path[i:]
	}
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(simUser, simPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("simulator GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("simulator GET %s: %d %v %.300s", path, resp.StatusCode, err, b)
	}
	decode(t, b, v)
}

// powerState is the PowerState of a node on the simulator.
func (s *simulator) powerState(t *testing.T, nodeURI string) string {
	t.Helper()
	var n struct{ PowerState string }
	s.redfish(t, nodeURI, &n)
	return n.PowerState
}

// nodes are the members of the simulator's /redfish/v1/Nodes.
func (s *simulator) nodes(t *testing.T) []string {
	t.Helper()
	var coll struct{ Members []api.ODataRef }
	s.redfish(t, "/redfish/v1/Nodes", &coll)
	var out []string
	for _, m := range coll.Members {
		out = append(out, m.ODataID)
	}
	return out
}

// setFaults replaces the simulator's faults through its admin endpoint
// (e.g. {"down":"hang"} holds every Redfish request until they change).
func (s *simulator) setFaults(t *testing.T, faults string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, s.url+"/admin/faults", strings.NewReader(faults))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("simulator PUT /admin/faults: %v", err)
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("simulator PUT /admin/faults %s: %d %s", faults, resp.StatusCode, b)
	}
}
