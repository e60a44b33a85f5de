// Package kpi holds kpimon's domain: plans, indicators, observations, the
// evaluation of an indicator against its target, and the service interfaces
// the other packages implement. It imports no project package and no
// third-party module.
package kpi

import (
	"time"
)

// Kind says how an actual figure is compared with the target.
type Kind string

const (
	// KindAtLeast: the actual must reach the target (达到, 突破, 以上).
	KindAtLeast Kind = "at_least"
	// KindAtMost: the actual must fall to the target or below (能耗下降为).
	KindAtMost Kind = "at_most"
	// KindIncrease: each period must be above the one before (持续增长, 逐年加大, 不断增加).
	KindIncrease Kind = "increase"
	// KindReduceBy: the actual must be at most baseline × (1 − target/100) (压缩10%以上).
	KindReduceBy Kind = "reduce_by"
	// KindMultiply: the actual must reach baseline × target (原地倍增: target 2).
	KindMultiply Kind = "multiply"
	// KindMilestone: a qualitative line done once, reported as 1 (done) or
	// 0 (not done), or as a completion percent (unit %, target 100), with
	// optional dated Stages.
	KindMilestone Kind = "milestone"
	// KindContinuing: a qualitative line to keep doing (继续…, 持续…, 不断…),
	// reported each year as 1 (done that year) or 0; met only when every
	// year of the plan is.
	KindContinuing Kind = "continuing"
)

// Kinds lists every valid kind.
var Kinds = []Kind{KindAtLeast, KindAtMost, KindIncrease, KindReduceBy, KindMultiply, KindMilestone, KindContinuing}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// LowerIsBetter reports whether a lower figure is better for kind k:
// at_most and reduce_by, whose bars and steps go down.
func (k Kind) LowerIsBetter() bool { return k == KindAtMost || k == KindReduceBy }

// TargetFromBaseline reports whether the kind's target is a multiple of
// its baseline (reduce_by: baseline × (1 − p/100), multiply: baseline ×
// factor), so it needs one: given, or the first figure by baseline_rule.
func (k Kind) TargetFromBaseline() bool { return k == KindReduceBy || k == KindMultiply }

// HasNumericTarget reports whether the kind compares figures with a target
// number (at_least, at_most, reduce_by, multiply), judged by pace along a
// path from the baseline to it (evaluateTarget); the others are judged
// period by period or done or not.
func (k Kind) HasNumericTarget() bool {
	switch k {
	case KindAtLeast, KindAtMost, KindReduceBy, KindMultiply:
		return true
	}
	return false
}

// Measure says how observations of different periods combine.
type Measure string

const (
	// MeasureLevel: each figure is a stock at period end; the latest counts.
	MeasureLevel Measure = "level"
	// MeasureCumulative: each figure is what was newly added in its period;
	// the actual is the sum since the plan start (the 新增 targets).
	MeasureCumulative Measure = "cumulative"
)

// Frequency is how often a figure is reported.
type Frequency string

const (
	Annual    Frequency = "annual"
	Quarterly Frequency = "quarterly"
	Monthly   Frequency = "monthly"
)

// Valid reports whether f is a known frequency.
func (f Frequency) Valid() bool { return f == Annual || f == Quarterly || f == Monthly }

// BaselineRule says where a baseline comes from when the document gives no value.
type BaselineRule string

const (
	// BaselineGiven: the indicator's Baseline field holds it (or none is needed).
	BaselineGiven BaselineRule = ""
	// BaselineFirstObservation: the first reported figure is the baseline
	// (the document's 在现有基础上, "from the present level"): a figure of the
	// plan's base period (Plan.BaseYear) where one is reported, as it is
	// the earliest, else the first figure of the plan.
	BaselineFirstObservation BaselineRule = "first_observation"
)

// BaselineOrigin says where an evaluation's baseline came from
// (docs/method.md, "Baselines").
type BaselineOrigin string

const (
	// BaselineFromIndicator: the indicator's explicit baseline.
	BaselineFromIndicator BaselineOrigin = "indicator"
	// BaselineFromBasePeriod: a figure of a period before the plan starts
	// (the plan's base period, 现有基础).
	BaselineFromBasePeriod BaselineOrigin = "base_period"
	// BaselineFromFirstFigure: the first figure reported inside the plan.
	BaselineFromFirstFigure BaselineOrigin = "first_figure"
	// BaselineFromPlanStart: a cumulative measure's 0 at the plan's start.
	BaselineFromPlanStart BaselineOrigin = "plan_start"
)

