package model

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
)

func BenchmarkZZParse(b *testing.B) {
	data, _ := os.ReadFile("testdata/fixture-text.bart")
	hdr := data[:8+binary.LittleEndian.Uint64(data)]
	for b.Loop() {
		parseSafetensors(zeroPadded(hdr), fuzzPadLimit)
	}
}
func BenchmarkZZOpen(b *testing.B) {
	data, _ := os.ReadFile("testdata/fixture-text.bart")
	for b.Loop() {
		openBundle("x", bytes.NewReader(data), int64(len(data)), true)
	}
}
