package catalog

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// This file is the YAML-node plumbing of the targets-file parser: reading
// fields, texts, numbers, dates and lists off a yaml.Node tree while
// gathering every problem with its line, instead of stopping at the first.
// parse.go holds the targets schema built on it.

// parser collects the problems of one file.
type parser struct {
	file     string
	problems []kpi.Problem
}

func (p *parser) add(n *yaml.Node, field, indicator, value, expected, msg string) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.problems = append(p.problems, kpi.Problem{
		File: p.file, Line: line, Field: field, Indicator: indicator,
		Value: value, Expected: expected, Message: msg,
	})
}

// fields checks that n is a mapping of known keys and returns the value
// node of each key present. Unknown and repeated keys are problems.
func (p *parser) fields(n *yaml.Node, what, indicator string, known []string) map[string]*yaml.Node {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.add(n, what, indicator, shortValue(n), "a mapping (key: value lines)", fmt.Sprintf("%s 格式错误 %s must be a mapping", what, what))
		return nil
	}
	got := map[string]*yaml.Node{}
	keyLine := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(known, k.Value) {
			p.add(k, k.Value, indicator, k.Value, "one of "+strings.Join(known, ", "),
				fmt.Sprintf("未知字段 unknown field in %s (a typo?)", what))
			continue
		}
		if first, dup := keyLine[k.Value]; dup {
			p.add(k, k.Value, indicator, "", "each field once", fmt.Sprintf("字段重复 field repeated (first at line %d)", first))
			continue
		}
		keyLine[k.Value] = k.Line
		got[k.Value] = v
	}
	return got
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func shortValue(n *yaml.Node) string {
	n = resolve(n)
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value
	case yaml.MappingNode:
		return "(mapping)"
	case yaml.SequenceNode:
		return "(list)"
	}
	return ""
}

// text reads a scalar as text; null reads as "".
func (p *parser) text(n *yaml.Node, field, indicator string) string {
	n = resolve(n)
	if n == nil || isNull(n) {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		p.add(n, field, indicator, shortValue(n), "text", "应为文本 must be text")
		return ""
	}
	return strings.TrimSpace(n.Value)
}

// integer reads a whole number; ok is false (and a problem recorded) when
// the value is not one.
func (p *parser) integer(n *yaml.Node, field, indicator, expected string) (int, bool) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if v, err := strconv.Atoi(strings.ReplaceAll(n.Value, "_", "")); err == nil {
			return v, true
		}
	}
	p.add(n, field, indicator, shortValue(n), expected, "应为整数 must be a whole number")
	return 0, false
}

// number reads a finite number.
func (p *parser) number(n *yaml.Node, field, indicator string) (float64, bool) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		var v float64
		if err := n.Decode(&v); err == nil && !math.IsInf(v, 0) && !math.IsNaN(v) {
			return v, true
		}
	}
	p.add(n, field, indicator, shortValue(n), "a number such as 30 or 29.4 (no unit, no % sign)", "应为数字 must be a number")
	return 0, false
}

// date reads a day such as 2023-06-30, as midnight China time.
func (p *parser) date(n *yaml.Node, field string) time.Time {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		if d, err := kpi.ParseDay(strings.TrimSpace(n.Value)); err == nil {
			return d
		}
	}
	p.add(n, field, "", shortValue(n), fmt.Sprintf("a day such as 2023-06-30, years %d to %d", kpi.FirstYear, kpi.LastYear), "日期无效 must be a day (YYYY-MM-DD)")
	return time.Time{}
}

// units reads a list of unit names; null reads as an empty list.
func (p *parser) units(n *yaml.Node, field string) []string {
	n = resolve(n)
	if isNull(n) {
		return []string{}
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n, field, "", shortValue(n), "a list such as [区科工信局, 各镇、街道]", "应为单位列表 must be a list of units")
		return []string{}
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		item = resolve(item)
		s := p.text(item, field, "")
		if s == "" {
			p.add(item, field, "", shortValue(item), "a unit name", "单位名称为空 empty unit name")
			continue
		}
		out = append(out, s)
	}
	return out
}

func (p *parser) list(n *yaml.Node, field, indicator, what string) []*yaml.Node {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		p.add(n, field, indicator, shortValue(n), "a list of "+what, "应为列表 must be a list")
		return nil
	}
	return n.Content
}

// nonEmptyList is list for a field that needs at least one item (one of
// many); emptyMsg says what an empty list means.
func (p *parser) nonEmptyList(n *yaml.Node, field, one, many, emptyMsg string) []*yaml.Node {
	items := p.list(n, field, "", many)
	if len(items) == 0 && resolve(n).Kind == yaml.SequenceNode {
		p.add(n, field, "", "", "at least one "+one, emptyMsg)
	}
	return items
}
