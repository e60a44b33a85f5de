package kpi

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Supervision (督办): a red light opens an item per lead unit of the
// indicator; the unit answers it with an explanation (情况说明), the
// supervision office reviews it (已审阅) or sends it back (退回, with a
// comment and a new deadline), and it closes (已办结) when the indicator
// leaves red. Items live beside the evaluation and never change a verdict.
// An item is the list of its events; its state at any instant is replayed
// from the events up to then (AsOf), so --as-of shows items as they stood.

// SupervisionState is an item's state.
type SupervisionState string

const (
	SupervisionPending  SupervisionState = "pending"  // 待说明: waiting for the unit's explanation
	SupervisionOverdue  SupervisionState = "overdue"  // 逾期未说明: pending past its deadline (derived from the clock)
	SupervisionAnswered SupervisionState = "answered" // 已说明: explained, waiting for review
	SupervisionReviewed SupervisionState = "reviewed" // 已审阅: the supervision office has accepted the explanation
	SupervisionClosed   SupervisionState = "closed"   // 已办结: the indicator left red
)

// SupervisionStates lists every state in the order they are counted.
var SupervisionStates = []SupervisionState{SupervisionPending, SupervisionOverdue, SupervisionAnswered, SupervisionReviewed, SupervisionClosed}

// Events of a supervision item, as SupervisionEvent.Action.
const (
	SupervisionEventOpen    = "open"    // the indicator turned red
	SupervisionEventExplain = "explain" // the unit filed an explanation
	SupervisionEventReview  = "review"  // the office accepted it: 已审阅
	SupervisionEventReturn  = "return"  // the office sent it back: 退回, back to pending with a new deadline
	SupervisionEventClose   = "close"   // the indicator left red: 已办结
)

// Audit actions of supervision (see audit.go for the others).
const (
	ActionExplanationAdd    = "explanation.add"
	ActionSupervisionOpen   = "supervision.open"
	ActionSupervisionReview = "supervision.review"
	ActionSupervisionReturn = "supervision.return"
	ActionSupervisionClose  = "supervision.close"
)

// Bounds of what people type, in characters (runes).
const (
	MaxExplanationReason   = 2000
	MaxExplanationMeasures = 2000
	MaxSupervisionComment  = 1000
)

// DefaultResponseDays is how many working days a unit has to answer an item.
const DefaultResponseDays = 5

// SupervisionEvent is one thing that happened to an item.
type SupervisionEvent struct {
	At      time.Time `json:"at"`
	Action  string    `json:"action"` // one of the SupervisionEvent* constants
	Actor   string    `json:"actor"`
	Comment string    `json:"comment,omitempty"` // 退回 (required) and 已审阅 (optional)
	// Deadline is the new answer deadline (open, return).
	Deadline *time.Time `json:"deadline,omitempty"`
	// Status is the indicator's status when it opened or closed the item;
	// ReportOverdue says its report was overdue (逾期未报) then.
	Status        Status `json:"status,omitempty"`
	ReportOverdue bool   `json:"report_overdue,omitempty"`
	// Revision is the explanation's revision (explain).
	Revision int `json:"revision,omitempty"`
}

// SupervisionItem is one supervision case: an indicator × one of its lead
// units, from the day it turned red until it left red. The fields after
// Events are derived from them (Replay); the store keeps only the events.
type SupervisionItem struct {
	ID     uint64             `json:"id"`
	Ref    Ref                `json:"ref"`
	Unit   string             `json:"unit"`
	Events []SupervisionEvent `json:"events"`

	State    SupervisionState `json:"state"` // never SupervisionOverdue: see StateAt
	OpenedAt time.Time        `json:"opened_at"`
	Deadline time.Time        `json:"deadline"` // the current answer deadline
	ClosedAt *time.Time       `json:"closed_at,omitempty"`
	// Status and ReportOverdue are the indicator's at opening.
	Status        Status `json:"status"`
	ReportOverdue bool   `json:"report_overdue,omitempty"`
	// Comment is the office's latest comment (a 退回's reason).
	Comment string `json:"comment,omitempty"`
}

// Replay sets the derived fields from Events.
func (it *SupervisionItem) Replay() {
	it.State, it.OpenedAt, it.Deadline, it.ClosedAt, it.Comment = "", time.Time{}, time.Time{}, nil, ""
	for i, e := range it.Events {
		if e.Deadline != nil {
			it.Deadline = *e.Deadline
		}
		switch e.Action {
		case SupervisionEventOpen:
			it.State, it.OpenedAt, it.Status, it.ReportOverdue = SupervisionPending, e.At, e.Status, e.ReportOverdue
		case SupervisionEventExplain:
			it.State = SupervisionAnswered
		case SupervisionEventReview:
			it.State, it.Comment = SupervisionReviewed, e.Comment
		case SupervisionEventReturn:
			it.State, it.Comment = SupervisionPending, e.Comment
		case SupervisionEventClose:
			it.State, it.ClosedAt = SupervisionClosed, &it.Events[i].At
		}
	}
}

