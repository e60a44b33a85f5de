package ingest

// ParseNumber is parseNumber without the percent sign, for the tests.
func ParseNumber(s string) (float64, error) {
	v, _, err := parseNumber(s)
	return v, err
}

// ObsBytes is what one good figure is charged against the ingest memory
// budget until it is stored.
const ObsBytes = obsBytes
