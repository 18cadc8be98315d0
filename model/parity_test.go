package model

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
)

// Parity with the PyTorch reference (train/model.py): the fixtures in
// testdata/ are tiny random-weight bundles with the outputs PyTorch
// computed for them. Regenerate both with `make fixtures`.

var parityFixtures = []string{"fixture-uncond", "fixture-class", "fixture-text"}

// parityBackends are the backends every parity test runs on.
func parityBackends() []Backend { return []Backend{NewReference(), NewCPU()} }

type fixture struct {
	model    *Model
	expected map[string]RawTensor
}

func loadFixture(t *testing.T, b Backend, name string) fixture {
	t.Helper()
	bundle, err := OpenBundle(filepath.Join("testdata", name+".bart"))
	if err != nil {
		t.Fatal(err)
	}
	defer bundle.Close()
	m, err := LoadModel(b, bundle)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	exp, err := ReadSafetensors(filepath.Join("testdata", name+".expected.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return fixture{m, exp}
}

func (f fixture) ints(t *testing.T, name string) []int32 {
	t.Helper()
	r, ok := f.expected[name]
	if !ok {
		t.Fatalf("expected tensor %s missing", name)
	}
	out := make([]int32, len(r.I64))
	for i, v := range r.I64 {
		out[i] = int32(v)
	}
	return out
}

func (f fixture) floats(t *testing.T, name string) []float32 {
	t.Helper()
	r, ok := f.expected[name]
	if !ok || r.F32 == nil {
		t.Fatalf("expected float tensor %s missing", name)
	}
	return r.F32
}

// forEachFixture runs fn for every fixture on every parity backend.
func forEachFixture(t *testing.T, fn func(t *testing.T, f fixture)) {
	for _, b := range parityBackends() {
		for _, name := range parityFixtures {
			t.Run(b.Name()+"/"+name, func(t *testing.T) { fn(t, loadFixture(t, b, name)) })
		}
	}
}

func TestParityVQEncode(t *testing.T) {
	unknownSeen := 0
	forEachFixture(t, func(t *testing.T, f fixture) {
		img := f.floats(t, "vq.image")
		x, err := f.model.b.Upload(img, 1, 3, f.model.Meta.ImageSize, f.model.Meta.ImageSize)
		if err != nil {
			t.Fatal(err)
		}
		h := f.model.VQ.Prequant(x)
		got := make([]float32, h.Len())
		if err := f.model.b.Download(got, h); err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff(got, f.floats(t, "vq.h")); d > 1e-4 {
			t.Errorf("prequant h: max abs error %.3g > 1e-4", d)
		}
		enc, err := f.model.VQ.Quantize(h, newRand(1))
		if err != nil {
			t.Fatal(err)
		}
		wantRaw, wantCodes := f.ints(t, "vq.raw_indices"), f.ints(t, "vq.tokens")
		if !slices.Equal(enc.Raw, wantRaw) {
			t.Fatalf("raw indices differ:\n got %v\nwant %v", enc.Raw, wantRaw)
		}
		unknown := 0
		for i, w := range wantCodes {
			switch {
			case w == -1:
				unknown++
				if c := enc.Codes[i]; c < 0 || int(c) >= f.model.Meta.CodebookSize {
					t.Errorf("unknown raw index at %d became code %d outside [0, %d)", i, c, f.model.Meta.CodebookSize)
				}
			case enc.Codes[i] != w:
				t.Errorf("code %d: got %d want %d", i, enc.Codes[i], w)
			}
		}
		if unknown != enc.Unknown {
			t.Errorf("reported %d unknown raw indices, the reference has %d", enc.Unknown, unknown)
		}
		unknownSeen += unknown
	})
	if unknownSeen == 0 {
		t.Error("no fixture exercises a raw index outside the remap table")
	}
}

func TestParityVQDecode(t *testing.T) {
	forEachFixture(t, func(t *testing.T, f fixture) {
		got, err := f.model.VQ.Decode(f.ints(t, "vq.decode_tokens"), 1)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff(got, f.floats(t, "vq.decoded")); d > 1e-4 {
			t.Errorf("decoded image: max abs error %.3g > 1e-4", d)
		}
	})
}

// teacherForced returns the logits (N, K) a transition gives for every
// position, from Start plus one batched Feed of the known tokens.
func teacherForced(t *testing.T, tr Transition, input, known []int32) []float32 {
	t.Helper()
	st, first, err := tr.Start(input, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rest, err := tr.Feed(st, known, len(known), true)
	if err != nil {
		t.Fatal(err)
	}
	return append(first, rest...)
}

// scaleInputs returns a scale's Start input and its N-1 known tokens.
func scaleInputs(t *testing.T, f fixture, tr Transition) (input, known []int32) {
	p := fmt.Sprintf("scale%d.", tr.Scale())
	if _, ok := tr.(*GPT); ok {
		all := f.ints(t, p+"input")
		return all[:tr.InputLen()], all[tr.InputLen():]
	}
	return f.ints(t, p+"enc_input"), f.ints(t, p+"dec_input")[1:]
}

func TestParityTransitionLogits(t *testing.T) {
	forEachFixture(t, func(t *testing.T, f fixture) {
		for _, tr := range f.model.Scales {
			input, known := scaleInputs(t, f, tr)
			got := teacherForced(t, tr, input, known)
			want := f.floats(t, fmt.Sprintf("scale%d.logits", tr.Scale()))
			if e := relError(got, want); e > 1e-4 {
				t.Errorf("scale %d: logits relative error %.3g > 1e-4", tr.Scale(), e)
			}
		}
	})
}

func TestParityGreedyStep(t *testing.T) {
	forEachFixture(t, func(t *testing.T, f fixture) {
		for _, tr := range f.model.Scales {
			input, _ := scaleInputs(t, f, tr)
			got, err := ReverseStep(tr, input, 1, SampleParams{TopK: 1}, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := f.ints(t, fmt.Sprintf("scale%d.greedy", tr.Scale()))
			if !slices.Equal(got, want) {
				t.Errorf("scale %d: greedy tokens differ\n got %v\nwant %v", tr.Scale(), got, want)
			}
		}
	})
}

// TestKnownRunMatchesTokenByToken checks the batched known-token pass: the
// logits of a run fed at once equal those of feeding it token by token.
func TestKnownRunMatchesTokenByToken(t *testing.T) {
	f := loadFixture(t, NewCPU(), "fixture-text")
	for _, tr := range f.model.Scales {
		input, known := scaleInputs(t, f, tr)
		batched := teacherForced(t, tr, input, known)
		st, one, err := tr.Start(input, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range known {
			next, err := tr.Feed(st, []int32{tok}, 1, false)
			if err != nil {
				t.Fatal(err)
			}
			one = append(one, next...)
		}
		st.Close()
		if e := relError(batched, one); e > 1e-5 {
			t.Errorf("scale %d: batched vs token-by-token relative error %.3g", tr.Scale(), e)
		}
	}
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// relError is the max abs difference relative to the largest magnitude of want.
func relError(got, want []float32) float64 {
	scale := 0.0
	for _, w := range want {
		scale = max(scale, math.Abs(float64(w)))
	}
	return maxAbsDiff(got, want) / max(scale, 1e-12)
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// TestParityGreedyEdit runs the whole masked process (docs/editing.md)
// greedily with one chain iteration per scale, which makes it
// deterministic, and compares the final tokens with PyTorch's.
func TestParityGreedyEdit(t *testing.T) {
	forEachFixture(t, func(t *testing.T, f fixture) {
		meta := f.model.Meta
		x0 := f.ints(t, "edit.x0")
		mask := make([]bool, len(x0))
		for i, v := range f.ints(t, "edit.mask") {
			mask[i] = v == 1
		}
		var cond []int32
		if meta.NumCondTokens() > 0 {
			cond = f.ints(t, "edit.cond")
		}
		ones, greedy, temps := make([]int, meta.T()), make([]int, meta.T()), make([]float32, meta.T())
		for i := range ones {
			ones[i], greedy[i], temps[i] = 1, 1, 1
		}
		req := EditRequest{X0: x0, Mask: mask, Cond: cond, Chain: ones, TopK: greedy, Temperature: temps, Seed: 1}
		res, err := f.model.Edit(context.Background(), req, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := f.ints(t, "edit.final"); !slices.Equal(res.Tokens, want) {
			t.Errorf("greedy edit differs from PyTorch\n got %v\nwant %v", res.Tokens, want)
		}
	})
}
