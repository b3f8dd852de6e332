//go:build linux

package packaging

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// startTimeout bounds a process's start on a loaded 2-core machine.
	startTimeout = 30 * time.Second
	// stopTimeout is the unit's TimeoutStopSec.
	stopTimeout = 45 * time.Second
	// unitDir is where the .deb puts the units (Debian 12's systemd path).
	unitDir = "/lib/systemd/system"
)

// need skips the test when ok is false, or fails it under CI=true, where
// everything the test needs is installed by .ci/run.
func need(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true: %s", msg)
	}
	t.Skip(msg)
}

func hasCommand(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// moduleRoot is the directory of go.mod, two levels up from this package.
func moduleRoot(t *testing.T) string {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	return root
}

// run runs name with args and returns its combined output, failing the test
// when it does not exit 0.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// readLicense is the module's LICENSE, which each package ships.
func readLicense(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot(t), "LICENSE"))
	if err != nil || !bytes.Contains(b, []byte("Apache License")) {
		t.Fatalf("LICENSE: %v", err)
	}
	return b
}

// packages are the four files `make package` builds.
type packages struct{ apiDeb, clientDeb, apiRPM, clientRPM string }

// buildPackages runs deploy/package.sh, as `make package` does, into a
// temporary directory.
func buildPackages(t *testing.T) packages {
	root := moduleRoot(t)
	nfpm := os.Getenv("NFPM")
	if nfpm == "" {
		if _, err := os.Stat(filepath.Join(root, ".tools", "nfpm")); err == nil {
			nfpm = filepath.Join(root, ".tools", "nfpm")
		} else if p, err := exec.LookPath("nfpm"); err == nil {
			nfpm = p
		}
	}
	need(t, nfpm != "", "nfpm not found (NFPM, .tools/nfpm or PATH): `make test` and `make package` install it into .tools/")
	dist := t.TempDir()
	cmd := exec.Command(filepath.Join(root, "deploy", "package.sh"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "NFPM="+nfpm, "DIST="+dist)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("deploy/package.sh: %v\n%s", err, out)
	} else {
		t.Logf("deploy/package.sh:\n%s", out)
	}
	find := func(pattern string) string {
		m, err := filepath.Glob(filepath.Join(dist, pattern))
		if err != nil || len(m) != 1 {
			t.Fatalf("%s in %s: %v %v", pattern, dist, m, err)
		}
		return m[0]
	}
	return packages{
		apiDeb: find("valence-api_*.deb"), clientDeb: find("valence-client_*.deb"),
		apiRPM: find("valence-api-*.rpm"), clientRPM: find("valence-client-*.rpm"),
	}
}

