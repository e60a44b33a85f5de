package testkit

import (
	"syscall"
	"testing"
)

// LimitFileSize makes writes that would grow any file of the test process
// past n bytes fail (EFBIG), as on a full disk, until the test ends. It
// is process-wide: call it only in tests that do not run in parallel. The
// returned function lifts the limit early (the disk has room again).
func LimitFileSize(t testing.TB, n uint64) (restore func()) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatalf("getrlimit: %v", err)
	}
	lim := old
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatalf("setrlimit: %v", err)
	}
	restore = func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			t.Errorf("restore file size limit: %v", err)
		}
	}
	t.Cleanup(restore)
	return restore
}
