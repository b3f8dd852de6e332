package etcdtest

import "syscall"

// procAttr asks Linux to kill etcd if the test binary dies without running
// its cleanups (a panic or a -timeout), so no server outlives its test.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
