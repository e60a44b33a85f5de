package report_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// sampleFigures is the committed data set: 2019–2021 figures for 74 of the
// seed plan's 80 indicators, six never reported (the figures predate
// enterprise_benefit_doubling).
const sampleFigures = "testdata/figures-2019-2021.csv"

const seedPlan = "yanfeng-innovation"

// sampleStore is a real bbolt store holding the embedded seed catalog and
// the sample figures, ingested by the real ingester from the CSV file.
func sampleStore(t testing.TB) *boltstore.Store {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatalf("load default catalog: %v", err)
	}
	// The sample is evaluated as of 2021, long before the store was made:
	// reporting duty runs from the plan's start, as for a plan loaded then.
	for i := range cat.Plans {
		cat.Plans[i].ReportingFrom = time.Date(cat.Plans[i].StartYear, 1, 1, 0, 0, 0, 0, kpi.China)
	}
	st := testkit.Store(t, cat, nil)
	ing, err := ingest.New(ingest.Options{Store: st})
	if err != nil {
		t.Fatalf("new ingester: %v", err)
	}
	body, err := os.ReadFile(sampleFigures)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ing.Ingest(context.Background(), kpi.Upload{
		Name: "figures-2019-2021.csv", Body: body, Source: "cli",
		Actor: kpi.Actor{Name: "operator", All: true, Remote: "cli"},
	})
	if err != nil {
		t.Fatalf("ingest %s: %v", sampleFigures, err)
	}
	if res.Added != 185 {
		t.Fatalf("ingest %s added %d figures, want 185", sampleFigures, res.Added)
	}
	return st
}

// chinaDay is the end of the day d (2021-06-30) in China time, the instant
// `kpimon report --as-of 2021-06-30` reports at.
func chinaDay(t testing.TB, d string) time.Time {
	t.Helper()
	day, err := time.ParseInLocation(time.DateOnly, d, kpi.China)
	if err != nil {
		t.Fatal(err)
	}
	return day.AddDate(0, 0, 1).Add(-time.Second)
}
