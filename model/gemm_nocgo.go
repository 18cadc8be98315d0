//go:build !cgo

package model

// SetBLASThreads does nothing without OpenBLAS; the pure-Go GEMM uses GOMAXPROCS.
func SetBLASThreads(int) {}
