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
