package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// maxProblems caps the problems one refused submission reports.
const maxProblems = 100

// AddObservations stores a submission: all of it or, if any figure names
// an unknown or removed indicator, has an invalid period or a value that is
// not a finite number, none of it (EINVALID, every problem listed). Per
// figure: the first for its period is added (revision 1); one with the
// newest revision's value and no note or the same note changes nothing
// (a file without a notes column never erases one); any other, a new value
// or the same value with a new note (Outcome.NoteRevised), becomes the
// next revision.
// Source, File, SubmittedBy (sub.Actor.Name) and SubmittedAt (sub.At, or
// now) come from the submission. Every added or revised figure is audited
// as observation.add or observation.revise, at the store's now.
//
// A submission of more than Options.BatchRows figures is written in
// batches, one transaction each, and still seen by readers whole or not at
// all (staging.go); one that fails half-way is rolled back. With
// sub.MaxOutcomes set, the result lists that many outcomes and counts the
// rest per plan (kpi.SubmissionResult.Summary), so a million figures need
// no million outcomes.
func (s *Store) AddObservations(ctx context.Context, sub kpi.Submission) (kpi.SubmissionResult, error) {
	const what = "add observations"
	if err := ctx.Err(); err != nil {
		return kpi.SubmissionResult{}, fmt.Errorf("%s: %w", what, err)
	}
	now := s.now()
	at := sub.At
	if at.IsZero() {
		at = now
	}
	at = at.UTC() // as stored and read back
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	// A submission left half-written by a failed rollback is undone first:
	// the new figures' audit numbers follow its range.
	if err := s.rollbackPending(ctx); err != nil {
		return kpi.SubmissionResult{}, s.writeFailed(what, err)
	}
	if err := s.db.View(func(tx *bolt.Tx) error { return checkObservations(ctx, tx, sub) }); err != nil {
		return kpi.SubmissionResult{}, err
	}
	figs := sub.List()
	w := newFigureWriter(sub, figs.Len(), now, at)
	staged := figs.Len() > s.batchRows
	var txID uint64
	for start := 0; ; start += s.batchRows {
		end := min(start+s.batchRows, figs.Len())
		last := end == figs.Len()
		if err := ctx.Err(); err != nil {
			return kpi.SubmissionResult{}, s.abandon(ctx, start > 0, fmt.Errorf("%s: %w", what, err))
		}
		tx, err := s.db.Begin(true)
		if err != nil {
			return kpi.SubmissionResult{}, s.abandon(ctx, start > 0, s.writeFailed(what+": begin", err))
		}
		err = w.write(ctx, tx, figs, start, end)
		if err == nil && staged {
			// The range of the figures not yet committed; the last batch
			// removes it as it commits them all.
			p := pending{first: w.firstSeq, last: tx.Bucket(bucketAudit).Sequence()}
			if last {
				p = pending{}
			}
			err = writePending(tx, p)
		}
		if err != nil {
			tx.Rollback() //nolint:errcheck // the error that matters is err
			return kpi.SubmissionResult{}, s.abandon(ctx, start > 0, err)
		}
		if !w.changed {
			// Nothing written so far (every figure equal to the stored
			// one): no commit, no fsync, and no pending record yet.
			tx.Rollback() //nolint:errcheck // nothing written
			if last {
				break
			}
			continue
		}
		txID = uint64(tx.ID())
		if last {
			killPoint(what, "before-commit")
		}
		if err := tx.Commit(); err != nil {
			return kpi.SubmissionResult{}, s.abandon(ctx, start > 0, s.writeFailed(what+": commit", err))
		}
		if last {
			killPoint(what, "after-commit")
			s.health.set(nil, time.Time{})
			break
		}
		killPoint(what, "batch-committed")
		if s.batchCommitted != nil {
			s.batchCommitted()
		}
	}
	if w.changed {
		s.figureLog.committed(txID, w.refs.list())
		s.evaluatedChanged(txID)
	}
	return w.result(), nil
}

