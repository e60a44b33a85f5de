package httpfile

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
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

// multipartRequest is a POST of a multipart form written by write.
func multipartRequest(t *testing.T, write func(w *multipart.Writer)) *http.Request {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	write(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/upload", &b)
	r.Header.Set("Content-Type", w.FormDataContentType())
	return r
}

func TestReadMultipart(t *testing.T) {
	for _, tc := range []struct {
		name     string
		file     string
		body     []byte
		wantErr  error
		wantName string
	}{
		{"ok", `C:\tjj\figures.csv`, []byte("a,b\n"), nil, "figures.csv"},
		{"no file", "", nil, ErrNoFile, ""},
		{"empty", "x.csv", []byte{}, ErrEmpty, "x.csv"},
		{"too large", "x.csv", bytes.Repeat([]byte("1"), 11), ErrTooLarge, "x.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := multipartRequest(t, func(w *multipart.Writer) {
				_ = w.WriteField("csrf_token", "abc")
				if tc.body != nil {
					part, _ := w.CreateFormFile("file", tc.file)
					_, _ = part.Write(tc.body)
				}
				// A browser sends the fields in the form's order: the sheet after the file.
				_ = w.WriteField("sheet", "第二季度")
			})
			u, fields, err := ReadMultipart(r, "file", 10)
			if !errors.Is(err, tc.wantErr) || u.Name != tc.wantName {
				t.Errorf("ReadMultipart = %q, %v; want %q, %v", u.Name, err, tc.wantName, tc.wantErr)
			}
			if fields["csrf_token"] != "abc" || fields["sheet"] != "第二季度" {
				t.Errorf("ReadMultipart fields = %q, want the token and the sheet after the file too", fields)
			}
		})
	}
}

// TestReadMultipartNoFileChosen: a browser's form with no file chosen
// sends the file field as an empty part without a file name: no file,
// not an empty one.
func TestReadMultipartNoFileChosen(t *testing.T) {
	r := multipartRequest(t, func(w *multipart.Writer) {
		_ = w.WriteField("csrf_token", "abc")
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename=""`)
		h.Set("Content-Type", "application/octet-stream")
		_, _ = w.CreatePart(h)
		_ = w.WriteField("sheet", "第二季度")
	})
	_, fields, err := ReadMultipart(r, "file", 10)
	if !errors.Is(err, ErrNoFile) || fields["sheet"] != "第二季度" {
		t.Errorf("ReadMultipart of a form with no file chosen = %v, fields %q; want ErrNoFile and the sheet", err, fields)
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
