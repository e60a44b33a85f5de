// Package e2e holds kpimon's end-to-end tests against the real components:
// promtool and amtool check the shipped Prometheus and Alertmanager
// configuration, and a test runs the kpimon binary, Prometheus with the
// shipped alert rules and Alertmanager with the shipped routing on loopback
// ports, and follows one lagging indicator to its lead unit's receiver.
//
// The tests skip with a reason when a binary is missing, except when the
// environment variable CI is set: then they fail.
package e2e
