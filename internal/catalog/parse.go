package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// The file's fields, in the order README documents them. The YAML is walked
// as a yaml.Node tree rather than decoded into structs so that every problem
// of a file is reported at once, each with its line; an unknown field is a
// problem too (what yaml.v3's KnownFields does, but without stopping at the
// first one).
var (
	planFields      = []string{"id", "title", "title_en", "region", "source", "start_year", "end_year", "base_year", "reporting_from", "defaults", "tasks"}
	defaultsFields  = []string{"frequency", "due_days", "measure"}
	taskFields      = []string{"task", "title", "work_lines"}
	workLineFields  = []string{"id", "text", "lead_units", "co_units", "indicators"}
	indicatorFields = []string{
		"id", "name", "name_en", "kind", "target", "tolerance", "strict", "max", "unit", "deadline", "deadline_note",
		"baseline", "baseline_rule", "stages", "frequency", "due_days", "measure", "note", "source_text",
	}
	baselineFields = []string{"period", "value", "source"}
	stageFields    = []string{"period", "percent", "text"}
)

var (
	planIDPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	indicatorIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	yamlLinePattern    = regexp.MustCompile(`line (\d+):?`)
)

// builtinDefaults apply when neither the plan's defaults nor the indicator
// set a field.
const (
	builtinFrequency = kpi.Annual
	builtinMeasure   = kpi.MeasureLevel
	builtinDueDays   = 90
)

// parsedFile is one plan read from one file.
type parsedFile struct {
	plan       kpi.Plan
	idLine     int
	indicators []kpi.Indicator
}

// parseFile reads one plan. It returns nil when the file cannot be read as
// a plan at all; otherwise the plan with whatever problems it has.
func parseFile(name string, data []byte) (*parsedFile, []kpi.Problem) {
	p := &parser{file: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.add(nil, "", "", "", "a plan (see targets/README.md)", "文件为空 the file is empty")
			return nil, p.problems
		}
		line := 0
		if m := yamlLinePattern.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		msg := yamlLinePattern.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), "")
		msg = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(msg), ":"))
		p.problems = append(p.problems, kpi.Problem{
			File: name, Line: line,
			Message: "YAML 格式错误 not valid YAML: " + msg,
		})
		return nil, p.problems
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.add(&extra, "", "", "", "one plan per file", "文件含多个文档 the file holds more than one YAML document: put each plan in its own file")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		p.add(root, "", "", "", "a mapping with id, title, tasks …", "文件不是一个计划 the file is not a plan")
		return nil, p.problems
	}
	pf := p.plan(root)
	return pf, p.problems
}

// defaults are the plan-wide values indicators inherit.
type defaults struct {
	frequency kpi.Frequency
	dueDays   int
	measure   kpi.Measure
}

func (p *parser) plan(root *yaml.Node) *parsedFile {
	f := p.fields(root, "plan", "", planFields)
	pf := &parsedFile{}
	pl := &pf.plan
	if v := p.required(f, root, "id", "a plan id such as yanfeng-innovation"); v != nil {
		pf.idLine = v.Line
		pl.ID = p.text(v, "id", "")
		if !planIDPattern.MatchString(pl.ID) {
			p.add(v, "id", "", pl.ID, "lower-case ASCII letters, digits, - and _ (e.g. yanfeng-innovation)", "计划编号无效 invalid plan id")
		}
	}
	textField := func(key, what string) string {
		v := p.required(f, root, key, what)
		if v == nil {
			return ""
		}
		s := p.text(v, key, "")
		if s == "" {
			p.add(v, key, "", "", what, fmt.Sprintf("%s 为空 %s is empty", key, key))
		}
		return s
	}
	pl.Title = textField("title", "the plan's title as the document gives it")
	if v, ok := f["title_en"]; ok {
		pl.TitleEN = p.text(v, "title_en", "")
	}
	pl.Region = textField("region", "the region, e.g. 湖南省衡阳市雁峰区")
	pl.Source = textField("source", "the source document")
	yearsOK := p.planYears(f, root, pl)
	if v, ok := f["reporting_from"]; ok && !isNull(v) {
		pl.ReportingFrom = p.date(v, "reporting_from")
	}
	d := p.planDefaults(f)

	v := p.required(f, root, "tasks", "a list of tasks")
	if v == nil {
		return pf
	}
	tasks := p.nonEmptyList(v, "tasks", "task", "tasks", "计划没有任务 the plan has no task")
	ic := &indicatorChecks{
		plan: pl, yearsOK: yearsOK, defaults: d,
		idLine: map[string]int{}, nameLine: map[string]int{}, taskLine: map[int]int{}, workLineLine: map[string]int{},
	}
	for _, t := range tasks {
		pf.indicators = append(pf.indicators, p.task(t, ic)...)
	}
	return pf
}

