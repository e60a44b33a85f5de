package metrics

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// maxQuoted bounds how much of a unit's reason and measures an alert
// quotes: the whole explanation is on the indicator page.
const maxQuoted = 120

// writeSupervision writes one line per lead unit with an open supervision
// item (State.Supervision): its latest explanation and where the item
// stands, or 尚未提交情况说明（应于…前）. Nothing without open items.
func writeSupervision(d *strings.Builder, st *kpi.State) {
	for _, n := range st.Supervision {
		d.WriteString("督办：" + n.Unit + " ")
		if n.Latest == nil || n.State == kpi.SupervisionPending {
			d.WriteString("尚未提交情况说明（应于" + present.Date(n.Deadline) + "前）")
			if n.Latest != nil {
				d.WriteString("；此前说明已退回")
			}
			d.WriteString("\n")
			continue
		}
		e := n.Latest
		d.WriteString(present.SupervisionState(n.State) + "（第" + strconv.Itoa(e.Revision) + "版，" + present.DateTime(e.At) + "）：")
		d.WriteString("原因：" + quote(e.Reason) + "；措施：" + quote(e.Measures))
		if day, err := kpi.ParseDay(e.ExpectedBy); err == nil {
			d.WriteString("；预计" + present.Date(day) + "前完成")
		}
		d.WriteString("\n")
	}
}

// quote returns s on one line, cut to maxQuoted characters.
func quote(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= maxQuoted {
		return s
	}
	r := []rune(s)
	return string(r[:maxQuoted]) + "…"
}
