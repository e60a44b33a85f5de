package ingest

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// index finds indicators by id and by Chinese name; built once per
// catalog version, not per row.
type index struct {
	plans  map[string]kpi.Plan
	byID   map[string][]*kpi.Indicator
	byName map[string][]*kpi.Indicator
	// byPlan lists each plan's indicators and distinct every (id, name)
	// pair once: many plans (one per region) share the same indicators,
	// and suggestions need each only once.
	byPlan   map[string][]*kpi.Indicator
	distinct []*kpi.Indicator
	// inPlan finds an indicator of a named plan by id or by name in one
	// lookup: a province's catalog repeats every id in each of its 3,000
	// plans, so narrowing byID's list by plan would cost a pass over
	// 3,000 indicators per row.
	inPlan map[planKey]*kpi.Indicator
	// spans count the indicators by the years and periods a year they can
	// be reported for (nil: a plan without years, reported for any).
	spans map[periodSpan]int
}

// planKey is an indicator id, or a trimmed Chinese name, within a plan.
type planKey struct {
	plan, key string
	name      bool
}

func newIndex(cat kpi.Catalog) *index {
	ix := &index{plans: map[string]kpi.Plan{}, byID: map[string][]*kpi.Indicator{}, byName: map[string][]*kpi.Indicator{},
		byPlan: map[string][]*kpi.Indicator{}, inPlan: make(map[planKey]*kpi.Indicator, 2*len(cat.Indicators))}
	for _, p := range cat.Plans {
		ix.plans[p.ID] = p
	}
	ix.spans = spansOf(cat, ix.plans)
	type idName struct{ id, name string }
	seen := map[idName]bool{}
	for i := range cat.Indicators {
		ind := &cat.Indicators[i]
		ix.byID[ind.ID] = append(ix.byID[ind.ID], ind)
		ix.byName[strings.TrimSpace(ind.Name)] = append(ix.byName[strings.TrimSpace(ind.Name)], ind)
		ix.byPlan[ind.Plan] = append(ix.byPlan[ind.Plan], ind)
		ix.inPlan[planKey{plan: ind.Plan, key: ind.ID}] = ind
		if name := (planKey{plan: ind.Plan, key: strings.TrimSpace(ind.Name), name: true}); ix.inPlan[name] == nil {
			ix.inPlan[name] = ind
		}
		if k := (idName{ind.ID, ind.Name}); !seen[k] {
			seen[k] = true
			ix.distinct = append(ix.distinct, ind)
		}
	}
	return ix
}

// periodSpan is the years an indicator can be reported for — from its
// plan's first (or base) year to the later of the plan's end and its
// deadline, and after that until now — and its periods a year.
type periodSpan struct{ first, last, perYear int }

func spansOf(cat kpi.Catalog, plans map[string]kpi.Plan) map[periodSpan]int {
	spans := map[periodSpan]int{}
	for _, ind := range cat.Indicators {
		plan := plans[ind.Plan]
		if plan.StartYear == 0 {
			return nil
		}
		per := 1
		switch ind.Frequency {
		case kpi.Quarterly:
			per = 4
		case kpi.Monthly:
			per = 12
		}
		spans[periodSpan{first: plan.FirstYear(), last: max(plan.EndYear, ind.Deadline), perYear: per}]++
	}
	return spans
}

// maxObs is how many distinct figures a submission can hold at now: every
// indicator's periods that have begun since its plan's first year; -1 when
// a plan has no years.
func (ix *index) maxObs(now time.Time) int {
	if ix.spans == nil {
		return -1
	}
	n := 0
	for s, count := range ix.spans {
		last := max(s.last, now.Year())
		n += count * s.perYear * max(last-s.first+1, 1)
	}
	return n
}

// maxSuggestedRows bounds the rows that get "did you mean" suggestions, so
// a file of a million wrong ids does not scan the catalog a million times.
const maxSuggestedRows = 20

