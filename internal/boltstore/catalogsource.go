package boltstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// keyCatalogSource (bucket meta) holds the digest of the targets files the
// stored catalog was last synced from, as the server computed it, and a
// fingerprint of the stored catalog as that sync left it.
var keyCatalogSource = []byte("catalog_source")

// CatalogFromSource reports whether the stored catalog is exactly what
// the last sync from the targets files of digest left: the digest
// recorded with SetCatalogSource is the same, and no catalog change has
// been made since by any other way (kpimon targets, an older binary).
// A server that finds it so may skip parsing and syncing the files.
func (s *Store) CatalogFromSource(ctx context.Context, digest string) (bool, error) {
	var same bool
	err := s.view(ctx, "catalog source", func(tx *bolt.Tx) error {
		stored := tx.Bucket(bucketMeta).Get(keyCatalogSource)
		if stored == nil || digest == "" {
			return nil
		}
		fp, err := catalogFingerprint(tx)
		if err != nil {
			return err
		}
		same = string(stored) == digest+" "+fp
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("catalog source: %w", err)
	}
	return same, nil
}

// SetCatalogSource records that the stored catalog was just synced from
// the targets files of digest (see CatalogFromSource). It changes no
// figure or target: the generation stays.
func (s *Store) SetCatalogSource(ctx context.Context, digest string) error {
	return s.update(ctx, "catalog source", func(tx *bolt.Tx) (bool, error) {
		fp, err := catalogFingerprint(tx)
		if err != nil {
			return false, err
		}
		record := []byte(digest + " " + fp)
		meta := tx.Bucket(bucketMeta)
		if string(meta.Get(keyCatalogSource)) == string(record) {
			return false, nil
		}
		if err := meta.Put(keyCatalogSource, record); err != nil {
			return false, fmt.Errorf("catalog source: %w", err)
		}
		return true, nil
	}, nil)
}

// catalogFingerprint digests every stored plan record and indicator
// definition: any change of the catalog changes it.
func catalogFingerprint(tx *bolt.Tx) (string, error) {
	h := sha256.New()
	var n [8]byte
	for _, name := range [][]byte{bucketPlans, bucketIndicators} {
		err := tx.Bucket(name).ForEach(func(k, v []byte) error {
			for _, b := range [][]byte{k, v} {
				l := len(b)
				for i := range n {
					n[i] = byte(l >> (8 * i))
				}
				h.Write(n[:])
				h.Write(b)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
