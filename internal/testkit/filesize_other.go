//go:build !linux

package testkit

import "testing"

// LimitFileSize simulates a full disk on Linux only; elsewhere the test is skipped.
func LimitFileSize(t testing.TB, n uint64) (restore func()) {
	t.Helper()
	t.Skip("LimitFileSize needs Linux (RLIMIT_FSIZE)")
	return func() {}
}
