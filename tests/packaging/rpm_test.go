//go:build linux

package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// testRPM checks the .rpm files with Debian's rpm and installs them into a
// scratch root. The scriptlets are not run there (--noscripts): rpm would
// run them chrooted into a root that has no shell, getent or useradd;
// testRPMScripts runs them.
func testRPM(t *testing.T, pkgs packages) {
	t.Log("rpm: scriptlets not run here (--noscripts into a scratch --root without a shell or useradd); rpm-scripts runs them")
	scratch := t.TempDir()
	// Debian's rpm keeps its database in ~/.rpmdb unless told otherwise:
	// keep it in the scratch directory, so the test leaves nothing behind.
	db := filepath.Join(scratch, "querydb")
	rpm := func(args ...string) string { return run(t, "rpm", append([]string{"--dbpath", db}, args...)...) }

	for _, p := range []string{pkgs.apiRPM, pkgs.clientRPM} {
		if out := rpm("-K", "--nosignature", p); !strings.Contains(out, "digests OK") {
			t.Errorf("rpm -K %s: %s", p, out)
		}
	}
	info := rpm("-qip", pkgs.apiRPM)
	for _, want := range []string{"Name        : valence-api", "License     : Apache-2.0", "URL         : https://"} {
		if !strings.Contains(info, want) {
			t.Errorf("rpm -qip: no %q in\n%s", want, info)
		}
	}
	if req := rpm("-qp", "--requires", pkgs.apiRPM); !strings.Contains(req, "shadow-utils") {
		t.Errorf("rpm requires: %s", req)
	}
	if conf := rpm("-qp", "--configfiles", pkgs.apiRPM); !strings.Contains(conf, "/etc/valence/valence-api.env") || !strings.Contains(conf, "/etc/valence/policy.yaml") {
		t.Errorf("rpm config files: %s", conf)
	}
	scripts := rpm("-qp", "--scripts", pkgs.apiRPM)
	for _, want := range []string{"preinstall scriptlet", "useradd --system", "postinstall scriptlet", "preuninstall scriptlet", "postuninstall scriptlet"} {
		if !strings.Contains(scripts, want) {
			t.Errorf("rpm scripts: no %q in\n%s", want, scripts)
		}
	}
	for pkg, p := range map[string]string{"valence-api": pkgs.apiRPM, "valence-client": pkgs.clientRPM} {
		if lic := rpm("-qp", "--licensefiles", p); strings.TrimSpace(lic) != "/usr/share/licenses/"+pkg+"/LICENSE" {
			t.Errorf("rpm %s license files (%%license): %q", pkg, lic)
		}
	}
	if log := rpm("-qp", "--changelog", pkgs.apiRPM); !strings.Contains(log, "First packages") {
		t.Errorf("rpm changelog: %s", log)
	}

	root := filepath.Join(scratch, "root")
	inRoot := func(args ...string) string {
		return run(t, "rpm", append([]string{"--root", root, "--dbpath", "/var/lib/rpm"}, args...)...)
	}
	inRoot("--initdb")
	inRoot("-i", "--nodeps", "--noscripts", pkgs.apiRPM, pkgs.clientRPM)
	if out := inRoot("-q", "valence-api", "valence-client"); strings.Contains(out, "not installed") {
		t.Fatalf("rpm -q: %s", out)
	}
	for path, mode := range map[string]os.FileMode{
		"/usr/bin/valence-api":                        0o755,
		"/usr/bin/rsd-simulator":                      0o755,
		"/usr/bin/valence":                            0o755,
		"/usr/lib/systemd/system/valence-api.service": 0o644,
		"/etc/valence/valence-api.env":                0o640,
		"/etc/valence/policy.yaml":                    0o644,
		"/var/lib/valence":                            0o750 | os.ModeDir,
		"/usr/share/licenses/valence-api/LICENSE":     0o644,
		"/usr/share/licenses/valence-client/LICENSE":  0o644,
	} {
		fi, err := os.Stat(filepath.Join(root, path))
		if err != nil {
			t.Errorf("%s: %v", path, err)
		} else if fi.Mode() != mode {
			t.Errorf("%s: %v, want %v", path, fi.Mode(), mode)
		}
	}

	license := readLicense(t)
	if b, err := os.ReadFile(filepath.Join(root, "/usr/share/licenses/valence-api/LICENSE")); err != nil || !bytes.Equal(b, license) {
		t.Errorf("the rpm's license file is not the LICENSE (%v)", err)
	}

	// Erasing keeps what the operator changed (as .rpmsave) and the records.
	appendFile(t, filepath.Join(root, "/etc/valence/valence-api.env"), "VALENCE_LOG_LEVEL=debug\n")
	if err := os.WriteFile(filepath.Join(root, "/var/lib/valence/valence.db"), []byte("records"), 0o600); err != nil {
		t.Fatal(err)
	}
	inRoot("-e", "--nodeps", "--noscripts", "valence-api", "valence-client")
	for _, gone := range []string{"/usr/bin/valence-api", "/usr/bin/rsd-simulator", "/usr/lib/systemd/system/valence-api.service", "/etc/valence/policy.yaml", "/usr/share/doc/valence-api"} {
		if _, err := os.Stat(filepath.Join(root, gone)); !os.IsNotExist(err) {
			t.Errorf("after rpm -e, %s: %v", gone, err)
		}
	}
	for _, kept := range []string{"/etc/valence/valence-api.env.rpmsave", "/var/lib/valence/valence.db"} {
		if _, err := os.Stat(filepath.Join(root, kept)); err != nil {
			t.Errorf("after rpm -e, %s: %v", kept, err)
		}
	}
}

