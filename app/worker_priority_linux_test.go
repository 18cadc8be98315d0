package app_test

import (
	"syscall"
	"testing"

	"bartedit/app"
)

// The sampler runs below the window's priority (SCHED_IDLE), so drawing (software GL
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
	policy := func() uintptr {
		p, _, _ := syscall.RawSyscall(syscall.SYS_SCHED_GETSCHEDULER, uintptr(syscall.Gettid()), 0, 0)
		return p
	}
	var during int
	var duringPolicy uintptr
	eng.OnEdit = func() { during, duringPolicy = nice(), policy() }
	r, _ := startSquare(t, w)
	if s := wait(t, r); s.Progress.State != app.Finished {
		t.Fatalf("run ended %v", s.Progress.State)
	}
	const schedIdle = 5
	if policy() == schedIdle {
		t.Fatal("the test's own thread runs under SCHED_IDLE")
	}
	if base := nice(); duringPolicy != schedIdle && during <= base {
		t.Errorf("sampling ran under policy %d at nice %d, the test's own thread at %d: want SCHED_IDLE or a higher nice",
			duringPolicy, during, base)
	}
}
