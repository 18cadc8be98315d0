// Package backendtest is the conformance suite every model.Backend must pass:
// each op runs on random inputs of odd shapes, on the backend under test and
// on the reference oracle, and the results are compared with a per-op
// tolerance. Backends call Run from their own tests (STYLE.md 12).
package backendtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"bartedit/model"
)

// Run checks every op of b against model.Reference.
func Run(t *testing.T, b model.Backend) {
	t.Helper()
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			want := c.run(model.NewReference())
			got := c.run(b)
			if err := b.Err(); err != nil {
				t.Fatalf("backend error: %v", err)
			}
			if err := compare(got, want, c.tol); err != nil {
				t.Fatal(err)
			}
		})
	}
}

type opCase struct {
	name string
	tol  float64 // max |got-want| / (1 + |want|)
	run  func(b model.Backend) []float32
}

// env builds the same random inputs on any backend: every case seeds its own
// generator, so both runs see identical data.
type env struct {
	b   model.Backend
	rng *rand.Rand
}

func newEnv(b model.Backend, seed uint64) *env {
	return &env{b: b, rng: rand.New(rand.NewPCG(seed, 7))}
}

func (e *env) rand(scale float64, shape ...int) *model.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(e.rng.NormFloat64() * scale)
	}
	t, err := e.b.Upload(data, shape...)
	if err != nil {
		panic(err)
	}
	return t
}

func (e *env) get(t *model.Tensor) []float32 {
	out := make([]float32, t.Len())
	if err := e.b.Download(out, t); err != nil {
		panic(err)
	}
	return out
}

