package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/yanfeng/kpimon/internal/boltstore"
	"github.com/yanfeng/kpimon/internal/catalog"
	"github.com/yanfeng/kpimon/internal/kpi"
)

// targetsDigest identifies what serve would load as the catalog: the
// targets files (or the embedded ones) and this binary, whose parser
// reads them (its size and modification time: a new build may read the
// same files otherwise). "" when the binary cannot be told: always parse.
func targetsDigest(dir string) (string, error) {
	var files string
	var err error
	if dir == "" {
		files, err = catalog.DefaultHash()
	} else {
		files, err = catalog.DirHash(dir)
	}
	if err != nil {
		return "", err
	}
	exe, err := os.Executable()
	if err != nil {
		return "", nil
	}
	st, err := os.Stat(exe)
	if err != nil {
		return "", nil
	}
	return fmt.Sprintf("%s exe=%d/%d", files, st.Size(), st.ModTime().UnixNano()), nil
}

// syncTargets loads the targets files into the store, unless the store
// holds exactly what they gave the last time (same files, same binary, no
// catalog change since): parsing a province's targets is most of a start.
func syncTargets(ctx context.Context, store *boltstore.Store, dir, digest string, logger *slog.Logger) error {
	same, err := store.CatalogFromSource(ctx, digest)
	if err != nil {
		return err
	}
	if same {
		cat, err := store.Catalog(ctx)
		if err != nil {
			return fmt.Errorf("read the stored catalog: %w", err)
		}
		logger.Info("catalog unchanged since it was last loaded: targets files not parsed again",
			"plans", len(cat.Plans), "indicators", len(cat.Indicators), "catalog_source", catalogOrigin(dir))
		return nil
	}
	cat, err := loadCatalog(dir)
	if err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	changes, err := store.SyncCatalog(ctx, cat, kpi.Actor{Name: "catalog", Remote: catalogOrigin(dir)})
	if err != nil {
		return fmt.Errorf("load catalog into the store: %w", err)
	}
	logCatalogChanges(ctx, logger, changes)
	logger.Info("catalog loaded", "plans", len(cat.Plans), "indicators", len(cat.Indicators), "changes", len(changes), "catalog_source", catalogOrigin(dir))
	if digest != "" {
		if err := store.SetCatalogSource(ctx, digest); err != nil {
			// Only the next start's shortcut is lost.
			logger.Warn("record the targets files' digest", "err", err)
		}
	}
	return nil
}
