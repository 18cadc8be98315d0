package canvas

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math/rand"
)

// modelNames lists the colour models randImage can make.
var modelNames = []string{
	"NRGBA", "RGBA", "NRGBA64", "RGBA64", "Gray", "Gray16", "Paletted",
	"YCbCr", "CMYK", "Alpha", "NYCbCrA",
}

// randImage returns a w x h image of the named colour model with random
// (valid) pixels. With sub, it is a sub-image of a larger one, so its
// bounds do not start at (0, 0) and its stride is wider than its rows.
func randImage(rng *rand.Rand, model string, w, h int, sub bool) image.Image {
	r := image.Rect(0, 0, w, h)
	if sub {
		o := image.Pt(rng.Intn(7)-3, rng.Intn(7)-3)
		r = image.Rect(o.X-1-rng.Intn(2), o.Y-rng.Intn(2), o.X+w+1+rng.Intn(3), o.Y+h+rng.Intn(2))
		img := randImage(rng, model, r.Dx(), r.Dy(), false)
		img = translate(img, r.Min)
		return img.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(image.Rect(o.X, o.Y, o.X+w, o.Y+h))
	}
	fill := func(p []uint8) { rng.Read(p) }
	switch model {
	case "NRGBA":
		m := image.NewNRGBA(r)
		fill(m.Pix)
		return m
	case "RGBA":
		m := image.NewRGBA(r)
		for i := 0; i < len(m.Pix); i += 4 {
			a := uint8(rng.Intn(256))
			if rng.Intn(3) == 0 {
				a = 255
			}
			for c := 0; c < 3; c++ {
				m.Pix[i+c] = uint8(rng.Intn(int(a) + 1))
			}
			m.Pix[i+3] = a
		}
		return m
	case "NRGBA64":
		m := image.NewNRGBA64(r)
		fill(m.Pix)
		return m
	case "RGBA64":
		m := image.NewRGBA64(r)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				a := uint16(rng.Intn(65536))
				if rng.Intn(3) == 0 {
					a = 0xffff
				}
				c := func() uint16 { return uint16(rng.Intn(int(a) + 1)) }
				m.SetRGBA64(x, y, color.RGBA64{c(), c(), c(), a})
			}
		}
		return m
	case "Gray":
		m := image.NewGray(r)
		fill(m.Pix)
		return m
	case "Gray16":
		m := image.NewGray16(r)
		fill(m.Pix)
		return m
	case "Paletted":
		pal := make(color.Palette, 1+rng.Intn(256))
		for i := range pal {
			if rng.Intn(2) == 0 {
				pal[i] = color.NRGBA{uint8(rng.Intn(256)), uint8(rng.Intn(256)), uint8(rng.Intn(256)), uint8(rng.Intn(256))}
			} else {
				pal[i] = color.RGBA{uint8(rng.Intn(256)), uint8(rng.Intn(256)), uint8(rng.Intn(256)), 255}
			}
		}
		m := image.NewPaletted(r, pal)
		for i := range m.Pix {
			m.Pix[i] = uint8(rng.Intn(len(pal)))
		}
		return m
	case "YCbCr", "NYCbCrA":
		ratios := []image.YCbCrSubsampleRatio{
			image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
			image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
		}
		ratio := ratios[rng.Intn(len(ratios))]
		if model == "NYCbCrA" {
			m := image.NewNYCbCrA(r, ratio)
			fill(m.Y)
			fill(m.Cb)
			fill(m.Cr)
			fill(m.A)
			return m
		}
		m := image.NewYCbCr(r, ratio)
		fill(m.Y)
		fill(m.Cb)
		fill(m.Cr)
		return m
	case "CMYK":
		m := image.NewCMYK(r)
		fill(m.Pix)
		return m
	case "Alpha":
		m := image.NewAlpha(r)
		fill(m.Pix)
		return m
	}
	panic("unknown model " + model)
}

