package par

import (
	"runtime"
	"sync"
	"testing"
)

// For covers every index exactly once, whatever the cap and grain.
func TestForCoversEachIndexOnce(t *testing.T) {
	var l Limit
	for _, cap := range []int{0, 1, 2, 7} {
		l.Set(cap)
		for _, c := range []struct{ n, grain int }{{0, 1}, {1, 1}, {10, 3}, {1000, 1}, {1000, 600}, {17, 0}} {
			var mu sync.Mutex
			seen := make([]int, c.n)
			chunks := 0
			l.For(c.n, c.grain, func(lo, hi int) {
				mu.Lock()
				defer mu.Unlock()
				chunks++
				for i := lo; i < hi; i++ {
					seen[i]++
				}
			})
			for i, s := range seen {
				if s != 1 {
					t.Fatalf("cap %d, n %d, grain %d: index %d run %d times", cap, c.n, c.grain, i, s)
				}
			}
			if max := l.Workers(); chunks > max && c.n > 0 {
				t.Errorf("cap %d, n %d: %d chunks, more than %d workers", cap, c.n, chunks, max)
			}
		}
	}
}

func TestLimitWorkers(t *testing.T) {
	var l Limit
	if got := l.Workers(); got != runtime.GOMAXPROCS(0) {
		t.Errorf("zero Limit: %d workers, want GOMAXPROCS %d", got, runtime.GOMAXPROCS(0))
	}
	l.Set(1)
	if got := l.Workers(); got != 1 {
		t.Errorf("Set(1): %d workers", got)
	}
	l.Set(-3)
	if got := l.Workers(); got != runtime.GOMAXPROCS(0) {
		t.Errorf("Set(-3): %d workers, want GOMAXPROCS", got)
	}
}
