package metrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// alertText is what an alert about one indicator says, computed here (with
// internal/present, as the web page and the CLI word the same facts) and
// exported as the labels summary, description and dashboard of the sample
// that states the fact: kpi_status for lagging, off-track, deteriorating
// and missed, kpi_report_due_timestamp_seconds for an overdue report. The
// alert rules join it once (group_left) instead of running a query per
// alert per evaluation.
//
// The text holds only what changes with a figure, a target or the catalog,
// never with the clock (no "expected today", no days left), because the
// labels are the alert's identity: a new figure gives the alert a new
// identity, which the rules bridge with keep_firing_for (docs/metrics.md).
type alertText struct {
	summary, description, dashboard string
}

// Links are the addresses alert text points at.
type Links struct {
	// GrafanaURL is Grafana's root URL (GF_SERVER_ROOT_URL), for board links.
	GrafanaURL string
	// WebURL is kpimon's own external URL, for the submission page.
	WebURL string
}

// alertingStatus reports whether an indicator with status s is alerted on.
func alertingStatus(s kpi.Status) bool {
	_, ok := statusWordings[s]
	return ok
}

// statusWording is what the alert of one status says besides the figures:
// its head (the status word) and the next step asked of the unit. The text
// is Chinese only: units read it as it stands (no English line).
type statusWording struct{ head, next string }

var statusWordings = map[kpi.Status]statusWording{
	kpi.StatusLagging:       {"进度滞后", "请加快推进，并按期报送最新数据。"},
	kpi.StatusOffTrack:      {"严重滞后", "请制定追赶措施，并按期报送最新数据。"},
	kpi.StatusDeteriorating: {"不进反退", "请查明原因、制定追赶措施，并按期报送最新数据。"},
	kpi.StatusMissed:        {"逾期未达标", "请说明未达标原因并报送整改措施。"},
}

// statusText returns the alert text of st's status, nil when the status is
// not alerted on. no_data is alerted on once the report duty has ended
// without a figure (neverReported): the unit must still act. A status not
// alerted on has a text for recoveryWindow after the collector saw the
// indicator leave an alerted status (recoveredStatus): what KpiRecovered
// tells a unit whose red alert ended.
func (c *Collector) statusText(st *kpi.State) *alertText {
	switch {
	case alertingStatus(st.Evaluation.Status):
		return c.wordStatus(st)
	case neverReported(st):
		return c.wordNeverReported(st)
	case c.recoveredStatus(st):
		return c.wordRecovered(st)
	}
	return nil
}

// hasStatusText reports whether statusText words a text for st.
func (c *Collector) hasStatusText(st *kpi.State) bool {
	return alertedStatus(st) || c.recoveredStatus(st)
}

// recoveryWindow is how long after the collector saw an indicator leave
// an alerted status for one not alerted on (recoveries) its kpi_status
// sample carries the text of the new status (summary, description,
// dashboard). A unit's red alert ends with a figure, a target or the
// catalog (never by the clock for the better), and the rule KpiRecovered
// fires for an indicator whose red alert fired within the last day and
// which now has this text: the unit hears the new status and figure, not
// only that the old alert is over (KpiRecovered fires an hour after the
// change, and the unit's group is sent within the next hour). Bounded:
// only the indicators that left an alerted status within the window carry
// text beyond the alerted ones, not every indicator with a recent figure
// (after a bulk load, all of them). The text is dropped with the first
// states slice evaluated at least the window after the change (a write,
// or at the latest the evaluation of the day after the window ends): a new
// series identity. A restart within the day of a recovery drops its
// pending text (KpiRecovered then stops): the first states after start-up
// have no previous ones to compare with.
const recoveryWindow = 24 * time.Hour

// recoveredStatus reports whether st is not alerted on, has a figure, and
// the collector saw its indicator leave an alerted status within
// recoveryWindow.
func (c *Collector) recoveredStatus(st *kpi.State) bool {
	ev := &st.Evaluation
	if alertedStatus(st) || ev.Actual == nil || ev.Period == nil {
		return false
	}
	return c.recov.recovered(st)
}

// wordRecovered words the text of a status not alerted on, for
// KpiRecovered: the status now, the figure that decided it, the target.
func (c *Collector) wordRecovered(st *kpi.State) *alertText {
	c.worded.Add(1)
	ev := &st.Evaluation
	ind := *st.Indicator
	actual, period := present.Value(ind, *ev.Actual), present.Period(*ev.Period)
	status, target := present.Status(ev.Status), present.Target(ind, *ev)
	summary := "【已恢复】" + ind.Name + "（" + leadUnits(ind) + "牵头）：现为" + status + "，" + period + "实际" + actual + "，目标" + target

	var d strings.Builder
	c.writeContext(&d, st)
	d.WriteString("状态：" + status + "（原告警已解除）\n")
	d.WriteString("实际：" + actual + "（" + period + "数据）\n")
	d.WriteString("目标：" + target + "，截止" + present.DueDate(ev.Deadline) + "\n")
	if gap := present.GapOf(ind, *ev); hasGap(ind) && gap != present.Missing {
		d.WriteString("差距：" + gap + "\n")
	}
	if required := present.RequiredChange(ind, *ev); required != present.Missing {
		d.WriteString("进度要求：" + required + "\n")
	}
	writeSupervision(&d, st)
	d.WriteString("下一步：请继续按期报送最新数据。报送地址：" + c.submitURL())
	return &alertText{summary: summary, description: d.String(), dashboard: c.dashboardURL(ind)}
}

