package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gioui.org/f32"
	"gioui.org/io/input"
	"gioui.org/io/key"
	"gioui.org/io/pointer"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/unit"

	"bartedit/app"
	"bartedit/app/apptest"
)

const fixture = "../model/testdata/fixture-text.bart"

// fakeFiles answers file dialogs from a queue the test fills.
type fakeFiles struct {
	mu      sync.Mutex
	answers []string // "" means cancel
	asked   []string // titles asked, in order
	yes     bool
}

func (f *fakeFiles) next(title string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, title)
	if len(f.answers) == 0 {
		return "", ErrCancelled
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	if a == "" {
		return "", ErrCancelled
	}
	return a, nil
}

func (f *fakeFiles) OpenFile(title string, _ []FileFilter) (string, error) { return f.next(title) }
func (f *fakeFiles) SaveFile(title, _ string, _ []FileFilter) (string, error) {
	return f.next(title)
}
func (f *fakeFiles) Ask(title, q string) bool { f.next(q); return f.yes }

func (f *fakeFiles) questions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asked...)
}

// harness drives an Editor headlessly through an input.Router.
type harness struct {
	t     *testing.T
	r     input.Router
	ops   op.Ops
	size  image.Point
	ed    *Editor
	eng   *apptest.Engine
	files *fakeFiles
	dir   string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	eng, err := apptest.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	w := app.NewWorker(eng, eng.Card())
	t.Cleanup(w.Close)
	h := &harness{t: t, size: image.Pt(1200, 800), eng: eng, files: &fakeFiles{}, dir: t.TempDir()}
	h.ed = New(Env{Runner: w, Files: h.files, Recovery: app.NewRecovery(filepath.Join(h.dir, "recovery"))})
	h.frame()
	return h
}

// frame lays out one frame and hands its ops to the router.
func (h *harness) frame() {
	h.ops.Reset()
	gtx := layout.Context{
		Ops: &h.ops, Constraints: layout.Exact(h.size), Metric: unit.Metric{PxPerDp: 1, PxPerSp: 1},
		Now: time.Now(), Source: h.r.Source(),
	}
	h.ed.Layout(gtx)
	h.r.Frame(&h.ops)
}

// focus gives the key focus to tag (a widget laid out this frame).
func (h *harness) focus(tag any) {
	h.ops.Reset()
	gtx := layout.Context{
		Ops: &h.ops, Constraints: layout.Exact(h.size), Metric: unit.Metric{PxPerDp: 1, PxPerSp: 1},
		Now: time.Now(), Source: h.r.Source(),
	}
	h.ed.Layout(gtx)
	gtx.Execute(key.FocusCmd{Tag: tag})
	h.r.Frame(&h.ops)
	h.frame()
}

// until runs frames until cond holds (things arrive from other goroutines).
func (h *harness) until(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
		h.frame()
	}
}

// key presses and releases a key.
func (h *harness) key(name key.Name, mods key.Modifiers) {
	h.r.Queue(key.Event{Name: name, Modifiers: mods, State: key.Press}, key.Event{Name: name, Modifiers: mods, State: key.Release})
	h.frame()
}

func (h *harness) keyState(name key.Name, st key.State) {
	h.r.Queue(key.Event{Name: name, State: st})
	h.frame()
}

// screen returns the window position of image point (x, y).
func (h *harness) screen(x, y float64) f32.Point {
	sx, sy := h.ed.canvas.View.ToScreen(x, y)
	o := h.ed.CanvasOrigin()
	return f32.Pt(float32(sx)+float32(o.X), float32(sy)+float32(o.Y))
}

// drag presses button at the image point from, moves to to in steps, and
// releases.
func (h *harness) drag(btn pointer.Buttons, from, to f32.Point, steps int, mods key.Modifiers) {
	evs := []pointer.Event{{Kind: pointer.Move, Source: pointer.Mouse, Position: from},
		{Kind: pointer.Press, Source: pointer.Mouse, Buttons: btn, Position: from, Modifiers: mods}}
	for i := 1; i <= steps; i++ {
		f := float32(i) / float32(steps)
		p := from.Add(to.Sub(from).Mul(f))
		evs = append(evs, pointer.Event{Kind: pointer.Move, Source: pointer.Mouse, Buttons: btn, Position: p, Modifiers: mods})
	}
	evs = append(evs, pointer.Event{Kind: pointer.Release, Source: pointer.Mouse, Position: to, Modifiers: mods})
	for _, e := range evs {
		h.r.Queue(e)
	}
	h.frame()
}

func (h *harness) scroll(at f32.Point, dx, dy float32, mods key.Modifiers) {
	h.r.Queue(pointer.Event{Kind: pointer.Move, Source: pointer.Mouse, Position: at},
		pointer.Event{Kind: pointer.Scroll, Source: pointer.Mouse, Position: at, Scroll: f32.Pt(dx, dy), Modifiers: mods})
	h.frame()
}

// writePicture writes a w x h gradient PNG and returns its path.
func (h *harness) writePicture(name string, w, hgt int) string {
	img := image.NewNRGBA(image.Rect(0, 0, w, hgt))
	for y := 0; y < hgt; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / hgt), 90, 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	p := filepath.Join(h.dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// open opens a picture directly and lays out a frame so the view fits.
func (h *harness) open(w, hgt int) string {
	p := h.writePicture("in.png", w, hgt)
	if !h.ed.OpenPath(p) {
		h.t.Fatal("open failed")
	}
	h.frame()
	h.frame()
	return p
}
