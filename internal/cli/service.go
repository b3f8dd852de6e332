package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/valence-rsd/valence/internal/pidfile"
)

// unit is the systemd unit of valence-api.
const unit = "valence-api"

// pollInterval is how often stop and kill look whether the process is gone.
const pollInterval = 50 * time.Millisecond

// serviceCommand is `valence service status|stop|kill`: the valence-api
// of this host, through systemd when its unit is active, otherwise through
// the pid file.
func (a *app) serviceCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "service",
		Short: "The valence-api of this host: status, stop, kill",
		Long: `Controls the valence-api running on this host: through systemd when the
valence-api unit is active, otherwise through the pid file that
valence-api --pid-file writes (default ` + pidfile.Default + `).
Naming --pid-file skips systemd.`,
	}
	var pidPath string
	var wait time.Duration
	defaultPid := a.env.PidFile
	if defaultPid == "" {
		defaultPid = pidfile.Default
	}
	cmd.PersistentFlags().StringVar(&pidPath, "pid-file", defaultPid, "valence-api's pid file")
	cmd.PersistentFlags().DurationVar(&wait, "wait", 30*time.Second, "how long stop and kill wait for the exit")

	// viaSystemd reports whether the unit is active and the pid file was
	// not named.
	viaSystemd := func(cmd *cobra.Command) bool {
		return !cmd.Flags().Changed("pid-file") && a.unitActive(cmd.Context())
	}

	cmd.AddCommand(&cobra.Command{
		Use: "status", Short: "Say whether valence-api runs (exit 1 when not)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if viaSystemd(cmd) {
				fmt.Fprintf(a.env.Stdout, "valence-api is running (systemd unit %s is active)\n", unit)
				return nil
			}
			pid, err := readPid(pidPath)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "valence-api is running (pid %d, from %s)\n", pid, pidPath)
			return nil
		},
	}, &cobra.Command{
		Use: "stop", Short: "Stop valence-api (SIGTERM) and wait for its exit", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if viaSystemd(cmd) {
				return a.systemctl(cmd.Context(), "stop", "stopped")
			}
			return a.signal(pidPath, syscall.SIGTERM, wait, "stopped")
		},
	}, &cobra.Command{
		Use: "kill", Short: "Kill valence-api (SIGKILL)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if viaSystemd(cmd) {
				return a.systemctl(cmd.Context(), "kill --signal=SIGKILL", "killed")
			}
			return a.signal(pidPath, syscall.SIGKILL, wait, "killed")
		},
	})
	return cmd
}

// unitActive asks systemd whether the unit is active; no systemctl, no
// systemd running, or an inactive unit all answer false.
func (a *app) unitActive(ctx context.Context) bool {
	if a.env.Systemctl == "" {
		return false
	}
	return exec.CommandContext(ctx, a.env.Systemctl, "is-active", "--quiet", unit).Run() == nil
}

// systemctl runs `systemctl <verb> valence-api`.
func (a *app) systemctl(ctx context.Context, verb, done string) error {
	args := append(strings.Fields(verb), unit)
	out, err := exec.CommandContext(ctx, a.env.Systemctl, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	fmt.Fprintf(a.env.Stdout, "valence-api %s (systemctl %s)\n", done, strings.Join(args, " "))
	return nil
}

// readPid reads the pid file, saying plainly when nothing runs.
func readPid(path string) (int, error) {
	pid, err := pidfile.Read(path)
	switch {
	case err == nil && exited(pid):
		// A zombie its parent has not reaped yet: it runs no more.
		return 0, fmt.Errorf("valence-api is not running: pid file %s: process %d has exited: %w", path, pid, pidfile.ErrStale)
	case err == nil:
		return pid, nil
	case errors.Is(err, fs.ErrNotExist):
		return 0, fmt.Errorf("valence-api is not running: no pid file %s", path)
	case errors.Is(err, pidfile.ErrStale):
		return 0, fmt.Errorf("valence-api is not running: %w", err)
	default:
		return 0, err
	}
}

// signal sends sig to the process of the pid file and waits up to wait
// for it to exit.
func (a *app) signal(path string, sig syscall.Signal, wait time.Duration, done string) error {
	pid, err := readPid(path)
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, sig); err != nil {
		if errors.Is(err, syscall.EPERM) {
			return fmt.Errorf("not permitted to signal valence-api (pid %d): run as its user or root", pid)
		}
		return fmt.Errorf("signal valence-api (pid %d): %w", pid, err)
	}
	deadline := time.Now().Add(wait)
	for !exited(pid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("sent %s to valence-api (pid %d), but it still runs after %s", sigName(sig), pid, wait)
		}
		time.Sleep(pollInterval)
	}
	fmt.Fprintf(a.env.Stdout, "valence-api (pid %d) %s (%s)\n", pid, done, sigName(sig))
	return nil
}

// exited reports whether pid is gone, or a zombie its parent has not
// reaped yet.
func exited(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses, which may itself
	// hold parentheses: read after the last one.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z'
	}
	return false
}

func sigName(sig syscall.Signal) string {
	if sig == syscall.SIGKILL {
		return "SIGKILL"
	}
	return "SIGTERM"
}
