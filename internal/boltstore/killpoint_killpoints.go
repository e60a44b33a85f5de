//go:build killpoints

package boltstore

import (
	"fmt"
	"os"
	"strconv"
)

// killPoint, in a binary built with -tags killpoints for the kill tests,
// stops the process for good at the instant KPIMON_KILLPOINT names
// ("add observations:before-commit", "add observations:after-commit"),
// after saying so on stderr; the test then kills it with SIGKILL, so it
// dies at exactly that point of the write.
func killPoint(what, point string) {
	if os.Getenv("KPIMON_KILLPOINT") != what+":"+point {
		return
	}
	fmt.Fprintf(os.Stderr, "killpoint reached: %s:%s\n", what, point)
	select {}
}

// batchRowsDefault is KPIMON_BATCH_ROWS when set, so a kill test can stop
// a small file between its batches ("add observations:batch-committed").
func batchRowsDefault() int {
	if n, err := strconv.Atoi(os.Getenv("KPIMON_BATCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return DefaultBatchRows
}
