package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/yanfeng/kpimon/internal/httpfile"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
)

// submitPage is 报送数据: the template, the upload form, the form for one
// figure, and the outcome of the last submission.
type submitPage struct {
	base
	Choices   []indicatorChoice // indicators the unit may submit for
	Entry     entryForm
	MaxUpload string
	// Sheet is the sheet name typed with a refused upload, shown again (a
	// browser never refills a file field: the refusal says to choose it again).
	Sheet string

	// The outcome of a submission, at most one of these.
	Receipt  *receipt
	Refusal  *refusal
	Uploaded string // the file (or 网页录入) the outcome is about
}

type indicatorChoice struct {
	Value    string // plan/id
	Label    string
	Selected bool
}

type entryForm struct {
	Indicator string
	Period    string
	Value     string
	Note      string
	// Confirm: the submitter checked a figure far above its target.
	Confirm bool
	// Sheet is the upload form's sheet name, kept when a file is refused.
	Sheet string
}

// maxSheetName bounds the sheet name echoed back (Excel allows 31 characters).
const maxSheetName = 200

type receipt struct {
	Added, Revised, Unchanged int
	Rows                      []receiptRow
	// ByPlan and More are shown when the receipt lists only the first figures.
	ByPlan []kpi.PlanResult
	More   int
	// Explanations says how many explanations the 情况说明 sheet filed.
	Explanations string
}

type receiptRow struct {
	URL        string
	Name       string
	Period     string
	Value      string
	Result     string
	ResultCode string
	Revision   int
	Note       string // present.FigureNote: a period beyond the target's deadline
}

// refusal is a submission refused whole: nothing was written.
type refusal struct {
	Heading  string
	Message  string
	Problems []problemRow
	// Total counts every problem found; More the ones not listed, by kind.
	Total    int
	MoreText string
}

type problemRow struct {
	Sheet     string
	Row       string
	Column    string
	Field     string
	Indicator string
	Value     string
	Expected  string
	Message   string
}

const entryFileName = "网页录入"

func (s *server) handleSubmitPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := viewerFrom(r.Context())
		q := r.URL.Query()
		if stored := q.Get("stored"); stored != "" {
			if res, ok := s.storedReceipt(r, q.Get("indicator"), stored, q.Get("result")); ok {
				s.renderOutcome(w, r, v, entryForm{Indicator: q.Get("indicator")}, entryFileName, res, nil)
				return
			}
		}
		p, _, err := s.newSubmitPage(r, v, entryForm{Indicator: q.Get("indicator")})
		if err != nil {
			s.catalogError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "submit", p)
	})
}

// newSubmitPage returns the page and the catalog it was made from.
func (s *server) newSubmitPage(r *http.Request, v *viewer, entry entryForm) (submitPage, kpi.Catalog, error) {
	p := submitPage{base: s.base(v, "报送数据", "submit"), Entry: entry, MaxUpload: formatBytes(s.maxUpload)}
	cat, err := s.store.Catalog(r.Context())
	if err != nil {
		return p, cat, err
	}
	actor := v.token.Actor("")
	for _, ind := range cat.Indicators {
		if !actor.MaySubmitFor(ind) {
			continue
		}
		value := ind.Plan + "/" + ind.ID
		label := ind.Name
		if ind.Unit != "" {
			label += "（" + ind.Unit + "）"
		}
		if len(cat.Plans) > 1 {
			if plan, ok := cat.Plan(ind.Plan); ok && plan.Title != "" {
				label = plan.Title + "：" + label
			}
		}
		p.Choices = append(p.Choices, indicatorChoice{Value: value, Label: label, Selected: value == entry.Indicator})
	}
	return p, cat, nil
}

func (s *server) catalogError(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.Error("web: read catalog", "err", err)
	s.renderError(w, r, http.StatusInternalServerError, "暂时无法读取指标",
		"读取指标目录时出错，请稍后刷新。")
}