// required is the plan field key of f, or nil, with a problem on the
// plan's node n, when it is missing.
func (p *parser) required(f map[string]*yaml.Node, n *yaml.Node, key, what string) *yaml.Node {
	v, ok := f[key]
	if !ok {
		p.add(n, key, "", "", what, fmt.Sprintf("缺少字段 missing field %s", key))
		return nil
	}
	return v
}

// planYears reads the start, end and base years; it reports whether the
// start and end years are sound (the deadlines are checked against them).
func (p *parser) planYears(f map[string]*yaml.Node, root *yaml.Node, pl *kpi.Plan) bool {
	yearsOK := true
	year := func(key string) int {
		v := p.required(f, root, key, "a year such as 2022")
		if v == nil {
			yearsOK = false
			return 0
		}
		y, ok := p.integer(v, key, "", "a year such as 2022")
		if ok && (y < kpi.FirstYear || y > kpi.LastYear) {
			p.add(v, key, "", strconv.Itoa(y), fmt.Sprintf("a year between %d and %d", kpi.FirstYear, kpi.LastYear), "年份无效 implausible year")
			ok = false
		}
		yearsOK = yearsOK && ok
		return y
	}
	pl.StartYear = year("start_year")
	pl.EndYear = year("end_year")
	if yearsOK && pl.EndYear < pl.StartYear {
		p.add(f["end_year"], "end_year", "", strconv.Itoa(pl.EndYear), fmt.Sprintf("a year from start_year %d on", pl.StartYear), "结束年份早于开始年份 end_year is before start_year")
		yearsOK = false
	}
	if v, ok := f["base_year"]; ok && !isNull(v) {
		y, ok := p.integer(v, "base_year", "", "a year before start_year, such as 2018")
		switch {
		case !ok:
		case yearsOK && (y >= pl.StartYear || y < pl.StartYear-10):
			p.add(v, "base_year", "", strconv.Itoa(y), fmt.Sprintf("a year before start_year %d (at most 10 years before)", pl.StartYear), "基期年份无效 base_year must lie before start_year")
		default:
			pl.BaseYear = y
		}
	}
	return yearsOK
}

// planDefaults reads the plan's defaults for its indicators over the
// built-in ones.
func (p *parser) planDefaults(f map[string]*yaml.Node) defaults {
	d := defaults{frequency: builtinFrequency, dueDays: builtinDueDays, measure: builtinMeasure}
	v, ok := f["defaults"]
	if !ok || isNull(v) {
		return d
	}
	df := p.fields(v, "defaults", "", defaultsFields)
	if n, ok := df["frequency"]; ok {
		d.frequency = p.frequency(n, "")
	}
	if n, ok := df["due_days"]; ok {
		d.dueDays = p.dueDays(n, "")
	}
	if n, ok := df["measure"]; ok {
		d.measure = p.measure(n, "")
	}
	return d
}

// indicatorChecks is what checking a task needs from its plan.
type indicatorChecks struct {
	plan     *kpi.Plan
	yearsOK  bool
	defaults defaults
	idLine   map[string]int // indicator id → line first defined
	nameLine map[string]int // indicator name → line first defined
	taskLine map[int]int    // task number → line first defined
	// workLineLine: work line id → line first defined
	workLineLine map[string]int
}

