package canvas

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
)

// Regions: copies of part of an image or mask, and pasting them back, for
// undo history and for handing a snapshot to a worker. Copies are
// byte-exact: undoing an edit restores the original bits.

// Editable returns a copy of img that CompositeInPlace and PasteImage can
// write to, in the colour model Composite gives (the same type for NRGBA,
// RGBA, NRGBA64, RGBA64, Gray and Gray16; NRGBA for paletted, JPEG and
// CMYK images; NRGBA64 otherwise). It keeps img's bounds.
func Editable(img image.Image) draw.Image { return cloneForOutput(img) }

// CopyRect returns a copy of the part r of img (clipped to its bounds),
// with bounds r, in the model Editable gives.
func CopyRect(img image.Image, r image.Rectangle) draw.Image {
	r = r.Intersect(img.Bounds())
	if s, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return cloneForOutput(s.SubImage(r))
	}
	out := image.NewNRGBA64(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out
}

// rawPixels exposes the byte layout of the image types Editable returns.
func rawPixels(img image.Image) (pix []uint8, stride, bpp int, ok bool) {
	switch m := img.(type) {
	case *image.NRGBA:
		return m.Pix, m.Stride, 4, true
	case *image.RGBA:
		return m.Pix, m.Stride, 4, true
	case *image.NRGBA64:
		return m.Pix, m.Stride, 8, true
	case *image.RGBA64:
		return m.Pix, m.Stride, 8, true
	case *image.Gray:
		return m.Pix, m.Stride, 1, true
	case *image.Gray16:
		return m.Pix, m.Stride, 2, true
	}
	return nil, 0, 0, false
}

// PasteImage copies src's pixels into dst at src.Bounds() (clipped to
// dst). Both must be the same Editable type, so the copy is exact.
func PasteImage(dst draw.Image, src image.Image) error {
	if fmt.Sprintf("%T", dst) != fmt.Sprintf("%T", src) {
		return fmt.Errorf("canvas: paste a %T into a %T", src, dst)
	}
	dp, ds, bpp, ok := rawPixels(dst)
	if !ok {
		return fmt.Errorf("canvas: cannot paste into a %T", dst)
	}
	sp, ss, _, _ := rawPixels(src)
	r := src.Bounds().Intersect(dst.Bounds())
	if r.Empty() {
		return nil
	}
	db, sb := dst.Bounds(), src.Bounds()
	n := bpp * r.Dx()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		do := (y-db.Min.Y)*ds + (r.Min.X-db.Min.X)*bpp
		so := (y-sb.Min.Y)*ss + (r.Min.X-sb.Min.X)*bpp
		copy(dp[do:do+n], sp[so:so+n])
	}
	return nil
}

// Region returns a copy of the mask values inside r (clipped to the mask),
// row by row.
func (m *Mask) Region(r image.Rectangle) []uint8 {
	r = r.Intersect(m.Bounds())
	out := make([]uint8, 0, r.Dx()*r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		out = append(out, m.Pix[y*m.W+r.Min.X:y*m.W+r.Max.X]...)
	}
	return out
}

// SetRegion writes values taken by Region(r) back; r must be the same
// rectangle.
func (m *Mask) SetRegion(r image.Rectangle, vals []uint8) {
	r = r.Intersect(m.Bounds())
	w := r.Dx()
	for i, y := 0, r.Min.Y; y < r.Max.Y && (i+1)*w <= len(vals); i, y = i+1, y+1 {
		copy(m.Pix[y*m.W+r.Min.X:y*m.W+r.Max.X], vals[i*w:(i+1)*w])
	}
}

// SwapRegion exchanges the mask values inside r with vals (as taken by
// Region(r)): what undo and redo do.
func (m *Mask) SwapRegion(r image.Rectangle, vals []uint8) {
	r = r.Intersect(m.Bounds())
	w := r.Dx()
	for i, y := 0, r.Min.Y; y < r.Max.Y && (i+1)*w <= len(vals); i, y = i+1, y+1 {
		row := m.Pix[y*m.W+r.Min.X : y*m.W+r.Max.X]
		v := vals[i*w : (i+1)*w]
		for j := range row {
			row[j], v[j] = v[j], row[j]
		}
	}
}

// Invert turns every kept pixel into a masked one and back (v -> 255-v).
func (m *Mask) Invert() {
	for i, v := range m.Pix {
		m.Pix[i] = 255 - v
	}
}

// Crop returns a new mask holding the part r of m (r must lie inside m),
// with its origin at r.Min.
func (m *Mask) Crop(r image.Rectangle) *Mask {
	r = r.Intersect(m.Bounds())
	return &Mask{W: r.Dx(), H: r.Dy(), Pix: m.Region(r)}
}

// PaintOverlay draws the mask inside r (mask coordinates) onto dst as
// colour c whose opacity is c.A scaled by the mask value: the
// semi-transparent overlay an editor shows over the image. dst is
// premultiplied; its Rect is in mask coordinates (a tile of the overlay).
func PaintOverlay(dst *image.RGBA, m *Mask, r image.Rectangle, c color.NRGBA) {
	r = r.Intersect(dst.Rect).Intersect(m.Bounds())
	var lut [256][4]uint8
	for v := range lut {
		a := uint32(c.A) * uint32(v) / 255
		lut[v] = [4]uint8{uint8(uint32(c.R) * a / 255), uint8(uint32(c.G) * a / 255), uint8(uint32(c.B) * a / 255), uint8(a)}
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := m.Pix[y*m.W+r.Min.X : y*m.W+r.Max.X]
		dp := dst.Pix[dst.PixOffset(r.Min.X, y):]
		for i, v := range src {
			copy(dp[4*i:4*i+4], lut[v][:])
		}
	}
}

// RegionEmpty reports whether no pixel inside r is masked.
func (m *Mask) RegionEmpty(r image.Rectangle) bool {
	r = r.Intersect(m.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		if row := m.Pix[y*m.W+r.Min.X : y*m.W+r.Max.X]; nextNonZero(row, 0) != len(row) {
			return false
		}
	}
	return true
}
