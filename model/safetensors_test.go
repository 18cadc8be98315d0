package model

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// rawSafetensors assembles a file from a header string and data bytes,
// with no checks, so tests can write any corruption.
func rawSafetensors(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func TestSafetensorsRoundTrip(t *testing.T) {
	tensors := []NamedTensor{
		{Name: "w.f32", Shape: []int{2, 3}, F32: []float32{1, -2, 3.5, 0, float32(math.Inf(1)), 1e-30}},
		{Name: "w.f16", Shape: []int{4}, F32: []float32{0.5, -65504, 1.0 / (1 << 24), 0}, DType: "F16"},
		{Name: "w.bf16", Shape: []int{1, 2}, F32: []float32{3, -1e30}, DType: "BF16"},
		{Name: "ids", Shape: []int{3}, I64: []int64{0, -1, 1 << 40}},
		{Name: "ids32", Shape: []int{2}, I64: []int64{-5, 1 << 30}, DType: "I32"},
		{Name: "scalar", Shape: nil, F32: []float32{7}},
		{Name: "empty", Shape: []int{0, 5}, F32: []float32{}},
		{Name: `odd "name" <x>`, Shape: []int{1}, F32: []float32{2}},
	}
	meta := map[string]string{"bartedit": `{"a": "<pad> & é"}`, "other": "x"}
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, meta, tensors); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	n := binary.LittleEndian.Uint64(data)
	if (8+n)%8 != 0 {
		t.Errorf("data section starts at %d, not 8-byte aligned", 8+n)
	}
	if hdr := string(data[8 : 8+n]); strings.TrimRight(hdr, " ") != strings.TrimSpace(hdr) || !strings.HasSuffix(strings.TrimRight(hdr, " "), "}") {
		t.Errorf("header not padded with spaces only: %q", hdr)
	}
	if strings.Contains(string(data[8:8+n]), `\u003c`) {
		t.Errorf("header escapes HTML characters")
	}

	// Same tensors in another order: byte-identical output.
	var again bytes.Buffer
	rev := slices.Clone(tensors)
	slices.Reverse(rev)
	if err := WriteSafetensors(&again, meta, rev); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), data) {
		t.Errorf("output depends on the input order")
	}

	path := filepath.Join(t.TempDir(), "t.safetensors")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(tensors) {
		t.Errorf("read %d tensors, want %d", len(got), len(tensors))
	}
	for _, want := range tensors {
		g, ok := got[want.Name]
		if !ok {
			t.Errorf("%s missing", want.Name)
			continue
		}
		wantShape := want.Shape
		if wantShape == nil {
			wantShape = []int{}
		}
		if g.DType != want.dtype() || !slices.Equal(g.Shape, wantShape) {
			t.Errorf("%s: got %s %v, want %s %v", want.Name, g.DType, g.Shape, want.dtype(), wantShape)
		}
		if len(want.I64) > 0 && !slices.Equal(g.I64, want.I64) {
			t.Errorf("%s: got %v, want %v", want.Name, g.I64, want.I64)
		}
		if len(want.F32) > 0 {
			for i, v := range want.F32 {
				switch want.dtype() {
				case "F16":
					v = Float16ToFloat32(Float32ToFloat16(v))
				case "BF16":
					v = BFloat16ToFloat32(Float32ToBFloat16(v))
				}
				if g.F32[i] != v {
					t.Errorf("%s[%d] = %v, want %v", want.Name, i, g.F32[i], v)
				}
			}
		}
	}
	f, err := parseSafetensors(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.metadata, meta) {
		t.Errorf("metadata = %v, want %v", f.metadata, meta)
	}
}

