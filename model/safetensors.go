package model

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// The safetensors layout: u64 little-endian header length N, N bytes of
// JSON header, then the data section that the header's offsets index.

// maxHeaderLen bounds the JSON header (docs/bundle-format.md).
const maxHeaderLen = 64 << 20

const metadataKey = "__metadata__"

// dtypeSize is the element size of a supported dtype, 0 for any other.
func dtypeSize(dtype string) int {
	switch dtype {
	case "F32", "I32":
		return 4
	case "F16", "BF16":
		return 2
	case "I64":
		return 8
	}
	return 0
}

func isIntDType(dtype string) bool { return dtype == "I64" || dtype == "I32" }

// TensorInfo describes one tensor of a safetensors file.
type TensorInfo struct {
	Name  string
	DType string // F32, F16, BF16, I64 or I32
	Shape []int
	// Begin and End are the tensor's byte range within the data section.
	Begin, End int64
}

// Len is the number of elements.
func (ti TensorInfo) Len() int { return numel(ti.Shape) }

// stFile is a parsed safetensors header over its data.
type stFile struct {
	r         io.ReaderAt
	dataStart int64
	tensors   []TensorInfo // sorted by name
	index     map[string]int
	metadata  map[string]string
}

// readFullAt reads len(p) bytes at off; a short read is io.ErrUnexpectedEOF.
func readFullAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseSafetensors reads and checks the header of a safetensors file of
// the given size. Every size is checked against the file before anything
// is allocated for it.
func parseSafetensors(r io.ReaderAt, size int64) (*stFile, error) {
	var lenBuf [8]byte
	if size < 8 {
		return nil, fmt.Errorf("file of %d bytes has no 8-byte header length: %w", size, io.ErrUnexpectedEOF)
	}
	if err := readFullAt(r, lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("read header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxHeaderLen {
		return nil, fmt.Errorf("header length %d exceeds the limit of 64 MiB", n)
	}
	if int64(n) > size-8 {
		return nil, fmt.Errorf("header length %d exceeds the %d bytes after it: %w", n, size-8, io.ErrUnexpectedEOF)
	}
	hdr := make([]byte, n)
	if err := readFullAt(r, hdr, 8); err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	f := &stFile{r: r, dataStart: 8 + int64(n), index: map[string]int{}}
	if err := f.parseHeader(hdr, size-f.dataStart); err != nil {
		return nil, err
	}
	return f, nil
}

type stEntry struct {
	DType       *string  `json:"dtype"`
	Shape       *[]int64 `json:"shape"`
	DataOffsets *[]int64 `json:"data_offsets"`
}

func (f *stFile) parseHeader(hdr []byte, dataSize int64) error {
	if !utf8.Valid(hdr) {
		return errors.New("header is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.DisallowUnknownFields()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("header is not a JSON object (%s)", describeJSONError(tok, err))
	}
	seenMeta := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("header JSON: %v", err)
		}
		name, _ := tok.(string)
		if _, dup := f.index[name]; dup || name == metadataKey && seenMeta {
			return fmt.Errorf("header: key %q appears twice", name)
		}
		if name == metadataKey {
			seenMeta = true
			if err := dec.Decode(&f.metadata); err != nil {
				return fmt.Errorf("header: %s must map strings to strings: %v", metadataKey, err)
			}
			continue
		}
		var e stEntry
		if err := dec.Decode(&e); err != nil {
			return fmt.Errorf("header: tensor %q: %v", name, err)
		}
		ti, err := checkEntry(name, &e, dataSize)
		if err != nil {
			return fmt.Errorf("header: tensor %q: %w", name, err)
		}
		f.index[name] = len(f.tensors)
		f.tensors = append(f.tensors, ti)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return fmt.Errorf("header JSON: %s", describeJSONError(tok, err))
	}
	// Only padding may follow the object.
	if tok, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("header: data after the JSON object (%s)", describeJSONError(tok, err))
	}
	f.sortByName()
	return f.checkOverlaps()
}