// rpmPaths are the files the valence-api .rpm installs, for the cleanup of
// a run that failed half way.
var rpmPaths = []string{
	"/usr/bin/valence-api", "/usr/bin/rsd-simulator",
	"/usr/lib/systemd/system/valence-api.service", "/usr/lib/systemd/system/rsd-simulator.service",
	"/etc/valence", "/var/lib/valence", "/usr/share/doc/valence-api", "/usr/share/doc/valence-client",
	"/usr/share/licenses/valence-api", "/usr/share/licenses/valence-client",
}

// testRPMScripts installs the .rpm files on this machine with their
// scriptlets, as rpm would on an RPM distribution, with a database of its
// own (so that nothing of Debian's dpkg or of ~/.rpmdb is touched), then
// erases them.
func testRPMScripts(t *testing.T, pkgs packages) {
	purgeDeb(t) // the .deb owns the same paths
	db := t.TempDir()
	rpm := func(args ...string) string { return run(t, "rpm", append([]string{"--dbpath", db}, args...)...) }
	cleanup := func() {
		exec.Command("rpm", "--dbpath", db, "-e", "--nodeps", "--noscripts", "valence-api", "valence-client").Run()
		for _, p := range rpmPaths {
			os.RemoveAll(p)
		}
	}
	cleanup()
	t.Cleanup(cleanup)
	// So that %pre has to make them (the .deb's user would do otherwise).
	exec.Command("userdel", "valence").Run()
	exec.Command("groupdel", "valence").Run()
	if _, err := user.Lookup("valence"); err == nil {
		t.Fatal("could not delete the user valence before the test")
	}

	rpm("-i", "--nodeps", pkgs.apiRPM, pkgs.clientRPM)
	u, err := user.Lookup("valence")
	if err != nil {
		t.Fatalf("%%pre did not make the user valence: %v", err)
	}
	for path, mode := range map[string]os.FileMode{
		"/usr/bin/valence-api":                        0o755,
		"/usr/lib/systemd/system/valence-api.service": 0o644,
		"/etc/valence/valence-api.env":                0o640,
		"/var/lib/valence":                            0o750 | os.ModeDir,
		"/usr/share/licenses/valence-api/LICENSE":     0o644,
		"/usr/share/licenses/valence-client/LICENSE":  0o644,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if fi.Mode() != mode {
			t.Errorf("%s: %v, want %v", path, fi.Mode(), mode)
		}
		if path == "/etc/valence/valence-api.env" || path == "/var/lib/valence" {
			if gid := fi.Sys().(*syscall.Stat_t).Gid; strconv.Itoa(int(gid)) != u.Gid {
				t.Errorf("%s: group %d, want valence (%s)", path, gid, u.Gid)
			}
		}
	}
	if out := run(t, "/usr/bin/valence-api", "--version"); !strings.HasPrefix(out, "valence-api v") {
		t.Errorf("valence-api --version: %s", out)
	}

	// Erase (%preun 0, %postun 0): settings changed and records stay.
	appendFile(t, "/etc/valence/valence-api.env", "VALENCE_LOG_LEVEL=debug\n")
	if err := os.WriteFile("/var/lib/valence/valence.db", []byte("records"), 0o600); err != nil {
		t.Fatal(err)
	}
	rpm("-e", "valence-api", "valence-client")
	for _, gone := range []string{"/usr/bin/valence-api", "/usr/lib/systemd/system/valence-api.service", "/etc/valence/policy.yaml"} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("after rpm -e, %s: %v", gone, err)
		}
	}
	for _, kept := range []string{"/etc/valence/valence-api.env.rpmsave", "/var/lib/valence/valence.db"} {
		if _, err := os.Stat(kept); err != nil {
			t.Errorf("after rpm -e, %s: %v", kept, err)
		}
	}
}
