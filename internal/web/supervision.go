package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
	"github.com/yanfeng/kpimon/internal/supervision"
)

// The supervision pages (督办): the explanations and items of an indicator
// on its page with a form for its units, the 督办 page listing a unit's
// own items (every item for the supervision office and the bureau) with the
// office's review forms, and the overview's 督办状态 column.

// supervisionSection is the part of the indicator page about supervision.
type supervisionSection struct {
	Items        []itemRow
	Explanations []explanationRow
	// MayExplain: the viewer may explain for Units and is asked to: one
	// of them has an open item, or the indicator is red (supervision's
	// rule; an item opens at the next sync). An explanation of an
	// indicator nobody asks about stays possible through the template's
	// 情况说明 sheet and the API; the page offers the form where it is due.
	MayExplain bool
	// NotAsked: the viewer's units lead the indicator but are not asked
	// to explain it now; the page says so instead of showing the form.
	NotAsked bool
	Units    []string // the units the viewer may explain for; a choice when more than one
	CSRF     string
	Action   string // the form's target
	Done     bool   // an explanation was just filed
	// SignIn links a reader who is not signed in to the sign-in page and
	// back here, while an item waits for its unit's explanation.
	SignIn string
	// Form is what was typed into a refused explanation, shown again
	// with what is wrong next to each field.
	Form explainForm
}

// explainForm is the explanation form's fields as typed, and the problems
// of a refused one: Errors by field (unit, reason, measures, expected_by,
// revised_figure), Message for the whole form.
type explainForm struct {
	Unit, Reason, Measures, ExpectedBy, Revised string
	Errors                                      map[string]string
	Message                                     string
}

type itemRow struct {
	ID        uint64
	Ref       string
	URL       string
	Name      string
	Unit      string
	Cause     string
	State     string
	StateKey  string
	OpenedAt  string
	Deadline  string
	ClosedAt  string
	Comment   string
	Latest    *explanationRow
	MayReview bool
	// MayExplain: the viewer's unit answers this item and has not yet
	// (待说明, 逾期未说明): the row links to the indicator page's form. The
	// office, which may file for a unit too, is offered its review instead.
	MayExplain bool
	// Draft and Problem re-show a refused review: the comment as typed
	// and what is wrong with it, next to the field.
	Draft   string
	Problem string
}

type explanationRow struct {
	Unit       string
	Revision   int
	Reason     string
	Measures   string
	ExpectedBy string
	Revised    string
	Author     string
	At         string
}

func newExplanationRow(ind kpi.Indicator, e kpi.Explanation) explanationRow {
	r := explanationRow{Unit: e.Unit, Revision: e.Revision, Reason: e.Reason, Measures: e.Measures,
		ExpectedBy: e.ExpectedBy, Author: e.Author, At: present.DateTime(e.At)}
	if d, err := kpi.ParseDay(e.ExpectedBy); err == nil {
		r.ExpectedBy = present.Date(d)
	}
	if e.RevisedFigure != nil {
		r.Revised = present.Value(ind, *e.RevisedFigure)
	}
	return r
}

func newItemRow(it kpi.SupervisionItem, name string) itemRow {
	r := itemRow{ID: it.ID, Ref: it.Ref.Plan + "/" + it.Ref.ID, URL: indicatorURL(it.Ref), Name: name, Unit: it.Unit,
		Cause: present.SupervisionCause(it), State: present.SupervisionState(it.State), StateKey: string(it.State),
		OpenedAt: present.DateTime(it.OpenedAt), Deadline: present.Date(it.Deadline), Comment: it.Comment}
	if it.ClosedAt != nil {
		r.ClosedAt = present.DateTime(*it.ClosedAt)
	}
	return r
}

// explainUnits is the units v may explain ind for.
func explainUnits(ind kpi.Indicator, v *viewer) []string {
	if v == nil {
		return nil
	}
	return supervision.ExplainingUnits(ind, v.token.Actor(""))
}

// supervisionSection reads st's indicator's items and explanations; nil
// without a supervision service.
func (s *server) supervisionSection(ctx context.Context, st kpi.State, v *viewer) (*supervisionSection, error) {
	if s.superv == nil {
		return nil, nil
	}
	ind := *st.Indicator
	ref := ind.Ref()
	items, err := s.superv.Items(ctx, supervision.Filter{Ref: &ref})
	if err != nil {
		return nil, err
	}
	ex, err := s.superv.Explanations(ctx, ref)
	if err != nil {
		return nil, err
	}
	sec := &supervisionSection{Units: explainUnits(ind, v), Action: indicatorURL(ref) + "/explanations"}
	asked := s.superv.Red(st)
	if v != nil {
		sec.CSRF = v.session.csrf
	}
	for _, it := range items {
		asked = asked || (it.Open() && slices.Contains(sec.Units, it.Unit))
		sec.Items = append(sec.Items, newItemRow(it, ind.Name))
		if v == nil && it.AwaitsAnswer() {
			sec.SignIn = "/signin?next=" + url.QueryEscape(indicatorURL(ref))
		}
	}
	sec.MayExplain = len(sec.Units) > 0 && asked
	sec.NotAsked = len(sec.Units) > 0 && !asked
	for i := len(ex) - 1; i >= 0; i-- { // newest first
		row := newExplanationRow(ind, ex[i])
		if v == nil {
			row.Author = "" // the unit stands for it: user names are half of a password guess
		}
		sec.Explanations = append(sec.Explanations, row)
	}
	return sec, nil
}

