package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemm checks both GEMMs (OpenBLAS when cgo is on, and the pure-Go one)
// against a naive triple loop, with every transpose combination, leading
// dimensions wider than the matrices, alpha and beta.
func TestGemm(t *testing.T) {
	impls := map[string]func(bool, bool, int, int, int, float32, []float32, int, []float32, int, float32, []float32, int){
		"selected(" + GemmName + ")": sgemm, "pure-go": gemmGo,
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for name, gemm := range impls {
		for _, s := range [][3]int{{1, 1, 1}, {1, 17, 33}, {5, 3, 1}, {9, 13, 70}, {64, 65, 66}} {
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				m, n, k := s[0], s[1], s[2]
				t.Run(fmt.Sprintf("%s/%v/%v", name, s, tr), func(t *testing.T) {
					ar, ac := m, k
					if tr[0] {
						ar, ac = k, m
					}
					br, bc := k, n
					if tr[1] {
						br, bc = n, k
					}
					lda, ldb, ldc := ac+3, bc+1, n+2
					a, b, c := randSlice(rng, ar*lda), randSlice(rng, br*ldb), randSlice(rng, m*ldc)
					want := append([]float32(nil), c...)
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							var s float64
							for p := 0; p < k; p++ {
								ai, bi := i*lda+p, p*ldb+j
								if tr[0] {
									ai = p*lda + i
								}
								if tr[1] {
									bi = j*ldb + p
								}
								av, bv := a[ai], b[bi]
								s += float64(av) * float64(bv)
							}
							want[i*ldc+j] = float32(0.5*s + 0.25*float64(c[i*ldc+j]))
						}
					}
					gemm(tr[0], tr[1], m, n, k, 0.5, a, lda, b, ldb, 0.25, c, ldc)
					for i := range c {
						if d := math.Abs(float64(c[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
							t.Fatalf("element %d: got %v want %v", i, c[i], want[i])
						}
					}
				})
			}
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}
