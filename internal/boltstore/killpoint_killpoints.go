//go:build killpoints

package boltstore

import (
	"fmt"
	"os"
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
