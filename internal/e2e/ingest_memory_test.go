package e2e

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/testkit"
)

// TestConcurrentHostileXLSXWithinBudget uploads three hostile workbooks at
// once to a real kpimon and reads the kernel's peak resident memory of the
// process (VmHWM): a shared-strings table of millions of tiny strings, a
// row of millions of cells and a sheet of more rows than the limit. On the
// excelize reader they held an index entry per string and every cell of
// the row (the full-size files of the issue: 4.1 GiB and climbing); now the
// first is read through a table on disk and stored, the other two are
// refused as the limit is crossed, and the peak stays within the budget.
func TestConcurrentHostileXLSXWithinBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs kpimon")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	bin := testkit.Kpimon(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	secret := testkit.CreateToken(t, bin, data, "", "abuse")
	addr := testkit.FreeAddr(t)
	// KPIMON_HOSTILE_SCALE=10 gives the sizes (25 M strings, 27 M
	// cells, 5 M rows over the default row limit), for measuring by hand.
	scale := 1
	if s, err := strconv.Atoi(os.Getenv("KPIMON_HOSTILE_SCALE")); err == nil && s > 0 {
		scale = s
	}
	const budgetMiB = 64
	maxRows := 200_000 * scale
	kpimon := testkit.Start(t, "kpimon", bin, "serve", "--listen", addr, "--data", data,
		"--limits.ingest-memory", fmt.Sprintf("%dMiB", budgetMiB), "--limits.rows", strconv.Itoa(maxRows))
	testkit.WaitHTTP(t, ctx, kpimon, "http://"+addr+"/readyz")
	start := procStatus(t, kpimon.Pid())

	var (
		strs  = 2_500_000 * scale // the file: 25 M
		cells = 2_700_000 * scale // 27 M
		rows  = 500_000 * scale   // 5 M, over the row limit of 2 M
	)
	header := `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>`
	figure := `<c t="s"><v>3</v></c><c><v>2021</v></c><c><v>28</v></c>`
	strings4 := "<si><t>指标编号</t></si><si><t>报告期</t></si><si><t>实际值</t></si><si><t>high_tech_enterprises</t></si>"
	uploads := []struct {
		name   string
		body   []byte
		status int
		says   string
	}{
		{"strings.xlsx", workbook(t,
			part{prefix: sheetHead + header + `<row r="2">` + figure + `</row>` + sheetTail},
			part{prefix: sstHead + strings4, unit: "<si><t>a</t></si>", count: strs, suffix: "</sst>"}),
			http.StatusCreated, ""},
		{"wide.xlsx", workbook(t,
			part{prefix: sheetHead + header + `<row r="2">`, unit: `<c><v>1</v></c>`, count: cells, suffix: "</row>" + sheetTail},
			part{prefix: sstHead + strings4 + "</sst>"}),
			http.StatusBadRequest, "16384"},
		{"rows.xlsx", workbook(t,
			part{prefix: sheetHead + header, unit: "<row>" + figure + "</row>", count: rows, suffix: sheetTail},
			part{prefix: sstHead + strings4 + "</sst>"}),
			http.StatusBadRequest, fmt.Sprintf("行数超过上限 %d", maxRows)},
	}
	began := time.Now()
	var wg sync.WaitGroup
	for _, u := range uploads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/api/v1/uploads?name="+u.name, bytes.NewReader(u.body))
			req.Header.Set("Authorization", "Bearer "+secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("upload %s: %v", u.name, err)
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			if resp.StatusCode != u.status || !strings.Contains(string(body), u.says) {
				t.Errorf("upload %s (%d KiB): %d %s; want %d saying %q", u.name, len(u.body)>>10, resp.StatusCode, body, u.status, u.says)
			}
		}()
	}
	wg.Wait()
	end := procStatus(t, kpimon.Pid())
	t.Logf("kpimon VmRSS at start %d MiB, VmHWM after three concurrent uploads %d MiB (budget %d MiB); uploads took %s",
		start["VmRSS"]>>10, end["VmHWM"]>>10, budgetMiB, time.Since(began).Round(time.Millisecond))
	// Go's collector lets the heap grow to twice what is live before it
	// collects, so the process may reach its start plus twice the budget.
	if limit := start["VmRSS"] + 2*budgetMiB<<10; end["VmHWM"] > limit {
		t.Errorf("VmHWM %d MiB, want at most %d MiB (start %d MiB + twice the budget)", end["VmHWM"]>>10, limit>>10, start["VmRSS"]>>10)
	}
	if entries, err := os.ReadDir(filepath.Join(data, "tmp")); err != nil || len(entries) != 0 {
		t.Errorf("data/tmp after the uploads: %d entries, %v; want empty", len(entries), err)
	}
}