func (p *parser) task(n *yaml.Node, ic *indicatorChecks) []kpi.Indicator {
	f := p.fields(n, "task", "", taskFields)
	if f == nil {
		return nil
	}
	n = resolve(n)
	number := 0
	if v, ok := f["task"]; !ok {
		p.add(n, "task", "", "", "the task number (序号), 1, 2, …", "缺少任务序号 missing task number")
	} else if t, ok := p.integer(v, "task", "", "the task number (序号), 1, 2, …"); ok {
		if t < 1 {
			p.add(v, "task", "", strconv.Itoa(t), "a number from 1", "任务序号无效 invalid task number")
		} else if first, dup := ic.taskLine[t]; dup {
			p.add(v, "task", "", strconv.Itoa(t), "each task once (put all its work lines under it)",
				fmt.Sprintf("任务重复 task %d is already defined at line %d", t, first))
		} else {
			ic.taskLine[t] = v.Line
		}
		number = t
	}
	title := ""
	if v, ok := f["title"]; !ok {
		p.add(n, "title", "", "", "the task title (主要任务)", "缺少任务名称 missing task title")
	} else if title = p.text(v, "title", ""); title == "" {
		p.add(v, "title", "", "", "the task title (主要任务)", "任务名称为空 empty task title")
	}
	v, ok := f["work_lines"]
	if !ok {
		p.add(n, "work_lines", "", "", "a list of work lines (工作要点)", "缺少工作要点 missing work_lines")
		return nil
	}
	lines := p.nonEmptyList(v, "work_lines", "work line", "work lines", "任务没有工作要点 the task has no work line")
	var out []kpi.Indicator
	for _, wl := range lines {
		out = append(out, p.workLine(wl, number, title, ic)...)
	}
	return out
}

func (p *parser) workLine(n *yaml.Node, task int, taskTitle string, ic *indicatorChecks) []kpi.Indicator {
	f := p.fields(n, "work line", "", workLineFields)
	if f == nil {
		return nil
	}
	n = resolve(n)
	text := ""
	if v, ok := f["text"]; !ok {
		p.add(n, "text", "", "", "the work line's text (工作要点)", "缺少工作要点内容 missing work line text")
	} else if text = p.text(v, "text", ""); text == "" {
		p.add(v, "text", "", "", "the work line's text (工作要点)", "工作要点内容为空 empty work line text")
	}
	if v, ok := f["id"]; ok {
		// A label for readers ("1.1"); it must still be unique to be useful.
		if label := p.text(v, "id", ""); label != "" {
			if first, dup := ic.workLineLine[label]; dup {
				p.add(v, "id", "", label, "a work line id used once in the plan", fmt.Sprintf("工作要点编号重复 duplicate work line id (first at line %d)", first))
			} else {
				ic.workLineLine[label] = v.Line
			}
		}
	}
	var lead []string
	if v, ok := f["lead_units"]; !ok {
		p.add(n, "lead_units", "", "", "a list such as [区科工信局]", "缺少责任单位 missing lead units")
	} else if lead = p.units(v, "lead_units"); len(lead) == 0 && (isNull(v) || resolve(v).Kind == yaml.SequenceNode) {
		p.add(v, "lead_units", "", "", "at least one lead unit (责任单位)", "责任单位为空 no lead unit")
	}
	co := []string{}
	if v, ok := f["co_units"]; ok {
		co = p.units(v, "co_units")
	}
	v, ok := f["indicators"]
	if !ok {
		p.add(n, "indicators", "", "", "a list of indicators", "工作要点没有指标 the work line has no indicator: every line is tracked")
		return nil
	}
	items := p.nonEmptyList(v, "indicators", "indicator", "indicators", "工作要点没有指标 the work line has no indicator: every line is tracked")
	var out []kpi.Indicator
	for _, item := range items {
		ind, ok := p.indicator(item, ic)
		if !ok {
			continue
		}
		ind.Task, ind.TaskTitle, ind.WorkLine = task, taskTitle, text
		ind.LeadUnits = slices.Clone(lead)
		ind.CoUnits = slices.Clone(co)
		out = append(out, ind)
	}
	return out
}

func (p *parser) frequency(n *yaml.Node, id string) kpi.Frequency {
	f := kpi.Frequency(p.text(n, "frequency", id))
	if !f.Valid() {
		p.add(n, "frequency", id, string(f), "annual, quarterly or monthly", "未知的报送频率 unknown frequency")
	}
	return f
}

func (p *parser) measure(n *yaml.Node, id string) kpi.Measure {
	m := kpi.Measure(p.text(n, "measure", id))
	if m != kpi.MeasureLevel && m != kpi.MeasureCumulative {
		p.add(n, "measure", id, string(m), "level or cumulative", "未知的计量方式 unknown measure")
	}
	return m
}

