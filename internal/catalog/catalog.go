// Package catalog reads targets files (one YAML file per plan, see
// targets/README.md) into a kpi.Catalog, checks them, and compares two
// catalogs. A file with any problem yields a *kpi.Error with code EINVALID
// that lists every problem found, each with file, line and field.
//
// A loaded catalog lists plans by id and indicators by plan, then task
// number; within a task indicators keep their order in the file, which is
// the document's order (kpi.Indicator has no order field of its own).
package catalog

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/targets"
)

// knownUnits are the units a targets file may use. A unit outside the list
// is far more often a typo (件数, ％) than a new unit; add new ones here.
// The count units come from kpi.CountUnits (figures in them are whole); a
// unit with "/" is a ratio (kpi.Indicator.IsRatio) and takes decimals.
var knownUnits = append(kpi.CountUnits(),
	"%", "元", "万元", "亿元", "吨标准煤/万元", "件/万人", "人/万人", "工作日", "天",
)

// Default returns the catalog embedded in the binary (the targets directory).
func Default() (kpi.Catalog, error) {
	return loadFS(targets.FS, "targets")
}

// LoadDir reads every *.yaml and *.yml file of dir (not its subdirectories).
func LoadDir(dir string) (kpi.Catalog, error) {
	return loadFS(os.DirFS(dir), dir)
}

// LoadFiles reads the named files as one catalog. A directory among them
// stands for its *.yaml and *.yml files.
func LoadFiles(paths ...string) (kpi.Catalog, error) {
	var files []sourceFile
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return kpi.Catalog{}, fmt.Errorf("read targets: %w", err)
		}
		if st.IsDir() {
			dirFiles, err := readYAMLFiles(os.DirFS(p), p)
			if err != nil {
				return kpi.Catalog{}, err
			}
			files = append(files, dirFiles...)
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return kpi.Catalog{}, fmt.Errorf("read targets: %w", err)
		}
		files = append(files, sourceFile{name: p, data: b})
	}
	if len(files) == 0 {
		return kpi.Catalog{}, &kpi.Error{Code: kpi.EINVALID, Message: "no targets files given (没有指定指标文件): name one or more .yaml files or directories"}
	}
	return build(files)
}

type sourceFile struct {
	name string // as shown in problems
	data []byte
}

func yamlNames(fsys fs.FS) ([]string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		switch strings.ToLower(path.Ext(e.Name())) {
		case ".yaml", ".yml":
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

func loadFS(fsys fs.FS, prefix string) (kpi.Catalog, error) {
	files, err := readYAMLFiles(fsys, prefix)
	if err != nil {
		return kpi.Catalog{}, err
	}
	if len(files) == 0 {
		return kpi.Catalog{}, &kpi.Error{Code: kpi.EINVALID, Message: fmt.Sprintf(
			"no targets files in %s (目录中没有指标文件): add one .yaml file per plan (see targets/README.md)", where(prefix))}
	}
	return build(files)
}

// readYAMLFiles reads the *.yaml and *.yml files at the top of fsys, in
// name order; prefix (the directory, or "") goes before their names as
// problems show them.
func readYAMLFiles(fsys fs.FS, prefix string) ([]sourceFile, error) {
	names, err := yamlNames(fsys)
	if err != nil {
		return nil, fmt.Errorf("read targets dir %s: %w", where(prefix), err)
	}
	files := make([]sourceFile, 0, len(names))
	for _, n := range names {
		shown := n
		if prefix != "" {
			shown = filepath.Join(prefix, n)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("read targets file %s: %w", shown, err)
		}
		files = append(files, sourceFile{name: shown, data: b})
	}
	return files, nil
}

// where names the directory prefix in messages.
func where(prefix string) string {
	if prefix == "" {
		return "the given file system"
	}
	return prefix
}

// build parses every file and merges them, checking plan ids across files.
func build(files []sourceFile) (kpi.Catalog, error) {
	var cat kpi.Catalog
	var problems []kpi.Problem
	type seen struct {
		file string
		line int
	}
	planAt := map[string]seen{}
	for _, f := range files {
		pf, probs := parseFile(f.name, f.data)
		problems = append(problems, probs...)
		if pf == nil {
			continue
		}
		if first, dup := planAt[pf.plan.ID]; dup && pf.plan.ID != "" {
			problems = append(problems, kpi.Problem{
				File: f.name, Line: pf.idLine, Field: "id", Value: pf.plan.ID,
				Expected: "a plan id used by no other file",
				Message:  fmt.Sprintf("计划编号重复 duplicate plan id: %s:%d already defines it", first.file, first.line),
			})
			continue
		}
		planAt[pf.plan.ID] = seen{f.name, pf.idLine}
		cat.Plans = append(cat.Plans, pf.plan)
		cat.Indicators = append(cat.Indicators, pf.indicators...)
	}
	if len(problems) > 0 {
		return kpi.Catalog{}, &kpi.Error{
			Code:     kpi.EINVALID,
			Message:  fmt.Sprintf("targets files have %d problem(s) (指标文件有误); fix them and load again", len(problems)),
			Problems: problems,
		}
	}
	sort.SliceStable(cat.Plans, func(i, j int) bool { return cat.Plans[i].ID < cat.Plans[j].ID })
	// Within a task the indicators keep their file order, which is the
	// document's order: kpi.Indicator has no order field of its own.
	sort.SliceStable(cat.Indicators, func(i, j int) bool {
		a, b := cat.Indicators[i], cat.Indicators[j]
		if a.Plan != b.Plan {
			return a.Plan < b.Plan
		}
		return a.Task < b.Task
	})
	return cat, nil
}
