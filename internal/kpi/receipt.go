package kpi

import "sort"

// Summary returns the receipt with its counts per plan and at most max
// outcomes listed (DefaultMaxOutcomes when max ≤ 0); MoreOutcomes says how
// many were left out. A receipt for a million figures stays small.
func (r SubmissionResult) Summary(max int) SubmissionResult {
	if max <= 0 {
		max = DefaultMaxOutcomes
	}
	byPlan := map[string]*PlanResult{}
	for _, o := range r.Outcomes {
		pr := byPlan[o.Observation.Plan]
		if pr == nil {
			pr = &PlanResult{Plan: o.Observation.Plan}
			byPlan[o.Observation.Plan] = pr
		}
		switch o.Result {
		case ResultAdded:
			pr.Added++
		case ResultRevised:
			pr.Revised++
		case ResultUnchanged:
			pr.Unchanged++
		}
	}
	r.ByPlan = make([]PlanResult, 0, len(byPlan))
	for _, pr := range byPlan {
		r.ByPlan = append(r.ByPlan, *pr)
	}
	sort.Slice(r.ByPlan, func(i, j int) bool { return r.ByPlan[i].Plan < r.ByPlan[j].Plan })
	if len(r.Outcomes) > max {
		r.MoreOutcomes += len(r.Outcomes) - max
		r.Outcomes = append([]Outcome(nil), r.Outcomes[:max]...) // let the rest be collected
	}
	return r
}
