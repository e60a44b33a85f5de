//go:build unix

package httpapi

import "syscall"

// fileLimit is the process' soft limit on open files (Go raises it to the
// hard limit at start).
func fileLimit() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 1024
	}
	return uint64(lim.Cur)
}