func (p *parser) dueDays(n *yaml.Node, id string) int {
	d, ok := p.integer(n, "due_days", id, "days after a period ends, 0 to 366")
	if ok && (d < 0 || d > 366) {
		p.add(n, "due_days", id, strconv.Itoa(d), "days after a period ends, 0 to 366", "报送期限无效 due_days out of range")
	}
	return d
}

func (p *parser) indicator(n *yaml.Node, ic *indicatorChecks) (kpi.Indicator, bool) {
	n = resolve(n)
	id := indicatorID(n) // read first so every later problem can name the indicator
	f := p.fields(n, "indicator", id, indicatorFields)
	if f == nil {
		return kpi.Indicator{}, false
	}
	ind := kpi.Indicator{
		ID: id, Plan: ic.plan.ID,
		Frequency: ic.defaults.frequency, DueDays: ic.defaults.dueDays, Measure: ic.defaults.measure,
	}
	p.checkIndicatorID(f, n, id, ic)
	p.indicatorTexts(f, n, &ind, ic)
	kindNode := p.indicatorKindAndUnit(f, n, &ind)
	p.target(f, n, &ind)
	p.targetForm(f, &ind)
	p.indicatorSchedule(f, n, &ind, ic)
	p.indicatorBaseline(f, kindNode, &ind, ic)
	return ind, true
}

// indicatorID is the id of the indicator mapping n, "" when it has none.
func indicatorID(n *yaml.Node) string {
	var id string
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "id" && resolve(n.Content[i+1]).Kind == yaml.ScalarNode {
				id = strings.TrimSpace(resolve(n.Content[i+1]).Value)
			}
		}
	}
	return id
}

// optionalText reads the text field key of f; "" and nil when absent.
func (p *parser) optionalText(f map[string]*yaml.Node, key, id string) (string, *yaml.Node) {
	v, ok := f[key]
	if !ok {
		return "", nil
	}
	return p.text(v, key, id), v
}

// checkIndicatorID checks the id: present, snake_case, once in the plan.
func (p *parser) checkIndicatorID(f map[string]*yaml.Node, n *yaml.Node, id string, ic *indicatorChecks) {
	if v, ok := f["id"]; !ok || id == "" {
		p.add(n, "id", id, "", "a stable ASCII id such as high_tech_enterprises", "缺少指标编号 missing indicator id")
	} else if !indicatorIDPattern.MatchString(id) {
		p.add(v, "id", id, id, "lower-case snake_case ASCII (e.g. high_tech_enterprises)", "指标编号无效 invalid indicator id")
	} else if first, dup := ic.idLine[id]; dup {
		p.add(v, "id", id, id, "an id used once in the plan", fmt.Sprintf("指标编号重复 duplicate indicator id (first at line %d)", first))
	} else {
		ic.idLine[id] = v.Line
	}
}

// indicatorTexts reads the name (once in the plan), the notes and the
// source text.
func (p *parser) indicatorTexts(f map[string]*yaml.Node, n *yaml.Node, ind *kpi.Indicator, ic *indicatorChecks) {
	id := ind.ID
	var nameNode *yaml.Node
	ind.Name, nameNode = p.optionalText(f, "name", id)
	if ind.Name == "" {
		p.add(n, "name", id, "", "the indicator's Chinese name as the document words it", "缺少指标名称 missing name")
	} else if first, dup := ic.nameLine[ind.Name]; dup {
		// Submitters may name an indicator by its Chinese name, so it must be unique.
		p.add(nameNode, "name", id, ind.Name, "a name used once in the plan", fmt.Sprintf("指标名称重复 duplicate name (first at line %d)", first))
	} else {
		ic.nameLine[ind.Name] = nameNode.Line
	}
	ind.NameEN, _ = p.optionalText(f, "name_en", id)
	ind.DeadlineNote, _ = p.optionalText(f, "deadline_note", id)
	ind.Note, _ = p.optionalText(f, "note", id)
	ind.SourceText, _ = p.optionalText(f, "source_text", id)
	if ind.SourceText == "" {
		p.add(n, "source_text", id, "", "the sentence of the document the indicator comes from, verbatim", "缺少原文 missing source_text")
	}
}

