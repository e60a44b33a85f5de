package pull

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/present"
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
		if ignoredFile(name) {
			continue
		}
		path := filepath.Join(dir, name)
		if e.Type()&fs.ModeSymlink != 0 {
			// A link could point anywhere the server may read; it is moved
			// aside (the link, not what it points to) and logged once.
			j.s.opts.Logger.Warn("inbox: symbolic link refused", "ingest_source", j.src.Name, "file", name)
			j.refuse(&rep, path, now, "收件箱不接受符号链接（快捷方式），请放入文件本身\nsymbolic links are refused: put the file itself into the inbox")
			continue
		}
		if !e.Type().IsRegular() {
			if !dataName(name) {
				continue // the inbox's own done/ and failed/, an operator's folder
			}
			// A pipe, a folder or a device named like a data file is no
			// submission anyone can read: said so (log, the source's
			// failure count, a report beside it in failed/), not passed over.
			j.s.opts.Logger.Error("inbox: not a regular file", "ingest_source", j.src.Name, "file", name, "type", e.Type().String())
			if j.s.opts.FailureRecorder != nil {
				j.s.opts.FailureRecorder.RecordFailure(j.src.sourceLabel())
			}
			rep.Unreadable = append(rep.Unreadable, name)
			j.moveAside(path, now, "这不是普通文件（是文件夹、管道或设备），无法读取；请放入文件本身\nnot a regular file (a folder, a pipe or a device): put the file itself into the inbox")
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if now.Sub(info.ModTime()) < j.src.Settle {
			rep.Skipped = append(rep.Skipped, name) // still being written, perhaps
			continue
		}
		if info.Size() > j.s.maxFileBytes() {
			j.s.opts.Logger.Warn("inbox: file too large", "ingest_source", j.src.Name, "file", name, "bytes", info.Size(), "limit", j.s.maxFileBytes())
			j.refuse(&rep, path, now, fmt.Sprintf("文件有 %d MiB，超过 %d MiB 的上限，请拆分后再放入\nthe file is %d MiB, over the limit of %d MiB: split it",
				info.Size()>>20, j.s.maxFileBytes()>>20, info.Size()>>20, j.s.maxFileBytes()>>20))
			continue
		}
		body, err := j.s.readFile(path, j.s.maxFileBytes())
		if err != nil {
			// One unreadable file must not hold up the rest: it is logged,
			// counted as a failed run of the source, and moved aside if it
			// can be (else retried next run).
			j.s.opts.Logger.Error("inbox: cannot read file", "ingest_source", j.src.Name, "file", name, "err", err)
			if j.s.opts.FailureRecorder != nil {
				j.s.opts.FailureRecorder.RecordFailure(j.src.sourceLabel())
			}
			rep.Unreadable = append(rep.Unreadable, name)
			if errors.Is(err, errTooLarge) {
				j.refuse(&rep, path, now, fmt.Sprintf("文件超过 %d MiB 的上限\nthe file is over the limit of %d MiB", j.s.maxFileBytes()>>20, j.s.maxFileBytes()>>20))
			} else {
				j.moveAside(path, now, "无法读取此文件（权限或磁盘错误），请检查后重新放入\nthe file cannot be read (permissions or a disk error): check it and put it in again")
			}
			continue
		}
		if int64(len(body)) != info.Size() || fileChanged(path, info) {
			j.leaveChanged(&rep, name)
			continue
		}
		j.s.opts.Logger.Info("ingesting inbox file", "ingest_source", j.src.Name, "file", name, "bytes", len(body))
		res, err := j.s.opts.Ingester.Ingest(ctx, kpi.Upload{
			Name: name, ContentType: contentType(j.src.Format), Body: body,
			Actor: j.src.actor(), Source: j.src.sourceLabel(),
		})
		stamp := now.In(kpi.China).Format("20060102-150405")
		// A file written to after it was read (a writer that paused longer
		// than the settle time) is not moved (file checks just before):
		// what was stored stands, and the next run reads the whole file
		// again (the same figures change nothing).
		var (
			sub, suffix, text string
			detail            any
			filed             *[]string
		)
		switch code := kpi.ErrorCode(err); code {
		case "":
			sub, suffix, text, detail, filed = DoneDir, ".receipt.txt", receiptText(name, res), res, &rep.Ingested
		case kpi.EINVALID, kpi.EFORBIDDEN:
			var ke *kpi.Error
			errors.As(err, &ke)
			sub, suffix, text, detail, filed = FailedDir, ".errors.txt", errorText(name, ke), ke, &rep.Rejected
		default:
			return rep, fmt.Errorf("ingest inbox file %s (left in place, retried next run): %w", path, err)
		}
		switch err := j.file(path, sub, stamp, suffix, text, detail, info); {
		case errors.Is(err, errChanged):
			j.leaveChanged(&rep, name)
		case err != nil:
			return rep, err
		default:
			*filed = append(*filed, name)
		}
	}
	return rep, nil
}

// fileChanged reports whether the file at path is no longer the one info
// describes: another size or modification time, or another file.
func fileChanged(path string, info fs.FileInfo) bool {
	now, err := os.Lstat(path)
	return err != nil || !os.SameFile(info, now) || now.Size() != info.Size() || !now.ModTime().Equal(info.ModTime())
}

// leaveChanged leaves a file that changed while it was read in place, for
// the next run to take whole.
func (j *job) leaveChanged(rep *RunReport, name string) {
	j.s.opts.Logger.Warn("inbox: file changed while it was read; left for the next run, which takes it whole",
		"ingest_source", j.src.Name, "file", name)
	rep.Changed = append(rep.Changed, name)
}

// dataName reports whether a name looks like a file of figures.
func dataName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".json":
		return true
	}
	return false
}