// handleExplain files an explanation from the indicator page's form. A
// refused one shows the page again with the form as typed.
func (s *server) handleExplain() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := viewerFrom(r.Context())
		ref := kpi.Ref{Plan: r.PathValue("plan"), ID: r.PathValue("id")}
		form := explainForm{Unit: r.PostFormValue("unit"), Reason: r.PostFormValue("reason"), Measures: r.PostFormValue("measures"),
			ExpectedBy: r.PostFormValue("expected_by"), Revised: strings.TrimSpace(r.PostFormValue("revised_figure"))}
		in := kpi.ExplanationInput{Unit: form.Unit, Reason: form.Reason, Measures: form.Measures, ExpectedBy: form.ExpectedBy}
		if form.Revised != "" {
			x, err := strconv.ParseFloat(form.Revised, 64)
			if err != nil {
				form.Errors = map[string]string{"revised_figure": "预计数值应为数字，如 35；不需要时请留空。"}
				s.reshowExplanation(w, r, v, ref, form)
				return
			}
			in.RevisedFigure = &x
		}
		_, err := s.superv.Explain(r.Context(), ref, in, v.actor(r))
		if err != nil {
			var kerr *kpi.Error
			if kpi.ErrorCode(err) == kpi.EINVALID && errors.As(err, &kerr) {
				form.Errors = map[string]string{}
				for _, p := range kerr.Problems {
					if form.Errors[p.Field] == "" {
						form.Errors[p.Field] = p.Message + "。"
					}
				}
				if len(kerr.Problems) == 0 {
					form.Message = kpi.ChineseLine(kerr.Message) + "。"
				}
				s.reshowExplanation(w, r, v, ref, form)
				return
			}
			s.supervisionError(w, r, err)
			return
		}
		http.Redirect(w, r, indicatorURL(ref)+"?explained=1#supervision", http.StatusSeeOther)
	})
}

// reshowExplanation answers a refused explanation with the indicator page,
// its form holding what was typed.
func (s *server) reshowExplanation(w http.ResponseWriter, r *http.Request, v *viewer, ref kpi.Ref, form explainForm) {
	page, ok := s.newIndicatorPage(w, r, v, ref)
	if !ok {
		return
	}
	if page.Supervision == nil || !page.Supervision.MayExplain {
		s.renderError(w, r, http.StatusBadRequest, "情况说明未保存", problemsLine(form)+"请返回修改后重新提交。")
		return
	}
	page.Supervision.Form = form
	s.render(w, r, http.StatusBadRequest, "indicator", page)
}

// problemsLine is a refused form's problems in one line.
func problemsLine(form explainForm) string {
	out := form.Message
	for _, f := range []string{"unit", "reason", "measures", "expected_by", "revised_figure"} {
		out += form.Errors[f]
	}
	return out
}

// withSupervision answers 404 when the server runs without supervision.
func (s *server) withSupervision(next http.Handler) http.Handler {
	if s.superv == nil {
		return s.handleNotFound()
	}
	return next
}

// supervisionError answers a refused explanation or review in Chinese.
func (s *server) supervisionError(w http.ResponseWriter, r *http.Request, err error) {
	var kerr *kpi.Error
	msg := "请返回修改后重新提交。"
	switch kpi.ErrorCode(err) {
	case kpi.EINVALID:
		if errors.As(err, &kerr) {
			var parts []string
			for _, p := range kerr.Problems {
				parts = append(parts, p.Message)
			}
			if len(parts) == 0 {
				parts = append(parts, kpi.ChineseLine(kerr.Message))
			}
			msg = strings.Join(parts, "；") + "。" + msg
		}
		s.renderError(w, r, http.StatusBadRequest, "未保存", msg)
	case kpi.EFORBIDDEN:
		s.renderError(w, r, http.StatusForbidden, "无权操作", "本账号只能说明本单位负责的指标；审阅督办事项需要督查室账号。")
	case kpi.ENOTFOUND:
		s.renderError(w, r, http.StatusNotFound, "没有这个指标或督办事项", "请从指标一览重新进入。")
	case kpi.ECONFLICT:
		s.renderError(w, r, http.StatusConflict, "无法审阅", "该督办事项尚未提交情况说明或已办结，不能审阅。")
	default:
		s.logger.Error("web: supervision", "path", r.URL.Path, "err", err)
		s.renderError(w, r, http.StatusInternalServerError, "暂时无法保存", "保存时出错，请稍后再试。")
	}
}

