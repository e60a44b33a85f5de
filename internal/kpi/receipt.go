package kpi

import "sort"

// Summary returns the receipt with its counts per plan and at most max
// outcomes listed (DefaultMaxOutcomes when max ≤ 0); MoreOutcomes says how
// many were left out. A receipt for a million figures stays small. A
// receipt already counted per plan (ByPlan set, as a store returns it for
// Submission.MaxOutcomes) is only cut further.
func (r SubmissionResult) Summary(max int) SubmissionResult {
	if max <= 0 {
		max = DefaultMaxOutcomes
	}
	if r.ByPlan == nil {
		var b ReceiptBuilder // counts only
		for _, o := range r.Outcomes {
			b.Add(o)
		}
		r.ByPlan = b.Result().ByPlan
	}
	if len(r.Outcomes) > max {
		r.MoreOutcomes += len(r.Outcomes) - max
		r.Outcomes = append([]Outcome(nil), r.Outcomes[:max]...) // let the rest be collected
	}
	return r
}

// ReceiptBuilder makes a submission's receipt one outcome at a time,
// keeping the first Max outcomes and counting every one by result and plan,
// so a store need not hold an outcome per figure.
type ReceiptBuilder struct {
	Max int
	// Expect, when known, is how many outcomes will be added: the list
	// is made for min(Max, Expect) at once.
	Expect int
	res    SubmissionResult
	plans  map[string]int // index in res.ByPlan
	last   int            // index of the last plan counted, +1
}

// Add counts o, and lists it while fewer than Max are listed.
func (b *ReceiptBuilder) Add(o Outcome) {
	if b.res.Outcomes == nil && b.Expect > 0 {
		b.res.Outcomes = make([]Outcome, 0, min(b.Max, b.Expect))
	}
	if len(b.res.Outcomes) < b.Max {
		b.res.Outcomes = append(b.res.Outcomes, o)
	} else {
		b.res.MoreOutcomes++
	}
	i := b.last - 1
	if i < 0 || b.res.ByPlan[i].Plan != o.Observation.Plan { // rows come grouped by plan
		var ok bool
		if i, ok = b.plans[o.Observation.Plan]; !ok {
			if b.plans == nil {
				b.plans = make(map[string]int)
			}
			i = len(b.res.ByPlan)
			b.plans[o.Observation.Plan] = i
			b.res.ByPlan = append(b.res.ByPlan, PlanResult{Plan: o.Observation.Plan})
		}
		b.last = i + 1
	}
	pr := &b.res.ByPlan[i]
	switch o.Result {
	case ResultAdded:
		pr.Added++
		b.res.Added++
	case ResultRevised:
		pr.Revised++
		b.res.Revised++
	case ResultUnchanged:
		pr.Unchanged++
		b.res.Unchanged++
	}
}

// Result returns the receipt so far, its plans in order (never nil).
func (b *ReceiptBuilder) Result() SubmissionResult {
	r := b.res
	r.ByPlan = make([]PlanResult, len(b.res.ByPlan))
	copy(r.ByPlan, b.res.ByPlan)
	sort.Slice(r.ByPlan, func(i, j int) bool { return r.ByPlan[i].Plan < r.ByPlan[j].Plan })
	return r
}
