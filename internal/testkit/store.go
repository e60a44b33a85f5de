package testkit

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// Store opens a real bbolt store in a temporary directory, closed when the
// test ends, with cat synced in, tokens created and the named ones revoked.
func Store(t testing.TB, cat kpi.Catalog, tokens []kpi.Token, revoked ...string) *boltstore.Store {
	t.Helper()
	ctx := context.Background()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "kpimon.db"), boltstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.SyncCatalog(ctx, cat, kpi.Actor{Name: "catalog", Remote: "test"}); err != nil {
		t.Fatalf("sync catalog: %v", err)
	}
	operator := kpi.Actor{Name: "operator", Remote: "cli"}
	for _, tok := range tokens {
		if err := st.CreateToken(ctx, tok, operator); err != nil {
			t.Fatalf("create token %s: %v", tok.Name, err)
		}
	}
	for _, name := range revoked {
		if err := st.RevokeToken(ctx, name, operator); err != nil {
			t.Fatalf("revoke token %s: %v", name, err)
		}
	}
	return st
}