func (s *server) handleTemplate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		write := s.template
		if v := s.currentViewer(r); v != nil && !v.token.All && s.unitTmpl != nil {
			// A unit's staff get the rows their unit may fill.
			actor := v.token.Actor("")
			write = func(ctx context.Context, w io.Writer) error { return s.unitTmpl(ctx, w, actor) }
		}
		if err := write(r.Context(), &buf); err != nil {
			s.logger.Error("web: write template", "err", err)
			s.renderError(w, r, http.StatusInternalServerError, "模板生成失败",
				"生成报送模板时出错，请稍后再试。")
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		h.Set("Content-Disposition", httpfile.Attachment("kpimon-template.xlsx", "指标报送模板.xlsx"))
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		h.Set("Cache-Control", "no-store")
		_, _ = w.Write(buf.Bytes())
	})
}

func (s *server) handleUpload() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := viewerFrom(r.Context())
		u, err := uploadFrom(r.Context()) // read by requireSession's readForm
		sheet := strings.TrimSpace(r.PostFormValue("sheet"))
		if len(sheet) > maxSheetName {
			sheet = strings.ToValidUTF8(sheet[:maxSheetName], "") // an echo stays bounded; no sheet is named that long
		}
		if err != nil {
			status, message := uploadRefusal(err, s.maxUpload)
			p, _, perr := s.newSubmitPage(r, v, entryForm{})
			if perr != nil {
				s.catalogError(w, r, perr)
				return
			}
			p.Sheet = sheet
			p.Refusal = &refusal{Heading: "文件未被接收，未写入任何数据", Message: message}
			s.render(w, r, status, "submit", p)
			return
		}
		u.Sheet = sheet
		u.Actor = v.actor(r)
		u.Source = "web"
		name := u.Name
		res, err := s.ingester.Ingest(r.Context(), u)
		s.renderOutcome(w, r, v, entryForm{Sheet: sheet}, name, res, err)
	})
}

// uploadRefusal words why an uploaded file was not taken, for the
// submitter, with the status of the page.
func uploadRefusal(err error, limit int64) (int, string) {
	switch {
	case errors.Is(err, httpfile.ErrNoFile):
		return http.StatusBadRequest, "请先点“选择文件”选好填写完的 XLSX 或 CSV 文件，再点“上传”。"
	case errors.Is(err, httpfile.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, "文件超过了 " + formatBytes(limit) + " 的上限，请删去无关的工作表或行后重试。"
	case errors.Is(err, httpfile.ErrEmpty):
		return http.StatusBadRequest, "上传的文件是空的，请检查后重新上传。"
	}
	return http.StatusBadRequest, "上传的文件无法读取，请重新选择文件后上传。"
}

func (s *server) handleEntry() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := viewerFrom(r.Context())
		entry := entryForm{
			Indicator: strings.TrimSpace(r.PostFormValue("indicator")),
			Period:    strings.TrimSpace(r.PostFormValue("period")),
			Value:     strings.TrimSpace(r.PostFormValue("value")),
			Note:      strings.TrimSpace(r.PostFormValue("note")),
			Confirm:   r.PostFormValue("confirm") != "",
		}
		plan, id, ok := strings.Cut(entry.Indicator, "/")
		if !ok || plan == "" || id == "" {
			p, _, err := s.newSubmitPage(r, v, entry)
			if err != nil {
				s.catalogError(w, r, err)
				return
			}
			p.Uploaded = entryFileName
			p.Refusal = &refusal{Heading: "请选择指标", Message: "请在“指标”下拉框中选择要报送的指标。未写入任何数据。"}
			s.render(w, r, http.StatusUnprocessableEntity, "submit", p)
			return
		}
		row := kpi.Row{Line: 1, Plan: plan, Indicator: id, Period: entry.Period, Value: entry.Value, Note: entry.Note, Confirm: kpi.Confirm(entry.Confirm)}
		u := kpi.Upload{Name: entryFileName, Actor: v.actor(r), Source: "web"}
		res, err := s.ingester.IngestRows(r.Context(), []kpi.Row{row}, u)
		if err == nil && len(res.Outcomes) == 1 {
			// Stored: answer with a redirect to the receipt, so a refresh
			// shows it again instead of sending the figure again.
			o := res.Outcomes[0]
			q := url.Values{"indicator": {entry.Indicator}, "stored": {o.Observation.Period.String()}, "result": {o.Result}}
			http.Redirect(w, r, "/submit?"+q.Encode(), http.StatusSeeOther)
			return
		}
		s.renderOutcome(w, r, v, entry, entryFileName, res, err)
	})
}

