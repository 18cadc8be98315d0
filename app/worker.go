package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"runtime"
	"sync"
	"time"

	"bartedit/canvas"
	"bartedit/model"
)

// Job is what the worker runs: a snapshot of part of a document (made by
// Document.NewJob on the UI goroutine), so the document may change while
// the job runs.
type Job struct {
	// Crop is where the snapshot lies in the document: the union of the
	// crop windows. Edit.Image has bounds Crop; Edit.Mask and
	// Edit.Windows are relative to Crop.Min.
	Crop     image.Rectangle
	Edit     EditJob
	Feather  int
	Seamless bool // blend with canvas.Seamless before compositing
	Settings Settings
}

// RunState is where a run stands.
type RunState int

const (
	Running RunState = iota
	Finished
	Cancelled
	Failed
)

func (s RunState) String() string {
	return [...]string{"running", "finished", "cancelled", "failed"}[s]
}

// Progress is a value snapshot of a run's progress.
type Progress struct {
	State            RunState
	Window, Windows  int // 0-based current window, count
	Scale, T         int // the scale being sampled (T..1) and the number of scales
	Iteration, Chain int // 0-based chain iteration at this scale, chain length
	Step, Steps      int // reverse steps finished in this window, steps per window
	Position, Tokens int // token being decided, tokens per image
	Fraction         float64
	Elapsed, Left    time.Duration // Left < 0: not yet known
	StepTime, Decode time.Duration // of the last reverse step and its preview decode
	Variations       int
}

// Step is one streamed reverse step: the decoded tokens at model
// resolution and composited into the picture. Steps never change once
// published, so the UI may keep them.
type Step struct {
	Index            int // over the run, 0-based
	Window           int
	Scale, Iteration int
	Time             time.Duration // since the run started
	Thumbs           []*image.RGBA // per variation, S x S, the window as the model sees it
	// Views are per variation the crop composited with this step (bounds
	// Job.Crop); nil when they did not fit StepViewBudget, and then only
	// Snapshot.Live holds the newest.
	Views []*image.RGBA
}

// Result is a finished run: per variation the changed part of the
// document (bounds Changed, the document's image type), ready for
// Document.Accept, and a display copy of the crop.
type Result struct {
	Changed image.Rectangle
	Images  []draw.Image
	Views   []*image.RGBA // bounds Crop
	Crop    image.Rectangle
	Elapsed time.Duration
	Steps   int
}

// Snapshot is everything the UI reads of a run at once.
type Snapshot struct {
	ID       int
	Progress Progress
	Steps    []Step        // every step so far, append-only
	Live     []*image.RGBA // the newest composited step per variation (bounds Crop)
	Crop     image.Rectangle
	Result   *Result // when Finished
	Err      error   // when Failed or Cancelled
	Done     bool
}

// StepViewBudget bounds the memory the composited views of the steps of
// one run keep; past it, steps keep only their thumbnails.
var StepViewBudget int64 = 256 << 20

// Run is one job on the worker.
type Run struct {
	id     int
	job    Job
	cancel context.CancelFunc
	ctx    context.Context
	done   chan struct{}

	mu   sync.Mutex
	snap Snapshot
}

// Snapshot returns the run's state now.
func (r *Run) Snapshot() Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snap
}

// Cancel asks the run to stop; it does within one decoder step, and the
// run then ends Cancelled with no result.
func (r *Run) Cancel() { r.cancel() }

// Done is closed when the run has ended.
func (r *Run) Done() <-chan struct{} { return r.done }

// ID numbers runs from 1.
func (r *Run) ID() int { return r.id }

// Runner is what the UI needs of the worker.
type Runner interface {
	Card() Card
	Start(job Job) (*Run, error)
	// Notify receives a value (without blocking the worker) whenever a run
	// has news; a UI wakes up and reads Run.Snapshot.
	Notify() <-chan struct{}
}

// ErrBusy is returned by Start while a run is in progress.
var ErrBusy = errors.New("a run is in progress")

// Worker owns the engine and runs one job at a time on its own goroutine
// (locked to its OS thread, as a GPU backend needs).
type Worker struct {
	eng    Engine
	card   Card
	jobs   chan *Run
	notify chan struct{}

	mu   sync.Mutex
	busy bool
	next int
	quit bool
}

var _ Runner = (*Worker)(nil)

// NewWorker starts a worker for eng; card describes the model (NewCard).
// It leaves one core to the UI: the CPU backend and the canvas code (the
// previews' compositing) use NumCPU-1 threads, and the worker's thread
// runs at a lower priority than the window.
func NewWorker(eng Engine, card Card) *Worker {
	model.SetThreads(max(1, runtime.NumCPU()-1))
	canvas.SetThreads(max(1, runtime.NumCPU()-1))
	w := &Worker{eng: eng, card: card, jobs: make(chan *Run, 1), notify: make(chan struct{}, 1)}
	go w.loop()
	return w
}

// Card returns the model card.
func (w *Worker) Card() Card { return w.card }

// Notify returns the notification channel.
func (w *Worker) Notify() <-chan struct{} { return w.notify }

// Close stops the worker after the current run (cancel it first to stop
// at once).
func (w *Worker) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.quit {
		w.quit = true
		close(w.jobs)
	}
}

