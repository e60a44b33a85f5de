package ingest

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// checkRows asserts what every parser promises: rows or problems, never
// both, every row located, none without a figure.
func checkRows(t *testing.T, rows []row, problems []kpi.Problem) {
	t.Helper()
	if len(rows) > 0 && len(problems) > 0 {
		t.Fatalf("parse returned %d rows and %d problems", len(rows), len(problems))
	}
	for _, r := range rows {
		if r.Line <= 0 {
			t.Fatalf("row %+v has no line number", r)
		}
		if r.Period == "" && r.Value == "" {
			t.Fatalf("row %+v has neither period nor value", r)
		}
	}
}

func FuzzParseCSV(f *testing.F) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("指标编号,报告期,实际值\nhigh_tech_enterprises,2021年,28\n")
	for _, s := range []string{
		"indicator,period,value\nhigh_tech_enterprises,2021,28\n",
		"\xEF\xBB\xBF指标名称,报告期,实际值,备注\n高新技术企业,2021年第三季度,\"44,700\",\"a\"\"b\"\n",
		gbk,
		"a;b;c\n1;2;3\n",
		"indicator,period,value\n\"unterminated,2021,1\n",
		"",
		"\n\n\nindicator,period,value\n,,\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, problems := parseCSV(kpi.Upload{Name: "f.csv", Body: body}, limits{maxRows: 1000})
		checkRows(t, rows, problems)
	})
}

func FuzzParseXLSX(f *testing.F) {
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"指标编号", "报告期", "实际值"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"high_tech_enterprises", "2021", 28})
	var buf bytes.Buffer
	x.WriteTo(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04 not really a zip"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, problems := parseXLSX(kpi.Upload{Name: "f.xlsx", Body: body}, limits{maxRows: 1000})
		checkRows(t, rows, problems)
	})
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`[{"indicator":"a","period":2021,"value":1}]`, `{"rows":[{"name":"名","period":"2021","value":"1"}]}`, `[`, `null`, `[{"value":{}}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, problems := parseJSON(kpi.Upload{Name: "f.json", Body: body}, limits{maxRows: 1000})
		if len(rows) > 0 && len(problems) > 0 {
			t.Fatalf("parse returned rows and problems")
		}
	})
}
