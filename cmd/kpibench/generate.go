package main

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// indicatorsPerRegion is the size of one generated plan, as in the issue:
// 3,000 regions × 60 indicators = 180,000.
const indicatorsPerRegion = 60

// firstYear is the first reported year; plans run to firstYear+periods-1.
const firstYear = 2013

// generateCatalog returns n indicators in plans of 60, one plan a region,
// with the mix of kinds the seed plan has.
func generateCatalog(n, periods int) kpi.Catalog {
	var cat kpi.Catalog
	units := []string{"区科工信局", "区发改局", "区商务局", "区市场监管局", "区财政局", "区统计局"}
	for i := 0; i < n; i++ {
		region := i / indicatorsPerRegion
		plan := fmt.Sprintf("region-%04d", region)
		if i%indicatorsPerRegion == 0 {
			cat.Plans = append(cat.Plans, kpi.Plan{
				ID: plan, Title: fmt.Sprintf("第%d区创新型区建设", region), Region: plan,
				Source: "kpibench", StartYear: firstYear, EndYear: firstYear + periods - 1,
			})
		}
		j := i % indicatorsPerRegion
		ind := kpi.Indicator{
			ID: fmt.Sprintf("indicator_%02d", j), Plan: plan,
			Name: fmt.Sprintf("指标%02d", j), NameEN: fmt.Sprintf("Indicator %02d", j),
			Task: j%6 + 1, TaskTitle: fmt.Sprintf("任务%d", j%6+1),
			LeadUnits: []string{units[j%len(units)]}, CoUnits: []string{"各镇、街道"},
			Unit: "家", Kind: kpi.KindAtLeast, Target: 100, Deadline: firstYear + periods - 1,
			Frequency: kpi.Annual, DueDays: 90, Measure: kpi.MeasureLevel,
			SourceText: "到期末，指标达到目标。",
		}
		switch j % 10 {
		case 7:
			ind.Kind, ind.Unit, ind.Target = kpi.KindAtMost, "吨标准煤/万元", 0.3
		case 8:
			ind.Kind, ind.Unit, ind.Target = kpi.KindIncrease, "件", 0
		case 9:
			ind.Kind, ind.Unit, ind.Target = kpi.KindMilestone, "项", 1
		}
		cat.Indicators = append(cat.Indicators, ind)
	}
	return cat
}

// value is the figure of indicator index i in period k: a path that puts
// some indicators ahead and some behind.
func value(ind kpi.Indicator, i, k int) float64 {
	switch ind.Kind {
	case kpi.KindAtMost:
		return 0.5 - 0.02*float64(k) - 0.001*float64(i%7)
	case kpi.KindMilestone:
		if k >= 8 {
			return 1
		}
		return 0
	}
	return float64(10 + k*(5+i%9))
}

// observations returns every indicator's figures for the periods.
func observations(cat kpi.Catalog, periods int) []kpi.Observation {
	obs := make([]kpi.Observation, 0, len(cat.Indicators)*periods)
	for i, ind := range cat.Indicators {
		for k := 0; k < periods; k++ {
			obs = append(obs, kpi.Observation{
				Plan: ind.Plan, Indicator: ind.ID, Period: kpi.YearPeriod(firstYear + k), Value: value(ind, i, k),
			})
		}
	}
	return obs
}

// writeCSV writes rows observations as a submission CSV.
func writeCSV(w io.Writer, cat kpi.Catalog, rows, periods int) error {
	var b bytes.Buffer
	b.WriteString("plan,indicator,period,value,note\n")
	n := 0
	for i, ind := range cat.Indicators {
		for k := 0; k < periods && n < rows; k++ {
			b.WriteString(ind.Plan)
			b.WriteByte(',')
			b.WriteString(ind.ID)
			b.WriteByte(',')
			b.WriteString(strconv.Itoa(firstYear + k))
			b.WriteByte(',')
			b.WriteString(strconv.FormatFloat(value(ind, i, k), 'f', -1, 64))
			b.WriteString(",\n")
			n++
			if b.Len() > 1<<20 {
				if _, err := w.Write(b.Bytes()); err != nil {
					return err
				}
				b.Reset()
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeXLSX writes rows observations as a submission XLSX with the Chinese
// headers, through excelize's stream writer.
func writeXLSX(w io.Writer, cat kpi.Catalog, rows, periods int) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{"计划", "指标编号", "报告期", "实际值", "备注"}); err != nil {
		return err
	}
	n := 0
	for i, ind := range cat.Indicators {
		for k := 0; k < periods && n < rows; k++ {
			cell, _ := excelize.CoordinatesToCellName(1, n+2)
			if err := sw.SetRow(cell, []any{ind.Plan, ind.ID, strconv.Itoa(firstYear + k), value(ind, i, k)}); err != nil {
				return err
			}
			n++
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
