package model

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// smallMeta is the smallest useful valid model (T = 2, one level, 2x2
// tokens, no conditioning, no remap): a compact fuzz seed.
func smallMeta() *Meta {
	return &Meta{
		FormatVersion: 1,
		Name:          "small",
		ImageSize:     2,
		FirstStage: FirstStageConfig{Ch: 32, ChMult: []int{1}, NumResBlocks: 1, InChannels: 3, OutCh: 3,
			Resolution: 2, ZChannels: 1, EmbedDim: 1, NEmbed: 3, Remap: RemapNone},
		CodebookSize: 3,
		Schedule:     ScheduleConfig{Kind: "geometric", Betas: []float32{0, 0.5, 1}},
		Scales: []ScaleConfig{
			{Scale: 1, Arch: ArchXTransformer, Dim: 2, Heads: 1, DimHead: 1, EncDepth: 1, DecDepth: 1,
				EncNumTokens: 3, EncMaxSeqLen: 5, DecNumTokens: 3, DecMaxSeqLen: 4},
			{Scale: 2, Arch: ArchGPT, VocabSize: 3, InputVocabSize: 3, BlockSize: 4,
				NLayer: 1, NHead: 1, NEmbd: 2, NUnmasked: 1}},
		Sampling: SamplingConfig{TopK: []int{3, 3}, Temperature: []float32{1, 1}, Chain: []int{3, 1}},
	}
}

// makeTensors builds every tensor meta expects, with values exactly
// representable in F16 and BF16 so that round trips compare exactly.
func makeTensors(meta *Meta, dtype string, optional bool, seed uint64) []NamedTensor {
	r := rand.New(rand.NewPCG(seed, 7))
	var out []NamedTensor
	for _, s := range meta.ExpectedTensors() {
		if s.Optional && !optional {
			continue
		}
		t := NamedTensor{Name: s.Name, Shape: s.Shape}
		n := numel(s.Shape)
		if s.Int {
			// Strictly increasing codebook indices: a sorted sample.
			perm := r.Perm(meta.FirstStage.NEmbed)[:n]
			slices.Sort(perm)
			for _, v := range perm {
				t.I64 = append(t.I64, int64(v))
			}
		} else {
			t.DType = dtype
			t.F32 = make([]float32, n)
			for i := range t.F32 {
				t.F32[i] = float32(r.IntN(512)-256) / 64
			}
		}
		out = append(out, t)
	}
	return out
}

func writeBundleBytes(t testing.TB, meta *Meta, tensors []NamedTensor) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteBundle(&buf, meta, tensors); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeUnchecked writes a bundle without WriteBundle's checks, so tests can
// store an inconsistent one.
func writeUnchecked(t testing.TB, meta *Meta, tensors []NamedTensor) []byte {
	t.Helper()
	doc, err := encodeMeta(meta)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, map[string]string{metaKey: string(doc)}, tensors); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBundleRoundTrip(t *testing.T) {
	for _, dtype := range []string{"F32", "F16", "BF16"} {
		for _, optional := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/optional=%v", dtype, optional), func(t *testing.T) {
				meta := tinyMeta()
				tensors := makeTensors(meta, dtype, optional, 1)
				data := writeBundleBytes(t, meta, tensors)
				if !bytes.Equal(data, writeBundleBytes(t, meta, tensors)) {
					t.Errorf("writing twice gives different bytes")
				}
				b, err := OpenBundleBytes("mem.bart", data)
				if err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				checkBundle(t, b, meta, tensors)
			})
		}
	}
}