var baselineOriginWords = map[BaselineOrigin]string{
	BaselineFromIndicator:   "指标给定的基数",
	BaselineFromBasePeriod:  "基期（现有基础）数据",
	BaselineFromFirstFigure: "首个报送数据",
	BaselineFromPlanStart:   "计划起始时为0",
}

// Chinese says where the baseline came from, as shown to people.
func (o BaselineOrigin) Chinese() string { return baselineOriginWords[o] }

// Plan is one targets file: a government plan with its indicators.
type Plan struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	TitleEN   string `json:"title_en,omitempty"`
	Region    string `json:"region"`
	Source    string `json:"source"`     // source document
	StartYear int    `json:"start_year"` // the plan's start: periods before it are outside the plan
	EndYear   int    `json:"end_year"`   // the plan's last deadline year
	// BaseYear, when set (before StartYear), is the first year whose
	// figures are accepted as the plan's base (现有基础): periods from
	// BaseYear to StartYear−1 serve as baselines, not as plan figures.
	BaseYear int `json:"base_year,omitempty"`
	// ReportingFrom is the day reporting duty starts (China time, midnight):
	// a figure due before it is history to import, not overdue. Zero: the
	// plan does not say (serve's --reporting-from, else LoadedAt applies).
	ReportingFrom time.Time `json:"reporting_from,omitzero"`
	// LoadedAt is when the plan was first loaded into the store; the store
	// sets it, a targets file cannot.
	LoadedAt time.Time `json:"loaded_at,omitzero"`
}

// DutyStart returns the instant reporting duty starts: ReportingFrom, else
// LoadedAt's day (midnight China time), else the zero time (every period
// of the plan is owed).
func (p Plan) DutyStart() time.Time {
	switch {
	case !p.ReportingFrom.IsZero():
		return p.ReportingFrom
	case !p.LoadedAt.IsZero():
		y, m, d := p.LoadedAt.In(China).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, China)
	}
	return time.Time{}
}

// FirstYear returns the first year whose figures the plan accepts: BaseYear
// when set, else StartYear.
func (p Plan) FirstYear() int {
	if p.BaseYear != 0 && p.BaseYear < p.StartYear {
		return p.BaseYear
	}
	return p.StartYear
}

// Baseline is the value an indicator starts from.
type Baseline struct {
	Period Period  `json:"period"`
	Value  float64 `json:"value"`
	// Source says where an explicit baseline comes from (e.g. 2018年统计公报).
	Source string `json:"source,omitempty"`
}

// Stage is a dated intermediate step of a milestone: by the end of Period
// the line should be Percent done (Text: what that means, e.g. 方案已起草).
type Stage struct {
	Period  Period  `json:"period"`
	Percent float64 `json:"percent"`
	Text    string  `json:"text,omitempty"`
}

// Indicator is one numeric (or milestone) target of a plan.
type Indicator struct {
	ID        string   `json:"id"` // stable ASCII id, unique within its plan
	Plan      string   `json:"plan"`
	Name      string   `json:"name"` // Chinese name as the document words it
	NameEN    string   `json:"name_en"`
	Task      int      `json:"task"` // 主要任务 number, 1..6 in the seed
	TaskTitle string   `json:"task_title"`
	WorkLine  string   `json:"work_line"`  // the 工作要点 text, or its id
	LeadUnits []string `json:"lead_units"` // 责任单位, exactly as the table names them
	CoUnits   []string `json:"co_units"`   // 配合单位
	Unit      string   `json:"unit"`       // 家, %, 件, 元, 吨标准煤/万元, 人, 个, 项 …
	Kind      Kind     `json:"kind"`
	Target    float64  `json:"target"` // for reduce_by: the percent to cut; multiply: the factor
	// Tolerance, in percent of the target, lets a figure that close meet it
	// (左右: 5 by the catalog's convention); 0 for an exact target.
	Tolerance float64 `json:"tolerance,omitempty"`
	// Strict: the actual must pass the target, equality does not meet it
	// (突破 where the document means "exceed").
	Strict       bool         `json:"strict,omitempty"`
	Deadline     int          `json:"deadline"`
	DeadlineNote string       `json:"deadline_note,omitempty"` // e.g. why the plan's end year is used
	Baseline     *Baseline    `json:"baseline"`
	BaselineRule BaselineRule `json:"baseline_rule,omitempty"`
	Frequency    Frequency    `json:"frequency"`
	DueDays      int          `json:"due_days"` // days after a period ends that its figure is due
	Measure      Measure      `json:"measure"`
	// Stages are a milestone's dated intermediate steps, in period order.
	Stages []Stage `json:"stages,omitempty"`
	// Max is the largest figure that is plausible (the catalog's max): a
	// figure above it is refused as a typo. A percentage may go above 100
	// only up to it. Nil: no bound but the unit's.
	Max        *float64 `json:"max,omitempty"`
	Note       string   `json:"note,omitempty"` // how the line was read, how to report it
	SourceText string   `json:"source_text"`    // the sentence of the document it comes from
}

