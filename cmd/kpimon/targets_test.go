package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runTargets runs "kpimon targets args…" and returns stdout, stderr and the error.
func runTargets(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err := run(context.Background(), append([]string{"kpimon", "targets"}, args...), getenv, strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

const catalogTestdata = "../../internal/catalog/testdata"

// listedIndicator is the JSON of one indicator as 'targets list -o json' prints it.
type listedIndicator struct {
	ID           string          `json:"id"`
	Plan         string          `json:"plan"`
	Name         string          `json:"name"`
	NameEN       string          `json:"name_en"`
	Task         int             `json:"task"`
	TaskTitle    string          `json:"task_title"`
	Kind         string          `json:"kind"`
	Target       float64         `json:"target"`
	Unit         string          `json:"unit"`
	Deadline     int             `json:"deadline"`
	DeadlineNote string          `json:"deadline_note"`
	Baseline     json.RawMessage `json:"baseline"`
	BaselineRule string          `json:"baseline_rule"`
	Measure      string          `json:"measure"`
	Frequency    string          `json:"frequency"`
	DueDays      int             `json:"due_days"`
	LeadUnits    []string        `json:"lead_units"`
	CoUnits      []string        `json:"co_units"`
	SourceText   string          `json:"source_text"`
}

func TestTargetsListJSON(t *testing.T) {
	stdout, stderr, err := runTargets(t, nil, "list", "-o", "json")
	if err != nil {
		t.Fatalf("targets list -o json: %v\nstderr: %s", err, stderr)
	}
	var got []listedIndicator
	var raw []map[string]any
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("output is not a JSON array: %v", err)
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(got) < 50 {
		t.Fatalf("got %d indicators, want at least 50", len(got))
	}
	for _, key := range []string{"id", "plan", "name", "name_en", "task", "task_title", "kind", "target", "unit",
		"deadline", "baseline", "lead_units", "co_units", "source_text", "measure", "frequency", "due_days"} {
		if _, ok := raw[0][key]; !ok {
			t.Errorf("first object has no %q key: %v", key, raw[0])
		}
	}
	byID := map[string]listedIndicator{}
	for _, ind := range got {
		byID[ind.ID] = ind
	}
	type row struct {
		Kind      string
		Target    float64
		Unit      string
		Deadline  int
		Baseline  string
		Rule      string
		LeadUnits []string
	}
	tests := []struct {
		id   string
		want row
	}{
		{"high_tech_enterprises", row{"at_least", 30, "家", 2022, "null", "", []string{"区科工信局"}}},
		{"energy_intensity_gdp", row{"at_most", 0.331, "吨标准煤/万元", 2022, "null", "", []string{"区发改局", "区人社局"}}},
		{"approval_steps_cut", row{"reduce_by", 10, "个", 2022, "null", "first_observation", []string{"区行政审批局"}}},
		{"rd_spending_share_gdp", row{"at_least", 2.51, "%", 2022, "null", "", []string{"区科工信局"}}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			ind, ok := byID[tt.id]
			if !ok {
				t.Fatalf("%s not listed", tt.id)
			}
			got := row{ind.Kind, ind.Target, ind.Unit, ind.Deadline, string(ind.Baseline), ind.BaselineRule, ind.LeadUnits}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", tt.id, diff)
			}
		})
	}
	if !strings.Contains(stdout, "R&D") {
		t.Errorf("JSON escapes & in R&D; want it readable")
	}
	if ind := byID["safe_yanfeng"]; ind.CoUnits == nil {
		t.Errorf("safe_yanfeng co_units = null, want []")
	}
}

func TestTargetsListTable(t *testing.T) {
	stdout, stderr, err := runTargets(t, nil, "list")
	if err != nil {
		t.Fatalf("targets list: %v\nstderr: %s", err, stderr)
	}
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	// Every indicator row puts its kind column at the same display column,
	// however many Chinese characters come before it.
	col := -1
	rows := 0
	notes := map[string]string{} // indicator id → the note line under its row
	id := ""
	for _, l := range lines {
		if note, ok := strings.CutPrefix(l, "      说明 note: "); ok {
			notes[id] = note
			continue
		}
		if !strings.HasPrefix(l, "  ") {
			continue
		}
		rows++
		id = strings.Fields(l)[0]
		var kindAt int
		for _, kind := range []string{" at_least ", " at_most ", " increase ", " reduce_by ", " multiply ", " milestone ", " continuing "} {
			if i := strings.Index(l, kind); i >= 0 {
				kindAt = displayWidth(l[:i+1])
				break
			}
		}
		if kindAt == 0 {
			t.Errorf("row without a kind column: %q", l)
			continue
		}
		if col == -1 {
			col = kindAt
		}
		if kindAt != col {
			t.Errorf("kind column at %d, want %d (misaligned): %q", kindAt, col, l)
		}
	}
	if rows != 80 {
		t.Errorf("table has %d indicator rows, want 80", rows)
	}
	// The note says how a line was read, under its row.
	if got, want := notes["tech_smes"], "原文“突破40家”即超过40家：40家尚未达标，41家及以上为达标。"; got != want {
		t.Errorf("note under tech_smes = %q, want %q", got, want)
	}
	if _, ok := notes["high_tech_enterprises"]; ok {
		t.Errorf("high_tech_enterprises has a note line, but no note")
	}
	for _, want := range []string{"任务 task 6 创新环境建设", "区发改局、区商务局", "1 plans, 80 indicators"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	if n := strings.Count(stdout, "任务 task 6 "); n != 1 {
		t.Errorf("task 6 heading appears %d times, want once", n)
	}
}

func TestTargetsListFromDir(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../../targets/yanfeng-innovation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(src), "id: yanfeng-innovation", "id: other-plan", 1)
	if err := os.WriteFile(filepath.Join(dir, "other.yaml"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"flag", nil, []string{"list", "-o", "json", "--targets", dir}},
		{"env", map[string]string{"KPIMON_TARGETS": dir}, []string{"list", "-o", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runTargets(t, tt.env, tt.args...)
			if err != nil {
				t.Fatalf("%v\nstderr: %s", err, stderr)
			}
			var got []listedIndicator
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 || got[0].Plan != "other-plan" {
				t.Errorf("listed plan = %v, want other-plan from %s", got, dir)
			}
		})
	}
}

