package model

import "fmt"

// checkGemm panics when a GEMM's slices are too short for its shape: reading
// past them from C would corrupt memory silently.
func checkGemm(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if lda < ac || ldb < bc || ldc < n || la < (ar-1)*lda+ac || lb < (br-1)*ldb+bc || lc < (m-1)*ldc+n {
		panic(fmt.Sprintf("model: gemm m=%d n=%d k=%d lda=%d ldb=%d ldc=%d with slices %d/%d/%d",
			m, n, k, lda, ldb, ldc, la, lb, lc))
	}
}
