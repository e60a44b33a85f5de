package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/yanfeng/kpimon/internal/access"
	"github.com/yanfeng/kpimon/internal/httpfile"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// Codes of errors that arise in HTTP itself rather than in the domain.
const (
	codeTooLarge         = "too_large"
	codeMethodNotAllowed = "method_not_allowed"
)

// statusOf maps every error code to its HTTP status: the one table.
var statusOf = map[string]int{
	kpi.EINVALID:               http.StatusBadRequest,
	kpi.ENOTFOUND:              http.StatusNotFound,
	kpi.ECONFLICT:              http.StatusConflict,
	kpi.EUNAUTHORIZED:          http.StatusUnauthorized,
	kpi.EFORBIDDEN:             http.StatusForbidden,
	kpi.EUNAVAILABLE:           http.StatusServiceUnavailable,
	kpi.EINTERNAL:              http.StatusInternalServerError,
	codeTooLarge:               http.StatusRequestEntityTooLarge,
	codeTooSlow:                http.StatusRequestTimeout,
	codeMethodNotAllowed:       http.StatusMethodNotAllowed,
	access.CodeTooManyRequests: http.StatusTooManyRequests,
}

// errorBody is the JSON every error answers with.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code     string        `json:"code"`
	Message  string        `json:"message"`
	Problems []kpi.Problem `json:"problems"`
}

// encode writes v as JSON with the status. Nothing is written when v
// cannot be encoded, so the caller can still answer with an error.
func encode[T any](w http.ResponseWriter, status int, v T) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return &encodeError{err}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return nil
}

// encodeError means the value could not be encoded and nothing was written.
type encodeError struct{ err error }

func (e *encodeError) Error() string { return "encode json: " + e.err.Error() }
func (e *encodeError) Unwrap() error { return e.err }

// decode reads the request body as JSON into a T. Errors are EINVALID
// (or too_large) and say where the JSON went wrong.
func decode[T any](r *http.Request) (T, error) {
	var v T
	body, err := readBody(r)
	if err != nil {
		return v, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return v, kpi.Errorf(kpi.EINVALID, "请求体为空\nthe request body is empty: send JSON")
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return v, jsonError(body, err)
	}
	return v, nil
}

// readBody reads the whole body; a body over the limit is a too_large error.
func readBody(r *http.Request) ([]byte, error) {
	// Sized once from Content-Length (limitBody has bounded it); io.ReadAll
	// would allocate several times the body while growing.
	body, err := httpfile.ReadAtMost(r.Body, r.ContentLength, 1<<62)
	if err != nil {
		return nil, bodyReadError(err)
	}
	return body, nil
}

func bodyReadError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return tooLargeError(tooLarge.Limit)
	}
	var ke *kpi.Error
	if errors.As(err, &ke) && ke.Code == codeTooSlow {
		return ke
	}
	return &kpi.Error{Code: kpi.EINVALID, Message: fmt.Sprintf("读取请求体失败\nreading the request body failed: %v", err)}
}

func tooLargeError(limit int64) error {
	return &kpi.Error{Code: codeTooLarge, Message: fmt.Sprintf(
		"请求体超过 %d 字节上限\nthe request body is larger than the limit of %d bytes: split the file or ask the operator to raise the limit",
		limit, limit)}
}

// jsonError turns a JSON decoding error into an EINVALID that names the
// byte offset and, for a type mismatch, the field.
func jsonError(body []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		line, col := lineCol(body, syntax.Offset)
		return kpi.Errorf(kpi.EINVALID, "JSON 格式错误（第 %d 行第 %d 列）\nmalformed JSON at line %d, column %d: %v", line, col, line, col, syntax)
	case errors.As(err, &typ):
		line, col := lineCol(body, typ.Offset)
		return kpi.Errorf(kpi.EINVALID, "JSON 字段类型错误（第 %d 行第 %d 列，字段 %s）\nwrong JSON type at line %d, column %d: field %q is %s, want %s",
			line, col, typ.Field, line, col, typ.Field, typ.Value, typ.Type)
	}
	var row int
	var rest string
	if n, _ := fmt.Sscanf(err.Error(), "row %d: %s", &row, &rest); n == 2 && !errors.Is(err, io.ErrUnexpectedEOF) {
		return kpi.Errorf(kpi.EINVALID, "JSON 第 %d 条数据无法读取：indicator、period、value、note 应为字符串（period、value 也可为数字）\ncannot read the JSON: %v", row, err)
	}
	return kpi.Errorf(kpi.EINVALID, "JSON 无法解析：%s\ncannot read the JSON: %v", jsonShapeZh, err)
}

// jsonShapeZh is the shape a submission's JSON takes, in the Chinese line
// of a refusal.
const jsonShapeZh = `应为数组 [{"indicator": "…", "period": "2021", "value": "25"}, …]，或含该数组的对象 {"rows": […]}；请检查是否完整`

func lineCol(body []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(body)))
	before := body[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, max(col, 1)
}

// writeError answers with the error's JSON and status. Internal errors are
// logged here, once, and their text is kept from the client.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	code := kpi.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	detail := errorDetail{Code: code, Problems: []kpi.Problem{}}
	var kerr *kpi.Error
	if errors.As(err, &kerr) && code != kpi.EINTERNAL {
		detail.Message = kerr.Message
		if kerr.Problems != nil {
			detail.Problems = kerr.Problems
		}
	} else {
		detail.Code = kpi.EINTERNAL
		detail.Message = "服务器内部错误\ninternal server error: the operator will find the cause in kpimon's log"
		logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="kpimon"`)
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "5")
	case http.StatusTooManyRequests:
		if secs, ok := access.RetryAfter(err); ok {
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
	}
	if werr := encode(w, status, errorBody{Error: detail}); werr != nil {
		logger.DebugContext(r.Context(), "write error response", "path", r.URL.Path, "err", werr)
	}
}

// respond writes v; when v cannot be encoded it answers 500 instead.
func respond[T any](w http.ResponseWriter, r *http.Request, logger *slog.Logger, status int, v T) {
	err := encode(w, status, v)
	var ee *encodeError
	switch {
	case errors.As(err, &ee):
		writeError(w, r, logger, err)
	case err != nil:
		logger.DebugContext(r.Context(), "write response", "path", r.URL.Path, "err", err)
	}
}