// procStatus reads the kB figures of /proc/<pid>/status.
func procStatus(t *testing.T, pid int) map[string]int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if f := strings.Fields(v); ok && len(f) == 2 && f[1] == "kB" {
			out[k], _ = strconv.ParseInt(f[0], 10, 64)
		}
	}
	return out
}

const (
	sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	sheetTail = `</sheetData></worksheet>`
	sstHead   = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
)

// part is an XML part: prefix, unit repeated count times, suffix.
type part struct {
	prefix, unit string
	count        int
	suffix       string
}

// deflate compresses one block of a stream that continues (flushed, not
// closed) or ends.
func deflate(t *testing.T, b []byte, last bool) []byte {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if last {
		w.Close()
	} else {
		w.Flush()
	}
	return buf.Bytes()
}

// raw compresses p, deflating a MiB of the repeated unit once and
// repeating its compressed bytes: a part of hundreds of MiB costs the test
// a moment, not its size in memory.
func (p part) raw(t *testing.T) (body []byte, crc uint32, size uint64) {
	var out bytes.Buffer
	add := func(b []byte, last bool) {
		out.Write(deflate(t, b, last))
		crc = crc32.Update(crc, crc32.IEEETable, b)
		size += uint64(len(b))
	}
	add([]byte(p.prefix), false)
	if p.count > 0 {
		per := max(1, (1<<20)/len(p.unit))
		chunk := []byte(strings.Repeat(p.unit, per))
		packed := deflate(t, chunk, false)
		for range p.count / per {
			out.Write(packed)
			crc = crc32.Update(crc, crc32.IEEETable, chunk)
			size += uint64(len(chunk))
		}
		add([]byte(strings.Repeat(p.unit, p.count%per)), false)
	}
	add([]byte(p.suffix), true)
	return out.Bytes(), crc, size
}

// workbook is an XLSX of one sheet and its shared strings.
func workbook(t *testing.T, sheet, sst part) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	small := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(small[name]))
	}
	for name, p := range map[string]part{"xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": sst} {
		body, crc, size := p.raw(t)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(body)), UncompressedSize64: size})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestKillDuringXLSXIngestLeavesNoTempFiles kills kpimon while it reads a
// workbook whose shared strings went to a table on disk: nothing is left in
// $TMPDIR (excelize left 1.4 GB of excelize-* files there) nor in the data
// directory's tmp/, whose leftovers are removed at start.
func TestKillDuringXLSXIngestLeavesNoTempFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs kpimon")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	bin := testkit.Kpimon(t)
	dir := t.TempDir()
	data, sysTmp := filepath.Join(dir, "data"), filepath.Join(dir, "systmp")
	secret := testkit.CreateToken(t, bin, data, "", "crash")
	for _, d := range []string{sysTmp, filepath.Join(data, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	stray := filepath.Join(data, "tmp", "kpimon-ingest-123")
	if err := os.WriteFile(stray, []byte("left by a crash"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := testkit.FreeAddr(t)
	kpimon := testkit.StartEnv(t, "kpimon", bin, []string{"TMPDIR=" + sysTmp}, "serve", "--listen", addr, "--data", data)
	testkit.WaitHTTP(t, ctx, kpimon, "http://"+addr+"/readyz")
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Errorf("a file left in data/tmp survived the start: %v", err)
	}

	body := workbook(t,
		part{prefix: sheetHead + `<row r="1"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row>` + sheetTail},
		part{prefix: sstHead + "<si><t>指标编号</t></si><si><t>报告期</t></si><si><t>实际值</t></si>", unit: "<si><t>a</t></si>", count: 5_000_000, suffix: "</sst>"})
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/api/v1/uploads?name=big.xlsx", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	// The table is open, already unlinked, while the strings are read.
	fds := fmt.Sprintf("/proc/%d/fd", kpimon.Pid())
	deadline := time.Now().Add(time.Minute)
	for open := false; !open; {
		if time.Now().After(deadline) {
			t.Fatal("kpimon never opened a shared-strings table in data/tmp")
		}
		entries, _ := os.ReadDir(fds)
		for _, e := range entries {
			target, _ := os.Readlink(filepath.Join(fds, e.Name()))
			if strings.HasPrefix(target, filepath.Join(data, "tmp", "kpimon-ingest-")) {
				if !strings.HasSuffix(target, "(deleted)") {
					t.Errorf("open table %s is still linked", target)
				}
				open = true
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	kpimon.Kill()
	for _, d := range []string{sysTmp, filepath.Join(data, "tmp")} {
		if entries, err := os.ReadDir(d); err != nil || len(entries) != 0 {
			t.Errorf("%s after the kill: %d entries (%v), want none", d, len(entries), err)
		}
	}
}