// storedReceipt is the receipt of a figure entered by hand, shown after
// the redirect: the figure as stored now for the indicator and period.
func (s *server) storedReceipt(r *http.Request, ref, period, result string) (kpi.SubmissionResult, bool) {
	plan, id, ok := strings.Cut(ref, "/")
	p, err := kpi.ParsePeriod(period)
	if !ok || err != nil {
		return kpi.SubmissionResult{}, false
	}
	obs, err := s.store.Observations(r.Context(), kpi.Ref{Plan: plan, ID: id})
	if err != nil {
		return kpi.SubmissionResult{}, false
	}
	var last, prev *kpi.Observation
	for i := range obs {
		if obs[i].Period == p {
			prev, last = last, &obs[i]
		}
	}
	if last == nil {
		return kpi.SubmissionResult{}, false
	}
	// A revision of the same value changed only the note (说明已更新).
	noteRevised := result == kpi.ResultRevised && prev != nil && prev.Value == last.Value
	res := kpi.SubmissionResult{Outcomes: []kpi.Outcome{{Observation: *last, Result: result, NoteRevised: noteRevised}}}
	switch result {
	case kpi.ResultAdded:
		res.Added = 1
	case kpi.ResultRevised:
		res.Revised = 1
	case kpi.ResultUnchanged:
		res.Unchanged = 1
	default:
		return kpi.SubmissionResult{}, false
	}
	return res, true
}

// renderOutcome shows the receipt of a stored submission or why it was
// refused: every problem with where it is and how to fix it.
func (s *server) renderOutcome(w http.ResponseWriter, r *http.Request, v *viewer, entry entryForm, name string, res kpi.SubmissionResult, err error) {
	p, cat, perr := s.newSubmitPage(r, v, entry)
	if perr != nil {
		s.catalogError(w, r, perr)
		return
	}
	byID := make(map[string]kpi.Indicator, len(cat.Indicators))
	byRef := make(map[kpi.Ref]kpi.Indicator, len(cat.Indicators))
	for _, ind := range cat.Indicators {
		byID[ind.ID] = ind
		byRef[ind.Ref()] = ind
	}
	p.Uploaded = name
	status := http.StatusOK
	if err != nil {
		p.Sheet = entry.Sheet
	}
	if err == nil {
		p.Receipt = newReceipt(res, byRef)
		s.logger.Info("web: submission stored", "token", v.token.Name, "file", name,
			"added", res.Added, "revised", res.Revised, "unchanged", res.Unchanged)
		s.render(w, r, status, "submit", p)
		return
	}
	var kerr *kpi.Error
	switch {
	case errors.As(err, &kerr) && kerr.Code == kpi.EINVALID:
		status = http.StatusUnprocessableEntity
		p.Refusal = &refusal{Heading: "数据有误，未写入任何数据", Message: kpi.ChineseLine(kerr.Message),
			Total: len(kerr.Problems) + kerr.More, MoreText: kpi.ChineseLine(kerr.MoreText())}
		for _, pr := range kerr.Problems {
			if name == entryFileName {
				pr.Sheet, pr.Row = "", 0 // one figure typed in: no file to point into
			}
			p.Refusal.Problems = append(p.Refusal.Problems, newProblemRow(pr, byID))
		}
	case errors.As(err, &kerr) && kerr.Code == kpi.EFORBIDDEN:
		status = http.StatusForbidden
		p.Refusal = &refusal{Heading: "无权报送，未写入任何数据", Message: kpi.ChineseLine(kerr.Message),
			Total: len(kerr.Problems) + kerr.More, MoreText: kpi.ChineseLine(kerr.MoreText())}
		for _, pr := range kerr.Problems {
			if name == entryFileName {
				pr.Sheet, pr.Row = "", 0 // one figure typed in: no file to point into
			}
			p.Refusal.Problems = append(p.Refusal.Problems, newProblemRow(pr, byID))
		}
	case errors.As(err, &kerr) && (kerr.Code == kpi.ENOTFOUND || kerr.Code == kpi.ECONFLICT):
		status = http.StatusUnprocessableEntity
		p.Refusal = &refusal{Heading: "未写入任何数据", Message: kpi.ChineseLine(kerr.Message)}
	case errors.As(err, &kerr) && kerr.Code == kpi.EUNAVAILABLE:
		// A full or failing disk: the store wrote nothing and says so.
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "60")
		s.logger.Error("web: store submission", "token", v.token.Name, "file", name, "err", err)
		p.Refusal = &refusal{Heading: "暂时无法保存，未写入任何数据",
			Message: "数据存储暂时无法写入（磁盘已满或出错），本次未写入任何数据。请稍后重新提交，并请通知系统管理员。"}
	default:
		status = http.StatusInternalServerError
		s.logger.Error("web: store submission", "token", v.token.Name, "file", name, "err", err)
		p.Refusal = &refusal{Heading: "保存失败",
			Message: "保存数据时系统出错，未写入任何数据。请稍后重新提交；如果一直出错，请联系系统管理员。"}
	}
	s.render(w, r, status, "submit", p)
}