// AsOf returns the item as it stood at t (events after t left out), and
// false if it had not opened by then.
func (it SupervisionItem) AsOf(t time.Time) (SupervisionItem, bool) {
	n := 0
	for n < len(it.Events) && !it.Events[n].At.After(t) {
		n++
	}
	if n == 0 {
		return SupervisionItem{}, false
	}
	it.Events = it.Events[:n:n]
	it.Replay()
	return it, true
}

// StateAt is the item's state at t: pending past its deadline is overdue.
func (it SupervisionItem) StateAt(t time.Time) SupervisionState {
	if it.State == SupervisionPending && !it.Deadline.IsZero() && t.After(it.Deadline) {
		return SupervisionOverdue
	}
	return it.State
}

// Open reports whether the item has not closed.
func (it SupervisionItem) Open() bool { return it.State != SupervisionClosed }

// AwaitsAnswer reports whether the item waits for its unit's explanation
// (待说明, 逾期未说明).
func (it SupervisionItem) AwaitsAnswer() bool {
	return it.State == SupervisionPending || it.State == SupervisionOverdue
}

// Reviewable reports whether the office may review the item (已审阅 or
// 退回): an explanation is in, reviewed or not.
func (it SupervisionItem) Reviewable() bool {
	return it.State == SupervisionAnswered || it.State == SupervisionReviewed
}

// Calendar says which days are working days for an answer deadline
// (督办): Monday to Friday, less the public holidays (法定节假日) in
// Holidays, plus the weekend days worked in their place (调休上班) in
// Workdays. Days are keyed as written, 2006-01-02, in China time. A nil
// Calendar, or an empty one, is Monday to Friday only: it knows no public
// holiday.
type Calendar struct {
	Holidays map[string]bool
	Workdays map[string]bool
}

// IsWorkday reports whether day (its China-time day) is a working day.
func (c *Calendar) IsWorkday(day time.Time) bool {
	d := day.In(China)
	if c != nil {
		key := d.Format(time.DateOnly)
		switch {
		case c.Workdays[key]:
			return true
		case c.Holidays[key]:
			return false
		}
	}
	return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
}

// Deadline is the end (23:59:59 China time) of the days-th working day
// after from's day: an item opened on a Friday with 5 days is due by the
// end of the next Friday, or later across a holiday.
func (c *Calendar) Deadline(from time.Time, days int) time.Time {
	d := from.In(China)
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, China)
	for days > 0 {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkday(day) {
			days--
		}
	}
	return day.AddDate(0, 0, 1).Add(-time.Second)
}

// SupervisionOpening opens an item.
type SupervisionOpening struct {
	Ref           Ref
	Unit          string
	Status        Status
	ReportOverdue bool
	Deadline      time.Time
}

// SupervisionClosing closes an open item.
type SupervisionClosing struct {
	ID            uint64
	Status        Status
	ReportOverdue bool
}

// SupervisionChanges is what PlanSupervision finds to do.
type SupervisionChanges struct {
	Open  []SupervisionOpening
	Close []SupervisionClosing
}

// Empty reports whether there is nothing to do.
func (c SupervisionChanges) Empty() bool { return len(c.Open) == 0 && len(c.Close) == 0 }

// PlanSupervision compares the indicators' states with the open items: an
// indicator that is red (red decides: the red lights and an overdue
// report) opens an item for each lead unit without an open one, with an
// answer deadline deadline (Calendar.Deadline of now); an open item whose
// indicator is no longer red, is gone from the catalog, or no longer has
// the unit as a lead unit closes. It reads nothing and writes nothing.
func PlanSupervision(states []*State, open []SupervisionItem, red func(State) bool, deadline time.Time) SupervisionChanges {
	return planSupervision(states, open, red, deadline, true)
}

// PlanSupervisionOf is PlanSupervision for some of the indicators only:
// the states that changed since a plan over all of them was applied (same
// catalog). It opens and closes the items of these indicators as
// PlanSupervision would, and leaves every other item alone (their
// indicators' states, hence their items, are as that plan left them).
func PlanSupervisionOf(changed []*State, open []SupervisionItem, red func(State) bool, deadline time.Time) SupervisionChanges {
	return planSupervision(changed, open, red, deadline, false)
}

