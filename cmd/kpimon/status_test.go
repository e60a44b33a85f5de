package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestStatusTablePrecision: the table printed 8.399999999999999 and
// 0.020999999999999963 before it used package present.
func TestStatusTablePrecision(t *testing.T) {
	actual, gap := 8.399999999999999, 0.020999999999999963
	ind := kpi.Indicator{ID: "rd_share", Plan: "p", Name: "研发投入强度", Task: 1, Unit: "%", Kind: kpi.KindAtLeast, Target: 2.5, Deadline: 2022}
	energy := kpi.Indicator{ID: "energy", Plan: "p", Name: "万元GDP能耗", Task: 1, Unit: "吨标准煤/万元", Kind: kpi.KindAtMost, Target: 0.345, Deadline: 2022}
	states := []kpi.State{
		{Indicator: &ind, Evaluation: kpi.Evaluation{Status: kpi.StatusAchieved, Actual: &actual}},
		{Indicator: &energy, Evaluation: kpi.Evaluation{Status: kpi.StatusLagging, Actual: &actual, Gap: &gap}},
	}
	var out bytes.Buffer
	printStatus(&out, states, "test")
	for _, want := range []string{"8.4%", "≥2.5% (2022)", "0.021", "≤0.345吨标准煤/万元 (2022)", "8.400吨标准煤/万元", "已达标", "进度滞后"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status table lacks %q:\n%s", want, out.String())
		}
	}
	for _, noise := range []string{"8.39999", "0.02099999"} {
		if strings.Contains(out.String(), noise) {
			t.Errorf("status table prints float noise %q:\n%s", noise, out.String())
		}
	}
}

// TestStatusUnknownTask: --task 9 printed an empty table; it is an error
// naming the tasks there are.
func TestStatusUnknownTask(t *testing.T) {
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"kpimon", "status", "--data", t.TempDir(), "--task", "9"},
		func(string) string { return "" }, strings.NewReader(""), &out, &errs)
	if err == nil {
		t.Fatalf("status --task 9 succeeded; want an error\n%s", out.String())
	}
	if want := "the tasks are 1, 2, 3, 4, 5, 6"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}
	out.Reset()
	if err := run(context.Background(), []string{"kpimon", "status", "--data", t.TempDir(), "--task", "6"},
		func(string) string { return "" }, strings.NewReader(""), &out, &errs); err != nil {
		t.Fatalf("status --task 6: %v", err)
	}
	if !strings.Contains(out.String(), "任务6 ") || strings.Contains(out.String(), "任务1 ") {
		t.Errorf("status --task 6 shows other tasks or not task 6:\n%s", out.String())
	}
}

// TestStatusRequiredGrowth: the table says the growth a year still needed.
func TestStatusRequiredGrowth(t *testing.T) {
	actual, required, fall := 16.0, 7.0, -0.042
	hte := kpi.Indicator{ID: "hte", Plan: "p", Name: "高新技术企业", Task: 1, Unit: "家", Kind: kpi.KindAtLeast, Target: 30, Deadline: 2022}
	energy := kpi.Indicator{ID: "energy", Plan: "p", Name: "万元GDP能耗", Task: 1, Unit: "吨标准煤/万元", Kind: kpi.KindAtMost, Target: 0.331, Deadline: 2022}
	states := []kpi.State{
		{Indicator: &hte, Evaluation: kpi.Evaluation{Status: kpi.StatusLagging, Actual: &actual, RequiredAnnualChange: &required}},
		{Indicator: &energy, Evaluation: kpi.Evaluation{Status: kpi.StatusLagging, Actual: &actual, RequiredAnnualChange: &fall, ChangeIsRelative: true}},
	}
	var out bytes.Buffer
	printStatus(&out, states, "test")
	for _, want := range []string{"需年均 required", "需年均增加7家", "需年均下降4.2%"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status table lacks %q:\n%s", want, out.String())
		}
	}
}