func describeJSONError(tok json.Token, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("found %v", tok)
}

// checkEntry validates one header entry against the data section size.
func checkEntry(name string, e *stEntry, dataSize int64) (TensorInfo, error) {
	if e.DType == nil || e.Shape == nil || e.DataOffsets == nil {
		return TensorInfo{}, errors.New(`want an object with "dtype", "shape" and "data_offsets"`)
	}
	ti := TensorInfo{Name: name, DType: *e.DType}
	es := int64(dtypeSize(ti.DType))
	if es == 0 {
		return ti, fmt.Errorf("dtype %q is not supported (want F32, F16, BF16, I64 or I32)", ti.DType)
	}
	elems := int64(1)
	for _, d := range *e.Shape {
		if d < 0 || d > math.MaxInt {
			return ti, fmt.Errorf("invalid dimension %d in shape %v", d, *e.Shape)
		}
		if d > 0 && elems > math.MaxInt64/es/d {
			return ti, fmt.Errorf("shape %v is too large", *e.Shape)
		}
		elems *= d
		ti.Shape = append(ti.Shape, int(d))
	}
	if ti.Shape == nil {
		ti.Shape = []int{}
	}
	off := *e.DataOffsets
	if len(off) != 2 || off[0] < 0 || off[1] < off[0] {
		return ti, fmt.Errorf("data_offsets %v is not a range [begin, end]", off)
	}
	ti.Begin, ti.End = off[0], off[1]
	if want := elems * es; ti.End-ti.Begin != want {
		return ti, fmt.Errorf("data_offsets %v hold %d bytes, but %s %v needs %d", off, ti.End-ti.Begin, ti.DType, ti.Shape, want)
	}
	if ti.End > dataSize {
		return ti, fmt.Errorf("data_offsets %v end past the %d-byte data section: %w", off, dataSize, io.ErrUnexpectedEOF)
	}
	return ti, nil
}

// sortByName orders the tensors by name and rebuilds the index.
func (f *stFile) sortByName() {
	sort.Slice(f.tensors, func(i, j int) bool { return f.tensors[i].Name < f.tensors[j].Name })
	for i, t := range f.tensors {
		f.index[t.Name] = i
	}
}

// checkOverlaps reports the first two tensors whose byte ranges overlap.
func (f *stFile) checkOverlaps() error {
	byOffset := make([]*TensorInfo, 0, len(f.tensors))
	for i := range f.tensors {
		if f.tensors[i].End > f.tensors[i].Begin {
			byOffset = append(byOffset, &f.tensors[i])
		}
	}
	sort.Slice(byOffset, func(i, j int) bool { return byOffset[i].Begin < byOffset[j].Begin })
	for i := 1; i < len(byOffset); i++ {
		// Sorted by begin: while no pair has overlapped, the ranges so far
		// are disjoint and ordered, so only the previous one can reach b.
		a, b := byOffset[i-1], byOffset[i]
		if b.Begin < a.End {
			return fmt.Errorf("header: tensors %q [%d, %d) and %q [%d, %d) overlap", a.Name, a.Begin, a.End, b.Name, b.Begin, b.End)
		}
	}
	return nil
}

// readChunks passes the tensor's bytes to fn in pieces of at most 1 MiB;
// first is the index of the piece's first element.
func (f *stFile) readChunks(ti *TensorInfo, fn func(b []byte, first int)) error {
	es := int64(dtypeSize(ti.DType))
	total := ti.End - ti.Begin
	chunk := (1 << 20) / es * es
	buf := make([]byte, min(chunk, total))
	for off := int64(0); off < total; off += chunk {
		n := min(chunk, total-off)
		if err := readFullAt(f.r, buf[:n], f.dataStart+ti.Begin+off); err != nil {
			return fmt.Errorf("read tensor %q: %w", ti.Name, err)
		}
		fn(buf[:n], int(off/es))
	}
	return nil
}

