// Package httpfile holds the two ends of a file crossing HTTP, written once
// for the API and the web page: the file an upload form carries (ReadMultipart,
// CleanName, ContentType) and the name a download is saved under
// (Attachment).
package httpfile

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Why ReadMultipart took no file; each caller words them for its readers.
var (
	ErrNoFile     = errors.New("the form has no file")
	ErrEmpty      = errors.New("the file is empty")
	ErrTooLarge   = errors.New("the file is over the limit")
	ErrUnreadable = errors.New("the file cannot be read")
)

// CleanName keeps only the base name of what a client calls its file
// (browsers send a bare name, older ones a full client path with
// backslashes); "" when nothing is left.
func CleanName(name string) string {
	name = strings.TrimSpace(strings.ReplaceAll(name, `\`, "/"))
	if name == "" {
		return ""
	}
	base := path.Base(name)
	if base == "." || base == "/" {
		return ""
	}
	return base
}

// ContentType keeps the media types that say what a file is; a generic one
// is dropped so that the file name or a sniff decides.
func ContentType(mediaType string) string {
	switch mediaType {
	case "", "application/octet-stream", "application/x-www-form-urlencoded", "text/plain":
		return ""
	}
	return mediaType
}

// NameFor is the name of an upload that came without one: "upload.xlsx"
// after its content type.
func NameFor(contentType string) string { return "upload" + extension(contentType) }

func extension(contentType string) string {
	switch contentType {
	case "text/csv":
		return ".csv"
	case "application/json":
		return ".json"
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return ".xlsx"
	}
	return ""
}

// Attachment is the Content-Disposition of a file to save: filename= an
// ASCII name every client reads and, where the name differs, filename*=
// the name in UTF-8 (RFC 6266, RFC 5987).
func Attachment(ascii, name string) string {
	v := fmt.Sprintf("attachment; filename=%q", ascii)
	if name != "" && name != ascii {
		v += "; filename*=UTF-8''" + rfc5987Escape(name)
	}
	return v
}

// rfc5987Escape percent-encodes every byte outside RFC 5987's attr-char.
func rfc5987Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
