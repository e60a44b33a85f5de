package pull

import (
	"context"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// RunNow runs one source at once, outside its schedule, and returns what
// the run did; like a scheduled run it is skipped (ECONFLICT) while the
// source's previous run goes on. Tests only: kpimon runs sources on schedule.
func (s *Scheduler) RunNow(ctx context.Context, name string) (RunReport, error) {
	j, ok := s.jobs[name]
	if !ok {
		return RunReport{}, kpi.Errorf(kpi.ENOTFOUND, "no source named %q", name)
	}
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	return j.runOnce(ctx)
}

// SetReadFile replaces how s reads inbox files, to simulate one that
// cannot be read (tests run as root, where permissions do not stop a read);
// nil puts the real one back.
func SetReadFile(s *Scheduler, read func(path string, max int64) ([]byte, error)) {
	if read == nil {
		read = readFileCapped
	}
	s.readFile = read
}
