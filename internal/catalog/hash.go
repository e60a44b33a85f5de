package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"

	"github.com/yanfeng/kpimon/targets"
)

// DirHash returns a digest of the targets files LoadDir(dir) reads: their
// names and contents. Equal digests mean LoadDir would read the same
// catalog (with the same binary), so a server can skip parsing them at
// start when the store holds what it loaded from the same digest.
func DirHash(dir string) (string, error) {
	h, err := fsHash(os.DirFS(dir))
	if err != nil {
		return "", fmt.Errorf("targets dir %s: %w", dir, err)
	}
	return h, nil
}

// DefaultHash is DirHash of the embedded catalog.
func DefaultHash() (string, error) {
	return fsHash(targets.FS)
}

func fsHash(fsys fs.FS) (string, error) {
	files, err := readYAMLFiles(fsys, "")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range files {
		// Length-prefixed, so no two file sets give the same stream.
		fmt.Fprintf(h, "%d:%s%d:", len(f.name), f.name, len(f.data))
		h.Write(f.data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