// TestPackages builds the packages, installs the .deb on this machine and
// the .rpm into a scratch root.
func TestPackages(t *testing.T) {
	need(t, runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64", "packages are built for amd64 and arm64 only")
	need(t, os.Geteuid() == 0, "not root: installing the packages needs root (CI runs as root)")
	need(t, hasCommand("dpkg") && hasCommand("dpkg-deb"), "dpkg not found: the install test runs on Debian")
	need(t, hasCommand("rpm"), "rpm not found: apt-get install rpm (.ci/run does)")
	need(t, hasCommand("setpriv"), "setpriv not found (util-linux)")
	// The test purges the packages and recreates the valence user: on a
	// machine where they are installed for real, it runs only when told to.
	for _, pkg := range []string{"valence-api", "valence-client"} {
		out, err := exec.Command("dpkg-query", "-W", "-f", "${Status}", pkg).Output()
		if err == nil && !strings.Contains(string(out), "not-installed") && os.Getenv("CI") != "true" {
			t.Skipf("%s is on this machine (%s) and this test would purge it: run it with CI=true "+
				"to let it, or dpkg --purge it first", pkg, out)
		}
	}
	pkgs := buildPackages(t)
	t.Run("deb", func(t *testing.T) { testDeb(t, pkgs) })
	t.Run("rpm", func(t *testing.T) { testRPM(t, pkgs) })
	t.Run("rpm-scripts", func(t *testing.T) { testRPMScripts(t, pkgs) })
}

// purgeDeb removes both packages with everything they leave, and what a
// failed earlier run may have left; so the test can run again.
func purgeDeb(t *testing.T) {
	if out, err := exec.Command("dpkg", "--purge", "valence-client", "valence-api").CombinedOutput(); err != nil {
		t.Errorf("dpkg --purge: %v\n%s", err, out)
	}
	os.RemoveAll("/run/valence")
}

func testDeb(t *testing.T, pkgs packages) {
	purgeDeb(t)
	t.Cleanup(func() { purgeDeb(t) })

	run(t, "dpkg-deb", "--info", pkgs.apiDeb)
	run(t, "dpkg", "-i", pkgs.apiDeb, pkgs.clientDeb)

	// The user the preinst made.
	u, err := user.Lookup("valence")
	if err != nil {
		t.Fatalf("user valence: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if uid >= 1000 || u.HomeDir != "/var/lib/valence" {
		t.Errorf("user valence: uid %d, home %s; want a system user (uid < 1000) at /var/lib/valence", uid, u.HomeDir)
	}
	if g, err := user.LookupGroupId(u.Gid); err != nil || g.Name != "valence" {
		t.Errorf("user valence's group: %v %v", g, err)
	}
	if pw := run(t, "getent", "passwd", "valence"); !strings.HasSuffix(strings.TrimSpace(pw), ":/usr/sbin/nologin") {
		t.Errorf("user valence has a login shell: %s", pw)
	}

	// Files, modes and owners.
	for _, f := range []struct {
		path       string
		mode       os.FileMode
		uid, gid   int
		wantDir    bool
		wantConfig bool
	}{
		{path: "/usr/bin/valence-api", mode: 0o755},
		{path: "/usr/bin/rsd-simulator", mode: 0o755},
		{path: unitDir + "/valence-api.service", mode: 0o644},
		{path: unitDir + "/rsd-simulator.service", mode: 0o644},
		{path: "/etc/valence/valence-api.env", mode: 0o640, gid: gid, wantConfig: true},
		{path: "/etc/valence/policy.yaml", mode: 0o644, wantConfig: true},
		{path: "/var/lib/valence", mode: 0o750, uid: uid, gid: gid, wantDir: true},
		{path: "/usr/share/doc/valence-api/valence-api--help.txt", mode: 0o644},
		{path: "/usr/share/doc/valence-api/rsd-simulator--help.txt", mode: 0o644},
		{path: "/usr/share/doc/valence-api/operators-guide.md", mode: 0o644},
		{path: "/usr/share/doc/valence-api/api-reference.md", mode: 0o644},
		{path: "/usr/share/doc/valence-api/copyright", mode: 0o644},
		{path: "/usr/share/doc/valence-client/copyright", mode: 0o644},
		{path: "/usr/bin/valence", mode: 0o755},
		{path: "/usr/share/bash-completion/completions/valence", mode: 0o644},
		{path: "/usr/share/fish/vendor_completions.d/valence.fish", mode: 0o644},
		{path: "/usr/share/zsh/vendor-completions/_valence", mode: 0o644},
	} {
		fi, err := os.Stat(f.path)
		if err != nil {
			t.Errorf("%s: %v", f.path, err)
			continue
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode().Perm() != f.mode || fi.IsDir() != f.wantDir || int(st.Uid) != f.uid || int(st.Gid) != f.gid {
			t.Errorf("%s: %v %d:%d, want %v %d:%d (dir %v)", f.path, fi.Mode(), st.Uid, st.Gid, f.mode, f.uid, f.gid, f.wantDir)
		}
		if f.wantConfig {
			if conf := run(t, "dpkg-query", "-W", "-f", "${Conffiles}", "valence-api"); !strings.Contains(conf, f.path) {
				t.Errorf("%s is not a conffile: %s", f.path, conf)
			}
		}
	}
	license := readLicense(t)
	for _, pkg := range []string{"valence-api", "valence-client"} {
		if b, err := os.ReadFile("/usr/share/doc/" + pkg + "/copyright"); err != nil || !bytes.Equal(b, license) {
			t.Errorf("%s's copyright file is not the LICENSE (%v)", pkg, err)
		}
	}

	unitFile := unitDir + "/valence-api.service"
	need(t, hasCommand("systemd-analyze"), "systemd-analyze not found (package systemd): the units were not verified")
	for _, u := range []string{unitFile, unitDir + "/rsd-simulator.service"} {
		// verify also loads the units this one names; only what it says
		// about ours counts.
		out, err := exec.Command("systemd-analyze", "verify", u).CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, filepath.Base(u)) {
				t.Errorf("systemd-analyze verify: %s", line)
			}
		}
		if err != nil {
			t.Errorf("systemd-analyze verify %s: %v\n%s", u, err, out)
		}
		if out, err := exec.Command("systemd-analyze", "security", "--offline=true", u).CombinedOutput(); err != nil {
			t.Errorf("systemd-analyze security %s: %v\n%s", u, err, out)
		} else {
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			t.Logf("systemd-analyze security: %s", lines[len(lines)-1])
		}
	}

	unit := readUnit(t, unitFile)
	if unit["Type"][0] != "notify" || unit["User"][0] != "valence" || unit["RuntimeDirectory"][0] != "valence" {
		t.Fatalf("unit: Type %v, User %v, RuntimeDirectory %v", unit["Type"], unit["User"], unit["RuntimeDirectory"])
	}

	// An operator's edit of the settings: a free port instead of 8181.
	port := freePort(t)
	envFile := unit["EnvironmentFile"][0]
	appendFile(t, envFile, fmt.Sprintf("\n# added by the install test\nVALENCE_LISTEN=127.0.0.1:%d\n", port))

	sim := startSimulator(t, "/usr/bin/rsd-simulator")
	api := startAsUnit(t, unit, uid, gid)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	if body := httpDo(t, "GET", base+"/healthz", "", http.StatusOK); !strings.Contains(body, `"ok"`) {
		t.Errorf("/healthz: %s", body)
	}
	httpDo(t, "POST", base+"/v1/pod_managers", fmt.Sprintf(`{"name": "install-test", "url": %q,
		"authentication": [{"type": "basic", "auth_items": {"username": "admin", "password": "secret"}}]}`, sim), http.StatusCreated)

	// The pod-manager list through the installed client.
	out := run(t, "/usr/bin/valence", "--valence-api-url", base, "--os-auth-type", "none", "podmanager", "list")
	if !strings.Contains(out, "install-test") {
		t.Errorf("valence podmanager list does not name install-test:\n%s", out)
	}
	api.stop(t)

	// Removal keeps the settings and the records.
	run(t, "dpkg", "-r", "valence-client", "valence-api")
	for _, gone := range []string{"/usr/bin/valence-api", "/usr/bin/rsd-simulator", "/usr/bin/valence", unitFile} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("after dpkg -r, %s: %v", gone, err)
		}
	}
	if b, err := os.ReadFile(envFile); err != nil || !strings.Contains(string(b), "added by the install test") {
		t.Errorf("after dpkg -r, the edited %s is not kept: %v", envFile, err)
	}
	if _, err := os.Stat("/var/lib/valence/valence.db"); err != nil {
		t.Errorf("after dpkg -r, the records: %v", err)
	}

	// Purge removes them; the system user stays (Debian's policy).
	run(t, "dpkg", "--purge", "valence-client", "valence-api")
	for _, gone := range []string{"/etc/valence", "/var/lib/valence", "/usr/share/doc/valence-api", "/usr/share/doc/valence-client", "/run/valence"} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("after dpkg --purge, %s: %v", gone, err)
		}
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f", "${Status}", "valence-api").CombinedOutput(); err == nil && !strings.Contains(string(out), "not-installed") {
		t.Errorf("after dpkg --purge, valence-api: %s", out)
	}
	if _, err := user.Lookup("valence"); err != nil {
		t.Errorf("the valence user should stay after purge: %v", err)
	}
}

