package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// metaKey is the __metadata__ key that holds the bartedit document.
const metaKey = "bartedit"

const usedName = "first_stage_model.quantize.used"

// BundleError reports a .bart bundle that cannot be used. One error lists
// every missing, unexpected and mismatched tensor at once; Err is the
// underlying cause, if any (io.ErrUnexpectedEOF for a truncated file, a
// *MetaError for invalid metadata).
type BundleError struct {
	Path       string
	Problem    string
	Missing    []string // expected tensors that are absent
	Unexpected []string // tensors the metadata does not call for
	Mismatched []string // "name (have, want)" for a wrong shape or dtype
	Err        error
}

func (e *BundleError) Error() string {
	var parts []string
	switch {
	case e.Problem != "" && e.Err != nil:
		parts = append(parts, e.Problem+": "+e.Err.Error())
	case e.Problem != "":
		parts = append(parts, e.Problem)
	case e.Err != nil:
		parts = append(parts, e.Err.Error())
	}
	list := func(what string, names []string) {
		if len(names) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s: %s", what, plural(len(names), "tensor"), strings.Join(names, ", ")))
		}
	}
	list("missing", e.Missing)
	list("unexpected", e.Unexpected)
	list("wrong shape or dtype for", e.Mismatched)
	prefix := "bundle"
	if e.Path != "" {
		prefix += " " + e.Path
	}
	return prefix + ": " + strings.Join(parts, "; ")
}

// Unwrap returns the underlying cause.
func (e *BundleError) Unwrap() error { return e.Err }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Bundle is an open .bart file: validated metadata and an index of its
// tensors, which are read on demand. Its methods are safe for concurrent
// use until Close.
type Bundle struct {
	Path   string
	Meta   *Meta
	st     *stFile
	closer io.Closer
}

// OpenBundle opens and validates the bundle at path: the safetensors
// layout, the metadata, the tensor set against Meta.ExpectedTensors and
// the contents of the remap table. Weights are read later, per tensor.
func OpenBundle(path string) (*Bundle, error) {
	f, size, err := openFile(path)
	if err != nil {
		return nil, err
	}
	b, err := openBundle(path, f, size, true)
	if err != nil {
		f.Close()
		return nil, err
	}
	b.closer = f
	return b, nil
}

// OpenBundleBytes is OpenBundle for a bundle held in memory (such as an
// embedded default model); name is used in errors.
func OpenBundleBytes(name string, data []byte) (*Bundle, error) {
	return openBundle(name, bytes.NewReader(data), int64(len(data)), true)
}

// ReadBundleInfoAt is ReadBundleInfo for a bundle of size bytes read
// through r (such as an embedded file); name is used in errors.
func ReadBundleInfoAt(name string, r io.ReaderAt, size int64) (*Meta, []TensorInfo, error) {
	b, err := openBundle(name, r, size, false)
	if err != nil {
		return nil, nil, err
	}
	return b.Meta, b.Tensors(), nil
}

// ReadBundleInfo reads only the header of the bundle at path, like
// image.DecodeConfig: the metadata and the tensor list, validated as by
// OpenBundle except for the contents of the remap table.
func ReadBundleInfo(path string) (*Meta, []TensorInfo, error) {
	f, size, err := openFile(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	b, err := openBundle(path, f, size, false)
	if err != nil {
		return nil, nil, err
	}
	return b.Meta, b.Tensors(), nil
}

func openFile(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, &BundleError{Path: path, Problem: "open", Err: unwrapPath(err)}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, &BundleError{Path: path, Problem: "stat", Err: unwrapPath(err)}
	}
	return f, st.Size(), nil
}

// unwrapPath drops the *fs.PathError layer, whose path the BundleError
// already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func openBundle(path string, r io.ReaderAt, size int64, checkContent bool) (*Bundle, error) {
	st, err := parseSafetensors(r, size)
	if err != nil {
		return nil, &BundleError{Path: path, Err: err}
	}
	doc, ok := st.metadata[metaKey]
	if !ok {
		return nil, &BundleError{Path: path, Problem: `no "bartedit" entry in the safetensors __metadata__ (not a bartedit bundle)`}
	}
	meta, err := decodeMeta([]byte(doc))
	if err == nil {
		err = meta.Validate()
	}
	if err != nil {
		return nil, &BundleError{Path: path, Err: err}
	}
	if err := checkTensorSet(path, meta, st.tensors); err != nil {
		return nil, err
	}
	b := &Bundle{Path: path, Meta: meta, st: st}
	if checkContent {
		if i, ok := st.index[usedName]; ok {
			used, err := st.readInt64(&st.tensors[i])
			if err != nil {
				return nil, &BundleError{Path: path, Err: err}
			}
			if err := checkUsed(used, meta.FirstStage.NEmbed); err != nil {
				return nil, &BundleError{Path: path, Err: err}
			}
		}
	}
	return b, nil
}

