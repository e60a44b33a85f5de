package httpfile

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http/httptest"
	"runtime"
	"testing"
)

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"figures.xlsx":                 "figures.xlsx",
		`C:\Users\tjj\Desktop\报送.xlsx`: "报送.xlsx",
		"../../etc/passwd":             "passwd",
		"  a b.csv ":                   "a b.csv",
		"/":                            "",
		"":                             "",
	} {
		if got := CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAttachment(t *testing.T) {
	for _, tc := range []struct{ ascii, name, want string }{
		{"kpimon-template.xlsx", "指标报送模板.xlsx", `attachment; filename="kpimon-template.xlsx"; filename*=UTF-8''%E6%8C%87%E6%A0%87%E6%8A%A5%E9%80%81%E6%A8%A1%E6%9D%BF.xlsx`},
		{"kpimon-20210630.db", "kpimon-20210630.db", `attachment; filename="kpimon-20210630.db"`},
	} {
		if got := Attachment(tc.ascii, tc.name); got != tc.want {
			t.Errorf("Attachment(%q, %q) = %s, want %s", tc.ascii, tc.name, got, tc.want)
		}
	}
}

func TestFormFile(t *testing.T) {
	for _, tc := range []struct {
		name     string
		file     string
		body     []byte
		wantErr  error
		wantName string
	}{
		{"ok", `C:\tjj\figures.csv`, []byte("a,b\n"), nil, "figures.csv"},
		{"no file", "", nil, ErrNoFile, ""},
		{"empty", "x.csv", nil, ErrEmpty, "x.csv"},
		{"too large", "x.csv", bytes.Repeat([]byte("1"), 11), ErrTooLarge, "x.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			w := multipart.NewWriter(&b)
			if tc.file != "" {
				part, _ := w.CreateFormFile("file", tc.file)
				part.Write(tc.body)
			}
			w.Close()
			r := httptest.NewRequest("POST", "/upload", &b)
			r.Header.Set("Content-Type", w.FormDataContentType())
			u, err := FormFile(r, "file", 10)
			if !errors.Is(err, tc.wantErr) || u.Name != tc.wantName {
				t.Errorf("FormFile = %q, %v; want %q, %v", u.Name, err, tc.wantName, tc.wantErr)
			}
		})
	}
}

func TestReadAtMost(t *testing.T) {
	for _, tc := range []struct {
		name        string
		size, hint  int64
		limit       int64
		wantTooLong bool
	}{
		{"length known", 100, 100, 100, false},
		{"length unknown, grows", 200 << 10, -1, 1 << 20, false},
		{"length understated", 300, 10, 1000, false},
		{"over the limit", 101, 101, 100, true},
		{"over the limit, length unknown", 101, -1, 100, true},
		{"empty", 0, 0, 100, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := bytes.Repeat([]byte("x"), int(tc.size))
			got, err := ReadAtMost(bytes.NewReader(in), tc.hint, tc.limit)
			if tc.wantTooLong {
				if !errors.Is(err, ErrTooLarge) {
					t.Errorf("ReadAtMost = %d bytes, %v, want ErrTooLarge", len(got), err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, in) {
				t.Errorf("ReadAtMost = %d bytes, %v, want the %d bytes", len(got), err, len(in))
			}
		})
	}
}

// TestFormFileReadsOnce: the web page's upload (a parsed multipart form)
// is copied out once, into a buffer of the part's size.
func TestFormFileReadsOnce(t *testing.T) {
	file := bytes.Repeat([]byte("high_tech_enterprises,2021,21\n"), (16<<20)/30)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "2021.csv")
	fw.Write(file)
	mw.Close()
	r := httptest.NewRequest("POST", "/upload", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	if err := r.ParseMultipartForm(64 << 20); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	u, err := FormFile(r, "file", 64<<20)
	runtime.ReadMemStats(&after)
	if err != nil || !bytes.Equal(u.Body, file) {
		t.Fatalf("FormFile: %v, equal %v", err, bytes.Equal(u.Body, file))
	}
	if got, most := after.TotalAlloc-before.TotalAlloc, uint64(len(file))*5/4+1<<20; got > most {
		t.Errorf("FormFile of a %d MiB part allocated %d MiB, want at most %d MiB", len(file)>>20, got>>20, most>>20)
	}
}
