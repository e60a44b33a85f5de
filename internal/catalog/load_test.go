package catalog

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// planYAML returns a small valid plan with the given id whose indicators
// are listed as "task:id" pairs, in file order.
func planYAML(planID string, inds ...string) string {
	var b strings.Builder
	b.WriteString("id: " + planID + "\ntitle: 计划 " + planID + "\nregion: 测试区\nsource: 测试文件\nstart_year: 2019\nend_year: 2022\ntasks:\n")
	byTask := map[string][]string{}
	var order []string
	for _, s := range inds {
		task, id, _ := strings.Cut(s, ":")
		if _, ok := byTask[task]; !ok {
			order = append(order, task)
		}
		byTask[task] = append(byTask[task], id)
	}
	for _, task := range order {
		b.WriteString("  - task: " + task + "\n    title: 任务" + task + "\n    work_lines:\n      - text: 工作要点" + task +
			"\n        lead_units: [区科工信局]\n        indicators:\n")
		for _, id := range byTask[task] {
			b.WriteString("          - {id: " + id + ", name: 指标" + id + ", kind: at_least, target: 1, unit: 个, deadline: 2022, source_text: 原文}\n")
		}
	}
	return b.String()
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		// Files are read in name order; the catalog is ordered by plan id.
		"a.yaml":       {Data: []byte(planYAML("zeta", "2:z_b", "1:z_a"))},
		"b.yml":        {Data: []byte(planYAML("alpha", "1:a_c", "2:a_a", "1:a_b"))},
		"README.md":    {Data: []byte("not a plan")},
		"sub/c.yaml":   {Data: []byte("not read: subdirectories are not part of the catalog")},
		"notes.yaml~":  {Data: []byte("editor backup, not read")},
		"UPPER.YAML":   {Data: []byte(planYAML("upper", "1:u_a"))},
		"skipped.json": {Data: []byte("{}")},
	}
	cat, err := LoadFS(fsys)
	if err != nil {
		t.Fatalf("LoadFS: %v", err)
	}
	var plans []string
	for _, p := range cat.Plans {
		plans = append(plans, p.ID)
	}
	if diff := cmp.Diff([]string{"alpha", "upper", "zeta"}, plans); diff != "" {
		t.Errorf("plans mismatch (-want +got):\n%s", diff)
	}
	var refs []string
	for _, ind := range cat.Indicators {
		refs = append(refs, ind.Plan+"/"+ind.ID)
	}
	want := []string{"alpha/a_c", "alpha/a_b", "alpha/a_a", "upper/u_a", "zeta/z_a", "zeta/z_b"}
	if diff := cmp.Diff(want, refs); diff != "" {
		t.Errorf("indicator order mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadEmpty(t *testing.T) {
	tests := []struct {
		name string
		load func() error
	}{
		{"empty FS", func() error { _, err := LoadFS(fstest.MapFS{}); return err }},
		{"empty dir", func() error { _, err := LoadDir(t.TempDir()); return err }},
		{"no files", func() error { _, err := LoadFiles(); return err }},
		{"empty file", func() error {
			p := filepath.Join(t.TempDir(), "empty.yaml")
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadFiles(p)
			return err
		}},
		{"two documents", func() error {
			p := filepath.Join(t.TempDir(), "two.yaml")
			if err := os.WriteFile(p, []byte(planYAML("a", "1:x")+"---\n"+planYAML("b", "1:y")), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadFiles(p)
			return err
		}},
		{"not a mapping", func() error { _, err := LoadFS(fstest.MapFS{"x.yaml": {Data: []byte("- 1\n- 2\n")}}); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.load()
			if code := kpi.ErrorCode(err); code != kpi.EINVALID {
				t.Errorf("error code = %q (%v), want %q", code, err, kpi.EINVALID)
			}
		})
	}
}

func TestLoadFilesMissing(t *testing.T) {
	_, err := LoadFiles(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadFiles(missing) = %v, want an error wrapping fs.ErrNotExist", err)
	}
}

func TestLoadFilesDirAndFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "one.yaml"), []byte(planYAML("one", "1:x")), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "two.yaml")
	if err := os.WriteFile(other, []byte(planYAML("two", "1:y")), 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := LoadFiles(dir, other)
	if err != nil {
		t.Fatalf("LoadFiles: %v", err)
	}
	if got, want := len(cat.Plans), 2; got != want {
		t.Errorf("LoadFiles(dir, file) plans = %d, want %d", got, want)
	}
	if _, ok := cat.Plan("two"); !ok {
		t.Errorf("plan two missing")
	}
}

