//go:build !unix

package app

// processAlive cannot tell on this system; recovery data is offered only
// from folders of other process ids, which may still run.
func processAlive(pid int) bool { return false }
