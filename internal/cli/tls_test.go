package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTLSSettings: --os-cacert must name a readable PEM file; --insecure
// turns verification off.
func TestTLSSettings(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		filepath.Join(dir, "missing.pem"): "no such file",
		notPEM:                            "no PEM certificate",
	} {
		r := run(t, map[string]string{"VALENCE_URL": "https://127.0.0.1:1", "OS_CACERT": file}, "flavor", "list")
		if r.code != ExitError || !strings.Contains(r.stderr, want) {
			t.Errorf("OS_CACERT=%s: exit %d, stderr %q", file, r.code, r.stderr)
		}
	}
	cfg, err := tlsConfig("", true)
	if err != nil || !cfg.InsecureSkipVerify {
		t.Errorf("--insecure: %+v, %v", cfg, err)
	}
	if cfg, _ := tlsConfig("", false); cfg.InsecureSkipVerify || cfg.RootCAs != nil {
		t.Errorf("default: %+v", cfg)
	}
}
