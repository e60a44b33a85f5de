package supervision_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/supervision"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestReadCalendar: the shipped 2025 calendar reads, its holidays are off
// and its 调休 weekends on; slips are refused with what to write.
func TestReadCalendar(t *testing.T) {
	cal, err := supervision.ReadCalendar(filepath.Join(testkit.RepoRoot(t), "docs", "supervision-calendar-2025.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time {
		d, err := kpi.ParseDay(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for s, work := range map[string]bool{
		"2025-01-01": false, "2025-01-26": true, "2025-02-04": false, "2025-02-05": true, "2025-02-08": true,
		"2025-10-08": false, "2025-10-09": true, "2025-10-11": true, "2025-10-12": false, "2025-12-31": true,
	} {
		if got := cal.IsWorkday(day(s)); got != work {
			t.Errorf("IsWorkday(%s) = %v, want %v", s, got, work)
		}
	}
	if got := supervision.CalendarYears(cal); got != "2025" || !supervision.CalendarNamesYear(cal, 2025) || supervision.CalendarNamesYear(cal, 2026) {
		t.Errorf("CalendarYears = %q, names 2025 %v, 2026 %v", got, supervision.CalendarNamesYear(cal, 2025), supervision.CalendarNamesYear(cal, 2026))
	}

	for name, tt := range map[string]struct{ file, want string }{
		"not a day":          {"holidays: [2025-13-01]\n", "holidays“2025-13-01”无效"},
		"a range backwards":  {"holidays: [2025-10-08..2025-10-01]\n", "起止日期应先后排列"},
		"a weekday worked":   {"workdays: [2025-10-09]\n", "调休上班日 2025-10-09 不是周六或周日"},
		"both":               {"holidays: [2025-09-27..2025-09-28]\nworkdays: [2025-09-28]\n", "2025-09-28 既列为放假又列为调休上班"},
		"an unknown key":     {"holiday: [2025-10-01]\n", "节假日文件"},
		"a range of decades": {"holidays: [2000-01-01..2099-12-31]\n", "一段不超过366天"},
		"too many days":      {"holidays: [" + strings.Repeat("2025-01-01..2025-12-31, ", 60) + "]\n", "超过 20000 天"},
	} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "calendar.yaml")
			if err := os.WriteFile(file, []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := supervision.ReadCalendar(file)
			var ke *kpi.Error
			if !errors.As(err, &ke) || ke.Code != kpi.EINVALID || !strings.Contains(ke.Message, tt.want) {
				t.Errorf("ReadCalendar = %v, want EINVALID saying %s", err, tt.want)
			}
		})
	}
}

// TestDeadlinesFollowTheCalendar: an item opened the Friday before the
// 2025 National Day holiday is due five working days on counting the
// 调休 Sunday and skipping the holiday (10月10日), not on 10月3日, a
// holiday; a 退回 counts the same way.
func TestDeadlinesFollowTheCalendar(t *testing.T) {
	ctx := context.Background()
	cal, err := supervision.ReadCalendar(filepath.Join(testkit.RepoRoot(t), "docs", "supervision-calendar-2025.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	clock := testkit.NewClock(time.Date(2025, 9, 26, 10, 0, 0, 0, kpi.China))
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "kpimon.db"), boltstore.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ind := kpi.Indicator{Plan: "p", ID: "x", Name: "高新技术企业", Task: 1, LeadUnits: []string{"区科工信局"},
		Unit: "家", Kind: kpi.KindAtLeast, Target: 30, Deadline: 2026, Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel,
		Baseline: &kpi.Baseline{Period: kpi.YearPeriod(2022), Value: 10}}
	cat := kpi.Catalog{Plans: []kpi.Plan{{ID: "p", Title: "规划", StartYear: 2023, EndYear: 2026}}, Indicators: []kpi.Indicator{ind}}
	if _, err := st.SyncCatalog(ctx, cat, kpi.Actor{Name: "catalog"}); err != nil {
		t.Fatal(err)
	}
	// Down from the baseline: 不进反退, red.
	if _, err := st.AddObservations(ctx, kpi.Submission{Actor: kpi.Actor{Name: "tjj", All: true}, Source: "cli", At: clock.Now(),
		Observations: []kpi.Observation{{Plan: "p", Indicator: "x", Period: kpi.YearPeriod(2024), Value: 8}}}); err != nil {
		t.Fatal(err)
	}
	states := kpi.NewStates(st, kpi.StatesOptions{Now: clock.Now})
	svc := supervision.New(supervision.Options{Store: st, States: states, Now: clock.Now, Calendar: cal})
	ch, err := svc.Sync(ctx)
	if err != nil || len(ch.Open) != 1 {
		t.Fatalf("Sync opened %+v, %v; want one item", ch.Open, err)
	}
	want := time.Date(2025, 10, 10, 23, 59, 59, 0, kpi.China)
	if got := ch.Open[0].Deadline; !got.Equal(want) {
		t.Errorf("deadline %v, want %v (weekdays only would say %v)", got, want, (*kpi.Calendar)(nil).Deadline(clock.Now(), 5))
	}
	items, err := svc.Items(ctx, supervision.Filter{})
	if err != nil || len(items) != 1 || !items[0].Deadline.Equal(want) {
		t.Fatalf("items %+v, %v; want one due %v", items, err, want)
	}
	// Explained, then sent back on 2025-09-30: due 10月14日 (9, 10, 11 调休, 13, 14).
	clock.Advance(4 * 24 * time.Hour)
	if _, err := svc.Explain(ctx, ind.Ref(), kpi.ExplanationInput{Reason: "a", Measures: "b", ExpectedBy: "2025-12-31"}, kpi.Actor{Name: "kgx", Units: []string{"区科工信局"}}); err != nil {
		t.Fatal(err)
	}
	back, err := svc.Review(ctx, items[0].ID, kpi.SupervisionEventReturn, "请写明时间表", kpi.Actor{Name: "dcs", Supervisor: true})
	if want := time.Date(2025, 10, 14, 23, 59, 59, 0, kpi.China); err != nil || !back.Deadline.Equal(want) {
		t.Errorf("returned: %v deadline %v, want %v", err, back.Deadline, want)
	}
}
