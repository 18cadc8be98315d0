package model

import "math"

// Float16ToFloat32 converts an IEEE 754 binary16 value to float32 exactly.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch exp {
	case 0x1f: // inf or NaN; the payload moves to the top mantissa bits
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0: // zero or subnormal: mant * 2^-24, exact in float32
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// Float32ToFloat16 converts f to binary16, rounding to nearest, ties to
// even. Values beyond the half range become infinities, tiny values
// subnormals or signed zeros, and NaN stays a (quiet) NaN.
func Float32ToFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7e00 | uint16(mant>>13)
	}
	e := exp - 127 + 15 // biased half exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Subnormal half: the result counts units of 2^-24. The 24-bit
		// significand (implicit bit included; float32 subnormals are far
		// below half of the smallest half subnormal) shifts right by 14-e.
		shift := uint(14 - e)
		if shift > 24 {
			return sign // below half of 2^-24: rounds to zero
		}
		m := mant | 0x800000
		q := m >> shift
		rem, half := m&(1<<shift-1), uint32(1)<<(shift-1)
		if rem > half || rem == half && q&1 == 1 {
			q++ // may carry into the smallest normal, which is correct
		}
		return sign | uint16(q)
	}
	q := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && q&1 == 1 {
		q++ // a carry into the exponent is correct, up to infinity
	}
	return sign | uint16(q)
}

// BFloat16ToFloat32 converts a bfloat16 value (the top half of a float32)
// to float32 exactly.
func BFloat16ToFloat32(b uint16) float32 {
	return math.Float32frombits(uint32(b) << 16)
}

// Float32ToBFloat16 converts f to bfloat16, rounding to nearest, ties to
// even; NaN stays a (quiet) NaN.
func Float32ToBFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	// Adding 0x7fff (+1 when the kept part is odd) rounds half to even;
	// overflow past the largest finite value lands on infinity.
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}
