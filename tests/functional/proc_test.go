package functional

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/valence-rsd/valence/tests/internal/procs"
)

const (
	// startTimeout bounds a process's start: its first stdout line or its
	// readiness, on a loaded 2-core machine.
	startTimeout = 20 * time.Second
	// stopTimeout is how long a SIGTERM gets before SIGKILL.
	stopTimeout = 15 * time.Second
)

// proc is a process started by a test. Its stderr (and stdout, unless read
// by the test) goes to a file that is printed when the test fails; it is
// stopped with SIGTERM in t.Cleanup.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logFile string
	exited  chan struct{} // closed when the process has exited; err is then set
	err     error
	once    sync.Once
}

// startProc starts bin with args and the environment env added to the
// test's own (without any VALENCE_* of the caller). With stdout, the
// process's standard output is returned for the test to read; otherwise it
// goes to the log.
func startProc(t *testing.T, name, bin string, args, env []string, stdout bool) (*proc, io.ReadCloser) {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), name+".log")
	log, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(procs.CleanEnv(), env...)
	cmd.SysProcAttr = procAttr()
	cmd.Stderr = log
	var out, outW *os.File
	if stdout {
		// An os.Pipe of our own, so that Wait never closes what the test reads.
		if out, outW, err = os.Pipe(); err != nil {
			t.Fatal(err)
		}
		cmd.Stdout = outW
	} else {
		cmd.Stdout = log
	}
	err = cmd.Start()
	if outW != nil {
		outW.Close()
	}
	if err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, logFile: logFile, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.stop(t)
		if out != nil {
			out.Close()
		}
		if t.Failed() {
			p.dumpLog(t)
		}
	})
	if out == nil {
		return p, nil
	}
	return p, out
}

// stop sends SIGTERM and waits; the process must exit 0 (both binaries
// promise a clean stop), and one still running after stopTimeout is killed
// and the test fails.
func (p *proc) stop(t *testing.T) {
	p.once.Do(func() {
		select {
		case <-p.exited:
			return // gone already: whoever expected it to run has said so
		default:
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
			if p.err != nil {
				t.Errorf("%s exited with %v after SIGTERM", p.name, p.err)
			}
		case <-time.After(stopTimeout):
			_ = p.cmd.Process.Kill()
			<-p.exited
			t.Errorf("%s still ran %s after SIGTERM; killed", p.name, stopTimeout)
		}
	})
}

// kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *proc) kill() {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
}

// running reports whether the process has not exited yet.
func (p *proc) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// logged reports whether the process's output so far holds s.
func (p *proc) logged(s string) bool {
	b, err := os.ReadFile(p.logFile)
	return err == nil && strings.Contains(string(b), s)
}

func (p *proc) dumpLog(t *testing.T) {
	b, err := os.ReadFile(p.logFile)
	if err != nil {
		t.Logf("%s: no log: %v", p.name, err)
		return
	}
	t.Logf("%s (pid %d) output:\n%s", p.name, p.cmd.Process.Pid, b)
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := procs.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// firstLine reads the first line of r within startTimeout.
func firstLine(r io.Reader) (string, error) { return procs.FirstLine(r, startTimeout) }

// waitReady polls url until it answers 200, the process exits, or
// startTimeout passes.
func waitReady(p *proc, url string) error {
	err := procs.WaitReady(url, startTimeout, func() error {
		if p.running() {
			return nil
		}
		return errors.New("exited before it was ready: " + errString(p.err))
	})
	if err != nil {
		return errors.New(p.name + " " + err.Error())
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}