// indicatorKindAndUnit reads the kind and the unit; it returns the kind's
// node (nil when absent) for later problems about the kind.
func (p *parser) indicatorKindAndUnit(f map[string]*yaml.Node, n *yaml.Node, ind *kpi.Indicator) *yaml.Node {
	id := ind.ID
	kindNode, hasKind := f["kind"]
	if !hasKind {
		p.add(n, "kind", id, "", kindList, "缺少指标类型 missing kind")
	} else {
		ind.Kind = kpi.Kind(p.text(kindNode, "kind", id))
		if !ind.Kind.Valid() {
			p.add(kindNode, "kind", id, string(ind.Kind), kindList, "未知的指标类型 unknown kind")
		}
	}
	var unitNode *yaml.Node
	ind.Unit, unitNode = p.optionalText(f, "unit", id)
	if unitNode == nil || ind.Unit == "" {
		p.add(n, "unit", id, "", "one of "+strings.Join(knownUnits, " "), "缺少计量单位 missing unit")
	} else if !slices.Contains(knownUnits, ind.Unit) {
		p.add(unitNode, "unit", id, ind.Unit, "one of "+strings.Join(knownUnits, " "), "未知的计量单位 unknown unit")
	}
	return kindNode
}

// indicatorSchedule reads the deadline (within the plan's years) and the
// reporting frequency, due days and measure over the plan's defaults.
func (p *parser) indicatorSchedule(f map[string]*yaml.Node, n *yaml.Node, ind *kpi.Indicator, ic *indicatorChecks) {
	id := ind.ID
	if v, ok := f["deadline"]; !ok {
		p.add(n, "deadline", id, "", fmt.Sprintf("the deadline year, %d to %d", ic.plan.StartYear, ic.plan.EndYear), "缺少完成时限 missing deadline")
	} else if y, ok := p.integer(v, "deadline", id, "a year such as 2022"); ok {
		ind.Deadline = y
		if ic.yearsOK && (y < ic.plan.StartYear || y > ic.plan.EndYear) {
			p.add(v, "deadline", id, strconv.Itoa(y), fmt.Sprintf("a year from start_year %d to end_year %d", ic.plan.StartYear, ic.plan.EndYear),
				"完成时限超出计划期 deadline outside the plan's years")
		}
	}
	if v, ok := f["frequency"]; ok {
		ind.Frequency = p.frequency(v, id)
	}
	if v, ok := f["due_days"]; ok {
		ind.DueDays = p.dueDays(v, id)
	}
	if v, ok := f["measure"]; ok {
		ind.Measure = p.measure(v, id)
	}
}

// indicatorBaseline reads the baseline or baseline rule (not both; one of
// them for the kinds measured from a base) and the milestone stages.
func (p *parser) indicatorBaseline(f map[string]*yaml.Node, kindNode *yaml.Node, ind *kpi.Indicator, ic *indicatorChecks) {
	id := ind.ID
	baselineGiven := false
	if v, ok := f["baseline"]; ok && !isNull(v) {
		baselineGiven = true
		ind.Baseline = p.baseline(v, id, ind.Deadline)
	}
	if v, ok := f["stages"]; ok && !isNull(v) {
		ind.Stages = p.stages(v, ind, ic)
	}
	if v, ok := f["baseline_rule"]; ok {
		ind.BaselineRule = kpi.BaselineRule(p.text(v, "baseline_rule", id))
		switch {
		case ind.BaselineRule != kpi.BaselineFirstObservation:
			p.add(v, "baseline_rule", id, string(ind.BaselineRule), "first_observation", "未知的基数规则 unknown baseline_rule")
		case baselineGiven:
			p.add(v, "baseline_rule", id, string(ind.BaselineRule), "either baseline or baseline_rule, not both", "基数重复 both baseline and baseline_rule are set")
		}
	}
	if ind.Kind.TargetFromBaseline() && !baselineGiven && ind.BaselineRule == "" {
		p.add(kindNode, "baseline", id, "", "baseline: {period: \"2018\", value: …, source: …} or baseline_rule: first_observation",
			fmt.Sprintf("%s 需要基数 %s needs a baseline to start from", ind.Kind, ind.Kind))
	}
}