// supervisionPage is 督办: the viewer's items, open ones first.
type supervisionPage struct {
	base
	AsOf      string
	Scope     string
	Open      []itemRow
	Closed    []itemRow
	MayReview bool
	CSRF      string
	Done      string
	// Refused is the element id of the item whose review was refused.
	Refused string
	// Conflict is a review refused because the item changed meanwhile.
	Conflict *reviewConflict
}

// reviewConflict is a 已审阅 or 退回 the store refused (409) because
// another office member returned or the evaluation closed the item
// meanwhile: what the item is now, and the comment as typed to copy.
type reviewConflict struct {
	Anchor, Name, Unit, State, Action, Comment string
}

// maxClosedRows bounds the closed items listed.
const maxClosedRows = 200

func (s *server) handleSupervisionPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.newSupervisionPage(r)
		if err != nil {
			s.logger.Error("web: supervision items", "err", err)
			s.renderError(w, r, http.StatusInternalServerError, "暂时无法读取督办事项", "读取时出错，请稍后刷新。")
			return
		}
		switch r.URL.Query().Get("done") {
		case "review":
			p.Done = "已标记为已审阅。"
		case "return":
			p.Done = "已退回，单位需在新的期限内重新说明。"
		}
		s.render(w, r, http.StatusOK, "supervision", p)
	})
}

// newSupervisionPage reads the viewer's items.
func (s *server) newSupervisionPage(r *http.Request) (supervisionPage, error) {
	v := viewerFrom(r.Context())
	a := v.actor(r)
	f := supervision.Filter{Units: supervision.ItemUnits(a)}
	scope := "全部单位"
	if !a.Oversees() {
		scope = strings.Join(a.Units, "、")
	}
	p := supervisionPage{base: s.base(v, "督办事项", "supervision"), AsOf: present.Date(s.superv.Now()), Scope: scope,
		MayReview: a.Oversees(), CSRF: v.session.csrf}
	items, err := s.superv.Items(r.Context(), f)
	if err != nil {
		return p, err
	}
	names := s.indicatorNames(r.Context())
	latest := map[kpi.Ref]map[string]kpi.Explanation{}
	if all, err := s.superv.AllExplanations(r.Context()); err == nil {
		latest = supervision.Latest(all)
	}
	for _, it := range items {
		row := newItemRow(it, names[it.Ref].Name)
		if e, ok := latest[it.Ref][it.Unit]; ok {
			er := newExplanationRow(names[it.Ref], e)
			row.Latest = &er
		}
		row.MayReview = p.MayReview && it.Reviewable()
		row.MayExplain = !p.MayReview && it.AwaitsAnswer() &&
			slices.Contains(supervision.ExplainingUnits(names[it.Ref], a), it.Unit)
		if it.Open() {
			p.Open = append(p.Open, row)
		} else if len(p.Closed) < maxClosedRows {
			p.Closed = append(p.Closed, row)
		}
	}
	return p, nil
}

// indicatorNames is the catalog's indicators by ref, for naming items.
// It is built once per catalog generation when the store counts them
// (kpi.CatalogGenerations, as bbolt does), not on every view; the map is
// shared: callers only read it.
func (s *server) indicatorNames(ctx context.Context) map[kpi.Ref]kpi.Indicator {
	return s.names.get(ctx, s.store, s.logger)
}

// indicatorIndex caches indicatorNames' map by catalog generation.
type indicatorIndex struct {
	mu    sync.Mutex
	ok    bool
	gen   uint64
	byRef map[kpi.Ref]kpi.Indicator
}

func (x *indicatorIndex) get(ctx context.Context, store kpi.Store, logger *slog.Logger) map[kpi.Ref]kpi.Indicator {
	cg, cached := store.(kpi.CatalogGenerations)
	var gen uint64
	if cached {
		gen = cg.CatalogGeneration() // before the read: a change meanwhile costs one more read later
		x.mu.Lock()
		defer x.mu.Unlock()
		if x.ok && x.gen == gen {
			return x.byRef
		}
	}
	cat, err := store.Catalog(ctx)
	if err != nil {
		logger.Error("web: catalog for supervision", "err", err)
		return map[kpi.Ref]kpi.Indicator{}
	}
	byRef := make(map[kpi.Ref]kpi.Indicator, len(cat.Indicators))
	for _, ind := range cat.Indicators {
		byRef[ind.Ref()] = ind
	}
	if cached {
		x.ok, x.gen, x.byRef = true, gen, byRef
	}
	return byRef
}

