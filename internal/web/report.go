package web

import (
	"bytes"
	"net/http"
	"path"
	"strconv"

	"github.com/yanfeng/kpimon/internal/httpfile"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/report"
)

// maxReportParam bounds a /report query parameter: a plan id, a unit's
// name, a date.
const maxReportParam = 200

// maxReports is how many circulars /report makes at once.
const maxReports = 2

// handleReport serves the progress circular:
// GET /report?plan=…&as_of=2021-06-30&previous=2020-12-31&unit=…&format=html|xlsx|pdf|docx&serial=3&date=2021-07-05.
// serial and date (成文日期) set the document's number and date over the
// server's --report.config.file.
// as_of defaults to the server's evaluation day, format to html. The HTML
// is served under a policy that admits its one stylesheet by hash.
func (s *server) handleReport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		for _, k := range []string{"plan", "as_of", "previous", "unit", "format", "serial", "date"} {
			if len(q.Get(k)) > maxReportParam {
				s.renderError(w, r, http.StatusBadRequest, "参数过长", "参数 "+k+" 过长，请检查链接。")
				return
			}
		}
		opts := report.Options{AsOf: s.states.Now(), Unit: q.Get("unit"), Lights: s.lights, ReportingFrom: s.reportingFrom, Office: s.office}
		format := report.FormatHTML
		var err error
		if v := q.Get("format"); v != "" {
			format, err = report.ParseFormat(v)
		}
		if v := q.Get("as_of"); err == nil && v != "" {
			opts.AsOf, err = kpi.ParseAsOf(v)
		}
		if v := q.Get("previous"); err == nil && v != "" {
			opts.Previous, err = kpi.ParseAsOf(v)
		}
		if err == nil {
			opts.Office, err = officeOverride(s.office, q.Get("serial"), q.Get("date"))
		}
		if err == nil {
			// Every plan's indicators are evaluated at the dates asked: at
			// most maxReports circulars are made at once, the rest wait.
			select {
			case s.reports <- struct{}{}:
				defer func() { <-s.reports }()
			case <-r.Context().Done():
				return
			}
		}
		if err == nil && s.superv != nil {
			// The circular quotes the units' explanations under their red
			// indicators and lists the supervision items (督办情况).
			opts.Explanations, opts.Supervision, err = s.superv.ForReport(r.Context(), opts.AsOf)
		}
		var c report.Circular
		if err == nil {
			c, err = report.Load(r.Context(), s.store, q.Get("plan"), opts)
		}
		var body bytes.Buffer
		if err == nil {
			c.Made = s.now()
			c.BackLink = "/"
			err = report.Write(&body, c, format, report.PDFOptions{FontFile: s.font})
		}
		if err != nil {
			switch kpi.ErrorCode(err) {
			case kpi.EINVALID:
				s.renderError(w, r, http.StatusBadRequest, "无法生成通报", kpi.Excerpt(err.Error()))
			case kpi.ENOTFOUND:
				s.renderError(w, r, http.StatusNotFound, "无法生成通报", kpi.Excerpt(err.Error()))
			default:
				s.logger.Error("web: report", "format", format, "err", err)
				s.renderError(w, r, http.StatusInternalServerError, "暂时无法生成通报", "生成通报时出错，请稍后再试。")
			}
			return
		}
		h := w.Header()
		h.Set("Content-Type", format.ContentType())
		if format == report.FormatHTML {
			h.Set("Content-Security-Policy", "default-src 'none'; style-src "+report.StyleSource()+"; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		} else {
			h.Set("Content-Disposition", httpfile.Attachment("kpimon-report"+path.Ext(format.FileName(c)), format.FileName(c)))
		}
		w.Write(body.Bytes())
	})
}

// officeOverride lays a request's serial number and date over the
// server's office fields.
func officeOverride(o report.Office, serial, date string) (report.Office, error) {
	var over report.Office
	if serial != "" {
		n, err := strconv.Atoi(serial)
		if err != nil || n < 1 || n > 9999 {
			return o, kpi.Errorf(kpi.EINVALID, "序号“%s”应为1至9999的整数", kpi.ExcerptN(serial, 20))
		}
		over.Serial = n
	}
	if date != "" {
		if err := over.SetDate(date); err != nil {
			return o, err
		}
	}
	return o.Override(over), nil
}