// abandon returns err after rolling back the batches of a submission
// already committed, if any (a failed rollback is retried by the next write
// and at the next start).
func (s *Store) abandon(ctx context.Context, committed bool, err error) error {
	if !committed {
		return err
	}
	if rerr := s.rollbackPending(context.WithoutCancel(ctx)); rerr != nil {
		s.logger.Error("roll back a failed submission", "err", rerr)
		return errors.Join(err, rerr)
	}
	return err
}

// figureWriter writes the figures of one submission, batch after batch,
// and keeps its receipt.
type figureWriter struct {
	sub      kpi.Submission
	now, at  time.Time
	suffix   string // the audit detail's " (file x)" or " (source)"
	receipt  kpi.ReceiptBuilder
	refs     changedRefs
	changed  bool   // a figure was added or revised
	firstSeq uint64 // the audit sequence number of the first batch's first entry
	started  bool

	key, val, detail []byte
}

func newFigureWriter(sub kpi.Submission, n int, now, at time.Time) *figureWriter {
	w := &figureWriter{sub: sub, now: now, at: at, receipt: kpi.ReceiptBuilder{Max: sub.MaxOutcomes, Expect: n}}
	if sub.MaxOutcomes <= 0 {
		w.receipt.Max = n
	}
	if sub.File != "" {
		w.suffix = " (file " + sub.File + ")"
	} else if sub.Source != "" {
		w.suffix = " (" + sub.Source + ")"
	}
	return w
}

// write stores the submission's figures [start, end) in tx.
func (w *figureWriter) write(ctx context.Context, tx *bolt.Tx, figs kpi.FigureList, start, end int) error {
	latest := tx.Bucket(bucketLatest)
	history := tx.Bucket(bucketHistory)
	latest.FillPercent = mostlyFill
	history.FillPercent = mostlyFill
	var a arena // bbolt keeps the values put until the transaction ends
	aw := newAuditWriter(tx, &a)
	if !w.started {
		w.started, w.firstSeq = true, aw.log.Sequence()+1
	}
	for i := start; i < end; i++ {
		if i%8192 == 8191 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("add observations: %w", err)
			}
		}
		o := figs.At(i)
		o.Source, o.File, o.SubmittedBy, o.SubmittedAt = w.sub.Source, w.sub.File, w.sub.Actor.Name, w.at
		o.Revision = 1
		w.key = appendObsKey(w.key[:0], o.Plan, o.Indicator, o.Period)
		action := kpi.ActionObservationAdd
		w.detail = appendPeriodText(w.detail[:0], o.Period)
		w.detail = append(w.detail, ": "...)
		noteRevised := false
		if cur := latest.Get(w.key); cur != nil {
			old, rev, _, err := observationHead(cur)
			if err != nil {
				return fmt.Errorf("add observations: %s/%s %s: %w", o.Plan, o.Indicator, o.Period, err)
			}
			if old == o.Value {
				stored := kpi.Observation{Plan: o.Plan, Indicator: o.Indicator, Period: o.Period}
				if err := decodeObservationValue(&dec{b: cur}, &stored); err != nil {
					return fmt.Errorf("add observations: %s/%s %s: %w", o.Plan, o.Indicator, o.Period, err)
				}
				// The same value is a revision only for a new note: no
				// note (a file without a notes column) keeps the stored one.
				if o.Note == "" || o.Note == stored.Note {
					w.receipt.Add(kpi.Outcome{Observation: stored, Result: kpi.ResultUnchanged})
					continue
				}
				noteRevised = true
			}
			// The superseded revision moves to history. cur points into
			// the transaction's pages, which the Put below may reuse.
			if err := history.Put(appendUint32(w.key, rev), a.copy(cur)); err != nil {
				return fmt.Errorf("add observations: %s/%s %s: %w", o.Plan, o.Indicator, o.Period, err)
			}
			o.Revision = rev + 1
			action = kpi.ActionObservationRevise
			if !noteRevised {
				w.detail = strconv.AppendFloat(w.detail, old, 'f', -1, 64)
				w.detail = append(w.detail, " → "...)
			}
		}
		w.detail = strconv.AppendFloat(w.detail, o.Value, 'f', -1, 64)
		if noteRevised {
			w.detail = append(w.detail, ", new note"...)
		}
		w.detail = append(w.detail, w.suffix...)

		seq, err := aw.log.NextSequence()
		if err != nil {
			return fmt.Errorf("add observations: audit: %w", err)
		}
		w.val = appendObservationValue(w.val[:0], &o, seq)
		if err := latest.Put(w.key, a.copy(w.val)); err != nil {
			return fmt.Errorf("add observations: %s/%s %s: %w", o.Plan, o.Indicator, o.Period, err)
		}
		w.val = appendObservationAudit(w.val[:0], w.now, &w.sub.Actor, action, o.Plan, o.Indicator, w.detail)
		if err := aw.log.Put(seqKey(w.key[:0], seq), a.copy(w.val)); err != nil {
			return fmt.Errorf("add observations: audit: %w", err)
		}
		result := kpi.ResultAdded
		if o.Revision > 1 {
			result = kpi.ResultRevised
		}
		w.changed = true
		// A note-only revision is named too, so the states hold its
		// revision and note; evaluated again, its value judges as before.
		w.refs.add(o.Ref())
		w.receipt.Add(kpi.Outcome{Observation: o, Result: result, NoteRevised: noteRevised})
	}
	return nil
}

