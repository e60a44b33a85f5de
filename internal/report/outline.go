package report

import (
	"fmt"
	"strings"

	"github.com/yanfeng/kpimon/internal/chart"
	"github.com/yanfeng/kpimon/internal/present"
)

// The circular as a document: the blocks of its body (正文) in order,
// numbered 一、（一）1. as GB/T 9704 has it. The .docx and the PDF both
// write this outline, so they hold the same sections and tables.

// BlockKind says what a Block is.
type BlockKind int

const (
	BlockHeading1  BlockKind = iota // 一、总体情况 (黑体)
	BlockHeading2                   // （一）牵头指标排名 (楷体)
	BlockParagraph                  // body text, first line indented two characters
	BlockNote                       // a unit's words under an indicator (楷体, indented)
	BlockTable
	BlockChart
)

// Block is one piece of the body.
type Block struct {
	Kind  BlockKind
	Text  string
	Table *Table
	Chart *chart.Scene
	// Screen is the chart for a screen, where Chart is drawn for a page:
	// narrower, with larger text. Nil: Chart serves both; a part of a
	// split chart has none (the first part's Screen shows the whole).
	Screen *chart.Scene
	// Task is the task number of a task's heading and chart, else 0.
	Task int
}

// Table is a table of the circular. Its header row repeats on every page.
type Table struct {
	Columns []Column
	Rows    [][]string
	// Light is the column holding each row's light word (绿灯 …), drawn
	// with its lamp; -1: none.
	Light int
}

// Column is one column of a Table.
type Column struct {
	Title string
	Align string // "L", "R" or "C"
}

