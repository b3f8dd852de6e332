package pidfile

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// self is the name /proc gives this test binary, so that it counts as "the
// program" in the tests that need a live instance.
func self(t *testing.T) string {
	t.Helper()
	name, ok := command(os.Getpid())
	if !ok {
		t.Skip("no /proc here to name processes")
	}
	return name
}

func TestWriteReadRemove(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.pid")
	if err := write(path, self(t)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Fatalf("file holds %q", b)
	}
	if pid, err := read(path, self(t)); err != nil || pid != os.Getpid() {
		t.Fatalf("read = %d, %v", pid, err)
	}
	// A second instance of the same program is refused.
	if err := write(path, self(t)); err == nil || !strings.Contains(err.Error(), "running already") {
		t.Fatalf("second write: %v", err)
	}
	if err := Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("after Remove: %v", err)
	}
}

func TestStale(t *testing.T) {
	dir := t.TempDir()
	// A process that has exited.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	gone := filepath.Join(dir, "gone.pid")
	os.WriteFile(gone, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644)
	if _, err := Read(gone); !errors.Is(err, ErrStale) {
		t.Errorf("exited process: %v", err)
	}
	// A live process of another program (this test binary, not valence-api).
	other := filepath.Join(dir, "other.pid")
	os.WriteFile(other, []byte(strconv.Itoa(os.Getpid())), 0o644)
	if _, err := Read(other); !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "not valence-api") {
		t.Errorf("other program: %v", err)
	}
	// Write replaces a stale file.
	if err := write(gone, self(t)); err != nil {
		t.Fatalf("write over stale: %v", err)
	}
	// Remove leaves a file that names another process alone.
	os.WriteFile(other, []byte("1\n"), 0o644)
	if err := Remove(other); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("Remove deleted another process's file: %v", err)
	}
}

func TestBadContent(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"empty": "", "word": "valence\n", "negative": "-4\n", "zero": "0", "huge": strings.Repeat("9", 100),
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(content), 0o644)
		if _, err := Read(path); err == nil || errors.Is(err, ErrStale) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