func checkBundle(t *testing.T, b *Bundle, meta *Meta, tensors []NamedTensor) {
	t.Helper()
	if !reflect.DeepEqual(b.Meta, meta) {
		t.Errorf("metadata changed:\n got %+v\nwant %+v", b.Meta, meta)
	}
	if len(b.Tensors()) != len(tensors) {
		t.Errorf("%d tensors, want %d", len(b.Tensors()), len(tensors))
	}
	var params int64
	for _, want := range tensors {
		if !slices.Equal(b.Shape(want.Name), want.Shape) {
			t.Errorf("%s: shape %v, want %v", want.Name, b.Shape(want.Name), want.Shape)
		}
		if want.I64 != nil {
			got, err := b.Ints(want.Name)
			if err != nil || !slices.Equal(got, want.I64) {
				t.Errorf("%s: Ints = %v, %v", want.Name, got, err)
			}
			continue
		}
		params += int64(len(want.F32))
		got, err := b.Float32(want.Name)
		if err != nil || !slices.Equal(got, want.F32) {
			t.Errorf("%s: Float32 differs (err %v)", want.Name, err)
		}
	}
	if b.ParamCount() != params {
		t.Errorf("ParamCount = %d, want %d", b.ParamCount(), params)
	}
}

func TestBundleFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.bart")
	meta := tinyMeta()
	tensors := makeTensors(meta, "BF16", false, 2)
	if err := WriteBundleFile(path, meta, tensors); err != nil {
		t.Fatal(err)
	}
	// A failed write leaves the old file and no temporary file behind.
	bad := slices.Clone(tensors[1:])
	err := WriteBundleFile(path, meta, bad)
	var be *BundleError
	if !errors.As(err, &be) || be.Path != path || len(be.Missing) != 1 {
		t.Errorf("WriteBundleFile with a missing tensor: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only tiny.bart", len(entries))
	}
	b, err := OpenBundle(path)
	if err != nil {
		t.Fatal(err)
	}
	checkBundle(t, b, meta, tensors)
	if err := b.Close(); err != nil {
		t.Error(err)
	}
	if _, err := b.Float32(tensors[0].Name); err == nil {
		t.Errorf("read after Close succeeded")
	}

	m, infos, err := ReadBundleInfo(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, meta) || len(infos) != len(tensors) {
		t.Errorf("ReadBundleInfo: %d tensors, meta equal %v", len(infos), reflect.DeepEqual(m, meta))
	}

	_, err = OpenBundle(filepath.Join(dir, "absent.bart"))
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "bundle "+dir) {
		t.Errorf("absent file: %v", err)
	}
	// A truncated file on disk.
	data, _ := os.ReadFile(path)
	short := filepath.Join(dir, "short.bart")
	os.WriteFile(short, data[:len(data)-1], 0o644)
	if _, err := OpenBundle(short); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated file: %v", err)
	}
	if _, _, err := ReadBundleInfo(short); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ReadBundleInfo of a truncated file: %v", err)
	}
}