// checkTensorSet compares the tensors with meta.ExpectedTensors and
// reports every difference in one *BundleError.
func checkTensorSet(path string, meta *Meta, tensors []TensorInfo) error {
	specs := meta.ExpectedTensors()
	have := make(map[string]*TensorInfo, len(tensors))
	for i := range tensors {
		have[tensors[i].Name] = &tensors[i]
	}
	e := &BundleError{Path: path}
	for _, s := range specs {
		ti, ok := have[s.Name]
		if !ok {
			if !s.Optional {
				e.Missing = append(e.Missing, s.Name)
			}
			continue
		}
		delete(have, s.Name)
		want := "float"
		if s.Int {
			want = "integer"
		}
		if isIntDType(ti.DType) != s.Int || !slices.Equal(ti.Shape, s.Shape) {
			e.Mismatched = append(e.Mismatched, fmt.Sprintf("%s (have %s %v, want %s %v)", s.Name, ti.DType, ti.Shape, want, s.Shape))
		}
	}
	for _, t := range tensors {
		if _, ok := have[t.Name]; ok {
			e.Unexpected = append(e.Unexpected, t.Name)
		}
	}
	if len(e.Missing)+len(e.Unexpected)+len(e.Mismatched) > 0 {
		return e
	}
	return nil
}

// checkUsed enforces the remap table rules: strictly increasing codebook
// indices in [0, n_embed).
func checkUsed(used []int64, nEmbed int) error {
	for i, v := range used {
		if v < 0 || v >= int64(nEmbed) {
			return fmt.Errorf("%s[%d] = %d is not a codebook index in [0, %d)", usedName, i, v, nEmbed)
		}
		if i > 0 && v <= used[i-1] {
			return fmt.Errorf("%s is not strictly increasing at index %d (%d after %d)", usedName, i, v, used[i-1])
		}
	}
	return nil
}

// Tensors lists the bundle's tensors sorted by name.
func (b *Bundle) Tensors() []TensorInfo { return slices.Clone(b.st.tensors) }

// Shape returns the shape of the named tensor, or nil if there is none.
func (b *Bundle) Shape(name string) []int {
	if i, ok := b.st.index[name]; ok {
		return slices.Clone(b.st.tensors[i].Shape)
	}
	return nil
}

func (b *Bundle) lookup(name string) (*TensorInfo, error) {
	if i, ok := b.st.index[name]; ok {
		return &b.st.tensors[i], nil
	}
	return nil, &BundleError{Path: b.Path, Problem: fmt.Sprintf("no tensor %q", name)}
}

// Float32 reads the named weight tensor, converting F16 and BF16 to float32.
func (b *Bundle) Float32(name string) ([]float32, error) {
	ti, err := b.lookup(name)
	if err != nil {
		return nil, err
	}
	v, err := b.st.readFloat32(ti)
	if err != nil {
		return nil, &BundleError{Path: b.Path, Err: err}
	}
	return v, nil
}

// Ints reads the named integer table (I64 or I32).
func (b *Bundle) Ints(name string) ([]int64, error) {
	ti, err := b.lookup(name)
	if err != nil {
		return nil, err
	}
	v, err := b.st.readInt64(ti)
	if err != nil {
		return nil, &BundleError{Path: b.Path, Err: err}
	}
	return v, nil
}

// ParamCount is the number of weights in the bundle (every float tensor:
// transformers and first stage).
func (b *Bundle) ParamCount() int64 {
	var n int64
	for _, t := range b.st.tensors {
		if !isIntDType(t.DType) {
			n += int64(t.Len())
		}
	}
	return n
}

// Close releases the file; a bundle opened from bytes has nothing to close.
func (b *Bundle) Close() error {
	if b.closer == nil {
		return nil
	}
	err := b.closer.Close()
	b.closer = nil
	return err
}

// WriteBundle writes a .bart bundle: meta as the bartedit metadata and the
// tensors, which must be exactly meta.ExpectedTensors (optional ones may
// be left out) with a valid remap table. Nothing is written if a check
// fails.
func WriteBundle(w io.Writer, meta *Meta, tensors []NamedTensor) error {
	if err := meta.Validate(); err != nil {
		return &BundleError{Err: err}
	}
	infos := make([]TensorInfo, len(tensors))
	for i, t := range tensors {
		infos[i] = TensorInfo{Name: t.Name, DType: t.dtype(), Shape: t.Shape}
		if err := t.check(); err != nil {
			return &BundleError{Err: err}
		}
		if t.Name == usedName && isIntDType(t.dtype()) {
			if err := checkUsed(t.I64, meta.FirstStage.NEmbed); err != nil {
				return &BundleError{Err: err}
			}
		}
	}
	if err := checkTensorSet("", meta, infos); err != nil {
		return err
	}
	doc, err := encodeMeta(meta)
	if err != nil {
		return &BundleError{Err: err}
	}
	if err := WriteSafetensors(w, map[string]string{metaKey: string(doc)}, tensors); err != nil {
		return &BundleError{Err: err}
	}
	return nil
}

// WriteBundleFile writes a bundle to path atomically: to a temporary file
// in the same directory, which is renamed over path once complete.
func WriteBundleFile(path string, meta *Meta, tensors []NamedTensor) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return &BundleError{Path: path, Problem: "create temporary file", Err: err}
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := WriteBundle(tmp, meta, tensors); err != nil {
		var be *BundleError
		if errors.As(err, &be) && be.Path == "" {
			be.Path = path
		}
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return &BundleError{Path: path, Problem: "chmod", Err: err}
	}
	if err := tmp.Sync(); err != nil {
		return &BundleError{Path: path, Problem: "sync", Err: err}
	}
	if err := tmp.Close(); err != nil {
		return &BundleError{Path: path, Problem: "close", Err: err}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return &BundleError{Path: path, Problem: "rename", Err: unwrapPath(err)}
	}
	return nil
}