func TestTargetsValidate(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int // 0 for success
		wantOut    []string
		wantNoLine bool
	}{
		{"embedded file ok", []string{"../../targets/yanfeng-innovation.yaml"}, 0,
			[]string{"ok: 1 plans, 80 indicators"}, false},
		{"one problem", []string{filepath.Join(catalogTestdata, "bad", "unknown_kind.yaml")}, 1,
			[]string{"unknown_kind.yaml:18: kind: 未知的指标类型 unknown kind (indicator high_tech_enterprises; found \"at_lest\"; expected at_least, at_most, increase, reduce_by, multiply, milestone, continuing)"}, false},
		{"every problem of a file", []string{filepath.Join(catalogTestdata, "multi")}, 1,
			[]string{"several.yaml:18: kind:", "several.yaml:20: unit:", "several.yaml:21: deadline:"}, false},
		{"several files", []string{filepath.Join(catalogTestdata, "bad", "unknown_unit.yaml"), filepath.Join(catalogTestdata, "bad", "missing_deadline.yaml")}, 1,
			[]string{"unknown_unit.yaml:20: unit:", "missing_deadline.yaml:16: deadline:"}, false},
		{"plan id twice", []string{filepath.Join(catalogTestdata, "dupplan")}, 1,
			[]string{"b.yaml:1: id: 计划编号重复"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runTargets(t, nil, append([]string{"validate"}, tt.args...)...)
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != tt.wantCode {
				t.Errorf("exit code = %d (err %v), want %d\nstdout: %s\nstderr: %s", code, err, tt.wantCode, stdout, stderr)
			}
			for _, want := range tt.wantOut {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
		})
	}
}

func TestTargetsDiff(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../../targets/yanfeng-innovation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	newer := strings.Replace(string(src), "            target: 30\n            unit: 家\n            deadline: 2022\n",
		"            target: 35\n            unit: 家\n            deadline: 2022\n", 1)
	if newer == string(src) {
		t.Fatal("test edit did not apply")
	}
	newFile := filepath.Join(dir, "new.yaml")
	if err := os.WriteFile(newFile, []byte(newer), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"changed", []string{"../../targets/yanfeng-innovation.yaml", newFile},
			"target.change  yanfeng-innovation/high_tech_enterprises  target 30 → 35\n"},
		{"dir against file, same", []string{"../../targets", "../../targets/yanfeng-innovation.yaml"},
			"no changes (没有变化)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runTargets(t, nil, append([]string{"diff"}, tt.args...)...)
			if err != nil {
				t.Fatalf("targets diff: %v\nstderr: %s", err, stderr)
			}
			if diff := cmp.Diff(tt.want, stdout); diff != "" {
				t.Errorf("output mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTargetsUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantErr  error
		wantCode int
		wantOut  string // in stdout
		wantErrS string // in stderr
	}{
		{"no subcommand", nil, errUsage, 2, "", "Subcommands:"},
		{"unknown subcommand", []string{"lint"}, errUsage, 2, "", `unknown subcommand "lint"`},
		{"help", []string{"-h"}, nil, 0, "Subcommands:", ""},
		{"list help", []string{"list", "-h"}, nil, 0, "Example:\n  kpimon targets list -o json", ""},
		{"validate help", []string{"validate", "--help"}, nil, 0, "kpimon targets validate targets/*.yaml", ""},
		{"diff help", []string{"diff", "-h"}, nil, 0, "Usage: kpimon targets diff", ""},
		{"validate without files", []string{"validate"}, errUsage, 2, "", "name one or more"},
		{"diff with one side", []string{"diff", "a.yaml"}, errUsage, 2, "", "OLD and NEW"},
		{"bad output format", []string{"list", "-o", "xml"}, errUsage, 2, "", "table,json"},
		{"missing file", []string{"validate", "no-such-file.yaml"}, nil, 1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runTargets(t, nil, tt.args...)
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != tt.wantCode {
				t.Errorf("exit code = %d (err %v), want %d", code, err, tt.wantCode)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(stdout, tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, stdout)
			}
			if !strings.Contains(stderr, tt.wantErrS) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErrS, stderr)
			}
		})
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		cols int
		want string
	}{
		{"高新技术企业", 12, "高新技术企业"},
		{"高新技术企业", 11, "高新技术企…"},
		{"R&D经费", 6, "R&D经…"},
		{"abc", 3, "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := clip(tt.in, tt.cols); got != tt.want {
				t.Errorf("clip(%q, %d) = %q, want %q", tt.in, tt.cols, got, tt.want)
			}
			if w := displayWidth(clip(tt.in, tt.cols)); w > tt.cols {
				t.Errorf("clip(%q, %d) is %d columns wide", tt.in, tt.cols, w)
			}
		})
	}
}
