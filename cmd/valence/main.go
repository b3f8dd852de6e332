// Command valence is the command-line client of Valence: every operation of
// the v1 API from a terminal, and `valence service` for the valence-api of
// this host. See internal/cli.
package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/valence-rsd/valence/internal/cli"
	"github.com/valence-rsd/valence/internal/version"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	systemctl, _ := exec.LookPath("systemctl")
	code := cli.Run(ctx, os.Args[1:], cli.Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv: os.Getenv, Terminal: terminal, Version: version.Version, Systemctl: systemctl,
	})
	stop()
	os.Exit(code)
}

// terminal reports whether w is a terminal and its width.
func terminal(w io.Writer) (bool, int) {
	f, ok := w.(*os.File)
	if !ok {
		return false, 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return false, 0
	}
	return true, int(ws.Col)
}
