package canvas

import (
	"fmt"
	"image"
	"math"
	"sync"
)

var rowPool = sync.Pool{New: func() any { return new([]uint16) }}

// checkWindow validates a window against a w x h image (mask coordinates).
func checkWindow(win image.Rectangle, w, h int) error {
	if win.Empty() {
		return fmt.Errorf("canvas: window %v is empty", win)
	}
	if !win.In(image.Rect(0, 0, w, h)) {
		return fmt.Errorf("canvas: window %v is not inside the %dx%d image", win, w, h)
	}
	return nil
}

// ToModel returns the window win of img (mask coordinates, see the package
// doc) resized to size x size as the model's input: channel-planar
// (3, size, size) float32 in [-1, 1], value/127.5 - 1 for 8-bit sources and
// the same scale at 16-bit precision for 16-bit ones (value/32767.5 - 1).
//
// The colour channels are read un-premultiplied and alpha is ignored: a
// half-transparent pixel gives the model its full colour, and a fully
// transparent one whatever colour it stores (black for premultiplied
// sources). Compositing onto a background would invent content the
// model would then try to continue; Composite keeps the original alpha, so
// the alpha channel never needs the model.
//
// A window that is not square (Windows gives one when the image is
// narrower than the window should be) is stretched to the square input;
// FromModel with the window's size undoes the stretch. The resize uses
// Lanczos-3 with the kernel widened by the scale, so shrinking does not
// alias; results are clamped to [-1, 1] because Lanczos overshoots.
func ToModel(img image.Image, win image.Rectangle, size int) ([]float32, error) {
	b := img.Bounds()
	if err := checkWindow(win, b.Dx(), b.Dy()); err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, fmt.Errorf("canvas: model size %d must be positive", size)
	}
	rd := newPixelReader(img)
	sw, sh := win.Dx(), win.Dy()
	x0, y0 := b.Min.X+win.Min.X, b.Min.Y+win.Min.Y
	out := resample3(sw, sh, size, size, downFilter, func(y int, buf []float32) {
		p := rowPool.Get().(*[]uint16)
		if cap(*p) < 4*sw {
			*p = make([]uint16, 4*sw)
		}
		px := (*p)[:4*sw]
		rd.row(px, y0+y, x0, x0+sw)
		for x := 0; x < sw; x++ {
			for c := 0; c < 3; c++ {
				buf[c*sw+x] = float32(px[4*x+c]) / 0xffff
			}
		}
		rowPool.Put(p)
	})
	for i, v := range out {
		out[i] = min(max(2*v-1, -1), 1)
	}
	return out, nil
}

// FromModel turns the model's output pix, channel-planar (3, size, size)
// in [-1, 1], into a w x h opaque image (the window's size), the inverse of
// ToModel: values are clamped to [-1, 1] (NaN counts as 0), mapped by
// (x+1)/2 and resized with Catmull-Rom at 16-bit precision. The result's
// bounds are (0, 0)-(w, h), as Patch expects.
func FromModel(pix []float32, size int, w, h int) (*image.NRGBA64, error) {
	if size <= 0 || len(pix) != 3*size*size {
		return nil, fmt.Errorf("canvas: model output has %d values, want 3*%d*%d", len(pix), size, size)
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("canvas: output size %dx%d must be positive", w, h)
	}
	res := resample3(size, size, w, h, upFilter, func(y int, buf []float32) {
		for c := 0; c < 3; c++ {
			in := pix[(c*size+y)*size : (c*size+y+1)*size]
			out := buf[c*size : (c+1)*size]
			for x, v := range in {
				if v != v { // NaN
					v = 0
				}
				out[x] = (min(max(v, -1), 1) + 1) / 2
			}
		}
	})
	img := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+8*w]
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				v := uint16(math.Round(float64(min(max(res[(c*h+y)*w+x], 0), 1)) * 0xffff))
				row[8*x+2*c], row[8*x+2*c+1] = uint8(v>>8), uint8(v)
			}
			row[8*x+6], row[8*x+7] = 0xff, 0xff
		}
	}
	return img, nil
}

// cellRanges splits n window pixels into g token cells: cell c covers the
// pixels whose extent [x, x+1) overlaps [c*n/g, (c+1)*n/g) with positive
// length, i.e. x in [floor(c*n/g), ceil((c+1)*n/g)). A pixel straddling a
// cell boundary counts for both cells.
func cellRanges(n, g int) [][2]int {
	r := make([][2]int, g)
	for c := range r {
		r[c] = [2]int{c * n / g, ((c+1)*n + g - 1) / g}
	}
	return r
}

// TokenMask says which tokens of the grid x grid token grid of the window
// win to regenerate (raster order, true = regenerate). A token is
// regenerated if any window pixel that maps into its cell has a mask value
// above 0, so a one-pixel stroke is never lost however much the window is
// shrunk. This is the result of shrinking the window's mask to size x size
// with an area-max filter (a model pixel is masked if any window pixel
// overlapping it is) and then taking the max over each token's
// f x f model pixels (f = size/grid); the two maxima compose, so it is
// computed in one step on the window's pixels. A window pixel straddling
// two cells marks both. With dilate, every token next to a regenerated one
// (8-neighbourhood) is regenerated too.
func TokenMask(m *Mask, win image.Rectangle, size, grid int, dilate bool) ([]bool, error) {
	if m == nil {
		return nil, fmt.Errorf("canvas: no mask")
	}
	if err := checkWindow(win, m.W, m.H); err != nil {
		return nil, err
	}
	if grid <= 0 || size <= 0 || size%grid != 0 {
		return nil, fmt.Errorf("canvas: model size %d is not a positive multiple of the token grid %d", size, grid)
	}
	xr, yr := cellRanges(win.Dx(), grid), cellRanges(win.Dy(), grid)
	tokens := make([]bool, grid*grid)
	hit := make([]bool, grid)
	for cy, ry := range yr {
		out := tokens[cy*grid : (cy+1)*grid]
		for y := ry[0]; y < ry[1]; y++ {
			row := m.Pix[(win.Min.Y+y)*m.W+win.Min.X : (win.Min.Y+y)*m.W+win.Max.X]
			if nextNonZero(row, 0) == len(row) {
				continue
			}
			for cx, rx := range xr {
				if !out[cx] && nextNonZero(row[rx[0]:rx[1]], 0) < rx[1]-rx[0] {
					out[cx] = true
				}
			}
		}
	}
	if !dilate {
		return tokens, nil
	}
	grown := make([]bool, len(tokens))
	for cy := 0; cy < grid; cy++ {
		clear(hit)
		for cx := 0; cx < grid; cx++ {
			for dy := -1; dy <= 1; dy++ {
				if y := cy + dy; y >= 0 && y < grid && tokens[y*grid+cx] {
					hit[cx] = true
				}
			}
		}
		for cx := 0; cx < grid; cx++ {
			grown[cy*grid+cx] = hit[cx] || (cx > 0 && hit[cx-1]) || (cx+1 < grid && hit[cx+1])
		}
	}
	return grown, nil
}