// Ref names an indicator across plans.
type Ref struct {
	Plan string `json:"plan"`
	ID   string `json:"id"`
}

// Ref returns the indicator's reference.
func (ind Indicator) Ref() Ref { return Ref{Plan: ind.Plan, ID: ind.ID} }

// HasUnit reports whether unit is one of the indicator's lead or cooperating units.
func (ind Indicator) HasUnit(unit string) bool {
	for _, u := range ind.LeadUnits {
		if u == unit {
			return true
		}
	}
	for _, u := range ind.CoUnits {
		if u == unit {
			return true
		}
	}
	return false
}

// BeyondDeadline reports whether a figure of period p lies outside the
// target's horizon: its period ends after the deadline year. Such figures
// are kept and count for the report duty, never for the verdict
// (docs/method.md, "Which figures count").
func (ind Indicator) BeyondDeadline(p Period) bool {
	_, end := periodBounds(p)
	return end > DeadlineEnd(ind.Deadline).Unix()
}

// IsPercent reports whether the indicator is measured in percent points.
func (ind Indicator) IsPercent() bool { return ind.Unit == "%" }

// IsDoneOrNot reports whether ind's figures are 1 (done) or 0: a milestone
// not reported as a completion percent, and a continuing line's years.
func (ind Indicator) IsDoneOrNot() bool {
	return ind.Kind == KindContinuing || ind.Kind == KindMilestone && !ind.IsPercent()
}

// DoneFigure is the figure of a milestone or continuing line that is done:
// 100 for a completion percent, else 1.
func (ind Indicator) DoneFigure() float64 {
	if ind.Kind == KindMilestone && ind.IsPercent() {
		return 100
	}
	return 1
}

// countUnits are the units that count whole things: the one list the
// catalog's known units, the ingest checks and the presentation share.
var countUnits = [...]string{"家", "个", "件", "项", "人", "名", "次", "家次", "份"}

// CountUnits returns the units that count whole things (a copy).
func CountUnits() []string { return append([]string(nil), countUnits[:]...) }

// IsCount reports whether the indicator counts whole things (one of
// CountUnits), so a fractional or negative figure is a mistake.
func (ind Indicator) IsCount() bool { return IsCountUnit(ind.Unit) }

// IsCountUnit reports whether unit is one of CountUnits.
func IsCountUnit(unit string) bool {
	for _, u := range countUnits {
		if u == unit {
			return true
		}
	}
	return false
}

// IsRatio reports whether the indicator's unit is a ratio of two units
// (件/万人, 吨标准煤/万元): decimals are its normal figures.
func (ind Indicator) IsRatio() bool {
	for _, r := range ind.Unit {
		if r == '/' {
			return true
		}
	}
	return false
}

// Observation is one reported figure. Several revisions of the same period
// may exist; the newest one counts.
type Observation struct {
	Plan        string    `json:"plan"`
	Indicator   string    `json:"indicator"`
	Period      Period    `json:"period"`
	Value       float64   `json:"value"`
	Note        string    `json:"note,omitempty"`
	Source      string    `json:"source"`         // api, upload, inbox, pull:<name>, cli
	File        string    `json:"file,omitempty"` // file name the figure came from, if any
	SubmittedBy string    `json:"submitted_by"`   // token name or operator
	SubmittedAt time.Time `json:"submitted_at"`
	Revision    int       `json:"revision"` // 1 for the first figure of a period
}

// Ref returns the reference of the observation's indicator.
func (o Observation) Ref() Ref { return Ref{Plan: o.Plan, ID: o.Indicator} }

// Status is an indicator's state as evaluated at some instant.
type Status string