// result is the submission's receipt.
func (w *figureWriter) result() kpi.SubmissionResult {
	res := w.receipt.Result()
	if w.sub.MaxOutcomes <= 0 {
		res.ByPlan, res.MoreOutcomes = nil, 0 // every outcome listed: no summary asked for
	}
	return res
}

// checkObservations refuses a submission with any figure the store cannot
// take, listing every problem (up to maxProblems).
func checkObservations(ctx context.Context, tx *bolt.Tx, sub kpi.Submission) error {
	const (
		known = iota + 1
		unknown
		removed
	)
	inds := tx.Bucket(bucketIndicators)
	state := make(map[string]int)
	var problems []kpi.Problem
	more := 0
	var key []byte
	figs := sub.List()
	for i := range figs.Len() {
		if i%8192 == 8191 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("add observations: %w", err)
			}
		}
		fig := figs.At(i)
		o := &fig
		key = appendRefKey(key[:0], o.Plan, o.Indicator)
		st, ok := state[string(key)]
		if !ok {
			st = unknown
			if v := inds.Get(key); v != nil {
				_, gone, _, err := versionHead(v)
				if err != nil {
					return fmt.Errorf("add observations: indicator %s/%s: %w", o.Plan, o.Indicator, err)
				}
				st = known
				if gone {
					st = removed
				}
			}
			state[string(key)] = st
		}
		var msg, field, value string
		switch {
		case st == unknown:
			field, value = "indicator", o.Indicator
			msg = fmt.Sprintf("指标不存在 no indicator %q in plan %q: check the id against the targets file", o.Indicator, o.Plan)
		case st == removed:
			field, value = "indicator", o.Indicator
			msg = fmt.Sprintf("指标已从目标中移除 indicator %s/%s was removed from the catalog: figures for it are no longer taken", o.Plan, o.Indicator)
		case !o.Period.Valid():
			field, value = "period", fmt.Sprintf("%+v", o.Period)
			msg = "报告期无效 invalid period: want a year, quarter or month such as 2021, 2021-Q3 or 2021-06"
		case math.IsNaN(o.Value) || math.IsInf(o.Value, 0):
			field, value = "value", strconv.FormatFloat(o.Value, 'g', -1, 64)
			msg = "数值无效 the value must be a finite number"
		default:
			continue
		}
		if len(problems) == maxProblems {
			more++
			continue
		}
		problems = append(problems, kpi.Problem{
			File: sub.File, Indicator: o.Plan + "/" + o.Indicator, Field: field, Value: value, Message: msg,
		})
	}
	if len(problems) == 0 {
		return nil
	}
	if more > 0 {
		problems = append(problems, kpi.Problem{File: sub.File, Message: fmt.Sprintf("另有 %d 个问题未列出 and %d more problems", more, more)})
	}
	return &kpi.Error{
		Code:     kpi.EINVALID,
		Message:  fmt.Sprintf("提交未保存 submission not stored: %d figure(s) cannot be taken; nothing was written, fix them and submit again", len(problems)+more),
		Problems: problems,
	}
}

