package kpi

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Echo bounds: how much of what a submitter sent comes back to them, goes
// into the audit log or into a log line. A refused million-row file must
// not turn into a million-problem answer.
const (
	// DefaultMaxProblems is how many problems an answer lists; the rest
	// are counted per kind.
	DefaultMaxProblems = 100
	// MaxExcerptRunes is how much of a bad value is quoted.
	MaxExcerptRunes = 80
	// DefaultMaxOutcomes is how many figures a receipt lists one by one;
	// a larger submission's receipt is counted per plan and result.
	DefaultMaxOutcomes = 100
)

// Excerpt returns s cut to at most MaxExcerptRunes runes, with "…（共 N 字节）"
// telling how long it was when it was cut.
func Excerpt(s string) string {
	return ExcerptN(s, MaxExcerptRunes)
}

// ExcerptN is Excerpt with another length.
func ExcerptN(s string, runes int) string {
	if len(s) <= runes { // bytes ≥ runes: short enough whatever it holds
		return s
	}
	i, n := 0, 0
	for i < len(s) && n < runes {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	if i >= len(s) || isExcerpt(s, i) {
		return s
	}
	return fmt.Sprintf("%s…（共 %d 字节）", s[:i], len(s))
}

// isExcerpt reports whether s, whose first runes end at i, is already an
// excerpt: at most those runes and the "…（共 N 字节）" that says how long
// the original was. Cutting it again would say how long the excerpt is.
func isExcerpt(s string, i int) bool {
	at := strings.LastIndex(s, "…（共 ")
	if at < 0 || at > i {
		return false
	}
	rest := s[at+len("…（共 "):]
	digits, ok := strings.CutSuffix(rest, " 字节）")
	if !ok || digits == "" || len(digits) > 20 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ChineseLine returns the Chinese of a message to submitters: its first
// line. Such messages are the Chinese text, then the English on its own line.
func ChineseLine(msg string) string {
	zh, _, _ := strings.Cut(msg, "\n")
	return zh
}

// ProblemList collects problems up to a bound, and counts the rest by
// kind (Problem.Kind), so memory and echoes stay small whatever the input.
// The zero value keeps DefaultMaxProblems.
type ProblemList struct {
	Max      int // problems kept; DefaultMaxProblems when 0
	problems []Problem
	total    int
	kinds    map[string]int
}

// Add records p, its value cut to an excerpt.
func (l *ProblemList) Add(p Problem) {
	limit := l.Max
	if limit <= 0 {
		limit = DefaultMaxProblems
	}
	l.total++
	if l.kinds == nil {
		l.kinds = map[string]int{}
	}
	l.kinds[p.Kind()]++
	if len(l.problems) < limit {
		// Every field that may hold the submitter's text is cut.
		for _, f := range []*string{&p.File, &p.Sheet, &p.Column, &p.Indicator, &p.Value} {
			*f = Excerpt(*f)
		}
		l.problems = append(l.problems, p)
	}
}

// Len is the number of problems added, kept or not.
func (l *ProblemList) Len() int { return l.total }

// Problems returns the kept problems.
func (l *ProblemList) Problems() []Problem { return l.problems }

// Fill sets e's problems to the kept ones and, when some were left out,
// how many and of which kinds.
func (l *ProblemList) Fill(e *Error) *Error {
	e.Problems = l.problems
	e.More = l.total - len(l.problems)
	e.Kinds = nil
	if l.total > 1 {
		e.Kinds = l.kinds
	}
	return e
}

// Text is the problem for the person who handed in the file: a Chinese
// line saying where (文件, 工作表, 第 N 行, 列), what is wrong, what was
// written and what is expected, then the same in English on its own line.
// String, for logs and operators, mixes the two.
func (p Problem) Text() string {
	var zh, en []string
	if p.File != "" {
		zh, en = append(zh, p.File), append(en, p.File)
	}
	if p.Sheet != "" {
		zh, en = append(zh, "工作表“"+p.Sheet+"”"), append(en, "sheet "+p.Sheet)
	}
	for _, n := range []int{p.Line, p.Row} {
		if n > 0 {
			zh, en = append(zh, fmt.Sprintf("第 %d 行", n)), append(en, fmt.Sprintf("row %d", n))
		}
	}
	if p.Column != "" {
		zh, en = append(zh, p.Column+" 列"), append(en, "column "+p.Column)
	}
	z, e := strings.Join(zh, " "), strings.Join(en, ": ")
	if z != "" {
		z, e = z+"：", e+": "
	}
	z += ChineseLine(p.Message)
	e += EnglishLine(p.Message)
	value := strings.ReplaceAll(p.Value, "\n", " ")
	switch {
	case p.Value != "" && p.Expected != "":
		z += "（填写的是“" + value + "”，应为：" + ChineseLine(p.Expected) + "）"
		e += fmt.Sprintf(" (found %q, expected %s)", p.Value, EnglishLine(p.Expected))
	case p.Value != "":
		z += "（填写的是“" + value + "”）"
		e += fmt.Sprintf(" (found %q)", p.Value)
	case p.Expected != "":
		z += "（应为：" + ChineseLine(p.Expected) + "）"
		e += " (expected " + EnglishLine(p.Expected) + ")"
	}
	return z + "\n" + e
}

// EnglishLine is the English of a message written Chinese line first,
// English on the next: the part after the first line break, or the whole
// message when it has none.
func EnglishLine(msg string) string {
	if _, en, ok := strings.Cut(msg, "\n"); ok {
		return en
	}
	return msg
}

// kindWords are the Chinese names of Problem.Kind, for MoreText.
var kindWords = map[string]string{
	"file": "文件", "indicator": "指标", "name": "指标名称", "plan": "计划", "period": "报告期", "value": "实际值",
	"unit": "单位", "note": "备注", "confirm": "确认",
}

// Kind names what a problem is about, for counting problems that are not
// listed: the field (value, period, indicator, unit, plan, note), or
// "file" for a problem with the whole file.
func (p Problem) Kind() string {
	if p.Field != "" {
		return p.Field
	}
	return "file"
}

// MoreText says how many problems were left out and of which kinds:
// "另有 999,990 处问题未列出（全部按类别：实际值 999,000、报告期 990）" and on its own line
// "and 999,990 more not listed (all problems by kind: value 999,000, period 990)".
// Empty when none were left out.
func (e *Error) MoreText() string {
	if e.More <= 0 {
		return ""
	}
	kinds := make([]string, 0, len(e.Kinds))
	for k := range e.Kinds {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if e.Kinds[kinds[i]] != e.Kinds[kinds[j]] {
			return e.Kinds[kinds[i]] > e.Kinds[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	zh, en := make([]string, len(kinds)), make([]string, len(kinds))
	for i, k := range kinds {
		word := kindWords[k]
		if word == "" {
			word = k
		}
		zh[i], en[i] = word+" "+Thousands(e.Kinds[k]), k+" "+Thousands(e.Kinds[k])
	}
	return fmt.Sprintf("另有 %s 处问题未列出（全部按类别：%s）\nand %s more not listed (all problems by kind: %s)",
		Thousands(e.More), strings.Join(zh, "、"), Thousands(e.More), strings.Join(en, ", "))
}

// Thousands writes n with comma thousands separators: 999,990.
func Thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
