package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startFake starts a copy of sleep named valence-api, so that the pid file
// checks take it for the server, and writes its pid file. Nothing reaps it
// until the test ends.
func startFake(t *testing.T) (pidPath string, cmd *exec.Cmd) {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep program")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "valence-api")
	data, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(bin, "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pidPath = filepath.Join(dir, "valence-api.pid")
	if err := os.WriteFile(pidPath, []byte(fmt.Sprintf("%d\n", cmd.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	return pidPath, cmd
}

// fakeServer is startFake with the process reaped as soon as it exits, as
// its parent would.
func fakeServer(t *testing.T) (pidPath string, cmd *exec.Cmd) {
	t.Helper()
	pidPath, cmd = startFake(t)
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	return pidPath, cmd
}

// TestServiceZombie: a server that exited but is not reaped yet runs no
// more.
func TestServiceZombie(t *testing.T) {
	pidPath, cmd := startFake(t)
	t.Cleanup(func() { _ = cmd.Wait() })
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for !exited(cmd.Process.Pid) {
		time.Sleep(pollInterval) // until the kernel has made it a zombie
	}
	r := run(t, nil, "service", "status", "--pid-file", pidPath)
	if r.code != ExitError || !strings.Contains(r.stderr, "has exited: stale pid file") {
		t.Errorf("status of a zombie: exit %d, %q", r.code, r.stderr)
	}
}

func TestServiceThroughPidFile(t *testing.T) {
	for _, tt := range []struct{ verb, done, signal string }{{"stop", "stopped", "SIGTERM"}, {"kill", "killed", "SIGKILL"}} {
		t.Run(tt.verb, func(t *testing.T) {
			pidPath, cmd := fakeServer(t)
			if r := run(t, nil, "service", "status", "--pid-file", pidPath); r.code != ExitOK ||
				r.stdout != fmt.Sprintf("valence-api is running (pid %d, from %s)\n", cmd.Process.Pid, pidPath) {
				t.Errorf("status: exit %d, %q %q", r.code, r.stdout, r.stderr)
			}
			r := run(t, nil, "service", tt.verb, "--pid-file", pidPath)
			if want := fmt.Sprintf("(pid %d) %s (%s)", cmd.Process.Pid, tt.done, tt.signal); r.code != ExitOK || !strings.Contains(r.stdout, want) {
				t.Errorf("%s: exit %d, stdout %q (want %q), stderr %q", tt.verb, r.code, r.stdout, want, r.stderr)
			}
			if !exited(cmd.Process.Pid) {
				t.Errorf("the process still runs after %s", tt.verb)
			}
			// Now the file is stale: nothing runs.
			for _, verb := range []string{"status", "stop", "kill"} {
				r := run(t, nil, "service", verb, "--pid-file", pidPath)
				if r.code != ExitError || !strings.Contains(r.stderr, "valence-api is not running") || !strings.Contains(r.stderr, "stale pid file") {
					t.Errorf("%s on a stale file: exit %d, stderr %q", verb, r.code, r.stderr)
				}
			}
		})
	}
	r := run(t, nil, "service", "stop", "--pid-file", filepath.Join(t.TempDir(), "none.pid"))
	if r.code != ExitError || !strings.Contains(r.stderr, "valence-api is not running: no pid file") {
		t.Errorf("no pid file: exit %d, stderr %q", r.code, r.stderr)
	}
}

// fakeSystemctl is a systemctl that logs its arguments and answers
// is-active with active's exit code.
func fakeSystemctl(t *testing.T, active int) (bin, log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "calls")
	bin = filepath.Join(dir, "systemctl")
	script := fmt.Sprintf("#!/bin/sh\necho \"$@\" >> %s\ncase \"$1\" in is-active) exit %d;; esac\nexit 0\n", log, active)
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, log
}

func TestServiceThroughSystemd(t *testing.T) {
	bin, log := fakeSystemctl(t, 0)
	withSystemctl := func(e *Env) { e.Systemctl = bin }
	r := runEnv(t, withSystemctl, "service", "stop")
	if r.code != ExitOK || r.stdout != "valence-api stopped (systemctl stop valence-api)\n" {
		t.Errorf("stop: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r = runEnv(t, withSystemctl, "service", "kill")
	if r.code != ExitOK || r.stdout != "valence-api killed (systemctl kill --signal=SIGKILL valence-api)\n" {
		t.Errorf("kill: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	calls, _ := os.ReadFile(log)
	want := "is-active --quiet valence-api\nstop valence-api\nis-active --quiet valence-api\nkill --signal=SIGKILL valence-api\n"
	if string(calls) != want {
		t.Errorf("systemctl calls:\n%s\nwant\n%s", calls, want)
	}

	// An inactive unit (or no systemd: is-active fails) falls back to the
	// default pid file, which does not exist here.
	inactive, _ := fakeSystemctl(t, 3)
	missing := filepath.Join(t.TempDir(), "none.pid")
	r = runEnv(t, func(e *Env) { e.Systemctl, e.PidFile = inactive, missing }, "service", "stop")
	if r.code != ExitError || !strings.Contains(r.stderr, "valence-api is not running: no pid file "+missing) {
		t.Errorf("inactive unit: exit %d, %q", r.code, r.stderr)
	}
	// Naming the pid file skips systemd even when the unit is active.
	r = runEnv(t, withSystemctl, "service", "status", "--pid-file", missing)
	if r.code != ExitError || !strings.Contains(r.stderr, "no pid file "+missing) {
		t.Errorf("--pid-file with systemd: exit %d, %q", r.code, r.stderr)
	}
}