func TestDefaultsInherited(t *testing.T) {
	src := `id: d
title: 计划
region: 区
source: 文件
start_year: 2019
end_year: 2022
defaults: {frequency: quarterly, due_days: 30, measure: cumulative}
tasks:
  - task: 1
    title: 任务
    work_lines:
      - text: 要点
        lead_units: [区科工信局]
        indicators:
          - {id: a, name: 甲, kind: at_least, target: 1, unit: 个, deadline: 2022, source_text: 原文}
          - {id: b, name: 乙, kind: at_least, target: 1, unit: 个, deadline: 2022, source_text: 原文, frequency: annual, due_days: 90, measure: level}
          - {id: c, name: 丙, kind: milestone, unit: 项, deadline: 2021, source_text: 原文, baseline: {period: "2019", value: 0}}
`
	cat, err := LoadFS(fstest.MapFS{"d.yaml": {Data: []byte(src)}})
	if err != nil {
		t.Fatalf("LoadFS: %v", err)
	}
	type row struct {
		Frequency kpi.Frequency
		DueDays   int
		Measure   kpi.Measure
		Target    float64
		Baseline  *kpi.Baseline
		CoUnits   []string
	}
	var got []row
	for _, ind := range cat.Indicators {
		got = append(got, row{ind.Frequency, ind.DueDays, ind.Measure, ind.Target, ind.Baseline, ind.CoUnits})
	}
	want := []row{
		{kpi.Quarterly, 30, kpi.MeasureCumulative, 1, nil, []string{}},
		{kpi.Annual, 90, kpi.MeasureLevel, 1, nil, []string{}},
		{kpi.Quarterly, 30, kpi.MeasureCumulative, 1, &kpi.Baseline{Period: kpi.YearPeriod(2019), Value: 0}, []string{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("indicators mismatch (-want +got):\n%s", diff)
	}
}

func FuzzParseFile(f *testing.F) {
	seed, err := os.ReadFile("../../targets/yanfeng-innovation.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(planYAML("p", "1:a", "2:b")))
	bad, _ := filepath.Glob("testdata/bad/*.yaml")
	for _, p := range bad {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, problems := parseFile("fuzz.yaml", data)
		if pf == nil && len(problems) == 0 {
			t.Fatalf("parseFile returned neither a plan nor a problem")
		}
		for _, p := range problems {
			if p.Message == "" {
				t.Errorf("problem without message: %+v", p)
			}
		}
	})
}

func BenchmarkDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Default(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDiff(b *testing.B) {
	cat, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	changed := kpi.Catalog{Plans: cat.Plans, Indicators: append([]kpi.Indicator(nil), cat.Indicators...)}
	changed.Indicators[0].Target++
	for b.Loop() {
		if got := Diff(cat, changed); len(got) != 1 {
			b.Fatalf("Diff: %d changes, want 1", len(got))
		}
	}
}

// TestNewFieldsLoad reads every field the method added: the plan's base
// year and reporting_from, and an indicator's tolerance, strict, stages,
// note and baseline source.
func TestNewFieldsLoad(t *testing.T) {
	src := `id: p
title: 计划
region: 区
source: 文件
start_year: 2019
end_year: 2022
base_year: 2018
reporting_from: 2023-06-30
tasks:
  - task: 1
    title: 任务
    work_lines:
      - text: 要点
        lead_units: [区科工信局]
        indicators:
          - {id: a, name: 甲, kind: at_least, target: 40, tolerance: 5, unit: 家, deadline: 2022, note: 左右按5%计, source_text: 原文}
          - {id: b, name: 乙, kind: at_least, target: 40, strict: true, unit: 家, deadline: 2022, source_text: 原文}
          - {id: c, name: 丙, kind: milestone, unit: "%", deadline: 2022, source_text: 原文, stages: [{period: "2020", percent: 30, text: 方案已起草}, {period: "2021", percent: 60}]}
          - {id: d, name: 丁, kind: multiply, target: 2, unit: 万元, deadline: 2022, source_text: 原文, baseline: {period: "2018", value: 1000, source: 2018年统计公报}}
          - {id: e, name: 戊, kind: continuing, unit: 项, deadline: 2022, source_text: 原文}
`
	cat, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(src)}})
	if err != nil {
		t.Fatalf("LoadFS: %v", err)
	}
	plan := cat.Plans[0]
	if plan.BaseYear != 2018 || !plan.ReportingFrom.Equal(time.Date(2023, 6, 30, 0, 0, 0, 0, kpi.China)) {
		t.Errorf("plan base_year, reporting_from = %d, %v; want 2018, 2023-06-30 China", plan.BaseYear, plan.ReportingFrom)
	}
	type row struct {
		Kind      kpi.Kind
		Target    float64
		Tolerance float64
		Strict    bool
		Stages    []kpi.Stage
		Note      string
		Baseline  *kpi.Baseline
	}
	var got []row
	for _, ind := range cat.Indicators {
		got = append(got, row{ind.Kind, ind.Target, ind.Tolerance, ind.Strict, ind.Stages, ind.Note, ind.Baseline})
	}
	want := []row{
		{Kind: kpi.KindAtLeast, Target: 40, Tolerance: 5, Note: "左右按5%计"},
		{Kind: kpi.KindAtLeast, Target: 40, Strict: true},
		{Kind: kpi.KindMilestone, Target: 100, Stages: []kpi.Stage{{Period: kpi.YearPeriod(2020), Percent: 30, Text: "方案已起草"}, {Period: kpi.YearPeriod(2021), Percent: 60}}},
		{Kind: kpi.KindMultiply, Target: 2, Baseline: &kpi.Baseline{Period: kpi.YearPeriod(2018), Value: 1000, Source: "2018年统计公报"}},
		{Kind: kpi.KindContinuing, Target: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("indicators (-want +got):\n%s", diff)
	}
}