// Outline is the circular's body: every section, table and chart, in order.
func (c Circular) Outline() []Block {
	var b outline
	b.para(fmt.Sprintf("为及时掌握%s各项指标推进情况，根据各责任单位报送的数据，现将%s指标进展情况通报如下。", c.Office.Subject, c.AsOfText))

	b.h1("总体情况")
	b.para(c.Intro())
	var lights []string
	for _, lc := range c.Summary.Lights {
		lights = append(lights, fmt.Sprintf("%s%d项", lc.Word, lc.Count))
	}
	b.para("按信号灯统计：" + strings.Join(lights, "、") + "。信号灯对应：" + c.LightLegend() + "。")
	st := &Table{Columns: []Column{{"状态", "L"}, {"信号灯", "L"}, {"指标数", "R"}}, Light: 1}
	for _, sc := range c.Summary.Statuses {
		st.Rows = append(st.Rows, []string{sc.Word, sc.Light.Word(), fmt.Sprint(sc.Count)})
	}
	st.Rows = append(st.Rows, []string{"合计", "", fmt.Sprint(c.Summary.Total)})
	b.table(st)
	if len(c.Tasks) > 1 {
		b.chart(c.TaskStatusChart)
	}

	if ch := c.Changes; ch != nil {
		b.h1("较上期（" + ch.PreviousText + "）变化")
		b.para(ch.Summary())
		if len(ch.Moves) > 0 {
			b.para(fmt.Sprintf("状态变化较大的%d项指标如下：", len(ch.Moves)))
			t := &Table{Columns: []Column{{"指标", "L"}, {"责任单位", "L"}, {"上期状态", "L"}, {"本期状态", "L"}, {"变化", "C"}}, Light: -1}
			for _, m := range ch.Moves {
				t.Rows = append(t.Rows, []string{m.Row.Name, m.Row.LeadUnits, m.FromWord, m.Row.StatusWord, m.Direction()})
			}
			b.table(t)
		}
	}

	b.h1("存在问题")
	if len(c.Problems) == 0 {
		b.para("无进度滞后、严重滞后、不进反退、逾期未达标或逾期未报的指标。")
	}
	for i, p := range c.Problems {
		b.para(fmt.Sprintf("%d.%s", i+1, p.Sentence()))
	}
	if len(c.Red) > 0 {
		b.h2("红灯指标及责任单位说明")
		unexplained := 0
		for i, r := range c.Red {
			b.para(fmt.Sprintf("%d.%s", i+1, r.Mention()))
			if len(r.Explanations) == 0 {
				unexplained++
			}
			for _, e := range r.Explanations {
				b.note(ExplanationText(e))
			}
		}
		if unexplained > 0 {
			b.para(fmt.Sprintf("以上%d项红灯指标中，%d项的责任单位尚未提交情况说明。", len(c.Red), unexplained))
		}
	}

	b.h1("责任单位排名")
	b.para(fmt.Sprintf("按各单位牵头指标中已达标和正常推进指标的占比排名（占比相同的，依次比较逾期未达标、滞后、逾期未报指标数，少者在前）；牵头指标不足%d项的单位不参与排名，单独列出；配合指标单独统计，不计入排名。", c.MinRanked))
	if c.Unit != "" {
		rank := "未参与排名"
		for _, u := range c.Units {
			if u.Unit == c.Unit {
				rank = fmt.Sprintf("在%d个参与排名的单位中列第%d名", len(c.Units), u.Rank)
			}
		}
		b.para(c.Unit + rank + "。")
	}
	b.h2("牵头指标排名")
	b.table(unitTable(c.Units, true))
	if len(c.Unranked) > 0 {
		b.h2(fmt.Sprintf("牵头指标不足%d项的单位（不排名）", c.MinRanked))
		b.table(unitTable(c.Unranked, false))
	}
	if len(c.Cooperating) > 0 {
		b.h2("配合指标情况")
		b.table(unitTable(c.Cooperating, false))
	}

	b.h1("各项任务指标进展情况")
	for _, t := range c.Tasks {
		b.h2(t.Heading())
		b.blocks[len(b.blocks)-1].Task = t.Number
		b.table(taskTable(t))
		for i := range t.Charts {
			b.chart(t.Charts[i])
			last := &b.blocks[len(b.blocks)-1]
			last.Task = t.Number
			if i == 0 {
				last.Screen = &t.Chart
			}
		}
	}

	if c.Supervision != nil {
		b.h1("督办情况")
		if len(c.Supervision) == 0 {
			b.para("本期无督办事项。")
		} else {
			counts := map[string]int{}
			var order []string
			for _, s := range c.Supervision {
				if counts[s.State] == 0 {
					order = append(order, s.State)
				}
				counts[s.State]++
			}
			var parts []string
			for _, s := range order {
				parts = append(parts, fmt.Sprintf("%s%d项", s, counts[s]))
			}
			b.para(fmt.Sprintf("红灯指标督办事项共%d项，其中%s。", len(c.Supervision), strings.Join(parts, "、")))
			t := &Table{Columns: []Column{{"指标", "L"}, {"责任单位", "L"}, {"督办原因", "L"}, {"督办日期", "L"}, {"说明时限", "L"}, {"办理状态", "L"}}, Light: -1}
			for _, s := range c.Supervision {
				t.Rows = append(t.Rows, []string{s.Name, s.Unit, s.Cause, s.Opened, s.Deadline, s.State})
			}
			b.table(t)
		}
	}

	b.h1("下步工作要求")
	for i, s := range c.Office.NextSteps {
		b.para("（" + chineseNumber(i+1) + "）" + s)
	}
	return b.blocks
}

// Summary is section 二's opening: counts of what came in and what moved.
func (ch *Changes) Summary() string {
	return fmt.Sprintf("与上期相比，新报送数据的指标%d项（其中首次报送%d项，更新数据%d项）；两期均有评价结果的指标中，状态好转%d项、退步%d项、未变%d项。首次报送的指标不计入好转或退步。",
		len(ch.FirstFigures)+len(ch.NewFigures), len(ch.FirstFigures), len(ch.NewFigures), len(ch.Up), len(ch.Down), ch.Unchanged)
}

