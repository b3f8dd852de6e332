// Package procs builds the project's commands and starts them as a user
// runs them: the pieces shared by the functional tests (tests/functional)
// and the benchmark harness (tests/bench). It knows nothing of the code
// under test, only of its binaries.
package procs

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ModuleRoot is the directory of go.mod: as `go env GOMOD` says, or two
// levels up from the working directory (a package of tests/) when the go
// command cannot tell.
func ModuleRoot() (string, error) {
	if out, err := exec.Command("go", "env", "GOMOD").Output(); err == nil {
		if gomod := strings.TrimSpace(string(out)); gomod != "" && gomod != os.DevNull {
			return filepath.Dir(gomod), nil
		}
	}
	return filepath.Abs(filepath.Join("..", ".."))
}

// Build compiles the packages (e.g. "./cmd/valence-api") into dir, from
// the module root.
func Build(dir string, pkgs ...string) error {
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	cmd := exec.Command("go", append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build in %s: %v\n%s", root, err, out)
	}
	return nil
}

// CleanEnv is this process's environment without VALENCE_* settings, so
// that a developer's own settings do not leak into the processes started.
func CleanEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "VALENCE_") })
}

// FreeAddr returns a loopback address with a port that was free a moment ago.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// FirstLine reads the first line of r within timeout, then drains the rest
// in the background (rsd-simulator prints its URL first).
func FirstLine(r io.Reader, timeout time.Duration) (string, error) {
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		br := bufio.NewReader(r)
		line, err := br.ReadString('\n')
		done <- result{strings.TrimSpace(line), err}
		_, _ = io.Copy(io.Discard, br)
	}()
	select {
	case res := <-done:
		return res.line, res.err
	case <-time.After(timeout):
		return "", errors.New("no output within " + timeout.String())
	}
}

// WaitReady polls url until it answers 200, exited reports the process
// gone (with why), or timeout passes.
func WaitReady(url string, timeout time.Duration, exited func() error) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if err := exited(); err != nil {
			return err
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	return errors.New("not ready within " + timeout.String())
}