func TestBundleReadErrors(t *testing.T) {
	meta := tinyMeta()
	b, err := OpenBundleBytes("mem", writeBundleBytes(t, meta, makeTensors(meta, "F32", false, 3)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Float32("nope"); err == nil || !strings.Contains(err.Error(), `bundle mem: no tensor "nope"`) {
		t.Errorf("Float32 of an absent tensor: %v", err)
	}
	if _, err := b.Ints("nope"); err == nil {
		t.Errorf("Ints of an absent tensor succeeded")
	}
	if _, err := b.Float32(usedName); err == nil || !strings.Contains(err.Error(), "not a float tensor") {
		t.Errorf("Float32 of an integer table: %v", err)
	}
	if _, err := b.Ints("scale3.transformer.head.weight"); err == nil || !strings.Contains(err.Error(), "not an integer tensor") {
		t.Errorf("Ints of weights: %v", err)
	}
	if b.Shape("nope") != nil {
		t.Errorf("Shape of an absent tensor is not nil")
	}
}

// TestBundleTruncated cuts a valid bundle at many lengths: every cut must
// be reported as io.ErrUnexpectedEOF, by both readers.
func TestBundleTruncated(t *testing.T) {
	meta := smallMeta()
	data := writeBundleBytes(t, meta, makeTensors(meta, "F16", true, 4))
	hdrEnd := 8 + int(binary.LittleEndian.Uint64(data))
	var cuts []int
	for k := 0; k < len(data); {
		cuts = append(cuts, k)
		switch {
		case k < 64 || k > hdrEnd-8 && k < hdrEnd+64 || k > len(data)-64:
			k++
		default:
			k += 97
		}
	}
	for _, k := range cuts {
		_, err := OpenBundleBytes("cut", data[:k])
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("cut at %d of %d: %v, want io.ErrUnexpectedEOF", k, len(data), err)
		}
		var be *BundleError
		if !errors.As(err, &be) || be.Path != "cut" {
			t.Fatalf("cut at %d: error %T is not a *BundleError naming the file", k, err)
		}
	}
}

func TestBundleErrors(t *testing.T) {
	meta := tinyMeta()
	good := makeTensors(meta, "F32", false, 5)
	// edit returns a copy of good changed by fn.
	edit := func(fn func(ts []NamedTensor) []NamedTensor) []NamedTensor {
		ts := slices.Clone(good)
		return fn(ts)
	}
	index := func(ts []NamedTensor, name string) int {
		return slices.IndexFunc(ts, func(t NamedTensor) bool { return t.Name == name })
	}
	withMeta := func(fn func(m *Meta)) *Meta { m := tinyMeta(); fn(m); return m }
	const head, emb = "scale3.transformer.head.weight", "first_stage_model.quantize.embedding.weight"
	mask := NamedTensor{Name: "scale3.transformer.blocks.0.attn.mask", Shape: []int{1, 1, 7, 7}, F32: make([]float32, 49)}

	cases := []struct {
		name       string
		file       []byte
		want       string
		missing    []string
		unexpected []string
		mismatched int
		metaErr    bool
		infoOK     bool // ReadBundleInfo (header only) accepts it
	}{
		{name: "no metadata", file: func() []byte {
			var buf bytes.Buffer
			WriteSafetensors(&buf, map[string]string{"format": "pt"}, good)
			return buf.Bytes()
		}(), want: `no "bartedit" entry`},
		{name: "metadata JSON", file: rawSafetensors(`{"__metadata__": {"bartedit": "{"}}`, nil), want: "parse bartedit metadata"},
		{name: "metadata unknown field", file: rawSafetensors(`{"__metadata__": {"bartedit": "{\"format_version\": 1, \"colour\": 2}"}}`, nil),
			want: `unknown field "colour"`},
		{name: "metadata newer", file: writeUnchecked(t, withMeta(func(m *Meta) { m.FormatVersion = 2 }), good), want: "newer than this reader", metaErr: true},
		{name: "metadata invalid", file: writeUnchecked(t, withMeta(func(m *Meta) { m.Schedule.Betas[3] = 0.5; m.Scales[0].Heads = 0 }), good),
			want: "beta_T = 1", metaErr: true},
		{name: "missing", file: writeUnchecked(t, meta, edit(func(ts []NamedTensor) []NamedTensor {
			ts = slices.Delete(ts, index(ts, head), index(ts, head)+1)
			return slices.Delete(ts, index(ts, emb), index(ts, emb)+1)
		})), missing: []string{emb, head}, want: "missing 2 tensors: " + emb + ", " + head},
		{name: "unexpected", file: writeUnchecked(t, meta, append(slices.Clone(good), mask)),
			unexpected: []string{mask.Name}, want: "unexpected 1 tensor: " + mask.Name},
		{name: "wrong shape", file: writeUnchecked(t, meta, edit(func(ts []NamedTensor) []NamedTensor {
			ts[index(ts, head)].Shape = []int{6, 10}
			return ts
		})), mismatched: 1, want: head + " (have F32 [6 10], want float [10 6])"},
		{name: "wrong dtype weights", file: writeUnchecked(t, meta, edit(func(ts []NamedTensor) []NamedTensor {
			i := index(ts, head)
			ts[i] = NamedTensor{Name: head, Shape: ts[i].Shape, I64: make([]int64, 60)}
			return ts
		})), mismatched: 1, want: "(have I64 [10 6], want float [10 6])"},
		{name: "wrong dtype table", file: writeUnchecked(t, meta, edit(func(ts []NamedTensor) []NamedTensor {
			ts[index(ts, usedName)] = NamedTensor{Name: usedName, Shape: []int{10}, F32: make([]float32, 10)}
			return ts
		})), mismatched: 1, want: "(have F32 [10], want integer [10])"},
		{name: "all at once", file: writeUnchecked(t, meta, edit(func(ts []NamedTensor) []NamedTensor {
			ts[index(ts, emb)].Shape = []int{4, 16}
			ts = append(ts, mask, NamedTensor{Name: "zzz", Shape: []int{1}, F32: []float32{1}})
			return slices.Delete(ts, index(ts, head), index(ts, head)+1)
		})), missing: []string{head}, unexpected: []string{mask.Name, "zzz"}, mismatched: 1,
			want: "bundle bad.bart: missing 1 tensor: " + head + "; unexpected 2 tensors: " + mask.Name + ", zzz; wrong shape or dtype for 1 tensor: " + emb},
		{name: "used not increasing", file: writeUnchecked(t, meta, edit(func(ts []NamedTensor) []NamedTensor {
			i := index(ts, usedName)
			u := slices.Clone(ts[i].I64)
			u[3], u[4] = u[4], u[3]
			ts[i].I64 = u
			return ts
		})), want: "not strictly increasing at index 4", infoOK: true},
		{name: "used out of range", file: writeUnchecked(t, meta, edit(func(ts []NamedTensor) []NamedTensor {
			i := index(ts, usedName)
			u := slices.Clone(ts[i].I64)
			u[9] = 16
			ts[i].I64 = u
			return ts
		})), want: "quantize.used[9] = 16 is not a codebook index in [0, 16)", infoOK: true},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := OpenBundleBytes("bad.bart", c.file)
			if err == nil {
				t.Fatalf("accepted; want %q", c.want)
			}
			var be *BundleError
			if !errors.As(err, &be) {
				t.Fatalf("error %T is not a *BundleError: %v", err, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q\ndoes not mention %q", err, c.want)
			}
			slices.Sort(be.Missing)
			if !slices.Equal(be.Missing, c.missing) || !slices.Equal(be.Unexpected, c.unexpected) || len(be.Mismatched) != c.mismatched {
				t.Errorf("missing %v, unexpected %v, mismatched %v", be.Missing, be.Unexpected, be.Mismatched)
			}
			var me *MetaError
			if errors.As(err, &me) != c.metaErr {
				t.Errorf("errors.As(*MetaError) = %v, want %v", !c.metaErr, c.metaErr)
			}
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".bart")
			os.WriteFile(path, c.file, 0o644)
			if _, _, err := ReadBundleInfo(path); (err == nil) != c.infoOK {
				t.Errorf("ReadBundleInfo: %v, want ok=%v", err, c.infoOK)
			}
		})
	}
}

