// Package pidfile writes, reads and checks the pid file of valence-api: the
// server writes it at start (valence-api --pid-file) and removes it at exit;
// the CLI (valence service) reads it to find the process to signal.
package pidfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Default is where valence-api writes its pid file unless told otherwise,
// under systemd's RuntimeDirectory=valence.
const Default = "/run/valence/valence-api.pid"

// maxSize caps what Read accepts: a pid file is one number and a newline.
const maxSize = 64

// ErrStale is returned by Read when the file names a process that is no
// longer running, or a running process that is not the program expected.
var ErrStale = errors.New("stale pid file")

// Write records the current process's pid in path. It refuses when the file
// names a live process of the same program (another instance runs), and
// replaces a stale file. The file is written whole (temporary file, then
// rename), so a reader never sees half a number.
func Write(path string) error { return write(path, Program) }

// write is Write for a given program name, so that tests can name their own.
func write(path, program string) error {
	if pid, err := read(path, program); err == nil {
		return fmt.Errorf("pid file %s: process %d is running already", path, pid)
	} else if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrStale) {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".pid-*")
	if err != nil {
		return fmt.Errorf("pid file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := fmt.Fprintf(tmp, "%d\n", os.Getpid()); err != nil {
		tmp.Close()
		return fmt.Errorf("pid file %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("pid file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("pid file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("pid file %s: %w", path, err)
	}
	return nil
}

// Remove deletes path if it still names this process, so that an exiting
// server never removes the file of an instance that replaced it.
func Remove(path string) error {
	pid, err := parse(path)
	if err != nil || pid != os.Getpid() {
		return nil
	}
	return os.Remove(path)
}

// Program is the name of the process a pid file must name to be current.
const Program = "valence-api"

// Read returns the pid that path names when that process is alive and is
// valence-api. The error wraps fs.ErrNotExist when there is no file, and
// ErrStale when the process is gone or is another program (its pid reused).
func Read(path string) (int, error) { return read(path, Program) }

// read is Read for a given program name, so that tests can name their own.
func read(path, program string) (int, error) {
	pid, err := parse(path)
	if err != nil {
		return 0, err
	}
	if !alive(pid) {
		return pid, fmt.Errorf("pid file %s: process %d is not running: %w", path, pid, ErrStale)
	}
	if name, ok := command(pid); ok && name != program {
		return pid, fmt.Errorf("pid file %s: process %d is %q, not %s: %w", path, pid, name, program, ErrStale)
	}
	return pid, nil
}

// parse reads and checks the number in path.
func parse(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("pid file %s: %w", path, err)
	}
	defer f.Close()
	buf := make([]byte, maxSize+1)
	n, _ := f.Read(buf)
	if n > maxSize {
		return 0, fmt.Errorf("pid file %s: longer than %d bytes", path, maxSize)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pid file %s: %q is not a process id", path, bytes.TrimSpace(buf[:n]))
	}
	return pid, nil
}

// alive reports whether a process with that pid exists (EPERM means it
// does, owned by someone else).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// command returns the program name of pid from /proc (Linux); ok is false
// where /proc cannot tell, and the check is then skipped.
func command(pid int) (name string, ok bool) {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err == nil {
		return strings.TrimSuffix(filepath.Base(exe), " (deleted)"), true
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(comm)), true
}
