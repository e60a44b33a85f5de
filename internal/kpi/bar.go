package kpi

import (
	"math"
	"strconv"
	"strings"
)

// DecidingBar returns the figure that decides whether an indicator with the
// effective target target (Evaluation.Target) is met: the figure the gap,
// progress, pace and required change are measured to (docs/method.md, "The
// deciding bar"), and what boards draw as the target line.
//
//   - As written for ≥ and ≤: 30家 → 30.
//   - A count: the whole count that meets the target (压缩10%以上 of 18个
//     is ≤16.2, so 16), or for a strict one the next whole count past it
//     (突破40家 → 41).
//   - Strict (突破, 超过): one unit of the target's last decimal past it,
//     at least a tenth (>2.51% → 2.52; >33% → 33.1).
//   - Tolerance (左右): the floor of the band, whole for a count, rounded
//     toward meeting it (40家左右 at 5% → 38; 35家左右 → 34, as 33家
//     misses 33.25).
//
// For at_most and reduce_by the steps go down.
func DecidingBar(ind Indicator, target float64) float64 {
	if math.IsNaN(target) || math.IsInf(target, 0) {
		return target
	}
	better := betterSign(ind)
	switch {
	case ind.IsCount() && ind.Tolerance == 0:
		// Whole things: a bar computed from a baseline (压缩10%: 18 → 16.2)
		// is met by whole counts only, so it is the whole count that
		// meets it (16), and a strict one the next whole count past it.
		if better > 0 {
			if ind.Strict {
				return math.Floor(target+1e-9) + 1
			}
			return math.Ceil(target - 1e-9)
		}
		if ind.Strict {
			return math.Ceil(target-1e-9) - 1
		}
		return math.Floor(target + 1e-9)
	case ind.Strict:
		return cleanSum(target + better*StrictStep(ind, target))
	case ind.Tolerance > 0:
		bar := target * (1 - better*ind.Tolerance/100)
		if ind.IsCount() {
			if better > 0 {
				return math.Ceil(bar - 1e-9)
			}
			return math.Floor(bar + 1e-9)
		}
		return cleanSum(bar)
	}
	return target
}

// StrictStep is the smallest step past a strict target: one for a count,
// one unit of the target's last decimal otherwise, at least a tenth.
func StrictStep(ind Indicator, target float64) float64 {
	if ind.IsCount() {
		return 1
	}
	return math.Pow(10, -float64(max(DecimalsWritten(target), 1)))
}

// Meets reports whether actual meets the effective target target of ind:
// equality meets unless the target is strict; a tolerance (左右) widens the
// bar by its percent. It is the rule Evaluate decides by.
func Meets(ind Indicator, actual, target float64) bool {
	better := betterSign(ind)
	return meets(ind, better, actual, target)
}

// betterSign is the sign of a change for the better: +1, or -1 for
// at_most and reduce_by, whose steps go down.
func betterSign(ind Indicator) float64 {
	if ind.Kind.LowerIsBetter() {
		return -1
	}
	return 1
}

// DecimalsWritten is how many decimals v is written with, to four places:
// 2.51 → 2, 30 → 0, 0.1+0.2 → 1; none for NaN and ±Inf. The strict step
// and the display precision (present) both go by it.
func DecimalsWritten(v float64) int {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	s := strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// cleanSum rounds away the float noise of adding decimals (2.51 + 0.01 is
// 2.5199999999999996) at ten decimals.
func cleanSum(v float64) float64 { return math.Round(v*1e10) / 1e10 }
