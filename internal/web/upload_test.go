package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
)

// TestUploadWritesNoTempFiles: the page's upload reads the form as it
// arrives (httpfile.ReadMultipart) and writes nothing to $TMPDIR, where
// ParseMultipartForm spilled a file over its memory as multipart-NNN,
// left behind when the process was killed or the handler ran outside
// net/http's server (as here, which also does not remove them). The CSRF
// check, the limit and the sheet name's echo hold as before.
func TestUploadWritesNoTempFiles(t *testing.T) {
	f := newFixture(t, fixtureOptions{maxUpload: 1024})
	c := f.newClient(t)
	c.signIn(testSecrets[unitName])
	csrf := c.csrf("/submit", "/upload")
	srvURL, err := url.Parse(f.server.URL)
	if err != nil {
		t.Fatal(err)
	}
	cookies := c.http.Jar.Cookies(srvURL)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)

	post := func(token string, file []byte) page {
		t.Helper()
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		_ = w.WriteField("csrf_token", token)
		fw, _ := w.CreateFormFile("file", "报表.csv")
		_, _ = fw.Write(file)
		_ = w.WriteField("sheet", "第二季度") // after the file, as a browser sends the form
		_ = w.Close()
		req := httptest.NewRequest(http.MethodPost, f.server.URL+"/upload", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req) // no server to clean up after the handler
		return page{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	}
	big := []byte("indicator,period,value\n" + strings.Repeat("high_tech_enterprises,2021,21\n", 150)) // 4.5 KB, over the 1 KiB limit

	p := post("not the token", big)
	wantStatus(t, "upload with a wrong CSRF token", p, http.StatusForbidden)
	wantText(t, "upload with a wrong CSRF token", p, "表单已失效")

	p = post(csrf, big)
	wantStatus(t, "upload over the limit", p, http.StatusRequestEntityTooLarge)
	wantText(t, "upload over the limit", p, "文件超过了 0.001 MB 的上限")
	if got := fieldValue(t, p, "upload-sheet"); got != "第二季度" {
		t.Errorf("sheet name after a file over the limit = %q, want 第二季度", got)
	}

	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("the upload left %s in $TMPDIR", e.Name())
	}
}