func TestSafetensorsWriteErrors(t *testing.T) {
	cases := []struct {
		name    string
		tensors []NamedTensor
		want    string
	}{
		{"duplicate", []NamedTensor{{Name: "a", Shape: []int{1}, F32: []float32{1}}, {Name: "a", Shape: []int{1}, F32: []float32{1}}}, "given twice"},
		{"empty name", []NamedTensor{{Name: "", Shape: []int{1}, F32: []float32{1}}}, "invalid tensor name"},
		{"metadata name", []NamedTensor{{Name: "__metadata__", Shape: []int{1}, F32: []float32{1}}}, "invalid tensor name"},
		{"dtype", []NamedTensor{{Name: "a", Shape: []int{1}, F32: []float32{1}, DType: "F64"}}, `dtype "F64" cannot be written`},
		{"count", []NamedTensor{{Name: "a", Shape: []int{2}, F32: []float32{1}}}, "needs 2 values"},
		{"mixed", []NamedTensor{{Name: "a", Shape: []int{1}, F32: []float32{1}, I64: []int64{1}}}, "needs 1 values"},
		{"int as float", []NamedTensor{{Name: "a", Shape: []int{1}, F32: []float32{1}, DType: "I64"}}, "needs 1 values"},
		{"negative", []NamedTensor{{Name: "a", Shape: []int{-1}}}, "invalid shape"},
		{"i32 range", []NamedTensor{{Name: "a", Shape: []int{1}, I64: []int64{1 << 40}, DType: "I32"}}, "does not fit I32"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		err := WriteSafetensors(&buf, nil, c.tensors)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", c.name, err, c.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: %d bytes written despite the error", c.name, buf.Len())
		}
	}
}

func TestSafetensorsHeaderErrors(t *testing.T) {
	f32x2 := make([]byte, 8)
	hugeLen := make([]byte, 16)
	binary.LittleEndian.PutUint64(hugeLen, 65<<20)
	cases := []struct {
		name string
		file []byte
		want string
		eof  bool // must wrap io.ErrUnexpectedEOF
	}{
		{"empty file", nil, "no 8-byte header length", true},
		{"short length", []byte{1, 0, 0}, "no 8-byte header length", true},
		{"length too big", hugeLen, "exceeds the limit of 64 MiB", false},
		{"length past end", rawSafetensors("{}", nil)[:9], "exceeds the 1 bytes after it", true},
		{"empty header", rawSafetensors("", nil), "not a JSON object", false},
		{"bad JSON", rawSafetensors(`{"a": `, nil), "header", false},
		{"bad JSON 2", rawSafetensors(`{"a" 1}`, nil), "expected colon", false},
		{"bad JSON 3", rawSafetensors(`{"a": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} "b"}`, nil), "header JSON", false},
		{"not an object", rawSafetensors(`[1, 2]`, nil), "not a JSON object", false},
		{"trailing data", rawSafetensors(`{} {}`, nil), "data after the JSON object", false},
		{"not UTF-8", rawSafetensors("{\"\xff\": 1}", nil), "not valid UTF-8", false},
		{"entry not object", rawSafetensors(`{"a": 5}`, nil), `tensor "a"`, false},
		{"entry null", rawSafetensors(`{"a": null}`, nil), `want an object with "dtype"`, false},
		{"entry missing field", rawSafetensors(`{"a": {"dtype": "F32", "shape": [2]}}`, f32x2), `want an object with`, false},
		{"entry unknown field", rawSafetensors(`{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "x": 1}}`, f32x2), `unknown field`, false},
		{"dtype", rawSafetensors(`{"a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}`, f32x2), `dtype "F64" is not supported`, false},
		{"dtype U8", rawSafetensors(`{"a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]}}`, f32x2), `dtype "U8" is not supported`, false},
		{"negative dim", rawSafetensors(`{"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}`, f32x2), "invalid dimension -2", false},
		{"fractional dim", rawSafetensors(`{"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 8]}}`, f32x2), `tensor "a"`, false},
		{"huge dims", rawSafetensors(`{"a": {"dtype": "F32", "shape": [1099511627776, 1099511627776], "data_offsets": [0, 8]}}`, f32x2), "too large", false},
		{"huge dim number", rawSafetensors(`{"a": {"dtype": "F32", "shape": [1e30], "data_offsets": [0, 8]}}`, f32x2), `tensor "a"`, false},
		{"offsets count", rawSafetensors(`{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8, 9]}}`, f32x2), "not a range", false},
		{"offsets reversed", rawSafetensors(`{"a": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}}`, f32x2), "not a range", false},
		{"size mismatch", rawSafetensors(`{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}`, f32x2), "hold 8 bytes, but F32 [3] needs 12", false},
		{"offsets outside", rawSafetensors(`{"a": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}`, f32x2), "end past the 8-byte data section", true},
		{"offsets far outside", rawSafetensors(`{"a": {"dtype": "F32", "shape": [2], "data_offsets": [9223372036854775800, 9223372036854775808]}}`, f32x2), `tensor "a"`, false},
		{"overlap", rawSafetensors(`{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F16", "shape": [2], "data_offsets": [2, 6]}}`, f32x2), `"a" [0, 4) and "b" [2, 6) overlap`, false},
		{"overlap contained", rawSafetensors(`{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F16", "shape": [1], "data_offsets": [4, 6]}}`, f32x2), "overlap", false},
		{"duplicate", rawSafetensors(`{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}`, f32x2), `key "a" appears twice`, false},
		{"metadata not strings", rawSafetensors(`{"__metadata__": {"bartedit": 1}}`, nil), "must map strings to strings", false},
		{"metadata twice", rawSafetensors(`{"__metadata__": {}, "__metadata__": {}}`, nil), "appears twice", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseSafetensors(bytes.NewReader(c.file), int64(len(c.file)))
			if err == nil {
				t.Fatalf("accepted; want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			if got := errors.Is(err, io.ErrUnexpectedEOF); got != c.eof {
				t.Errorf("errors.Is(err, io.ErrUnexpectedEOF) = %v, want %v (%v)", got, c.eof, err)
			}
		})
	}
}

