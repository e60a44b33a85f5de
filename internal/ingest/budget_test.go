package ingest_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestRowsChargedPerFigure: rows already decoded (the web form, the JSON
// API) are charged a good figure's cost each, the same charge a read file
// pays for its figures: a budget of three figures takes three rows and
// refuses four at once, naming the limit.
func TestRowsChargedPerFigure(t *testing.T) {
	ing := newFixtureWith(t, ingest.Options{IngestMemory: 3 * ingest.ObsBytes}).ing
	rows := func(n int) []kpi.Row {
		var rs []kpi.Row
		for i := range n {
			rs = append(rs, kpi.Row{Indicator: "high_tech_enterprises", Period: strconv.Itoa(2019 + i), Value: strconv.Itoa(20 + i)})
		}
		return rs
	}
	res, err := ing.IngestRows(context.Background(), rows(3), kpi.Upload{Name: "three", Actor: operator, Source: "api"})
	if err != nil || res.Added != 3 {
		t.Fatalf("IngestRows of 3 rows under a 3-figure budget = %+v, %v; want 3 added", res, err)
	}
	_, err = ing.IngestRows(context.Background(), rows(4), kpi.Upload{Name: "four", Actor: operator, Source: "api"})
	var ke *kpi.Error
	if !errors.As(err, &ke) || ke.Code != kpi.EINVALID || !strings.Contains(ke.Message, "limits.ingest-memory") {
		t.Fatalf("IngestRows of 4 rows under a 3-figure budget = %v, want refused naming limits.ingest-memory", err)
	}
}

// TestLargeFilesFitTheDefaultBudget: the files the upload limit lets in
// fit the default ingest memory budget when the catalog can take all their
// figures (180,000 indicators). Before, an 800,000-row JSON of 63.5 MB was
// charged 1,030 MiB (512 bytes a figure, for the 2,000,000 rows its size
// could hold) and refused; the 1M-row CSV of BENCHMARKS.md was charged 520 MiB.
func TestLargeFilesFitTheDefaultBudget(t *testing.T) {
	const maxObs = 180_000 * 10
	row := `{"indicator":"ind_000123","period":"2021","value":"12.5"},`
	var b strings.Builder
	b.WriteString("[")
	for b.Len() < 63_500_000 {
		b.WriteString(row)
	}
	body := strings.TrimSuffix(b.String(), ",") + "]"
	json := ingest.Charge(kpi.Upload{Name: "x.json", ContentType: "application/json", Body: []byte(body)}, maxObs)
	var c strings.Builder
	c.WriteString("指标,报告期,实际值\n")
	for i := 0; i < 1_000_000; i++ {
		c.WriteString("ind_" + strconv.Itoa(i%180_000) + ",2021,12.5\n")
	}
	csv := ingest.Charge(kpi.Upload{Name: "x.csv", Body: []byte(c.String())}, maxObs)
	for _, f := range []struct {
		name   string
		charge int64
	}{{"63.5 MB JSON", json}, {"1M-row CSV", csv}} {
		t.Logf("%s charged %d MiB", f.name, f.charge>>20)
		if f.charge >= ingest.DefaultIngestMemory/2 {
			t.Errorf("%s charged %d MiB, want under half the default budget (%d MiB) so two fit at once", f.name, f.charge>>20, ingest.DefaultIngestMemory>>20)
		}
	}
}
