// Package assets holds the files embedded in the bartedit binary: the
// default model bundle. It imports nothing of ours; cmd/bartedit opens the
// bytes with model.OpenBundleBytes.
package assets

import _ "embed"

// DefaultModel is the embedded default `.bart` bundle: the emoji model
// trained by `make train export eval` (train/RESULTS.md says how well).
//
//go:embed default.bart
var DefaultModel []byte

// DefaultModelName is the name the embedded bundle goes by in messages.
const DefaultModelName = "default.bart (embedded)"
