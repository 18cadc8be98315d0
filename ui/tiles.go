package ui

import (
	"image"
	"math"

	"gioui.org/f32"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
)

// tileSize is the side of a cached tile: small enough that a brush dab
// re-uploads little, large enough that a 4000x3000 picture is a few dozen
// draw calls.
const tileSize = 512

// tiles caches a large picture (or mask overlay) as tiles of paint.ImageOps.
// An ImageOp is immutable and uploaded once; when pixels change, only the
// tiles they touch are rebuilt, lazily, the next time they are drawn.
type tiles struct {
	bounds image.Rectangle
	fill   func(dst *image.RGBA, r image.Rectangle) // converts the source's r into dst (origin 0)
	ops    []paint.ImageOp
	stale  []bool
	empty  []bool // the tile shows nothing (skip said so when it was built)
	cols   int
	// skip, when set, says a tile shows nothing (an empty part of the
	// mask) and need not be drawn.
	skip func(r image.Rectangle) bool
	// Rebuilt counts tile rebuilds, for tests and the frame benchmark.
	Rebuilt int
}

// reset points the cache at a new source of the given bounds.
func (t *tiles) reset(bounds image.Rectangle, fill func(dst *image.RGBA, r image.Rectangle)) {
	t.bounds, t.fill = bounds, fill
	t.cols = (bounds.Dx() + tileSize - 1) / tileSize
	rows := (bounds.Dy() + tileSize - 1) / tileSize
	t.ops = make([]paint.ImageOp, t.cols*rows)
	t.stale = make([]bool, t.cols*rows)
	t.empty = make([]bool, t.cols*rows)
	for i := range t.stale {
		t.stale[i] = true
	}
}

// invalidate marks the tiles that r touches for rebuilding.
func (t *tiles) invalidate(r image.Rectangle) {
	r = r.Intersect(t.bounds)
	if r.Empty() {
		return
	}
	// A tile also holds the first row and column of its neighbours.
	r.Min = r.Min.Sub(image.Pt(1, 1))
	r = r.Intersect(t.bounds)
	for ty := (r.Min.Y - t.bounds.Min.Y) / tileSize; ty <= (r.Max.Y-1-t.bounds.Min.Y)/tileSize; ty++ {
		for tx := (r.Min.X - t.bounds.Min.X) / tileSize; tx <= (r.Max.X-1-t.bounds.Min.X)/tileSize; tx++ {
			t.stale[ty*t.cols+tx] = true
		}
	}
}

func (t *tiles) tileRect(i int) image.Rectangle {
	x, y := i%t.cols, i/t.cols
	min := t.bounds.Min.Add(image.Pt(x*tileSize, y*tileSize))
	return image.Rectangle{Min: min, Max: min.Add(image.Pt(tileSize, tileSize))}.Intersect(t.bounds)
}

// screenXf maps source pixels to screen pixels: screen = source*Zoom + Off.
type screenXf struct {
	Zoom float32
	Off  f32.Point
}

// rect returns the screen pixels r covers, rounded outward.
func (x screenXf) rect(r image.Rectangle) image.Rectangle {
	return image.Rect(
		int(math.Floor(float64(float32(r.Min.X)*x.Zoom+x.Off.X))), int(math.Floor(float64(float32(r.Min.Y)*x.Zoom+x.Off.Y))),
		int(math.Ceil(float64(float32(r.Max.X)*x.Zoom+x.Off.X))), int(math.Ceil(float64(float32(r.Max.Y)*x.Zoom+x.Off.Y))))
}

// drawImage paints im, whose source pixels cover r, scaled by x. The clip
// is a pixel-aligned screen rectangle pushed before the scale, so software
// GL fills a plain rectangle: a clip or image bounds under a fractional
// scale would be a path, which it renders slowly (half of a frame's time).
func drawImage(ops *op.Ops, im paint.ImageOp, r image.Rectangle, x screenXf) {
	cl := clip.Rect(x.rect(r)).Push(ops)
	tr := op.Affine(f32.Affine2D{}.Scale(f32.Point{}, f32.Pt(x.Zoom, x.Zoom)).
		Offset(x.Off.Add(f32.Pt(float32(r.Min.X)*x.Zoom, float32(r.Min.Y)*x.Zoom)))).Push(ops)
	im.Add(ops)
	paint.PaintOp{}.Add(ops)
	tr.Pop()
	cl.Pop()
}

// draw paints the tiles that intersect visible (in source coordinates)
// with filter, mapped to the screen by x.
func (t *tiles) draw(ops *op.Ops, visible image.Rectangle, filter paint.ImageFilter, x screenXf) {
	if t.fill == nil {
		return
	}
	for i := range t.ops {
		r := t.tileRect(i)
		if !r.Overlaps(visible) {
			continue
		}
		// Tiles overlap their right and bottom neighbours by a pixel: a
		// tile's edge is anti-aliased when scaled, and the overlap keeps
		// the background from showing through the seam.
		r.Max = r.Max.Add(image.Pt(1, 1))
		r = r.Intersect(t.bounds)
		if t.stale[i] {
			t.stale[i] = false
			if t.empty[i] = t.skip != nil && t.skip(r); !t.empty[i] {
				img := image.NewRGBA(image.Rectangle{Max: r.Size()})
				t.fill(img, r)
				t.ops[i] = paint.NewImageOp(img)
				t.Rebuilt++
			}
		}
		if t.empty[i] {
			continue
		}
		im := t.ops[i]
		im.Filter = filter
		drawImage(ops, im, r, x)
	}
}
