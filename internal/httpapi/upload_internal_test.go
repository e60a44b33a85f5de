package httpapi

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"runtime"
	"testing"
)

// TestMultipartUploadHeldOnce: a multipart upload's file is read into one
// buffer, not buffered by the form and copied again (a 60 MiB CSV took a
// serve 400 MiB at peak, four at once 1 GiB): reading it allocates little
// more than the file, and the file, its name and sheet= arrive intact.
func TestMultipartUploadHeldOnce(t *testing.T) {
	const size = 16 << 20
	file := bytes.Repeat([]byte("high_tech_enterprises,2021,21\n"), size/30)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("sheet", "报送")
	fw, _ := mw.CreateFormFile("file", `C:\报送\2021.csv`)
	fw.Write(file)
	mw.Close()

	r := httptest.NewRequest("POST", "/api/v1/uploads", bytes.NewReader(body.Bytes()))
	r.Header.Set("Content-Type", mw.FormDataContentType())
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	u, err := readUpload(r, 64<<20)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("readUpload: %v", err)
	}
	if u.Name != "2021.csv" || u.Sheet != "报送" || !bytes.Equal(u.Body, file) {
		t.Errorf("upload %q sheet %q, %d bytes (equal %v), want 2021.csv, 报送 and the file's %d bytes",
			u.Name, u.Sheet, len(u.Body), bytes.Equal(u.Body, file), len(file))
	}
	if got, most := after.TotalAlloc-before.TotalAlloc, uint64(len(file))*5/4+1<<20; got > most {
		t.Errorf("reading a %d MiB upload allocated %d MiB, want at most %d MiB (the file once)", len(file)>>20, got>>20, most>>20)
	}
}

// TestRawUploadHeldOnce: a file sent as the raw body (curl --data-binary)
// is read into one buffer sized from Content-Length.
func TestRawUploadHeldOnce(t *testing.T) {
	file := bytes.Repeat([]byte("high_tech_enterprises,2021,21\n"), (16<<20)/30)
	r := httptest.NewRequest("POST", "/api/v1/uploads?name=2021.csv", bytes.NewReader(file))
	r.Header.Set("Content-Type", "text/csv")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	u, err := readUpload(r, 64<<20)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("readUpload: %v", err)
	}
	if u.Name != "2021.csv" || !bytes.Equal(u.Body, file) {
		t.Errorf("upload %q, %d bytes, want 2021.csv and the file's %d bytes", u.Name, len(u.Body), len(file))
	}
	if got, most := after.TotalAlloc-before.TotalAlloc, uint64(len(file))*5/4+1<<20; got > most {
		t.Errorf("reading a %d MiB upload allocated %d MiB, want at most %d MiB (the file once)", len(file)>>20, got>>20, most>>20)
	}
}
