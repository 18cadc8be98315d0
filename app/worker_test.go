package app_test

import (
	"context"
	"image"
	"image/color"
	"testing"
	"time"

	"bartedit/app"
	"bartedit/app/apptest"
	"bartedit/canvas"
	"bartedit/model"
)

const fixture = "../model/testdata/fixture-text.bart"

func gradient(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) % 256), 255})
		}
	}
	return img
}

func fakeWorker(t *testing.T) (*apptest.Engine, *app.Worker) {
	t.Helper()
	eng, err := apptest.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	w := app.NewWorker(eng, eng.Card())
	t.Cleanup(w.Close)
	return eng, w
}

// startSquare starts a run of the model's defaults on an 80x60 gradient
// with a 10x10 square masked.
func startSquare(t *testing.T, w *app.Worker) (*app.Run, app.Job) {
	t.Helper()
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
	return r, job
}

func paint(d *app.Document, r image.Rectangle) {
	d.BeginStroke(canvas.Brush{Diameter: 6, Hardness: 1}, float64(r.Min.X), float64(r.Min.Y))
	for y := r.Min.Y; y <= r.Max.Y; y += 3 {
		d.StrokeTo(float64(r.Min.X), float64(y))
		d.StrokeTo(float64(r.Max.X), float64(y))
	}
	d.EndStroke()
}

// runToResult starts job and waits for a run that ends with a result.
func runToResult(t *testing.T, w *app.Worker, job app.Job) app.Snapshot {
	t.Helper()
	r, err := w.Start(job)
	if err != nil {
		t.Fatal(err)
	}
	snap := wait(t, r)
	if snap.Result == nil {
		t.Fatalf("run %v: %v", snap.Progress.State, snap.Err)
	}
	return snap
}

func wait(t *testing.T, r *app.Run) app.Snapshot {
	t.Helper()
	select {
	case <-r.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not end")
	}
	return r.Snapshot()
}

// outsideBand checks that img equals orig everywhere farther than feather
// from the mask, and differs somewhere inside it.
func checkChange(t *testing.T, orig, img image.Image, m *canvas.Mask, feather int) {
	t.Helper()
	changedInside := false
	b := orig.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			same := orig.At(x, y) == img.At(x, y)
			if m.Value(x, y) > 0 && !same {
				changedInside = true
			}
			if !same && !nearMask(m, x, y, feather) {
				t.Fatalf("pixel (%d,%d) changed, more than %d pixels from the mask", x, y, feather)
			}
		}
	}
	if !changedInside {
		t.Error("nothing changed inside the mask")
	}
}

func nearMask(m *canvas.Mask, x, y, r int) bool {
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			if dx*dx+dy*dy <= r*r && m.Value(x+dx, y+dy) > 0 {
				return true
			}
		}
	}
	return false
}

