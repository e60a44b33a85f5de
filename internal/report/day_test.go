package report_test

import (
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/report"
)

// TestOfficeDateIsADay: a circular's 成文日期, from the office file or a
// run's --report.date, is taken exactly when kpi.ParseDay takes it, and a
// refusal says where and how to write it.
func TestOfficeDateIsADay(t *testing.T) {
	for _, day := range []string{"2021-07-05", "1900-01-01", "2200-12-31", "1899-12-31", "2201-01-01", "2021-7-5", "2021/07/05"} {
		_, dayErr := kpi.ParseDay(day)
		_, fileErr := report.ParseOffice([]byte("date: "+day+"\n"), "office.yaml")
		var o report.Office
		setErr := o.SetDate(day)
		for _, c := range []struct {
			where, words string
			err          error
		}{{"office file", "发文设置文件 office.yaml：成文日期", fileErr}, {"SetDate", "成文日期", setErr}} {
			if (c.err != nil) != (dayErr != nil) {
				t.Errorf("%s date %s: %v; ParseDay: %v", c.where, day, c.err, dayErr)
			}
			if c.err != nil && (kpi.ErrorCode(c.err) != kpi.EINVALID || !strings.Contains(c.err.Error(), c.words) || !strings.Contains(c.err.Error(), kpi.DayForm)) {
				t.Errorf("%s date %s: %v; want EINVALID naming %s and saying %s", c.where, day, c.err, c.words, kpi.DayForm)
			}
		}
	}
}
