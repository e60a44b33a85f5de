package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestImplausibleCountNeedsConfirmation: a count far above its target
// (高新技术企业 2020 = 999999999 against 30) is refused with 请核实, and
// stored once the file or the API confirms it.
func TestImplausibleCountNeedsConfirmation(t *testing.T) {
	tests := []struct {
		name   string
		up     kpi.Upload
		stored bool
	}{
		{"nine digits too many", kpi.Upload{Name: "a.csv", Body: []byte("indicator,period,value\nhigh_tech_enterprises,2020,999999999\n")}, false},
		{"1e15", kpi.Upload{Name: "a.csv", Body: []byte("indicator,period,value\nhigh_tech_enterprises,2020,1e15\n")}, false},
		{"JSON", kpi.Upload{Name: "a.json", Body: []byte(`[{"indicator":"high_tech_enterprises","period":"2020","value":"301"}]`)}, false},
		{"ten times the target is plausible", kpi.Upload{Name: "a.csv", Body: []byte("indicator,period,value\nhigh_tech_enterprises,2020,300\n")}, true},
		{"confirmed in a 确认 column", kpi.Upload{Name: "a.csv", Body: []byte("指标编号,报告期,实际值,确认\nhigh_tech_enterprises,2020,999999999,是\n")}, true},
		{"a column saying no does not confirm", kpi.Upload{Name: "a.csv", Body: []byte("指标编号,报告期,实际值,确认\nhigh_tech_enterprises,2020,999999999,否\n")}, false},
		{"confirmed in JSON", kpi.Upload{Name: "a.json", Body: []byte(`[{"indicator":"high_tech_enterprises","period":"2020","value":"999999999","confirm":true}]`)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			u := tt.up
			u.Actor, u.Source = operator, "api"
			_, err := f.ing.Ingest(context.Background(), u)
			_, stored := f.value(t, "high_tech_enterprises", kpi.Period{Year: 2020})
			if stored != tt.stored {
				t.Fatalf("Ingest: %v; stored %v, want %v", err, stored, tt.stored)
			}
			if tt.stored {
				return
			}
			var ke *kpi.Error
			if !errors.As(err, &ke) || len(ke.Problems) != 1 {
				t.Fatalf("Ingest = %v, want one problem", err)
			}
			zh := kpi.ChineseLine(ke.Problems[0].Message)
			if !strings.Contains(zh, "请核实") || !strings.Contains(zh, "确认") || strings.ContainsAny(zh, "abcdefghijklmnopqrstuvwxyz") {
				t.Errorf("problem's Chinese line %q, want 请核实 and how to confirm, no English", zh)
			}
		})
	}
}

// TestHugeCellExcerptedOnce: a 30 MiB cell is quoted with its real length,
// not the length of the excerpt cut a second time (（共 108 字节）).
func TestHugeCellExcerptedOnce(t *testing.T) {
	f := newFixture(t)
	cell := strings.Repeat("x", 30<<20)
	_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "big.csv", Body: []byte("indicator,period,value\nhigh_tech_enterprises,2021," + cell + "\n"),
		Actor: operator, Source: "api"})
	var ke *kpi.Error
	if !errors.As(err, &ke) || len(ke.Problems) != 1 {
		t.Fatalf("Ingest = %v, want one problem", err)
	}
	if v, want := ke.Problems[0].Value, fmt.Sprintf("（共 %d 字节）", len(cell)); !strings.HasSuffix(v, want) {
		t.Errorf("problem value %q, want it to end %q", v, want)
	}
}

