package kpi

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Error codes, mapped to HTTP status in one table by the httpapi package.
const (
	EINVALID      = "invalid"      // the input is wrong; Problems say where
	ENOTFOUND     = "not_found"    // no such plan, indicator, token …
	ECONFLICT     = "conflict"     // e.g. a token name already taken
	EUNAUTHORIZED = "unauthorized" // no or unknown credentials
	EFORBIDDEN    = "forbidden"    // credentials valid, not allowed for this
	EUNAVAILABLE  = "unavailable"  // e.g. the data dir is in use by another process
	EINTERNAL     = "internal"
)

// ErrInvalid is wrapped by errors about malformed values, for errors.Is.
var ErrInvalid = errors.New("invalid")

// Error is a domain error with a stable code and a message for people.
type Error struct {
	Code     string    `json:"code"`
	Message  string    `json:"message"`            // says what is wrong, where, and how to fix it
	Problems []Problem `json:"problems,omitempty"` // the problems found, for EINVALID: at most a bounded number
	// More counts the problems found but not listed; Kinds counts every
	// problem found by kind (Problem.Kind) when there was more than one.
	More  int            `json:"more,omitempty"`
	Kinds map[string]int `json:"kinds,omitempty"`
}

func (e *Error) Error() string {
	if len(e.Problems) == 0 {
		return e.Message
	}
	var b strings.Builder
	b.WriteString(e.Message)
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	if more := e.MoreText(); more != "" {
		b.WriteString("\n  ")
		b.WriteString(more)
	}
	return b.String()
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for other errors and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Problem is one thing wrong with an input: a catalog file or a submission.
// Location fields that do not apply stay empty.
type Problem struct {
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`  // catalog files: line in the YAML
	Sheet     string `json:"sheet,omitempty"` // submissions: sheet of an XLSX
	Row       int    `json:"row,omitempty"`   // submissions: 1-based row as the user sees it
	Column    string `json:"column,omitempty"`
	Field     string `json:"field,omitempty"` // catalog: field name; submissions: the column's meaning
	Indicator string `json:"indicator,omitempty"`
	Value     string `json:"value,omitempty"`    // the value found
	Expected  string `json:"expected,omitempty"` // what was expected
	Message   string `json:"message"`            // Chinese, with English beside it
}

// String formats the problem as "file:line: field: message (found …, want …)".
func (p Problem) String() string {
	var loc []string
	if p.File != "" {
		loc = append(loc, p.File)
	}
	if p.Sheet != "" {
		loc = append(loc, "sheet "+p.Sheet)
	}
	if p.Line > 0 {
		loc = append(loc, fmt.Sprintf("line %d", p.Line))
	}
	if p.Row > 0 {
		loc = append(loc, fmt.Sprintf("row %d", p.Row))
	}
	if p.Column != "" {
		loc = append(loc, "column "+p.Column)
	}
	if p.Field != "" {
		loc = append(loc, p.Field)
	}
	s := strings.Join(loc, ": ")
	if s != "" {
		s += ": "
	}
	s += p.Message
	switch {
	case p.Value != "" && p.Expected != "":
		s += fmt.Sprintf(" (found %q, expected %s)", p.Value, p.Expected)
	case p.Value != "":
		s += fmt.Sprintf(" (found %q)", p.Value)
	case p.Expected != "":
		s += " (expected " + p.Expected + ")"
	}
	return s
}

// Catalog is every plan and indicator of a set of targets files.
type Catalog struct {
	Plans      []Plan      `json:"plans"`
	Indicators []Indicator `json:"indicators"`
}

// Plan returns the plan with the id, and whether it exists.
func (c Catalog) Plan(id string) (Plan, bool) {
	for _, p := range c.Plans {
		if p.ID == id {
			return p, true
		}
	}
	return Plan{}, false
}

// CatalogChange is one difference found when a catalog is loaded over the stored one.
type CatalogChange struct {
	Ref    Ref    `json:"ref"`
	Action string `json:"action"` // one of the Action* constants of audit.go
	Detail string `json:"detail"` // e.g. "target 30 → 35"
}

// IndicatorVersion is one stored version of an indicator's definition.
type IndicatorVersion struct {
	Version   int       `json:"version"`
	At        time.Time `json:"at"`
	Indicator Indicator `json:"indicator"`
	Removed   bool      `json:"removed"`
}

// Submission is one batch of figures written as a whole: all or nothing.
type Submission struct {
	Actor        Actor
	Source       string // api, upload, inbox, pull:<name>, cli
	File         string
	At           time.Time
	Observations []Observation // Plan, Indicator, Period, Value, Note set
	// Figures, when not nil, holds the figures instead of Observations: a
	// large file's, kept compact by the ingester and made one at a time.
	Figures FigureList
	// MaxOutcomes, when > 0, asks for a summary receipt: at most this
	// many outcomes listed, the rest counted per plan (see Summary).
	MaxOutcomes int
}

// FigureList is a submission's figures by index (Plan, Indicator, Period,
// Value, Note set). At returns the same figure each time it is asked.
type FigureList interface {
	Len() int
	At(i int) Observation
}

// ObservationList is a FigureList of observations in memory.
type ObservationList []Observation

func (l ObservationList) Len() int             { return len(l) }
func (l ObservationList) At(i int) Observation { return l[i] }

// List returns the submission's figures: Figures, or else Observations.
func (s Submission) List() FigureList {
	if s.Figures != nil {
		return s.Figures
	}
	return ObservationList(s.Observations)
}

// Outcome says what a submission did with one figure.
type Outcome struct {
	Observation Observation `json:"observation"`
	Result      string      `json:"result"` // added, revised, unchanged
	// Name and Value say the figure as people read it: the indicator's
	// name and the value with its unit ("高新技术企业", "2400000万元").
	// Note says what to know about it, such as a period beyond the
	// target's deadline. Filled by the ingester; empty where a receipt is
	// made without the catalog.
	Name  string `json:"name,omitempty"`
	Value string `json:"value_text,omitempty"`
	Note  string `json:"note,omitempty"`
	// NoteRevised marks a revision that changed only the figure's note
	// (说明), such as a bureau's 核定 of the value already stored: the value
	// is the same, so no evaluation changes (docs/method.md §2).
	NoteRevised bool `json:"note_revised,omitempty"`
}

// Results of one figure of a submission.
const (
	ResultAdded     = "added"
	ResultRevised   = "revised"
	ResultUnchanged = "unchanged"
)

// SubmissionResult is the receipt of a stored submission.
type SubmissionResult struct {
	Added     int       `json:"added"`
	Revised   int       `json:"revised"`
	Unchanged int       `json:"unchanged"`
	Outcomes  []Outcome `json:"outcomes"`
	// ByPlan counts the figures per plan and result; MoreOutcomes counts
	// the figures not listed in Outcomes (see Summary).
	ByPlan       []PlanResult `json:"by_plan,omitempty"`
	MoreOutcomes int          `json:"more_outcomes,omitempty"`
	// Explanations counts the explanations (情况说明) filed from the
	// workbook's 情况说明 sheet with the figures.
	Explanations int `json:"explanations,omitempty"`
}

// ExplanationsText says in the receipt how many explanations were filed;
// empty when none.
func (r SubmissionResult) ExplanationsText() string {
	if r.Explanations == 0 {
		return ""
	}
	return "情况说明 " + strconv.Itoa(r.Explanations) + " 条已登记"
}

// PlanResult counts one plan's figures of a submission by result.
type PlanResult struct {
	Plan      string `json:"plan"`
	Added     int    `json:"added"`
	Revised   int    `json:"revised"`
	Unchanged int    `json:"unchanged"`
}

// Token is an access token as stored: only its hash is kept.
type Token struct {
	Name  string   `json:"name"`
	Hash  string   `json:"-"` // hex SHA-256 of the secret
	Units []string `json:"units,omitempty"`
	All   bool     `json:"all"`
	// Supervisor: a token of the supervision office (kpimon token create
	// --role supervisor): reviews supervision items, submits no figures.
	Supervisor bool       `json:"supervisor,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Actor returns the actor a token stands for.
func (t Token) Actor(remote string) Actor {
	return Actor{Name: t.Name, Units: t.Units, All: t.All, Remote: remote, Supervisor: t.Supervisor}
}

// AuditFilter selects audit entries; zero fields select everything.
type AuditFilter struct {
	Object string // exact object, e.g. "yanfeng-2022/high_tech_enterprises"
	Since  time.Time
	Limit  int // newest first; 0 means 1000
}

// Store keeps plans, indicators, observations, tokens and the audit log.
// It is safe for concurrent use: reads run beside one writer and see a
// consistent snapshot; writes are serialised. boltstore implements it;
// each consumer asks only for the small interface it uses (CatalogReader,
// ObservationStore, AuditLog, TokenStore …), so its tests and its reader
// see what it touches.
type Store interface {
	CatalogStore
	ObservationStore
	AuditLog
	TokenStore
	Generations
	Close() error
}

// CatalogReader reads the stored catalog.
type CatalogReader interface {
	// Catalog returns the current plans and indicators (removed ones left
	// out), indicators ordered by plan, task, then the order of the targets
	// file. The result may be shared with other callers (boltstore hands
	// out one catalog): do not modify it.
	Catalog(ctx context.Context) (Catalog, error)
	// Indicator returns one current indicator; ENOTFOUND if none.
	Indicator(ctx context.Context, ref Ref) (Indicator, error)
	// IndicatorVersions returns every stored version, oldest first.
	IndicatorVersions(ctx context.Context, ref Ref) ([]IndicatorVersion, error)
}

// CatalogStore reads and replaces the stored catalog.
type CatalogStore interface {
	CatalogReader
	// SyncCatalog makes the stored catalog equal to cat in one transaction:
	// new indicators are added, a changed definition becomes a new version,
	// indicators no longer present are marked removed (their versions and
	// observations stay). Every change is audited under actor.
	SyncCatalog(ctx context.Context, cat Catalog, actor Actor) ([]CatalogChange, error)
}

// ObservationReader reads reported figures.
type ObservationReader interface {
	// Observations returns every revision for the indicator, ordered by
	// period, then revision.
	Observations(ctx context.Context, ref Ref) ([]Observation, error)
	// Latest returns, for every indicator with figures, the newest revision
	// of each period, ordered by period.
	Latest(ctx context.Context) (map[Ref][]Observation, error)
}

// ObservationStore reads and adds reported figures.
type ObservationStore interface {
	ObservationReader
	// AddObservations stores a submission whole or not at all, seen by
	// readers at one instant (in one transaction, or in batches readers
	// see only once the last commits). A figure
	// equal to the newest revision of its period changes nothing; a
	// different one becomes a new revision. Audited under sub.Actor.
	AddObservations(ctx context.Context, sub Submission) (SubmissionResult, error)
}

// AuditLog records and lists audit entries.
type AuditLog interface {
	// AppendAudit records an entry that is not a side effect of another
	// write (a refused request, say).
	AppendAudit(ctx context.Context, e AuditEntry) error
	// Audit returns entries, newest first.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// TokenStore keeps access tokens.
type TokenStore interface {
	// CreateToken stores a new token; ECONFLICT if the name is taken.
	CreateToken(ctx context.Context, t Token, actor Actor) error
	// Tokens lists tokens, revoked ones included.
	Tokens(ctx context.Context) ([]Token, error)
	// TokenByHash finds an unrevoked token by hash; EUNAUTHORIZED if none.
	TokenByHash(ctx context.Context, hash string) (Token, error)
	// RevokeToken revokes a token by name; ENOTFOUND if none.
	RevokeToken(ctx context.Context, name string, actor Actor) error
}

// Generations says when what the store evaluates from has changed.
type Generations interface {
	// Generation increases with every committed write that changes figures,
	// the catalog or supervision (SupervisionReader; not audit, token or
	// account writes), so readers can
	// cache what they evaluate from the store.
	Generation() uint64
}

// StateSource is what States evaluates from.
type StateSource interface {
	Catalog(ctx context.Context) (Catalog, error)
	ObservationReader
	Generations
}

// Upload is a file or body handed in for ingest.
type Upload struct {
	Name        string // file name as given, used in problems and receipts
	ContentType string // may be empty: the name's extension or a sniff decides
	Sheet       string // XLSX sheet to read; empty means the first
	Body        []byte
	Actor       Actor
	Source      string // api, upload, inbox, pull:<name>, cli, web
	// Unanswered is set where a refusal reaches nobody but the operator (a
	// pulled URL's publisher gets no answer): refusing it then counts as
	// the source failing. A refusal answered to its sender does not.
	Unanswered bool
}

// Ingester turns submissions into stored observations after checking them
// as a whole: a submission with any problem is refused whole (EINVALID with
// every Problem), one naming an indicator outside the actor's units is
// refused with EFORBIDDEN; refusals are audited.
type Ingester interface {
	// Ingest parses and stores a file (CSV, XLSX or JSON).
	Ingest(ctx context.Context, u Upload) (SubmissionResult, error)
	// IngestRows stores rows already decoded (the JSON API).
	IngestRows(ctx context.Context, rows []Row, u Upload) (SubmissionResult, error)
}

// Row is one figure as submitted, before it is checked: fields hold the
// text as the submitter typed it.
type Row struct {
	Sheet     string `json:"-"`
	Line      int    `json:"-"` // 1-based row in the file as the user sees it
	Plan      string `json:"plan,omitempty"`
	Indicator string `json:"indicator"` // id or exact Chinese name
	Period    string `json:"period"`
	Value     string `json:"value"`
	Unit      string `json:"unit,omitempty"`
	Note      string `json:"note,omitempty"`
	// Confirm says the submitter checked a figure the plausibility rules
	// would refuse (far above its target, or above the catalog's max).
	Confirm Confirm `json:"confirm,omitempty"`
}

// State is one indicator with its figures and evaluation.
type State struct {
	// Plan and Indicator point into the catalog the state was evaluated
	// from, shared by every state of an evaluation and by the store's
	// catalog cache (a province's 180,000 indicators are not copied per
	// evaluation): never written through.
	Plan       *Plan         `json:"plan"`
	Indicator  *Indicator    `json:"indicator"`
	Latest     []Observation `json:"latest"` // newest revision per period, by period
	Evaluation Evaluation    `json:"evaluation"`
	// Pass numbers the evaluation of States that computed Evaluation (0:
	// not made by States). A state kept from an earlier evaluation keeps
	// its number, so whoever derives views from states (the /metrics
	// rendering) redoes only the work of states with a new number.
	Pass uint64 `json:"-"`
	// Supervision is where each lead unit stands on the indicator's open
	// supervision items (督办), for the alert text; beside the evaluation,
	// never changing it. Empty without open items or a SupervisionReader.
	Supervision []SupervisionNote `json:"supervision,omitempty"`
}

// StateService evaluates every indicator at its clock ("now", or --as-of).
type StateService interface {
	States(ctx context.Context) ([]*State, error)
	State(ctx context.Context, ref Ref) (State, error)
	Now() time.Time
}