// handleReview records the office's 已审阅 or 退回.
func (s *server) handleReview() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := viewerFrom(r.Context())
		id, err := strconv.ParseUint(r.PathValue("item"), 10, 64)
		if err != nil {
			s.supervisionError(w, r, kpi.Errorf(kpi.ENOTFOUND, "no item %q", r.PathValue("item")))
			return
		}
		action, comment := r.PostFormValue("action"), r.PostFormValue("comment")
		if _, err := s.superv.Review(r.Context(), id, action, comment, v.actor(r)); err != nil {
			if kpi.ErrorCode(err) == kpi.EINVALID && s.reshowReview(w, r, id, comment, err) {
				return
			}
			if kpi.ErrorCode(err) == kpi.ECONFLICT && s.reshowConflict(w, r, id, action, comment) {
				return
			}
			s.supervisionError(w, r, err)
			return
		}
		http.Redirect(w, r, "/supervision?done="+action+"#item-"+strconv.FormatUint(id, 10), http.StatusSeeOther)
	})
}

// reshowReview answers a refused review with 督办事项 again, the comment
// as typed in the item's form and what is wrong next to it; false when the
// item is no longer listed for review.
func (s *server) reshowReview(w http.ResponseWriter, r *http.Request, id uint64, comment string, err error) bool {
	p, perr := s.newSupervisionPage(r)
	if perr != nil {
		return false
	}
	for i := range p.Open {
		if row := &p.Open[i]; row.ID == id && row.MayReview {
			row.Draft = comment
			row.Problem = problemsText(err)
			p.Refused = "item-" + strconv.FormatUint(id, 10)
			s.render(w, r, http.StatusBadRequest, "supervision", p)
			return true
		}
	}
	return false
}

// reshowConflict answers a review refused because the item changed
// meanwhile with 督办事项 as it is now, saying what became of the item and
// holding the comment as typed; false when the page cannot be read or
// does not list the item.
func (s *server) reshowConflict(w http.ResponseWriter, r *http.Request, id uint64, action, comment string) bool {
	p, err := s.newSupervisionPage(r)
	if err != nil {
		return false
	}
	anchor := "item-" + strconv.FormatUint(id, 10)
	for _, rows := range [][]itemRow{p.Open, p.Closed} {
		for i := range rows {
			row := &rows[i]
			if row.ID != id {
				continue
			}
			c := &reviewConflict{Anchor: anchor, Name: row.Name, Unit: row.Unit, State: row.State, Action: "审阅", Comment: comment}
			if action == kpi.SupervisionEventReturn {
				c.Action = "退回"
			}
			if row.MayReview {
				row.Draft = comment
			}
			p.Conflict = c
			s.render(w, r, http.StatusConflict, "supervision", p)
			return true
		}
	}
	return false
}

// problemsText words a refusal's problems in one Chinese line.
func problemsText(err error) string {
	var kerr *kpi.Error
	if !errors.As(err, &kerr) {
		return "未保存，请修改后重新提交。"
	}
	var parts []string
	for _, p := range kerr.Problems {
		parts = append(parts, p.Message)
	}
	if len(parts) == 0 {
		parts = append(parts, kpi.ChineseLine(kerr.Message))
	}
	return strings.Join(parts, "；") + "。"
}

// waitingItems counts the items waiting for v: for a unit, its open items
// not yet answered (待说明, 逾期未说明); for the supervision office and the
// bureau, the answered ones to review. 0 without supervision or on error.
func (s *server) waitingItems(ctx context.Context, v *viewer) int {
	if s.superv == nil {
		return 0
	}
	a := v.token.Actor("")
	f := supervision.Filter{Open: true, Units: supervision.ItemUnits(a)}
	office := a.Oversees()
	items, err := s.superv.Items(ctx, f)
	if err != nil {
		s.logger.Error("web: supervision items waiting", "err", err)
		return 0
	}
	n := 0
	for _, it := range items {
		switch {
		case office && it.State == kpi.SupervisionAnswered,
			!office && it.AwaitsAnswer():
			n++
		}
	}
	return n
}

// openItemsByRef is the overview's 督办状态: each indicator's open items
// as "unit state" phrases.
func (s *server) openItemsByRef(ctx context.Context) map[string][]string {
	if s.superv == nil {
		return nil
	}
	items, err := s.superv.Items(ctx, supervision.Filter{Open: true})
	if err != nil {
		s.logger.Error("web: supervision items for the overview", "err", err)
		return nil
	}
	out := map[string][]string{}           // by plan/id, as the overview's rows
	for i := len(items) - 1; i >= 0; i-- { // oldest first
		it := items[i]
		ref := it.Ref.Plan + "/" + it.Ref.ID
		out[ref] = append(out[ref], it.Unit+" "+present.SupervisionState(it.State))
	}
	return out
}
