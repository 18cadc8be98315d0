// Package assets holds the files embedded in the bartedit binary: the
// model bundles (every assets/*.bart). It imports nothing of ours;
// cmd/bartedit opens the bytes with model.OpenBundleBytes.
package assets

import (
	"embed"
	"io/fs"
	"sort"
)

// The default bundle, default.bart, is the emoji model trained by `make
// train export eval` (train/RESULTS.md says how well).
//
//go:embed *.bart
var bundles embed.FS

// Bundle is one embedded model bundle.
type Bundle struct {
	File string // file name in assets/, e.g. "default.bart"
	// Data returns a copy of the bundle's bytes (embedded files are
	// read-only strings in the binary; each call copies).
	Data func() []byte
}

// Open opens the embedded file for reading in place: it is an
// io.ReaderAt, so a bundle's header can be read without copying the rest.
func (b Bundle) Open() (fs.File, error) { return bundles.Open(b.File) }

// Source is how messages name the bundle.
func (b Bundle) Source() string { return b.File + " (embedded)" }

// Default is the default model's bundle.
func Default() Bundle { return Bundles()[0] }

// Bundles lists the embedded bundles: the default model first, then the
// others by file name.
func Bundles() []Bundle {
	names, _ := fs.Glob(bundles, "*.bart") // the pattern is valid
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "default.bart") != (names[j] == "default.bart") {
			return names[i] == "default.bart"
		}
		return names[i] < names[j]
	})
	out := make([]Bundle, 0, len(names))
	for _, n := range names {
		out = append(out, Bundle{File: n, Data: func() []byte {
			data, _ := bundles.ReadFile(n) // listed just above
			return data
		}})
	}
	return out
}
