package keystonetest

import "syscall"

const sysTerm = syscall.SIGTERM

// sysProcAttr makes the kernel stop uwsgi if the test binary dies without
// running Run's clean-up (a panic, a timeout), so no Keystone is left over.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
