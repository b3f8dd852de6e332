package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// versions runs deploy/version.sh on a given `git describe` output.
func versions(t *testing.T, describe string) map[string]string {
	t.Helper()
	cmd := exec.Command(filepath.Join(moduleRoot(t), "deploy", "version.sh"))
	cmd.Env = append(os.Environ(), "DESCRIBE="+describe)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("version.sh %s: %v\n%s", describe, err, out)
	}
	v := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, val, _ := strings.Cut(line, "=")
		v[k] = val
	}
	return v
}

// TestVersions checks what `git describe` becomes for dpkg and rpm, and
// that both order the versions as git does.
func TestVersions(t *testing.T) {
	ordered := []struct{ describe, deb, rpmVersion, rpmRelease string }{
		{"v0.0.0-114-gbcfbe32", "0.0.0+114.gbcfbe32", "0.0.0", "1.114.gbcfbe32"},
		{"v1.2.0-rc1-0-gabc1234", "1.2.0~rc1", "1.2.0~rc1", "1"},
		{"v1.2.0-rc1-5-gabc1234", "1.2.0~rc1+5.gabc1234", "1.2.0~rc1", "1.5.gabc1234"},
		{"v1.2.0-0-gdef5678", "1.2.0", "1.2.0", "1"},
		{"v1.2.0-3-g0123abc-dirty", "1.2.0+3.g0123abc.dirty", "1.2.0", "1.3.g0123abc.dirty"},
		{"v1.2.0-12-g0123abc", "1.2.0+12.g0123abc", "1.2.0", "1.12.g0123abc"},
	}
	for i, c := range ordered {
		v := versions(t, c.describe)
		if v["VERSION"] != c.describe || v["DEB_VERSION"] != c.deb || v["RPM_VERSION"] != c.rpmVersion || v["RPM_RELEASE"] != c.rpmRelease {
			t.Errorf("%s: %v, want deb %s rpm %s-%s", c.describe, v, c.deb, c.rpmVersion, c.rpmRelease)
		}
		if i == 0 {
			continue
		}
		prev := ordered[i-1]
		if _, err := exec.LookPath("dpkg"); err == nil {
			if err := exec.Command("dpkg", "--compare-versions", prev.deb+"-1", "lt", c.deb+"-1").Run(); err != nil {
				t.Errorf("dpkg: %s-1 is not older than %s-1", prev.deb, c.deb)
			}
		}
		if _, err := exec.LookPath("rpm"); err == nil {
			expr := `%{lua: print(rpm.vercmp("` + prev.rpmVersion + "-" + prev.rpmRelease + `", "` + c.rpmVersion + "-" + c.rpmRelease + `"))}`
			out, err := exec.Command("rpm", "--eval", expr).Output()
			if err != nil || strings.TrimSpace(string(out)) != "-1" {
				t.Errorf("rpm: %s-%s is not older than %s-%s (%q %v)", prev.rpmVersion, prev.rpmRelease, c.rpmVersion, c.rpmRelease, out, err)
			}
		}
	}
	for _, bad := range []string{"junk", "vX-1-gabc", "v1.2.0-1-g$(id)"} {
		cmd := exec.Command(filepath.Join(moduleRoot(t), "deploy", "version.sh"))
		cmd.Env = append(os.Environ(), "DESCRIBE="+bad)
		if out, err := cmd.CombinedOutput(); err == nil {
			t.Errorf("version.sh accepted %q: %s", bad, out)
		}
	}
}
