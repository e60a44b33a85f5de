package catalog

import (
	"errors"
	"io/fs"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Helpers only the tests use.

// LoadFS reads every *.yaml and *.yml file at the root of fsys: one plan per
// file, several plans side by side. Subdirectories are not read.
func LoadFS(fsys fs.FS) (kpi.Catalog, error) {
	return loadFS(fsys, "")
}

// Problems returns the problems carried by err (a *kpi.Error), or nil.
func Problems(err error) []kpi.Problem {
	var e *kpi.Error
	if errors.As(err, &e) {
		return e.Problems
	}
	return nil
}
