package ui

import (
	"image"
	"math"

	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
)

// brushRing draws the brush cursor: a black ring with a white one just
// outside it, so it shows on any picture. The rings are rasterised on the
// CPU once per radius and drawn in cells of ringCell pixels, only those
// the rings cross and that lie in view. Up to a radius of wholeRingMax
// the cells are parts of one image (one texture); beyond, each is an
// image of its own, made when it first comes into view.
//
// Measured with a headless 1280x820 GL window (software GL, this 2-core
// VM), added frame time per cursor: as Gio paths stroked anew every
// frame (the pointer moved), 5 ms at radius 10, 16 ms at 40, 68 ms at
// 150; as one image with a clip per cell, 0.1, 0.15 and 0.5 ms; as one
// image per cell (the large radii), 0.25, 0.45 and 1.5 ms.
type brushRing struct {
	radius float64                      // the radius the cached images are for
	whole  *paint.ImageOp               // r <= wholeRingMax: all cells, centred
	cells  map[image.Point]*ringCellImg // r > wholeRingMax: by cell index
}

type ringCellImg struct {
	op    paint.ImageOp
	empty bool
}

const (
	ringCell     = 32   // cell side in pixels
	wholeRingMax = 256  // largest radius drawn from one image (576x576, 1.3 MB)
	maxRingCells = 1024 // cached cells before the cache starts over
)

// draw paints the rings of radius r (pixels) around centre, within area.
func (b *brushRing) draw(ops *op.Ops, centre image.Point, r float64, area image.Rectangle) {
	r = math.Round(max(r, 2)*4) / 4
	if r != b.radius || len(b.cells) > maxRingCells {
		b.radius, b.whole, b.cells = r, nil, map[image.Point]*ringCellImg{}
	}
	outer := int(math.Ceil(r)) + 3
	n := floorDiv(outer+ringCell-1, ringCell) // cells from the centre to the edge
	if r <= wholeRingMax && b.whole == nil {
		img := image.NewRGBA(image.Rect(0, 0, 2*n*ringCell, 2*n*ringCell))
		for j := -n; j < n; j++ {
			for i := -n; i < n; i++ {
				if ringCrosses(image.Pt(i, j), r) {
					rasteriseRing(img, image.Pt((i+n)*ringCell, (j+n)*ringCell), image.Pt(i, j).Mul(ringCell), r)
				}
			}
		}
		im := pixelOp(img)
		b.whole = &im
	}
	box := image.Rect(-outer, -outer, outer, outer).Intersect(area.Sub(centre))
	if box.Empty() {
		return
	}
	for j := floorDiv(box.Min.Y, ringCell); j*ringCell < box.Max.Y; j++ {
		for i := floorDiv(box.Min.X, ringCell); i*ringCell < box.Max.X; i++ {
			k := image.Pt(i, j)
			if !ringCrosses(k, r) {
				continue
			}
			im, at := b.whole, image.Pt((i+n)*ringCell, (j+n)*ringCell)
			if im == nil {
				c := b.cells[k]
				if c == nil {
					c = rasteriseRingCell(k, r)
					b.cells[k] = c
				}
				if c.empty {
					continue
				}
				im, at = &c.op, image.Point{}
			}
			st := op.Offset(centre.Add(k.Mul(ringCell)).Sub(at)).Push(ops)
			im.Add(ops)
			cl := clip.Rect{Min: at, Max: at.Add(image.Pt(ringCell, ringCell))}.Push(ops)
			paint.PaintOp{}.Add(ops)
			cl.Pop()
			st.Pop()
		}
	}
}

// ringCrosses reports whether the rings of radius r (any coverage lies
// between r-1.5 and r+2.5 pixels of the centre, see rasteriseRing) may
// touch cell k.
func ringCrosses(k image.Point, r float64) bool {
	x0, y0 := float64(k.X*ringCell), float64(k.Y*ringCell)
	x1, y1 := x0+ringCell, y0+ringCell
	// Nearest and farthest points of the cell from the centre.
	nx, ny := max(x0, min(0, x1)), max(y0, min(0, y1))
	fx, fy := max(math.Abs(x0), math.Abs(x1)), max(math.Abs(y0), math.Abs(y1))
	return math.Hypot(nx, ny) <= r+2.5 && math.Hypot(fx, fy) >= r-1.5
}

// rasteriseRingCell returns cell k of the rings as an image of its own.
func rasteriseRingCell(k image.Point, r float64) *ringCellImg {
	img := image.NewRGBA(image.Rect(0, 0, ringCell, ringCell))
	rasteriseRing(img, image.Point{}, k.Mul(ringCell), r)
	for i := 3; i < len(img.Pix); i += 4 {
		if img.Pix[i] != 0 {
			return &ringCellImg{op: pixelOp(img)}
		}
	}
	return &ringCellImg{empty: true}
}

// rasteriseRing draws the ringCell x ringCell pixels of the rings whose
// top-left pixel lies at from (relative to the centre) into img at at,
// premultiplied: a band two pixels wide from r-0.5 to r+1.5 pixels of the
// centre, black on the inside turning white at r+0.5, with coverage
// falling off over a pixel on either side.
func rasteriseRing(img *image.RGBA, at, from image.Point, r float64) {
	for y := 0; y < ringCell; y++ {
		for x := 0; x < ringCell; x++ {
			d := math.Hypot(float64(from.X+x)+0.5, float64(from.Y+y)+0.5)
			cov := min(max(min(d-(r-1.5), r+2.5-d), 0), 1)
			if cov == 0 {
				continue
			}
			w := min(max(2*(d-r)-0.5, 0), 1) // 0 black, 1 white
			a := cov * (0xc0 + (0xe0-0xc0)*w) / 255
			v := uint8(math.Round(255 * w * a))
			p := img.Pix[img.PixOffset(at.X+x, at.Y+y):]
			p[0], p[1], p[2], p[3] = v, v, v, uint8(math.Round(255*a))
		}
	}
}
