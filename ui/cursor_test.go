package ui

import (
	"image"
	"image/color"
	"math"
	"testing"

	"gioui.org/op"
)

// The brush cursor's cells, put together, make a dark ring at the brush
// radius with a light one just outside, and nothing inside or beyond.
func TestBrushRingPixels(t *testing.T) {
	const r = 37.5
	whole := image.NewRGBA(image.Rect(-3*ringCell, -3*ringCell, 3*ringCell, 3*ringCell))
	for j := -3; j < 3; j++ {
		for i := -3; i < 3; i++ {
			k := image.Pt(i, j)
			c := rasteriseRingCell(k, r)
			if !ringCrosses(k, r) && !c.empty {
				t.Errorf("cell %v has ring pixels but ringCrosses says it has none", k)
			}
			img := image.NewRGBA(image.Rect(0, 0, ringCell, ringCell))
			rasteriseRing(img, image.Point{}, k.Mul(ringCell), r)
			for y := 0; y < ringCell; y++ {
				for x := 0; x < ringCell; x++ {
					o := img.PixOffset(x, y)
					copy(whole.Pix[whole.PixOffset(k.X*ringCell+x, k.Y*ringCell+y):][:4], img.Pix[o:o+4])
				}
			}
		}
	}
	for deg := 0; deg < 360; deg += 7 {
		s, c := math.Sincos(float64(deg) * math.Pi / 180)
		at := func(d float64) color.RGBA { return whole.RGBAAt(int(math.Floor(d*c)), int(math.Floor(d*s))) }
		// Along the ray: a dark pixel at the radius, a light one just
		// outside, nothing well inside or beyond.
		var dark, light bool
		for d := r - 1; d <= r+2; d += 0.25 {
			p := at(d)
			dark = dark || (p.A >= 0x90 && p.R < 0x60)
			light = light || (p.A >= 0x90 && p.R >= 0xa0)
		}
		if !dark || !light {
			t.Errorf("%d°: dark ring %v, light ring %v", deg, dark, light)
		}
		for _, d := range []float64{0, r / 2, r - 3, r + 4} {
			if p := at(d); p.A != 0 {
				t.Errorf("%d°: %v at distance %.1f", deg, p, d)
			}
		}
	}
}

// A ring far larger than the canvas only makes the cells in view.
func TestBrushRingHugeRadius(t *testing.T) {
	var b brushRing
	var ops op.Ops
	area := image.Rect(0, 0, 1000, 800)
	b.draw(&ops, image.Pt(500, 400), 64000, area) // centre in view: the ring is far outside
	if len(b.cells) != 0 {
		t.Errorf("%d cells for a ring outside the view", len(b.cells))
	}
	b.draw(&ops, image.Pt(500, 400+64000), 64000, area) // the top of the ring crosses the view
	if b.whole != nil {
		t.Error("a huge ring was drawn as one image")
	}
	if n := len(b.cells); n == 0 || n > 3*1000/ringCell {
		t.Errorf("%d cells for a ring crossing a 1000x800 view", n)
	}
}