func TestSafetensorsAccepts(t *testing.T) {
	// Adjacent ranges, a zero-size tensor inside another's range, JSON
	// whitespace padding and unused trailing data are all fine.
	file := rawSafetensors("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},\n"+
		"\"b\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [4, 8]},\n"+
		"\"z\": {\"dtype\": \"F32\", \"shape\": [0, 3], \"data_offsets\": [2, 2]}}  \n\t ",
		[]byte{0, 0, 128, 63, 128, 63, 0, 192, 99})
	f, err := parseSafetensors(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.readFloat32(&f.tensors[f.index["b"]])
	if err != nil || !slices.Equal(b, []float32{1, -2}) {
		t.Errorf("b = %v, %v; want [1 -2]", b, err)
	}
	if _, err := f.readInt64(&f.tensors[f.index["a"]]); err == nil {
		t.Errorf("readInt64 of a F32 tensor succeeded")
	}
}

type failingReader struct{ err error }

func (r failingReader) ReadAt(p []byte, off int64) (int, error) { return 0, r.err }

func TestSafetensorsReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := parseSafetensors(failingReader{boom}, 100)
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want the reader's error", err)
	}
	// A file that shrinks after the header was read.
	var buf bytes.Buffer
	WriteSafetensors(&buf, nil, []NamedTensor{{Name: "a", Shape: []int{4}, F32: make([]float32, 4)}})
	data := buf.Bytes()
	f, err := parseSafetensors(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	f.r = bytes.NewReader(data[:len(data)-2])
	if _, err := f.readFloat32(&f.tensors[0]); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read of a shrunk file: %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestReadSafetensorsErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadSafetensors(filepath.Join(dir, "absent.safetensors")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: %v", err)
	}
	path := filepath.Join(dir, "bad.safetensors")
	os.WriteFile(path, []byte{1, 2, 3}, 0o644)
	_, err := ReadSafetensors(path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated file: %v", err)
	}
}
