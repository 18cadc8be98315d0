package canvas

import (
	"image"
	"image/color"
	"image/draw"
)

// pixelReader reads rows of an image as un-premultiplied 16-bit RGBA
// (the values color.NRGBA64Model gives), with fast paths for the types the
// PNG and JPEG decoders return. It only reads, so goroutines may share one.
type pixelReader struct {
	img image.Image
	pal [][4]uint16 // *image.Paletted: the palette, converted once
}

func newPixelReader(img image.Image) pixelReader {
	rd := pixelReader{img: img}
	if p, ok := img.(*image.Paletted); ok {
		rd.pal = make([][4]uint16, 256)
		for i, c := range p.Palette {
			if i < 256 && c != nil {
				rd.pal[i] = nrgba64(c)
			}
		}
	}
	return rd
}

func nrgba64(c color.Color) [4]uint16 {
	n := color.NRGBA64Model.Convert(c).(color.NRGBA64)
	return [4]uint16{n.R, n.G, n.B, n.A}
}

// unpremul turns premultiplied 16-bit values into un-premultiplied ones the
// way color.NRGBA64Model does, so fast and generic paths agree bit for bit.
func unpremul(dst []uint16, r, g, b, a uint32) {
	switch a {
	case 0xffff:
	case 0:
		r, g, b = 0, 0, 0
	default:
		r = r * 0xffff / a
		g = g * 0xffff / a
		b = b * 0xffff / a
	}
	dst[0], dst[1], dst[2], dst[3] = uint16(r), uint16(g), uint16(b), uint16(a)
}

// row writes the pixels x0..x1-1 of row y (image coordinates, inside the
// bounds) into dst[:4*(x1-x0)] as R, G, B, A.
func (rd pixelReader) row(dst []uint16, y, x0, x1 int) {
	n := x1 - x0
	dst = dst[:4*n]
	switch m := rd.img.(type) {
	case *image.NRGBA:
		src := m.Pix[m.PixOffset(x0, y):][:4*n]
		for i, v := range src {
			dst[i] = uint16(v) * 0x101
		}
	case *image.RGBA:
		src := m.Pix[m.PixOffset(x0, y):][:4*n]
		for i := 0; i < len(src); i += 4 {
			unpremul(dst[i:], uint32(src[i])*0x101, uint32(src[i+1])*0x101, uint32(src[i+2])*0x101, uint32(src[i+3])*0x101)
		}
	case *image.NRGBA64:
		src := m.Pix[m.PixOffset(x0, y):][:8*n]
		for i := range dst {
			dst[i] = uint16(src[2*i])<<8 | uint16(src[2*i+1])
		}
	case *image.RGBA64:
		src := m.Pix[m.PixOffset(x0, y):][:8*n]
		for i := 0; i < len(dst); i += 4 {
			s := src[2*i:]
			unpremul(dst[i:], uint32(s[0])<<8|uint32(s[1]), uint32(s[2])<<8|uint32(s[3]),
				uint32(s[4])<<8|uint32(s[5]), uint32(s[6])<<8|uint32(s[7]))
		}
	case *image.Gray:
		src := m.Pix[m.PixOffset(x0, y):][:n]
		for i, v := range src {
			g := uint16(v) * 0x101
			dst[4*i], dst[4*i+1], dst[4*i+2], dst[4*i+3] = g, g, g, 0xffff
		}
	case *image.Gray16:
		src := m.Pix[m.PixOffset(x0, y):][:2*n]
		for i := 0; i < n; i++ {
			g := uint16(src[2*i])<<8 | uint16(src[2*i+1])
			dst[4*i], dst[4*i+1], dst[4*i+2], dst[4*i+3] = g, g, g, 0xffff
		}
	case *image.Paletted:
		src := m.Pix[m.PixOffset(x0, y):][:n]
		for i, v := range src {
			copy(dst[4*i:4*i+4], rd.pal[v][:])
		}
	case *image.YCbCr:
		for i := 0; i < n; i++ {
			yi, ci := m.YOffset(x0+i, y), m.COffset(x0+i, y)
			r, g, b, _ := color.YCbCr{Y: m.Y[yi], Cb: m.Cb[ci], Cr: m.Cr[ci]}.RGBA()
			dst[4*i], dst[4*i+1], dst[4*i+2], dst[4*i+3] = uint16(r), uint16(g), uint16(b), 0xffff
		}
	default:
		for i := 0; i < n; i++ {
			var p [4]uint16
			if c := rd.img.At(x0+i, y); c != nil {
				p = nrgba64(c)
			}
			copy(dst[4*i:4*i+4], p[:])
		}
	}
}

