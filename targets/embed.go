// Package targets holds the default catalog: one YAML file per plan,
// embedded in the kpimon binary. The format is described in README.md.
package targets

import "embed"

// FS holds every targets file of this directory.
//
//go:embed *.yaml
var FS embed.FS
