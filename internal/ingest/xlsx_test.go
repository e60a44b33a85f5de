package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// TestSharedStringsOnDisk: a table too large for memory reads back the
// same strings from its temporary file as a small one from memory, the
// phonetic runs and entities handled alike, and leaves no file behind.
func TestSharedStringsOnDisk(t *testing.T) {
	var want []string
	var part strings.Builder
	part.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	for i := 0; part.Len() <= sharedStringsInMemory; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&part, "<si><t>s%d &amp; &lt;x&gt; &#x4E2D;</t></si>", i)
			want = append(want, fmt.Sprintf("s%d & <x> 中", i))
		case 1:
			fmt.Fprintf(&part, `<si><r><rPr><b/></rPr><t xml:space="preserve">r%d </t></r><r><t>b</t></r><rPh sb="0" eb="1"><t>ignored</t></rPh></si>`, i)
			want = append(want, fmt.Sprintf("r%d b", i))
		case 2:
			part.WriteString("<si><t/></si>")
			want = append(want, "")
		default:
			fmt.Fprintf(&part, "<si><t><![CDATA[c%d <&>]]></t></si>", i)
			want = append(want, fmt.Sprintf("c%d <&>", i))
		}
	}
	part.WriteString("</sst>")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("xl/sharedStrings.xml")
	w.Write([]byte(part.String()))
	zw.Close()
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, err := readSharedStrings(zr.File[0], dir, limits{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if s.file == nil {
		t.Fatalf("a %d MiB table was kept in memory", part.Len()>>20)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the table's file is still linked in %s: %d entries", dir, len(entries))
	}
	if s.n != len(want) {
		t.Fatalf("table holds %d strings, want %d", s.n, len(want))
	}
	for _, i := range []int{0, 1, 2, 3, len(want) / 2, len(want) - 1, len(want)} {
		got, blank, err := s.get(i, 1<<20)
		w := ""
		if i < len(want) {
			w = want[i]
		}
		if err != nil || got != w || blank != (w == "") {
			t.Errorf("get(%d) = %q, blank %v, %v; want %q", i, got, blank, err, w)
		}
	}
}

// TestBudgetWaitsThenRefuses: a submission whose share does not fit waits
// for one being read to finish, and is refused as busy, naming the limit,
// when none finishes in time; one larger than the whole budget is refused
// at once.
func TestBudgetWaitsThenRefuses(t *testing.T) {
	ctx := t.Context()
	u := kpi.Upload{Name: "b.xlsx"}
	b := newBudget(100, 200*time.Millisecond)
	release, err := b.acquire(ctx, u, 80)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.acquire(ctx, u, 30)
	var ke *kpi.Error
	if !errors.As(err, &ke) || ke.Code != kpi.EUNAVAILABLE || !strings.Contains(ke.Message, "limits.ingest-memory") || !strings.Contains(kpi.ChineseLine(ke.Message), "导入内存上限") {
		t.Fatalf("acquire beyond the budget = %v, want unavailable naming limits.ingest-memory", err)
	}
	got := make(chan error, 1)
	go func() {
		r, err := newBudgetWait(b, time.Minute).acquire(ctx, u, 30)
		if err == nil {
			r()
		}
		got <- err
	}()
	release()
	if err := <-got; err != nil {
		t.Errorf("a waiting submission after the first finished: %v, want admitted", err)
	}
	if _, err := b.acquire(ctx, u, 101); !errors.As(err, &ke) || ke.Code != kpi.EINVALID || !strings.Contains(ke.Message, "limits.ingest-memory") {
		t.Errorf("acquire of more than the budget = %v, want invalid naming limits.ingest-memory", err)
	}
}

// newBudgetWait is b with another bound on waiting (same semaphore).
func newBudgetWait(b *budget, wait time.Duration) *budget {
	c := *b
	c.wait = wait
	return &c
}
