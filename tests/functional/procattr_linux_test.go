package functional

import "syscall"

// procAttr has the processes a test starts killed when the test binary dies
// without running its cleanups (a panic, the -timeout).
func procAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
