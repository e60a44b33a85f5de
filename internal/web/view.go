package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// pageNames are the templates in templates/, each combined with layout.html.
var pageNames = []string{"overview", "indicator", "submit", "signin", "error"}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"join": func(s []string) string { return strings.Join(s, "、") },
	}
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// base is what the layout needs on every page.
type base struct {
	Title  string
	Nav    string // overview, submit, signin: the highlighted link
	Viewer *viewerView
	CSRF   string // the session's CSRF token, for the sign-out button
}

// viewerView is the signed-in unit as the layout shows it.
type viewerView struct {
	Name  string
	Units []string
	All   bool
}

func (s *server) base(v *viewer, title, nav string) base {
	b := base{Title: title, Nav: nav}
	if v != nil {
		b.Viewer = &viewerView{Name: v.token.Name, Units: v.token.Units, All: v.token.All}
		b.CSRF = v.session.csrf
	}
	return b
}

type errorPage struct {
	base
	Heading string
	Message string
}

func (s *server) renderError(w http.ResponseWriter, r *http.Request, status int, heading, message string) {
	v := viewerFrom(r.Context())
	s.render(w, r, status, "error", errorPage{base: s.base(v, heading, ""), Heading: heading, Message: message})
}

func (s *server) handleNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusNotFound, "页面不存在 Not found",
			"没有这个页面："+r.URL.Path+"。请从指标一览重新进入。")
	})
}

// statusClass is the CSS class that colours a status.
func statusClass(st kpi.Status) string {
	return "st-" + strings.ReplaceAll(string(st), "_", "-")
}

func statusWord(st kpi.Status) string {
	if w := st.Chinese(); w != "" {
		return w
	}
	return string(st)
}

// formatNumber prints a figure without float noise: at most four decimals,
// trailing zeros dropped.
func formatNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	r := math.Round(v*1e4) / 1e4
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// withUnit prints a figure with its unit: "33%", "30 家".
func withUnit(v float64, unit string) string {
	n := formatNumber(v)
	switch unit {
	case "":
		return n
	case "%":
		return n + "%"
	}
	return n + " " + unit
}

// figure prints an indicator's value: milestones as done or not.
func figure(ind kpi.Indicator, v float64) string {
	if ind.Kind == kpi.KindMilestone {
		if v >= 1 {
			return "已完成"
		}
		return "未完成"
	}
	return withUnit(v, ind.Unit)
}

// targetText says what the indicator must reach, in the table's words.
func targetText(ind kpi.Indicator, ev kpi.Evaluation) string {
	switch ind.Kind {
	case kpi.KindAtLeast:
		return "≥ " + withUnit(ind.Target, ind.Unit)
	case kpi.KindAtMost:
		return "≤ " + withUnit(ind.Target, ind.Unit)
	case kpi.KindIncrease:
		return "逐期增长"
	case kpi.KindReduceBy:
		s := "较基期压缩 " + formatNumber(ind.Target) + "% 以上"
		if ev.Baseline != nil {
			s += "（≤ " + withUnit(ev.Target, ind.Unit) + "）"
		}
		return s
	case kpi.KindMilestone:
		return "完成"
	}
	return withUnit(ind.Target, ind.Unit)
}

func kindWord(k kpi.Kind) string {
	switch k {
	case kpi.KindAtLeast:
		return "不低于目标 at least"
	case kpi.KindAtMost:
		return "不高于目标 at most"
	case kpi.KindIncrease:
		return "逐期增长 increase"
	case kpi.KindReduceBy:
		return "按比例压缩 reduce by"
	case kpi.KindMilestone:
		return "里程碑（1 完成 / 0 未完成） milestone"
	}
	return string(k)
}

func frequencyWord(f kpi.Frequency) string {
	switch f {
	case kpi.Annual:
		return "每年 annual"
	case kpi.Quarterly:
		return "每季度 quarterly"
	case kpi.Monthly:
		return "每月 monthly"
	}
	return string(f)
}

func measureWord(m kpi.Measure) string {
	switch m {
	case kpi.MeasureLevel:
		return "期末存量 level"
	case kpi.MeasureCumulative:
		return "累计新增（自规划起始年） cumulative"
	}
	return string(m)
}

func resultWord(result string) string {
	switch result {
	case kpi.ResultAdded:
		return "新增"
	case kpi.ResultRevised:
		return "修订"
	case kpi.ResultUnchanged:
		return "未变"
	}
	return result
}

// periodWord prints a period the Chinese way beside its canonical form.
func periodWord(p kpi.Period) string {
	switch {
	case p.Quarter != 0:
		return fmt.Sprintf("%d年第%d季度", p.Year, p.Quarter)
	case p.Month != 0:
		return fmt.Sprintf("%d年%d月", p.Year, p.Month)
	}
	return fmt.Sprintf("%d年", p.Year)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(kpi.China).Format("2006-01-02 15:04")
}

// formatRatio prints a ratio as a percentage with one decimal.
func formatRatio(p *float64) string {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return "—"
	}
	return strconv.FormatFloat(math.Round(*p*1000)/10, 'f', -1, 64) + "%"
}

func formatBytes(n int64) string {
	return formatNumber(float64(n)/(1<<20)) + " MB"
}

// optNumber prints a derived figure of the indicator (expected, gap,
// projected) to two decimals, "—" when absent: more would be false precision.
func optNumber(ind kpi.Indicator, p *float64) string {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return "—"
	}
	return withUnit(math.Round(*p*100)/100, ind.Unit)
}

func indicatorURL(ref kpi.Ref) string {
	return "/indicators/" + url.PathEscape(ref.Plan) + "/" + url.PathEscape(ref.ID)
}

// formatDueDate prints the last day a figure may be handed in: a duty due at
// midnight is due by the end of the day before.
func formatDueDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(kpi.China)
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		t = t.Add(-time.Nanosecond)
	}
	return t.Format("2006-01-02")
}

// submitURL opens the entry form with the indicator chosen.
func submitURL(ref kpi.Ref) string {
	return "/submit?indicator=" + url.QueryEscape(ref.Plan+"/"+ref.ID) + "#entry"
}
