package functional

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valence-rsd/valence/api"
)

// TestSecretKeyFile runs valence-api on one bolt file under a sequence of
// key files: the password never reaches the file in plain text, a missing
// or wrong key stops the start with a message naming the setting, and a
// rotation (new key first, old key second, then the new key alone) keeps the
// pod manager usable.
func TestSecretKeyFile(t *testing.T) {
	t.Parallel()
	const password = "Pa55-at-rest-4Kd"
	sim := startSimulator(t, "--systems", "1", "--password", password)
	dir := t.TempDir()
	db := filepath.Join(dir, "valence.db")
	oldKey, newKey := randomKeyLine(t), randomKeyLine(t)
	keys := func(name string, perm os.FileMode, lines ...string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, perm); err != nil {
			t.Fatal(err)
		}
		return "VALENCE_SECRET_KEY_FILE=" + path
	}
	store := "VALENCE_STORE=bolt://" + db

	a := runAPI(t, store, keys("old", 0o600, oldKey))
	body := podmCreate("sealed", sim.url)
	body.Authentication[0].AuthItems.Password = password
	pm := decodeAs[api.PodManager](t, a.create(t, "/v1/pod_managers", body))
	if pm.Status != api.PodManagerOnline {
		t.Fatalf("registered with status %s", pm.Status)
	}
	a.stop(t)
	if raw, err := os.ReadFile(db); err != nil || bytes.Contains(raw, []byte(password)) {
		t.Fatalf("the bolt file holds the password in plain text (read: %v)", err)
	}

	for name, tc := range map[string]struct{ env, says string }{
		"no key":    {"VALENCE_LOG_LEVEL=warn", "no key is configured"},
		"wrong key": {keys("wrong", 0o600, newKey), "does not hold"},
		"open file": {keys("open", 0o644, oldKey), "mode 0644"},
	} {
		if log := startFails(t, store, tc.env); !strings.Contains(log, "VALENCE_SECRET_KEY_FILE") || !strings.Contains(log, tc.says) {
			t.Errorf("%s: valence-api's log does not name VALENCE_SECRET_KEY_FILE and say %q:\n%s", name, tc.says, log)
		}
	}

	// Rotation: the new key current, the old one to read; then the new alone.
	for _, env := range []string{keys("both", 0o640, newKey, oldKey), keys("new", 0o600, newKey)} {
		a := runAPI(t, store, env)
		a.expect(t, http.StatusOK, http.MethodPatch, "/v1/pod_managers/"+pm.UUID, `{"description":"rotated"}`)
		if got := decodeAs[api.PodManager](t, a.get(t, http.StatusOK, "/v1/pod_managers/"+pm.UUID)); got.Status != api.PodManagerOnline {
			t.Errorf("after the rotation (%s): status %s", env, got.Status)
		}
		a.stop(t)
	}
}

func randomKeyLine(t *testing.T) string {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(k)
}

// startFails starts valence-api with env, expects it to exit with an error
// before it serves, and returns its log.
func startFails(t *testing.T, env ...string) string {
	t.Helper()
	p, _ := startProc(t, "valence-api", apiBin, nil, append([]string{"VALENCE_LISTEN=" + freeAddr(t)}, env...), false)
	select {
	case <-p.exited:
	case <-time.After(startTimeout):
		t.Fatalf("valence-api still runs with %v", env)
	}
	if p.err == nil {
		t.Errorf("valence-api exited 0 with %v", env)
	}
	log, err := os.ReadFile(p.logFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(log)
}
