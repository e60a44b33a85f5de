package httpfile

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http/httptest"
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
