package ingest

import "github.com/yanfeng/kpimon/internal/kpi"

// parseXLSX reads a workbook's figures (its 情况说明 sheet is not read),
// as the parser tests call it.
func parseXLSX(u kpi.Upload, l limits, emit func(*row)) []kpi.Problem {
	return parseWorkbook(u, l, emit, nil)
}
