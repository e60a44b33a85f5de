package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestFullDiskUnavailableNothingHalfWritten: before, a write on a full
// disk was an internal error (a bare 500) and the store looked ready. Now
// it is EUNAVAILABLE with a message for people, nothing of it is stored,
// and Writable reports it until a write succeeds again. The full disk is a
// file size limit (RLIMIT_FSIZE): writes growing the file fail with EFBIG.
func TestFullDiskUnavailableNothingHalfWritten(t *testing.T) {
	ctx := context.Background()
	cat := kpi.Catalog{Plans: []kpi.Plan{{ID: "p", Title: "计划", Region: "雁峰区", Source: "s", StartYear: 2019, EndYear: 2025}}}
	for i := range 1000 {
		cat.Indicators = append(cat.Indicators, kpi.Indicator{ID: fmt.Sprintf("ind_%03d", i), Plan: "p", Name: fmt.Sprintf("指标%d", i),
			Task: 1, LeadUnits: []string{"区统计局"}, Unit: "家", Kind: kpi.KindAtLeast, Target: 30, Deadline: 2025,
			Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel, SourceText: "s"})
	}
	st := testkit.Store(t, cat, nil)
	if err := st.Writable(ctx); err != nil {
		t.Fatalf("Writable on a fresh store: %v", err)
	}
	info, err := os.Stat(st.Path())
	if err != nil {
		t.Fatal(err)
	}
	var sub kpi.Submission
	sub.Actor, sub.Source, sub.At = kpi.Actor{Name: "tjj", All: true}, "cli", time.Now()
	for _, ind := range cat.Indicators {
		for y := 2019; y <= 2025; y++ {
			sub.Observations = append(sub.Observations, kpi.Observation{Plan: "p", Indicator: ind.ID, Period: kpi.YearPeriod(y),
				Value: float64(y), Note: strings.Repeat("备注", 500)})
		}
	}

	diskFull := testkit.LimitFileSize(t, uint64(info.Size()))
	_, err = st.AddObservations(ctx, sub)
	if got := kpi.ErrorCode(err); got != kpi.EUNAVAILABLE {
		t.Fatalf("AddObservations on a full disk: code %q (%v), want %q", got, err, kpi.EUNAVAILABLE)
	}
	var ke *kpi.Error
	if errors.As(err, &ke) && !strings.Contains(ke.Message, "磁盘已满") {
		t.Errorf("message %q does not say the disk is full", ke.Message)
	}
	if err := st.Writable(ctx); err == nil {
		t.Error("Writable = nil after a failed write, want the failure")
	}
	latest, err := st.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(latest) != 0 {
		t.Errorf("%d indicators have figures after the failed write, want none", len(latest))
	}

	diskFull() // room again: the next write succeeds and the store is writable
	if _, err := st.AddObservations(ctx, sub); err != nil {
		t.Fatalf("AddObservations with room: %v", err)
	}
	if err := st.Writable(ctx); err != nil {
		t.Errorf("Writable after a good write: %v", err)
	}
}
