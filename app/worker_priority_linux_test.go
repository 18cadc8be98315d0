package app_test

import (
	"image"
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
	d := app.NewDocument(gradient(80, 60), "", "")
	paint(d, image.Rect(20, 20, 30, 30))
	job, err := d.NewJob(w.Card(), w.Card().Defaults)
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.Start(job)
	if err != nil {
		t.Fatal(err)
	}
	if s := wait(t, r); s.Progress.State != app.Finished {
		t.Fatalf("run ended %v", s.Progress.State)
	}
	if base := nice(); during <= base {
		t.Errorf("sampling ran at nice %d, the test's own thread at %d: want it lower priority", during, base)
	}
}
