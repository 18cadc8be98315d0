//go:build !cgo || !linux

package model

// BLASStatus says why OpenBLAS is not used.
var BLASStatus = "built without cgo: using the pure-Go GEMM"
