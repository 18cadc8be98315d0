package ui

import (
	"image"
	"image/color"
	"image/draw"
	"math/rand"
	"testing"

	"gioui.org/f32"
	"gioui.org/op"
)

func noisePicture(w, h int, seed int64) *image.RGBA {
	rng := rand.New(rand.NewSource(seed))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.Intn(256))
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

func pyramidOf(img *image.RGBA) *pyramid {
	return newRGBAPyramid(img.Rect.Dx(), img.Rect.Dy(), func(dst *image.RGBA, r image.Rectangle) {
		draw.Draw(dst, r, img, r.Min, draw.Src)
	})
}

// sampled renders the zoomed pixels r of p at zoom.
func sampled(p *pyramid, zoom float64, r image.Rectangle, origin image.Point) *image.RGBA {
	dst := image.NewRGBA(image.Rectangle{Max: r.Size()})
	p.sample(dst, r, samplingFor(zoom, len(p.lv)), origin, nil)
	return dst
}

// At 100% the canvas shows the picture's own pixels, and at 25% each
// screen pixel is the mean of its 4x4 block (rounded).
func TestPyramidSamplesExactly(t *testing.T) {
	img := noisePicture(203, 157, 1) // odd sizes: partial blocks at the edges
	p := pyramidOf(img)
	got := sampled(p, 1, img.Rect, image.Point{})
	if string(got.Pix) != string(img.Pix) {
		t.Fatal("zoom 1 does not reproduce the picture")
	}
	if s := samplingFor(0.25, len(p.lv)); s.level != 2 || s.scale != 1 {
		t.Fatalf("zoom 0.25 samples %+v, want level 2 at scale 1", s)
	}
	q := sampled(p, 0.25, image.Rect(0, 0, 50, 39), image.Point{})
	for _, pt := range []image.Point{{0, 0}, {17, 23}, {49, 38}} {
		for c := 0; c < 3; c++ {
			// Level 2 is two rounded 2x2 means; allow their rounding.
			var sum int
			for y := 4 * pt.Y; y < 4*pt.Y+4; y++ {
				for x := 4 * pt.X; x < 4*pt.X+4; x++ {
					sum += int(img.Pix[img.PixOffset(x, y)+c])
				}
			}
			want, have := sum/16, int(q.Pix[q.PixOffset(pt.X, pt.Y)+c])
			if d := want - have; d < -1 || d > 1 {
				t.Fatalf("pixel %v channel %d: %d, want the block mean %d", pt, c, have, want)
			}
		}
	}
	// The last, partial block of an odd edge averages only its own pixels.
	last := p.lv[1]
	x, y := last.w-1, last.h-1 // covers source (202, 156) alone
	for c := 0; c < 4; c++ {
		if a, b := last.pix[y*last.stride+4*x+c], img.Pix[img.PixOffset(202, 156)+c]; a != b {
			t.Fatalf("edge pixel channel %d: %d, want %d", c, a, b)
		}
	}
}

// Zoom levels pick the pyramid level whose scale to the screen lies in
// (0.5, 1], and inspect pixels with nearest neighbour from 200%.
func TestSamplingFor(t *testing.T) {
	for _, c := range []struct {
		zoom  float64
		level int
		near  bool
	}{{4, 0, true}, {1.5, 0, false}, {1, 0, false}, {0.75, 0, false}, {0.5, 1, false}, {0.3, 1, false}, {0.2, 2, false}, {0.001, maxLevel, false}} {
		s := samplingFor(c.zoom, maxLevel+1)
		if s.level != c.level || s.near != c.near {
			t.Errorf("zoom %g: %+v, want level %d near %v", c.zoom, s, c.level, c.near)
		}
	}
}

// A preview sampled at its own origin matches the picture sampled at the
// same place, so it sits on the picture without a seam.
func TestPreviewAlignsWithPicture(t *testing.T) {
	img := noisePicture(300, 200, 2)
	sub := image.NewRGBA(image.Rect(0, 0, 90, 70))
	draw.Draw(sub, sub.Rect, img, image.Pt(101, 37), draw.Src)
	for _, zoom := range []float64{1, 1.6, 3} { // below 1 the levels' blocks differ
		whole := pyramidOf(img)
		part := pyramidOf(sub)
		// Zoomed pixels well inside the preview (edges clamp differently).
		r := image.Rect(int(110*zoom)+2, int(45*zoom)+2, int(180*zoom)-2, int(100*zoom)-2)
		a := sampled(whole, zoom, r, image.Point{})
		b := sampled(part, zoom, r, image.Pt(101, 37))
		if string(a.Pix) != string(b.Pix) {
			t.Errorf("zoom %g: preview pixels differ from the picture's", zoom)
		}
	}
}

// Changing pixels rebuilds only the tiles that show them, and the next
// frame draws the new pixels.
func TestTilesRebuildWhatChanged(t *testing.T) {
	img := noisePicture(1200, 900, 3)
	p := pyramidOf(img)
	var tl tiles
	tl.reset(p)
	var ops op.Ops
	x := screenXf{Zoom: 1, Off: f32.Pt(0, 0)}
	screen := image.Rect(0, 0, 800, 600)
	tl.draw(&ops, screen, x)
	if tl.Rebuilt != 12 { // 800x600 in 256-pixel tiles: 4 x 3
		t.Fatalf("first frame built %d tiles, want 12", tl.Rebuilt)
	}
	tl.draw(&ops, screen, x)
	if tl.Rebuilt != 12 {
		t.Fatalf("an unchanged frame rebuilt %d tiles", tl.Rebuilt-12)
	}
	r := image.Rect(300, 300, 310, 310)
	draw.Draw(img, r, &image.Uniform{C: color.RGBA{R: 9, G: 9, B: 9, A: 255}}, image.Point{}, draw.Src)
	p.update(r)
	tl.invalidate(r)
	tl.draw(&ops, screen, x)
	if n := tl.Rebuilt - 12; n != 1 {
		t.Fatalf("a change inside one tile rebuilt %d tiles", n)
	}
	if tl.cache[image.Pt(1, 1)].stale {
		t.Fatal("the changed tile is still stale after a frame")
	}
	shown := sampled(p, 1, image.Rect(256, 256, 512, 512), image.Point{})
	if v := shown.Pix[shown.PixOffset(300-256, 300-256)]; v != 9 {
		t.Fatalf("the changed pixel shows %d, want 9", v)
	}
	// A zoom change rebuilds the visible tiles at the new scale.
	tl.draw(&ops, screen, screenXf{Zoom: 0.5})
	if n := tl.Rebuilt - 13; n != 6 { // 600x450 zoomed picture: 3 x 2 tiles
		t.Fatalf("zooming out built %d tiles, want 6", n)
	}
}