func TestWorkerStreamsStepsAndAccepts(t *testing.T) {
	eng, w := fakeWorker(t)
	card := w.Card()
	d := app.NewDocument(gradient(120, 90), "", "")
	paint(d, image.Rect(40, 30, 60, 45))
	s := card.Defaults.Clone()
	s.Variations = 2
	job, err := d.NewJob(card, s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.Start(job)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Start(job); err != app.ErrBusy {
		t.Errorf("a second start during a run gave %v, want ErrBusy", err)
	}
	snap := wait(t, r)
	if snap.Progress.State != app.Finished || snap.Result == nil {
		t.Fatalf("run ended %v (%v)", snap.Progress.State, snap.Err)
	}
	steps := 0
	for _, c := range s.Chain {
		steps += c
	}
	if len(snap.Steps) != steps*len(job.Edit.Windows) {
		t.Errorf("%d steps streamed, want %d", len(snap.Steps), steps*len(job.Edit.Windows))
	}
	for i, st := range snap.Steps {
		if st.Index != i || len(st.Thumbs) != 2 || len(st.Views) != 2 || st.Views[0].Rect != job.Crop {
			t.Fatalf("step %d malformed: %+v", i, st)
		}
	}
	// Each step shows its own colour inside the mask, the original outside.
	mid := image.Pt(50, 37)
	for i, st := range snap.Steps {
		want := apptest.Colour(int32(((i + 1) * 7) % eng.M.CodebookSize))
		got := st.Views[0].RGBAAt(mid.X, mid.Y)
		if got.R != want[0] || got.G != want[1] || got.B != want[2] {
			t.Errorf("step %d shows %v at the mask, want %v", i, got, want)
		}
		if st.Views[0].RGBAAt(job.Crop.Min.X, job.Crop.Min.Y) != toRGBA(d.Image.At(job.Crop.Min.X, job.Crop.Min.Y)) {
			t.Errorf("step %d changed a pixel far from the mask", i)
		}
	}
	if p := snap.Progress; p.Fraction != 1 || p.Scale != 1 || p.Variations != 2 {
		t.Errorf("final progress %+v", p)
	}
	orig := canvas.Editable(d.Image)
	if _, err := d.Accept(snap.Result, 1); err != nil {
		t.Fatal(err)
	}
	checkChange(t, orig, d.Image, d.Mask, s.Feather)
	if !d.Dirty() {
		t.Error("accepting did not make the picture dirty")
	}
	d.Undo()
	if !canvas.EqualPixels(orig, d.Image) {
		t.Error("undo of accept did not restore the picture")
	}
}

func toRGBA(c color.Color) color.RGBA { return color.RGBAModel.Convert(c).(color.RGBA) }

func TestWorkerCancel(t *testing.T) {
	eng, w := fakeWorker(t)
	eng.Gate = make(chan struct{})
	r, job := startSquare(t, w)
	eng.Gate <- struct{}{} // let one step through
	for len(r.Snapshot().Steps) < 1 {
		time.Sleep(time.Millisecond)
	}
	r.Cancel()
	snap := wait(t, r)
	if snap.Progress.State != app.Cancelled || snap.Result != nil {
		t.Fatalf("cancelled run ended %v with result %v", snap.Progress.State, snap.Result != nil)
	}
	// The worker is free again, and nobody reading Notify never blocked it.
	eng.Gate = nil
	if r2, err := w.Start(job); err != nil {
		t.Fatalf("start after cancel: %v", err)
	} else if s := wait(t, r2); s.Progress.State != app.Finished {
		t.Errorf("second run %v", s.Progress.State)
	}
}

func TestJobErrors(t *testing.T) {
	_, w := fakeWorker(t)
	card := w.Card()
	d := app.NewDocument(gradient(50, 50), "", "")
	if _, err := d.NewJob(card, card.Defaults); err == nil {
		t.Error("a job with an empty mask")
	}
	paint(d, image.Rect(10, 10, 20, 20))
	bad := card.Defaults.Clone()
	bad.Class = "dgo"
	if _, err := d.NewJob(card, bad); err == nil {
		t.Error("a job with an unknown class")
	}
	bad = card.Defaults.Clone()
	bad.Variations = 0
	if _, err := d.NewJob(card, bad); err == nil {
		t.Error("a job with 0 variations")
	}
	fb := card.CheckText("a cat on zebra stripes today")
	if len(fb.Unknown) == 0 || len(fb.Dropped) == 0 {
		t.Errorf("text feedback %+v: want unknown and dropped words", fb)
	}
	if got := card.FilterClasses("D"); len(got) != 1 || card.Classes[got[0]] != "dog" {
		t.Errorf("filter classes %v", got)
	}
}

// TestRealModelCropMatchesFullImage runs the fixture model through the
// worker (a snapshot of the crop) and directly on the full picture with
// app.Inpaint, as `bartedit inpaint` does: the two give the same pixels.
func TestRealModelCropMatchesFullImage(t *testing.T) {
	bundle, err := model.OpenBundle(fixture)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.LoadModel(model.NewCPU(), bundle)
	bundle.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	eng := app.ModelEngine{M: m}
	card := app.NewCard(m.Meta, fixture, eng.Backend())
	w := app.NewWorker(eng, card)
	defer w.Close()
	img := gradient(150, 100)
	d := app.NewDocument(img, "", "")
	paint(d, image.Rect(100, 60, 120, 75))
	s := card.Defaults.Clone()
	s.Text, s.Seed = "a red cat", 7
	job, err := d.NewJob(card, s)
	if err != nil {
		t.Fatal(err)
	}
	if job.Crop == d.Image.Bounds() {
		t.Fatal("the crop is the whole picture; the test needs a smaller one")
	}
	snap := runToResult(t, w, job)
	if len(snap.Steps) != 6 || snap.Progress.Fraction != 1 {
		t.Errorf("%d steps, fraction %v", len(snap.Steps), snap.Progress.Fraction)
	}
	orig := canvas.Editable(d.Image)
	if _, err := d.Accept(snap.Result, 0); err != nil {
		t.Fatal(err)
	}
	checkChange(t, orig, d.Image, d.Mask, s.Feather)

	req, err := card.Request(s)
	if err != nil {
		t.Fatal(err)
	}
	out, err := app.Inpaint(context.Background(), eng, app.EditJob{Image: orig, Mask: d.Mask, Request: req, Context: s.Context}, nil)
	if err != nil {
		t.Fatal(err)
	}
	full, err := canvas.Composite(orig, out.Patches[0], d.Mask, s.Feather)
	if err != nil {
		t.Fatal(err)
	}
	if !canvas.EqualPixels(full, d.Image) {
		t.Error("the worker's crop edit differs from the full-picture edit")
	}
}
