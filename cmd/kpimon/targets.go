package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

func addTargetsCommand(c *cli) {
	cmd := c.command("targets", "list, validate or diff targets files (plans)", `
Targets files hold the plans: one YAML file per plan (see targets/README.md).
Without --targets.path, kpimon uses the catalog embedded in the binary.`, `kpimon targets list
  kpimon targets list -o json --targets.path ./targets
  kpimon targets validate targets/*.yaml
  kpimon targets diff old/ targets/`)

	list := subcommand(cmd, "list", "print every indicator of the catalog (table or JSON)", `
Print every indicator of the catalog: the embedded one, or the targets files
of --targets.path (a directory or a file). The table groups indicators by
plan and task in document order; JSON is an array with one object per
indicator (id, plan, name, name_en, task, task_title, work_line, kind,
target, unit, deadline, deadline_note, baseline, baseline_rule, measure,
frequency, due_days, lead_units, co_units, source_text). For reduce_by,
target is the percent to cut; percent units are in percent points (33
means 33%).`,
		"kpimon targets list -o json | jq '.[] | select(.deadline == 2020) | .id'")
	listOutput := outputFlag(list, "table", "json")
	listDir := c.targetsFlag(list, "Targets dir or file instead of the embedded catalog")
	c.action(list, func(context.Context) error { return targetsList(c.e, *listOutput, *listDir) })

	validate := subcommand(cmd, "validate", "check targets files; print every problem with file, line and field", `
Check targets files as kpimon would load them, together (so plan ids must
differ across files). Prints every problem as file:line: field: message and
exits 1 when there is any; prints "ok: N plans, M indicators" otherwise.`,
		"kpimon targets validate targets/*.yaml")
	validateFiles := validate.Arg("file", "Targets files or directories; name one or more.").Required().Strings()
	c.action(validate, func(context.Context) error { return targetsValidate(c.e, *validateFiles) })

	diff := subcommand(cmd, "diff", "show what changed between two catalogs (files or directories), or what serve will record", `
Show what changed from the catalog OLD to the catalog NEW; each is a targets
file or a directory of them. Prints one line per change: plan.add,
plan.change, plan.remove, target.add, target.change or target.remove, the
plan/indicator, and what changed (e.g. "target 30 → 35; deadline 2022 → 2023").
With --stored, name only NEW: it is compared with the catalog stored in the
data dir, removed plans and indicators included (their return is "restored"),
which is exactly what serve records when it starts with NEW. The data dir must
not be held by a running server.
Exits 0 whether or not anything changed; 1 when either side has problems.`,
		"kpimon targets diff old/yanfeng-innovation.yaml targets/yanfeng-innovation.yaml\n  kpimon targets diff --stored --storage.path ./data targets/")
	diffOutput := outputFlag(diff, "text", "json")
	stored := diff.Flag("stored", "Compare NEW with the catalog stored in the data dir: what serve will record.").Bool()
	diffData := c.storageFlag(diff)
	oldPath := diff.Arg("old", "The catalog before (with --stored: the catalog NEW).").Required().String()
	newPath := diff.Arg("new", "The catalog after; not with --stored.").String()
	diff.Validate(func(*kingpin.CmdClause) error {
		switch {
		case *stored && *newPath != "":
			return fmt.Errorf("with --stored name only NEW: it is compared with the stored catalog")
		case !*stored && *newPath == "":
			return fmt.Errorf("name OLD and NEW, or --stored and NEW")
		}
		return nil
	})
	c.action(diff, func(ctx context.Context) error {
		if *stored {
			return targetsDiffStored(ctx, c.e, *diffOutput, *diffData, *oldPath)
		}
		return targetsDiff(c.e, *diffOutput, *oldPath, *newPath)
	})
}

func targetsList(e *env, output, dir string) error {
	var cat kpi.Catalog
	var err error
	if dir == "" {
		cat, err = catalog.Default()
	} else {
		cat, err = catalog.LoadFiles(dir)
	}
	if err != nil {
		return reportCatalogError(e, err)
	}
	if output == "json" {
		if cat.Indicators == nil {
			cat.Indicators = []kpi.Indicator{}
		}
		return printJSON(e.stdout, cat.Indicators)
	}
	writeTargetsTable(e.stdout, cat)
	return nil
}

