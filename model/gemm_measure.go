package model

import "time"

// MeasureGEMM times square n x n x n single-precision GEMMs for at least
// minDur and returns GFLOP/s, with the selected GEMM (OpenBLAS under cgo)
// or, when pureGo is set, the pure-Go one. For `bartedit bench`.
func MeasureGEMM(n int, pureGo bool, minDur time.Duration) float64 {
	gemm := sgemm
	if pureGo {
		gemm = gemmGo
	}
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = float32(i%7)-3, float32(i%5)-2
	}
	gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n) // warm-up
	reps := 0
	start := time.Now()
	for time.Since(start) < minDur {
		gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
		reps++
	}
	return 2 * float64(n) * float64(n) * float64(n) * float64(reps) / time.Since(start).Seconds() / 1e9
}
