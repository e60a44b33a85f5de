package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Supervision (kpi.SupervisionStore) lives in three buckets of its own:
//
//	explanations      plan 0x00 id 0x00 unit 0x00 revision uint32 BE → explanation (JSON)
//	supervision       item id uint64 BE → the item's events (JSON)
//	supervision_open  plan 0x00 id 0x00 unit → item id of the open item
//
// Explanations are only ever added (a revision is a new key); an item's
// events are only ever appended. These writes change no figure or target
// but advance Generation: kpi.States carries the open items beside each
// evaluation (State.Supervision, worded into the alert text).
var (
	bucketExplanations    = []byte("explanations")
	bucketSupervision     = []byte("supervision")
	bucketSupervisionOpen = []byte("supervision_open")
)

var _ kpi.SupervisionStore = (*Store)(nil)

// supervisionRecord is an item as stored: its events only.
type supervisionRecord struct {
	Ref    kpi.Ref                `json:"ref"`
	Unit   string                 `json:"unit"`
	Events []kpi.SupervisionEvent `json:"events"`
}

func unitKey(ref kpi.Ref, unit string) []byte {
	k := appendRefKey(nil, ref.Plan, ref.ID)
	k = append(k, sep)
	return append(k, unit...)
}

func refObject(ref kpi.Ref) string { return ref.Plan + "/" + ref.ID }

func checkUnitName(unit string) error {
	if unit == "" || bytes.IndexByte([]byte(unit), sep) >= 0 || len(unit) > 200 {
		return kpi.Errorf(kpi.EINVALID, "unit %q: empty, too long or with a NUL", unit)
	}
	return nil
}

// AddExplanation stores e as the next revision, audited as explanation.add.
func (s *Store) AddExplanation(ctx context.Context, e kpi.Explanation, actor kpi.Actor) (kpi.Explanation, error) {
	if err := checkUnitName(e.Unit); err != nil {
		return e, err
	}
	e.At = s.now()
	e.Author = actor.Name
	err := s.update(ctx, "add explanation", func(tx *bolt.Tx) (bool, error) {
		prefix := append(unitKey(e.Ref, e.Unit), sep)
		b := tx.Bucket(bucketExplanations)
		// A unit's revisions are few: the last one under the prefix is the newest.
		e.Revision = 1
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) == len(prefix)+4 {
				e.Revision = int(binary.BigEndian.Uint32(k[len(prefix):])) + 1
			}
		}
		aw := newAuditWriter(tx, &arena{})
		// The unit's open item waits for this answer.
		e.Item = 0
		if v := tx.Bucket(bucketSupervisionOpen).Get(unitKey(e.Ref, e.Unit)); len(v) == 8 {
			id := binary.BigEndian.Uint64(v)
			it, err := getItem(tx, id)
			if err != nil {
				return false, err
			}
			if it.Open() {
				e.Item = id
				it.Events = append(it.Events, kpi.SupervisionEvent{At: e.At, Action: kpi.SupervisionEventExplain, Actor: actor.Name, Revision: e.Revision})
				if err := putItem(tx, it); err != nil {
					return false, err
				}
			}
		}
		if err := putJSON(b, appendUint32(prefix, e.Revision), e); err != nil {
			return false, fmt.Errorf("add explanation: %w", err)
		}
		detail := fmt.Sprintf("%s revision %d, expected by %s", e.Unit, e.Revision, e.ExpectedBy)
		if e.Item != 0 {
			detail += fmt.Sprintf(", answers item %d", e.Item)
		}
		err := aw.append(&kpi.AuditEntry{At: e.At, Actor: actor.Name, Remote: actor.Remote,
			Action: kpi.ActionExplanationAdd, Object: refObject(e.Ref), Detail: detail})
		return err == nil, err
	}, s.supervisionChanged)
	return e, err
}

// Explanations returns every revision for ref, by unit then revision.
func (s *Store) Explanations(ctx context.Context, ref kpi.Ref) ([]kpi.Explanation, error) {
	return s.explanations(ctx, append(appendRefKey(nil, ref.Plan, ref.ID), sep))
}