// checker validates a submission's rows as they are read, keeping only
// the observations of good rows and a bounded list of problems, so a file
// of a million bad rows costs no more than its first problems.
type checker struct {
	ix                 *index
	u                  kpi.Upload
	now                time.Time
	invalid, forbidden *kpi.ProblemList
	obs                figureList
	seen               map[obsKey]int
	suggested, rows    int
	// expl are the explanations of the 情况说明 sheet, checked, to file
	// once the figures are stored; explRows counts its rows.
	expl     []kpi.Explanation
	explRows int
}

// obsKey is one figure's indicator and period, small: a million-row file
// keeps one per good row until every row is in.
type obsKey struct {
	ind *kpi.Indicator // the index's, one per indicator
	p   packedPeriod
}

// packedPeriod is a checked period in 32 bits: year, quarter, month.
type packedPeriod uint32

func packPeriod(p kpi.Period) packedPeriod {
	return packedPeriod(uint32(p.Year)<<8 | uint32(p.Quarter)<<4 | uint32(p.Month))
}

func (p packedPeriod) period() kpi.Period {
	return kpi.Period{Year: int(p >> 8), Quarter: int(p >> 4 & 15), Month: int(p & 15)}
}

// figureList is a submission's good figures as the store takes them
// (kpi.FigureList), 40 bytes each where a kpi.Observation takes 160: a
// million-row file's are 40 MB.
type figureList []figure

type figure struct {
	ind   *kpi.Indicator
	p     packedPeriod
	value float64
	note  string
}

func (f figureList) Len() int { return len(f) }

func (f figureList) At(i int) kpi.Observation {
	g := &f[i]
	return kpi.Observation{Plan: g.ind.Plan, Indicator: g.ind.ID, Period: g.p.period(), Value: g.value, Note: g.note}
}

// checker returns a checker for a submission of at most figures good
// figures (sized for them up front: growing by appending allocates five
// times the final size for a large slice, and the budget charged them).
func (ix *index) checker(u kpi.Upload, now time.Time, maxProblems, figures int) *checker {
	return &checker{ix: ix, u: u, now: now, seen: make(map[obsKey]int, figures), obs: make([]figure, 0, figures),
		invalid: &kpi.ProblemList{Max: maxProblems}, forbidden: &kpi.ProblemList{Max: maxProblems}}
}

// add checks one row.
func (c *checker) add(r *row) {
	c.rows++
	ix, u := c.ix, &c.u
	bad := func(column, fld, value, expected, msg string) {
		c.invalid.Add(kpi.Problem{File: c.u.Name, Sheet: r.Sheet, Row: r.Line, Column: column, Field: fld,
			Indicator: r.Indicator, Value: value, Expected: expected, Message: msg})
	}
	ind, column, ok := ix.resolve(r, bad, &c.suggested)
	if !ok {
		return
	}
	if !u.Actor.MaySubmitFor(*ind) {
		c.forbidden.Add(forbiddenFigure(kpi.Problem{File: u.Name, Sheet: r.Sheet, Row: r.Line, Column: column}, r, *ind, u.Actor))
		return
	}
	plan := ix.plans[ind.Plan]
	period, pok := ix.checkPeriod(r, ind, plan, c.now, bad)
	value, vok := checkValue(r, ind, bad)
	nok := checkNote(r, bad)
	if !pok || !vok || !nok {
		return
	}
	if !checkPlausible(r, ind, period, value, bad) {
		return
	}
	k := obsKey{ind, packPeriod(period)}
	if first, dup := c.seen[k]; dup {
		bad(r.col.period, "period", r.Period, "每个指标每个报告期一行\none row per indicator and period",
			fmt.Sprintf("重复行：与第 %d 行的指标和报告期相同\nduplicate of row %d (same indicator and period)", first, first))
		return
	}
	c.seen[k] = r.Line
	// The note is copied: the row's text may share memory with a much
	// larger buffer (a decoded JSON body) that is not kept.
	c.obs = append(c.obs, figure{ind: ind, p: k.p, value: value, note: strings.Clone(r.Note)})
}

// done returns what check returns, once every row was added.
func (c *checker) done() (obs figureList, invalid, forbidden *kpi.ProblemList) {
	if c.rows == 0 && c.explRows == 0 {
		c.invalid.Add(kpi.Problem{File: c.u.Name, Message: "没有任何数据行\nno figures in the submission: fill in 报告期 and 实际值"})
	}
	c.seen = nil // every row is in: the duplicate index goes before the store's work
	return c.obs, c.invalid, c.forbidden
}

