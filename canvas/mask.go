package canvas

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"sort"
)

// Mask says which pixels of an image to regenerate: one byte per pixel,
// row-major, 0 = keep, 255 = regenerate, values between are soft (a brush's
// anti-aliased rim) and blend proportionally in Composite. Its origin is
// (0, 0) and it is as large as the image it belongs to.
//
// Mask implements image.Image (as an alpha image), so it can be drawn or
// saved as a PNG directly; MaskFromImage reads such a PNG back.
type Mask struct {
	W, H int
	Pix  []uint8 // len W*H; pixel (x, y) is Pix[y*W+x]
}

// NewMask returns an empty (all keep) mask of w x h pixels; negative sizes
// count as 0.
func NewMask(w, h int) *Mask {
	w, h = max(w, 0), max(h, 0)
	return &Mask{W: w, H: h, Pix: make([]uint8, w*h)}
}

// Value returns the mask value at (x, y), 0 outside the mask.
func (m *Mask) Value(x, y int) uint8 {
	if x < 0 || y < 0 || x >= m.W || y >= m.H {
		return 0
	}
	return m.Pix[y*m.W+x]
}

// Set sets the mask value at (x, y); points outside the mask are ignored.
func (m *Mask) Set(x, y int, v uint8) {
	if x < 0 || y < 0 || x >= m.W || y >= m.H {
		return
	}
	m.Pix[y*m.W+x] = v
}

// Fill sets every mask pixel inside r to v (r is clipped to the mask).
func (m *Mask) Fill(r image.Rectangle, v uint8) {
	r = r.Intersect(m.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := m.Pix[y*m.W+r.Min.X : y*m.W+r.Max.X]
		for i := range row {
			row[i] = v
		}
	}
}

// Clone returns a deep copy of m.
func (m *Mask) Clone() *Mask {
	return &Mask{W: m.W, H: m.H, Pix: append([]uint8(nil), m.Pix...)}
}

// Bounds returns the mask's rectangle, (0, 0)-(W, H).
func (m *Mask) Bounds() image.Rectangle { return image.Rect(0, 0, m.W, m.H) }

// ColorModel returns color.AlphaModel: as an image, a mask is white paint
// whose opacity is the mask value.
func (m *Mask) ColorModel() color.Model { return color.AlphaModel }

// At returns the mask value at (x, y) as a color.Alpha.
func (m *Mask) At(x, y int) color.Color { return color.Alpha{A: m.Value(x, y)} }

// Alpha returns an *image.Alpha sharing m's pixels, for drawing with
// image/draw.
func (m *Mask) Alpha() *image.Alpha {
	return &image.Alpha{Pix: m.Pix, Stride: m.W, Rect: m.Bounds()}
}

// Empty reports whether no pixel is masked (nil masks are empty).
func (m *Mask) Empty() bool {
	return m == nil || nextNonZero(m.Pix, 0) == len(m.Pix)
}

// BoundingBox returns the smallest rectangle holding every masked pixel,
// or the empty rectangle when none is.
func (m *Mask) BoundingBox() image.Rectangle {
	var box image.Rectangle
	for y := 0; y < m.H; y++ {
		row := m.Pix[y*m.W : (y+1)*m.W]
		x0 := nextNonZero(row, 0)
		if x0 == len(row) {
			continue
		}
		x1 := lastNonZero(row) + 1
		box = box.Union(image.Rect(x0, y, x1, y+1))
	}
	return box
}

// CheckSize returns nil when the mask is as large as bounds (an image's
// Bounds()), otherwise an error stating both sizes.
func (m *Mask) CheckSize(bounds image.Rectangle) error {
	if m == nil {
		return errors.New("canvas: no mask")
	}
	if len(m.Pix) != m.W*m.H || m.W < 0 || m.H < 0 {
		return fmt.Errorf("canvas: mask is %dx%d but holds %d values", m.W, m.H, len(m.Pix))
	}
	if m.W != bounds.Dx() || m.H != bounds.Dy() {
		return fmt.Errorf("canvas: mask is %dx%d pixels but the image is %dx%d", m.W, m.H, bounds.Dx(), bounds.Dy())
	}
	return nil
}