func planSupervision(states []*State, open []SupervisionItem, red func(State) bool, deadline time.Time, all bool) SupervisionChanges {
	type key struct {
		ref  Ref
		unit string
	}
	openByKey := make(map[key]SupervisionItem, len(open))
	for _, it := range open {
		if it.Open() {
			openByKey[key{it.Ref, it.Unit}] = it
		}
	}
	var ch SupervisionChanges
	keep := make(map[key]bool, len(openByKey))
	for _, st := range states {
		ev := &st.Evaluation
		isRed := red(*st)
		for _, unit := range st.Indicator.LeadUnits {
			k := key{st.Indicator.Ref(), unit}
			it, isOpen := openByKey[k]
			switch {
			case isRed && !isOpen:
				ch.Open = append(ch.Open, SupervisionOpening{Ref: k.ref, Unit: unit, Status: ev.Status, ReportOverdue: ev.Report.Overdue, Deadline: deadline})
			case isRed:
				keep[k] = true
			case isOpen:
				keep[k] = true // closed below with the status that closed it
				ch.Close = append(ch.Close, SupervisionClosing{ID: it.ID, Status: ev.Status, ReportOverdue: ev.Report.Overdue})
			}
		}
	}
	for k, it := range openByKey {
		if all && !keep[k] {
			ch.Close = append(ch.Close, SupervisionClosing{ID: it.ID})
		}
	}
	slices.SortFunc(ch.Close, func(a, b SupervisionClosing) int { return cmp.Compare(a.ID, b.ID) })
	return ch
}

// Explanation is one revision of a unit's explanation (情况说明) of an
// indicator: why it lags, what is being done, by when. A new one for the
// same indicator and unit is the next revision; none is ever overwritten.
type Explanation struct {
	Ref           Ref       `json:"ref"`
	Unit          string    `json:"unit"`
	Revision      int       `json:"revision"` // 1, 2, … per indicator and unit
	Reason        string    `json:"reason"`   // 原因
	Measures      string    `json:"measures"` // 措施
	ExpectedBy    string    `json:"expected_by"`
	RevisedFigure *float64  `json:"revised_figure,omitempty"` // the figure now expected, in the indicator's unit
	Author        string    `json:"author"`
	At            time.Time `json:"at"`
	Item          uint64    `json:"item,omitempty"` // the supervision item it answered
}

// ExplanationInput is an explanation as submitted.
type ExplanationInput struct {
	Unit          string   `json:"unit,omitempty"` // needed only when the author may speak for several units
	Reason        string   `json:"reason"`
	Measures      string   `json:"measures"`
	ExpectedBy    string   `json:"expected_by"` // 2021-12-31
	RevisedFigure *float64 `json:"revised_figure,omitempty"`
}

// Check returns the input's problems (Chinese messages, field names as the
// JSON has them); nil when it is fine. Text is trimmed first.
func (in *ExplanationInput) Check() []Problem {
	in.Unit, in.Reason, in.Measures, in.ExpectedBy = strings.TrimSpace(in.Unit), strings.TrimSpace(in.Reason), strings.TrimSpace(in.Measures), strings.TrimSpace(in.ExpectedBy)
	var ps []Problem
	ps = append(ps, checkText("reason", "原因", in.Reason, MaxExplanationReason, true)...)
	ps = append(ps, checkText("measures", "措施", in.Measures, MaxExplanationMeasures, true)...)
	if len(in.Unit) > 200 || !utf8.ValidString(in.Unit) {
		ps = append(ps, Problem{Field: "unit", Message: "单位名称无效"})
	}
	if _, err := ParseDay(in.ExpectedBy); err != nil {
		ps = append(ps, Problem{Field: "expected_by", Value: ExcerptN(in.ExpectedBy, 40), Expected: "2021-12-31", Message: "预计完成时间" + DayForm})
	}
	if f := in.RevisedFigure; f != nil && (math.IsNaN(*f) || math.IsInf(*f, 0) || math.Abs(*f) > 1e15) {
		ps = append(ps, Problem{Field: "revised_figure", Message: "预计数值无效"})
	}
	return ps
}

// CheckSupervisionComment returns the comment's problems; required says
// an empty one is a problem (退回 needs a reason).
func CheckSupervisionComment(comment string, required bool) []Problem {
	return checkText("comment", "意见", strings.TrimSpace(comment), MaxSupervisionComment, required)
}

func checkText(field, word, s string, max int, required bool) []Problem {
	switch {
	case !utf8.ValidString(s):
		return []Problem{{Field: field, Message: word + "含有无效字符"}}
	case s == "" && required:
		return []Problem{{Field: field, Message: word + "不能为空"}}
	case utf8.RuneCountInString(s) > max:
		return []Problem{{Field: field, Message: word + "过长：最多" + strconv.Itoa(max) + "字"}}
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }):
		return []Problem{{Field: field, Message: word + "含有控制字符"}}
	}
	return nil
}

