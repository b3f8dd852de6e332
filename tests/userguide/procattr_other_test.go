//go:build !linux

package userguide

import "syscall"

func procAttr() *syscall.SysProcAttr { return nil }