// MaskFromImage reads a mask painted as an image, as large as img.
//
// The rule: if every pixel of img is fully opaque, a pixel is masked when
// its luminance is at least 50% (white paint on black). If any pixel has
// alpha below full, the image is read as paint on a transparent layer
// instead, and a pixel is masked when its alpha is at least 50%, whatever
// its colour. "At least 50%" is >= 0x8000 of 0xffff, i.e. >= 128 for 8-bit
// images. Masked pixels get 255, others 0.
func MaskFromImage(img image.Image) *Mask {
	b := img.Bounds()
	m := NewMask(b.Dx(), b.Dy())
	rd := newPixelReader(img)
	row := make([]uint16, 4*b.Dx())
	byAlpha := !isOpaque(img, rd, row)
	for y := 0; y < m.H; y++ {
		rd.row(row, b.Min.Y+y, b.Min.X, b.Max.X)
		out := m.Pix[y*m.W : (y+1)*m.W]
		for x := range out {
			p := row[4*x : 4*x+4]
			var v uint32
			if byAlpha {
				v = uint32(p[3])
			} else {
				v = (19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16
			}
			if v >= 0x8000 {
				out[x] = 255
			}
		}
	}
	return m
}

func isOpaque(img image.Image, rd pixelReader, row []uint16) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		rd.row(row, y, b.Min.X, b.Max.X)
		for i := 3; i < len(row); i += 4 {
			if row[i] != 0xffff {
				return false
			}
		}
	}
	return true
}

// Components returns the bounding boxes of the masked regions of m: groups
// of 8-connected pixels with a value above 0. Regions whose bounding boxes
// overlap, or lie fewer than gap pixels apart (the number of empty columns
// or rows between them, whichever is larger, is below gap), are merged into
// one box, repeatedly, so the boxes returned are pairwise disjoint and at
// least gap pixels apart. Boxes are sorted by Min.Y, then Min.X. An empty
// mask gives no boxes.
//
// Labelling works on runs of masked pixels, so memory grows with the number
// of runs, not with the image. A mask of more than maxRegions regions (or
// maxRuns runs), such as scattered noise, is labelled on a coarser view
// instead, where each k x k block is masked if any of its pixels is (k = 2,
// 4, ... until the limits hold); its boxes are the blocks' and so can be up
// to k-1 pixels larger than the pixels they hold, and regions less than 2k
// pixels apart join. A brush never paints such masks, and the model could
// not run on thousands of windows anyway.
func Components(m *Mask, gap int) []image.Rectangle {
	if m == nil || m.W <= 0 || m.H <= 0 {
		return nil
	}
	for k := 1; ; k *= 2 {
		if boxes, ok := blockComponents(m, k); ok || k >= max(m.W, m.H) {
			return mergeBoxes(boxes, gap, nil)
		}
	}
}

// Limits of the fine labelling; beyond them Components coarsens.
const (
	maxRuns    = 1 << 16
	maxRegions = 1 << 12
)

// blockComponents labels the 8-connected regions of m viewed in k x k
// blocks and returns their boxes in pixels. ok is false when the view has
// more than maxRuns runs or maxRegions regions (unless k already covers
// the whole mask).
func blockComponents(m *Mask, k int) (boxes []image.Rectangle, ok bool) {
	last := k >= max(m.W, m.H) // one block: always fits
	bw, bh := (m.W+k-1)/k, (m.H+k-1)/k
	type run struct{ x0, x1, y int }
	var runs []run
	var parent []int
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	var coarse []uint8
	if k > 1 {
		coarse = make([]uint8, bw)
	}
	prev := 0 // index of the previous row's first run
	for by := 0; by < bh; by++ {
		var row []uint8
		if k == 1 {
			row = m.Pix[by*m.W : (by+1)*m.W]
		} else {
			clear(coarse)
			for y := by * k; y < min((by+1)*k, m.H); y++ {
				src := m.Pix[y*m.W : (y+1)*m.W]
				for x := nextNonZero(src, 0); x < len(src); x = nextNonZero(src, x+1) {
					coarse[x/k] = 1
				}
			}
			row = coarse
		}
		start := len(runs)
		for x := nextNonZero(row, 0); x < len(row); x = nextNonZero(row, x) {
			x1 := x + 1
			for x1 < len(row) && row[x1] != 0 {
				x1++
			}
			if len(runs) == maxRuns && !last {
				return nil, false
			}
			i := len(runs)
			runs = append(runs, run{x, x1, by})
			parent = append(parent, i)
			// 8-connectivity: a run touches a run of the row above when
			// their x ranges, one of them widened by a pixel, overlap.
			// Both rows' runs are sorted, so the row above is walked once.
			for prev < start && runs[prev].x1 < x {
				prev++
			}
			for j := prev; j < start && runs[j].x0 <= x1; j++ {
				if a, b := find(i), find(j); a != b {
					parent[a] = b
				}
			}
			x = x1
		}
		prev = start
	}
	index := map[int]int{} // root run -> index in boxes
	for i, r := range runs {
		box := image.Rect(r.x0*k, r.y*k, min(r.x1*k, m.W), min((r.y+1)*k, m.H))
		root := find(i)
		if j, seen := index[root]; seen {
			boxes[j] = boxes[j].Union(box)
			continue
		}
		if len(boxes) == maxRegions && !last {
			return nil, false
		}
		index[root] = len(boxes)
		boxes = append(boxes, box)
	}
	return boxes, true
}

