//go:build !killpoints

package boltstore

// killPoint marks an instant of a write transaction that cmd/kpimon's kill
// tests stop the process at (built with -tags killpoints, see
// killpoint_killpoints.go). In kpimon itself it does nothing.
func killPoint(what, point string) {}
