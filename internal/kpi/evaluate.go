package kpi

import "time"

// Evaluate returns the state of ind at now, from obs: the counted figures of
// the indicator (the newest revision of each period), in any order. Figures
// whose period has not ended by now are ignored: a figure counts from the end
// of its period. plan gives the start year cumulative measures sum from.
//
// TODO(evaluation helper): implement the method of DESIGN.md.
func Evaluate(plan Plan, ind Indicator, obs []Observation, now time.Time) Evaluation {
	panic("kpi.Evaluate: not implemented yet")
}