const (
	StatusAchieved         Status = "achieved"
	StatusOnTrack          Status = "on_track"
	StatusLagging          Status = "lagging"
	StatusOffTrack         Status = "off_track"
	StatusDeteriorating    Status = "deteriorating"
	StatusMissed           Status = "missed"
	StatusInProgress       Status = "in_progress"
	StatusInsufficientData Status = "insufficient_data"
	StatusNoData           Status = "no_data"
)

// Statuses lists every status in the order boards show them.
var Statuses = []Status{
	StatusAchieved, StatusOnTrack, StatusInProgress, StatusLagging, StatusOffTrack,
	StatusDeteriorating, StatusMissed, StatusInsufficientData, StatusNoData,
}

var statusWords = map[Status]string{
	StatusAchieved:         "已达标",
	StatusOnTrack:          "正常推进",
	StatusLagging:          "进度滞后",
	StatusOffTrack:         "严重滞后",
	StatusDeteriorating:    "不进反退",
	StatusMissed:           "逾期未达标",
	StatusInProgress:       "推进中",
	StatusInsufficientData: "数据不足",
	StatusNoData:           "未报送",
}

// Chinese returns the word shown to people for the status.
func (s Status) Chinese() string { return statusWords[s] }

// Reason is why an evaluation has its status, where the status alone does
// not say (docs/method.md).
type Reason string

const (
	// ReasonNeedTwoFigures: the verdict compares two figures and there is one.
	ReasonNeedTwoFigures Reason = "need_two_figures"
	// ReasonNeedBaseline: the target is relative to a baseline (reduce_by,
	// multiply) and the only figure is the baseline itself.
	ReasonNeedBaseline Reason = "need_baseline"
	// ReasonAwaitingFinal: the deadline year has ended and its figure is
	// not yet due: the status is the pace verdict on the figures in hand.
	ReasonAwaitingFinal Reason = "awaiting_final"
	// ReasonFinalOverdue: the deadline year's figure was due and has not come.
	ReasonFinalOverdue Reason = "final_overdue"
	// ReasonFell: a period of an increase line fell below the one before.
	ReasonFell Reason = "fell"
	// ReasonFlat: a period of an increase line did not rise over the one before.
	ReasonFlat Reason = "flat"
	// ReasonYearNotDone: a year of a continuing line was reported not done.
	ReasonYearNotDone Reason = "year_not_done"
	// ReasonYearsMissing: years of a continuing line were not reported.
	ReasonYearsMissing Reason = "years_missing"
	// ReasonNeverReported: the deadline verdict is due and no figure of
	// the plan's periods ever came; ReasonPeriods holds the first and the
	// last period the plan asked for.
	ReasonNeverReported Reason = "never_reported"
)

var reasonWords = map[Reason]string{
	ReasonNeedTwoFigures: "需要连续两期数据才能判断是否增长，请补报上一期（或基期）数据",
	ReasonNeedBaseline:   "需要基期（现有基础）数据才能计算目标，请补报基期数据或下一期数据",
	ReasonAwaitingFinal:  "完成时限已过，最终年度数据尚未到报送期限，暂按进度判断",
	ReasonFinalOverdue:   "完成时限年度的数据逾期未报",
	ReasonFell:           "有年度较上一年度下降",
	ReasonFlat:           "有年度较上一年度未增长",
	ReasonYearNotDone:    "有年度未完成",
	ReasonYearsMissing:   "有年度未报送",
	ReasonNeverReported:  "完成时限已过，应报数据从未报送",
}

// Chinese says the reason as shown to people (the periods go beside it).
func (r Reason) Chinese() string { return reasonWords[r] }

