package report

import (
	"fmt"

	"github.com/yanfeng/kpimon/internal/chart"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// Colours of the lines that are not a light.
const (
	targetColor   = "#1565c0"
	expectedColor = "#607d8b"
)

// IndicatorChart draws an indicator's reported figures (cumulative ones
// summed since the plan's start, as they are judged) against its target,
// the straight path from baseline to target and the projection to the
// deadline. The figures are drawn in the colour of the indicator's light.
func IndicatorChart(st kpi.State, lights present.Lights) chart.Scene {
	ind, ev := *st.Indicator, st.Evaluation
	if lights == nil {
		lights = present.DefaultLights()
	}
	color := lights.Of(ev.Status).Color()
	tD := kpi.YearFraction(ev.Deadline)
	x0 := tD - 4
	if st.Plan.StartYear != 0 {
		x0 = float64(st.Plan.StartYear)
	}

	var actual []chart.Point
	for _, f := range kpi.CountedSeries(*st.Plan, ind, st.Latest, ev.AsOf) {
		actual = append(actual, chart.Point{X: kpi.YearFraction(f.Period.End()), Y: f.Value})
	}
	if len(actual) > 0 && actual[0].X < x0 {
		x0 = actual[0].X
	}

	c := chart.TimeChart{
		Title:  ind.Name + "：实际值与目标",
		X0:     x0 - 0.15,
		X1:     tD + 0.15,
		Format: func(v float64) string { return present.Number(ind, v) },
	}
	if ind.IsCount() || ind.Kind == kpi.KindMilestone {
		c.MinStep = 1
	}
	numeric := ind.Kind.HasNumericTarget()
	if path := kpi.ExpectedPath(ind, ev); path != nil {
		if path[0].Year < c.X0 {
			c.X0 = path[0].Year - 0.15
		}
		c.Series = append(c.Series, chart.Series{
			Name: "按时序应达", Points: []chart.Point{{X: path[0].Year, Y: path[0].Value}, {X: path[1].Year, Y: path[1].Value}},
			Color: expectedColor, Dash: []float64{4, 4},
		})
	}
	if ev.Projected != nil && len(actual) > 0 && actual[len(actual)-1].X < tD && ind.Kind != kpi.KindMilestone {
		last := actual[len(actual)-1]
		c.Series = append(c.Series, chart.Series{
			Name:   "预测（" + present.EstimateOf(ind, ev, ev.Projected) + "）",
			Points: []chart.Point{last, {X: tD, Y: *ev.Projected}},
			Color:  color, Dash: []float64{2, 4},
		})
	}
	c.Series = append(c.Series, chart.Series{Name: "实际值", Points: actual, Color: color, Markers: true})
	if t := ev.Target; t != nil && (numeric || ind.Kind == kpi.KindMilestone) {
		c.Rules = append(c.Rules, chart.Rule{Y: *t, Name: "目标" + present.Target(ind, ev), Color: targetColor})
	}
	return c.Layout()
}

// TaskStatusChart draws, per task, how many indicators have each status,
// in the colours of their lights.
func TaskStatusChart(states []kpi.State, lights present.Lights) chart.Scene {
	if lights == nil {
		lights = present.DefaultLights()
	}
	c := chart.BarChart{Title: "各任务指标状态"}
	index := map[kpi.Status]int{}
	for i, st := range kpi.Statuses {
		index[st] = i
		c.Segments = append(c.Segments, segment(st, lights))
	}
	for _, st := range states {
		ind := *st.Indicator
		label := fmt.Sprintf("任务%d %s", ind.Task, ind.TaskTitle)
		if n := len(c.Rows); n == 0 || c.Rows[n-1].Label != label {
			c.Rows = append(c.Rows, chart.BarRow{Label: label, Values: make([]float64, len(kpi.Statuses))})
		}
		c.Rows[len(c.Rows)-1].Values[index[st.Evaluation.Status]]++
	}
	return c.Layout()
}

func segment(st kpi.Status, lights present.Lights) chart.Segment {
	seg := chart.Segment{Name: present.Status(st), Color: lights.StatusColor(st)}
	if lights.Of(st) == present.Yellow || seg.Color != lights.Of(st).Color() {
		seg.Ink = "#222222" // dark on a light fill
	}
	return seg
}

// taskChart draws each indicator of a task: its progress from baseline to
// target against the progress due by now.
func taskChart(t Task, lights present.Lights, c chart.ProgressChart) chart.Scene {
	c.Title, c.TargetName, c.ExpectedName = t.Heading()+"：完成进度", "目标", "按时序应达进度"
	c.ProgressName, c.ProgressColor = "完成进度", present.Green.Color()
	for _, r := range t.Rows {
		ev := r.State.Evaluation
		row := chart.ProgressRow{Label: r.Name, Value: ev.ProgressRatio, Color: r.Light.Color(), Text: r.Completion}
		if ev.ProgressRatio == nil {
			row.Text = r.StatusWord
		}
		row.Expected = ev.ExpectedProgress()
		c.Rows = append(c.Rows, row)
	}
	return c.Layout()
}

// maxChartRows is how many indicators one page chart holds; a task with
// more gets several charts (task 6 has 35).
const maxChartRows = 18

// pageCharts are a task's progress charts for paged documents: wide, with
// room for whole names, split into charts of at most maxChartRows.
func pageCharts(t Task, lights present.Lights) []chart.Scene {
	var out []chart.Scene
	for start := 0; start < len(t.Rows); start += maxChartRows {
		part := t
		part.Rows = t.Rows[start:min(start+maxChartRows, len(t.Rows))]
		s := taskChart(part, lights, chart.ProgressChart{Width: 880, LabelWidth: 560})
		if len(t.Rows) > maxChartRows {
			s.Title += fmt.Sprintf("（%d/%d）", start/maxChartRows+1, (len(t.Rows)+maxChartRows-1)/maxChartRows)
		}
		out = append(out, s)
	}
	return out
}