// Start queues job and returns its run; with a run in progress it returns
// ErrBusy.
func (w *Worker) Start(job Job) (*Run, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.quit:
		return nil, errors.New("the worker has stopped")
	case w.busy:
		return nil, ErrBusy
	}
	w.busy = true
	w.next++
	ctx, cancel := context.WithCancel(context.Background())
	r := &Run{id: w.next, job: job, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	r.snap = Snapshot{ID: r.id, Crop: job.Crop, Progress: Progress{
		State: Running, Left: -1, T: w.card.T, Variations: max(job.Edit.Request.Batch, 1),
	}}
	w.jobs <- r
	return r, nil
}

func (w *Worker) poke() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

func (w *Worker) loop() {
	// The thread stays locked (and is discarded when the loop ends), so
	// its lowered priority applies to the sampling alone.
	runtime.LockOSThread()
	_ = lowerThreadPriority()
	for r := range w.jobs {
		w.run(r)
	}
}

func (w *Worker) run(r *Run) {
	defer r.cancel()
	start := time.Now()
	job := r.job
	batch := max(job.Edit.Request.Batch, 1)
	job.Edit.Request.Batch = batch
	job.Edit.Request.Preview = true
	s := w.eng.Meta().ImageSize
	pv := newPreviewer(job, batch)
	var winMask *canvas.Mask
	var winRect image.Rectangle
	stepIndex := 0

	on := func(e WindowEvent) {
		if e.Begin {
			winRect = e.Rect
			winMask = windowMask(job.Edit.Mask, e.Rect)
		}
		r.mu.Lock()
		p := &r.snap.Progress
		p.Window, p.Windows = e.Window, e.Windows
		p.Tokens = e.Tokens
		if !e.Begin {
			p.Scale, p.Iteration, p.Chain = e.Scale, e.Iteration, e.Iterations
			p.Step, p.Steps, p.Position = e.Step, e.Steps, e.Position
			within := float64(e.Step) + float64(e.Position)/float64(max(e.Tokens, 1))
			if e.Kind == model.EventStep {
				within, p.Step = float64(e.Step+1), e.Step+1
				p.StepTime, p.Decode = e.StepTime, e.DecodeTime
			}
			p.Fraction = (float64(e.Window) + within/float64(max(e.Steps, 1))) / float64(max(e.Windows, 1))
		}
		p.Elapsed = time.Since(start)
		if p.Fraction > 0.02 {
			p.Left = time.Duration(float64(p.Elapsed)/p.Fraction) - p.Elapsed
		}
		r.mu.Unlock()
		if !e.Begin && e.Kind == model.EventStep && e.Image != nil {
			st := pv.step(e, winRect, winMask, s, job.Feather)
			st.Index, st.Time = stepIndex, time.Since(start)
			stepIndex++
			r.mu.Lock()
			r.snap.Live = pv.live
			r.snap.Steps = append(r.snap.Steps, st)
			r.mu.Unlock()
		}
		w.poke()
	}
	out, err := Inpaint(r.ctx, w.eng, job.Edit, on)
	var res *Result
	if err == nil {
		res, err = finish(job, out, batch)
	}
	r.mu.Lock()
	r.snap.Progress.Elapsed = time.Since(start)
	switch {
	case err == nil:
		res.Elapsed, res.Steps = time.Since(start), out.Steps
		r.snap.Result = res
		r.snap.Progress.State, r.snap.Progress.Fraction, r.snap.Progress.Left = Finished, 1, 0
	case errors.Is(err, context.Canceled):
		r.snap.Err, r.snap.Progress.State = err, Cancelled
	default:
		r.snap.Err, r.snap.Progress.State = err, Failed
	}
	r.snap.Done = true
	r.mu.Unlock()
	w.mu.Lock()
	w.busy = false
	w.mu.Unlock()
	close(r.done)
	w.poke()
}

// finish composites the final patches of every variation into the crop
// (blended first when the job says so).
func finish(job Job, out Outcome, batch int) (*Result, error) {
	if len(out.Patches) != batch {
		return nil, fmt.Errorf("the edit gave %d variations, want %d", len(out.Patches), batch)
	}
	res := &Result{Crop: job.Crop}
	changed := canvas.ChangedRect(out.Patches[0], job.Edit.Mask, job.Feather).Add(job.Crop.Min)
	res.Changed = changed
	for v := 0; v < batch; v++ {
		patches := out.Patches[v]
		if job.Seamless {
			var err error
			if patches, err = SeamlessPatches(job.Edit.Image, job.Edit.Mask, patches); err != nil {
				return nil, err
			}
		}
		img, err := canvas.Composite(job.Edit.Image, patches, job.Edit.Mask, job.Feather)
		if err != nil {
			return nil, err
		}
		res.Images = append(res.Images, canvas.CopyRect(img, changed))
		res.Views = append(res.Views, toRGBA(img, img.Bounds()))
	}
	return res, nil
}

// windowMask returns a copy of m keeping only the pixels inside r.
func windowMask(m *canvas.Mask, r image.Rectangle) *canvas.Mask {
	out := canvas.NewMask(m.W, m.H)
	out.SetRegion(r, m.Region(r))
	return out
}

// toRGBA converts the part r of img into a new premultiplied RGBA image
// with bounds r, the form the UI uploads.
func toRGBA(img image.Image, r image.Rectangle) *image.RGBA {
	out := image.NewRGBA(r)
	draw.Draw(out, r, img, r.Min, draw.Src)
	return out
}
