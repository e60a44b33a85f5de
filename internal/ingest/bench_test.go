package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// benchCatalog has n annual indicators reported 2013–2022.
func benchCatalog(n int) kpi.Catalog {
	cat := kpi.Catalog{Plans: []kpi.Plan{{ID: "b", Title: "b", Region: "b", Source: "b", StartYear: 2013, EndYear: 2022}}}
	for i := range n {
		cat.Indicators = append(cat.Indicators, kpi.Indicator{ID: fmt.Sprintf("i%06d", i), Plan: "b", Name: fmt.Sprintf("指标%06d", i),
			Task: 1, LeadUnits: []string{"区统计局"}, Unit: "家", Kind: kpi.KindAtLeast, Target: 100, Deadline: 2022,
			Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel, SourceText: "s"})
	}
	return cat
}

func benchIngest(b *testing.B, format string, rows int) {
	benchIngestCatalog(b, format, benchCatalog(rows/10), rows)
}

// benchIngestCatalog ingests ten annual figures of each indicator of cat
// in turn, rows in all, naming the plan of each row in CSV.
func benchIngestCatalog(b *testing.B, format string, cat kpi.Catalog, rows int) {
	var body bytes.Buffer
	switch format {
	case "csv":
		body.WriteString("plan,indicator,period,value\n")
		n := 0
		for _, ind := range cat.Indicators {
			for y := 2013; y <= 2022 && n < rows; y++ {
				fmt.Fprintf(&body, "%s,%s,%d,%d\n", ind.Plan, ind.ID, y, y-2000)
				n++
			}
		}
	case "xlsx":
		f := excelize.NewFile()
		sw, _ := f.NewStreamWriter("Sheet1")
		sw.SetRow("A1", []any{"指标编号", "报告期", "实际值"})
		r := 2
		for _, ind := range cat.Indicators {
			for y := 2013; y <= 2022; y++ {
				cell, _ := excelize.CoordinatesToCellName(1, r)
				sw.SetRow(cell, []any{ind.ID, y, y - 2000})
				r++
			}
		}
		sw.Flush()
		f.WriteTo(&body)
	}
	b.SetBytes(int64(body.Len()))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		st, err := boltstore.Open(filepath.Join(b.TempDir(), "kpimon.db"), boltstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		st.SyncCatalog(context.Background(), cat, kpi.Actor{Name: "b"})
		ing, _ := ingest.New(ingest.Options{Store: st})
		b.StartTimer()
		res, err := ing.Ingest(context.Background(), kpi.Upload{Name: "b." + format, Body: body.Bytes(), Actor: kpi.Actor{All: true}, Source: "bench"})
		if err != nil || res.Added != rows {
			b.Fatalf("ingest: %+v %v", res, strings.TrimSpace(fmt.Sprint(err)))
		}
		b.StopTimer()
		st.Close()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkIngestCSV100k(b *testing.B)  { benchIngest(b, "csv", 100_000) }
func BenchmarkIngestXLSX100k(b *testing.B) { benchIngest(b, "xlsx", 100_000) }

// BenchmarkIngestCSVPlans is a province's submission: 1,000 plans sharing
// the same 10 indicator ids, each row naming its plan. Per row it should
// cost what BenchmarkIngestCSV100k does; resolving an id by scanning the
// plans that share it made it grow with the number of plans.
func BenchmarkIngestCSVPlans(b *testing.B) {
	benchIngestCatalog(b, "csv", provinceCatalog(1000, 10), 100_000)
}