// boxesClose reports whether a and b overlap or have fewer than gap empty
// columns and rows between them.
func boxesClose(a, b image.Rectangle, gap int) bool {
	if a.Overlaps(b) {
		return true
	}
	dx := max(0, b.Min.X-a.Max.X, a.Min.X-b.Max.X)
	dy := max(0, b.Min.Y-a.Max.Y, a.Min.Y-b.Max.Y)
	return max(dx, dy) < gap
}

// mergeBoxes merges close boxes (boxesClose) until no two are close. When
// grow is not nil it maps each union to the box that replaces it (Windows
// re-squares merged windows); it must return a box containing its argument.
// Candidate pairs come from a sweep over boxes sorted by Min.X, so the
// usual case of a few boxes or many small scattered ones stays cheap.
func mergeBoxes(boxes []image.Rectangle, gap int, grow func(image.Rectangle) image.Rectangle) []image.Rectangle {
	if len(boxes) == 0 {
		return nil
	}
	for {
		sort.Slice(boxes, func(i, j int) bool { return boxes[i].Min.X < boxes[j].Min.X })
		parent := make([]int, len(boxes))
		for i := range parent {
			parent[i] = i
		}
		find := func(i int) int {
			for parent[i] != i {
				parent[i] = parent[parent[i]]
				i = parent[i]
			}
			return i
		}
		merged := false
		for i := range boxes {
			for j := i + 1; j < len(boxes) && boxes[j].Min.X < boxes[i].Max.X+max(gap, 0); j++ {
				if boxesClose(boxes[i], boxes[j], gap) {
					if a, b := find(i), find(j); a != b {
						parent[a] = b
						merged = true
					}
				}
			}
		}
		if !merged {
			break
		}
		unions := map[int]image.Rectangle{}
		for i, b := range boxes {
			r := find(i)
			unions[r] = unions[r].Union(b)
		}
		boxes = boxes[:0]
		for _, u := range unions {
			if grow != nil {
				u = grow(u)
			}
			boxes = append(boxes, u)
		}
	}
	sort.Slice(boxes, func(i, j int) bool {
		if boxes[i].Min.Y != boxes[j].Min.Y {
			return boxes[i].Min.Y < boxes[j].Min.Y
		}
		return boxes[i].Min.X < boxes[j].Min.X
	})
	return boxes
}

// nextNonZero returns the index of the first non-zero byte of b at or after
// i, or len(b). Masks are mostly zero, so it skips eight bytes at a time.
func nextNonZero(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:]) != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] != 0 {
			return i
		}
	}
	return len(b)
}

// lastNonZero returns the index of the last non-zero byte of b, or -1.
func lastNonZero(b []byte) int {
	i := len(b)
	for ; i >= 8; i -= 8 {
		if binary.LittleEndian.Uint64(b[i-8:]) != 0 {
			break
		}
	}
	for i--; i >= 0; i-- {
		if b[i] != 0 {
			return i
		}
	}
	return -1
}