// AllExplanations returns every revision of every indicator.
func (s *Store) AllExplanations(ctx context.Context) ([]kpi.Explanation, error) {
	return s.explanations(ctx, nil)
}

func (s *Store) explanations(ctx context.Context, prefix []byte) ([]kpi.Explanation, error) {
	var out []kpi.Explanation
	err := s.view(ctx, "explanations", func(tx *bolt.Tx) error {
		out = nil
		c := tx.Bucket(bucketExplanations).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var e kpi.Explanation
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("explanation %q: %w", k, errCorrupt)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

func getItem(tx *bolt.Tx, id uint64) (kpi.SupervisionItem, error) {
	v := tx.Bucket(bucketSupervision).Get(seqKey(nil, id))
	if v == nil {
		return kpi.SupervisionItem{}, kpi.Errorf(kpi.ENOTFOUND, "no supervision item %d", id)
	}
	return decodeItem(id, v)
}

func decodeItem(id uint64, v []byte) (kpi.SupervisionItem, error) {
	var r supervisionRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return kpi.SupervisionItem{}, fmt.Errorf("supervision item %d: %w", id, errCorrupt)
	}
	it := kpi.SupervisionItem{ID: id, Ref: r.Ref, Unit: r.Unit, Events: r.Events}
	it.Replay()
	return it, nil
}

// putItem stores it's events and keeps the open index in step.
func putItem(tx *bolt.Tx, it kpi.SupervisionItem) error {
	if err := putJSON(tx.Bucket(bucketSupervision), seqKey(nil, it.ID), supervisionRecord{Ref: it.Ref, Unit: it.Unit, Events: it.Events}); err != nil {
		return fmt.Errorf("store supervision item %d: %w", it.ID, err)
	}
	it.Replay()
	idx := tx.Bucket(bucketSupervisionOpen)
	if it.Open() {
		return idx.Put(unitKey(it.Ref, it.Unit), seqKey(nil, it.ID))
	}
	if v := idx.Get(unitKey(it.Ref, it.Unit)); len(v) == 8 && binary.BigEndian.Uint64(v) == it.ID {
		return idx.Delete(unitKey(it.Ref, it.Unit))
	}
	return nil
}

// SupervisionItems returns every item, oldest first.
func (s *Store) SupervisionItems(ctx context.Context) ([]kpi.SupervisionItem, error) {
	var out []kpi.SupervisionItem
	err := s.view(ctx, "supervision items", func(tx *bolt.Tx) error {
		out = nil
		return tx.Bucket(bucketSupervision).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("supervision key %x: %w", k, errCorrupt)
			}
			it, err := decodeItem(binary.BigEndian.Uint64(k), v)
			out = append(out, it)
			return err
		})
	})
	return out, err
}

// SupervisionItem returns one item; ENOTFOUND if none.
func (s *Store) SupervisionItem(ctx context.Context, id uint64) (kpi.SupervisionItem, error) {
	var it kpi.SupervisionItem
	err := s.view(ctx, "supervision item", func(tx *bolt.Tx) error {
		var err error
		it, err = getItem(tx, id)
		return err
	})
	return it, err
}

