package kpi

import (
	"context"
	"time"
)

// SourceState is what is remembered of an ingest source (api, upload, web,
// inbox, pull:<name>) across restarts: when a submission from it was last
// stored and when a run of it last failed (kpimon could not fetch, read or
// store it; a refusal answered to its sender is no failure of the source). The kpi_ingest_last_*_timestamp_seconds
// metrics are exported from it, so a source failing before a restart is
// still failing after it (KpiSourceFailing does not resolve on a restart).
type SourceState struct {
	Source      string    `json:"source"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastFailure time.Time `json:"last_failure,omitzero"`
}

// SourceStateStore keeps SourceStates. RecordSourceRun records one run's
// outcome at at; SourceStates lists every source's state, by source.
type SourceStateStore interface {
	RecordSourceRun(ctx context.Context, source string, at time.Time, ok bool) error
	SourceStates(ctx context.Context) ([]SourceState, error)
}
