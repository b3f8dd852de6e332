package functional

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/valence-rsd/valence/api"
	"github.com/valence-rsd/valence/internal/store/etcd/etcdtest"
)

// TestSecretKeyFile runs valence-api on one store under a sequence of key
// files: the password never reaches the store in plain text, a missing or
// wrong key stops the start with a message naming the setting, and a
// rotation (new key first, old key second, then the new key alone) keeps the
// pod manager usable.
func TestSecretKeyFile(t *testing.T) {
	t.Parallel()
	t.Run("bolt", func(t *testing.T) {
		t.Parallel()
		db := filepath.Join(t.TempDir(), "valence.db")
		testSecretKeyFile(t, []string{"VALENCE_STORE=bolt://" + db}, func() []byte {
			raw, err := os.ReadFile(db)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		})
	})
	t.Run("etcd", func(t *testing.T) {
		t.Parallel()
		endpoints := etcdtest.Start(t)
		const prefix = "/valence-secrets"
		testSecretKeyFile(t, []string{"VALENCE_STORE=etcd://" + strings.Join(endpoints, ","), "VALENCE_ETCD_PREFIX=" + prefix}, func() []byte {
			cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: startTimeout})
			if err != nil {
				t.Fatal(err)
			}
			defer cli.Close()
			resp, err := cli.Get(t.Context(), prefix, clientv3.WithPrefix())
			if err != nil || len(resp.Kvs) == 0 {
				t.Fatalf("etcd under %s: %v, %v", prefix, resp, err)
			}
			var all []byte
			for _, kv := range resp.Kvs {
				all = append(all, kv.Value...)
			}
			return all
		})
	})
}

// testSecretKeyFile runs the sequence on the store that store names; raw
// returns every byte the store keeps.
func testSecretKeyFile(t *testing.T, store []string, raw func() []byte) {
	const password = "Pa55-at-rest-4Kd"
	sim := startSimulator(t, "--systems", "1", "--password", password)
	dir := t.TempDir()
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
	with := func(env string) []string { return append(slices.Clone(store), env) }

	a := runAPI(t, with(keys("old", 0o600, oldKey))...)
	body := podmCreate("sealed", sim.url)
	body.Authentication[0].AuthItems.Password = password
	pm := decodeAs[api.PodManager](t, a.create(t, "/v1/pod_managers", body))
	if pm.Status != api.PodManagerOnline {
		t.Fatalf("registered with status %s", pm.Status)
	}
	a.stop(t)
	if bytes.Contains(raw(), []byte(password)) {
		t.Fatal("the store holds the password in plain text")
	}

	for name, tc := range map[string]struct{ env, says string }{
		"no key":    {"VALENCE_LOG_LEVEL=warn", "no key is configured"},
		"wrong key": {keys("wrong", 0o600, newKey), "does not hold"},
		"open file": {keys("open", 0o644, oldKey), "mode 0644"},
	} {
		if log := startFails(t, with(tc.env)...); !strings.Contains(log, "VALENCE_SECRET_KEY_FILE") || !strings.Contains(log, tc.says) {
			t.Errorf("%s: valence-api's log does not name VALENCE_SECRET_KEY_FILE and say %q:\n%s", name, tc.says, log)
		}
	}

	// Rotation: the new key current, the old one to read; then the new alone.
	for _, env := range []string{keys("both", 0o640, newKey, oldKey), keys("new", 0o600, newKey)} {
		a := runAPI(t, with(env)...)
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
