package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestVersionAndBadArguments(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"--version"}, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "rsd-simulator ") {
		t.Errorf("--version: %v %q", err, out.String())
	}
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"--rsd-version", "3.0"},
		{"--model", "hpe"},
		{"--model", "dmtf", "--rsd-version", "2.2"},
		{"--dmtf-composition", "constrained"},
		{"--model", "dmtf", "--dmtf-composition", "some"},
		{"--model", "dmtf", "--fail-assembly"},
		{"--model", "dmtf", "--assemble-delay", "1s"},
		{"--model", "dmtf", "--accelerators", "GPU"},
		{"--compose-delay", "1s"},
		{"--compose-task", "1s"},
		{"--dmtf-shared-storage"},
		{"--model", "dmtf", "--compose-task", "-1s"},
		{"--error-rate", "allocate"},
		{"--error-rate", "allocate=x"},
		{"--error-rate", "fly=0.5"},
		{"--down", "sideways"},
		{"--dead-links", "memory,bios"},
		{"--accelerators", "TPU"},
		{"--absent-sockets", "-1"},
		{"--page-size", "-1"},
		{"--page-size", "10001"},
		{"--unimplemented-resets", "Nmi,Explode"},
		{"--listen", "127.0.0.1:0", "extra"},
	} {
		if err := run(args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestParseRates(t *testing.T) {
	got, err := parseRates("allocate=0.5, *=0.1")
	if err != nil || got["allocate"] != 0.5 || got["*"] != 0.1 || len(got) != 2 {
		t.Errorf("parseRates: %v %v", got, err)
	}
}

// TestServeTLSUntilSignal runs the command in-process: it must print its https URL first,
// serve with the certificate it wrote, and return nil on SIGTERM.
func TestServeTLSUntilSignal(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "cert.pem")
	url, stop := startRun(t, "--listen", "127.0.0.1:0", "--tls", "--tls-cert-out", certFile, "--systems", "3",
		"--rsd-version", "2.1")
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("first line %q", url)
	}
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(url + "/redfish/v1/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ApiVersion":"2.1.0"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	stop()
}

// TestServeDMTFModel: --model dmtf serves a composition service, not RSD's Nodes.
func TestServeDMTFModel(t *testing.T) {
	url, stop := startRun(t, "--listen", "127.0.0.1:0", "--systems", "3", "--model", "dmtf")
	resp, err := http.Get(url + "/redfish/v1/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"CompositionService"`) || strings.Contains(string(body), "Nodes") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	stop()
}

// startRun runs the command in-process with args and returns the URL it prints first, and a
// stop that sends SIGTERM and checks that run returns nil.
func startRun(t *testing.T, args ...string) (string, func()) {
	t.Helper()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(args, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return strings.TrimSpace(line), func() {
		t.Helper()
		if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run after SIGTERM: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("run did not return after SIGTERM")
		}
	}
}
