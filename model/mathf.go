package model

import "math"

// expf is a float32 exp, about five times faster than math.Exp on float64
// and within 2 ulp of it (TestExpf): range reduction x = n ln2 + r with
// |r| <= ln2/2, a degree-7 Taylor polynomial for e^r (truncation below
// 6e-9 relative), and a scale by 2^n through the exponent bits.
func expf(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375 // ln2 split so n*ln2hi is exact for |n| < 2^9
		ln2lo = -2.12194440e-4
	)
	switch {
	case x != x:
		return x
	case x > 88.72283:
		return float32(math.Inf(1))
	case x < -103.97208:
		return 0
	}
	// Round x*log2e to the nearest integer by adding 1.5*2^23: the sum's
	// low mantissa bits are then that integer (no branch, no conversion).
	const magic = 12582912
	t := x*log2e + magic
	n := int32(math.Float32bits(t)) - int32(math.Float32bits(magic))
	nf := t - magic
	r := x - nf*ln2hi - nf*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	if n < -125 { // subnormal result: scale in two steps
		return p * math.Float32frombits(uint32(n+126+127)<<23) * math.Float32frombits(uint32(-126+127)<<23)
	}
	if n > 127 {
		return p * 2 * math.Float32frombits(uint32(n-1+127)<<23)
	}
	return p * math.Float32frombits(uint32(n+127)<<23)
}

// silu32 is x * sigmoid(x) in float32.
func silu32(x float32) float32 { return x / (1 + expf(-x)) }

// gelu is the exact-form GELU 0.5 x (1 + erf(x / sqrt 2)) with erf from
// Abramowitz and Stegun 7.1.26 (erf error below 1.5e-7; with float32
// rounding GELU is within 4e-7 of the float64 erf form, TestGELU),
// three times faster than math.Erf, which dominated the encoder's time.
func gelu(x float32) float32 {
	const (
		p  = 0.3275911
		a1 = 0.254829592
		a2 = -0.284496736
		a3 = 1.421413741
		a4 = -1.453152027
		a5 = 1.061405429
	)
	z := x * 0.70710678118654752
	az := z
	if az < 0 {
		az = -az
	}
	t := 1 / (1 + p*az)
	e := 1 - t*(a1+t*(a2+t*(a3+t*(a4+t*a5))))*expf(-az*az)
	if z < 0 {
		e = -e
	}
	return 0.5 * x * (1 + e)
}

// Elementwise slice kernels of the CPU backend: these pure-Go loops, or
// vectorised C versions of the same arithmetic when cgo is on
// (cpu_kernels.go).
var (
	// affineSiLU: out = in*scale + shift, then SiLU when silu is set.
	affineSiLU = func(out, in []float32, scale, shift float32, silu bool) {
		out = out[:len(in)]
		for i, v := range in {
			y := v*scale + shift
			if silu {
				y = silu32(y)
			}
			out[i] = y
		}
	}
	siluSlice = func(out, in []float32) {
		out = out[:len(in)]
		for i, v := range in {
			out[i] = silu32(v)
		}
	}
	geluSlice = func(out, in []float32) {
		out = out[:len(in)]
		for i, v := range in {
			out[i] = gelu(v)
		}
	}
	// KernelsName says which elementwise kernels run ("go" or "c").
	KernelsName = "go"
)
