//go:build cgo

package model

// #cgo pkg-config: openblas
// #include <cblas.h>
import "C"

func init() {
	sgemm = gemmBLAS
	GemmName = "openblas"
}

// gemmBLAS forwards to cblas_sgemm (cblas_sgemv when op(A) is one row, the
// shape of every per-token projection in autoregressive decoding). Shapes and
// slice lengths are checked in Go before crossing into C.
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
		tr := uint32(C.CblasTrans)
		rows, cols := k, n
		if transB {
			tr = uint32(C.CblasNoTrans)
			rows, cols = n, k
		}
		C.cblas_sgemv(C.CblasRowMajor, C.enum_CBLAS_TRANSPOSE(tr), C.blasint(rows), C.blasint(cols),
			C.float(alpha), (*C.float)(&b[0]), C.blasint(ldb), (*C.float)(&a[0]), 1,
			C.float(beta), (*C.float)(&c[0]), 1)
		return
	}
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = uint32(C.CblasTrans)
	}
	if transB {
		tb = uint32(C.CblasTrans)
	}
	C.cblas_sgemm(C.CblasRowMajor, C.enum_CBLAS_TRANSPOSE(ta), C.enum_CBLAS_TRANSPOSE(tb),
		C.blasint(m), C.blasint(n), C.blasint(k), C.float(alpha),
		(*C.float)(&a[0]), C.blasint(lda), (*C.float)(&b[0]), C.blasint(ldb),
		C.float(beta), (*C.float)(&c[0]), C.blasint(ldc))
}

// SetBLASThreads sets OpenBLAS's thread count (the GUI leaves one core to the UI).
func SetBLASThreads(n int) { C.openblas_set_num_threads(C.int(n)) }
