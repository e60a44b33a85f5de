package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// maxAuditLimit bounds ?limit= so one request cannot dump a huge log.
const maxAuditLimit = 10000

type auditList struct {
	Count   int              `json:"count"`
	Entries []kpi.AuditEntry `json:"entries"`
}

// handleAuditList shows audit entries, newest first.
func handleAuditList(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := parseAuditFilter(r)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		entries, err := d.Store.Audit(r.Context(), f)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		if entries == nil {
			entries = []kpi.AuditEntry{}
		}
		respond(w, r, d.Logger, http.StatusOK, auditList{Count: len(entries), Entries: entries})
	})
}

func parseAuditFilter(r *http.Request) (kpi.AuditFilter, error) {
	q := r.URL.Query()
	f := kpi.AuditFilter{Object: q.Get("object")}
	if s := q.Get("since"); s != "" {
		t, err := parseSince(s)
		if err != nil {
			return f, kpi.Errorf(kpi.EINVALID,
				"参数 since=%q 无效：%s，或如2021-06-30T08:00:00+08:00的时间\nsince=%q is not a time: use 2021-06-30 (China time, years %d to %d) or 2021-06-30T08:00:00+08:00", s, kpi.DayForm, s, kpi.FirstYear, kpi.LastYear)
		}
		f.Since = t
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxAuditLimit {
			return f, kpi.Errorf(kpi.EINVALID, "参数 limit=%q 无效\nlimit=%q: use a number from 1 to %d", s, s, maxAuditLimit)
		}
		f.Limit = n
	}
	return f, nil
}

// parseSince reads an RFC 3339 time or a date, the start of that day in China.
func parseSince(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return kpi.ParseDay(s)
}