// cloneForOutput returns a copy of img in the colour model Composite writes:
// the same type for NRGBA, RGBA, NRGBA64, RGBA64, Gray and Gray16;
// *image.NRGBA for Paletted, YCbCr and CMYK (8-bit sources); *image.NRGBA64
// for anything else. Every pixel of the copy equals the original converted
// to that model (for the same type: the same bytes). The copy keeps img's
// bounds.
func cloneForOutput(img image.Image) draw.Image {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.NRGBA:
		out := image.NewNRGBA(b)
		copyRows(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 4*b.Dx(), b.Dy())
		return out
	case *image.RGBA:
		out := image.NewRGBA(b)
		copyRows(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 4*b.Dx(), b.Dy())
		return out
	case *image.NRGBA64:
		out := image.NewNRGBA64(b)
		copyRows(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 8*b.Dx(), b.Dy())
		return out
	case *image.RGBA64:
		out := image.NewRGBA64(b)
		copyRows(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 8*b.Dx(), b.Dy())
		return out
	case *image.Gray:
		out := image.NewGray(b)
		copyRows(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, b.Dx(), b.Dy())
		return out
	case *image.Gray16:
		out := image.NewGray16(b)
		copyRows(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 2*b.Dx(), b.Dy())
		return out
	case *image.Paletted:
		out := image.NewNRGBA(b)
		var pal [256][4]uint8
		for i, c := range m.Palette {
			if i < 256 && c != nil {
				n := color.NRGBAModel.Convert(c).(color.NRGBA)
				pal[i] = [4]uint8{n.R, n.G, n.B, n.A}
			}
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, y):][:b.Dx()]
			dst := out.Pix[out.PixOffset(b.Min.X, y):][:4*b.Dx()]
			for i, v := range src {
				copy(dst[4*i:4*i+4], pal[v][:])
			}
		}
		return out
	case *image.YCbCr:
		// image/draw converts YCbCr to RGBA with a fast path; the result is
		// opaque, where RGBA and NRGBA bytes are the same.
		rgba := image.NewRGBA(b)
		draw.Draw(rgba, b, m, b.Min, draw.Src)
		return &image.NRGBA{Pix: rgba.Pix, Stride: rgba.Stride, Rect: rgba.Rect}
	case *image.CMYK:
		out := image.NewNRGBA(b)
		draw.Draw(out, b, m, b.Min, draw.Src)
		return out
	default:
		out := image.NewNRGBA64(b)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if c := img.At(x, y); c != nil {
					out.SetNRGBA64(x, y, color.NRGBA64Model.Convert(c).(color.NRGBA64))
				}
			}
		}
		return out
	}
}

// copyRows copies rows of n bytes between strided buffers. Large images
// are copied by several goroutines: the first touch of freshly allocated
// memory (page faults) dominates, and it parallelises.
func copyRows(dst []uint8, dstStride int, src []uint8, srcStride, n, rows int) {
	parallelRows(rows, max(1, (1<<20)/max(n, 1)), func(lo, hi int) {
		for y := lo; y < hi; y++ {
			copy(dst[y*dstStride:y*dstStride+n], src[y*srcStride:y*srcStride+n])
		}
	})
}

// writeBlended stores the un-premultiplied 16-bit pixels src (R, G, B, A
// per pixel, for x0..x1-1 of row y) into out, skipping pixels whose
// weight is 0 so they keep their exact bits. Alpha in src is the
// original's. out is one of the types cloneForOutput returns.
func writeBlended(out draw.Image, y, x0 int, src []uint16, weight []uint16) {
	switch m := out.(type) {
	case *image.NRGBA:
		dst := m.Pix[m.PixOffset(x0, y):]
		for i, a := range weight {
			if a != 0 {
				p := src[4*i:]
				d := dst[4*i:]
				d[0], d[1], d[2], d[3] = uint8(p[0]>>8), uint8(p[1]>>8), uint8(p[2]>>8), uint8(p[3]>>8)
			}
		}
	case *image.RGBA:
		dst := m.Pix[m.PixOffset(x0, y):]
		for i, a := range weight {
			if a != 0 {
				p := src[4*i:]
				al := uint32(p[3])
				d := dst[4*i:]
				d[0] = uint8(uint32(p[0]) * al / 0xffff >> 8)
				d[1] = uint8(uint32(p[1]) * al / 0xffff >> 8)
				d[2] = uint8(uint32(p[2]) * al / 0xffff >> 8)
				d[3] = uint8(al >> 8)
			}
		}
	case *image.NRGBA64:
		dst := m.Pix[m.PixOffset(x0, y):]
		for i, a := range weight {
			if a != 0 {
				d := dst[8*i:]
				for c := 0; c < 4; c++ {
					v := src[4*i+c]
					d[2*c], d[2*c+1] = uint8(v>>8), uint8(v)
				}
			}
		}
	case *image.RGBA64:
		dst := m.Pix[m.PixOffset(x0, y):]
		for i, a := range weight {
			if a != 0 {
				al := uint32(src[4*i+3])
				d := dst[8*i:]
				for c := 0; c < 4; c++ {
					v := uint32(src[4*i+c])
					if c < 3 {
						v = v * al / 0xffff
					}
					d[2*c], d[2*c+1] = uint8(v>>8), uint8(v)
				}
			}
		}
	case *image.Gray:
		dst := m.Pix[m.PixOffset(x0, y):]
		for i, a := range weight {
			if a != 0 {
				dst[i] = uint8(luma16(src[4*i:]) >> 8)
			}
		}
	case *image.Gray16:
		dst := m.Pix[m.PixOffset(x0, y):]
		for i, a := range weight {
			if a != 0 {
				v := luma16(src[4*i:])
				dst[2*i], dst[2*i+1] = uint8(v>>8), uint8(v)
			}
		}
	default:
		for i, a := range weight {
			if a != 0 {
				p := src[4*i:]
				out.Set(x0+i, y, color.NRGBA64{R: p[0], G: p[1], B: p[2], A: p[3]})
			}
		}
	}
}

// luma16 is color.Gray16Model's luminance of an opaque 16-bit colour.
func luma16(p []uint16) uint32 {
	return (19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16
}

// EqualPixels reports whether a and b have the same bounds and the same
// 16-bit premultiplied colour at every pixel, whatever their colour models.
func EqualPixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}