// Evaluation is an indicator's state at one instant. Optional numbers are
// nil when they cannot be computed (no data, no baseline, …).
type Evaluation struct {
	Ref    Ref       `json:"ref"`
	AsOf   time.Time `json:"as_of"`
	Status Status    `json:"status"`
	// Reason says why the status is what it is where the status alone does
	// not (what is missing for insufficient_data, which year fell …), with
	// the periods concerned in ReasonPeriods.
	Reason        Reason   `json:"reason,omitempty"`
	ReasonPeriods []Period `json:"reason_periods,omitempty"`
	// Falls, for a growth line that fell (ReasonFell), is how much each of
	// ReasonPeriods fell below the period before, in the unit: the gap the
	// text gives ("2020年较上年下降3件") where the latest step rose again.
	Falls []float64 `json:"falls,omitempty"`
	// Target is the effective target in the indicator's unit (reduce_by:
	// baseline × (1 − p); multiply: baseline × factor; increase: the figure
	// the latest had to pass); nil where there is none yet (no baseline,
	// fewer than two figures of an increase line).
	Target *float64 `json:"target"`
	// Bar is the figure that decides whether Target is met (DecidingBar:
	// 突破40家 → 41, 40家左右 → 38), which gap, progress, pace, Expected
	// and the required change are measured to; nil with Target.
	Bar      *float64  `json:"bar"`
	Actual   *float64  `json:"actual"`   // latest actual (cumulative: sum since the plan start)
	Period   *Period   `json:"period"`   // period of the latest actual
	Baseline *Baseline `json:"baseline"` // effective baseline
	// BaselineOrigin says where Baseline came from.
	BaselineOrigin BaselineOrigin `json:"baseline_origin,omitempty"`
	Expected       *float64       `json:"expected"` // where the indicator should be at AsOf on a straight path
	Gap            *float64       `json:"gap"`      // shortfall against the target in the unit; 0 when met
	ProgressRatio  *float64       `json:"progress_ratio"`
	PaceRatio      *float64       `json:"pace_ratio"`
	Projected      *float64       `json:"projected"` // value projected at the deadline
	Deadline       time.Time      `json:"deadline"`  // end of the deadline year
	// LastSubmittedAt is when the newest counted figure was submitted.
	LastSubmittedAt *time.Time `json:"last_submitted_at"`
	Report          ReportDuty `json:"report"`
	// RequiredAnnualChange is the average change per year from the latest
	// figure that reaches the target by the deadline (需年均增长, negative:
	// 需年均下降); nil when achieved, past the deadline or not computable.
	// AchievedAnnualChange is the change per year from the baseline to the
	// latest figure. Both are ratios per year (0.12 = +12 %/年) when
	// ChangeIsRelative, else in the indicator's unit per year (AnnualChanges).
	RequiredAnnualChange *float64 `json:"required_annual_change"`
	AchievedAnnualChange *float64 `json:"achieved_annual_change"`
	ChangeIsRelative     bool     `json:"change_is_relative"`
}

// ReportDuty is the unit's duty to report a figure, separate from the status
// (docs/method.md, "Report duty").
type ReportDuty struct {
	// Period is the oldest owed period: the oldest period the plan asks a
	// figure for, due after the duty started (Plan.DutyStart), without one;
	// it may still be open or not yet due. Nil when nothing more is owed.
	Period *Period `json:"period"`
	// Due is when that figure is due (period end + due days); zero when no
	// more reports are due.
	Due time.Time `json:"due"`
	// Overdue: Due has passed without the figure. Only this one period is
	// overdue at a time, however many are missing.
	Overdue bool `json:"overdue"`
	// NeverReported: the duty has ended and no figure of the plan's
	// periods ever came although the final one was owed (due after the
	// duty started): not completed, counted as 逾期未报 (Unreported).
	NeverReported bool `json:"never_reported,omitempty"`
}

// Unreported reports whether the unit owes figures it has not sent: a
// period is overdue, or the plan closed without any figure that was owed.
// Rankings and circulars count it as 逾期未报.
func (d ReportDuty) Unreported() bool { return d.Overdue || d.NeverReported }

// Actor is who performs a write, and from where.
type Actor struct {
	Name   string   `json:"name"`             // token name, "operator", "catalog"
	Units  []string `json:"units,omitempty"`  // units the actor may submit for
	All    bool     `json:"all,omitempty"`    // may submit for every indicator
	Remote string   `json:"remote,omitempty"` // remote address or "cli"
	// Supervisor: the supervision office (督查室): reads everything,
	// reviews supervision items, submits no figures.
	Supervisor bool `json:"supervisor,omitempty"`
}

// Oversees reports whether the actor is the bureau or the supervision
// office (督查室): it sees every unit's supervision items, explains for any
// lead unit and reviews explanations.
func (a Actor) Oversees() bool { return a.All || a.Supervisor }

// MaySubmitFor reports whether the actor may submit figures for ind.
func (a Actor) MaySubmitFor(ind Indicator) bool {
	if a.All {
		return true
	}
	for _, u := range a.Units {
		if ind.HasUnit(u) {
			return true
		}
	}
	return false
}

// AuditEntry records one write or refusal.
type AuditEntry struct {
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Remote string    `json:"remote,omitempty"`
	Action string    `json:"action"`           // one of the Action* constants of audit.go
	Object string    `json:"object,omitempty"` // plan/indicator, token name, file
	Detail string    `json:"detail,omitempty"`
}
