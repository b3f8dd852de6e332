package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valence-rsd/valence/internal/config"
)

func TestRunFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "valence-api ") {
		t.Errorf("--version: code %d, out %q", code, out.String())
	}
	out.Reset()
	t.Setenv("VALENCE_LOG_LEVEL", "chatty")
	if code := run(context.Background(), nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "VALENCE_LOG_LEVEL") {
		t.Errorf("bad setting: code %d, stderr %q", code, errOut.String())
	}
	if code := run(context.Background(), []string{"--bogus"}, &out, &errOut); code != 2 {
		t.Errorf("unknown flag: code %d", code)
	}
}

// The dashboard's cookie is Secure exactly when browsers use TLS: the
// server's own, or a proxy's named by an https public URL.
func TestDashboardCookieSecureUnderTLS(t *testing.T) {
	for _, tc := range []struct {
		cfg  config.Config
		want bool
	}{
		{config.Config{}, false},
		{config.Config{PublicURL: "http://valence.example:8181"}, false},
		{config.Config{PublicURL: "HTTPS://valence.example"}, true},
		{config.Config{TLSCert: "cert.pem", TLSKey: "key.pem"}, true},
	} {
		if got := dashboardOptions(tc.cfg, nil, nil).Secure; got != tc.want {
			t.Errorf("%+v: Secure %v, want %v", tc.cfg, got, tc.want)
		}
	}
}

// TestNotifySystemd runs the server as systemd's Type=notify starts it: with
// NOTIFY_SOCKET set, it says READY=1 once it listens and STOPPING=1 when
// told to stop.
func TestNotifySystemd(t *testing.T) {
	dir := t.TempDir()
	sockPath := filepath.Join(dir, "notify")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sockPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	// Only so that a server that never notifies fails instead of hanging.
	sock.SetReadDeadline(time.Now().Add(time.Minute))
	t.Setenv("NOTIFY_SOCKET", sockPath)
	t.Setenv("VALENCE_STORE", "bolt://"+filepath.Join(dir, "valence.db"))
	t.Setenv("VALENCE_LOG_LEVEL", "warn")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pidFile := filepath.Join(dir, "valence-api.pid")
	done := make(chan int, 1)
	var out, errOut bytes.Buffer
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--pid-file", pidFile}, &out, &errOut)
	}()
	read := func() string {
		buf := make([]byte, 256)
		n, err := sock.Read(buf)
		if err != nil {
			t.Fatalf("read notify socket: %v (stderr %q)", err, errOut.String())
		}
		return string(buf[:n])
	}
	if got := read(); got != "READY=1" {
		t.Fatalf("first notification %q, want READY=1", got)
	}
	// READY=1 comes only once the server listens, after the pid file.
	if _, err := os.Stat(pidFile); err != nil {
		t.Errorf("READY=1 before the pid file was written: %v", err)
	}
	cancel()
	if got := read(); got != "STOPPING=1" {
		t.Errorf("second notification %q, want STOPPING=1", got)
	}
	if code := <-done; code != 0 {
		t.Errorf("exit code %d, stderr %q", code, errOut.String())
	}
}
