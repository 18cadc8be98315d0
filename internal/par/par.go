// Package par runs loops over [0, n) on several goroutines, one
// contiguous chunk each, under a cap the caller can change at run time
// (the editor's worker leaves the window a core).
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Limit caps the goroutines of For. The zero Limit allows GOMAXPROCS.
type Limit struct{ n atomic.Int32 }

// Set caps the goroutines at n; n < 1 means GOMAXPROCS.
func (l *Limit) Set(n int) { l.n.Store(int32(max(n, 0))) }

// Workers is the most goroutines For uses now.
func (l *Limit) Workers() int {
	if n := int(l.n.Load()); n > 0 {
		return min(n, runtime.GOMAXPROCS(0))
	}
	return runtime.GOMAXPROCS(0)
}

// For runs fn over [0, n) split into one contiguous chunk per goroutine,
// each of at least grain items, and waits. Work too small for two chunks
// runs inline: a goroutine costs about a microsecond, which matters for
// the per-token ops of autoregressive decoding.
func (l *Limit) For(n, grain int, fn func(lo, hi int)) {
	workers := min(l.Workers(), n/max(grain, 1))
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
