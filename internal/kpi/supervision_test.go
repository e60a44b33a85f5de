package kpi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

func chinaHour(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, kpi.China)
}

func TestWorkingDeadline(t *testing.T) {
	end := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 59, 0, kpi.China) }
	tests := []struct {
		name string
		from time.Time
		days int
		want time.Time
	}{
		{"monday plus five is next monday", chinaHour(2026, 12, 7, 10), 5, end(2026, 12, 14)},
		{"friday plus one is monday", chinaHour(2026, 12, 11, 18), 1, end(2026, 12, 14)},
		{"saturday plus five is next friday", chinaHour(2026, 12, 12, 9), 5, end(2026, 12, 18)},
		{"UTC evening is the next China day", time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC), 1, end(2026, 12, 8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (*kpi.Calendar)(nil).Deadline(tt.from, tt.days); !got.Equal(tt.want) {
				t.Errorf("(*kpi.Calendar)(nil).Deadline(%v, %d) = %v, want %v", tt.from, tt.days, got, tt.want)
			}
		})
	}
}

// TestCalendarDeadline: public holidays do not count as working days and
// 调休 weekends do (the 2025 National Day arrangement: 10月1日–8日 off,
// 9月28日 (Sunday) and 10月11日 (Saturday) worked); without a calendar
// every weekday counts.
func TestCalendarDeadline(t *testing.T) {
	end := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 59, 0, kpi.China) }
	cal := &kpi.Calendar{Holidays: map[string]bool{}, Workdays: map[string]bool{"2025-09-28": true, "2025-10-11": true}}
	for d := 1; d <= 8; d++ {
		cal.Holidays[time.Date(2025, 10, d, 0, 0, 0, 0, kpi.China).Format(time.DateOnly)] = true
	}
	tests := []struct {
		name string
		cal  *kpi.Calendar
		from time.Time
		days int
		want time.Time
	}{
		{"weekdays only: across the holiday as if none", nil, chinaHour(2025, 9, 26, 10), 5, end(2025, 10, 3)},
		{"a 调休 Sunday counts, the holiday does not", cal, chinaHour(2025, 9, 26, 10), 5, end(2025, 10, 10)},
		{"opened in the holiday: the first working day after it", cal, chinaHour(2025, 10, 3, 10), 1, end(2025, 10, 9)},
		{"a 调休 Saturday counts", cal, chinaHour(2025, 10, 9, 10), 2, end(2025, 10, 11)},
		{"an empty calendar is weekdays only", &kpi.Calendar{}, chinaHour(2026, 12, 11, 18), 1, end(2026, 12, 14)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.Deadline(tt.from, tt.days); !got.Equal(tt.want) {
				t.Errorf("Deadline(%v, %d) = %v, want %v", tt.from, tt.days, got, tt.want)
			}
		})
	}
}

func TestSupervisionItemReplayAndAsOf(t *testing.T) {
	d1, d2 := (*kpi.Calendar)(nil).Deadline(chinaHour(2026, 12, 7, 9), 5), (*kpi.Calendar)(nil).Deadline(chinaHour(2026, 12, 15, 9), 5)
	it := kpi.SupervisionItem{ID: 1, Ref: kpi.Ref{Plan: "p", ID: "x"}, Unit: "区科技局", Events: []kpi.SupervisionEvent{
		{At: chinaHour(2026, 12, 7, 9), Action: kpi.SupervisionEventOpen, Deadline: &d1, Status: kpi.StatusOffTrack},
		{At: chinaHour(2026, 12, 9, 9), Action: kpi.SupervisionEventExplain, Revision: 1},
		{At: chinaHour(2026, 12, 15, 9), Action: kpi.SupervisionEventReturn, Comment: "措施不具体", Deadline: &d2},
		{At: chinaHour(2026, 12, 16, 9), Action: kpi.SupervisionEventExplain, Revision: 2},
		{At: chinaHour(2026, 12, 17, 9), Action: kpi.SupervisionEventReview},
		{At: chinaHour(2027, 1, 5, 9), Action: kpi.SupervisionEventClose, Status: kpi.StatusOnTrack},
	}}
	tests := []struct {
		at       time.Time
		opened   bool
		want     kpi.SupervisionState
		deadline time.Time
	}{
		{chinaHour(2026, 12, 6, 9), false, "", time.Time{}},
		{chinaHour(2026, 12, 8, 9), true, kpi.SupervisionPending, d1},
		{chinaHour(2026, 12, 10, 9), true, kpi.SupervisionAnswered, d1},
		{chinaHour(2026, 12, 15, 10), true, kpi.SupervisionPending, d2},
		{chinaHour(2026, 12, 16, 10), true, kpi.SupervisionAnswered, d2},
		{chinaHour(2026, 12, 20, 10), true, kpi.SupervisionReviewed, d2},
		{chinaHour(2027, 2, 1, 0), true, kpi.SupervisionClosed, d2},
	}
	for _, tt := range tests {
		got, ok := it.AsOf(tt.at)
		if ok != tt.opened {
			t.Fatalf("AsOf(%v) opened = %v, want %v", tt.at, ok, tt.opened)
		}
		if !ok {
			continue
		}
		if got.StateAt(tt.at) != tt.want || !got.Deadline.Equal(tt.deadline) {
			t.Errorf("AsOf(%v) = %s deadline %v, want %s deadline %v", tt.at, got.StateAt(tt.at), got.Deadline, tt.want, tt.deadline)
		}
	}
	if got, _ := it.AsOf(chinaHour(2026, 12, 16, 10)); got.Comment != "措施不具体" {
		t.Errorf("comment after the return = %q, want the return's", got.Comment)
	}
	// A pending item past its deadline is overdue; an answered one is not.
	pending, _ := it.AsOf(chinaHour(2026, 12, 8, 9))
	if got := pending.StateAt(d1.Add(time.Second)); got != kpi.SupervisionOverdue {
		t.Errorf("pending item after its deadline: %s, want overdue", got)
	}
	if got := pending.StateAt(d1); got != kpi.SupervisionPending {
		t.Errorf("pending item at its deadline's last second: %s, want pending", got)
	}
}