// ApplySupervision opens and closes items, each audited.
func (s *Store) ApplySupervision(ctx context.Context, ch kpi.SupervisionChanges, actor kpi.Actor) error {
	if ch.Empty() {
		return nil
	}
	for _, o := range ch.Open {
		if err := checkUnitName(o.Unit); err != nil {
			return err
		}
	}
	now := s.now()
	return s.update(ctx, "apply supervision", func(tx *bolt.Tx) (bool, error) {
		aw := newAuditWriter(tx, &arena{})
		items, idx := tx.Bucket(bucketSupervision), tx.Bucket(bucketSupervisionOpen)
		wrote := false
		for _, o := range ch.Open {
			if idx.Get(unitKey(o.Ref, o.Unit)) != nil {
				continue
			}
			id, err := items.NextSequence()
			if err != nil {
				return false, err
			}
			deadline := o.Deadline
			it := kpi.SupervisionItem{ID: id, Ref: o.Ref, Unit: o.Unit, Events: []kpi.SupervisionEvent{{
				At: now, Action: kpi.SupervisionEventOpen, Actor: actor.Name, Deadline: &deadline,
				Status: o.Status, ReportOverdue: o.ReportOverdue}}}
			if err := putItem(tx, it); err != nil {
				return false, err
			}
			detail := fmt.Sprintf("item %d for %s: status %s, report overdue %t, answer by %s", id, o.Unit, o.Status, o.ReportOverdue, deadline.In(kpi.China).Format(time.DateOnly))
			if err := aw.append(&kpi.AuditEntry{At: now, Actor: actor.Name, Remote: actor.Remote,
				Action: kpi.ActionSupervisionOpen, Object: refObject(o.Ref), Detail: detail}); err != nil {
				return false, err
			}
			wrote = true
		}
		for _, c := range ch.Close {
			it, err := getItem(tx, c.ID)
			if err != nil {
				return false, err
			}
			if !it.Open() {
				continue
			}
			it.Events = append(it.Events, kpi.SupervisionEvent{At: now, Action: kpi.SupervisionEventClose, Actor: actor.Name,
				Status: c.Status, ReportOverdue: c.ReportOverdue})
			if err := putItem(tx, it); err != nil {
				return false, err
			}
			detail := fmt.Sprintf("item %d for %s: status %s", it.ID, it.Unit, c.Status)
			if err := aw.append(&kpi.AuditEntry{At: now, Actor: actor.Name, Remote: actor.Remote,
				Action: kpi.ActionSupervisionClose, Object: refObject(it.Ref), Detail: detail}); err != nil {
				return false, err
			}
			wrote = true
		}
		return wrote, nil
	}, s.supervisionChanged)
}

// ReviewSupervision records 已审阅 or 退回 on an explained item.
func (s *Store) ReviewSupervision(ctx context.Context, id uint64, in kpi.SupervisionReviewInput, actor kpi.Actor) (kpi.SupervisionItem, error) {
	ev := kpi.SupervisionEvent{Action: in.Action, Actor: actor.Name, Comment: in.Comment}
	action := kpi.ActionSupervisionReview
	switch in.Action {
	case kpi.SupervisionEventReview:
	case kpi.SupervisionEventReturn:
		if in.Comment == "" || in.Deadline.IsZero() {
			return kpi.SupervisionItem{}, kpi.Errorf(kpi.EINVALID, "return item %d: a comment and a new deadline are required", id)
		}
		d := in.Deadline
		ev.Deadline = &d
		action = kpi.ActionSupervisionReturn
	default:
		return kpi.SupervisionItem{}, kpi.Errorf(kpi.EINVALID, "review item %d: unknown action %q (review or return)", id, in.Action)
	}
	var it kpi.SupervisionItem
	err := s.update(ctx, "review supervision item", func(tx *bolt.Tx) (bool, error) {
		var err error
		if it, err = getItem(tx, id); err != nil {
			return false, err
		}
		if !it.Reviewable() {
			return false, kpi.Errorf(kpi.ECONFLICT, "item %d is %s: only an explained item can be reviewed", id, it.State)
		}
		ev.At = s.now()
		it.Events = append(it.Events, ev)
		if err := putItem(tx, it); err != nil {
			return false, err
		}
		it.Replay()
		detail := fmt.Sprintf("item %d for %s", id, it.Unit)
		if in.Comment != "" {
			detail += ": " + in.Comment
		}
		err = newAuditWriter(tx, &arena{}).append(&kpi.AuditEntry{At: ev.At, Actor: actor.Name, Remote: actor.Remote,
			Action: action, Object: refObject(it.Ref), Detail: detail})
		return err == nil, err
	}, s.supervisionChanged)
	return it, err
}

// supervisionChanged records that commit txID changed supervision items or
// explanations: SupervisionGeneration, then Generation (evaluatedChanged).
func (s *Store) supervisionChanged(txID uint64) {
	s.supervisionGen.Store(txID)
	s.evaluatedChanged(txID)
}

// SupervisionGeneration increases with every committed change of the
// supervision items or explanations (kpi.SupervisionGenerations), so
// kpi.States reads them again only then, not after every figure write.
func (s *Store) SupervisionGeneration() uint64 { return s.supervisionGen.Load() }