// TestEmptyJSONObjectsBoundedHeap: 6 MB of {} (two million rows, each a
// problem) was held as two million rows and reached 1.2 GiB; rows are now
// checked as they are decoded.
func TestEmptyJSONObjectsBoundedHeap(t *testing.T) {
	f := newFixture(t)
	body := append([]byte("["), bytes.Repeat([]byte("{},"), 1_999_999)...)
	body = append(body, "{}]"...)
	var err error
	peak := heapPeak(t, func() {
		_, err = f.ing.Ingest(context.Background(), kpi.Upload{Name: "e.json", Body: body, Actor: operator, Source: "api"})
	})
	var ke *kpi.Error
	if !errors.As(err, &ke) || ke.Code != kpi.EINVALID || len(ke.Problems) == 0 {
		t.Fatalf("Ingest = %v, want refused with problems", err)
	}
	if limit := uint64(len(body)) + 48<<20; peak > limit {
		t.Errorf("heap peaked at %d MiB reading %d MB of {}, want at most %d MiB", peak>>20, len(body)/1e6, limit>>20)
	}
	t.Logf("heap peak %d MiB", peak>>20)
}

// TestXLSXLargeSharedStrings: a workbook whose shared strings are too many
// to keep in memory is read through a table in the temporary directory,
// which holds no file once the submission is read.
func TestXLSXLargeSharedStrings(t *testing.T) {
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"指标编号", "报告期", "实际值", "备注"})
	x.NewSheet("Sheet2")
	// Shared strings: a few the sheet uses, then many it does not.
	x.SetCellStr("Sheet1", "A2", "high_tech_enterprises")
	x.SetCellStr("Sheet1", "B2", "2021")
	x.SetCellStr("Sheet1", "C2", "28")
	x.SetCellStr("Sheet1", "D2", "统计公报 & <年报>")
	x.SetCellStr("Sheet1", "A3", "rd_spending_share_gdp")
	x.SetCellStr("Sheet1", "B3", "2021")
	x.SetCellFloat("Sheet1", "C3", 2.1, -1, 64)
	filler := strings.Repeat("填", 1500)
	for i := range 2500 { // 11 MiB of strings: more than is kept in memory
		x.SetCellStr("Sheet2", fmt.Sprintf("A%d", i+1), fmt.Sprintf("%s %d", filler, i))
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	f := newFixtureWith(t, ingest.Options{TempDir: tmp})
	res, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "s.xlsx", Body: buf.Bytes(), Actor: operator, Source: "api"})
	if err != nil || res.Added != 2 {
		t.Fatalf("Ingest = %+v, %v; want 2 added", res, err)
	}
	latest, _ := f.store.Latest(context.Background())
	got := latest[kpi.Ref{Plan: "yf", ID: "high_tech_enterprises"}]
	if len(got) != 1 || got[0].Value != 28 || got[0].Note != "统计公报 & <年报>" {
		t.Errorf("high_tech_enterprises figures %+v, want 28 noted 统计公报 & <年报>", got)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temporary directory holds %d files after the ingest, want none", len(entries))
	}
}

// TestFileOverIngestBudget: a file whose reading may need more than the
// whole ingest memory budget is refused at once, naming the limit.
func TestFileOverIngestBudget(t *testing.T) {
	ing := newFixtureWith(t, ingest.Options{IngestMemory: 4 << 20}).ing
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"指标编号", "报告期", "实际值"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"high_tech_enterprises", "2021", 28})
	var buf bytes.Buffer
	x.WriteTo(&buf)
	_, err := ing.Ingest(context.Background(), kpi.Upload{Name: "m.xlsx", Body: buf.Bytes(), Actor: operator, Source: "api"})
	var ke *kpi.Error
	if !errors.As(err, &ke) || ke.Code != kpi.EINVALID || !strings.Contains(ke.Message, "limits.ingest-memory") {
		t.Fatalf("Ingest under a 4 MiB budget = %v, want refused naming limits.ingest-memory", err)
	}
	// A CSV of the same figure needs far less, and is stored.
	if _, err := ing.Ingest(context.Background(), kpi.Upload{Name: "m.csv", Body: []byte("indicator,period,value\nhigh_tech_enterprises,2021,28\n"), Actor: operator, Source: "api"}); err != nil {
		t.Errorf("CSV under a 4 MiB budget: %v", err)
	}
}
