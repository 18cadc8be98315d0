package ui

import (
	"image"
	"math"
)

// plane is one level of a pyramid: bpp bytes per pixel (4: premultiplied
// RGBA, 1: mask coverage), rows stride bytes apart.
type plane struct {
	pix          []uint8
	w, h, stride int
	bpp          int
}

// pyramid is a source image and its reductions by 2, 4, ... (box filter,
// at most maxLevel), kept up to date incrementally: a changed rectangle
// is re-read from the source into level 0 and reduced upwards.
type pyramid struct {
	lv []plane
	// refresh re-reads the source's r into level 0; nil when level 0
	// is the source's own pixels (the mask).
	refresh func(dst *image.RGBA, r image.Rectangle)
}

// maxLevel is the coarsest level: 1/32 of the source.
const maxLevel = 5

// newRGBAPyramid copies a w x h source through fill (which writes the
// source's r into dst at the same coordinates, premultiplied).
func newRGBAPyramid(w, h int, fill func(dst *image.RGBA, r image.Rectangle)) *pyramid {
	p := &pyramid{refresh: fill}
	p.lv = append(p.lv, plane{pix: make([]uint8, 4*w*h), w: w, h: h, stride: 4 * w, bpp: 4})
	p.addLevels()
	p.update(image.Rect(0, 0, w, h))
	return p
}

// newAlphaPyramid uses pix (w x h, one byte per pixel) as level 0 without
// copying; call update after pix changes.
func newAlphaPyramid(pix []uint8, w, h int) *pyramid {
	p := &pyramid{lv: []plane{{pix: pix, w: w, h: h, stride: w, bpp: 1}}}
	p.addLevels()
	p.update(image.Rect(0, 0, w, h))
	return p
}

func (p *pyramid) addLevels() {
	for l := 1; l <= maxLevel; l++ {
		prev := p.lv[l-1]
		if prev.w <= 16 && prev.h <= 16 {
			break
		}
		w, h := (prev.w+1)/2, (prev.h+1)/2
		p.lv = append(p.lv, plane{pix: make([]uint8, prev.bpp*w*h), w: w, h: h, stride: prev.bpp * w, bpp: prev.bpp})
	}
}

// update re-reads r of the source and reduces it into every level.
func (p *pyramid) update(r image.Rectangle) {
	r = r.Intersect(image.Rect(0, 0, p.lv[0].w, p.lv[0].h))
	if r.Empty() {
		return
	}
	if p.refresh != nil {
		l0 := p.lv[0]
		p.refresh(&image.RGBA{Pix: l0.pix, Stride: l0.stride, Rect: image.Rect(0, 0, l0.w, l0.h)}, r)
	}
	for l := 1; l < len(p.lv); l++ {
		r = image.Rect(r.Min.X/2, r.Min.Y/2, (r.Max.X+1)/2, (r.Max.Y+1)/2)
		reduce2(&p.lv[l], &p.lv[l-1], r)
	}
}

// reduce2 averages 2x2 blocks of src into the pixels r of dst; blocks cut
// by src's edge average the pixels they have.
func reduce2(dst, src *plane, r image.Rectangle) {
	b := dst.bpp
	for y := r.Min.Y; y < r.Max.Y; y++ {
		y0 := 2 * y
		y1 := min(y0+1, src.h-1)
		ny := uint32(y1 - y0 + 1)
		r0 := src.pix[y0*src.stride:]
		r1 := src.pix[y1*src.stride:]
		out := dst.pix[y*dst.stride:]
		for x := r.Min.X; x < r.Max.X; x++ {
			x0 := 2 * x
			x1 := min(x0+1, src.w-1)
			n := ny * uint32(x1-x0+1)
			for c := 0; c < b; c++ {
				s := uint32(r0[b*x0+c])
				if x1 != x0 {
					s += uint32(r0[b*x1+c])
				}
				if y1 != y0 {
					s += uint32(r1[b*x0+c])
					if x1 != x0 {
						s += uint32(r1[b*x1+c])
					}
				}
				out[b*x+c] = uint8((s + n/2) / n)
			}
		}
	}
}

// sampling maps pixels of the zoomed picture (the source scaled by zoom)
// to a level of the pyramid: the level whose scale to the screen lies in
// (0.5, 1] when zooming out, level 0 otherwise.
type sampling struct {
	level int
	scale float64 // zoomed pixels per level pixel
	near  bool    // nearest neighbour (zoom >= 2, to inspect pixels) instead of bilinear
}

func samplingFor(zoom float64, levels int) sampling {
	l := 0
	for l+1 < levels && zoom*float64(int(1)<<(l+1)) <= 1+1e-9 {
		l++
	}
	return sampling{level: l, scale: zoom * float64(int(1)<<l), near: zoom >= 2}
}

// taps precomputes, for each output coordinate o in [from, to), the two
// source indices and the weight of the second (0..256) along one axis;
// the source's pixel 0 starts at level coordinate off.
func taps(from, to int, scale, off float64, n int, near bool) (i0, i1 []int, w []uint32) {
	i0, i1, w = make([]int, to-from), make([]int, to-from), make([]uint32, to-from)
	for o := from; o < to; o++ {
		k := o - from
		if near {
			i := min(max(int(math.Floor((float64(o)+0.5)/scale-off)), 0), n-1)
			i0[k], i1[k] = i, i
			continue
		}
		u := (float64(o)+0.5)/scale - 0.5 - off
		f := int(math.Floor(u))
		frac := u - float64(f)
		a, b := min(max(f, 0), n-1), min(max(f+1, 0), n-1)
		i0[k], i1[k], w[k] = a, b, uint32(frac*256+0.5)
	}
	return
}

// sample renders the zoomed-picture pixels r into dst (whose bounds are r
// moved to the origin), for a source whose pixel (0, 0) is the picture's
// pixel origin; for a one-byte plane each coverage value v is written as
// lut[v].
func (p *pyramid) sample(dst *image.RGBA, r image.Rectangle, s sampling, origin image.Point, lut *[256][4]uint8) {
	pl := &p.lv[s.level]
	unit := float64(int(1) << s.level)
	xi0, xi1, xw := taps(r.Min.X, r.Max.X, s.scale, float64(origin.X)/unit, pl.w, s.near)
	yi0, yi1, yw := taps(r.Min.Y, r.Max.Y, s.scale, float64(origin.Y)/unit, pl.h, s.near)
	b := pl.bpp
	w := len(xi0)
	for y := range yi0 {
		row0, row1 := pl.pix[yi0[y]*pl.stride:], pl.pix[yi1[y]*pl.stride:]
		wy := yw[y]
		out := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			a0, a1, wx := b*xi0[x], b*xi1[x], xw[x]
			if b == 1 {
				top := uint32(row0[a0])*(256-wx) + uint32(row0[a1])*wx
				bot := uint32(row1[a0])*(256-wx) + uint32(row1[a1])*wx
				v := (top*(256-wy) + bot*wy + 1<<15) >> 16
				copy(out[4*x:4*x+4], lut[v][:])
				continue
			}
			for c := 0; c < 4; c++ {
				top := uint32(row0[a0+c])*(256-wx) + uint32(row0[a1+c])*wx
				bot := uint32(row1[a0+c])*(256-wx) + uint32(row1[a1+c])*wx
				out[4*x+c] = uint8((top*(256-wy) + bot*wy + 1<<15) >> 16)
			}
		}
	}
}
