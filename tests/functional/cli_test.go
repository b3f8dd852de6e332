package functional

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/tests/internal/procs"
)

// cliTimeout bounds one run of the valence binary (a compose included).
const cliTimeout = 2 * time.Minute

// cliResult is one run of the valence binary.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs the built CLI with args against the API at base (none when
// ""), with no OS_* or VALENCE_* of the caller and the settings in env.
func runCLI(t *testing.T, base string, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, valenceBin, args...)
	cmd.Env = slices.DeleteFunc(procs.CleanEnv(), func(kv string) bool { return strings.HasPrefix(kv, "OS_") })
	if base != "" {
		cmd.Env = append(cmd.Env, "VALENCE_URL="+base)
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("valence %s: %v", strings.Join(args, " "), err)
	}
	return cliResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// ok runs valence and stops the test unless it exits 0.
func ok(t *testing.T, base string, env []string, args ...string) string {
	t.Helper()
	r := runCLI(t, base, env, args...)
	if r.code != 0 {
		t.Fatalf("valence %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// okJSON runs valence with -f json and decodes its output into a T.
func okJSON[T any](t *testing.T, base string, env []string, args ...string) T {
	t.Helper()
	var v T
	out := ok(t, base, env, append(args, "-f", "json")...)
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("valence %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

// fails runs valence and expects exit code and every want on stderr.
func fails(t *testing.T, base string, env []string, code int, want []string, args ...string) {
	t.Helper()
	r := runCLI(t, base, env, args...)
	if r.code != code {
		t.Errorf("valence %s: exit %d, want %d\nstderr: %s", strings.Join(args, " "), r.code, code, r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("valence %s: stderr lacks %q:\n%s", strings.Join(args, " "), w, r.stderr)
		}
	}
}

// testCLI runs every command of the valence binary against valence-api
// (noauth) and the simulators, checking output and exit codes.
func testCLI(t *testing.T, b backend) {
	e := newEnv(t, b, setup{sims: [][]string{{"--systems", "2"}}})
	base := e.api.base
	sim := startSimulator(t, "--systems", "2")

	// Pod managers, with python-valenceclient's create syntax.
	pm := okJSON[api.PodManager](t, base, nil, "podmanager", "create", "cli-podm", sim.url,
		"--auth", "username="+simUser, "--auth", "password="+simPassword, "--driver", "redfishv1", "--description", "by the CLI")
	if pm.Status != api.PodManagerOnline || pm.Driver != api.DriverRSD || pm.Authentication[0].AuthItems.Password != api.RedactedPassword {
		t.Errorf("podmanager create: %+v", pm)
	}
	if got := ok(t, base, nil, "podmanager", "list", "-f", "value", "-c", "name"); !sameSet(strings.Fields(got), []string{"podm1", "cli-podm"}) {
		t.Errorf("podmanager list: %q", got)
	}
	if got := ok(t, base, nil, "podmanager", "show", "cli-podm", "-f", "value", "-c", "uuid", "-c", "status"); got != pm.UUID+"\nOnline\n" {
		t.Errorf("podmanager show by name: %q", got)
	}
	table := ok(t, base, nil, "podmanager", "list")
	for _, col := range []string{"| uuid ", "| name ", "| url ", "| driver ", "| status ", "| created_at ", "| updated_at "} {
		if !strings.Contains(table, col) {
			t.Errorf("podmanager list: no column %q:\n%s", col, table)
		}
	}
	if got := okJSON[api.PodManager](t, base, nil, "podmanager", "update", "cli-podm", "--location", "row 3"); got.Location != "row 3" {
		t.Errorf("podmanager update: %+v", got)
	}
	fails(t, base, nil, 2, []string{"--auth username=U --auth password=P are both required"},
		"podmanager", "create", "x", sim.url, "--auth", "username=admin")

	// Flavors.
	fl := okJSON[api.Flavor](t, base, nil, "flavor", "create", "small", "--cores", "2", "--memory-mib", "1024", "--local-drive", "10:SSD")
	if fl.Properties.Processor == nil || fl.Properties.Processor.TotalCores != 2 || len(fl.Properties.LocalDrives) != 1 {
		t.Errorf("flavor create: %+v", fl)
	}
	if got := okJSON[api.Flavor](t, base, nil, "flavor", "update", "small", "--memory-mib", "2048"); got.Properties.Memory.CapacityMiB != 2048 || got.Properties.Processor.TotalCores != 2 {
		t.Errorf("flavor update: %+v", got.Properties)
	}
	if got := ok(t, base, nil, "flavor", "show", fl.UUID, "-f", "yaml", "-c", "name"); got != "name: small\n" {
		t.Errorf("flavor show -f yaml: %q", got)
	}
	fails(t, base, nil, 1, []string{"(HTTP 409 Conflict)", "Request ID: req-"}, "flavor", "create", "small")

	// Nodes: compose piped adds nothing on stderr.
	r := runCLI(t, base, nil, "node", "compose", "node1", "--flavor", "small", "--podm", "cli-podm", "-f", "json")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("node compose: exit %d, stderr %q", r.code, r.stderr)
	}
	var n api.Node
	decodeJSON(t, []byte(r.stdout), &n)
	if n.Name != "node1" || n.PodmID != pm.UUID || n.NodeState != api.NodeAssembled {
		t.Errorf("node compose: %+v", n)
	}
	if got := ok(t, base, nil, "node", "list", "-f", "value", "-c", "uuid", "-c", "name"); got != n.UUID+" node1\n" {
		t.Errorf("node list: %q", got)
	}
	if got := okJSON[api.NodeDetail](t, base, nil, "node", "show", "node1"); got.UUID != n.UUID || got.PodmStatus != api.PodManagerOnline {
		t.Errorf("node show: %+v", got)
	}
	for _, args := range [][]string{
		{"node", "power", "on", "node1"}, {"node", "power", "soft-reboot", "node1"}, {"node", "power", "reboot", "node1"},
		{"node", "power", "soft-off", "node1"}, {"node", "power", "off", n.UUID},
		{"node", "inject-nmi", "node1"}, {"node", "boot", "node1", "--target", "pxe", "--continuous", "--mode", "uefi"},
	} {
		ok(t, base, nil, args...)
	}
	if got := okJSON[api.NodeStates](t, base, nil, "node", "states", "node1"); got.NodeState != api.NodeAssembled {
		t.Errorf("node states: %+v", got)
	}
	if got := okJSON[api.NodeDetail](t, base, nil, "node", "show", "node1"); got.TargetBootSource != "Pxe" {
		t.Errorf("after node boot --target pxe: boot source %q", got.TargetBootSource)
	}

	// Volumes: create, attach by names, detach; a name twice is ambiguous.
	vol := okJSON[api.Storage](t, base, nil, "storage", "create", "--podm", "cli-podm", "--size", "5", "--name", "scratch")
	ok(t, base, nil, "node", "attach", "node1", "scratch")
	if got := ok(t, base, nil, "node", "storages", "node1", "-f", "value", "-c", "id"); got != vol.ID+"\n" {
		t.Errorf("node storages after attach: %q", got)
	}
	fails(t, base, nil, 1, []string{"(HTTP 409 Conflict)"}, "storage", "delete", "scratch")
	ok(t, base, nil, "node", "detach", "node1", vol.ID)
	twin := okJSON[api.Storage](t, base, nil, "storage", "create", "--podm", "cli-podm", "--size", "1", "--name", "scratch")
	fails(t, base, nil, 1, []string{`2 volumes are named "scratch"`, vol.ID, twin.ID}, "storage", "show", "scratch")
	if got := okJSON[api.Storage](t, base, nil, "storage", "show", twin.ID); got.ID != twin.ID {
		t.Errorf("storage show: %+v", got)
	}
	ok(t, base, nil, "storage", "delete", vol.ID, twin.ID)
	if got := okJSON[[]api.Storage](t, base, nil, "storage", "list", "--podm", "cli-podm"); len(got) == 0 {
		t.Error("storage list --podm: empty")
	}

	// Systems and racks.
	systems := okJSON[[]api.System](t, base, nil, "system", "list", "--podm", "cli-podm")
	if len(systems) != 2 {
		t.Fatalf("system list --podm: %d systems", len(systems))
	}
	if got := ok(t, base, nil, "system", "show", systems[0].ID, "--podm", "cli-podm", "-f", "value", "-c", "podm_id"); got != pm.UUID+"\n" {
		t.Errorf("system show: %q", got)
	}
	// A system that no node uses is powered, booted and interrupted, as the
	// simulator itself then shows; the one node1 uses is refused, naming it.
	var free, used api.System
	for _, s := range systems {
		if s.ComposedNode == nil {
			free = s
		} else {
			used = s
		}
	}
	if free.ID == "" || used.ID == "" {
		t.Fatalf("system list: want one free and one used system: %+v", systems)
	}
	freeURI := "/redfish/v1/Systems/" + free.ID // the simulator's own path
	ok(t, base, nil, "system", "power", "on", free.ID, "--podm", "cli-podm")
	if got := sim.system(t, freeURI).PowerState; got != "On" {
		t.Errorf("after system power on: the simulator's system is %q", got)
	}
	ok(t, base, nil, "system", "boot", free.ID, "--podm", "cli-podm", "--target", "pxe", "--once")
	if got := sim.system(t, freeURI).Boot; got.BootSourceOverrideTarget != "Pxe" || got.BootSourceOverrideEnabled != "Once" {
		t.Errorf("after system boot: the simulator's boot override is %+v", got)
	}
	ok(t, base, nil, "system", "inject-nmi", free.ID, "--podm", "cli-podm")
	ok(t, base, nil, "system", "power", "off", free.ID, "--podm", "cli-podm")
	if got := sim.system(t, freeURI).PowerState; got != "Off" {
		t.Errorf("after system power off: the simulator's system is %q", got)
	}
	fails(t, base, nil, 1, []string{"(HTTP 409 Conflict)", *used.ComposedNode}, "system", "power", "off", used.ID, "--podm", "cli-podm")

	racks := okJSON[[]api.Rack](t, base, nil, "rack", "list")
	if len(racks) == 0 {
		t.Fatal("rack list: empty")
	}
	ok(t, base, nil, "rack", "show", racks[0].ID, "--podm", racks[0].PodmID)

	// Decompose.
	ok(t, base, nil, "node", "delete", "node1")
	if got := ok(t, base, nil, "node", "list", "-f", "value"); got != "" {
		t.Errorf("node list after delete: %q", got)
	}

	// Adopt a node composed on the pod manager by hand.
	if status, body := sim.call(t, http.MethodPost, "/redfish/v1/Nodes/Actions/Allocate", `{"Name":"outside"}`); status != http.StatusCreated {
		t.Fatalf("Allocate on the simulator: %d %s", status, body)
	}
	uri := sim.nodes(t)[0]
	if status, body := sim.call(t, http.MethodPost, uri+"/Actions/ComposedNode.Assemble", "{}"); status/100 != 2 {
		t.Fatalf("Assemble on the simulator: %d %s", status, body)
	}
	if got := okJSON[api.Node](t, base, nil, "node", "manage", path.Base(uri), "cli-podm"); got.Name != "outside" || got.ResourceURI != uri {
		t.Errorf("node manage: %+v", got)
	}
	fails(t, base, nil, 1, []string{"(HTTP 409 Conflict)"}, "node", "manage", path.Base(uri), "cli-podm")
	ok(t, base, nil, "node", "delete", "outside")

	// Errors.
	fails(t, base, nil, 1, []string{`no node with the name or UUID "nosuch"`}, "node", "show", "nosuch")
	fails(t, base, nil, 1, []string{"(HTTP 404 NotFound)", "Request ID: req-"}, "node", "show", unknownID)
	fails(t, base, nil, 1, []string{"(HTTP 409 Conflict)", "Request ID: req-", "\n  "},
		"node", "compose", "huge", "--podm", "cli-podm", "--cores", "16384")
	fails(t, base, nil, 2, []string{"unknown flag: --colour"}, "node", "list", "--colour", "red")
	fails(t, base, nil, 2, []string{"accepts 1 arg"}, "node", "show")
	fails(t, "http://"+freeAddr(t), nil, 1, []string{"connection refused"}, "node", "list")

	// Service documents and versions.
	if got := ok(t, base, nil, "version"); !strings.Contains(got, "client: valence ") || !strings.Contains(got, "API v1 (CURRENT)") {
		t.Errorf("version: %q", got)
	}
	for _, doc := range []string{"health", "ready"} {
		if got := ok(t, base, nil, "api", doc, "-f", "value"); got != "ok\n" {
			t.Errorf("api %s: %q", doc, got)
		}
	}
	if got := okJSON[api.V1](t, base, nil, "api", "v1"); got.ID != "v1" || len(got.Nodes) == 0 {
		t.Errorf("api v1: %+v", got)
	}
	if got := okJSON[api.Root](t, base, nil, "api", "versions"); len(got.Versions) != 1 {
		t.Errorf("api versions: %+v", got)
	}
	if got := ok(t, base, nil, "api", "openapi"); got != string(api.OpenAPI) {
		t.Error("api openapi is not api/openapi.yaml")
	}
	if got := ok(t, base, nil, "api", "docs"); got != string(api.ReferenceHTML) {
		t.Error("api docs is not api/reference.html")
	}

	// Clean up through the CLI.
	ok(t, base, nil, "flavor", "delete", "small")
	// A pod manager with a node: 409, unless --force decomposes it first.
	ok(t, base, nil, "node", "compose", "last", "--podm", "cli-podm")
	fails(t, base, nil, 1, []string{"(HTTP 409 Conflict)"}, "podmanager", "delete", "cli-podm")
	if got := ok(t, base, nil, "podmanager", "delete", "cli-podm", "--force"); got != "Deleted pod manager cli-podm\n" {
		t.Errorf("podmanager delete --force: %q", got)
	}
	if got := ok(t, base, nil, "node", "list", "-f", "value"); got != "" {
		t.Errorf("node list after podmanager delete --force: %q", got)
	}
	if got := ok(t, base, nil, "flavor", "list", "-f", "json", "--noindent"); got != "[]\n" {
		t.Errorf("flavor list after delete: %q", got)
	}
}

// testCLIBasic runs the CLI against an http_basic server: credentials from
// OS_USERNAME and OS_PASSWORD, a 401 without them, a 403 for a member.
func testCLIBasic(t *testing.T, b backend) {
	dir := t.TempDir()
	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	htpasswd := filepath.Join(dir, "htpasswd")
	users := filepath.Join(dir, "users.yaml")
	if err := os.WriteFile(htpasswd, []byte("root:"+hash("rootpass")+"\nbob:"+hash("bobpass")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(users, []byte("users:\n  root: {project_id: p1, roles: [admin]}\n  bob: {project_id: p2, roles: [member]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := startAPI(t, b, "VALENCE_AUTH_STRATEGY=http_basic", "VALENCE_HTPASSWD_FILE="+htpasswd, "VALENCE_USERS_FILE="+users)
	root := []string{"OS_USERNAME=root", "OS_PASSWORD=rootpass"}
	ok(t, a.base, root, "flavor", "create", "f1", "--cores", "1")
	if got := ok(t, a.base, root, "flavor", "list", "-f", "value", "-c", "name"); got != "f1\n" {
		t.Errorf("flavor list as root: %q", got)
	}
	// The same through --os-auth-type and flags.
	ok(t, a.base, nil, "--os-auth-type", "http_basic", "--os-username", "root", "--os-password", "rootpass", "flavor", "show", "f1")
	fails(t, a.base, nil, 1, []string{"(HTTP 401 Unauthorized)"}, "flavor", "list")
	fails(t, a.base, []string{"OS_USERNAME=root", "OS_PASSWORD=wrong"}, 1, []string{"(HTTP 401 Unauthorized)"}, "flavor", "list")
	fails(t, a.base, []string{"OS_USERNAME=bob", "OS_PASSWORD=bobpass"}, 1, []string{"(HTTP 403 Forbidden)"}, "flavor", "delete", "f1")
	fails(t, a.base, []string{"OS_AUTH_TYPE=http_basic"}, 2, []string{"http_basic needs OS_USERNAME"}, "flavor", "list")
}

// testCLIService stops and kills a real valence-api through the pid file
// it writes, and finds the pid file stale afterwards.
func testCLIService(t *testing.T, b backend) {
	for _, tc := range []struct{ verb, done string }{{"stop", "stopped (SIGTERM)"}, {"kill", "killed (SIGKILL)"}} {
		pidPath := filepath.Join(t.TempDir(), "valence-api.pid")
		addr := freeAddr(t)
		p, _ := startProc(t, "valence-api", apiBin, []string{"--pid-file", pidPath},
			append(b.storeEnv(t), "VALENCE_LISTEN="+addr, "VALENCE_LOG_LEVEL=warn"), false)
		if err := waitReady(p, "http://"+addr+"/readyz"); err != nil {
			t.Fatal(err)
		}
		pidArg := []string{"--pid-file", pidPath}
		if got := ok(t, "", nil, append([]string{"service", "status"}, pidArg...)...); !strings.Contains(got, "valence-api is running (pid ") {
			t.Errorf("service status: %q", got)
		}
		if got := ok(t, "", nil, append([]string{"service", tc.verb}, pidArg...)...); !strings.Contains(got, tc.done) {
			t.Errorf("service %s: %q", tc.verb, got)
		}
		select {
		case <-p.exited:
		case <-time.After(stopTimeout):
			t.Fatalf("valence-api still runs after service %s", tc.verb)
		}
		if tc.verb == "stop" {
			if p.err != nil {
				t.Errorf("valence-api exited with %v after service stop", p.err)
			}
			// valence-api removed its pid file at exit.
			fails(t, "", nil, 1, []string{"valence-api is not running: no pid file " + pidPath}, append([]string{"service", "stop"}, pidArg...)...)
			continue
		}
		// A killed server leaves its pid file behind: stale.
		for _, verb := range []string{"status", "stop", "kill"} {
			fails(t, "", nil, 1, []string{"valence-api is not running", "stale pid file"}, append([]string{"service", verb}, pidArg...)...)
		}
	}
}
