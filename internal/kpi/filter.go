package kpi

// StateFilter narrows a list of states: the API's GET /api/v1/indicators,
// the web overview and `kpimon status --task` all filter with it. A zero
// field matches everything.
type StateFilter struct {
	Plan   string
	Task   int // 0: any task
	Unit   string
	Status Status
}

// Match reports whether s passes the filter.
func (f StateFilter) Match(s State) bool {
	switch {
	case f.Plan != "" && s.Indicator.Plan != f.Plan:
		return false
	case f.Task != 0 && s.Indicator.Task != f.Task:
		return false
	case f.Unit != "" && !s.Indicator.HasUnit(f.Unit):
		return false
	case f.Status != "" && s.Evaluation.Status != f.Status:
		return false
	}
	return true
}
