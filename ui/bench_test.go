package ui

import (
	"image"
	"image/color"
	"os"
	"sort"
	"testing"
	"time"

	"gioui.org/f32"
	"gioui.org/gpu/headless"
	"gioui.org/io/input"
	"gioui.org/io/pointer"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/unit"

	"bartedit/app"
	"bartedit/assets"
	"bartedit/canvas"
)

// BenchmarkFrameDuringRun measures the editor's frame time while the
// embedded default model samples: a 4000x3000 picture fitted in a
// 1280x820 window, the pointer moving over the canvas every frame (the
// brush cursor, 48 pixels across, redraws), and a run streaming into the
// canvas and the film strip on the worker goroutine. A frame is layout
// plus GPU rendering (Gio's headless GL window on Mesa) plus reading the
// pixels back, which forces the rendering to finish. Only frames drawn
// while the run is in progress count; runs restart as they finish. It
// reports their median and 90th percentile, and the median of 30 frames
// before any run.
//
//	go test ./ui -run '^$' -bench FrameDuringRun -benchtime 200x
func BenchmarkFrameDuringRun(b *testing.B) {
	if os.Getenv("EGL_PLATFORM") == "" {
		os.Setenv("EGL_PLATFORM", "surfaceless") // no display needed
	}
	TuneSoftwareGL() // as the editor does
	size := image.Pt(1280, 820)
	win, err := headless.NewWindow(size.X, size.Y)
	if err != nil {
		b.Skipf("no headless GPU window: %v", err)
	}
	defer win.Release()
	def := assets.Default()
	eng, card, err := app.LoadEngine("", def.Source(), def.Data())
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	w := app.NewWorker(eng, card)
	defer w.Close()
	ed := New(Env{Runner: w})
	pic := image.NewNRGBA(image.Rect(0, 0, 4000, 3000))
	for y := 0; y < 3000; y++ {
		for x := 0; x < 4000; x++ {
			i := pic.PixOffset(x, y)
			pic.Pix[i], pic.Pix[i+1], pic.Pix[i+2], pic.Pix[i+3] = uint8(x/16), uint8(y/12), uint8(x^y), 255
		}
	}
	doc := app.NewDocument(pic, "big.png", "png")
	ed.SetDocument(doc)
	doc.BeginStroke(canvas.Brush{Diameter: 150, Hardness: 0.8}, 1800, 1300)
	doc.StrokeTo(2300, 1600)
	doc.EndStroke()
	ed.canvas.Brush.Diameter = 200 // a ring of radius 24 on the screen
	for i := range ed.panel.chain {
		ed.panel.chain[i].SetText("8") // a longer run: 24 reverse steps
	}
	var (
		r    input.Router
		ops  op.Ops
		shot = image.NewRGBA(image.Rectangle{Max: size})
		t    float32
	)
	frame := func() time.Duration {
		start := time.Now()
		t += 0.05
		r.Queue(pointer.Event{Kind: pointer.Move, Source: pointer.Mouse,
			Position: f32.Pt(400+200*sin(t), 400+150*sin(1.3*t))})
		ops.Reset()
		gtx := layout.Context{Ops: &ops, Constraints: layout.Exact(size), Metric: unit.Metric{PxPerDp: 1, PxPerSp: 1},
			Now: time.Now(), Source: r.Source()}
		ed.Layout(gtx)
		r.Frame(&ops)
		if err := win.Frame(&ops); err != nil {
			b.Fatal(err)
		}
		if err := win.Screenshot(shot); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	for i := 0; i < 3; i++ { // build the tiles and the glyph cache first
		frame()
	}
	if shot.RGBAAt(size.X/3, size.Y/2) == (color.RGBA{}) {
		b.Fatal("the headless window drew nothing")
	}
	// The same frames with no run, for comparison.
	var idle []time.Duration
	for i := 0; i < 30; i++ {
		idle = append(idle, frame())
	}
	rebuilt := ed.canvas.image.Rebuilt
	var times []time.Duration
	runs := 0
	b.ResetTimer()
	for len(times) < b.N {
		if !ed.Running() {
			ed.discard()
			ed.startRun()
			runs++
			if !ed.Running() {
				b.Fatalf("the run did not start: %s", ed.Status())
			}
		}
		d := frame()
		if ed.Running() {
			times = append(times, d)
		}
	}
	b.StopTimer()
	if r := ed.run; r != nil { // the model is closed on return: stop using it first
		r.Cancel()
		<-r.Done()
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	sort.Slice(idle, func(i, j int) bool { return idle[i] < idle[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(idle[len(idle)/2]), "ms/idle-frame-median")
	b.ReportMetric(ms(times[len(times)/2]), "ms/frame-median")
	b.ReportMetric(ms(times[len(times)*9/10]), "ms/frame-p90")
	b.ReportMetric(float64(ed.canvas.image.Rebuilt-rebuilt), "tile-rebuilds")
	b.ReportMetric(float64(runs), "runs")
	b.ReportMetric(0, "ns/op")
}

func sin(x float32) float32 {
	// A cheap periodic wobble for the pointer path.
	x -= float32(int(x/6.2831853)) * 6.2831853
	if x > 3.1415927 {
		x -= 6.2831853
	}
	return x * (1 - x*x/6 + x*x*x*x/120)
}

// BenchmarkCanvasZoom measures what a zoom step costs the CPU: resampling
// the tiles of a 4000x3000 picture that show in a 960x640 canvas at the
// new zoom (the GPU then only blits them).
//
//	go test ./ui -run '^$' -bench CanvasZoom
func BenchmarkCanvasZoom(b *testing.B) {
	img := noisePicture(4000, 3000, 1)
	p := pyramidOf(img)
	var tl tiles
	tl.reset(p)
	var ops op.Ops
	zooms := []float32{0.237, 0.3, 0.45, 0.8, 1.3}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ops.Reset()
		tl.draw(&ops, image.Rect(0, 0, 960, 640), screenXf{Zoom: zooms[i%len(zooms)], Off: f32.Pt(-100, -50)})
	}
}
