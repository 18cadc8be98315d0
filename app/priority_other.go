//go:build !linux

package app

// lowerThreadPriority is a no-op where per-thread priority is not
// available through the syscall package.
func lowerThreadPriority() error { return nil }