// SupervisionReviewInput is the office's answer to an explained item.
type SupervisionReviewInput struct {
	Action   string    // SupervisionEventReview or SupervisionEventReturn
	Comment  string    // required for a return
	Deadline time.Time // the new answer deadline of a return
}

// SupervisionStore keeps explanations and supervision items. Its writes
// change no figure or target but advance Generation: States carries the
// open items in State.Supervision (for the alert text). Every write is
// audited in the same transaction.
type SupervisionStore interface {
	// AddExplanation stores e as the next revision for its indicator and
	// unit, stamped with the store's clock; an open item of that
	// indicator and unit that waits for an answer (pending, or answered
	// or reviewed: a revision asks for a new review) becomes answered.
	AddExplanation(ctx context.Context, e Explanation, actor Actor) (Explanation, error)
	// Explanations returns every revision for the indicator, by unit then
	// revision; AllExplanations those of every indicator.
	Explanations(ctx context.Context, ref Ref) ([]Explanation, error)
	AllExplanations(ctx context.Context) ([]Explanation, error)
	// SupervisionItems returns every item, oldest first, derived fields set.
	SupervisionItems(ctx context.Context) ([]SupervisionItem, error)
	// SupervisionItem returns one item; ENOTFOUND if none.
	SupervisionItem(ctx context.Context, id uint64) (SupervisionItem, error)
	// ApplySupervision opens and closes items in one transaction. An
	// opening for an indicator and unit that already has an open item, or
	// a closing of an item already closed, is skipped (another run got
	// there first).
	ApplySupervision(ctx context.Context, ch SupervisionChanges, actor Actor) error
	// ReviewSupervision records the office's review of an answered (or
	// reviewed) item: ECONFLICT in another state.
	ReviewSupervision(ctx context.Context, id uint64, in SupervisionReviewInput, actor Actor) (SupervisionItem, error)
}

// SupervisionNote is where one lead unit stands on an indicator's open
// supervision item, carried in State.Supervision beside the evaluation
// (never changing it) for the alert text.
type SupervisionNote struct {
	Unit     string           `json:"unit"`
	State    SupervisionState `json:"state"` // pending, answered or reviewed (overdue is the clock's: see Deadline)
	Deadline time.Time        `json:"deadline"`
	// Latest is the unit's newest explanation of the indicator, if any.
	Latest *Explanation `json:"latest,omitempty"`
}

// SupervisionReader is implemented by a StateSource that keeps
// supervision: States then carries each indicator's open items in
// State.Supervision. Its writes must advance Generation.
type SupervisionReader interface {
	SupervisionItems(ctx context.Context) ([]SupervisionItem, error)
	AllExplanations(ctx context.Context) ([]Explanation, error)
}

// SupervisionGenerations is a SupervisionReader that says when its items or
// explanations last changed: a number that grows with each change. States
// then reads them again only when it moved, not on every figure write.
type SupervisionGenerations interface {
	SupervisionGeneration() uint64
}

// SupervisionNotes returns, per indicator, its open items as they stood at
// now, each with its unit's newest explanation filed by then, in item order.
func SupervisionNotes(items []SupervisionItem, explanations []Explanation, now time.Time) map[Ref][]SupervisionNote {
	type key struct {
		ref  Ref
		unit string
	}
	latest := map[key]*Explanation{}
	for i := range explanations {
		e := &explanations[i]
		if e.At.After(now) {
			continue
		}
		if old := latest[key{e.Ref, e.Unit}]; old == nil || e.Revision > old.Revision {
			latest[key{e.Ref, e.Unit}] = e
		}
	}
	out := map[Ref][]SupervisionNote{}
	for _, it := range items {
		at, ok := it.AsOf(now)
		if !ok || !at.Open() {
			continue
		}
		out[it.Ref] = append(out[it.Ref], SupervisionNote{Unit: it.Unit, State: at.State, Deadline: at.Deadline, Latest: latest[key{it.Ref, it.Unit}]})
	}
	return out
}

// sameNotes reports whether two indicators' notes say the same.
func sameNotes(a, b []SupervisionNote) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Unit != y.Unit || x.State != y.State || !x.Deadline.Equal(y.Deadline) || (x.Latest == nil) != (y.Latest == nil) ||
			x.Latest != nil && (x.Latest.Revision != y.Latest.Revision || x.Latest.Unit != y.Latest.Unit) {
			return false
		}
	}
	return true
}
