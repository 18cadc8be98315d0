package model

import "bartedit/internal/par"

// sgemm computes C = alpha*op(A)*op(B) + beta*C on row-major matrices, where
// op(A) is m x k, op(B) is k x n and C is m x n, with leading dimensions lda,
// ldb, ldc (the row strides of A, B and C as stored). It is OpenBLAS's
// cblas_sgemm when cgo is available and gemmGo otherwise.
var sgemm = gemmGo

// GemmName says which GEMM the CPU backend uses.
var GemmName = "pure-go"

// threads caps the goroutines an op may use (SetThreads).
var threads par.Limit

// SetThreads sets how many cores the CPU backend uses; n < 1 means all
// (GOMAXPROCS). The editor leaves one core to the window.
func SetThreads(n int) { threads.Set(n) }

// parallelFor splits [0, n) into one contiguous chunk per worker, each of
// at least minChunk items, and waits (par.Limit.For).
func parallelFor(n, minChunk int, fn func(lo, hi int)) { threads.For(n, minChunk, fn) }

// gemmFunc is the signature of sgemm.
type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int)

// splitGemm runs a large GEMM as one call per worker on a band of rows (or
// columns, whichever dimension is longer) of C; small ones run inline.
func splitGemm(gemm gemmFunc, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	const minWork = 1 << 16 // multiply-adds per worker worth a goroutine
	if m >= n {
		parallelFor(m, max(1, minWork/max(1, n*k)), func(lo, hi int) {
			ao := lo * lda
			if transA {
				ao = lo
			}
			gemm(transA, transB, hi-lo, n, k, alpha, a[ao:], lda, b, ldb, beta, c[lo*ldc:], ldc)
		})
		return
	}
	parallelFor(n, max(1, minWork/max(1, m*k)), func(lo, hi int) {
		bo := lo
		if transB {
			bo = lo * ldb
		}
		gemm(transA, transB, m, hi-lo, k, alpha, a, lda, b[bo:], ldb, beta, c[lo:], ldc)
	})
}

// gemmGo is the pure-Go GEMM: op(A) and op(B) are packed into panels of four
// rows / four columns so that a 4x4 micro-kernel reads both sequentially, and
// row panels are spread over goroutines. Used when cgo is off and as the
// baseline of the GEMM benchmark.
func gemmGo(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	np := (n + 3) / 4
	bp := make([]float32, np*4*k) // panel j: k rows of 4 columns
	for j := 0; j < n; j++ {
		panel := bp[(j/4)*4*k:]
		for p := 0; p < k; p++ {
			if transB {
				panel[p*4+j%4] = b[j*ldb+p]
			} else {
				panel[p*4+j%4] = b[p*ldb+j]
			}
		}
	}
	mp := (m + 3) / 4
	parallelFor(mp, 1, func(lo, hi int) {
		ap := make([]float32, 4*k)
		var acc [16]float32
		for ip := lo; ip < hi; ip++ {
			clear(ap)
			rows := min(4, m-ip*4)
			for r := 0; r < rows; r++ {
				i := ip*4 + r
				for p := 0; p < k; p++ {
					if transA {
						ap[p*4+r] = a[p*lda+i]
					} else {
						ap[p*4+r] = a[i*lda+p]
					}
				}
			}
			for jp := 0; jp < np; jp++ {
				micro4x4(ap, bp[jp*4*k:(jp+1)*4*k], k, &acc)
				cols := min(4, n-jp*4)
				for r := 0; r < rows; r++ {
					crow := c[(ip*4+r)*ldc+jp*4:]
					for q := 0; q < cols; q++ {
						v := alpha * acc[r*4+q]
						if beta != 0 {
							v += beta * crow[q]
						}
						crow[q] = v
					}
				}
			}
		}
	})
}

// micro4x4 accumulates the 4x4 product of a packed A panel (k x 4) and a
// packed B panel (k x 4) into acc (row-major 4x4).
func micro4x4(ap, bp []float32, k int, acc *[16]float32) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	ap = ap[:4*k]
	bp = bp[:4*k]
	for p := 0; p+3 < len(ap); p += 4 {
		a0, a1, a2, a3 := ap[p], ap[p+1], ap[p+2], ap[p+3]
		b0, b1, b2, b3 := bp[p], bp[p+1], bp[p+2], bp[p+3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	*acc = [16]float32{c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33}
}

func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			if beta == 0 {
				row[j] = 0
			} else {
				row[j] *= beta
			}
		}
	}
}
