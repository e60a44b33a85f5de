package present

import "github.com/yanfeng/kpimon/internal/kpi"

// SupervisionState is the word for a supervision item's state (督办状态).
func SupervisionState(s kpi.SupervisionState) string {
	switch s {
	case kpi.SupervisionPending:
		return "待说明"
	case kpi.SupervisionOverdue:
		return "逾期未说明"
	case kpi.SupervisionAnswered:
		return "已说明"
	case kpi.SupervisionReviewed:
		return "已审阅"
	case kpi.SupervisionClosed:
		return "已办结"
	}
	return string(s)
}

// SupervisionCause says why an item opened: the indicator's status then,
// and 逾期未报 when its report was overdue.
func SupervisionCause(it kpi.SupervisionItem) string {
	if it.ReportOverdue {
		return Status(it.Status) + "、逾期未报"
	}
	return Status(it.Status)
}
