package procs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Proc is a process started by Start: its stderr (and its stdout, unless
// the caller reads it) goes to a log file.
type Proc struct {
	Name    string
	LogFile string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited; err is then set
	err     error
	once    sync.Once
	stopErr error
}

// Start starts bin with args and env added to CleanEnv, its output going to
// logFile. With stdout, the standard output is returned for the caller to
// read (an os.Pipe of its own, so that Wait never closes it); otherwise it
// goes to the log too. The process is killed if the caller dies first.
func Start(name, bin string, args, env []string, logFile string, stdout bool) (*Proc, io.ReadCloser, error) {
	log, err := os.Create(logFile)
	if err != nil {
		return nil, nil, err
	}
	defer log.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(CleanEnv(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr, cmd.Stdout = log, log
	var out, outW *os.File
	if stdout {
		if out, outW, err = os.Pipe(); err != nil {
			return nil, nil, err
		}
		cmd.Stdout = outW
	}
	err = cmd.Start()
	if outW != nil {
		outW.Close()
	}
	if err != nil {
		if out != nil {
			out.Close()
		}
		return nil, nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Proc{Name: name, LogFile: logFile, cmd: cmd, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	if out == nil {
		return p, nil, nil
	}
	return p, out, nil
}

// Exited is nil while the process runs, and then says how it ended.
func (p *Proc) Exited() error {
	select {
	case <-p.exited:
		if p.err == nil {
			return errors.New(p.Name + " exited with status 0")
		}
		return fmt.Errorf("%s exited: %w", p.Name, p.err)
	default:
		return nil
	}
}

// Stop sends SIGTERM and waits up to timeout, then kills. It returns an
// error when the process did not exit 0 within timeout (both binaries
// promise a clean stop); a process gone already is not its concern. Later
// calls return what the first returned.
func (p *Proc) Stop(timeout time.Duration) error {
	p.once.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
			if p.err != nil {
				p.stopErr = fmt.Errorf("%s exited with %v after SIGTERM", p.Name, p.err)
			}
		case <-time.After(timeout):
			_ = p.cmd.Process.Kill()
			<-p.exited
			p.stopErr = fmt.Errorf("%s still ran %s after SIGTERM; killed", p.Name, timeout)
		}
	})
	return p.stopErr
}