// writeTargetsTable prints the catalog grouped by plan and task.
func writeTargetsTable(w io.Writer, cat kpi.Catalog) {
	t := &table{header: []string{"编号 id", "名称 name", "类型 kind", "目标 target", "时限 deadline", "计量 measure", "责任单位 lead units"}}
	plan, task := "", 0
	for _, ind := range cat.Indicators {
		if ind.Plan != plan {
			if plan != "" {
				t.add()
			}
			p, _ := cat.Plan(ind.Plan)
			t.add(fmt.Sprintf("计划 plan %s: %s (%d–%d)", p.ID, p.Title, p.StartYear, p.EndYear))
			plan, task = ind.Plan, 0
		}
		if ind.Task != task {
			t.add(fmt.Sprintf("任务 task %d %s", ind.Task, ind.TaskTitle))
			task = ind.Task
		}
		t.add("  "+ind.ID, clip(ind.Name, nameColumns), string(ind.Kind), present.Target(ind, kpi.Evaluation{}),
			strconv.Itoa(ind.Deadline), string(ind.Measure), strings.Join(ind.LeadUnits, "、"))
		if ind.Note != "" {
			// How the line was read: on its own line, whole.
			t.add("      说明 note: " + ind.Note)
		}
	}
	t.write(w)
	fmt.Fprintf(w, "\n%d plans, %d indicators\n", len(cat.Plans), len(cat.Indicators))
}

// nameColumns is the widest a name is shown in the table; JSON has it whole.
const nameColumns = 44

func targetsValidate(e *env, files []string) error {
	cat, err := catalog.LoadFiles(files...)
	if err != nil {
		return reportCatalogError(e, err)
	}
	fmt.Fprintf(e.stdout, "ok: %d plans, %d indicators\n", len(cat.Plans), len(cat.Indicators))
	return nil
}

func targetsDiff(e *env, output, oldPath, newPath string) error {
	var cats [2]kpi.Catalog
	for i, p := range []string{oldPath, newPath} {
		c, err := catalog.LoadFiles(p)
		if err != nil {
			return reportCatalogError(e, err)
		}
		cats[i] = c
	}
	return printChanges(e, output, catalog.Diff(cats[0], cats[1]))
}

// targetsDiffStored previews what serve records when it loads the catalog
// at newPath into the store of the data dir: the same catalog.DiffStored
// that boltstore.SyncCatalog applies.
func targetsDiffStored(ctx context.Context, e *env, output, data, newPath string) error {
	cat, err := catalog.LoadFiles(newPath)
	if err != nil {
		return reportCatalogError(e, err)
	}
	var stored catalog.Stored
	if storeExists(data) {
		store, err := openStore(data, 200*time.Millisecond, nil)
		if err != nil {
			return err
		}
		defer store.Close()
		if stored, err = store.StoredCatalog(ctx); err != nil {
			return err
		}
	}
	return printChanges(e, output, catalog.DiffStored(stored, cat))
}

func printChanges(e *env, output string, changes []kpi.CatalogChange) error {
	if output == "json" {
		if changes == nil {
			changes = []kpi.CatalogChange{}
		}
		return printJSON(e.stdout, changes)
	}
	if len(changes) == 0 {
		fmt.Fprintln(e.stdout, "no changes (没有变化)")
		return nil
	}
	t := &table{}
	for _, c := range changes {
		obj := c.Ref.Plan
		if c.Ref.ID != "" {
			obj += "/" + c.Ref.ID
		}
		t.add(c.Action, obj, c.Detail)
	}
	t.write(e.stdout)
	return nil
}

// reportCatalogError prints the problems of an invalid catalog, one per line
// as file:line: field: message, and returns errExit{1}; other errors are
// returned for main to print.
func reportCatalogError(e *env, err error) error {
	var ke *kpi.Error
	if !errors.As(err, &ke) || ke.Code != kpi.EINVALID {
		return err
	}
	if len(ke.Problems) == 0 {
		fmt.Fprintln(e.stdout, ke.Message)
		return errExit{1}
	}
	for _, p := range ke.Problems {
		fmt.Fprintln(e.stdout, formatProblem(p))
	}
	fmt.Fprintf(e.stderr, "%d problem(s) (%d 处错误)\n", len(ke.Problems), len(ke.Problems))
	return errExit{1}
}

// formatProblem renders a catalog problem as file:line: field: message.
func formatProblem(p kpi.Problem) string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	var extra []string
	if p.Indicator != "" {
		extra = append(extra, "indicator "+p.Indicator)
	}
	if p.Value != "" {
		extra = append(extra, fmt.Sprintf("found %q", p.Value))
	}
	if p.Expected != "" {
		extra = append(extra, "expected "+p.Expected)
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, "; ") + ")")
	}
	return b.String()
}
