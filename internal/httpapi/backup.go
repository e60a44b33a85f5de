package httpapi

import (
	"fmt"
	"net/http"

	"github.com/yanfeng/kpimon/internal/httpfile"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// handleBackup streams a consistent copy of the store while the server
// runs (a hot backup). Only a token for every indicator (--all) may take
// one: the copy holds every figure and the audit log.
func handleBackup(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, _ := actorFrom(r.Context())
		if d.Backup == nil {
			writeError(w, r, d.Logger, kpi.Errorf(kpi.ENOTFOUND, "备份不可用\nbackups are not available on this server"))
			return
		}
		name := "kpimon-" + d.Now().In(kpi.China).Format("20060102-150405") + ".db"
		h := w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", httpfile.Attachment(name, name))
		h.Set("Cache-Control", "no-store")
		n, err := d.Backup(r.Context(), w)
		if err != nil {
			// Headers are gone: the client sees a short body; the log says why.
			d.Logger.ErrorContext(r.Context(), "backup", "err", err, "bytes", n)
			return
		}
		if err := d.Store.AppendAudit(r.Context(), kpi.AuditEntry{At: d.Now(), Actor: actor.Name, Remote: actor.Remote,
			Action: kpi.ActionBackup, Detail: fmt.Sprintf("%s, %d bytes", name, n)}); err != nil {
			d.Logger.ErrorContext(r.Context(), "audit backup", "err", err)
		}
	})
}
