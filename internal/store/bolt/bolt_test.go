package bolt

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valence-rsd/valence/internal/store/storetest"
	"github.com/valence-rsd/valence/internal/valence"
)

// openTemp opens a store in a fresh file under t's temporary directory.
func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "state", "valence.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) valence.Store { return openTemp(t) })
	storetest.RunOwners(t, func(t *testing.T) func() valence.Store {
		path := filepath.Join(t.TempDir(), "valence.db")
		return func() valence.Store {
			s, err := Open(path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s
		}
	}, false)
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "valence.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	for p, want := range map[string]os.FileMode{filepath.Dir(path): 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got&^want != 0 {
			t.Errorf("%s has mode %v, want at most %v", p, got, want)
		}
	}
}

func TestOpenLockedFails(t *testing.T) {
	old := lockTimeout
	lockTimeout = 100 * time.Millisecond
	t.Cleanup(func() { lockTimeout = old })

	path := filepath.Join(t.TempDir(), "valence.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	// flock locks belong to the open file, so a second Open in this process
	// meets the lock as another process would.
	start := time.Now()
	second, err := Open(path)
	if err == nil {
		second.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	if !strings.Contains(err.Error(), "locked by another process") {
		t.Errorf("error %q does not say the file is locked", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("second Open took %v", waited)
	}
}

func TestPingAfterClose(t *testing.T) {
	s := openTemp(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); !valence.IsCode(err, valence.Unavailable) {
		t.Errorf("Ping after Close: %v, want Unavailable", err)
	}
}

// TestTooLarge checks the limits bbolt and the shared envelope set: keys of
// at most 32 KiB, records of at most 1 MiB (etcd's limit, kept here too).
func TestTooLarge(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	_, err := s.Create(t.Context(), valence.Record{Kind: valence.KindNode, ID: strings.Repeat("x", 40000)})
	if !valence.IsCode(err, valence.Invalid) {
		t.Errorf("Create with a 40000-byte id: %v, want Invalid", err)
	}
	big := json.RawMessage(`"` + strings.Repeat("x", 2<<20) + `"`)
	_, err = s.Create(t.Context(), valence.Record{Kind: valence.KindNode, ID: "big", Data: big})
	if !valence.IsCode(err, valence.Invalid) {
		t.Errorf("Create of a 2 MiB record: %v, want Invalid", err)
	}
}