// hasGap reports whether ind's gap is a distance in its unit worth saying.
// An increase line's bar is last period's figure and a continuing line's
// gap counts years: their reason says what is wrong, not a gap, and
// kpi_target has no bar for them (decidingBar).
func hasGap(ind kpi.Indicator) bool {
	return ind.Kind != kpi.KindIncrease && ind.Kind != kpi.KindContinuing
}

// wordStatus words the alert text of st's alerted status: a summary line
// (head, verdict, figures; the reason last) and a description of one fact
// per line. Each part is one clause or line, so a new fact (an
// explanation, a supervision state) is one more append.
func (c *Collector) wordStatus(st *kpi.State) *alertText {
	c.worded.Add(1)
	ev := &st.Evaluation
	ind := *st.Indicator
	w := statusWordings[ev.Status]
	actual, period := "无数据", ""
	if ev.Actual != nil && ev.Period != nil {
		actual, period = present.Value(ind, *ev.Actual), present.Period(*ev.Period)
	}
	target := present.Target(ind, *ev)
	deadline := present.DueDate(ev.Deadline)
	gap := present.GapOf(ind, *ev)
	reason := present.Reason(*ev)
	// The growth still required depends on the figure and the deadline
	// only, not on the clock, so it does not change the alert's identity.
	required := present.RequiredChange(ind, *ev)

	var clauses []string
	if ev.Status == kpi.StatusMissed {
		clauses = append(clauses, "截止"+deadline+"未达标")
	}
	clauses = append(clauses, period+"实际"+actual, "目标"+target)
	if g := present.GapClause(ind, *ev); hasGap(ind) && g != "" {
		clauses = append(clauses, g)
	}
	if required != present.Missing {
		clauses = append(clauses, required)
	}
	summary := "【" + w.head + "】" + ind.Name + "（" + leadUnits(ind) + "牵头）：" + strings.Join(clauses, "，")
	if reason != "" {
		summary += "；" + reason
	}

	var d strings.Builder
	c.writeContext(&d, st)
	d.WriteString("实际：" + actual)
	if period != "" {
		d.WriteString("（" + period + "数据）")
	}
	d.WriteString("\n目标：" + target + "，截止" + deadline + "\n")
	if hasGap(ind) || ev.Reason == kpi.ReasonFell && len(ev.Falls) > 0 {
		// A growth line that fell: by how much (2021年较上年下降100万元).
		d.WriteString("差距：" + gap + "\n")
	}
	if required != present.Missing {
		d.WriteString("进度要求：" + required)
		if achieved := present.AchievedChange(ind, *ev); achieved != present.Missing {
			d.WriteString("（此前" + achieved + "）")
		}
		d.WriteString("\n")
	}
	d.WriteString("状态：" + present.Status(ev.Status) + "\n")
	if reason != "" {
		d.WriteString("原因：" + reason + "\n")
	}
	writeSupervision(&d, st)
	d.WriteString("下一步：" + w.next + "报送地址：" + c.submitURL())
	return &alertText{summary: summary, description: d.String(), dashboard: c.dashboardURL(ind)}
}

// finalDue is when the final period's figure was due.
func finalDue(ind kpi.Indicator) time.Time {
	return ind.DueAt(ind.FinalPeriod())
}

// neverReported reports whether st's unit never reported a figure and the
// report duty has ended (nothing is owed any more, so no overdue alert
// speaks for it) although the final figure was owed: due after the duty
// started and before now. Such an indicator would otherwise fall silent.
func neverReported(st *kpi.State) bool {
	ev := &st.Evaluation
	if ev.Status != kpi.StatusNoData || ev.Report.Period != nil {
		return false
	}
	due := finalDue(*st.Indicator)
	start := st.Plan.DutyStart()
	return due.Before(ev.AsOf) && (start.IsZero() || due.After(start))
}