// readFloat32 reads a F32, F16 or BF16 tensor as float32.
func (f *stFile) readFloat32(ti *TensorInfo) ([]float32, error) {
	if isIntDType(ti.DType) {
		return nil, fmt.Errorf("tensor %q is %s, not a float tensor", ti.Name, ti.DType)
	}
	out := make([]float32, ti.Len())
	le := binary.LittleEndian
	err := f.readChunks(ti, func(b []byte, first int) {
		dst := out[first:]
		switch ti.DType {
		case "F32":
			for i := range len(b) / 4 {
				dst[i] = math.Float32frombits(le.Uint32(b[4*i:]))
			}
		case "F16":
			for i := range len(b) / 2 {
				dst[i] = Float16ToFloat32(le.Uint16(b[2*i:]))
			}
		case "BF16":
			for i := range len(b) / 2 {
				dst[i] = BFloat16ToFloat32(le.Uint16(b[2*i:]))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readInt64 reads an I64 or I32 tensor as int64.
func (f *stFile) readInt64(ti *TensorInfo) ([]int64, error) {
	if !isIntDType(ti.DType) {
		return nil, fmt.Errorf("tensor %q is %s, not an integer tensor", ti.Name, ti.DType)
	}
	out := make([]int64, ti.Len())
	le := binary.LittleEndian
	err := f.readChunks(ti, func(b []byte, first int) {
		dst := out[first:]
		if ti.DType == "I64" {
			for i := range len(b) / 8 {
				dst[i] = int64(le.Uint64(b[8*i:]))
			}
			return
		}
		for i := range len(b) / 4 {
			dst[i] = int64(int32(le.Uint32(b[4*i:])))
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RawTensor is one tensor of a safetensors file: float dtypes are
// converted to F32, integer dtypes to I64.
type RawTensor struct {
	DType string // the dtype stored in the file
	Shape []int
	F32   []float32
	I64   []int64
}

// ReadSafetensors reads a whole safetensors file (such as a fixture's
// *.expected.safetensors) with the same checks as OpenBundle's header.
func ReadSafetensors(path string) (map[string]RawTensor, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return nil, err
	}
	f, err := parseSafetensors(file, st.Size())
	if err != nil {
		return nil, fmt.Errorf("safetensors %s: %w", path, err)
	}
	out := make(map[string]RawTensor, len(f.tensors))
	for i := range f.tensors {
		ti := &f.tensors[i]
		rt := RawTensor{DType: ti.DType, Shape: ti.Shape}
		if isIntDType(ti.DType) {
			rt.I64, err = f.readInt64(ti)
		} else {
			rt.F32, err = f.readFloat32(ti)
		}
		if err != nil {
			return nil, fmt.Errorf("safetensors %s: %w", path, err)
		}
		out[ti.Name] = rt
	}
	return out, nil
}

// NamedTensor is a tensor to write: float data in F32 (stored as DType
// F32, F16 or BF16) or integer data in I64 (stored as I64 or I32). An
// empty DType means F32 for float data and I64 for integer data.
type NamedTensor struct {
	Name  string
	Shape []int
	F32   []float32
	I64   []int64
	DType string
}

func (t *NamedTensor) dtype() string {
	if t.DType == "" && t.F32 == nil && t.I64 != nil {
		return "I64"
	}
	if t.DType == "" {
		return "F32"
	}
	return t.DType
}

// check validates the tensor's dtype, shape and data before writing.
func (t *NamedTensor) check() error {
	d := t.dtype()
	if dtypeSize(d) == 0 {
		return fmt.Errorf("tensor %q: dtype %q cannot be written (want F32, F16, BF16, I64 or I32)", t.Name, d)
	}
	n := int64(1)
	for _, v := range t.Shape {
		if v < 0 || v > 0 && n > math.MaxInt64/8/int64(v) {
			return fmt.Errorf("tensor %q: invalid shape %v", t.Name, t.Shape)
		}
		n *= int64(v)
	}
	have, other := int64(len(t.F32)), len(t.I64)
	if isIntDType(d) {
		have, other = int64(len(t.I64)), len(t.F32)
	}
	if have != n || other != 0 {
		return fmt.Errorf("tensor %q: %s shape %v needs %d values, have %d float and %d integer", t.Name, d, t.Shape, n, len(t.F32), len(t.I64))
	}
	if d == "I32" {
		for _, v := range t.I64 {
			if v != int64(int32(v)) {
				return fmt.Errorf("tensor %q: value %d does not fit I32", t.Name, v)
			}
		}
	}
	return nil
}

// jsonString quotes s as a JSON string without HTML escaping.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// WriteSafetensors writes tensors and string metadata as a safetensors
// file. The output is deterministic: metadata first, tensors sorted by
// name and stored in that order, and the header padded with spaces so
// that the data section starts 8-byte aligned.
func WriteSafetensors(w io.Writer, metadata map[string]string, tensors []NamedTensor) error {
	sorted := make([]*NamedTensor, len(tensors))
	for i := range tensors {
		sorted[i] = &tensors[i]
	}
	slices.SortFunc(sorted, func(a, b *NamedTensor) int { return strings.Compare(a.Name, b.Name) })
	var hdr bytes.Buffer
	hdr.WriteByte('{')
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		hdr.WriteString(jsonString(metadataKey) + ":{")
		for i, k := range keys {
			if i > 0 {
				hdr.WriteByte(',')
			}
			hdr.WriteString(jsonString(k) + ":" + jsonString(metadata[k]))
		}
		hdr.WriteByte('}')
	}
	var off int64
	for i, t := range sorted {
		if t.Name == "" || t.Name == metadataKey {
			return fmt.Errorf("write safetensors: invalid tensor name %q", t.Name)
		}
		if i > 0 && sorted[i-1].Name == t.Name {
			return fmt.Errorf("write safetensors: tensor %q given twice", t.Name)
		}
		if err := t.check(); err != nil {
			return fmt.Errorf("write safetensors: %w", err)
		}
		if hdr.Len() > 1 {
			hdr.WriteByte(',')
		}
		size := int64(numel(t.Shape) * dtypeSize(t.dtype()))
		shape, _ := json.Marshal(t.Shape)
		if t.Shape == nil {
			shape = []byte("[]")
		}
		fmt.Fprintf(&hdr, `%s:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`, jsonString(t.Name), t.dtype(), shape, off, off+size)
		off += size
	}
	hdr.WriteByte('}')
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}
	if hdr.Len() > maxHeaderLen {
		return fmt.Errorf("write safetensors: header of %d bytes exceeds the limit of 64 MiB", hdr.Len())
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(hdr.Len()))
	bw.Write(lenBuf[:])
	bw.Write(hdr.Bytes())
	for _, t := range sorted {
		writeData(bw, t)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write safetensors: %w", err)
	}
	return nil
}

// writeData encodes t's values little-endian in its dtype; bufio.Writer
// keeps the first error, which Flush reports.
func writeData(bw *bufio.Writer, t *NamedTensor) {
	le := binary.LittleEndian
	var b [8]byte
	switch t.dtype() {
	case "F32":
		for _, v := range t.F32 {
			le.PutUint32(b[:], math.Float32bits(v))
			bw.Write(b[:4])
		}
	case "F16":
		for _, v := range t.F32 {
			le.PutUint16(b[:], Float32ToFloat16(v))
			bw.Write(b[:2])
		}
	case "BF16":
		for _, v := range t.F32 {
			le.PutUint16(b[:], Float32ToBFloat16(v))
			bw.Write(b[:2])
		}
	case "I64":
		for _, v := range t.I64 {
			le.PutUint64(b[:], uint64(v))
			bw.Write(b[:8])
		}
	case "I32":
		for _, v := range t.I64 {
			le.PutUint32(b[:], uint32(int32(v)))
			bw.Write(b[:4])
		}
	}
}
