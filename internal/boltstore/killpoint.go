//go:build !killpoints

package boltstore

// killPoint marks an instant of a write transaction that cmd/kpimon's kill
// tests stop the process at (built with -tags killpoints, see
// killpoint_killpoints.go). In kpimon itself it does nothing.
func killPoint(what, point string) {}

// batchRowsDefault is DefaultBatchRows; the kill tests' binary takes
// another from KPIMON_BATCH_ROWS, to stop between the batches of a small file.
func batchRowsDefault() int { return DefaultBatchRows }