func cases() []opCase {
	var cs []opCase
	add := func(name string, tol float64, seed uint64, f func(e *env) *model.Tensor) {
		cs = append(cs, opCase{name, tol, func(b model.Backend) []float32 {
			e := newEnv(b, seed)
			return e.get(f(e))
		}})
	}
	for i, s := range [][3]int{{1, 19, 37}, {7, 19, 37}, {33, 65, 129}, {2, 1, 5}} {
		m, n, k := s[0], s[1], s[2]
		for _, bias := range []bool{true, false} {
			add(fmt.Sprintf("Linear/%dx%dx%d/bias=%v", m, n, k, bias), 1e-5, uint64(10+i), func(e *env) *model.Tensor {
				x, w := e.rand(1, 3, m, k).Reshape(3*m, k), e.rand(0.2, n, k)
				var bt *model.Tensor
				if bias {
					bt = e.rand(1, n)
				}
				dst := e.b.New(3*m, n)
				e.b.Linear(dst, x, w, bt)
				return dst
			})
		}
	}
	convs := []struct {
		name       string
		b, c, h, w int
		o, k       int
		p          model.ConvParams
	}{
		{"3x3pad1", 2, 5, 7, 9, 6, 3, model.ConvParams{Stride: 1, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1}},
		{"1x1", 2, 7, 5, 3, 4, 1, model.ConvParams{Stride: 1}},
		{"down-stride2-asym", 1, 4, 8, 6, 4, 3, model.ConvParams{Stride: 2, PadBottom: 1, PadRight: 1}},
		{"3x3-large", 1, 32, 17, 19, 33, 3, model.ConvParams{Stride: 1, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1}},
	}
	for i, c := range convs {
		add("Conv2D/"+c.name, 1e-5, uint64(20+i), func(e *env) *model.Tensor {
			x, w, bias := e.rand(1, c.b, c.c, c.h, c.w), e.rand(0.3, c.o, c.c, c.k, c.k), e.rand(1, c.o)
			ho := (c.h+c.p.PadTop+c.p.PadBottom-c.k)/c.p.Stride + 1
			wo := (c.w+c.p.PadLeft+c.p.PadRight-c.k)/c.p.Stride + 1
			dst := e.b.New(c.b, c.o, ho, wo)
			e.b.Conv2D(dst, x, w, bias, c.p)
			return dst
		})
	}
	for i, silu := range []bool{false, true} {
		add(fmt.Sprintf("GroupNorm/silu=%v", silu), 1e-5, uint64(30+i), func(e *env) *model.Tensor {
			x := e.rand(3, 2, 64, 5, 3)
			dst := e.b.New(2, 64, 5, 3)
			e.b.GroupNorm(dst, x, e.rand(1, 64), e.rand(1, 64), 32, 1e-6, silu)
			return dst
		})
	}
	add("LayerNorm", 1e-5, 40, func(e *env) *model.Tensor {
		x := e.rand(2, 3, 5, 37)
		e.b.LayerNorm(x, x, e.rand(1, 37), e.rand(1, 37), 1e-5) // in place
		return x
	})
	attns := []struct {
		name          string
		b, lq, lk, kv int
		p             model.AttnParams
	}{
		{"full", 2, 7, 11, 0, model.AttnParams{Heads: 3, Scale: 0.3}},
		{"causal-prefill", 1, 9, 9, 0, model.AttnParams{Heads: 2, Scale: 0.25, Causal: true}},
		{"causal-unmasked", 2, 9, 12, 9, model.AttnParams{Heads: 2, Scale: 0.25, Causal: true, NUnmasked: 3}},
		{"causal-offset-run", 1, 4, 12, 10, model.AttnParams{Heads: 3, Scale: 0.4, Causal: true, QOffset: 6}},
		{"one-query-cache", 2, 1, 16, 9, model.AttnParams{Heads: 4, Scale: 0.5, Causal: true, QOffset: 8}},
		{"one-query-unmasked", 1, 1, 8, 5, model.AttnParams{Heads: 1, Scale: 0.5, Causal: true, QOffset: 1, NUnmasked: 4}},
	}
	for i, a := range attns {
		add("Attention/"+a.name, 1e-5, uint64(50+i), func(e *env) *model.Tensor {
			w := a.p.Heads * 5
			q, k, v := e.rand(1, a.b, a.lq, w), e.rand(1, a.b, a.lk, w), e.rand(1, a.b, a.lk, w)
			p := a.p
			p.KVLen = a.kv
			dst := e.b.New(a.b, a.lq, w)
			e.b.Attention(dst, q, k, v, p)
			return dst
		})
	}
	add("GELU", 1e-6, 60, func(e *env) *model.Tensor {
		x := e.rand(3, 9001)
		e.b.GELU(x, x)
		return x
	})
	add("SiLU", 1e-6, 61, func(e *env) *model.Tensor {
		x := e.rand(4, 9001)
		e.b.SiLU(x, x)
		return x
	})
	add("Add/broadcast", 0, 62, func(e *env) *model.Tensor {
		a, bb := e.rand(1, 5, 3, 7), e.rand(1, 3, 7)
		e.b.Add(a, a, bb)
		return a
	})
	add("Add/view", 0, 63, func(e *env) *model.Tensor {
		a, table := e.rand(1, 4, 6), e.rand(1, 10, 6)
		e.b.Add(a, a, table.Rows(3, 7))
		return a
	})
	add("Gather", 0, 64, func(e *env) *model.Tensor {
		table := e.rand(1, 13, 6)
		dst := e.b.New(5, 6)
		e.b.Gather(dst, table, []int32{12, 0, 3, 3, 7})
		return dst
	})
	add("Upsample2x", 0, 65, func(e *env) *model.Tensor {
		x := e.rand(1, 2, 3, 5, 7)
		dst := e.b.New(2, 3, 10, 14)
		e.b.Upsample2x(dst, x)
		return dst
	})
	add("Transpose", 0, 66, func(e *env) *model.Tensor {
		x := e.rand(1, 3, 37, 45)
		dst := e.b.New(3, 45, 37)
		e.b.Transpose(dst, x)
		return dst
	})
	add("CopyRows", 0, 67, func(e *env) *model.Tensor {
		dst, src := e.rand(1, 2, 9, 4), e.rand(1, 2, 3, 4)
		e.b.CopyRows(dst, 5, src)
		return dst
	})
	return cs
}

func compare(got, want []float32, tol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("got %d values, want %d", len(got), len(want))
	}
	worst, at := 0.0, -1
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return fmt.Errorf("value %d is %v (want %v)", i, g, w)
		}
		if d := math.Abs(g-w) / (1 + math.Abs(w)); d > worst {
			worst, at = d, i
		}
	}
	if worst > tol {
		return fmt.Errorf("max relative error %.3g at %d (got %v, want %v), tolerance %.3g",
			worst, at, got[at], want[at], tol)
	}
	return nil
}
