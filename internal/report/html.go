package report

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/yanfeng/kpimon/internal/chart"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

//go:embed templates/circular.html
var circularHTML string

//go:embed templates/circular.css
var circularCSS string

var circularTemplate = template.Must(template.New("circular").Parse(circularHTML))

// StyleSource is the Content-Security-Policy source that allows the
// circular's one inline stylesheet and nothing else: a page serving the
// HTML keeps script and every other inline style refused.
func StyleSource() string {
	sum := sha256.Sum256([]byte(circularCSS))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// htmlView is what the template reads.
type htmlView struct {
	C                *Circular
	CSS              template.CSS
	Intro            string
	LightLegend      string
	AttentionHeading string
	UnitsHeading     string
	StatusChart      template.HTML
	Units            []unitView
	Tasks            []taskView
	Footer           string
}

type unitView struct {
	UnitRank
	Share string
}

type taskView struct {
	Task
	Chart template.HTML
}

// WriteHTML writes the circular as one self-contained, print-ready HTML
// page: A4, each task on a new page, charts inline as SVG, no script.
func WriteHTML(w io.Writer, c Circular) error {
	v := htmlView{
		C: &c, CSS: template.CSS(circularCSS), Intro: c.Intro(), LightLegend: c.LightLegend(),
		StatusChart: svgHTML(c.StatusChart),
	}
	n := 2
	if c.Changes != nil {
		n = 3
	}
	v.AttentionHeading = sectionNumber(n) + "、需重点关注的指标"
	v.UnitsHeading = sectionNumber(n+1) + "、责任单位排名"
	for _, u := range c.Units {
		share := u.GoodShare
		v.Units = append(v.Units, unitView{UnitRank: u, Share: present.Ratio(&share)})
	}
	for _, t := range c.Tasks {
		v.Tasks = append(v.Tasks, taskView{Task: t, Chart: svgHTML(t.Chart)})
	}
	if !c.Made.IsZero() {
		v.Footer = "kpimon 生成于" + present.Date(c.Made)
	}
	if err := circularTemplate.Execute(w, v); err != nil {
		return fmt.Errorf("report: write HTML: %w", err)
	}
	return nil
}

// svgHTML is a scene's SVG as trusted HTML: chart escapes every text.
func svgHTML(s chart.Scene) template.HTML { return template.HTML(s.String()) }

func sectionNumber(n int) string {
	return []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}[n%10]
}

// Intro is the cover's opening sentence: how many indicators, how many of
// each status, the share achieved or on track, reports overdue.
func (c Circular) Intro() string {
	s := c.Summary
	var parts []string
	for _, sc := range s.Statuses {
		parts = append(parts, fmt.Sprintf("%s%d项", sc.Word, sc.Count))
	}
	share := s.GoodShare
	text := fmt.Sprintf("%s，纳入监测的指标共%d项", c.AsOfText, s.Total)
	if len(parts) > 0 {
		text += "，其中" + strings.Join(parts, "、")
	}
	text += fmt.Sprintf("；已达标或正常推进的%d项，占%s", s.Good, present.Ratio(&share))
	if s.Overdue > 0 {
		text += fmt.Sprintf("；逾期未报送数据的%d项", s.Overdue)
	}
	return text + "。"
}

// LightLegend says which statuses each light stands for:
// "绿灯：已达标、正常推进；黄灯：…".
func (c Circular) LightLegend() string {
	var parts []string
	for _, l := range LightOrder {
		var words []string
		for _, st := range kpi.Statuses {
			if c.Lights.Of(st) == l {
				words = append(words, present.Status(st))
			}
		}
		if len(words) > 0 {
			parts = append(parts, l.Word()+"："+strings.Join(words, "、"))
		}
	}
	return strings.Join(parts, "；")
}
