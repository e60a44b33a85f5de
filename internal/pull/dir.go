package pull

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// Inbox sub-folders: a processed file moves to done/ with a receipt beside
// it; a rejected one to failed/ with its error report beside it.
const (
	DoneDir   = "done"
	FailedDir = "failed"
)

// runDir ingests every settled file of the folder, one submission each.
// A file is moved only after its figures are committed, so a crash leaves
// it in place and the next run ingests it again (the same figures change
// nothing). A store failure leaves the file in place for the next run.
func (j *job) runDir(ctx context.Context) (RunReport, error) {
	var rep RunReport
	dir := j.src.Location
	for _, sub := range []string{"", DoneDir, FailedDir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil {
			return rep, fmt.Errorf("inbox %s: %w", dir, err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return rep, fmt.Errorf("read inbox %s: %w", dir, err)
	}
	sort.Slice(entries, func(a, b int) bool { return entries[a].Name() < entries[b].Name() })
	now := j.s.opts.Now()
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || ignoredFile(name) {
			continue
		}
		path := filepath.Join(dir, name)
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if now.Sub(info.ModTime()) < j.src.Settle {
			rep.Skipped = append(rep.Skipped, name) // still being written, perhaps
			continue
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return rep, fmt.Errorf("read inbox file %s: %w", path, err)
		}
		j.s.opts.Logger.Info("ingesting inbox file", "source", j.src.Name, "file", name, "bytes", len(body))
		res, err := j.s.opts.Ingester.Ingest(ctx, kpi.Upload{
			Name: name, ContentType: contentType(j.src.Format), Body: body,
			Actor: j.src.actor(), Source: j.src.sourceLabel(),
		})
		stamp := now.In(kpi.China).Format("20060102-150405")
		switch code := kpi.ErrorCode(err); code {
		case "":
			if err := j.file(path, DoneDir, stamp, ".receipt.txt", receiptText(name, res), res); err != nil {
				return rep, err
			}
			rep.Ingested = append(rep.Ingested, name)
		case kpi.EINVALID, kpi.EFORBIDDEN:
			var ke *kpi.Error
			errors.As(err, &ke)
			if err := j.file(path, FailedDir, stamp, ".errors.txt", errorText(name, ke), ke); err != nil {
				return rep, err
			}
			rep.Rejected = append(rep.Rejected, name)
		default:
			return rep, fmt.Errorf("ingest inbox file %s (left in place, retried next run): %w", path, err)
		}
	}
	return rep, nil
}

// file moves path into sub/ under a stamped name and writes the report
// (text and JSON) beside it. The report is written first, so a moved file
// always has one.
func (j *job) file(path, sub, stamp, suffix, text string, detail any) error {
	dir := filepath.Join(filepath.Dir(path), sub)
	base := stamp + "-" + filepath.Base(path)
	for i := 2; ; i++ {
		if _, err := os.Stat(filepath.Join(dir, base)); errors.Is(err, os.ErrNotExist) {
			break
		}
		base = fmt.Sprintf("%s-%d-%s", stamp, i, filepath.Base(path))
	}
	js, err := json.MarshalIndent(detail, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report for %s: %w", path, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, base+suffix), []byte(text)); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, base+strings.TrimSuffix(suffix, ".txt")+".json"), js); err != nil {
		return err
	}
	if err := os.Rename(path, filepath.Join(dir, base)); err != nil {
		return fmt.Errorf("move %s to %s/: %w", path, sub, err)
	}
	return nil
}

// ignoredFile reports names that are not submissions: hidden files,
// editors' lock files and files still being copied under a temporary name.
func ignoredFile(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") {
		return true
	}
	for _, suf := range []string{".tmp", ".part", ".partial", ".crdownload", ".swp", "~"} {
		if strings.HasSuffix(lower, suf) {
			return true
		}
	}
	return false
}

func contentType(format string) string {
	switch format {
	case "csv":
		return "text/csv"
	case "xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "json":
		return "application/json"
	}
	return ""
}

func receiptText(name string, res kpi.SubmissionResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "回执 Receipt: %s\n新增 added %d · 修订 revised %d · 未变 unchanged %d\n\n", name, res.Added, res.Revised, res.Unchanged)
	for _, o := range res.Outcomes {
		ob := o.Observation
		fmt.Fprintf(&b, "%s/%s\t%s\t%g\t%s\n", ob.Plan, ob.Indicator, ob.Period, ob.Value, o.Result)
	}
	if res.MoreOutcomes > 0 {
		fmt.Fprintf(&b, "… 另有 %d 条未列出 / and %d more not listed; by plan:\n", res.MoreOutcomes, res.MoreOutcomes)
		for _, p := range res.ByPlan {
			fmt.Fprintf(&b, "%s\t新增 added %d · 修订 revised %d · 未变 unchanged %d\n", p.Plan, p.Added, p.Revised, p.Unchanged)
		}
	}
	return b.String()
}

func errorText(name string, ke *kpi.Error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "文件未被接收，未写入任何数据。File rejected, nothing was written: %s\n", name)
	if ke == nil {
		return b.String()
	}
	fmt.Fprintf(&b, "%s\n\n", ke.Message)
	for _, p := range ke.Problems {
		fmt.Fprintf(&b, "- %s\n", p.String())
	}
	if more := ke.MoreText(); more != "" {
		fmt.Fprintf(&b, "- %s\n", more)
	}
	b.WriteString("\n请修改后重新放入收件箱。Fix the file and drop it into the inbox again.\n")
	return b.String()
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o640); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
