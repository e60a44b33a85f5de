package ingest

import "github.com/yanfeng/kpimon/internal/kpi"

// ParseNumber is parseNumber without the percent sign, for the tests.
func ParseNumber(s string) (float64, error) {
	v, _, err := parseNumber(s)
	return v, err
}

// ObsBytes is what one good figure is charged against the ingest memory
// budget until it is stored.
const ObsBytes = obsBytes

// Charge is what reading u is charged under the default limits when the
// catalog can take maxObs figures.
func Charge(u kpi.Upload, maxObs int) int64 {
	held, _ := charge(u, limits{}.withDefaults(), maxObs, 0)
	return held
}
