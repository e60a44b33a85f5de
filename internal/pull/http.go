package pull

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"

	"github.com/yanfeng/kpimon/internal/kpi"
)

// httpState is what an http source remembers between runs and restarts.
type httpState struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	SHA256       string `json:"sha256,omitempty"` // of the last body ingested (or refused)
}

// runHTTP fetches the URL with a conditional request and ingests the body
// unless it is unchanged (304, or the same bytes as last time).
func (j *job) runHTTP(ctx context.Context) (RunReport, error) {
	var rep RunReport
	src := j.src
	st := j.loadState()
	ctx, cancel := context.WithTimeout(ctx, src.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.Location, nil)
	if err != nil {
		return rep, fmt.Errorf("source %s: %w", src.Name, err)
	}
	for k, v := range src.Headers {
		req.Header.Set(k, os.Expand(v, j.s.opts.Getenv))
	}
	if st.ETag != "" {
		req.Header.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		req.Header.Set("If-Modified-Since", st.LastModified)
	}
	resp, err := j.client().Do(req)
	if err != nil {
		return rep, fmt.Errorf("source %s: fetch %s: %w", src.Name, src.Location, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		rep.Skipped = append(rep.Skipped, src.Location)
		return rep, nil
	}
	if resp.StatusCode != http.StatusOK {
		return rep, fmt.Errorf("source %s: fetch %s: HTTP %s", src.Name, src.Location, resp.Status)
	}
	next := httpState{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	body, sum, err := j.download(resp.Body)
	next.SHA256 = sum
	switch {
	case errors.Is(err, errTooLarge):
		// Refused without reaching the ingester. Its validators (or the
		// hash of what was read) are kept, so the same file is not fetched
		// again (304) or not refused again until it changes.
		if sum == st.SHA256 {
			rep.Skipped = append(rep.Skipped, src.Location)
			return rep, j.saveState(next)
		}
		j.s.opts.Logger.Warn("pulled file refused: too large", "ingest_source", src.Name, "url", src.Location, "limit", j.s.maxFileBytes())
		if j.s.opts.FailureRecorder != nil {
			j.s.opts.FailureRecorder.RecordFailure(src.sourceLabel())
		}
		rep.Rejected = append(rep.Rejected, src.Location)
		return rep, j.saveState(next)
	case err != nil:
		return rep, fmt.Errorf("source %s: read %s: %w", src.Name, src.Location, err)
	}
	if next.SHA256 == st.SHA256 {
		rep.Skipped = append(rep.Skipped, src.Location)
		return rep, j.saveState(next)
	}
	name := path.Base(req.URL.Path)
	if name == "" || name == "/" || name == "." {
		name = src.Name
	}
	ct := contentType(src.Format)
	if ct == "" {
		ct = resp.Header.Get("Content-Type")
	}
	_, err = j.s.opts.Ingester.Ingest(ctx, kpi.Upload{
		Name: name, ContentType: ct, Body: body, Actor: src.actor(), Source: src.sourceLabel(),
		Unanswered: true, // no report reaches the URL's publisher: the operator must hear of it
	})
	switch kpi.ErrorCode(err) {
	case "":
		rep.Ingested = append(rep.Ingested, src.Location)
		return rep, j.saveState(next)
	case kpi.EINVALID, kpi.EFORBIDDEN:
		// The same bad file is not retried until it changes; the refusal
		// is audited, counted and stamped as the source's failure by the
		// ingester.
		rep.Rejected = append(rep.Rejected, src.Location)
		j.s.opts.Logger.Warn("pulled file rejected", "ingest_source", src.Name, "url", src.Location, "err", err)
		return rep, j.saveState(next)
	}
	return rep, fmt.Errorf("source %s: ingest %s: %w", src.Name, src.Location, err)
}

func (j *job) statePath() string {
	if j.s.opts.StateDir == "" {
		return ""
	}
	return filepath.Join(j.s.opts.StateDir, j.src.Name+".json")
}

func (j *job) loadState() httpState {
	var st httpState
	p := j.statePath()
	if p == "" {
		return j.memState
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return st
	}
	if err != nil || json.Unmarshal(b, &st) != nil {
		j.s.opts.Logger.Warn("pull state unreadable; fetching afresh", "ingest_source", j.src.Name, "path", p)
		return httpState{}
	}
	return st
}

func (j *job) saveState(st httpState) error {
	p := j.statePath()
	if p == "" {
		j.memState = st
		return nil
	}
	b, _ := json.Marshal(st)
	return writeFileAtomic(p, b)
}

// client is the scheduler's HTTP client, except that a redirect to another
// host does not carry the source's configured headers (an API key for one
// server must not reach another). Go already drops Authorization and
// Cookie on such redirects; custom headers it copies.
func (j *job) client() *http.Client {
	c := *j.s.opts.Client
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if req.URL.Host != via[0].URL.Host {
			for k := range j.src.Headers {
				req.Header.Del(k)
			}
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &c
}

// download streams a body to a temporary file, at most the file limit,
// hashing it on the way, then reads it back: a body over the limit costs
// one copy buffer of memory, not the body. It returns errTooLarge (with
// the hash of the bytes read) for a body over the limit.
func (j *job) download(r io.Reader) ([]byte, string, error) {
	max := j.s.maxFileBytes()
	tmp, err := os.CreateTemp(j.s.opts.StateDir, "pull-*.tmp")
	if err != nil {
		return nil, "", fmt.Errorf("temporary file: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, max+1))
	sum := hex.EncodeToString(h.Sum(nil))
	if err != nil {
		return nil, "", err
	}
	if n > max {
		return nil, sum, errTooLarge
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, "", fmt.Errorf("temporary file: %w", err)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(tmp, body); err != nil {
		return nil, "", fmt.Errorf("temporary file: %w", err)
	}
	return body, sum, nil
}