// forbiddenFigure is the problem of a row whose indicator the submitter
// may not submit for, at where (file, sheet, row, column): it quotes the
// cell as the submitter wrote it (an excerpt), not the catalog, and names
// the indicator that cell was read as and the units that report it.
func forbiddenFigure(where kpi.Problem, r *row, ind kpi.Indicator, a kpi.Actor) kpi.Problem {
	units := strings.Join(append(append([]string{}, ind.LeadUnits...), ind.CoUnits...), "、")
	p := where
	p.Field, p.Indicator, p.Value = "indicator", ind.ID, kpi.Excerpt(r.indicatorText())
	p.Expected = "本单位负责或配合的指标\nan indicator of " + unitsText(a)
	p.Message = fmt.Sprintf("无权报送指标“%s”（%s）：%s 不是其责任单位或配合单位，该指标由%s报送；请删去此行\n%s may not submit for %s: its units are %s",
		ind.Name, ind.ID, unitsText(a), units, a.Name, ind.ID, units)
	return p
}

// indicatorText is the cell a row names its indicator by: the id's, else
// the name's.
func (r *row) indicatorText() string {
	if r.Indicator != "" {
		return r.Indicator
	}
	return r.name
}

// resolve finds the row's indicator by id (or by exact Chinese name),
// narrowed by plan when given.
func (ix *index) resolve(r *row, bad func(column, fld, value, expected, msg string), suggested *int) (*kpi.Indicator, string, bool) {
	if r.Plan != "" {
		if _, ok := ix.plans[r.Plan]; !ok {
			bad(r.col.plan, "plan", r.Plan, "以下计划之一："+ix.planIDs()+"\none of "+ix.planIDs(), "未知计划\nunknown plan")
			return nil, r.col.plan, false
		}
	}
	text, column := r.indicatorText(), r.col.indicator
	if r.Indicator == "" {
		column = r.col.name
	}
	var cands []*kpi.Indicator
	if r.Plan != "" {
		cands = ix.lookupInPlan(r)
	} else {
		cands = ix.byID[r.Indicator]
		if len(cands) == 0 {
			cands = ix.byName[strings.TrimSpace(text)]
		}
		if len(cands) == 0 && r.Indicator != "" && r.name != "" { // id wrong, name right
			cands = ix.byName[strings.TrimSpace(r.name)]
		}
	}
	switch {
	case text == "":
		bad(column, "indicator", "", "指标编号或指标名称\nan indicator id or name", "缺少指标\nmissing indicator")
		return nil, column, false
	case len(cands) == 0:
		msg := "未知指标\nunknown indicator"
		if *suggested < maxSuggestedRows {
			*suggested++
			if s := ix.suggest(text, r.Plan); s != "" {
				msg = "未知指标；您是否要找：" + s + "\nunknown indicator; did you mean: " + s
			}
		}
		bad(column, "indicator", text, "目录中的指标编号或完整中文名称\nan id or exact Chinese name from the catalog", msg)
		return nil, column, false
	case len(cands) > 1:
		// A province shares ids between thousands of plans: name a few.
		const namedPlans = 5
		var plans []string
		for _, c := range cands[:min(len(cands), namedPlans)] {
			plans = append(plans, c.Plan)
		}
		if len(cands) > namedPlans {
			plans = append(plans, fmt.Sprintf("… (%d plans in all)", len(cands)))
		}
		bad(column, "indicator", text, "加一列“计划”\nadd a plan column: "+strings.Join(plans, ", "),
			"指标在多个计划中出现，请注明计划\nthe indicator is in several plans: say which")
		return nil, column, false
	}
	return cands[0], column, true
}

