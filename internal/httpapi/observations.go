package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// observationsRequest is the body of POST /api/v1/observations: either an
// array of rows or an object {"rows": [...]}.
type observationsRequest struct {
	Rows []kpi.Row `json:"rows"`
}

func (o *observationsRequest) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		return json.Unmarshal(t, &o.Rows)
	}
	type plain observationsRequest // without this method
	return json.Unmarshal(b, (*plain)(o))
}

// handleObservationsPost stores figures sent as JSON rows.
func handleObservationsPost(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, _ := actorFrom(r.Context())
		req, err := decode[observationsRequest](r)
		if err == nil && len(req.Rows) == 0 {
			err = kpi.Errorf(kpi.EINVALID,
				`没有数据行 / no rows: send [{"indicator": "...", "period": "2021", "value": "30"}] or {"rows": [...]}`)
		}
		if err != nil {
			refuse(w, r, d, actor, "", err)
			return
		}
		for i := range req.Rows {
			if req.Rows[i].Line == 0 {
				req.Rows[i].Line = i + 1 // problems then name the row as the submitter counts them
			}
		}
		res, err := d.Ingester.IngestRows(r.Context(), req.Rows, kpi.Upload{Source: "api", Actor: actor})
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		respond(w, r, d.Logger, receiptStatus(res), res)
	})
}

// refuse answers a write that never reached the ingester (unreadable,
// empty, too large) and records it in the audit log like the ingester's
// own refusals.
func refuse(w http.ResponseWriter, r *http.Request, d Deps, actor kpi.Actor, file string, err error) {
	if code := kpi.ErrorCode(err); code == kpi.EINVALID || code == codeTooLarge {
		entry := kpi.AuditEntry{At: time.Now(), Actor: actor.Name, Remote: actor.Remote,
			Action: ActionSubmissionReject, Object: file, Detail: r.Method + " " + r.URL.Path + ": " + err.Error()}
		if aerr := d.Store.AppendAudit(r.Context(), entry); aerr != nil {
			d.Logger.ErrorContext(r.Context(), "audit a refused submission", "path", r.URL.Path, "err", aerr)
		}
	}
	writeError(w, r, d.Logger, err)
}

// receiptStatus is 201 when the submission stored anything new, 200 when
// every figure was already there.
func receiptStatus(res kpi.SubmissionResult) int {
	if res.Added+res.Revised > 0 {
		return http.StatusCreated
	}
	return http.StatusOK
}
