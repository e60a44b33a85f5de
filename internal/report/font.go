package report

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
)

// FontCandidates are the fonts with Chinese and Latin glyphs WritePDF looks
// for when none is given, in order. fpdf embeds a single TrueType font
// (.ttf); a collection (.ttc) is read by taking its first font out of it
// (FontFromCollection).
//
// The first is Debian's fonts-wqy-microhei (WenQuanYi Micro Hei, licensed
// Apache-2.0 or GPL-3+ with the font exception; kpimon uses it under
// Apache-2.0), which the web tests install for Chromium anyway. The PDF
// embeds the subset of its glyphs the circular uses. Droid Sans Fallback
// (fonts-droid-fallback) is not enough on its own: it has no Latin digits.
var FontCandidates = []string{
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf",
	"/usr/share/fonts/opentype/noto/NotoSansSC-Regular.ttf",
}

// ErrNoFont is returned by FindFont when no candidate font is installed.
var ErrNoFont = errors.New("no font with Chinese glyphs found: install Debian's fonts-wqy-microhei or name a .ttf or .ttc with --font")

// FindFont returns the font file to use: file when given, else the first
// of FontCandidates that exists.
func FindFont(file string) (string, error) {
	if file != "" {
		if _, err := os.Stat(file); err != nil {
			return "", fmt.Errorf("font: %w", err)
		}
		return file, nil
	}
	for _, f := range FontCandidates {
		if _, err := os.Stat(f); err == nil {
			return f, nil
		}
	}
	return "", ErrNoFont
}

// loadFont reads a font file as a single TrueType font.
func loadFont(file string) ([]byte, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read font: %w", err)
	}
	if strings.HasPrefix(string(b[:min(4, len(b))]), "ttcf") {
		if b, err = FontFromCollection(b); err != nil {
			return nil, fmt.Errorf("font %s: %w", file, err)
		}
	}
	return b, nil
}

// FontFromCollection returns the first font of a TrueType collection
// (.ttc) as a standalone TrueType font: its offset table and table
// records, with each table copied after them and its offset rewritten.
// Table checksums stay valid, since no table's bytes change.
func FontFromCollection(ttc []byte) ([]byte, error) {
	be := binary.BigEndian
	if len(ttc) < 16 || string(ttc[:4]) != "ttcf" || be.Uint32(ttc[8:12]) == 0 {
		return nil, errors.New("not a TrueType collection")
	}
	off := int(be.Uint32(ttc[12:16]))
	if off+12 > len(ttc) {
		return nil, errors.New("collection: first font's offset out of range")
	}
	numTables := int(be.Uint16(ttc[off+4 : off+6]))
	dirEnd := off + 12 + 16*numTables
	if dirEnd > len(ttc) {
		return nil, errors.New("collection: table directory out of range")
	}
	out := make([]byte, 12+16*numTables, len(ttc))
	copy(out, ttc[off:dirEnd])
	for i := range numTables {
		rec := out[12+16*i : 28+16*i]
		start, length := int(be.Uint32(rec[8:12])), int(be.Uint32(rec[12:16]))
		if start < 0 || length < 0 || start+length > len(ttc) {
			return nil, fmt.Errorf("collection: table %q out of range", rec[:4])
		}
		be.PutUint32(rec[8:12], uint32(len(out)))
		out = append(out, ttc[start:start+length]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out, nil
}