// lookupInPlan finds the indicator of the row's plan by id, else by exact
// name, else (id wrong, name right) by the name column: the same order of
// preference as without a plan, in one map lookup each.
func (ix *index) lookupInPlan(r *row) []*kpi.Indicator {
	keys := [...]planKey{
		{plan: r.Plan, key: r.Indicator},
		{plan: r.Plan, key: strings.TrimSpace(r.Indicator), name: true},
		{plan: r.Plan, key: strings.TrimSpace(r.name), name: true},
	}
	if r.Indicator == "" {
		keys[0], keys[1] = keys[2], keys[2]
	}
	for _, k := range keys {
		if k.key == "" {
			continue
		}
		if ind := ix.inPlan[k]; ind != nil {
			return []*kpi.Indicator{ind}
		}
	}
	return nil
}

func (ix *index) planIDs() string {
	var ids []string
	for id := range ix.plans {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return strings.Join(ids, ", ")
}

func (ix *index) checkPeriod(r *row, ind *kpi.Indicator, plan kpi.Plan, now time.Time, bad func(column, fld, value, expected, msg string)) (kpi.Period, bool) {
	freq := ind.Frequency
	if freq == "" {
		freq = kpi.Annual
	}
	if r.Period == "" {
		bad(r.col.period, "period", "", periodForms[freq], "缺少报告期\nmissing period")
		return kpi.Period{}, false
	}
	p, err := PeriodFor(r.Period, freq)
	var de *DateError
	if errors.As(err, &de) {
		bad(r.col.period, "period", r.Period, de.Expected(), de.Message())
		return kpi.Period{}, false
	}
	if err != nil {
		bad(r.col.period, "period", r.Period, periodForms[freq], "报告期无法识别\nperiod not understood")
		return kpi.Period{}, false
	}
	if p.Frequency() != freq {
		bad(r.col.period, "period", r.Period, periodForms[freq], fmt.Sprintf("该指标按%s报送\nthis indicator is reported %s", freqZH[freq], freqEN[freq]))
		return kpi.Period{}, false
	}
	// The plan's base years (base_year, 现有基础) are accepted too: their
	// figures are baselines (docs/method.md, "Baselines"). Periods after
	// the plan are kept: they count for the report duty, not the verdict,
	// and the receipt says so (present.FigureNote).
	if first := plan.FirstYear(); plan.StartYear != 0 && p.Year < first {
		what, whatEN := "规划基期", "base year"
		if first == plan.StartYear {
			what, whatEN = "规划起始年", "first year"
		}
		bad(r.col.period, "period", r.Period, fmt.Sprintf("%d年及以后\n%d or later", first, first),
			fmt.Sprintf("报告期早于%s（%d年）\nperiod before the plan's %s (%d)", what, first, whatEN, first))
		return kpi.Period{}, false
	}
	if !now.IsZero() && p.Start().After(now) {
		bad(r.col.period, "period", r.Period, "已开始的报告期\na period that has begun",
			"报告期尚未开始\nthe period has not begun yet")
		return kpi.Period{}, false
	}
	return p, true
}

// periodForms says, per frequency, what a period should look like.
var periodForms = map[kpi.Frequency]string{kpi.Annual: "年度，如 2021\na year like 2021", kpi.Quarterly: "季度，如 2021-Q3\na quarter like 2021-Q3", kpi.Monthly: "月度，如 2021-06\na month like 2021-06"}

var freqZH = map[kpi.Frequency]string{kpi.Annual: "年度", kpi.Quarterly: "季度", kpi.Monthly: "月度"}

// freqEN says how often, for the English line: "reported annually".
var freqEN = map[kpi.Frequency]string{kpi.Annual: "annually", kpi.Quarterly: "quarterly", kpi.Monthly: "monthly"}

// notNumberAdvice says why a value is not a number and how to write it,
// where the slip is a common one: the unit typed after the digits ("21家"
// → 21), or a 万/亿 multiplier ("2万" → 20000 where the unit is 元; → 2
// where the unit is itself 万元).
func notNumberAdvice(value string, ind *kpi.Indicator) string {
	t := strings.ReplaceAll(normalise(value), " ", "")
	const generic = "不是数字：只填阿拉伯数字，如 21 或 3.5\nnot a number: write digits only, e.g. 21 or 3.5"
	if ind.Unit != "" && strings.HasSuffix(t, ind.Unit) && len(t) > len(ind.Unit) {
		if v, _, err := parseNumber(strings.TrimSuffix(t, ind.Unit)); err == nil {
			n := plainNumber(v)
			return fmt.Sprintf("不是数字：只填数字，不要带单位（应填 %s）\nnot a number: write the figure without its unit (%s)", n, n)
		}
	}
	for _, m := range []struct {
		word  string
		times float64
	}{{"亿", 1e8}, {"万", 1e4}} {
		num, ok := strings.CutSuffix(strings.TrimSuffix(t, strings.TrimPrefix(ind.Unit, m.word)), m.word)
		if !ok || num == "" {
			continue
		}
		v, _, err := parseNumber(num)
		if err != nil {
			return generic
		}
		if !strings.HasPrefix(ind.Unit, m.word) {
			v *= m.times
		}
		n := plainNumber(v)
		return fmt.Sprintf("不是数字：不要用“%s”，请换算为以“%s”计的数字（应填 %s）\nnot a number: no %s multiplier, write the figure in %s (%s)", m.word, ind.Unit, n, m.word, ind.Unit, n)
	}
	return generic
}

// plainNumber writes a suggested figure without float noise: 0.0021万 is 21.
func plainNumber(v float64) string {
	return strconv.FormatFloat(kpi.Significant(v, 12), 'f', -1, 64)
}

// excelErrors are the error values a spreadsheet cell may hold.
var excelErrors = map[string]bool{"#DIV/0!": true, "#N/A": true, "#NAME?": true, "#NULL!": true, "#NUM!": true, "#REF!": true, "#VALUE!": true, "#SPILL!": true, "#CALC!": true}

// milestoneWords are the ways people mark a qualitative line done or not.
var milestoneWords = map[string]float64{"完成": 1, "已完成": 1, "是": 1, "未完成": 0, "否": 0, "done": 1, "yes": 1, "no": 0}

func checkValue(r *row, ind *kpi.Indicator, bad func(column, fld, value, expected, msg string)) (float64, bool) {
	expected := "数值\na number"
	if r.Unit != "" && normalise(r.Unit) != ind.Unit {
		bad(r.col.unit, "unit", r.Unit, ind.Unit, fmt.Sprintf("单位与指标不符，应为“%s”\nunit differs from the indicator's (%s)", ind.Unit, ind.Unit))
		return 0, false
	}
	if ind.Kind == kpi.KindMilestone {
		if v, ok := milestoneWords[strings.ToLower(strings.TrimSpace(r.Value))]; ok {
			return v, true
		}
		expected = "1（完成）或 0（未完成）\n1 (done) or 0 (not done)"
	}
	v, pct, err := parseNumber(r.Value)
	if quoted, want, msg := valueProblem(r.Value, ind, err, pct, expected); msg != "" {
		bad(r.col.value, "value", quoted, want, msg)
		return 0, false
	}
	if want, msg := figureProblem(v, ind, expected); msg != "" {
		bad(r.col.value, "value", r.Value, want, msg)
		return 0, false
	}
	return v, true
}

// valueProblem says what is wrong with a value that does not read as a
// figure of ind (parseNumber gave err and pct): the value to quote, what
// was expected and the message; msg is "" when the value reads.
func valueProblem(value string, ind *kpi.Indicator, err error, pct bool, expected string) (quoted, want, msg string) {
	switch {
	case err == ErrEmpty:
		return "", expected, "缺少实际值\nmissing value"
	case err == ErrComma:
		return value, expected, commaAdvice(value)
	case err == ErrNotFinite && strings.Contains(strings.ToLower(value), "n"): // NaN, Inf, Infinity
		return value, expected, "数值无效（非数或无穷大）\nnot a finite number (NaN or infinity)"
	case err == ErrNotFinite: // digits beyond float64 ("1e999", 400 nines): too large, not "infinity"
		return value, plausibleWords, "数值超出合理范围，请检查单位和位数\nimplausibly large: check the unit and the digits"
	case err != nil && strings.HasPrefix(value, "="):
		return value, expected, "公式没有计算结果：请在 Excel 或 WPS 中打开文件并保存后重新提交，或把公式“选择性粘贴”为数值\n" +
			"a formula without a computed value: open and save the file in Excel or WPS, or paste the cells as values"
	case err != nil && excelErrors[strings.ToUpper(value)]:
		return value, expected, "单元格是错误值 " + value + "：请改正公式或直接填写数值\nthe cell holds the error " + value + ": correct the formula or type the figure"
	case err != nil:
		return value, expected, notNumberAdvice(value, ind)
	case pct && !ind.IsPercent():
		return value, "以“" + ind.Unit + "”计的数值\na number in " + ind.Unit, "该指标不是百分比\nthis indicator is not a percentage"
	}
	return value, "", ""
}

// figureProblem says what is wrong with v as a figure of ind: what was
// expected and the message; msg is "" when v is plausible.
func figureProblem(v float64, ind *kpi.Indicator, expected string) (want, msg string) {
	switch {
	case ind.IsDoneOrNot() && v != 0 && v != 1:
		return expected, "定性指标只能填 1 或 0\na milestone is 1 or 0"
	case ind.IsPercent() && ind.Max == nil && (v < 0 || v > 100):
		return "0–100（百分点，33 表示 33%）\n0–100 percent points", "百分比超出 0–100\npercent outside 0–100"
	case ind.IsPercent() && v < 0:
		return "不小于 0 的百分点\npercent points ≥ 0", "百分比不能为负\na percentage cannot be negative"
	case ind.IsCount() && v < 0:
		return "非负整数\na whole number ≥ 0", "数量不能为负\na count cannot be negative"
	case ind.IsCount() && v != math.Trunc(v):
		return "整数\na whole number", "数量应为整数\na count must be whole"
	case math.Abs(v) > maxPlausible:
		return plausibleWords, "数值超出合理范围，请检查单位和位数\nimplausibly large: check the unit and the digits"
	}
	return "", ""
}

// plausibleWords is what a figure beyond maxPlausible should be.
var plausibleWords = "绝对值不超过 " + present.Large(maxPlausible) + "\nat most " + present.Plain(maxPlausible) + " in size"

// maxPlausible bounds any figure: no indicator of a district plan comes
// near 10^15 in its unit, and 1e308 is a typo or an attack.
const maxPlausible = 1e15

// MaxNoteRunes bounds a figure's note (备注).
const MaxNoteRunes = 500

func checkNote(r *row, bad func(column, fld, value, expected, msg string)) bool {
	if n := utf8.RuneCountInString(r.Note); n > MaxNoteRunes {
		bad(r.col.note, "note", r.Note, fmt.Sprintf("不超过 %d 字\nat most %d characters", MaxNoteRunes, MaxNoteRunes),
			fmt.Sprintf("备注过长（%d 字）\nthe note is too long (%d characters)", n, n))
		return false
	}
	return true
}

func unitsText(a kpi.Actor) string {
	if len(a.Units) == 0 {
		return a.Name
	}
	return strings.Join(a.Units, "、")
}

// suggest returns up to three closest ids and names.
func (ix *index) suggest(text, plan string) string {
	type cand struct {
		label string
		dist  int
	}
	pool := ix.distinct
	if plan != "" {
		pool = ix.byPlan[plan]
	}
	n := utf8.RuneCountInString(text)
	limit := max(3, n/2) // farther than this is no suggestion
	var best []cand
	for _, ind := range pool {
		d := limit + 1
		if strings.Contains(ind.Name, text) || strings.Contains(text, ind.Name) {
			d = 1
		}
		for _, s := range []string{ind.ID, ind.Name} {
			// The distance is at least the difference in length: skip
			// what cannot beat the worst kept candidate.
			worst := limit
			if len(best) == 3 {
				worst = best[2].dist
			}
			if abs(utf8.RuneCountInString(s)-n) > min(worst, d) {
				continue
			}
			d = min(d, distance(text, s))
		}
		if d > limit {
			continue
		}
		best = append(best, cand{ind.ID + " " + ind.Name, d})
		sort.SliceStable(best, func(a, b int) bool { return best[a].dist < best[b].dist })
		if len(best) > 3 {
			best = best[:3]
		}
	}
	out := make([]string, len(best))
	for i, c := range best {
		out[i] = c.label
	}
	return strings.Join(out, "、")
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// distance is the Levenshtein distance over runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
