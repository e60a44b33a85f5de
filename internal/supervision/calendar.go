package supervision

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Bounds of a calendar file: a few years of holidays are a few hundred
// bytes and days.
const (
	maxCalendarFile = 256 << 10
	maxCalendarDays = 20000
	maxCalendarSpan = 366 // days one range may cover
)

// calendarFile is a working-day calendar as written (YAML):
//
//	holidays:            # 法定节假日: days off, a day or a range
//	  - 2025-01-01
//	  - 2025-10-01..2025-10-08
//	workdays:            # 调休上班: weekend days worked
//	  - 2025-09-28
//	  - 2025-10-11
type calendarFile struct {
	Holidays []string `yaml:"holidays"`
	Workdays []string `yaml:"workdays"`
}

// ReadCalendar reads the working-day calendar of answer deadlines from a
// YAML file (--supervision.calendar.file): the public holidays and the 调休
// weekend days worked, taken from the State Council's yearly notice
// (国务院办公厅关于部分节假日安排的通知). See ParseCalendar.
func ReadCalendar(file string) (*kpi.Calendar, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("calendar file: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if n, err := buf.ReadFrom(io.LimitReader(f, maxCalendarFile+1)); err != nil {
		return nil, fmt.Errorf("calendar file %s: %w", file, err)
	} else if n > maxCalendarFile {
		return nil, kpi.Errorf(kpi.EINVALID, "节假日文件 %s 超过 %d KB\ncalendar file %s is larger than %d KiB", file, maxCalendarFile>>10, file, maxCalendarFile>>10)
	}
	return ParseCalendar(buf.Bytes(), file)
}

// ParseCalendar reads a calendar file's content; name is for messages.
// Each entry is a day (2025-10-01) or a range of days (2025-10-01..2025-10-08,
// both ends included). A holiday may fall on a weekend (notices list whole
// spans); a workday must be a Saturday or Sunday (a weekday is a working
// day already: it is most likely a slip), and no day may be both.
func ParseCalendar(b []byte, name string) (*kpi.Calendar, error) {
	var f calendarFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, kpi.Errorf(kpi.EINVALID, "节假日文件 %s 有误：%s\ncalendar file %s: %s", name, kpi.ExcerptN(err.Error(), 200), name, kpi.ExcerptN(err.Error(), 200))
	}
	cal := &kpi.Calendar{Holidays: map[string]bool{}, Workdays: map[string]bool{}}
	days := 0
	add := func(what string, entries []string, into map[string]bool) error {
		for _, e := range entries {
			from, to, err := calendarRange(e)
			if err != nil {
				return kpi.Errorf(kpi.EINVALID, "节假日文件 %s：%s“%s”无效：%s\ncalendar file %s: %s entry %q: write a day 2025-10-01 or a range 2025-10-01..2025-10-08",
					name, what, kpi.ExcerptN(e, 40), err.Error(), name, what, kpi.ExcerptN(e, 40))
			}
			for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
				if days++; days > maxCalendarDays {
					return kpi.Errorf(kpi.EINVALID, "节假日文件 %s 列出的日期超过 %d 天\ncalendar file %s lists more than %d days", name, maxCalendarDays, name, maxCalendarDays)
				}
				into[d.Format(time.DateOnly)] = true
			}
		}
		return nil
	}
	if err := add("holidays", f.Holidays, cal.Holidays); err != nil {
		return nil, err
	}
	if err := add("workdays", f.Workdays, cal.Workdays); err != nil {
		return nil, err
	}
	for day := range cal.Workdays {
		d, _ := kpi.ParseDay(day)
		switch {
		case cal.Holidays[day]:
			return nil, kpi.Errorf(kpi.EINVALID, "节假日文件 %s：%s 既列为放假又列为调休上班\ncalendar file %s: %s is both a holiday and a workday", name, day, name, day)
		case d.Weekday() != time.Saturday && d.Weekday() != time.Sunday:
			return nil, kpi.Errorf(kpi.EINVALID, "节假日文件 %s：调休上班日 %s 不是周六或周日（工作日本来就上班，请核对）\ncalendar file %s: workday %s is not a Saturday or Sunday", name, day, name, day)
		}
	}
	return cal, nil
}

// calendarRange reads "2025-10-01" or "2025-10-01..2025-10-08".
func calendarRange(e string) (from, to time.Time, err error) {
	first, last, isRange := strings.Cut(strings.TrimSpace(e), "..")
	if from, err = kpi.ParseDay(strings.TrimSpace(first)); err != nil {
		return from, to, errors.New(kpi.DayForm)
	}
	if !isRange {
		return from, from, nil
	}
	if to, err = kpi.ParseDay(strings.TrimSpace(last)); err != nil {
		return from, to, errors.New(kpi.DayForm)
	}
	if to.Before(from) || to.Sub(from) > maxCalendarSpan*24*time.Hour {
		return from, to, fmt.Errorf("起止日期应先后排列，且一段不超过%d天", maxCalendarSpan)
	}
	return from, to, nil
}

// CalendarYears says which years a calendar names days of, for the log
// line serve writes at start ("2025–2026"); "" for none.
func CalendarYears(c *kpi.Calendar) string {
	if c == nil {
		return ""
	}
	lo, hi := 0, 0
	for _, m := range []map[string]bool{c.Holidays, c.Workdays} {
		for day := range m {
			var y int
			if _, err := fmt.Sscanf(day, "%d-", &y); err != nil {
				continue
			}
			if lo == 0 || y < lo {
				lo = y
			}
			hi = max(hi, y)
		}
	}
	switch {
	case lo == 0:
		return ""
	case lo == hi:
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

// CalendarNamesYear reports whether c names any day of year: serve warns
// when the current year has none (its holidays would count as working days).
func CalendarNamesYear(c *kpi.Calendar, year int) bool {
	if c == nil {
		return false
	}
	prefix := fmt.Sprintf("%04d-", year)
	for _, m := range []map[string]bool{c.Holidays, c.Workdays} {
		for day := range m {
			if strings.HasPrefix(day, prefix) {
				return true
			}
		}
	}
	return false
}
