// Package assets holds the files embedded in the bartedit binary: the
// default model bundle. It imports nothing of ours; cmd/bartedit opens the
// bytes with model.OpenBundleBytes.
package assets

import _ "embed"

// DefaultModel is the embedded default `.bart` bundle. Until the trained
// emoji model lands (see README), it is the class-and-text fixture from
// model/testdata: random weights, real architecture; `bartedit info` says so.
//
//go:embed default.bart
var DefaultModel []byte

// DefaultModelName is the name the embedded bundle goes by in messages.
const DefaultModelName = "default.bart (embedded)"
