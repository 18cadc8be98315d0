package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

type halfFormat struct {
	name    string
	toF32   func(uint16) float32
	fromF32 func(float32) uint16
	inf     uint16 // +infinity
}

var halfFormats = []halfFormat{
	{"float16", Float16ToFloat32, Float32ToFloat16, 0x7c00},
	{"bfloat16", BFloat16ToFloat32, Float32ToBFloat16, 0x7f80},
}

func isNaN32(f float32) bool { return f != f }

// TestHalfRoundTrip converts every 16-bit pattern up and back down.
func TestHalfRoundTrip(t *testing.T) {
	for _, hf := range halfFormats {
		for i := range 1 << 16 {
			h := uint16(i)
			f := hf.toF32(h)
			back := hf.fromF32(f)
			if isNaN32(f) {
				if !isNaN32(hf.toF32(back)) || back&0x8000 != h&0x8000 {
					t.Errorf("%s %#04x: NaN came back as %#04x", hf.name, h, back)
				}
				continue
			}
			if back != h {
				t.Errorf("%s %#04x -> %g -> %#04x", hf.name, h, f, back)
			}
		}
	}
}

// TestHalfRounding checks round-to-nearest-even at every boundary: the
// exact midpoint between two neighbouring values goes to the even one, and
// the float32 values just beside it go to the nearer one. This covers
// subnormals, the normal range and the overflow to infinity.
func TestHalfRounding(t *testing.T) {
	for _, hf := range halfFormats {
		for i := 0; i < int(hf.inf); i++ {
			lo, hi := uint16(i), uint16(i+1)
			a := float64(hf.toF32(lo))
			var b float64
			if hi == hf.inf {
				// The next value past the largest finite one, had the
				// exponent range continued: overflow rounds like it.
				b = 2*a - float64(hf.toF32(lo-1))
			} else {
				b = float64(hf.toF32(hi))
			}
			mid := float32((a + b) / 2) // exact: one bit more than the format
			if float64(mid) != (a+b)/2 {
				t.Fatalf("%s: midpoint of %#04x not exact in float32", hf.name, lo)
			}
			even := lo
			if lo&1 == 1 {
				even = hi
			}
			below := math.Nextafter32(mid, float32(math.Inf(-1)))
			above := math.Nextafter32(mid, float32(math.Inf(1)))
			for _, c := range []struct {
				f    float32
				want uint16
			}{{mid, even}, {below, lo}, {above, hi}, {-mid, even | 0x8000}, {-above, hi | 0x8000}} {
				if got := hf.fromF32(c.f); got != c.want {
					t.Errorf("%s(%g) = %#04x, want %#04x", hf.name, c.f, got, c.want)
				}
			}
		}
	}
}

func TestHalfSpecialValues(t *testing.T) {
	inf := float32(math.Inf(1))
	cases := []struct {
		f       float32
		f16     uint16
		bf16    uint16
		comment string
	}{
		{0, 0, 0, "zero"},
		{float32(math.Copysign(0, -1)), 0x8000, 0x8000, "negative zero"},
		{1, 0x3c00, 0x3f80, "one"},
		{-2, 0xc000, 0xc000, "minus two"},
		{65504, 0x7bff, 0x4780, "largest half"},
		{1e6, 0x7c00, 0x4974, "half overflow"},
		{inf, 0x7c00, 0x7f80, "infinity"},
		{-inf, 0xfc00, 0xff80, "minus infinity"},
		{1.0 / (1 << 24), 0x0001, 0x3380, "smallest half subnormal"},
		{1.0 / (1 << 25), 0x0000, 0x3300, "half of it: tie to even zero"},
		{math.Float32frombits(1), 0, 0, "smallest float32 subnormal"},
		{math.MaxFloat32, 0x7c00, 0x7f80, "largest float32 rounds up to bf16 infinity"},
	}
	for _, c := range cases {
		if got := Float32ToFloat16(c.f); got != c.f16 {
			t.Errorf("Float32ToFloat16(%g) [%s] = %#04x, want %#04x", c.f, c.comment, got, c.f16)
		}
		if got := Float32ToBFloat16(c.f); got != c.bf16 {
			t.Errorf("Float32ToBFloat16(%g) [%s] = %#04x, want %#04x", c.f, c.comment, got, c.bf16)
		}
	}
	for _, nan := range []float32{float32(math.NaN()), math.Float32frombits(0x7f800001), math.Float32frombits(0xffc00000)} {
		if h := Float32ToFloat16(nan); !isNaN32(Float16ToFloat32(h)) {
			t.Errorf("Float32ToFloat16(NaN %#08x) = %#04x, not NaN", math.Float32bits(nan), h)
		}
		if h := Float32ToBFloat16(nan); !isNaN32(BFloat16ToFloat32(h)) {
			t.Errorf("Float32ToBFloat16(NaN %#08x) = %#04x, not NaN", math.Float32bits(nan), h)
		}
	}
}

// TestHalfNearest compares random float32 values with a brute-force
// nearest search over the neighbouring 16-bit values.
func TestHalfNearest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, hf := range halfFormats {
		for range 200000 {
			f := math.Float32frombits(r.Uint32())
			if isNaN32(f) || math.IsInf(float64(f), 0) {
				continue
			}
			got := hf.fromF32(f)
			gf := float64(hf.toF32(got))
			if math.IsInf(gf, 0) {
				continue // overflow is covered by TestHalfRounding
			}
			d := math.Abs(gf - float64(f))
			for _, n := range []uint16{got - 1, got + 1} {
				nf := float64(hf.toF32(n))
				if n&0x7fff < hf.inf && math.Signbit(nf) == math.Signbit(gf) && math.Abs(nf-float64(f)) < d {
					t.Fatalf("%s(%g) = %#04x (%g) but %#04x (%g) is nearer", hf.name, f, got, gf, n, nf)
				}
			}
		}
	}
}
