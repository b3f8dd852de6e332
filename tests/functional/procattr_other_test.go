//go:build !linux

package functional

import "syscall"

// procAttr: elsewhere than on Linux a process outlives a test binary that
// dies without running its cleanups.
func procAttr() *syscall.SysProcAttr { return nil }
