package ingest

import (
	"github.com/yanfeng/kpimon/internal/kpi"
)

// longCell refuses a row with a cell longer than the limit (CSV and XLSX
// cells are checked as each row is read).
func longCell(u kpi.Upload, sheet string, line int, cells []string, l limits) (kpi.Problem, bool) {
	for _, c := range cells {
		if len(c) > l.maxCellBytes {
			err := overLimit("单元格内容超过 %d KiB 的上限", "a cell is longer than the limit of %d KiB", l.maxCellBytes>>10)
			return kpi.Problem{File: u.Name, Sheet: sheet, Row: line, Value: kpi.Excerpt(c), Message: err.Error()}, false
		}
	}
	return kpi.Problem{}, true
}

// longFields refuses a decoded row (JSON) with a field longer than the
// limit.
func longFields(r *row, u kpi.Upload, l limits) []kpi.Problem {
	for _, c := range []string{r.Indicator, r.name, r.Plan, r.Period, r.Value, r.Unit, r.Note} {
		if len(c) > l.maxCellBytes {
			return []kpi.Problem{{File: u.Name, Row: r.Line, Value: kpi.Excerpt(c),
				Message: overLimit("字段内容超过 %d KiB 的上限", "a field is longer than the limit of %d KiB", l.maxCellBytes>>10).Error()}}
		}
	}
	return nil
}