// readUnit returns the [Service] settings of a unit file, each key with its
// values in order.
func readUnit(t *testing.T, path string) map[string][]string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	unit := map[string][]string{}
	section := ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = line
		case section == "[Service]":
			k, v, _ := strings.Cut(line, "=")
			unit[k] = append(unit[k], v)
		}
	}
	for _, k := range []string{"Type", "User", "Group", "ExecStart", "EnvironmentFile", "RuntimeDirectory"} {
		if len(unit[k]) != 1 {
			t.Fatalf("%s: %s set %d times", path, k, len(unit[k]))
		}
	}
	return unit
}

// unitEnv is the environment systemd gives the unit's process: its PATH,
// then Environment=, then EnvironmentFile= (which wins over Environment=).
func unitEnv(t *testing.T, unit map[string][]string) []string {
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"}
	for _, v := range unit["Environment"] {
		if strings.ContainsAny(v, `"'\`) {
			t.Fatalf("Environment=%s: quoting is not handled by this test", v)
		}
		env = append(env, strings.Fields(v)...)
	}
	b, err := os.ReadFile(unit["EnvironmentFile"][0])
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.Contains(line, "=") || strings.ContainsAny(line, `"'\`) {
			t.Fatalf("%s: line %q is not KEY=value", unit["EnvironmentFile"][0], line)
		}
		env = append(env, line)
	}
	return env
}

