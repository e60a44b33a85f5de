package httpapi_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/kpi"
)

func TestBackup(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	wantStatus(t, f.postJSON("/api/v1/observations", testSecrets["tjj"], `[{"indicator":"high_tech_enterprises","period":"2021","value":22}]`), http.StatusCreated)

	wantError(t, f.do(http.MethodGet, "/api/v1/backup", "", nil), http.StatusUnauthorized, kpi.EUNAUTHORIZED)
	wantError(t, f.do(http.MethodGet, "/api/v1/backup", testSecrets["kgxj"], nil), http.StatusForbidden, kpi.EFORBIDDEN)

	resp := f.do(http.MethodGet, "/api/v1/backup", testSecrets["tjj"], nil)
	wantStatus(t, resp, http.StatusOK)
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "kpimon-") {
		t.Errorf("Content-Disposition = %q, want a kpimon-….db attachment", cd)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The copy is a store of its own, holding the figure.
	path := filepath.Join(t.TempDir(), "kpimon.db")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	restored, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer restored.Close()
	obs, err := restored.Observations(t.Context(), kpi.Ref{Plan: planA, ID: "high_tech_enterprises"})
	if err != nil || len(obs) != 1 || obs[0].Value != 22 {
		t.Errorf("backup holds %+v (%v), want the figure 22", obs, err)
	}
	if e := f.auditEntries(); e[0].Action != "backup" || e[0].Actor != "tjj" {
		t.Errorf("newest audit entry %+v, want the backup by tjj", e[0])
	}
}