// wordNeverReported words the alert of an indicator whose unit never
// reported a figure and whose report duty has ended: 逾期未报, naming the
// final figure that was owed.
func (c *Collector) wordNeverReported(st *kpi.State) *alertText {
	c.worded.Add(1)
	ev := &st.Evaluation
	ind := *st.Indicator
	final := ind.FinalPeriod()
	owed, due := present.Period(final), finalDue(ind)
	summary := "【逾期未报】" + ind.Name + "（" + leadUnits(ind) + "牵头）：应报" + owed + "数据，报送期限" +
		present.DueDate(due) + "已过，始终未报送任何数据"

	var d strings.Builder
	c.writeContext(&d, st)
	d.WriteString("应报：" + owed + "数据（完成时限年度），报送期限" + present.DueDate(due) + "\n")
	d.WriteString("已报最新：尚无数据\n")
	d.WriteString("目标：" + present.Target(ind, *ev) + "，截止" + present.DueDate(ev.Deadline) + "\n")
	d.WriteString("状态：" + present.Status(ev.Status) + "\n")
	writeSupervision(&d, st)
	d.WriteString("下一步：请登录 " + c.submitURL() + " 补报数据，并说明未报原因。")
	return &alertText{summary: summary, description: d.String(), dashboard: c.dashboardURL(ind)}
}

// wordOverdue words the alert text of st's overdue report.
func (c *Collector) wordOverdue(st *kpi.State) *alertText {
	c.worded.Add(1)
	ev := &st.Evaluation
	ind := *st.Indicator
	owed := "本期"
	if p := ev.Report.Period; p != nil {
		owed = present.Period(*p)
	}
	due := present.DueDate(ev.Report.Due)
	summary := "【逾期未报】" + ind.Name + "（" + leadUnits(ind) + "牵头）：" + owed + "数据应于" + due + "前报送，尚未报送"

	var d strings.Builder
	c.writeContext(&d, st)
	d.WriteString("应报：" + owed + "数据，报送期限" + due + "\n")
	d.WriteString("已报最新：")
	if ev.Actual != nil && ev.Period != nil {
		d.WriteString(present.Period(*ev.Period) + " " + present.Value(ind, *ev.Actual) + "\n")
	} else {
		d.WriteString("尚无数据\n")
	}
	writeSupervision(&d, st)
	d.WriteString("下一步：请登录 " + c.submitURL() + " 报送" + owed + "数据。")
	return &alertText{summary: summary, description: d.String(), dashboard: c.dashboardURL(ind)}
}

// writeContext writes the lines every alert text starts with: plan, task,
// indicator and lead units.
func (c *Collector) writeContext(d *strings.Builder, st *kpi.State) {
	ind := st.Indicator
	plan := st.Plan.Title
	if plan == "" {
		plan = ind.Plan
	}
	d.WriteString("规划：" + plan + "\n")
	d.WriteString("任务：" + strconv.Itoa(ind.Task))
	if ind.TaskTitle != "" {
		d.WriteString(" " + ind.TaskTitle)
	}
	d.WriteString("\n指标：" + ind.Name + "（" + ind.ID + "）\n")
	d.WriteString("牵头单位：" + leadUnits(*ind) + "\n")
	// The catalog's note says how the figure is reported and what was
	// assumed in reading the document (docs/method.md); units need it
	// beside the alert.
	if ind.Note != "" {
		d.WriteString("说明：" + ind.Note + "\n")
	}
}

func leadUnits(ind kpi.Indicator) string { return strings.Join(ind.LeadUnits, leadUnitSep) }

// dashboardURL is the indicator's Grafana board, "" without a Grafana URL.
func (c *Collector) dashboardURL(ind kpi.Indicator) string {
	if c.links.GrafanaURL == "" {
		return ""
	}
	return strings.TrimRight(c.links.GrafanaURL, "/") + "/d/kpi-indicator/kpi-indicator?var-plan=" +
		url.QueryEscape(ind.Plan) + "&var-indicator=" + url.QueryEscape(ind.ID)
}

// submitURL is kpimon's submission page.
func (c *Collector) submitURL() string {
	base := strings.TrimRight(c.links.WebURL, "/")
	if base == "" {
		return "kpimon 报送页面 /submit"
	}
	return base + "/submit"
}

// RegisterLinks registers kpimon_links_info{grafana_url, web_url}, always
// 1: the addresses set once at start (--grafana.url, --web.external-url)
// for rules and boards that build links, e.g. the operator alerts' board
// links (`* on() group_left(grafana_url) kpimon_links_info`).
func RegisterLinks(reg prometheus.Registerer, l Links) error {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kpimon_links_info",
		Help: "Addresses kpimon's alert text and boards link to, always 1: Grafana's root URL and kpimon's own external URL.",
	}, []string{"grafana_url", "web_url"})
	g.WithLabelValues(strings.TrimRight(l.GrafanaURL, "/"), strings.TrimRight(l.WebURL, "/")).Set(1)
	if err := reg.Register(g); err != nil {
		return fmt.Errorf("register kpimon_links_info: %w", err)
	}
	return nil
}
