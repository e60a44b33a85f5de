package httpapi

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/yanfeng/kpimon/internal/httpfile"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// handleUploadsPost stores figures from a CSV, XLSX or JSON file sent as
// the raw body (with ?name= and ?sheet=) or as the multipart field "file".
func handleUploadsPost(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, _ := actorFrom(r.Context())
		u, err := readUpload(r, d.MaxBodyBytes)
		if err != nil {
			refuse(w, r, d, actor, u.Name, err)
			return
		}
		u.Actor = actor
		u.Source = "upload"
		res, err := d.Ingester.Ingest(r.Context(), u)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		respond(w, r, d.Logger, receiptStatus(res), res)
	})
}

func readUpload(r *http.Request, maxBody int64) (kpi.Upload, error) {
	q := r.URL.Query()
	u := kpi.Upload{Name: httpfile.CleanName(q.Get("name")), Sheet: q.Get("sheet")}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "multipart/form-data" {
		return readMultipartUpload(r, u, maxBody)
	}
	body, err := readBody(r)
	if err != nil {
		return u, err
	}
	if len(body) == 0 {
		return u, kpi.Errorf(kpi.EINVALID,
			"上传内容为空\nthe upload is empty: send the file as the request body (curl --data-binary @file.xlsx) or as the form field 'file'")
	}
	u.Body = body
	u.ContentType = httpfile.ContentType(mediaType)
	if u.Name == "" {
		u.Name = httpfile.NameFor(u.ContentType)
	}
	return u, nil
}

func readMultipartUpload(r *http.Request, u kpi.Upload, maxBody int64) (kpi.Upload, error) {
	// Read as it arrives, the file into one buffer: nothing spills to
	// $TMPDIR (where a crash would leave it) and the file is held once.
	file, fields, err := httpfile.ReadMultipart(r, "file", maxBody)
	switch {
	case errors.Is(err, httpfile.ErrNoFile):
		return u, kpi.Errorf(kpi.EINVALID, "表单中没有文件\nthe form has no file field 'file'")
	case errors.Is(err, httpfile.ErrEmpty):
		return u, kpi.Errorf(kpi.EINVALID, "上传的文件 %s 是空的\nthe uploaded file %s is empty", file.Name, file.Name)
	case errors.Is(err, httpfile.ErrTooLarge):
		return u, tooLargeError(maxBody)
	case err != nil:
		return u, multipartError(err, maxBody)
	}
	if u.Name != "" {
		file.Name = u.Name // ?name= says what the file is called
	}
	file.Sheet = u.Sheet
	if file.Sheet == "" {
		file.Sheet = fields["sheet"]
	}
	return file, nil
}

func multipartError(err error, maxBody int64) error {
	var tooLarge *http.MaxBytesError
	// mime/multipart does not always wrap the reader's error.
	if errors.As(err, &tooLarge) || strings.Contains(err.Error(), "request body too large") {
		return tooLargeError(maxBody)
	}
	var ke *kpi.Error
	if errors.As(err, &ke) && ke.Code == codeTooSlow {
		return ke // 408, as for any body
	}
	return kpi.Errorf(kpi.EINVALID, "表单格式错误\nmalformed multipart form: %v", err)
}