// Observations returns every revision of every period of an indicator,
// ordered by period, then revision; ENOTFOUND if the indicator was never in
// the catalog. A removed indicator's figures are still returned.
func (s *Store) Observations(ctx context.Context, ref kpi.Ref) ([]kpi.Observation, error) {
	var out []kpi.Observation
	err := s.view(ctx, "observations", func(tx *bolt.Tx) error {
		out = nil
		prefix := appendRefKey(nil, ref.Plan, ref.ID)
		if tx.Bucket(bucketIndicators).Get(prefix) == nil {
			return notFound(ref)
		}
		prefix = append(prefix, sep)
		d := dec{intern: make(map[string]string)}
		pend := readPending(tx)
		decode := func(k, v []byte, withRevision bool) error {
			if hidden, err := pend.hides(k, v); err != nil {
				return err
			} else if hidden {
				return nil // not committed yet: its superseded revision is in history
			}
			_, _, p, _, err := splitObsKey(k, withRevision)
			if err != nil {
				return err
			}
			o := kpi.Observation{Plan: ref.Plan, Indicator: ref.ID, Period: p}
			d.b = v
			if err := decodeObservationValue(&d, &o); err != nil {
				return fmt.Errorf("key %q: %w", k, err)
			}
			out = append(out, o)
			return nil
		}
		// Merge: a period's older revisions (history) come before its
		// newest (latest); history keys are latest keys plus a revision.
		hc := tx.Bucket(bucketHistory).Cursor()
		hk, hv := hc.Seek(prefix)
		lc := tx.Bucket(bucketLatest).Cursor()
		for lk, lv := lc.Seek(prefix); lk != nil && bytes.HasPrefix(lk, prefix); lk, lv = lc.Next() {
			for ; hk != nil && bytes.HasPrefix(hk, prefix) && bytes.Compare(hk[:len(hk)-4], lk) <= 0; hk, hv = hc.Next() {
				if err := decode(hk, hv, true); err != nil {
					return err
				}
			}
			if err := decode(lk, lv, false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("observations %s/%s: %w", ref.Plan, ref.ID, err)
	}
	return out, nil
}

// observationAuditSeqs returns the audit sequence numbers of every figure
// of the indicator object names ("plan/id"), if it names one.
func observationAuditSeqs(tx *bolt.Tx, object string) ([]uint64, error) {
	plan, id, ok := strings.Cut(object, "/")
	if !ok {
		return nil, nil
	}
	prefix := append(appendRefKey(nil, plan, id), sep)
	var seqs []uint64
	pend := readPending(tx)
	for _, name := range [][]byte{bucketLatest, bucketHistory} {
		c := tx.Bucket(name).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			_, _, seq, err := observationHead(v)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			if pend.holds(seq) {
				continue
			}
			seqs = append(seqs, seq)
		}
	}
	return seqs, nil
}

// latestBlock is how many observations Latest allocates at a time; each
// indicator's slice is a capacity-limited window into a block, so appending
// to it never touches another indicator's figures.
const latestBlock = 8192

// Latest returns, for every indicator with figures (removed ones included),
// the newest revision of each period, ordered by period (see keys.go for
// the order across frequencies).
//
// The map and its slices are the caller's; their capacity is their length.
// Nothing is cached: reading is one sequential scan of the "latest"
// bucket, with repeated strings (plan, source, submitter, file) sharing
// memory. kpi.States reads through EachLatest and LatestOf instead, one
// indicator at a time (a province's figures are 1.8 million).
func (s *Store) Latest(ctx context.Context) (map[kpi.Ref][]kpi.Observation, error) {
	out := make(map[kpi.Ref][]kpi.Observation, s.latestRefs.Load())
	block := make([]kpi.Observation, 0, latestBlock)
	err := s.EachLatest(ctx, func(ref kpi.Ref, obs []kpi.Observation) error {
		if len(block)+len(obs) > cap(block) {
			block = make([]kpi.Observation, 0, max(latestBlock, len(obs)))
		}
		start := len(block)
		block = append(block, obs...)
		out[ref] = block[start:len(block):len(block)]
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.latestRefs.Store(int64(len(out)))
	return out, nil
}

// EachLatest calls fn for every indicator with figures, in key order (plan,
// then id), with the newest revision of each period ordered by period,
// all from one snapshot. obs is reused after fn returns. kpi.States
// evaluates a whole catalog through it without holding every figure.
func (s *Store) EachLatest(ctx context.Context, fn func(ref kpi.Ref, obs []kpi.Observation) error) error {
	err := s.view(ctx, "latest", func(tx *bolt.Tx) error {
		return eachLatest(ctx, tx, nil, fn)
	})
	if err != nil {
		return fmt.Errorf("latest: %w", err)
	}
	return nil
}

// LatestOf returns the newest revision of each period of one indicator,
// ordered by period; nil when it has none.
func (s *Store) LatestOf(ctx context.Context, ref kpi.Ref) ([]kpi.Observation, error) {
	var out []kpi.Observation
	err := s.view(ctx, "latest", func(tx *bolt.Tx) error {
		out = nil
		prefix := append(appendRefKey(nil, ref.Plan, ref.ID), sep)
		return eachLatest(ctx, tx, prefix, func(_ kpi.Ref, obs []kpi.Observation) error {
			out = slices.Clone(obs)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("latest %s/%s: %w", ref.Plan, ref.ID, err)
	}
	return out, nil
}

// eachLatest calls fn for each indicator's figures in the latest bucket,
// those whose keys start with prefix (all when nil). The slice passed to
// fn is reused.
func eachLatest(ctx context.Context, tx *bolt.Tx, prefix []byte, fn func(ref kpi.Ref, obs []kpi.Observation) error) error {
	d := dec{intern: make(map[string]string)}
	var group []kpi.Observation
	var cur kpi.Ref
	var curPrefix []byte // plan 0x00 id 0x00 of cur
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		err := fn(cur, group)
		clear(group) // drop the strings before the slice is reused
		group = group[:0]
		return err
	}
	pend := readPending(tx)
	history := tx.Bucket(bucketHistory)
	c := tx.Bucket(bucketLatest).Cursor()
	k, v := c.First()
	if prefix != nil {
		k, v = c.Seek(prefix)
	}
	for n := 1; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		n++
		if n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(k) <= periodKeyLen {
			return fmt.Errorf("key %q: %w", k, errCorrupt)
		}
		if !pend.none() {
			var err error
			if v, err = visibleLatest(pend, history, k, v); err != nil {
				return err
			}
			if v == nil {
				continue // a period the uncommitted submission adds
			}
		}
		keyPrefix := k[:len(k)-periodKeyLen]
		if !bytes.Equal(keyPrefix, curPrefix) {
			if err := flush(); err != nil {
				return err
			}
			plan, id, _, _, err := splitObsKey(k, false)
			if err != nil {
				return err
			}
			if string(plan) != cur.Plan { // comparison does not allocate
				cur.Plan = string(plan)
			}
			cur.ID = string(id)
			curPrefix = append(curPrefix[:0], keyPrefix...)
		}
		p, err := decodePeriodKey(k[len(k)-periodKeyLen:])
		if err != nil {
			return err
		}
		group = append(group, kpi.Observation{Plan: cur.Plan, Indicator: cur.ID, Period: p})
		d.b = v
		if err := decodeObservationValue(&d, &group[len(group)-1]); err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
	}
	return flush()
}

// FiguresChangedSince returns the indicators whose figures changed in the
// commits after generation gen, and false when the store no longer knows
// them all (see figureLog).
func (s *Store) FiguresChangedSince(gen uint64) ([]kpi.Ref, bool) {
	return s.figureLog.since(gen)
}
