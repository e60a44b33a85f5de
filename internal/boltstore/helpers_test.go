package boltstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2022, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openAt opens a store at dir/kpimon.db and closes it when the test ends.
func openAt(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(dir, "kpimon.db"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var operator = kpi.Actor{Name: "operator", Remote: "cli"}

func testPlan(id string) kpi.Plan {
	return kpi.Plan{ID: id, Title: "衡阳市雁峰区创建省级创新型县（市、区）工作方案", Region: "雁峰区", Source: "seed", StartYear: 2020, EndYear: 2022}
}

func testIndicator(plan, id string, target float64) kpi.Indicator {
	return kpi.Indicator{
		ID: id, Plan: plan, Name: "高新技术企业数", NameEN: "High-tech enterprises",
		Task: 1, TaskTitle: "推动企业技术创新", WorkLine: "培育高新技术企业",
		LeadUnits: []string{"区科工信局"}, CoUnits: []string{"区财政局", "区税务局"},
		Unit: "家", Kind: kpi.KindAtLeast, Target: target, Deadline: 2022,
		Baseline: &kpi.Baseline{Period: kpi.YearPeriod(2020), Value: 12}, Frequency: kpi.Annual,
		DueDays: 90, Measure: kpi.MeasureLevel, SourceText: "到2022年，高新技术企业达到30家",
	}
}

// testCatalog is one plan with two indicators.
func testCatalog() kpi.Catalog {
	return kpi.Catalog{
		Plans: []kpi.Plan{testPlan("yanfeng")},
		Indicators: []kpi.Indicator{
			testIndicator("yanfeng", "high_tech_enterprises", 30),
			testIndicator("yanfeng", "rd_ratio", 2.51),
		},
	}
}

// bigCatalog has plans × perPlan indicators.
func bigCatalog(plans, perPlan int) kpi.Catalog {
	var cat kpi.Catalog
	for p := range plans {
		pid := fmt.Sprintf("region-%04d", p)
		cat.Plans = append(cat.Plans, testPlan(pid))
		for i := range perPlan {
			ind := testIndicator(pid, fmt.Sprintf("indicator_%03d", i), float64(30+i))
			ind.Task = 1 + i%6
			cat.Indicators = append(cat.Indicators, ind)
		}
	}
	return cat
}

// figures returns one observation per indicator of cat and year in years,
// all with value.
func figures(cat kpi.Catalog, years []int, value float64) []kpi.Observation {
	obs := make([]kpi.Observation, 0, len(cat.Indicators)*len(years))
	for _, ind := range cat.Indicators {
		for _, y := range years {
			obs = append(obs, kpi.Observation{Plan: ind.Plan, Indicator: ind.ID, Period: kpi.YearPeriod(y), Value: value})
		}
	}
	return obs
}

func mustSync(t testing.TB, s *Store, cat kpi.Catalog) []kpi.CatalogChange {
	t.Helper()
	changes, err := s.SyncCatalog(context.Background(), cat, operator)
	if err != nil {
		t.Fatalf("SyncCatalog: %v", err)
	}
	return changes
}

func mustAdd(t testing.TB, s *Store, sub kpi.Submission) kpi.SubmissionResult {
	t.Helper()
	res, err := s.AddObservations(context.Background(), sub)
	if err != nil {
		t.Fatalf("AddObservations: %v", err)
	}
	return res
}

// wantCode fails unless err carries a *kpi.Error with code.
func wantCode(t testing.TB, err error, code string) *kpi.Error {
	t.Helper()
	var e *kpi.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v (code %q), want code %q", err, kpi.ErrorCode(err), code)
	}
	return e
}