// fieldNames are the Chinese names of a submission's fields, shown where a
// problem has no column of a file to point at (a figure typed in, JSON).
var fieldNames = map[string]string{
	"plan": "规划", "indicator": "指标", "period": "报告期", "value": "实际值",
	"unit": "单位", "note": "备注", "confirm": "确认",
}

// newProblemRow shows a problem; an indicator named by id gets its name
// beside it, as people know indicators by name.
func newProblemRow(pr kpi.Problem, byID map[string]kpi.Indicator) problemRow {
	row := problemRow{
		Sheet: pr.Sheet, Column: pr.Column, Field: fieldNames[pr.Field], Indicator: pr.Indicator,
		Value: pr.Value, Expected: kpi.ChineseLine(pr.Expected), Message: kpi.ChineseLine(pr.Message),
	}
	if n, ok := fieldNames[pr.Column]; ok { // a typed-in figure's "column" is its field
		row.Column = n
	}
	if ind, ok := byID[pr.Indicator]; ok && ind.Name != pr.Indicator {
		row.Indicator = ind.Name + "（" + pr.Indicator + "）"
	}
	if pr.Row > 0 {
		row.Row = strconv.Itoa(pr.Row)
	}
	return row
}

func newReceipt(res kpi.SubmissionResult, byRef map[kpi.Ref]kpi.Indicator) *receipt {
	rc := &receipt{Added: res.Added, Revised: res.Revised, Unchanged: res.Unchanged, More: res.MoreOutcomes, Explanations: res.ExplanationsText()}
	if res.MoreOutcomes > 0 {
		rc.ByPlan = res.ByPlan
	}
	for _, o := range res.Outcomes {
		obs := o.Observation
		row := receiptRow{
			URL: indicatorURL(obs.Ref()), Name: obs.Indicator, Period: obs.Period.String(),
			Value: present.Plain(obs.Value), Result: present.OutcomeResult(o), ResultCode: o.Result, Revision: obs.Revision,
		}
		if ind, ok := byRef[obs.Ref()]; ok {
			row.Name = ind.Name
			row.Value = present.Reported(ind, obs.Value)
			row.Note = present.FigureNote(ind, obs.Period)
		}
		rc.Rows = append(rc.Rows, row)
	}
	return rc
}