// target reads and checks the target for the indicator's kind and unit.
func (p *parser) target(f map[string]*yaml.Node, n *yaml.Node, ind *kpi.Indicator) {
	id := ind.ID
	v, has := f["target"]
	if has && isNull(v) {
		has = false
	}
	switch ind.Kind {
	case kpi.KindIncrease:
		if has {
			p.add(v, "target", id, shortValue(v), "no target: increase means each period above the one before",
				"increase 不设目标值 an increase indicator takes no target")
		}
		return
	case kpi.KindMilestone, kpi.KindContinuing:
		full := ind.DoneFigure()
		ind.Target = full
		if has {
			if t, ok := p.number(v, "target", id); ok && t != full {
				p.add(v, "target", id, shortValue(v), fmt.Sprintf("%s (done), or leave target out", present.Plain(full)),
					fmt.Sprintf("里程碑目标应为%s a milestone's target is %s", present.Plain(full), present.Plain(full)))
			}
		}
		return
	}
	if !has {
		if ind.Kind.Valid() {
			p.add(n, "target", id, "", "the target value as the document gives it", "缺少目标值 missing target")
		}
		return
	}
	t, ok := p.number(v, "target", id)
	if !ok {
		return
	}
	ind.Target = t
	switch {
	case ind.Kind == kpi.KindReduceBy && (t <= 0 || t >= 100):
		p.add(v, "target", id, shortValue(v), "the percent to cut, above 0 and below 100 (10 means 10%)", "压缩比例无效 reduce_by percent out of range")
	case ind.Kind == kpi.KindMultiply && (t <= 1 || t > 100):
		p.add(v, "target", id, shortValue(v), "the factor to reach, above 1 (2 means 倍增, doubling)", "倍数无效 multiply factor out of range")
	case ind.Kind != kpi.KindReduceBy && ind.Kind != kpi.KindMultiply && ind.IsPercent() && (t < 0 || t > 100):
		p.add(v, "target", id, shortValue(v), "percent points from 0 to 100 (33 means 33%)", "百分比超出范围 percent target out of range")
	case t < 0:
		p.add(v, "target", id, shortValue(v), "a target of 0 or more", "目标值为负 negative target")
	}
}

func (p *parser) baseline(n *yaml.Node, id string, deadline int) *kpi.Baseline {
	f := p.fields(n, "baseline", id, baselineFields)
	if f == nil {
		return nil
	}
	n = resolve(n)
	b := &kpi.Baseline{}
	ok := true
	if v, has := f["period"]; !has {
		p.add(n, "baseline.period", id, "", `a period such as "2019", "2019-Q4" or "2019-12"`, "缺少基数期 missing baseline period")
		ok = false
	} else {
		s := p.text(v, "baseline.period", id)
		per, err := kpi.ParsePeriod(s)
		switch {
		case err != nil:
			p.add(v, "baseline.period", id, s, `a period such as "2019", "2019-Q4" or "2019-12"`, "基数期无效 bad baseline period")
			ok = false
		case deadline != 0 && per.Year > deadline:
			p.add(v, "baseline.period", id, s, fmt.Sprintf("a period before the deadline %d", deadline), "基数期晚于完成时限 baseline period after the deadline")
			ok = false
		}
		b.Period = per
	}
	if v, has := f["value"]; !has {
		p.add(n, "baseline.value", id, "", "the baseline figure", "缺少基数值 missing baseline value")
		ok = false
	} else if x, good := p.number(v, "baseline.value", id); good {
		b.Value = x
	} else {
		ok = false
	}
	if v, has := f["source"]; has {
		b.Source = p.text(v, "baseline.source", id)
	}
	if !ok {
		return nil
	}
	return b
}

// kindList names every kind, for problems.
var kindList = func() string {
	names := make([]string, len(kpi.Kinds))
	for i, k := range kpi.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}()

