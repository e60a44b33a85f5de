package ingest

import (
	"bytes"
	"runtime"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestDecodeGBKAllocatesOnce: a GBK file is decoded into one buffer the
// size its text takes in UTF-8, not one that starts at the input's size
// and doubles (three times a large file allocated).
func TestDecodeGBKAllocatesOnce(t *testing.T) {
	text := bytes.Repeat([]byte("high_tech_enterprises,2021,21,高新技术企业统计局核定数据备注\n"), 200_000)
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(text)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := decodeText(gbk)
	runtime.ReadMemStats(&after)
	if err != nil || !bytes.Equal(got, text) {
		t.Fatalf("decodeText: %v, equal %v", err, bytes.Equal(got, text))
	}
	if alloc, most := after.TotalAlloc-before.TotalAlloc, uint64(len(gbk))*3/2+1<<20; alloc > most {
		t.Errorf("decoding %d MiB of GBK allocated %d MiB, want at most %d MiB", len(gbk)>>20, alloc>>20, most>>20)
	}
}