func TestWriteBundleErrors(t *testing.T) {
	meta := tinyMeta()
	good := makeTensors(meta, "F32", false, 6)
	var buf bytes.Buffer
	bad := tinyMeta()
	bad.CodebookSize = 0
	if err := WriteBundle(&buf, bad, good); err == nil || !strings.Contains(err.Error(), "codebook_size = 0") {
		t.Errorf("invalid meta: %v", err)
	}
	ts := slices.Clone(good)
	ts[0].Shape = []int{1, 2, 3}
	err := WriteBundle(&buf, meta, ts)
	if err == nil || !strings.Contains(err.Error(), "needs 6 values") {
		t.Errorf("data/shape mismatch: %v", err)
	}
	ts = slices.Clone(good)
	ts[0] = NamedTensor{Name: ts[0].Name, Shape: []int{1}, F32: []float32{0}}
	var be *BundleError
	if err := WriteBundle(&buf, meta, ts); !errors.As(err, &be) || len(be.Mismatched) != 1 {
		t.Errorf("wrong shape: %v", err)
	}
	ts = slices.Clone(good)
	i := slices.IndexFunc(ts, func(t NamedTensor) bool { return t.Name == usedName })
	ts[i].I64 = append([]int64{-1}, ts[i].I64[1:]...)
	if err := WriteBundle(&buf, meta, ts); err == nil || !strings.Contains(err.Error(), "not a codebook index") {
		t.Errorf("bad remap table: %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("%d bytes written by failed writes", buf.Len())
	}
}

// fixtureNames lists model/testdata/fixture-*.bart written by
// `make fixtures` (train/fixtures.py).
func fixtureNames(t testing.TB) []string {
	names, err := filepath.Glob("testdata/fixture-*.bart")
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestBundleFixtures opens the Python-written fixtures and checks their
// expected-output files against the table in docs/bundle-format.md.
func TestBundleFixtures(t *testing.T) {
	names := fixtureNames(t)
	if len(names) == 0 {
		t.Skip("no testdata/fixture-*.bart (run `make fixtures`)")
	}
	for _, path := range names {
		t.Run(filepath.Base(path), func(t *testing.T) {
			b, err := OpenBundle(path)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			for _, ti := range b.Tensors() {
				if isIntDType(ti.DType) {
					_, err = b.Ints(ti.Name)
				} else {
					_, err = b.Float32(ti.Name)
				}
				if err != nil {
					t.Error(err)
				}
			}
			if b.Meta.T() != 3 {
				t.Errorf("T = %d, want 3 for every fixture", b.Meta.T())
			}
			checkExpectedFile(t, b.Meta, strings.TrimSuffix(path, ".bart")+".expected.safetensors")
		})
	}
}

func checkExpectedFile(t *testing.T, m *Meta, path string) {
	exp, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	s, g, n, p, k, T := m.ImageSize, m.GridSize(), m.NumTokens(), m.NumCondTokens(), m.CodebookSize, m.T()
	want := map[string][]int{
		"vq.image": {1, 3, s, s}, "vq.h": {1, m.FirstStage.EmbedDim, g, g}, "vq.raw_indices": {1, n},
		"vq.tokens": {1, n}, "vq.decode_tokens": {1, n}, "vq.decoded": {1, 3, s, s},
		fmt.Sprintf("scale%d.input", T): {1, p + n}, fmt.Sprintf("scale%d.logits", T): {1, n, k},
		fmt.Sprintf("scale%d.greedy", T): {1, n},
	}
	for sc := 1; sc < T; sc++ {
		want[fmt.Sprintf("scale%d.enc_input", sc)] = []int{1, 1 + p + n}
		want[fmt.Sprintf("scale%d.dec_input", sc)] = []int{1, n}
		want[fmt.Sprintf("scale%d.logits", sc)] = []int{1, n, k}
		want[fmt.Sprintf("scale%d.greedy", sc)] = []int{1, n}
	}
	for name, shape := range want {
		r, ok := exp[name]
		if !ok {
			t.Errorf("%s: no %s", path, name)
			continue
		}
		isInt := !strings.HasSuffix(name, "image") && !strings.HasSuffix(name, ".h") &&
			!strings.HasSuffix(name, "decoded") && !strings.HasSuffix(name, "logits")
		if !slices.Equal(r.Shape, shape) || (r.I64 != nil) != isInt {
			t.Errorf("%s: %s is %s %v, want %v (integer %v)", path, name, r.DType, r.Shape, shape, isInt)
		}
	}
}

// zeroPadded reads as data followed by zeros.
type zeroPadded []byte

func (z zeroPadded) ReadAt(p []byte, off int64) (int, error) {
	clear(p)
	if off < int64(len(z)) {
		copy(p, z[off:])
	}
	return len(p), nil
}

// fuzzPadLimit bounds the virtual file size of the zero-padded reading.
const fuzzPadLimit = 16 << 20

// FuzzOpenBundle feeds arbitrary bytes to the bundle reader: it must never
// panic, must answer with a *BundleError, and whatever it accepts must be
// fully readable. Seeds are the header of each fixture (whole fixtures are
// megabytes, too large for the fuzzer to mutate and minimise) and a small
// bundle. Each input is also read as if its data section were present and
// zero, so that a mutated header alone reaches the metadata and tensor
// checks.
func FuzzOpenBundle(f *testing.F) {
	headerOf := func(data []byte) []byte {
		if len(data) < 8 {
			return data
		}
		n := binary.LittleEndian.Uint64(data)
		return data[:min(uint64(len(data)), 8+n)]
	}
	for _, path := range fixtureNames(f) {
		if data, err := os.ReadFile(path); err == nil {
			f.Add(headerOf(data))
		}
	}
	meta := smallMeta()
	small := writeBundleBytes(f, meta, makeTensors(meta, "BF16", false, 8))
	f.Add(small)
	f.Add(headerOf(small))
	f.Add(rawSafetensors(`{"a": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}, "__metadata__": {"bartedit": "{}"}}`, make([]byte, 4)))
	f.Add(rawSafetensors(`{}`, nil))
	// Interesting inputs are minimised byte by byte for up to 60 s by
	// default; on inputs of tens of kilobytes that stalls every worker
	// (a valid bundle has at least ~300 KB of weights, GroupNorm forcing 32
	// channels). Unless the command line says otherwise, minimise briefly.
	minimizeSet := false
	flag.Visit(func(fl *flag.Flag) { minimizeSet = minimizeSet || fl.Name == "test.fuzzminimizetime" })
	if !minimizeSet {
		flag.Set("test.fuzzminimizetime", "20x")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzBundle(t, bytes.NewReader(data), int64(len(data)), true)
		st, err := parseSafetensors(zeroPadded(data), fuzzPadLimit)
		if err != nil {
			return
		}
		end := st.dataStart
		for _, ti := range st.tensors {
			end = max(end, st.dataStart+ti.End)
		}
		if end > int64(len(data)) {
			fuzzBundle(t, zeroPadded(data), end, false)
		}
	})
}

// fuzzBundle opens a bundle from r; with readAll it also reads every
// tensor, of the bundle and of the safetensors file underneath.
func fuzzBundle(t *testing.T, r io.ReaderAt, size int64, readAll bool) {
	if !readAll {
		// Only the remap table is read.
	} else if st, err := parseSafetensors(r, size); err == nil {
		for i := range st.tensors {
			ti := &st.tensors[i]
			if isIntDType(ti.DType) {
				_, err = st.readInt64(ti)
			} else {
				_, err = st.readFloat32(ti)
			}
			if err != nil {
				t.Fatalf("validated tensor %s unreadable: %v", ti.Name, err)
			}
		}
	}
	b, err := openBundle("fuzz", r, size, true)
	if err != nil {
		var be *BundleError
		if !errors.As(err, &be) {
			t.Fatalf("error %T is not a *BundleError: %v", err, err)
		}
		_ = err.Error()
		return
	}
	if err := b.Meta.Validate(); err != nil {
		t.Fatalf("accepted invalid metadata: %v", err)
	}
	if b.ParamCount() > b.Meta.ParamCount() {
		t.Fatalf("ParamCount %d exceeds the metadata's %d", b.ParamCount(), b.Meta.ParamCount())
	}
	if !readAll {
		return
	}
	for _, ti := range b.Tensors() {
		if isIntDType(ti.DType) {
			_, err = b.Ints(ti.Name)
		} else {
			_, err = b.Float32(ti.Name)
		}
		if err != nil {
			t.Fatalf("accepted bundle, unreadable tensor: %v", err)
		}
	}
}
