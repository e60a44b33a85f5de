package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// indicatorsPerRegion is the size of one generated plan, as in the issue:
// 3,000 regions × 60 indicators = 180,000. Every plan uses the same ids
// and names, as districts of one province do.
const indicatorsPerRegion = 60

// years are the reported periods of a generated catalog: the last periods
// annual figures that have ended, up to last year, in plans running two
// more years, so indicators are in progress today.
type years struct{ first, periods int }

func (y years) last() int     { return y.first + y.periods - 1 }
func (y years) deadline() int { return y.last() + 3 }

// generateCatalog returns n indicators in plans of 60, one plan a region,
// with the mix of kinds the seed plan has.
func generateCatalog(n int, y years) kpi.Catalog {
	var cat kpi.Catalog
	units := []string{"区科工信局", "区发改局", "区商务局", "区市场监管局", "区财政局", "区统计局"}
	for i := range n {
		region := i / indicatorsPerRegion
		plan := fmt.Sprintf("region-%04d", region)
		if i%indicatorsPerRegion == 0 {
			cat.Plans = append(cat.Plans, kpi.Plan{
				ID: plan, Title: fmt.Sprintf("第%d区创新型区建设", region), Region: plan,
				Source: "kpibench", StartYear: y.first, EndYear: y.deadline(),
			})
		}
		j := i % indicatorsPerRegion
		ind := kpi.Indicator{
			ID: fmt.Sprintf("indicator_%02d", j), Plan: plan,
			Name: fmt.Sprintf("指标%02d", j), NameEN: fmt.Sprintf("Indicator %02d", j),
			Task: j%6 + 1, TaskTitle: fmt.Sprintf("任务%d", j%6+1),
			LeadUnits: []string{units[j%len(units)]}, CoUnits: []string{"各镇、街道"},
			Unit: "家", Kind: kpi.KindAtLeast, Target: 100, Deadline: y.deadline(),
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

// writeTargets writes cat as a targets directory, one YAML file per plan
// (targets/README.md), so `kpimon serve --targets dir` serves it.
func writeTargets(dir string, cat kpi.Catalog) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	byPlan := map[string][]kpi.Indicator{}
	for _, ind := range cat.Indicators {
		byPlan[ind.Plan] = append(byPlan[ind.Plan], ind)
	}
	for _, p := range cat.Plans {
		var b bytes.Buffer
		fmt.Fprintf(&b, "id: %s\ntitle: %s\nregion: %s\nsource: %s\nstart_year: %d\nend_year: %d\n",
			p.ID, p.Title, p.Region, p.Source, p.StartYear, p.EndYear)
		b.WriteString("defaults:\n  frequency: annual\n  due_days: 90\n  measure: level\ntasks:\n")
		inds := byPlan[p.ID]
		for task := 1; task <= 6; task++ {
			fmt.Fprintf(&b, "  - task: %d\n    title: 任务%d\n    work_lines:\n", task, task)
			for _, ind := range inds {
				if ind.Task != task {
					continue
				}
				fmt.Fprintf(&b, "      - text: %s的工作要点。\n        lead_units: [%s]\n        co_units: [%s]\n        indicators:\n",
					ind.Name, ind.LeadUnits[0], ind.CoUnits[0])
				fmt.Fprintf(&b, "          - id: %s\n            name: %s\n            name_en: %s\n            kind: %s\n",
					ind.ID, ind.Name, ind.NameEN, ind.Kind)
				if ind.Kind != kpi.KindIncrease {
					fmt.Fprintf(&b, "            target: %s\n", strconv.FormatFloat(ind.Target, 'f', -1, 64))
				}
				fmt.Fprintf(&b, "            unit: %s\n            deadline: %d\n            source_text: %s\n",
					ind.Unit, ind.Deadline, ind.SourceText)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, p.ID+".yaml"), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
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

// writeCSVFile writes rows figures (every indicator's periods in turn) as
// a submission CSV naming the plan of each row.
func writeCSVFile(path string, cat kpi.Catalog, rows int, y years) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := writeCSV(w, cat, rows, y); err != nil {
		return 0, err
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), f.Close()
}

func writeCSV(w io.Writer, cat kpi.Catalog, rows int, y years) error {
	var b []byte
	b = append(b, "plan,indicator,period,value,note\n"...)
	n := 0
	for i, ind := range cat.Indicators {
		for k := 0; k < y.periods && n < rows; k++ {
			b = append(b, ind.Plan...)
			b = append(b, ',')
			b = append(b, ind.ID...)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(y.first+k), 10)
			b = append(b, ',')
			b = strconv.AppendFloat(b, value(ind, i, k), 'f', -1, 64)
			b = append(b, ",\n"...)
			n++
			if len(b) > 1<<20 {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
	}
	_, err := w.Write(b)
	return err
}

// writeXLSXFile writes rows figures as a submission XLSX with the Chinese
// headers, through excelize's stream writer.
func writeXLSXFile(path string, cat kpi.Catalog, rows int, y years) (int64, error) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return 0, err
	}
	if err := sw.SetRow("A1", []any{"计划", "指标编号", "报告期", "实际值", "备注"}); err != nil {
		return 0, err
	}
	n := 0
	for i, ind := range cat.Indicators {
		for k := 0; k < y.periods && n < rows; k++ {
			cell, _ := excelize.CoordinatesToCellName(1, n+2)
			if err := sw.SetRow(cell, []any{ind.Plan, ind.ID, strconv.Itoa(y.first + k), value(ind, i, k)}); err != nil {
				return 0, err
			}
			n++
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	if err := f.SaveAs(path); err != nil {
		return 0, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
