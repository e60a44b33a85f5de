package boards

import (
	"fmt"

	"github.com/yanfeng/kpimon/internal/present"
)

// Reporting is the board of the figures coming in: ingest runs per source
// and result, failures, rejected rows, and which units owe a report.
func Reporting() Dashboard {
	const src = `source=~"$source"`
	runs := fmt.Sprintf("kpi_ingest_runs_total{%s}", src)
	failedRuns := fmt.Sprintf(`kpi_ingest_runs_total{%s, result!="ok"}`, src)
	rejectedRows := fmt.Sprintf(`kpi_ingest_rows_total{%s, result="rejected"}`, src)

	panels := []Panel{
		stat("报送批次", "所选时间范围内处理的报送批次（文件、网页上传、接口提交、定时拉取）。Ingest runs in the time range.", countUnit("批"), "blue", at(0, 0, 6, 4),
			instant("A", inRange(runs))),
		stat("失败批次", "所选时间范围内未能完成的报送批次：文件无法读取、全部行被拒等。Failed ingest runs.", countUnit("批"), "red", at(6, 0, 6, 4),
			instant("A", inRange(failedRuns))),
		stat("被拒数据行", "所选时间范围内因格式、指标或权限问题被拒绝的数据行。Rejected rows.", countUnit("行"), "orange", at(12, 0, 6, 4),
			instant("A", inRange(rejectedRows))),
		stat("逾期未报送", "报送期限已过、本期数据仍未报送的指标个数。Reports overdue now.", countUnit("个"), overdueColor(), at(18, 0, 6, 4),
			instant("A", `count(kpi_report_due_timestamp_seconds{plan=~"$plan", overdue="1"}) or vector(0)`)),
		timeseries("报送批次（按来源与结果）", "各来源（inbox 收件箱、upload 网页上传、api 接口、pull 定时拉取）每个时间段处理的批次，按结果区分。Ingest runs by source and result.",
			"none", at(0, 4, 12, 8),
			series("A", fmt.Sprintf("sum by (source, result) (increase(%s[$__rate_interval]))", runs), "{{source}} · {{result}}")),
		timeseries("数据行（按来源与结果）", "各来源每个时间段接收和拒绝的数据行。Rows accepted and rejected by source.",
			"none", at(12, 4, 12, 8),
			series("A", fmt.Sprintf("sum by (source, result) (increase(kpi_ingest_rows_total{%s}[$__rate_interval]))", src), "{{source}} · {{result}}")),
		sourceTable(at(0, 12, 16, 8), src),
		durationGauge(at(16, 12, 8, 8), src),
		overdueByUnit(at(0, 20, 10, 10)),
		overdueTable("逾期未报送明细", "报送期限已过、仍未报送数据的指标，牵头单位、应报期和报送期限。Overdue reports.", at(10, 20, 14, 10)),
		asOfStat(at(0, 30, 6, 3)),
	}
	d := newBoard(UIDReporting, "数据报送", "各来源的报送批次、失败、被拒数据行和逾期未报送情况 (reporting)", "now-7d",
		[]Variable{
			datasourceVar(),
			regionVar(),
			queryVar("plan", "规划", "规划（目标文件）(plan)", `label_values(kpi_indicator_info, plan)`, true),
			queryVar("source", "来源", "报送来源 (ingest source)", `label_values(kpi_ingest_runs_total, source)`, true),
		}, panels)
	inRegion(&d)
	return d
}

// inRange counts what a counter counted within the board's time range,
// across kpimon restarts: increase() follows counter resets (a restart
// sets kpimon's counters back to 0), where the rise since the range's
// first sample read 0 after a restart. increase() extrapolates towards the
// range's edges (3 runs read as 3.4); kpimon's counters start at 0 and
// only count whole runs and rows, so the floor is the count.
func inRange(counter string) string {
	return fmt.Sprintf("floor(sum(increase(%s[$__range]))) or vector(0)", counter)
}

