package ui

import (
	"image"
	"image/color"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"gioui.org/f32"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
)

// tileSize is the side of a cached tile in screen pixels.
const tileSize = 256

// tiles caches a picture (or mask overlay) as it shows at the current
// zoom: tiles of the zoomed picture, resampled on the CPU from a pyramid
// (see sampling) and drawn 1:1 at whole-pixel offsets.
//
// Why not let the GPU scale: Gio turns the bounds of an image drawn under
// any scale into a clip path, and without a GPU (Mesa's llvmpipe) it
// rasterises that path's coverage over the whole image on every frame. A
// 4000x3000 picture fitted in the window took 31 ms a frame that way from
// a pre-reduced level (39 ms from full-size tiles); drawn 1:1 it is a plain
// textured blit. Resampling here also gives the same bilinear-from-a-
// box-filtered-level quality on every GPU.
//
// Panning moves tiles by whole pixels and builds only tiles that scroll
// into view; a zoom change rebuilds the visible ones (a 1000x750 view
// resamples in a few milliseconds). An ImageOp is immutable: changed
// pixels mark the tiles they touch stale, rebuilt when next drawn.
type tiles struct {
	src    *pyramid
	origin image.Point    // the picture pixel where the source's (0, 0) lies
	lut    *[256][4]uint8 // colours of a one-byte source (the overlay)
	trim   bool           // draw only the bounding box of visible pixels
	zoom   float64
	cache  map[image.Point]*tile
	// Rebuilt counts tile rebuilds, for tests and the frame benchmark.
	Rebuilt int
}

type tile struct {
	op    paint.ImageOp
	used  image.Rectangle // zoomed pixels with content; empty: nothing to draw
	stale bool
}

// reset points the cache at a new source.
func (t *tiles) reset(src *pyramid) {
	t.src, t.cache = src, nil
}

// invalidate marks the tiles showing source pixels r (level 0) as stale;
// the caller has already updated the pyramid.
func (t *tiles) invalidate(r image.Rectangle) {
	if t.src == nil || r.Empty() || len(t.cache) == 0 {
		return
	}
	// Bilinear taps reach one level pixel (2^level source pixels) further.
	s := samplingFor(t.zoom, len(t.src.lv))
	pad := float64(int(2) << s.level)
	r = r.Add(t.origin)
	z := image.Rect(int(math.Floor((float64(r.Min.X)-pad)*t.zoom)), int(math.Floor((float64(r.Min.Y)-pad)*t.zoom)),
		int(math.Ceil((float64(r.Max.X)+pad)*t.zoom))+1, int(math.Ceil((float64(r.Max.Y)+pad)*t.zoom))+1)
	for ty := floorDiv(z.Min.Y, tileSize); ty <= floorDiv(z.Max.Y-1, tileSize); ty++ {
		for tx := floorDiv(z.Min.X, tileSize); tx <= floorDiv(z.Max.X-1, tileSize); tx++ {
			if c := t.cache[image.Pt(tx, ty)]; c != nil {
				c.stale = true
			}
		}
	}
}

// floorDiv is a/b rounded down (b > 0).
func floorDiv(a, b int) int {
	if a < 0 {
		return -((-a + b - 1) / b)
	}
	return a / b
}

// screenXf maps source pixels to screen pixels: screen = source*Zoom + Off.
type screenXf struct {
	Zoom float32
	Off  f32.Point
}

// zoomedOrigin is where the zoomed picture's pixel (0, 0) lands on the
// screen: the view's offset rounded to whole pixels.
func (x screenXf) zoomedOrigin() image.Point {
	return image.Pt(int(math.Round(float64(x.Off.X))), int(math.Round(float64(x.Off.Y))))
}

// pictureRect is where a picture of size s shows on the screen, as the
// tiles draw it.
func (x screenXf) pictureRect(s image.Point) image.Rectangle {
	z := float64(x.Zoom)
	return image.Rect(0, 0, int(math.Ceil(float64(s.X)*z)), int(math.Ceil(float64(s.Y)*z))).Add(x.zoomedOrigin())
}

