package ingest_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yanfeng/kpimon/internal/ingest"
	"github.com/yanfeng/kpimon/internal/kpi"
	"github.com/yanfeng/kpimon/internal/testkit"
)

// heapPeak samples the live heap every millisecond while fn runs and
// returns the largest sample, in bytes.
func heapPeak(t *testing.T, fn func()) uint64 {
	t.Helper()
	// Heap objects count garbage not yet collected, and how much of it
	// there is depends on when the collector ran, which the machine's load
	// moves (a bound of 53 MiB was seen at 62 under load). Collect often
	// while fn runs, so the peak follows what fn holds.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var (
		peak uint64
		mu   sync.Mutex
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	read := func() {
		metrics.Read(sample)
		mu.Lock()
		peak = max(peak, sample[0].Value.Uint64())
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				read()
			}
		}
	}()
	fn()
	read()
	close(done)
	wg.Wait()
	return peak
}

// mibOf is one MiB of pattern repeated.
func mibOf(pattern string) []byte {
	return bytes.Repeat([]byte(pattern), (1<<20)/len(pattern))
}

// bombXLSX is a valid small workbook with one part replaced: prefix, then
// mib MiB of pattern (whose length divides 1 MiB), then suffix, declared
// as declared bytes (0: its true size). One compressed MiB is repeated, so
// a 3 GiB part costs the test a second, not a 3 GiB buffer.
func bombXLSX(t *testing.T, part, prefix, suffix, pattern string, mib int, declared uint64) []byte {
	t.Helper()
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"指标编号", "报告期", "实际值"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"high_tech_enterprises", "2021", 28})
	var book bytes.Buffer
	if err := x.Write(&book); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(book.Bytes()), int64(book.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if f.Name == part {
			continue
		}
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	// One deflate stream: the prefix in a stored block, the compressed MiB
	// repeated (each block flushed to a byte boundary, none final), then
	// the suffix in the final stored block.
	var stream bytes.Buffer
	hw, _ := flate.NewWriter(&stream, flate.NoCompression)
	hw.Write([]byte(prefix))
	hw.Flush()
	var block bytes.Buffer
	bw, _ := flate.NewWriter(&block, flate.BestCompression)
	bw.Write(mibOf(pattern))
	bw.Flush()
	for range mib {
		stream.Write(block.Bytes())
	}
	tw, _ := flate.NewWriter(&stream, flate.NoCompression)
	tw.Write([]byte(suffix))
	tw.Close()

	crc := crc32.Update(0, crc32.IEEETable, []byte(prefix))
	var body uint32
	for range mib {
		body = crc32.Update(body, crc32.IEEETable, mibOf(pattern))
	}
	crc = crc32Combine(crc, body, int64(mib)<<20)
	crc = crc32.Update(crc, crc32.IEEETable, []byte(suffix))
	if declared == 0 {
		declared = uint64(len(prefix)) + uint64(mib)<<20 + uint64(len(suffix))
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: part, Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(stream.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(stream.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// crc32Combine is zlib's crc32_combine: the CRC of A+B from crc(A),
// crc(B) and len(B), so the test need not hash 3 GiB twice.
func crc32Combine(crc1, crc2 uint32, len2 int64) uint32 {
	if len2 <= 0 {
		return crc1
	}
	var even, odd [32]uint32
	odd[0] = 0xedb88320
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(even[:], odd[:])
	gf2Square(odd[:], even[:])
	for {
		gf2Square(even[:], odd[:])
		if len2&1 != 0 {
			crc1 = gf2Times(even[:], crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
		gf2Square(odd[:], even[:])
		if len2&1 != 0 {
			crc1 = gf2Times(odd[:], crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
	}
	return crc1 ^ crc2
}

func gf2Times(mat []uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat []uint32) {
	for n := range 32 {
		square[n] = gf2Times(mat, mat[n])
	}
}

// TestXLSXBombsRefusedWithBoundedHeap: before, a 3 MB workbook with a
// 3 GiB part was unzipped into memory (12 GB RSS) and a 512 MiB cell took
// 2.6 GB; now each is refused with a problem naming the limit while the
// live heap stays under 256 MiB.
func TestXLSXBombsRefusedWithBoundedHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("builds multi-GiB zip bombs")
	}
	const heapBound = 256 << 20
	sheetHead := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`
	sheetTail := `</t></is></c></row></sheetData></worksheet>`
	tests := []struct {
		name string
		body func() []byte
		want string
	}{
		{"3 GiB part", func() []byte {
			return bombXLSX(t, "xl/media/bomb.bin", "", "", "\x00", 3<<10, 0)
		}, "MiB"},
		{"part larger than declared", func() []byte {
			return bombXLSX(t, "xl/worksheets/sheet1.xml", sheetHead, sheetTail, "<x/>", 1<<10, 1<<20)
		}, "declared size"},
		{"400 MiB cell", func() []byte {
			return bombXLSX(t, "xl/worksheets/sheet1.xml", sheetHead, sheetTail, "a", 400, 0)
		}, "KiB"},
		{"400 MiB shared string", func() []byte {
			return bombXLSX(t, "xl/sharedStrings.xml", `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>`, `</t></si></sst>`, "b", 400, 0)
		}, "KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			body := tt.body()
			if len(body) > 8<<20 {
				t.Fatalf("the bomb is %d bytes; it should be a few MB", len(body))
			}
			var err error
			peak := heapPeak(t, func() {
				_, err = f.ing.Ingest(context.Background(), kpi.Upload{Name: "bomb.xlsx", Body: body, Actor: operator, Source: "api"})
			})
			var ke *kpi.Error
			if !errors.As(err, &ke) || ke.Code != kpi.EINVALID || len(ke.Problems) != 1 {
				t.Fatalf("Ingest(bomb) error = %v, want one EINVALID problem", err)
			}
			if msg := ke.Problems[0].Message; !strings.Contains(msg, tt.want) {
				t.Errorf("problem %q does not name the limit (%q)", msg, tt.want)
			}
			if peak > heapBound {
				t.Errorf("peak live heap %d MiB while refusing, want ≤ %d MiB", peak>>20, heapBound>>20)
			}
			t.Logf("%s: %d-byte file refused, peak heap %d MiB: %s", tt.name, len(body), peak>>20, ke.Problems[0].Message)
		})
	}
}

// TestLongCSVLineEchoBounded: before, a rejected 30 MB one-line CSV came
// back whole in the answer and in a 31 MB audit entry.
func TestLongCSVLineEchoBounded(t *testing.T) {
	f := newFixture(t)
	line := strings.Repeat("x", 30<<20)
	_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "long.csv", Body: []byte(line), Actor: operator, Source: "api"})
	var ke *kpi.Error
	if !errors.As(err, &ke) || ke.Code != kpi.EINVALID {
		t.Fatalf("Ingest(30 MB line) = %v, want EINVALID", err)
	}
	answer, _ := json.Marshal(ke)
	if len(answer) > 4<<10 {
		t.Errorf("the refusal is %d bytes of JSON, want ≤ 4 KiB", len(answer))
	}
	entries, err := f.store.Audit(context.Background(), kpi.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 || entries[0].Action != "submission.reject" {
		t.Fatalf("audit = %+v, want a submission.reject entry first", entries)
	}
	if n := len(entries[0].Detail) + len(entries[0].Object); n > 2<<10 {
		t.Errorf("the audit entry holds %d bytes, want ≤ 2 KiB", n)
	}
}

// TestMillionProblemsListedUpToBound: before, a JSON array of 10^6 {}
// answered with 10^6 problems (227 MB, RSS 1.5 GB).
func TestMillionProblemsListedUpToBound(t *testing.T) {
	f := newFixture(t)
	body := "[" + strings.Repeat("{},", 1_000_000-1) + "{}]"
	var err error
	peak := heapPeak(t, func() {
		_, err = f.ing.Ingest(context.Background(), kpi.Upload{Name: "empty.json", Body: []byte(body), Actor: operator, Source: "api"})
	})
	var ke *kpi.Error
	if !errors.As(err, &ke) || ke.Code != kpi.EINVALID {
		t.Fatalf("Ingest = %v, want EINVALID", err)
	}
	if got, want := len(ke.Problems), kpi.DefaultMaxProblems; got != want {
		t.Errorf("listed %d problems, want %d", got, want)
	}
	if got, want := ke.More, 1_000_000-kpi.DefaultMaxProblems; got != want {
		t.Errorf("More = %d, want %d", got, want)
	}
	if got, want := ke.Kinds["indicator"], 1_000_000; got != want {
		t.Errorf("Kinds[indicator] = %d, want %d (%v)", got, want, ke.Kinds)
	}
	if !strings.Contains(ke.MoreText(), "999,900") {
		t.Errorf("MoreText() = %q, want it to say 999,900 more", ke.MoreText())
	}
	answer, _ := json.Marshal(ke)
	if len(answer) > 64<<10 {
		t.Errorf("the refusal is %d bytes of JSON, want ≤ 64 KiB", len(answer))
	}
	// A million rows is within the row limit, so this is the memory of a
	// legitimate million-row JSON submission (rows, and the observations
	// and duplicate index sized for them), not of a million problems.
	if peak > 768<<20 {
		t.Errorf("peak heap %d MiB, want ≤ 768 MiB", peak>>20)
	}
	t.Logf("10^6 empty rows: %d-byte answer, peak heap %d MiB", len(answer), peak>>20)
}

// TestLargeReceiptIsSummary: a submission of many figures answers with
// counts per plan and the first figures, not every figure.
func TestLargeReceiptIsSummary(t *testing.T) {
	f := newFixture(t)
	var b strings.Builder
	b.WriteString("indicator,period,value\n")
	for q := range 4 {
		fmt.Fprintf(&b, "patent_grants_q,2021-Q%d,%d\n", q+1, q+1)
	}
	for _, y := range []int{2019, 2020, 2021} {
		fmt.Fprintf(&b, "high_tech_enterprises,%d,%d\n", y, y-2000)
	}
	ing := f.ingester(t, 5)
	res, err := ing.Ingest(context.Background(), kpi.Upload{Name: "many.csv", Body: []byte(b.String()), Actor: operator, Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 7 || len(res.Outcomes) != 5 || res.MoreOutcomes != 2 {
		t.Errorf("receipt added %d, listed %d, more %d; want 7, 5, 2", res.Added, len(res.Outcomes), res.MoreOutcomes)
	}
	if want := []kpi.PlanResult{{Plan: "yf", Added: 7}}; fmt.Sprint(res.ByPlan) != fmt.Sprint(want) {
		t.Errorf("ByPlan = %v, want %v", res.ByPlan, want)
	}
}

// TestImplausibleValuesAndNotes: before, 20 MiB notes and 1e308 were stored.
func TestImplausibleValuesAndNotes(t *testing.T) {
	tests := []struct {
		name, csv, field string
	}{
		{"1e308", "indicator,period,value\ndisposable_income_per_capita,2021,1e308\n", "value"},
		{"percent over 100", "indicator,period,value\nrd_spending_share_gdp,2021,101\n", "value"},
		{"negative count", "indicator,period,value\nhigh_tech_enterprises,2021,-1\n", "value"},
		{"long note", "indicator,period,value,note\nhigh_tech_enterprises,2021,3," + strings.Repeat("注", 501) + "\n", "note"},
		{"decimal comma", "indicator,period,value\nrd_spending_share_gdp,2021,\"2,5\"\n", "value"},
		{"decimal comma percent", "indicator,period,value\nrd_spending_share_gdp,2021,\"2,5%\"\n", "value"},
		{"european thousands", "indicator,period,value\ndisposable_income_per_capita,2021,\"1.234,56\"\n", "value"},
		{"a share written as a fraction", "indicator,period,value\nrd_spending_share_gdp,2021,0.0251\n", "value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "v.csv", Body: []byte(tt.csv), Actor: operator, Source: "api"})
			var ke *kpi.Error
			if !errors.As(err, &ke) || len(ke.Problems) != 1 || ke.Problems[0].Field != tt.field {
				t.Fatalf("Ingest = %v, want one %s problem", err, tt.field)
			}
			if len(f.latest(t)) != 0 {
				t.Errorf("something was stored")
			}
		})
	}
}

// TestDecimalCommaAdvice: the refusal of "1,5" says how to write it.
func TestDecimalCommaAdvice(t *testing.T) {
	f := newFixture(t)
	_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "v.csv",
		Body: []byte("indicator,period,value\nrd_spending_share_gdp,2021,\"1,5\"\n"), Actor: operator, Source: "api"})
	var ke *kpi.Error
	if !errors.As(err, &ke) || len(ke.Problems) != 1 {
		t.Fatalf("Ingest(1,5) = %v, want one problem", err)
	}
	for _, want := range []string{"1.5", "15", "1,500"} {
		if !strings.Contains(ke.Problems[0].Message, want) {
			t.Errorf("message %q does not suggest %s", ke.Problems[0].Message, want)
		}
	}
}

// ingester is another ingester on the fixture's store, listing at most
// maxOutcomes figures in a receipt.
func (f *fixture) ingester(t *testing.T, maxOutcomes int) *ingest.Ingester {
	t.Helper()
	ing, err := ingest.New(ingest.Options{Store: f.store, Now: func() time.Time { return now }, MaxOutcomes: maxOutcomes})
	if err != nil {
		t.Fatal(err)
	}
	return ing
}

// TestCatalogMax: a catalog max bounds an indicator's figures, and lets a
// percentage go past 100 up to it.
func TestCatalogMax(t *testing.T) {
	pct, count := 150.0, 500.0
	cat := kpi.Catalog{Plans: catalog.Plans, Indicators: []kpi.Indicator{catalog.Indicators[0], catalog.Indicators[1]}}
	cat.Indicators[0].Max = &count // high_tech_enterprises, 家
	cat.Indicators[1].Max = &pct   // rd_spending_share_gdp, %
	st := testkit.Store(t, cat, nil)
	ing, err := ingest.New(ingest.Options{Store: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		csv  string
		want bool
	}{
		{"rd_spending_share_gdp,2021,120", true},
		{"rd_spending_share_gdp,2021,151", false},
		{"rd_spending_share_gdp,2021,-1", false},
		{"high_tech_enterprises,2021,500", true},
		{"high_tech_enterprises,2021,501", false},
	}
	for _, tt := range tests {
		_, err := ing.Ingest(context.Background(), kpi.Upload{Name: "m.csv", Body: []byte("indicator,period,value\n" + tt.csv + "\n"), Actor: operator, Source: "api"})
		if got := err == nil; got != tt.want {
			t.Errorf("Ingest(%s) error %v, want accepted %v", tt.csv, err, tt.want)
		}
	}
}

// TestLongJSONFieldRefused: a JSON file's field over the cell limit is
// refused, its value quoted as an excerpt.
func TestLongJSONFieldRefused(t *testing.T) {
	f := newFixture(t)
	body := `[{"indicator": "high_tech_enterprises", "period": "2021", "value": "3", "note": "` + strings.Repeat("x", 200<<10) + `"}]`
	_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "long.json", Body: []byte(body), Actor: operator, Source: "api"})
	var ke *kpi.Error
	if !errors.As(err, &ke) || len(ke.Problems) != 1 || !strings.Contains(ke.Problems[0].Message, "KiB") || len(ke.Problems[0].Value) > 200 {
		t.Fatalf("Ingest(200 KiB note) = %v, want one problem naming the limit with an excerpt", err)
	}
}

// TestShareWrittenAsAFraction: 0.0251 for a share whose target is 2.51%
// (a percent-styled cell pasted as a value) is refused with the
// percentage it probably means, unless confirmed; a small share written
// with its % sign, or confirmed, is stored.
func TestShareWrittenAsAFraction(t *testing.T) {
	f := newFixture(t)
	_, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "v.csv", Actor: operator, Source: "api",
		Body: []byte("indicator,period,value\nrd_spending_share_gdp,2021,0.0251\n")})
	var ke *kpi.Error
	if !errors.As(err, &ke) || len(ke.Problems) != 1 {
		t.Fatalf("Ingest = %v, want one problem", err)
	}
	if p := ke.Problems[0]; !strings.Contains(p.Message, "应写作 2.51 或 2.51%") || !strings.Contains(p.Expected, "2.51%") {
		t.Errorf("problem %+v, want it to say 0.0251 is written 2.51 or 2.51%%", p)
	}
	for _, body := range []string{
		"indicator,period,value\nrd_spending_share_gdp,2020,0.05%\n",
		"indicator,period,value,确认\nrd_spending_share_gdp,2019,0.05,是\n",
		"indicator,period,value\nrd_spending_share_gdp,2021,0.9\n",
	} {
		if _, err := f.ing.Ingest(context.Background(), kpi.Upload{Name: "v.csv", Actor: operator, Source: "api", Body: []byte(body)}); err != nil {
			t.Errorf("Ingest %q: %v, want stored", body, err)
		}
	}
}
