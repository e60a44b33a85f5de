package kpi_test

import (
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestProblemText: a submitter reads where, what, what was written and
// what is expected in Chinese words, the English on the next line.
func TestProblemText(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    kpi.Problem
		want string
	}{
		{"CSV cell", kpi.Problem{File: "万.csv", Row: 2, Column: "实际值", Field: "value", Value: "2万", Expected: "数值\na number", Message: "不是数字\nnot a number"},
			"万.csv 第 2 行 实际值 列：不是数字（填写的是“2万”，应为：数值）\n万.csv: row 2: column 实际值: not a number (found \"2万\", expected a number)"},
		{"XLSX cell", kpi.Problem{File: "b.xlsx", Sheet: "报送", Row: 4, Column: "D", Value: "a\nb", Message: "不是数字\nnot a number"},
			"b.xlsx 工作表“报送” 第 4 行 D 列：不是数字（填写的是“a b”）\nb.xlsx: sheet 报送: row 4: column D: not a number (found \"a\\nb\")"},
		{"whole file", kpi.Problem{File: "a.csv", Message: "没有任何数据行\nno figures"},
			"a.csv：没有任何数据行\na.csv: no figures"},
		{"Chinese only", kpi.Problem{Row: 3, Expected: "年度，如 2021\na year like 2021", Message: "该指标按年度报送"},
			"第 3 行：该指标按年度报送（应为：年度，如 2021）\nrow 3: 该指标按年度报送 (expected a year like 2021)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Text(); got != tc.want {
				t.Errorf("Text() =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestMoreTextKindsInChinese(t *testing.T) {
	e := &kpi.Error{More: 999_990, Kinds: map[string]int{"value": 999_000, "period": 990, "file": 100}}
	want := "另有 999,990 处问题未列出（全部按类别：实际值 999,000、报告期 990、文件 100）\nand 999,990 more not listed (all problems by kind: value 999,000, period 990, file 100)"
	if got := e.MoreText(); got != want {
		t.Errorf("MoreText() =\n%s\nwant\n%s", got, want)
	}
}

// TestProblemStringLeavesOutWhatIsMissing: no "expected )" when a problem
// has a value but nothing expected.
func TestProblemStringLeavesOutWhatIsMissing(t *testing.T) {
	p := kpi.Problem{Field: "headers", Value: "Authorization", Message: "header uses ${X}, which is not set"}
	if got, want := p.String(), `headers: header uses ${X}, which is not set (found "Authorization")`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
