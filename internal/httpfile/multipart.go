package httpfile

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// maxFieldBytes bounds a text field of an upload form (sheet=, …).
const maxFieldBytes = 4 << 10

// ReadMultipart reads a multipart/form-data request as it arrives: the
// file of the form field named field, at most limit bytes, into one
// buffer sized from the request's length, and the form's short text
// fields (at most 4 KiB each; longer ones are cut). ParseMultipartForm
// then FormFile would hold the file twice over (the form's growing
// buffer, then a copy), which for a 60 MiB upload took 400 MiB at peak,
// and would write a part over its memory to $TMPDIR.
//
// The errors: ErrNoFile (no part named field, or only the empty nameless
// part a browser sends when no file was chosen), ErrEmpty, ErrTooLarge,
// ErrUnreadable. After ErrEmpty or ErrTooLarge the fields that follow the
// file are still read (the rest of the file skipped), so a page can show
// them again; the file's error is returned whatever comes after it.
func ReadMultipart(r *http.Request, field string, limit int64) (kpi.Upload, map[string]string, error) {
	var u kpi.Upload
	fields := map[string]string{}
	mr, err := r.MultipartReader()
	if err != nil {
		return u, fields, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	found := false
	var fileErr error // ErrEmpty or ErrTooLarge: the file was refused
	fail := func(err error) (kpi.Upload, map[string]string, error) {
		if fileErr != nil {
			return u, fields, fileErr
		}
		return u, fields, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		name := p.FormName()
		switch {
		case name == field && !found:
			partType, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			fileName := p.FileName()
			body, err := ReadAtMost(p, r.ContentLength, limit)
			switch {
			case errors.Is(err, ErrTooLarge):
				fileErr = ErrTooLarge
			case err != nil:
				return fail(err)
			case len(body) == 0 && fileName == "":
				continue // no file chosen: a later part may still carry one
			case len(body) == 0:
				fileErr = ErrEmpty
			}
			found = true
			u.Name, u.ContentType = CleanName(fileName), ContentType(partType)
			if u.Name == "" {
				u.Name = NameFor(u.ContentType)
			}
			if fileErr == nil {
				u.Body = body
			}
		case name != "" && fields[name] == "":
			v, err := io.ReadAll(io.LimitReader(p, maxFieldBytes))
			if err != nil {
				return fail(err)
			}
			fields[name] = string(v)
		}
		// The rest of a part (a second file, a cut field, a file over the limit) is skipped.
		if _, err := io.Copy(io.Discard, p); err != nil {
			return fail(err)
		}
	}
	switch {
	case fileErr != nil:
		return u, fields, fileErr
	case !found:
		return u, fields, ErrNoFile
	}
	return u, fields, nil
}

// ReadAtMost reads rd to its end into one buffer of size hint (the
// request's length, which bounds the part's; unknown below 0), growing it
// only past the hint, and fails with ErrTooLarge beyond limit bytes.
func ReadAtMost(rd io.Reader, hint, limit int64) ([]byte, error) {
	size := min(hint, limit+1)
	if size < 0 {
		size = min(64<<10, limit+1)
	}
	buf := make([]byte, 0, size+1) // +1: a full buffer's next Read sees EOF without growing it
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, ErrTooLarge
		}
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