// draw paints the tiles that show inside screen (the canvas area), for
// the view x.
func (t *tiles) draw(ops *op.Ops, screen image.Rectangle, x screenXf) {
	if t.src == nil {
		return
	}
	zoom := float64(x.Zoom)
	if zoom != t.zoom || t.cache == nil {
		t.zoom, t.cache = zoom, map[image.Point]*tile{}
	}
	s := samplingFor(zoom, len(t.src.lv))
	l0 := t.src.lv[0]
	o := x.zoomedOrigin()
	full := image.Rect(int(math.Floor(float64(t.origin.X)*zoom)), int(math.Floor(float64(t.origin.Y)*zoom)),
		int(math.Ceil(float64(t.origin.X+l0.w)*zoom)), int(math.Ceil(float64(t.origin.Y+l0.h)*zoom)))
	vis := screen.Sub(o).Intersect(full)
	if vis.Empty() {
		return
	}
	// Build what is missing first, on all cores, then draw in order.
	var keys, build []image.Point
	for ty := floorDiv(vis.Min.Y, tileSize); ty <= floorDiv(vis.Max.Y-1, tileSize); ty++ {
		for tx := floorDiv(vis.Min.X, tileSize); tx <= floorDiv(vis.Max.X-1, tileSize); tx++ {
			k := image.Pt(tx, ty)
			keys = append(keys, k)
			if c := t.cache[k]; c == nil || c.stale {
				build = append(build, k)
			}
		}
	}
	built := make([]*tile, len(build))
	parallel(len(build), func(i int) { built[i] = t.build(build[i], full, s) })
	for i, k := range build {
		t.cache[k] = built[i]
	}
	t.Rebuilt += len(build)
	for _, k := range keys {
		c := t.cache[k]
		if c.used.Empty() {
			continue
		}
		cl := clip.Rect(c.used.Add(o)).Push(ops)
		st := op.Offset(o.Add(k.Mul(tileSize))).Push(ops)
		c.op.Add(ops)
		paint.PaintOp{}.Add(ops)
		st.Pop()
		cl.Pop()
	}
	visible := len(keys)
	if len(t.cache) > 4*visible+16 { // drop what scrolled far away
		for k := range t.cache {
			if r := image.Rect(k.X*tileSize, k.Y*tileSize, (k.X+1)*tileSize, (k.Y+1)*tileSize); !r.Overlaps(vis.Inset(-tileSize)) {
				delete(t.cache, k)
			}
		}
	}
}

// build resamples tile k of the zoomed picture (bounds full); it only
// reads t, so tiles build concurrently.
func (t *tiles) build(k image.Point, full image.Rectangle, s sampling) *tile {
	r := image.Rectangle{Min: k.Mul(tileSize), Max: k.Add(image.Pt(1, 1)).Mul(tileSize)}.Intersect(full)
	img := image.NewRGBA(image.Rectangle{Max: r.Size()})
	t.src.sample(img, r, s, t.origin, t.lut)
	c := &tile{op: pixelOp(img), used: r}
	if t.trim {
		c.used = opaqueBounds(img).Add(r.Min)
	}
	return c
}

// parallel runs fn(0..n-1) on up to GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// opaqueBounds is the bounding box of the pixels of img with alpha > 0.
func opaqueBounds(img *image.RGBA) image.Rectangle {
	var b image.Rectangle
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		first := -1
		for x := 0; x < w; x++ {
			if row[4*x+3] != 0 {
				first = x
				break
			}
		}
		if first < 0 {
			continue
		}
		last := first
		for x := w - 1; x > first; x-- {
			if row[4*x+3] != 0 {
				last = x
				break
			}
		}
		b = b.Union(image.Rect(first, y, last+1, y+1))
	}
	return b
}

// overlayLUT maps mask coverage to premultiplied colour c.
func overlayLUT(c color.NRGBA) *[256][4]uint8 {
	var lut [256][4]uint8
	for v := range lut {
		a := uint32(c.A) * uint32(v) / 255
		lut[v] = [4]uint8{uint8(uint32(c.R) * a / 255), uint8(uint32(c.G) * a / 255), uint8(uint32(c.B) * a / 255), uint8(a)}
	}
	return &lut
}
