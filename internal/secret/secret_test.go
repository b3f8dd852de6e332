package secret

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func randomKey(t *testing.T) []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// keyFile writes lines to a file of mode perm and returns its path.
func keyFile(t *testing.T, perm os.FileMode, lines ...string) string {
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // whatever the umask
		t.Fatal(err)
	}
	return path
}

func TestSealOpen(t *testing.T) {
	k, err := New(randomKey(t))
	if err != nil {
		t.Fatal(err)
	}
	a, err := k.Seal("hunter2", "podm-1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.Seal("hunter2", "podm-1")
	if a == b || strings.Contains(a, "hunter2") || !strings.HasPrefix(a, "v1:"+k.CurrentID()+":") {
		t.Errorf("sealed values %q and %q: want distinct (random nonce), marked v1 with the key id, without the plaintext", a, b)
	}
	plain, current, err := k.Open(a, "podm-1")
	if plain != "hunter2" || !current || err != nil {
		t.Errorf("Open = %q, %v, %v", plain, current, err)
	}
	for name, bad := range map[string]struct{ sealed, label string }{
		"other label":   {a, "podm-2"},
		"tampered":      {a[:len(a)-4] + "AAA=", "podm-1"},
		"not base64":    {"v1:" + k.CurrentID() + ":***", "podm-1"},
		"truncated":     {"v1:" + k.CurrentID() + ":AAAA", "podm-1"},
		"other version": {"v9" + a[2:], "podm-1"},
		"plain text":    {"hunter2", "podm-1"},
	} {
		if _, _, err := k.Open(bad.sealed, bad.label); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKey := randomKey(t), randomKey(t)
	old, _ := New(oldKey)
	sealed, _ := old.Seal("pw", "x")
	both, err := New(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if plain, current, err := both.Open(sealed, "x"); plain != "pw" || current || err != nil {
		t.Errorf("a value of the old key: %q current=%v %v; want it opened and not current", plain, current, err)
	}
	resealed, _ := both.Seal("pw", "x")
	if _, _, err := old.Open(resealed, "x"); !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), both.CurrentID()) {
		t.Errorf("a value of a key the keyring lacks: %v; want ErrUnknownKey naming the key id", err)
	}
}

func TestLoadFile(t *testing.T) {
	k1, k2 := randomKey(t), randomKey(t)
	b64 := base64.StdEncoding.EncodeToString
	path := keyFile(t, 0o640, "# current", b64(k1), "", "  # old, until everything is resealed", b64(k2), "")
	kr, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := New(k1, k2)
	if kr.CurrentID() != want.CurrentID() || len(kr.keys) != 2 {
		t.Errorf("loaded %d keys, current %s; want 2, current %s", len(kr.keys), kr.CurrentID(), want.CurrentID())
	}

	var many []string
	for range MaxKeys + 1 {
		many = append(many, b64(randomKey(t)))
	}
	short := b64(k1[:16])
	for name, tc := range map[string]struct {
		perm  os.FileMode
		lines []string
		want  string
	}{
		"readable by others": {0o644, []string{b64(k1)}, "mode 0644"},
		"writable by group":  {0o660, []string{b64(k1)}, "mode 0660"},
		"empty":              {0o600, []string{"# nothing"}, "want 1 to 16 keys"},
		"short key":          {0o600, []string{b64(k1), short}, "line 2 is not the base64 of 32 bytes"},
		"not base64":         {0o600, []string{"not-a-key!"}, "line 1"},
		"twice":              {0o600, []string{b64(k1), b64(k1)}, "the same key twice"},
		"too many":           {0o600, many, "want 1 to 16 keys"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadFile(keyFile(t, tc.perm, tc.lines...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadFile: %v, want an error saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), short) || strings.Contains(err.Error(), "not-a-key") {
				t.Errorf("the error repeats the file's content: %v", err)
			}
		})
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}
