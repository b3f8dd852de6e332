package userguide

import "syscall"

// procAttr has the demo killed when the test binary dies without running
// its cleanups.
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
