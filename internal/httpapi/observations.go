package httpapi

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// handleObservationsPost stores figures sent as JSON rows. The body is
// checked here (its JSON, its row count) without keeping the rows, and the
// ingester reads it again as a stream: a body of two million empty
// objects never becomes two million rows in memory.
func handleObservationsPost(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, _ := actorFrom(r.Context())
		body, n, err := readRows(r, d.MaxRows)
		if err == nil && n == 0 {
			err = kpi.Errorf(kpi.EINVALID,
				"没有数据行\n"+`no rows: send [{"indicator": "...", "period": "2021", "value": "30"}] or {"rows": [...]}`)
		}
		if err != nil {
			refuse(w, r, d, actor, "", err)
			return
		}
		res, err := d.Ingester.Ingest(r.Context(), kpi.Upload{Body: body, ContentType: "application/json", Source: "api", Actor: actor})
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		respond(w, r, d.Logger, receiptStatus(res), res)
	})
}

// readRows reads the body of POST /api/v1/observations — an array of rows
// or an object {"rows": [...]} — and counts its rows, decoding one at a
// time and keeping none, so the number of rows is bounded as it is read.
func readRows(r *http.Request, maxRows int) ([]byte, int, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, 0, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, 0, kpi.Errorf(kpi.EINVALID, "请求体为空\nthe request body is empty: send JSON")
	}
	n := 0
	err = kpi.EachRow(bytes.NewReader(body), maxRows, func(kpi.Row) { n++ })
	switch {
	case errors.Is(err, kpi.ErrTooManyRows):
		return nil, 0, kpi.Errorf(kpi.EINVALID, "行数超过上限 %d\nmore than %d rows: split the submission", maxRows, maxRows)
	case err != nil:
		return nil, 0, jsonError(body, err)
	}
	return body, n, nil
}

// refuse answers a write that never reached the ingester (unreadable,
// empty, too large) and records it in the audit log like the ingester's
// own refusals.
func refuse(w http.ResponseWriter, r *http.Request, d Deps, actor kpi.Actor, file string, err error) {
	if code := kpi.ErrorCode(err); code == kpi.EINVALID || code == codeTooLarge {
		entry := kpi.AuditEntry{At: d.Now(), Actor: actor.Name, Remote: actor.Remote,
			Action: kpi.ActionSubmissionReject, Object: kpi.Excerpt(file), Detail: kpi.ExcerptN(r.Method+" "+r.URL.Path+": "+err.Error(), 400)}
		if aerr := d.Store.AppendAudit(r.Context(), entry); aerr != nil {
			d.Logger.ErrorContext(r.Context(), "audit a refused submission", "path", r.URL.Path, "err", aerr)
		}
	}
	writeError(w, r, d.Logger, err)
}

// receiptStatus is 201 when the submission stored anything new (figures
// or explanations), 200 when every figure was already there.
func receiptStatus(res kpi.SubmissionResult) int {
	if res.Added+res.Revised+res.Explanations > 0 {
		return http.StatusCreated
	}
	return http.StatusOK
}
