// Package etcdtest starts a real etcd server (the Debian etcd-server
// package's /usr/bin/etcd) on free loopback ports for tests, so the etcd
// store is tested against the server it will meet in production.
package etcdtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Binary is the etcd executable used when none is on PATH.
const Binary = "/usr/bin/etcd"

const (
	// readyTimeout covers a cold start on a loaded 2-core machine; a start
	// takes 0.3-1.1 s there.
	readyTimeout = 20 * time.Second
	// stopTimeout is how long a SIGTERM gets before SIGKILL.
	stopTimeout = 10 * time.Second
	// attempts retries a start that lost its ports to another process
	// between our probe and etcd's bind.
	attempts = 3
)

// Start starts a single-member etcd server with a temporary data dir on
// free loopback ports, waits until it answers, and stops it in tb.Cleanup.
// It returns the client endpoints ("127.0.0.1:port"). Without an etcd
// binary the test is skipped, or failed when CI=true, since CI must run it.
// Each call starts a new server (about a second); share one per package and
// isolate tests by key prefix.
func Start(tb testing.TB) (endpoints []string) {
	tb.Helper()
	bin := binary()
	if bin == "" {
		msg := "etcdtest: no etcd binary on PATH or at " + Binary + " (apt-get install -y etcd-server)"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg + "; CI=true requires it")
		}
		tb.Skip(msg)
	}
	var err error
	for range attempts {
		var endpoint string
		if endpoint, err = start(tb, bin); err == nil {
			return []string{endpoint}
		}
	}
	tb.Fatalf("etcdtest: %v", err)
	return nil
}

// binary returns the etcd executable, or "" if there is none.
func binary() string {
	if p, err := exec.LookPath("etcd"); err == nil {
		return p
	}
	if _, err := os.Stat(Binary); err == nil {
		return Binary
	}
	return ""
}

// start runs one etcd and returns its client endpoint once it is healthy;
// on failure it has already stopped the process.
func start(tb testing.TB, bin string) (string, error) {
	tb.Helper()
	ports, err := freePorts(2)
	if err != nil {
		return "", err
	}
	client, peer := ports[0], ports[1]
	dir := tb.TempDir()
	clientURL, peerURL := "http://"+client, "http://"+peer
	cmd := exec.Command(bin,
		"--name", "etcdtest",
		"--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "etcdtest="+peerURL, "--initial-cluster-state", "new",
		"--log-level", "warn", "--logger", "zap",
	)
	cmd.Env = environ()
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = procAttr()
	if err = cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			cmd.Process.Kill()
			<-exited
		}
	}
	if err = waitHealthy(clientURL, exited); err != nil {
		stop()
		return "", fmt.Errorf("%v; etcd said:\n%s", err, log.String())
	}
	tb.Cleanup(stop)
	return client, nil
}

// waitHealthy polls etcd's /health until it reports healthy, the process
// exits, or readyTimeout passes.
func waitHealthy(clientURL string, exited <-chan struct{}) error {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		resp, err := hc.Get(clientURL + "/health")
		if err == nil {
			var body bytes.Buffer
			body.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(body.String(), `"true"`) {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("etcd exited during start-up")
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("etcd did not become healthy within %v", readyTimeout)
}

// freePorts returns n distinct loopback addresses that were free a moment
// ago; the listeners stay open until all are chosen so none repeats.
func freePorts(n int) ([]string, error) {
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}

// environ is the test's environment without ETCD_* variables, which etcd
// reads as flags: a stray ETCD_ENDPOINT from a CI env file would make it
// warn, a duplicate of a flag would make it refuse to start.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ETCD_") {
			env = append(env, kv)
		}
	}
	return env
}
