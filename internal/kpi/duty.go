package kpi

import "time"

// FinalPeriod is the deadline year's last period at ind's frequency (annual
// when unset): the figure that closes the indicator and ends the report
// duty.
func (ind Indicator) FinalPeriod() Period {
	return FirstOfYear(ind.Deadline+1, indicatorFrequency(ind)).Prev()
}

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
	last := ind.FinalPeriod()
	lastStart, lastEnd := periodBounds(last)
	if coveredFrom(counted, 0, lastStart, lastEnd) >= 0 {
		return ReportDuty{}
	}
	if now.Unix() > dueSec(last, ind.DueDays)+int64(dutyAfterClose/time.Second) {
		return ReportDuty{}
	}
	from := int64(0)
	if s := plan.DutyStart(); !s.IsZero() {
		from = s.Unix()
	}
	// Periods and figures both run in time order: j is where the search
	// for a figure covering the next period starts.
	j := 0
	// owed reports whether p is owed, and when its figure is due.
	owed := func(p Period) (due int64, ok bool) {
		start, end := periodBounds(p)
		due = dueSec(p, ind.DueDays)
		if due <= from {
			return 0, false
		}
		for j < len(counted) && counted[j].end < end {
			j++
		}
		if coveredFrom(counted, j, start, end) >= 0 {
			return 0, false
		}
		if ind.Kind == KindMilestone && len(counted) > 0 && counted[len(counted)-1].end >= end {
			return 0, false
		}
		return due, true
	}
	named := func(p Period, due int64) ReportDuty {
		dueAt := time.Unix(due, 0).In(China)
		return ReportDuty{Period: &p, Due: dueAt, Overdue: now.After(dueAt)}
	}
	if ind.Kind == KindMilestone {
		for _, st := range ind.Stages {
			if !st.Period.Valid() {
				continue
			}
			_, stageEnd := periodBounds(st.Period)
			p := periodAt(time.Unix(stageEnd-1, 0), freq)
			if p.Year > ind.Deadline || p == last {
				continue
			}
			if due, ok := owed(p); ok {
				return named(p, due)
			}
		}
		if due, ok := owed(last); ok {
			return named(last, due)
		}
		return ReportDuty{}
	}
	for p := planFirstPeriod(plan, ind, freq); ; p = p.Next() {
		if _, end := periodBounds(p); end > lastEnd {
			return ReportDuty{}
		}
		if due, ok := owed(p); ok {
			return named(p, due)
		}
	}
}

// coveredFrom returns the index of a figure from counted[j:] of the period
// [start, end) or of a longer period holding it, -1 when there is none.
// counted is ordered by period end, so a figure ending before end cannot
// cover it and the search may start where the last one stopped.
func coveredFrom(counted []figure, j int, start, end int64) int {
	for k := j; k < len(counted); k++ {
		f := &counted[k]
		if f.start <= start && f.end >= end {
			return k
		}
	}
	return -1
}

// DueAt returns when the figure of period p of ind is due: DueDays after
// the period ends, read as a calendar rule (dueSec): with the default 90
// days, the end of March for a year's figure, leap year or not.
func (ind Indicator) DueAt(p Period) time.Time {
	return time.Unix(dueSec(p, ind.DueDays), 0).In(China)
}

// dueSec is when a figure of period p is due (Unix seconds): dueDays after
// the period ends, each whole 30 days a calendar month and the rest days
// (90 → three months: 2020-04-01 00:00, due by the end of 31 March in a
// leap year too; 15 → 15 days). A due date is a calendar rule, not a day
// count (docs/method.md, "Time").
func dueSec(p Period, dueDays int) int64 {
	month, months := p.months()
	m := month + months + dueDays/30 // months since January of p.Year, from 1
	y := p.Year + (m-1)/12
	m = (m-1)%12 + 1
	return chinaMidnight(y, m) + int64(dueDays%30)*86400
}
