package pull

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// waitingCollector reports, at each scrape, the files waiting in every
// folder source: present in the folder itself (not done/ or failed/, not a
// temporary or hidden name), i.e. not yet taken in. A file that stays past
// the run that should have taken it in could not be read, stored or moved:
// the operator's KpiInboxFileStuck alert watches the due time. Three series
// per folder source, whatever the number of files.
type waitingCollector struct {
	s                   *Scheduler
	files, oldest, oDue *prometheus.Desc
}

func newWaitingCollector(s *Scheduler) *waitingCollector {
	return &waitingCollector{
		s: s,
		files: prometheus.NewDesc("kpi_inbox_files_waiting",
			"Files waiting in a folder source (not yet moved to done/ or failed/).", []string{"source"}, nil),
		oldest: prometheus.NewDesc("kpi_inbox_oldest_waiting_timestamp_seconds",
			"Modification time of the oldest file waiting in a folder source; absent when none waits.", []string{"source"}, nil),
		oDue: prometheus.NewDesc("kpi_inbox_oldest_due_timestamp_seconds",
			"The first scheduled run after the oldest waiting file settled: when it should have been taken in; absent when none waits.", []string{"source"}, nil),
	}
}

func (c *waitingCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.files
	ch <- c.oldest
	ch <- c.oDue
}

func (c *waitingCollector) Collect(ch chan<- prometheus.Metric) {
	for _, j := range c.s.jobs {
		if j.src.Type != TypeDir {
			continue
		}
		w, err := scanWaiting(j.src.Location)
		if err != nil {
			// Reported by the source's runs (KpiSourceFailing); a scrape
			// every few seconds would only repeat it.
			continue
		}
		label := j.src.sourceLabel()
		ch <- prometheus.MustNewConstMetric(c.files, prometheus.GaugeValue, float64(w.files), label)
		if w.files == 0 {
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, unixSeconds(w.oldest), label)
		if due := j.due(w.oldest); !due.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.oDue, prometheus.GaugeValue, unixSeconds(due), label)
		}
	}
}

// due is the first scheduled run after a file modified at mod has settled.
func (j *job) due(mod time.Time) time.Time {
	if j.schedule == nil {
		return time.Time{}
	}
	return j.schedule.Next(mod.Add(j.src.Settle).In(j.s.loc))
}

// waiting is what a folder source holds that no run has taken in yet.
type waiting struct {
	files  int
	oldest time.Time
}

// scanWaiting counts the files runDir would take (or refuse) in dir,
// reading the folder in batches so a crowded inbox costs no more memory
// than a small one. A folder not made yet holds nothing.
func scanWaiting(dir string) (waiting, error) {
	var w waiting
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return w, nil
	}
	if err != nil {
		return w, err
	}
	defer f.Close()
	for {
		entries, err := f.ReadDir(256)
		for _, e := range entries {
			if ignoredFile(e.Name()) || !(e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0) {
				continue
			}
			info, err := e.Info()
			if err != nil {
				continue // taken in meanwhile
			}
			w.files++
			if w.oldest.IsZero() || info.ModTime().Before(w.oldest) {
				w.oldest = info.ModTime()
			}
		}
		if errors.Is(err, io.EOF) {
			return w, nil
		}
		if err != nil {
			return w, err
		}
	}
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
