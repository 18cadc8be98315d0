package app_test

import (
	"syscall"
	"testing"

	"bartedit/app"
)

// The sampler runs below the window's priority, so drawing (software GL
// is CPU work too) is not starved by a run, while the caller's own
// threads keep their priority.
func TestWorkerSamplesAtLowerPriority(t *testing.T) {
	eng, w := fakeWorker(t)
	nice := func() int {
		p, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
		if err != nil {
			t.Error(err)
		}
		return 20 - p // the raw system call returns 20 - nice
	}
	var during int
	eng.OnEdit = func() { during = nice() }
	r, _ := startSquare(t, w)
	if s := wait(t, r); s.Progress.State != app.Finished {
		t.Fatalf("run ended %v", s.Progress.State)
	}
	if base := nice(); during <= base {
		t.Errorf("sampling ran at nice %d, the test's own thread at %d: want it lower priority", during, base)
	}
}
