package boards

// Unexported parts of the boards that the external tests (package
// boards_test) check directly.
var (
	IndicatorVar = indicatorVar
	UnitLink     = unitLink
)

const IndicatorRegex = indicatorRegex