func unitTable(units []UnitRank, ranked bool) *Table {
	t := &Table{Columns: []Column{{"责任单位", "L"}, {"指标数", "R"}, {"达标或正常推进", "R"}, {"占比", "R"}, {"滞后", "R"}, {"逾期未达标", "R"}, {"逾期未报", "R"}}, Light: -1}
	if ranked {
		t.Columns = append([]Column{{"名次", "R"}}, t.Columns...)
	}
	for _, u := range units {
		share := u.GoodShare
		row := []string{u.Unit, fmt.Sprint(u.Total), fmt.Sprint(u.Good), present.Ratio(&share), fmt.Sprint(u.Lagging), fmt.Sprint(u.Missed), fmt.Sprint(u.Overdue)}
		if ranked {
			row = append([]string{fmt.Sprint(u.Rank)}, row...)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func taskTable(task Task) *Table {
	t := &Table{Columns: []Column{{"指标", "L"}, {"责任单位", "L"}, {"目标", "L"}, {"最新数据", "L"}, {"完成进度", "R"}, {"进度比", "R"}, {"需年均变化", "L"}, {"信号灯", "L"}, {"状态", "L"}}, Light: 7}
	for _, r := range task.Rows {
		latest := r.Actual
		if r.Period != "" {
			latest += "（" + r.Period + "）"
		}
		status := r.StatusWord
		if r.Reason != "" {
			status += "：" + r.Reason
		}
		if r.Overdue != "" {
			status += "；" + r.Overdue
		}
		t.Rows = append(t.Rows, []string{r.Name, r.LeadUnits, r.Target + "（" + r.Deadline + "）", latest, r.Completion, r.Pace, r.Required, r.LightWord, status})
	}
	return t
}

type outline struct {
	blocks []Block
	h1s    int
	h2s    int
}

func (o *outline) h1(s string) {
	o.h1s++
	o.h2s = 0
	o.blocks = append(o.blocks, Block{Kind: BlockHeading1, Text: chineseNumber(o.h1s) + "、" + s})
}

func (o *outline) h2(s string) {
	o.h2s++
	o.blocks = append(o.blocks, Block{Kind: BlockHeading2, Text: "（" + chineseNumber(o.h2s) + "）" + s})
}

func (o *outline) para(s string)  { o.blocks = append(o.blocks, Block{Kind: BlockParagraph, Text: s}) }
func (o *outline) note(s string)  { o.blocks = append(o.blocks, Block{Kind: BlockNote, Text: s}) }
func (o *outline) table(t *Table) { o.blocks = append(o.blocks, Block{Kind: BlockTable, Table: t}) }
func (o *outline) chart(s chart.Scene) {
	o.blocks = append(o.blocks, Block{Kind: BlockChart, Chart: &s})
}

// chineseNumber writes 1–99 as 一 … 九十九.
func chineseNumber(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 10:
		return digits[n]
	case n < 20:
		return "十" + digits[n%10]
	case n < 100:
		return digits[n/10] + "十" + digits[n%10]
	}
	return fmt.Sprint(n)
}

// titlePerLine is how many characters a title line holds in every form
// (PDF, .docx, HTML).
const titlePerLine = 20

// titleLines breaks a title longer than titlePerLine characters before its
// closing words (工作进展情况的通报), so no line ends in the middle of a
// phrase, as the form asks of a title on two lines.
func titleLines(title string) string {
	const closing = "工作进展情况的通报"
	if len([]rune(title)) <= titlePerLine || !strings.HasSuffix(title, closing) {
		return title
	}
	return strings.TrimSuffix(title, closing) + "\n" + closing
}

// Letterhead is what comes before the body (GB/T 9704 版头 and the
// title): the 发文机关标志 in red, the 发文字号 above a red line, the
// title's lines and the 主送机关 with its colon. PDF, .docx and HTML all
// render it.
type Letterhead struct {
	Issuer string   // 衡阳市雁峰区创新型区建设工作领导小组办公室
	Number string   // 雁科创〔2021〕1号
	Title  []string // the title, broken before its closing words when long
	To     string   // 各责任单位：
}

// Closing is what comes after the body: the 落款 and 成文日期, right
// aligned, then the 版记 at the foot of the last page — the 抄送 line
// between a thick and a thin rule, 印发机关 left and 印发日期 right above a
// thick rule. PDF, .docx and HTML all render it.
type Closing struct {
	Signature string // 落款
	Date      string // 成文日期, 2021年7月5日
	CC        string // 抄送：区委办公室，区政府办公室。
	PrintedBy string // 印发机关
	Printed   string // 2021年7月5日印发
}

// Letterhead is the circular's 版头, title and 主送.
func (c Circular) Letterhead() Letterhead {
	return Letterhead{
		Issuer: c.Office.Issuer,
		Number: c.Number,
		Title:  strings.Split(titleLines(c.Subject), "\n"),
		To:     c.Office.To + "：",
	}
}

// Closing is the circular's 落款, 成文日期 and 版记.
func (c Circular) Closing() Closing {
	return Closing{
		Signature: c.Office.Signature,
		Date:      c.Date,
		CC:        "抄送：" + c.Office.CC + "。",
		PrintedBy: c.Office.PrintedBy,
		Printed:   c.Date + "印发",
	}
}
