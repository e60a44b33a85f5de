package httpapi

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// statusRecorder remembers what a handler wrote, for the request log and
// for panic recovery (which may only answer if nothing was written yet).
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// recorderOf returns the statusRecorder logRequests installed, or wraps w.
func recorderOf(w http.ResponseWriter) *statusRecorder {
	if rec, ok := w.(*statusRecorder); ok {
		return rec
	}
	return &statusRecorder{ResponseWriter: w}
}

// quietPaths are polled every few seconds; their requests log at debug.
var quietPaths = map[string]bool{
	"/healthz": true, "/readyz": true, "/-/healthy": true, "/-/ready": true, "/metrics": true,
}

// logRequests logs one line per request.
func logRequests(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := recorderOf(w)
			next.ServeHTTP(rec, r)
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if quietPaths[r.URL.Path] && status < 400 {
				level = slog.LevelDebug
			}
			logger.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("remote", r.RemoteAddr),
			)
		})
	}
}

// recoverPanics turns a handler's panic into a logged 500 instead of a
// dropped connection. http.ErrAbortHandler keeps its meaning.
func recoverPanics(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := recorderOf(w)
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.ErrorContext(r.Context(), "handler panicked", "method", r.Method, "path", r.URL.Path,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeError(rec, r, slog.New(slog.DiscardHandler), fmt.Errorf("panic: %v", v))
				}
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// limitBody refuses bodies declared larger than limit at once and stops
// reading undeclared (chunked) ones at limit.
func limitBody(limit int64, logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > limit {
				writeError(w, r, logger, tooLargeError(limit))
				return
			}
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, limit)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// noSniff tells browsers to take every response (JSON, exposition text,
// files) as the type it declares, never to guess it as HTML.
func noSniff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// DefaultMinBodyRate is the slowest a request body may arrive, on average,
// after bodyGrace: a slow office line sends far more, a client trickling a
// byte a second to hold a connection is cut off.
const DefaultMinBodyRate = 4 << 10 // bytes per second

// bodyGrace is the time a body may take before the rate applies.
const bodyGrace = 10 * time.Second

// codeTooSlow is a request body that came slower than the minimum rate.
const codeTooSlow = "too_slow"

// bodyRate reads request bodies under a deadline that grows with what
// has arrived: the time spent waiting for the body may not exceed
// bodyGrace + bytes read / minRate. Only time blocked in Read counts, so a
// handler that waits before reading (for a turn to ingest, say) costs the
// client nothing. Whatever the handler leaves unread is not waited for.
func bodyRate(minRate int64, logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			rc := http.NewResponseController(w)
			// Until the handler reads: a deadline in proportion to the
			// declared size (net/http reads up to 256 KiB of an unread body
			// to answer on the same connection).
			declared := min(max(r.ContentLength, 0), 256<<10)
			rc.SetReadDeadline(time.Now().Add(bodyGrace + time.Duration(declared*int64(time.Second)/minRate))) //nolint:errcheck // unsupported: the server's timeouts still hold
			body := &rateBody{body: r.Body, rc: rc, minRate: minRate}
			r.Body = body
			next.ServeHTTP(&answerCuts{ResponseWriter: w, body: body}, r)
			if body.tooSlow {
				logger.Warn("request body too slow: connection cut", "path", r.URL.Path, "remote", r.RemoteAddr,
					"bytes", body.n, "waited", body.blocked.Round(time.Millisecond))
			}
			if !body.eof {
				// net/http would read up to 256 KiB of the rest to reuse the
				// connection; a trickling client is not waited for.
				rc.SetReadDeadline(time.Now()) //nolint:errcheck // unsupported: the server's timeouts still hold
			}
		})
	}
}

// answerCuts stops reading the request body once the handler answers
// without having read all of it (a refusal): net/http would otherwise wait
// for up to 256 KiB more of it before sending the answer.
type answerCuts struct {
	http.ResponseWriter
	body     *rateBody
	answered bool
}

func (w *answerCuts) cut() {
	if !w.answered {
		w.answered = true
		if !w.body.eof {
			w.body.rc.SetReadDeadline(time.Now()) //nolint:errcheck // unsupported: the server's timeouts still hold
		}
	}
}

func (w *answerCuts) WriteHeader(code int) {
	if code >= 200 { // 1xx (100 Continue) is not an answer
		w.cut()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *answerCuts) Write(b []byte) (int, error) {
	w.cut()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (w *answerCuts) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type rateBody struct {
	body    io.ReadCloser
	rc      *http.ResponseController
	minRate int64
	n       int64         // bytes read
	blocked time.Duration // time spent in Read
	eof     bool
	tooSlow bool
}

func (b *rateBody) Read(p []byte) (int, error) {
	if b.tooSlow {
		return 0, b.slowError()
	}
	allowed := bodyGrace + time.Duration(float64(b.n)/float64(b.minRate)*float64(time.Second)) - b.blocked
	start := time.Now()
	if err := b.rc.SetReadDeadline(start.Add(max(allowed, time.Millisecond))); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return 0, err
	}
	n, err := b.body.Read(p)
	b.blocked += time.Since(start)
	b.n += int64(n)
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF):
		b.eof = true
		// No deadline while net/http watches the idle connection for the
		// client going away (a timeout there would cancel the request); the
		// answer's write time counts from the end of a long upload.
		b.rc.SetReadDeadline(time.Time{})                   //nolint:errcheck // as above
		b.rc.SetWriteDeadline(time.Now().Add(writeTimeout)) //nolint:errcheck // as above
	case errors.As(err, &ne) && ne.Timeout():
		b.tooSlow = true
		return n, b.slowError()
	}
	return n, err
}

func (b *rateBody) slowError() error {
	return &kpi.Error{Code: codeTooSlow, Message: fmt.Sprintf(
		"请求体传送过慢（%d 秒内只收到 %d 字节），连接已断开；请检查网络后重新提交\nthe request body came too slowly (%d bytes in %d s, under %d bytes per second): the connection is closed; check the line and send it again",
		int(b.blocked.Seconds()), b.n, b.n, int(b.blocked.Seconds()), b.minRate)}
}

func (b *rateBody) Close() error { return b.body.Close() }