// translate moves a (0,0)-based image to start at o without copying.
func translate(img image.Image, o image.Point) image.Image {
	switch m := img.(type) {
	case *image.NRGBA:
		m.Rect = m.Rect.Add(o)
	case *image.RGBA:
		m.Rect = m.Rect.Add(o)
	case *image.NRGBA64:
		m.Rect = m.Rect.Add(o)
	case *image.RGBA64:
		m.Rect = m.Rect.Add(o)
	case *image.Gray:
		m.Rect = m.Rect.Add(o)
	case *image.Gray16:
		m.Rect = m.Rect.Add(o)
	case *image.Paletted:
		m.Rect = m.Rect.Add(o)
	case *image.YCbCr:
		// Chroma offsets depend on the origin's parity, so rebuild at o.
		n := image.NewYCbCr(m.Rect.Add(o), m.SubsampleRatio)
		copy(n.Y, m.Y)
		copy(n.Cb, m.Cb)
		copy(n.Cr, m.Cr)
		return n
	case *image.NYCbCrA:
		n := image.NewNYCbCrA(m.Rect.Add(o), m.SubsampleRatio)
		copy(n.Y, m.Y)
		copy(n.Cb, m.Cb)
		copy(n.Cr, m.Cr)
		copy(n.A, m.A)
		return n
	case *image.CMYK:
		m.Rect = m.Rect.Add(o)
	case *image.Alpha:
		m.Rect = m.Rect.Add(o)
	}
	return img
}

// rawPixel returns the stored bytes of pixel (x, y) for the standard
// packed types, or nil.
func rawPixel(img image.Image, x, y int) []byte {
	switch m := img.(type) {
	case *image.NRGBA:
		return m.Pix[m.PixOffset(x, y):][:4]
	case *image.RGBA:
		return m.Pix[m.PixOffset(x, y):][:4]
	case *image.NRGBA64:
		return m.Pix[m.PixOffset(x, y):][:8]
	case *image.RGBA64:
		return m.Pix[m.PixOffset(x, y):][:8]
	case *image.Gray:
		return m.Pix[m.PixOffset(x, y):][:1]
	case *image.Gray16:
		return m.Pix[m.PixOffset(x, y):][:2]
	}
	return nil
}

// samePixel reports whether out's pixel (x, y) holds exactly orig's: the
// same bytes when the types agree, otherwise orig's colour converted to
// out's model.
func samePixel(orig, out image.Image, x, y int) (bool, string) {
	if fmt.Sprintf("%T", orig) == fmt.Sprintf("%T", out) {
		a, b := rawPixel(orig, x, y), rawPixel(out, x, y)
		if a == nil {
			return false, fmt.Sprintf("no raw access to %T", out)
		}
		return bytes.Equal(a, b), fmt.Sprintf("% x != % x", b, a)
	}
	want := out.ColorModel().Convert(orig.At(x, y))
	got := out.At(x, y)
	return want == got, fmt.Sprintf("%v != %v", got, want)
}

// randMask paints a few random shapes (rectangles, discs, thin strokes,
// scattered pixels) with hard or soft values into a w x h mask.
func randMask(rng *rand.Rand, w, h int) *Mask {
	m := NewMask(w, h)
	val := func() uint8 {
		if rng.Intn(3) == 0 {
			return uint8(1 + rng.Intn(255))
		}
		return 255
	}
	for n := rng.Intn(4); n > 0; n-- {
		switch rng.Intn(5) {
		case 0: // rectangle
			x, y := rng.Intn(w), rng.Intn(h)
			m.Fill(image.Rect(x, y, x+1+rng.Intn(w), y+1+rng.Intn(h)), val())
		case 1: // disc
			cx, cy, rad := rng.Intn(w), rng.Intn(h), 1+rng.Intn(max(w, h)/3+1)
			v := val()
			for y := cy - rad; y <= cy+rad; y++ {
				for x := cx - rad; x <= cx+rad; x++ {
					if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= rad*rad {
						m.Set(x, y, v)
					}
				}
			}
		case 2: // one-pixel stroke
			x, y := rng.Intn(w), rng.Intn(h)
			dx, dy := rng.Intn(3)-1, rng.Intn(3)-1
			v := val()
			for i := rng.Intn(w + h); i >= 0; i-- {
				m.Set(x, y, v)
				x, y = x+dx, y+dy
			}
		case 3: // scattered pixels
			for i := rng.Intn(6); i >= 0; i-- {
				m.Set(rng.Intn(w), rng.Intn(h), val())
			}
		case 4: // everything
			if rng.Intn(4) == 0 {
				m.Fill(m.Bounds(), val())
			}
		}
	}
	return m
}
