//go:build !linux

package keystonetest

import (
	"os"
	"syscall"
)

var sysTerm = os.Interrupt

// sysProcAttr has nothing to add where Pdeathsig does not exist.
func sysProcAttr() *syscall.SysProcAttr { return nil }