// targetForm reads tolerance (左右) and strict (突破), which only a target
// compared with a number can carry, and not both at once.
func (p *parser) targetForm(f map[string]*yaml.Node, ind *kpi.Indicator) {
	id := ind.ID
	comparable := ind.Kind.HasNumericTarget()
	if v, ok := f["tolerance"]; ok && !isNull(v) {
		if t, ok := p.number(v, "tolerance", id); ok {
			switch {
			case !comparable:
				p.add(v, "tolerance", id, shortValue(v), "no tolerance for "+string(ind.Kind), "该类型不设容差 this kind takes no tolerance")
			case t <= 0 || t >= 50:
				p.add(v, "tolerance", id, shortValue(v), "a percent of the target above 0 and below 50 (5 for 左右)", "容差无效 tolerance out of range")
			default:
				ind.Tolerance = t
			}
		}
	}
	if v, ok := f["max"]; ok && !isNull(v) {
		if m, ok := p.number(v, "max", id); ok {
			if m <= 0 || ind.Kind == kpi.KindMilestone {
				p.add(v, "max", id, shortValue(v), "the largest plausible figure, above 0 (not for milestones)", "上限无效 max out of range")
			} else {
				ind.Max = &m
			}
		}
	}
	if v, ok := f["strict"]; ok && !isNull(v) {
		n := resolve(v)
		switch {
		case n.Kind != yaml.ScalarNode || n.Tag != "!!bool":
			p.add(v, "strict", id, shortValue(v), "true or false", "应为 true 或 false must be true or false")
		case n.Value == "true" || n.Value == "True" || n.Value == "TRUE":
			switch {
			case !comparable:
				p.add(v, "strict", id, n.Value, "strict only for at_least, at_most, reduce_by or multiply", "该类型不设严格比较 this kind cannot be strict")
			case ind.Tolerance > 0:
				p.add(v, "strict", id, n.Value, "either tolerance or strict, not both", "容差与严格比较不能并用 tolerance and strict together")
			default:
				ind.Strict = true
			}
		}
	}
}

// stages reads a milestone's dated stages: periods in order within the
// plan before the deadline year's end, percents rising within 0..100.
func (p *parser) stages(n *yaml.Node, ind *kpi.Indicator, ic *indicatorChecks) []kpi.Stage {
	id := ind.ID
	if ind.Kind != kpi.KindMilestone {
		p.add(n, "stages", id, shortValue(n), "stages only for a milestone", "只有里程碑可设阶段 only a milestone has stages")
		return nil
	}
	items := p.list(n, "stages", id, "stages ({period, percent, text})")
	var out []kpi.Stage
	for _, item := range items {
		f := p.fields(item, "stage", id, stageFields)
		if f == nil {
			continue
		}
		var st kpi.Stage
		ok := true
		if v, has := f["period"]; !has {
			p.add(item, "stages.period", id, "", `a period such as "2021" or "2021-Q2"`, "缺少阶段期 missing stage period")
			ok = false
		} else {
			s := p.text(v, "stages.period", id)
			per, err := kpi.ParsePeriod(s)
			switch {
			case err != nil:
				p.add(v, "stages.period", id, s, `a period such as "2021" or "2021-Q2"`, "阶段期无效 bad stage period")
				ok = false
			case ic.yearsOK && (per.Year < ic.plan.StartYear || (ind.Deadline != 0 && per.Year > ind.Deadline)):
				p.add(v, "stages.period", id, s, fmt.Sprintf("a period from %d to the deadline %d", ic.plan.StartYear, ind.Deadline), "阶段期超出计划期 stage outside the plan")
				ok = false
			case len(out) > 0 && !out[len(out)-1].Period.Before(per):
				p.add(v, "stages.period", id, s, "stages in time order", "阶段顺序错误 stages out of order")
				ok = false
			}
			st.Period = per
		}
		if v, has := f["percent"]; !has {
			p.add(item, "stages.percent", id, "", "the percent done by then, 0 to 100", "缺少阶段进度 missing stage percent")
			ok = false
		} else if x, good := p.number(v, "stages.percent", id); !good {
			ok = false
		} else if x <= 0 || x > 100 || (len(out) > 0 && x < out[len(out)-1].Percent) {
			p.add(v, "stages.percent", id, shortValue(v), "a percent above 0, at most 100, not below the stage before", "阶段进度无效 stage percent out of range")
			ok = false
		} else {
			st.Percent = x
		}
		if v, has := f["text"]; has {
			st.Text = p.text(v, "stages.text", id)
		}
		if ok {
			out = append(out, st)
		}
	}
	return out
}