// refuse moves a file the ingester never saw to failed/ with the reason.
func (j *job) refuse(rep *RunReport, path string, now time.Time, reason string) {
	if j.moveAside(path, now, reason) {
		rep.Rejected = append(rep.Rejected, filepath.Base(path))
	}
}

// moveAside files path under failed/ with reason as its error report, and
// reports whether it could; a failure is logged and the file stays.
func (j *job) moveAside(path string, now time.Time, reason string) bool {
	stamp := now.In(kpi.China).Format("20060102-150405")
	ke := &kpi.Error{Code: kpi.EINVALID, Message: reason}
	if err := j.file(path, FailedDir, stamp, ".errors.txt", errorText(filepath.Base(path), ke), ke, nil); err != nil {
		j.s.opts.Logger.Error("inbox: cannot move file aside; it stays and is tried again next run", "ingest_source", j.src.Name, "file", filepath.Base(path), "err", err)
		return false
	}
	return true
}

// errTooLarge is a file that grew past the limit while it was read.
var errTooLarge = errors.New("file too large")

// readFileCapped reads at most max bytes of a file; a longer one is errTooLarge.
func readFileCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("read %s: %w", path, errTooLarge)
	}
	return body, nil
}

// errChanged is a file that changed since it was read: not moved.
var errChanged = errors.New("file changed since it was read")

// file moves path into sub/ under a stamped name and writes the report
// (text and JSON) beside it. The report is written first, so a moved file
// always has one. With read set, a file no longer as read is not moved
// (errChanged, its report removed again): checked last, so that a writer
// resuming at any moment before has its rows read next time.
func (j *job) file(path, sub, stamp, suffix, text string, detail any, read fs.FileInfo) error {
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
	if err := writeFileAtomic(filepath.Join(dir, base+suffix), windowsText(text)); err != nil {
		return err
	}
	jsPath := filepath.Join(dir, base+strings.TrimSuffix(suffix, ".txt")+".json")
	if err := writeFileAtomic(jsPath, js); err != nil {
		return err
	}
	if read != nil && fileChanged(path, read) {
		return errors.Join(errChanged, os.Remove(filepath.Join(dir, base+suffix)), os.Remove(jsPath))
	}
	if err := os.Rename(path, filepath.Join(dir, base)); err != nil {
		return fmt.Errorf("move %s to %s/: %w", path, sub, err)
	}
	return nil
}

// windowsText is a report as the submitters' Windows opens it right: a
// UTF-8 BOM (Notepad before Windows 10 1903, and some WPS versions, read
// UTF-8 without it as GBK: mojibake) and CRLF line ends (older Notepad
// shows LF-only text as one line). The inbox is usually a Windows share.
func windowsText(text string) []byte {
	return append([]byte("\ufeff"), strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")...)
}

// ignoredFile reports names that are not submissions: hidden files,
// editors' lock files, files still being copied under a temporary name,
// and what Windows and macOS leave in a shared folder by themselves
// (Thumbs.db, desktop.ini: moved to failed/, Explorer writes them again,
// and the source would fail on every run).
func ignoredFile(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") || strings.HasPrefix(lower, "$recycle.bin") {
		return true
	}
	switch lower {
	case "thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini", "icon\r", "system volume information":
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
	fmt.Fprintf(&b, "回执：%s\n%s\n", name, counted(res.Added, res.Revised, res.Unchanged))
	if t := res.ExplanationsText(); t != "" {
		b.WriteString(t + "\n")
	}
	fmt.Fprintf(&b, "Receipt: %s: added %d, revised %d, unchanged %d\n\n", name, res.Added, res.Revised, res.Unchanged)
	for _, o := range res.Outcomes {
		ob := o.Observation
		// The indicator by name, the figure with its unit, as the web
		// receipt says them (2400000万元, never 2.4e+06).
		name, value := ob.Plan+"/"+ob.Indicator, o.Value
		if o.Name != "" {
			name = o.Name + "（" + ob.Indicator + "）"
		}
		if value == "" {
			value = present.Plain(ob.Value)
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s", name, present.Period(ob.Period), value, present.OutcomeResult(o))
		if o.Note != "" {
			b.WriteString("\t" + o.Note)
		}
		b.WriteString("\n")
	}
	if res.MoreOutcomes > 0 {
		fmt.Fprintf(&b, "… 另有 %d 条未列出，按规划合计：\n", res.MoreOutcomes)
		for _, p := range res.ByPlan {
			fmt.Fprintf(&b, "%s\t%s\n", p.Plan, counted(p.Added, p.Revised, p.Unchanged))
		}
	}
	return b.String()
}

// counted says a submission's counts: "新增 2 项 · 修订 0 项 · 未变 0 项".
func counted(added, revised, unchanged int) string {
	return fmt.Sprintf("新增 %d 项 · 修订 %d 项 · 未变 %d 项", added, revised, unchanged)
}

func errorText(name string, ke *kpi.Error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "文件未被接收，未写入任何数据：%s\nFile rejected, nothing was written: %s\n", name, name)
	if ke == nil {
		return b.String()
	}
	fmt.Fprintf(&b, "%s\n\n", ke.Message)
	// A problem's English follows its Chinese on its own, indented line.
	for _, p := range ke.Problems {
		fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(p.Text(), "\n", "\n  "))
	}
	if more := ke.MoreText(); more != "" {
		fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(more, "\n", "\n  "))
	}
	b.WriteString("\n请修改后重新放入收件箱。\nFix the file and drop it into the inbox again.\n")
	return b.String()
}

// writeFileAtomic writes data under a temporary name and renames it into
// place; on any failure (a full disk) the temporary file is removed.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o640); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