// sourceTable shows, per source, when it last succeeded and failed (kept
// in kpimon's store across restarts) and its counts in the board's time
// range, which survive restarts as the tiles above do (inRange).
func sourceTable(pos GridPos, src string) Panel {
	perSource := func(counter string) string {
		return fmt.Sprintf("floor(sum by (source) (increase(%s[$__range])))", counter)
	}
	p := table("各来源报送情况", "每个来源最近一次成功和失败的时间，以及所选时间范围内的批次、失败批次和被拒数据行。Per source: last success, last failure, counts in the time range.", pos,
		instant("A", fmt.Sprintf("max by (source) (kpi_ingest_last_success_timestamp_seconds{%s}) * 1000", src)),
		instant("B", fmt.Sprintf("max by (source) (kpi_ingest_last_failure_timestamp_seconds{%s}) * 1000", src)),
		instant("C", perSource(fmt.Sprintf("kpi_ingest_runs_total{%s}", src))),
		instant("D", perSource(fmt.Sprintf(`kpi_ingest_runs_total{%s, result!="ok"}`, src))),
		instant("E", perSource(fmt.Sprintf(`kpi_ingest_rows_total{%s, result="rejected"}`, src))),
	)
	p.Transformations = mergeAndOrder([]string{"source", "Value #A", "Value #B", "Value #C", "Value #D", "Value #E"})
	p.FieldConfig.Overrides = []Override{
		column("source", "来源"),
		column("Value #A", "最近成功", unitProp("dateTimeAsIsoNoDateIfToday")),
		column("Value #B", "最近失败", unitProp("dateTimeAsIsoNoDateIfToday")),
		column("Value #C", "批次"),
		column("Value #D", "失败批次", countColors("red"), cellColorText()),
		column("Value #E", "被拒数据行", countColors("orange"), cellColorText()),
	}
	return p
}

// overdueByUnit counts, per lead unit, the indicators whose report is
// overdue: every lead unit of an indicator owes it.
func overdueByUnit(pos GridPos) Panel {
	p := bargauge("逾期未报送（按牵头单位）", "每个牵头单位逾期未报送的指标个数；一个指标有几个牵头单位，就计入每个单位。Overdue reports by lead unit.", countUnit("个"), pos,
		instantSeries("A", `count by (lead_unit) (kpi_indicator_lead_unit{plan=~"$plan"} and on(plan, indicator) kpi_report_due_timestamp_seconds{plan=~"$plan", overdue="1"})`+
			` or 0 * count by (lead_unit) (kpi_indicator_lead_unit{plan=~"$plan"})`, "{{lead_unit}}"))
	p.FieldConfig.Defaults.Decimals = ptr(0)
	p.FieldConfig.Defaults.Min = ptr(0.0)
	p.FieldConfig.Defaults.Thresholds.Steps = []ThresholdStep{{Color: present.Green.Color()}, {Color: overdueColor(), Value: ptr(1.0)}}
	return p
}

// durationGauge shows how long a submission takes to parse, check and
// store, per source: the mean and the 90th percentile over the board's
// time range (submissions are too rare for a rate over minutes to say
// much), counted across kpimon restarts as the counts are.
func durationGauge(pos GridPos, src string) Panel {
	p := bargauge("处理耗时", "所选时间范围内各来源每批报送的平均处理耗时和 90% 分位耗时（解析、校验、入库）。Mean and 90th percentile time per submission in the time range.", "s", pos,
		instantSeries("A", fmt.Sprintf("sum by (source) (increase(kpi_ingest_duration_seconds_sum{%[1]s}[$__range])) / sum by (source) (increase(kpi_ingest_duration_seconds_count{%[1]s}[$__range]))", src), "{{source}} 平均"))
	p.Targets = append(p.Targets, instantSeries("B",
		fmt.Sprintf("histogram_quantile(0.9, sum by (source, le) (increase(kpi_ingest_duration_seconds_bucket{%s}[$__range])))", src), "{{source}} 90% 分位"))
	p.FieldConfig.Defaults.Min = ptr(0.0)
	p.FieldConfig.Defaults.Thresholds.Steps = []ThresholdStep{{Color: "green"}, {Color: "orange", Value: ptr(10.0)}, {Color: "red", Value: ptr(30.0)}}
	return p
}