// server is a valence-api started as its unit would be.
type server struct {
	cmd    *exec.Cmd
	notify *net.UnixConn
	log    *bytes.Buffer
	exited chan error
}

// startAsUnit starts the unit's ExecStart the way systemd would: as its
// User, with its environment, its RuntimeDirectory made for that user, and
// a NOTIFY_SOCKET on which it must say READY=1.
func startAsUnit(t *testing.T, unit map[string][]string, uid, gid int) *server {
	// RuntimeDirectory=valence: /run/valence, owned by the unit's user.
	runDir := "/run/" + unit["RuntimeDirectory"][0]
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(runDir, uid, gid); err != nil {
		t.Fatal(err)
	}
	// systemd's notify socket, which the unit's user may write to.
	sockDir, err := os.MkdirTemp("", "valence-notify-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	if err := os.Chmod(sockDir, 0o755); err != nil {
		t.Fatal(err)
	}
	sockPath := filepath.Join(sockDir, "notify")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sockPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sock.Close() })
	if err := os.Chown(sockPath, uid, gid); err != nil {
		t.Fatal(err)
	}

	exec0 := strings.Fields(unit["ExecStart"][0])
	args := append([]string{"--reuid", unit["User"][0], "--regid", unit["Group"][0], "--init-groups", "--"}, exec0...)
	cmd := exec.Command("setpriv", args...)
	cmd.Env = append(unitEnv(t, unit), "NOTIFY_SOCKET="+sockPath)
	cmd.Dir = "/"
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, notify: sock, log: &log, exited: make(chan error, 1)}
	go func() { s.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("valence-api output:\n%s", log.String())
		}
	})
	if got := s.readNotify(t, startTimeout); got != "READY=1" {
		t.Fatalf("notification %q, want READY=1", got)
	}

	// setpriv execs valence-api: the pid file names this very process, which
	// runs as the unit's user.
	pidFile := ""
	for i, a := range exec0 {
		if a == "--pid-file" && i+1 < len(exec0) {
			pidFile = exec0[i+1]
		}
	}
	if b, err := os.ReadFile(pidFile); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(cmd.Process.Pid) {
		t.Errorf("pid file %s: %q %v, want %d", pidFile, b, err, cmd.Process.Pid)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil || !strings.Contains(string(status), fmt.Sprintf("\nUid:\t%d\t", uid)) {
		t.Errorf("valence-api does not run as uid %d: %v\n%s", uid, err, status)
	}
	return s
}

// readNotify waits for the next sd_notify message, or for the process to die.
func (s *server) readNotify(t *testing.T, within time.Duration) string {
	t.Helper()
	// The deadline only turns a server that never notifies into a failure.
	s.notify.SetReadDeadline(time.Now().Add(within))
	buf := make([]byte, 512)
	n, err := s.notify.Read(buf)
	if err != nil {
		select {
		case werr := <-s.exited:
			t.Fatalf("valence-api exited (%v) without notifying:\n%s", werr, s.log)
		default:
		}
		t.Fatalf("notify socket: %v\n%s", err, s.log)
	}
	return string(buf[:n])
}

// stop does what systemctl stop does: SIGTERM, then the unit's
// RuntimeDirectory goes. The server must say STOPPING=1, exit 0 and remove
// its pid file.
func (s *server) stop(t *testing.T) {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if got := s.readNotify(t, stopTimeout); got != "STOPPING=1" {
		t.Errorf("notification %q, want STOPPING=1", got)
	}
	select {
	case err := <-s.exited:
		if err != nil {
			t.Errorf("valence-api exit: %v\n%s", err, s.log)
		}
	case <-time.After(stopTimeout):
		t.Fatalf("valence-api still running %s after SIGTERM", stopTimeout)
	}
	if _, err := os.Stat("/run/valence/valence-api.pid"); !os.IsNotExist(err) {
		t.Errorf("pid file left after exit: %v", err)
	}
	os.RemoveAll("/run/valence")
}

// startSimulator starts an rsd-simulator on a free port and returns its URL.
func startSimulator(t *testing.T, bin string) string {
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--systems", "4", "--username", "admin", "--password", "secret")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("rsd-simulator's first line: %v", err)
	}
	go io.Copy(io.Discard, out)
	url := strings.TrimSpace(line)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("rsd-simulator's first line %q is not its URL", line)
	}
	return url
}

func httpDo(t *testing.T, method, url, body string, want int) string {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: startTimeout}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, url, resp.StatusCode, want, b)
	}
	return string(b)
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func appendFile(t *testing.T, path, text string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
