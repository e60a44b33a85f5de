package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// bucketSources holds one kpi.SourceState per ingest source: source name →
// state (JSON). A handful of keys, rewritten on every run of a source.
var bucketSources = []byte("sources")

// maxSourceName bounds a stored source name: sources are named by kpimon
// (api, upload, web, inbox) and by the operator's sources file (pull:<name>).
const maxSourceName = 256

var _ kpi.SourceStateStore = (*Store)(nil)

// RecordSourceRun stores the outcome of one run of source at at: a success
// sets its last success, anything else its last failure. A run does not
// advance Generation: nothing evaluated changes.
func (s *Store) RecordSourceRun(ctx context.Context, source string, at time.Time, ok bool) error {
	if source == "" || len(source) > maxSourceName {
		return kpi.Errorf(kpi.EINVALID, "source name %q: want 1 to %d bytes", kpi.Excerpt(source), maxSourceName)
	}
	return s.update(ctx, "record source run", func(tx *bolt.Tx) (bool, error) {
		b := tx.Bucket(bucketSources)
		st := kpi.SourceState{Source: source}
		if v := b.Get([]byte(source)); v != nil {
			if err := json.Unmarshal(v, &st); err != nil {
				return false, fmt.Errorf("decode source %s: %w", source, err)
			}
		}
		if ok {
			st.LastSuccess = at.UTC()
		} else {
			st.LastFailure = at.UTC()
		}
		v, err := json.Marshal(st)
		if err != nil {
			return false, err
		}
		return true, b.Put([]byte(source), v)
	}, nil)
}

// SourceStates returns every stored source's state, by source name.
func (s *Store) SourceStates(ctx context.Context) ([]kpi.SourceState, error) {
	var out []kpi.SourceState
	err := s.view(ctx, "read source states", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSources).ForEach(func(k, v []byte) error {
			var st kpi.SourceState
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("decode source %s: %w", k, err)
			}
			st.Source = string(k)
			out = append(out, st)
			return nil
		})
	})
	return out, err
}
