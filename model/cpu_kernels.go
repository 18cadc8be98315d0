//go:build cgo && linux

package model

/*
#cgo CFLAGS: -O3
#include <stdint.h>
#include <string.h>

// No FP traps are ever enabled, and without this GCC will not if-convert
// the clamps and the sign select, so nothing would be vectorised.
#pragma GCC optimize("no-trapping-math")

// Elementwise kernels the Go compiler cannot vectorise: GCC compiles each
// for AVX-512, AVX2 and baseline x86-64 and picks one at load time
// (target_clones). They compute exactly what the Go versions in mathf.go
// do (same range reduction, polynomial and erf approximation), so results
// agree to float32 rounding.

#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

static inline float k_expf(float x) {
	x = x < -103.97208f ? -103.97208f : x;
	x = x > 88.72283f ? 88.72283f : x;
	const float magic = 12582912.0f;
	float t = x * 1.44269504088896341f + magic;
	int32_t tb, mb;
	memcpy(&tb, &t, 4);
	float m = magic;
	memcpy(&mb, &m, 4);
	int32_t n = tb - mb;
	float nf = t - magic;
	float r = x - nf * 0.693359375f - nf * -2.12194440e-4f;
	float p = 1 + r * (1 + r * (1.0f / 2 + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 +
	          r * (1.0f / 720 + r * (1.0f / 5040)))))));
	// 2^n in two halves so that n down to -150 stays representable.
	int32_t h = n >> 1;
	int32_t b1 = (h + 127) << 23, b2 = (n - h + 127) << 23;
	float s1, s2;
	memcpy(&s1, &b1, 4);
	memcpy(&s2, &b2, 4);
	return p * s1 * s2;
}

CLONES static void k_affine_silu(float* out, const float* in, long n, float scale, float shift, int silu) {
	if (silu) {
		for (long i = 0; i < n; i++) {
			float y = in[i] * scale + shift;
			out[i] = y / (1 + k_expf(-y));
		}
	} else {
		for (long i = 0; i < n; i++) out[i] = in[i] * scale + shift;
	}
}

CLONES static void k_silu(float* out, const float* in, long n) {
	for (long i = 0; i < n; i++) out[i] = in[i] / (1 + k_expf(-in[i]));
}

CLONES static void k_gelu(float* out, const float* in, long n) {
	for (long i = 0; i < n; i++) {
		float x = in[i];
		float z = x * 0.70710678118654752f;
		float az = z < 0 ? -z : z;
		float t = 1 / (1 + 0.3275911f * az);
		float e = 1 - t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f +
		          t * (-1.453152027f + t * 1.061405429f)))) * k_expf(-az * az);
		e = z < 0 ? -e : e;
		out[i] = 0.5f * x * (1 + e);
	}
}
*/
import "C"

import "unsafe"

func init() {
	affineSiLU = func(out, in []float32, scale, shift float32, silu bool) {
		if len(in) == 0 {
			return
		}
		s := C.int(0)
		if silu {
			s = 1
		}
		C.k_affine_silu((*C.float)(unsafe.Pointer(&out[:len(in)][0])), (*C.float)(unsafe.Pointer(&in[0])),
			C.long(len(in)), C.float(scale), C.float(shift), s)
	}
	siluSlice = func(out, in []float32) {
		if len(in) > 0 {
			C.k_silu((*C.float)(unsafe.Pointer(&out[:len(in)][0])), (*C.float)(unsafe.Pointer(&in[0])), C.long(len(in)))
		}
	}
	geluSlice = func(out, in []float32) {
		if len(in) > 0 {
			C.k_gelu((*C.float)(unsafe.Pointer(&out[:len(in)][0])), (*C.float)(unsafe.Pointer(&in[0])), C.long(len(in)))
		}
	}
	KernelsName = "c"
}