func TestPlanSupervision(t *testing.T) {
	red := func(st kpi.State) bool {
		return st.Evaluation.Status == kpi.StatusOffTrack || st.Evaluation.Report.Overdue
	}
	state := func(id string, status kpi.Status, overdue bool, units ...string) *kpi.State {
		return &kpi.State{Indicator: &kpi.Indicator{Plan: "p", ID: id, LeadUnits: units},
			Evaluation: kpi.Evaluation{Status: status, Report: kpi.ReportDuty{Overdue: overdue}}}
	}
	open := func(id uint64, ind, unit string) kpi.SupervisionItem {
		it := kpi.SupervisionItem{ID: id, Ref: kpi.Ref{Plan: "p", ID: ind}, Unit: unit,
			Events: []kpi.SupervisionEvent{{Action: kpi.SupervisionEventOpen}}}
		it.Replay()
		return it
	}
	now := chinaHour(2026, 12, 7, 10)
	states := []*kpi.State{
		state("a", kpi.StatusOffTrack, false, "甲", "乙"), // red, 甲 already open: opens 乙
		state("b", kpi.StatusOnTrack, false, "甲"),       // green with an open item: closes it
		state("c", kpi.StatusLagging, true, "丙"),        // overdue report counts as red
		state("d", kpi.StatusOffTrack, false, "丁"),      // lead unit changed from 戊: 戊's item closes
	}
	items := []kpi.SupervisionItem{open(1, "a", "甲"), open(2, "b", "甲"), open(3, "d", "戊"), open(4, "gone", "甲")}
	got := kpi.PlanSupervision(states, items, red, (*kpi.Calendar)(nil).Deadline(now, 5))
	var opened []string
	for _, o := range got.Open {
		opened = append(opened, o.Ref.ID+"/"+o.Unit)
		if !o.Deadline.Equal((*kpi.Calendar)(nil).Deadline(now, 5)) {
			t.Errorf("opening %s/%s deadline %v, want five working days on", o.Ref.ID, o.Unit, o.Deadline)
		}
	}
	if want := "a/乙 c/丙 d/丁"; strings.Join(opened, " ") != want {
		t.Errorf("opened %v, want %s", opened, want)
	}
	var closed []uint64
	for _, c := range got.Close {
		closed = append(closed, c.ID)
	}
	if len(closed) != 3 || closed[0] != 2 || closed[1] != 3 || closed[2] != 4 {
		t.Errorf("closed %v, want [2 3 4]", closed)
	}
	if got.Close[0].Status != kpi.StatusOnTrack {
		t.Errorf("closing of b carries status %q, want on_track", got.Close[0].Status)
	}
	// Nothing more to do once applied.
	if again := kpi.PlanSupervision(states[:1], []kpi.SupervisionItem{open(1, "a", "甲"), open(5, "a", "乙")}, red, (*kpi.Calendar)(nil).Deadline(now, 5)); !again.Empty() {
		t.Errorf("second plan = %+v, want nothing", again)
	}
}

func TestExplanationInputCheck(t *testing.T) {
	nan := 0.0
	nan = nan / nan
	tests := []struct {
		name   string
		in     kpi.ExplanationInput
		fields string
	}{
		{"fine", kpi.ExplanationInput{Reason: " 项目延期 ", Measures: "加快审批", ExpectedBy: "2026-12-31"}, ""},
		{"empty", kpi.ExplanationInput{}, "reason measures expected_by"},
		{"too long", kpi.ExplanationInput{Reason: strings.Repeat("长", kpi.MaxExplanationReason+1), Measures: "x", ExpectedBy: "2026-12-31"}, "reason"},
		{"control", kpi.ExplanationInput{Reason: "a\x1b[31m", Measures: "x", ExpectedBy: "2026-12-31"}, "reason"},
		{"bad date", kpi.ExplanationInput{Reason: "a", Measures: "x", ExpectedBy: "明年"}, "expected_by"},
		{"year out of range", kpi.ExplanationInput{Reason: "a", Measures: "x", ExpectedBy: "9999-01-01"}, "expected_by"},
		{"invalid utf8", kpi.ExplanationInput{Reason: "a\xff", Measures: "x", ExpectedBy: "2026-01-01"}, "reason"},
		{"nan figure", kpi.ExplanationInput{Reason: "a", Measures: "x", ExpectedBy: "2026-01-01", RevisedFigure: &nan}, "revised_figure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fields []string
			for _, p := range tt.in.Check() {
				fields = append(fields, p.Field)
			}
			if got := strings.Join(fields, " "); got != tt.fields {
				t.Errorf("Check() fields = %q, want %q", got, tt.fields)
			}
		})
	}
	in := kpi.ExplanationInput{Reason: " 项目延期 ", Measures: "加快", ExpectedBy: "2026-12-31"}
	in.Check()
	if in.Reason != "项目延期" {
		t.Errorf("Check left reason %q, want it trimmed", in.Reason)
	}
	if ps := kpi.CheckSupervisionComment("  ", true); len(ps) != 1 {
		t.Errorf("empty required comment: %v, want one problem", ps)
	}
}
