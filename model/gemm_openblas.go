//go:build cgo && linux

package model

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

// OpenBLAS is opened at run time rather than linked, so that the core type
// can be chosen before its initialiser runs (see chooseCoreType) and so
// that the binary still runs, on the pure-Go GEMM, where it is missing.
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float*, int,
                         const float*, int, float, float*, int);
typedef void (*sgemv_fn)(int, int, int, int, float, const float*, int, const float*, int,
                         float, float*, int);
typedef void (*threads_fn)(int);
typedef char* (*corename_fn)(void);

static sgemm_fn p_sgemm;
static sgemv_fn p_sgemv;
static threads_fn p_threads;
static corename_fn p_corename;

static const char* open_blas(void) {
	const char* names[] = {"libopenblas.so.0", "libopenblas.so"};
	void* h = NULL;
	for (int i = 0; i < 2 && !h; i++) h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) return dlerror();
	p_sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
	p_sgemv = (sgemv_fn)dlsym(h, "cblas_sgemv");
	p_threads = (threads_fn)dlsym(h, "openblas_set_num_threads");
	p_corename = (corename_fn)dlsym(h, "openblas_get_corename");
	if (!p_sgemm || !p_sgemv || !p_threads || !p_corename) return "libopenblas lacks cblas_sgemm/cblas_sgemv";
	return NULL;
}

static void call_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda,
                       const float* b, int ldb, float beta, float* c, int ldc) {
	p_sgemm(101, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
static void call_sgemv(int t, int m, int n, float alpha, const float* a, int lda, const float* x,
                       float beta, float* y) {
	p_sgemv(101, t, m, n, alpha, a, lda, x, 1, beta, y, 1);
}
static void call_threads(int n) { p_threads(n); }
static const char* call_corename(void) { return p_corename(); }
*/
import "C"

import (
	"os"
	"strings"
)

// CBLAS enum values (cblas.h): row-major 101, no transpose 111, transpose 112.
const (
	cblasNoTrans = 111
	cblasTrans   = 112
)

// BLASStatus says why OpenBLAS is not used, or "" when it is.
var BLASStatus string

func init() {
	if os.Getenv("OPENBLAS_CORETYPE") == "" {
		if core := chooseCoreType(); core != "" {
			os.Setenv("OPENBLAS_CORETYPE", core)
		}
	}
	if msg := C.open_blas(); msg != nil {
		BLASStatus = "OpenBLAS not loaded (" + C.GoString(msg) + "); using the pure-Go GEMM"
		return
	}
	// One OpenBLAS thread: we split large GEMMs over our own goroutines
	// instead (splitGemm). OpenBLAS's own pool spins for a while after each
	// call, which starves the goroutines of the next op on a small machine.
	C.call_threads(1)
	sgemm = func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
		b []float32, ldb int, beta float32, c []float32, ldc int) {
		splitGemm(gemmBLAS, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
	GemmName = "openblas/" + C.GoString(C.call_corename())
}

// chooseCoreType picks the OpenBLAS kernel set from the CPU's features.
// OpenBLAS 0.3.21 (Debian 12) does not recognise recent Xeons and falls
// back to its SSE3 "Prescott" kernels, six times slower than its AVX-512
// ones on the same machine (measured with `bartedit bench`); forcing the
// kernel family by feature is safe because every kernel of that family
// only uses the features tested here. The user's OPENBLAS_CORETYPE wins.
func chooseCoreType() string {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	var flags map[string]bool
	for _, line := range strings.Split(string(info), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			flags = map[string]bool{}
			for _, f := range strings.Fields(v) {
				flags[f] = true
			}
			break
		}
	}
	has := func(fs ...string) bool {
		for _, f := range fs {
			if !flags[f] {
				return false
			}
		}
		return true
	}
	switch {
	case has("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "fma", "avx2"):
		return "SkylakeX"
	case has("avx2", "fma"):
		return "Haswell"
	}
	return ""
}

// gemmBLAS forwards to single-threaded cblas_sgemm (cblas_sgemv when op(A)
// is one row, the shape of every per-token projection in autoregressive
// decoding). Shapes and slice lengths are checked in Go before crossing into C.
func gemmBLAS(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	if m == 1 && !transA {
		// y(n) = op(B)^T x: B stored (k, n) -> Trans, stored (n, k) -> NoTrans.
		tr, rows, cols := cblasTrans, k, n
		if transB {
			tr, rows, cols = cblasNoTrans, n, k
		}
		C.call_sgemv(C.int(tr), C.int(rows), C.int(cols), C.float(alpha), (*C.float)(&b[0]), C.int(ldb),
			(*C.float)(&a[0]), C.float(beta), (*C.float)(&c[0]))
		return
	}
	ta, tb := cblasNoTrans, cblasNoTrans
	if transA {
		ta = cblasTrans
	}
	if transB {
		tb = cblasTrans
	}
	C.call_sgemm(C.int(ta), C.int(tb), C.int(m), C.int(n), C.int(k), C.float(alpha),
		(*C.float)(&a[0]), C.int(lda), (*C.float)(&b[0]), C.int(ldb), C.float(beta), (*C.float)(&c[0]), C.int(ldc))
}
