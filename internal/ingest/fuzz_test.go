package ingest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"strings"
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
		rows, problems := collect(parseCSV, kpi.Upload{Name: "f.csv", Body: body}, limits{maxRows: 1000})
		checkRows(t, rows, problems)
	})
}

// storedSeed rewrites a workbook with its parts stored, not deflated, and
// without the parts the reader never opens (docProps, the theme), so that
// the mutator's changes land in the XML the reader tokenizes instead of a
// deflate stream whose checksum then fails.
func storedSeed(f *testing.F, book []byte) []byte {
	f.Helper()
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range zr.File {
		if strings.HasPrefix(p.Name, "docProps/") || strings.HasPrefix(p.Name, "xl/theme/") {
			continue
		}
		rc, err := p.Open()
		if err != nil {
			f.Fatal(err)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.Name, Method: zip.Store})
		if err == nil {
			_, err = io.Copy(w, rc)
		}
		rc.Close()
		if err != nil {
			f.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzParseXLSX and FuzzExplanationSheet take inputs of several KiB, which
// Go's minimizer (it tries removing every span of bytes) cannot finish in
// its default 60 s: run them with a minimization count, as .ci/fuzz does,
// or the coordinator shows "0/sec" while the workers only minimize:
//
//	go test ./internal/ingest -run '^$' -fuzz '^FuzzParseXLSX$' -fuzztime 30s -fuzzminimizetime 100x
func FuzzParseXLSX(f *testing.F) {
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"指标编号", "报告期", "实际值"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"high_tech_enterprises", "2021", 28})
	var buf bytes.Buffer
	x.WriteTo(&buf)
	f.Add(buf.Bytes())
	stored := storedSeed(f, buf.Bytes())
	if rows, problems := collect(parseXLSX, kpi.Upload{Name: "f.xlsx", Body: stored}, limits{}); len(rows) != 1 {
		f.Fatalf("the stored seed (%d bytes) reads as %d rows, %v; want its one figure", len(stored), len(rows), problems)
	}
	f.Add(stored)
	f.Add([]byte("PK\x03\x04 not really a zip"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, problems := collect(parseXLSX, kpi.Upload{Name: "f.xlsx", Body: body}, limits{maxRows: 1000})
		checkRows(t, rows, problems)
	})
}

// FuzzParseJSON asserts what the JSON parser accepts: a body it takes is
// valid JSON (after an optional BOM), an array of rows or an object whose
// "rows" array holds them, and each row is that element as kpi.Row decodes
// it, numbered from 1; a body it refuses gets one problem naming the file.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`[{"indicator":"a","period":2021,"value":1}]`,
		`{"rows":[{"name":"名","period":"2021","value":"1"}]}`,
		`{"meta":{"x":[1]},"rows":[{"indicator":"a","value":"44,700"}],"more":true}`,
		"\xEF\xBB\xBF[]",
		`[`, `null`, `[{"value":{}}]`, `[] trailing`, `{"rows":[]} {`, `{"rows":[],`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, problems := collect(parseJSON, kpi.Upload{Name: "f.json", Body: body}, limits{maxRows: 1000})
		if len(rows) > 0 && len(problems) > 0 {
			t.Fatalf("parse returned rows and problems")
		}
		if len(problems) > 0 {
			if len(problems) != 1 || problems[0].File != "f.json" || !strings.Contains(problems[0].Message, "JSON") {
				t.Fatalf("a refused body gets %+v, want one problem naming f.json and JSON", problems)
			}
			return
		}
		text := bytes.TrimPrefix(body, utf8BOM)
		if !json.Valid(text) {
			t.Fatalf("accepted invalid JSON %q as %d rows", body, len(rows))
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(text, &elems); err != nil {
			var obj struct{ Rows []json.RawMessage }
			if err := json.Unmarshal(text, &obj); err != nil {
				t.Fatalf("accepted %q, which is neither an array nor an object with a rows array: %v", body, err)
			}
			elems = obj.Rows
			if len(elems) != len(rows) && bytes.Count(text, []byte(`"rows"`)) > 1 {
				return // several "rows" keys: the parser takes the first, encoding/json the last
			}
		}
		if len(elems) != len(rows) {
			t.Fatalf("accepted %q as %d rows, want %d (one per element)", body, len(rows), len(elems))
		}
		for i, el := range elems {
			var want kpi.Row
			if err := json.Unmarshal(el, &want); err != nil {
				t.Fatalf("row %d %s was accepted but does not decode alone: %v", i+1, el, err)
			}
			want.Line = i + 1
			if rows[i].Row != want {
				t.Fatalf("row %d = %+v, want %+v", i+1, rows[i].Row, want)
			}
		}
	})
}

// FuzzExplanationSheet: whatever a workbook's 情况说明 sheet holds, the
// rows kept are within the sheet's bounds, each located and each with an
// explanation in it.
func FuzzExplanationSheet(f *testing.F) {
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"指标编号", "报告期", "实际值"})
	x.NewSheet(ExplanationSheet)
	x.SetSheetRow(ExplanationSheet, "A1", &[]any{explanationNote})
	x.SetSheetRow(ExplanationSheet, "A2", &[]any{"指标编号", "原因", "措施", "预计完成时间", "预计可达数值"})
	x.SetSheetRow(ExplanationSheet, "A3", &[]any{"high_tech_enterprises", "认定滞后", "加快认定", 44926, "1,200"})
	var buf bytes.Buffer
	x.WriteTo(&buf)
	f.Add(buf.Bytes())
	stored := storedSeed(f, buf.Bytes())
	var seed explanationSet
	parseWorkbook(kpi.Upload{Name: "f.xlsx", Body: stored}, limits{}.withDefaults(), func(*row) {}, &seed)
	if len(seed.rows) != 1 {
		f.Fatalf("the stored seed (%d bytes) holds %d explanations, want 1", len(stored), len(seed.rows))
	}
	f.Add(stored)
	f.Fuzz(func(t *testing.T, body []byte) {
		var ex explanationSet
		parseWorkbook(kpi.Upload{Name: "f.xlsx", Body: body}, limits{maxRows: 1000}.withDefaults(), func(*row) {}, &ex)
		if len(ex.rows) > maxExplanationRows {
			t.Fatalf("%d rows kept", len(ex.rows))
		}
		for _, r := range ex.rows {
			if r.line <= 0 || r.reason == "" && r.measures == "" && r.expectedBy == "" && r.revised == "" {
				t.Fatalf("row %+v", r)
			}
			for _, v := range []string{r.plan, r.indicator, r.name, r.unit, r.reason, r.measures, r.expectedBy, r.revised} {
				if len(v) > explanationCellBytes {
					t.Fatalf("a %d-byte cell kept", len(v))
				}
			}
		}
	})
}
