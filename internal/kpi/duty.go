package kpi

import "time"

// reportDuty works out the unit's duty to report (docs/method.md, "Report
// duty"). The periods owed run at the indicator's frequency (annual when
// unset) from the plan's first period to the deadline year's last; a
// milestone owes only the periods of its stages and the deadline year's
// last. A period whose figure was due before the plan's duty started
// (Plan.DutyStart) is history to import, not owed. The duty names the
// oldest owed period without a figure (a figure of a longer period holding
// it counts; for a milestone any later figure does, as it says where the
// line stands): it is due its period's end plus DueDays days and overdue
// after that. The duty ends, Period nil and Due zero, when the deadline
// year's last period has a figure, or dutyAfterClose after that figure was
// due.
func reportDuty(plan Plan, ind Indicator, counted []figure, now time.Time) ReportDuty {
	freq := indicatorFrequency(ind)
	last := FirstOfYear(ind.Deadline+1, freq).Prev()
	lastStart, lastEnd := periodBounds(last)
	if _, in := coveringFigure(counted, lastStart, lastEnd); in {
		return ReportDuty{}
	}
	dueDays := int64(ind.DueDays) * 86400
	nowSec := now.Unix()
	if nowSec > lastEnd+dueDays+int64(dutyAfterClose/time.Second) {
		return ReportDuty{}
	}
	from := int64(0)
	if s := plan.DutyStart(); !s.IsZero() {
		from = s.Unix()
	}
	owed := func(p Period) (ReportDuty, bool) {
		start, end := periodBounds(p)
		due := end + dueDays
		if due <= from {
			return ReportDuty{}, false
		}
		if _, in := coveringFigure(counted, start, end); in {
			return ReportDuty{}, false
		}
		if ind.Kind == KindMilestone && len(counted) > 0 && counted[len(counted)-1].end >= end {
			return ReportDuty{}, false
		}
		dueAt := time.Unix(due, 0).In(China)
		return ReportDuty{Period: &p, Due: dueAt, Overdue: now.After(dueAt)}, true
	}
	if ind.Kind == KindMilestone {
		for _, st := range ind.Stages {
			if !st.Period.Valid() {
				continue
			}
			p := periodAt(st.Period.End().Add(-time.Second), freq)
			if p.Year > ind.Deadline || p == last {
				continue
			}
			if d, ok := owed(p); ok {
				return d
			}
		}
		d, _ := owed(last)
		return d
	}
	for p := planFirstPeriod(plan, ind, freq); !last.Before(p); p = p.Next() {
		if d, ok := owed(p); ok {
			return d
		}
	}
	return ReportDuty{}
}
