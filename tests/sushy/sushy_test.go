package sushy

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// python is Debian's interpreter: the Debian package is invisible to another python3.
const python = "/usr/bin/python3"

// requireSushy skips when python3-sushy is absent, except in CI (CI=true), which installs it
// and must not pass by skipping.
func requireSushy(t *testing.T) {
	t.Helper()
	out, err := exec.Command(python, "-c", "import sushy").CombinedOutput()
	if err == nil {
		return
	}
	msg := "Debian's python3-sushy is not usable by " + python + " (" + strings.TrimSpace(string(out)) + err.Error() +
		"); install it with: apt-get install -y python3-sushy"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip("SKIPPED: " + msg)
}

func TestSushyAgainstSimulator(t *testing.T) {
	requireSushy(t)
	const systems = "12"
	runCheck(t, "check.py", systems, "--systems", systems, "--assemble-delay", "100ms")
}

// The plain Redfish mode, with an Nmi advertised and answered 501, as sushy-tools serves it.
func TestSushyAgainstPlainSimulator(t *testing.T) {
	requireSushy(t)
	const systems = "2"
	runCheck(t, "check_plain.py", systems, "--systems", systems, "--rsd-version", "none", "--unimplemented-resets", "Nmi")
}

// runCheck builds and starts rsd-simulator with args, runs the sushy script against it,
// and stops the simulator with SIGTERM, which must end it cleanly.
func runCheck(t *testing.T, script, systems string, args ...string) {
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "rsd-simulator")
	if out, err := exec.Command(gotool, "build", "-o", bin, "github.com/valence-rsd/valence/cmd/rsd-simulator").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	sim := exec.Command(bin, append([]string{"--listen", "127.0.0.1:0", "--username", "admin", "--password", "pw"}, args...)...)
	var stderr bytes.Buffer
	sim.Stderr = &stderr
	stdout, err := sim.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Process.Kill() })

	// The first line of output is the URL.
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var url string
	select {
	case url = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatalf("no URL from rsd-simulator; stderr: %s", stderr.String())
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line %q is not the URL", url)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	check := exec.CommandContext(ctx, python, script, url, "admin", "pw", systems)
	// No __pycache__ of common.py left in the source tree.
	check.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	out, err := check.CombinedOutput()
	t.Logf("%s against %s:\n%s", script, url, out)
	if err != nil || !strings.Contains(string(out), "ALL OK") {
		t.Fatalf("sushy disagrees with the simulator: %v\nsimulator stderr: %s", err, stderr.String())
	}

	// SIGTERM ends it cleanly.
	if err := sim.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sim.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v; stderr: %s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("rsd-simulator did not stop on SIGTERM")
	}
}
