package canvas

import (
	"fmt"
	"image"
	"image/draw"
	"sort"
	"sync"
)

// MaxFeather is the largest feather Composite accepts, in pixels.
const MaxFeather = 1024

// Patch is new content for one window: Pixels, as large as Window (its own
// Rect.Min may be anything, FromModel gives (0, 0)), replaces the image
// inside Window (mask coordinates) where the mask says so. Only the colour
// of Pixels is used; its alpha is ignored.
type Patch struct {
	Window image.Rectangle
	Pixels *image.NRGBA64
}

// Composite blends the patches into a copy of orig through the mask m (as
// large as orig) and returns the copy; orig is not changed.
//
// The blend weight a of a pixel is its mask value/255 where the mask is
// set; outside the mask it ramps down with the Euclidean distance d to the
// nearest masked pixel q, a = m(q)/255 * smoothstep(1 - d/(feather+1)),
// which is above 0 for d <= feather and 0 beyond. The colour becomes
// orig*(1-a) + patch*a, computed on un-premultiplied 16-bit values (a in
// steps of 1/65535); the alpha is always the original's. A pixel whose
// weight is 0 keeps the original's exact bits, so every pixel farther than
// feather pixels from every masked pixel (d > feather, no extra pixel for
// rounding is needed) is unchanged, and so is every pixel outside all
// windows: the ramp is clipped at the window edges, so a context margin of
// at least feather (Windows' context) keeps it whole.
//
// Where patches overlap, the later one wins. A masked pixel outside every
// window is an error, as is a patch whose pixels are missing or not the
// window's size, a mask of the wrong size, or a feather outside
// [0, MaxFeather].
//
// The result has orig's bounds and, where possible, its colour model:
// NRGBA, RGBA, NRGBA64, RGBA64, Gray and Gray16 stay as they are (Gray and
// Gray16 store the luminance of the blended colour). Paletted, YCbCr (JPEG)
// and CMYK images become *image.NRGBA: mapping a feathered blend onto a
// small palette would band it, and NRGBA holds every colour these decode
// to (the untouched pixels are exactly color.NRGBAModel's conversion of
// the original's). Other types become *image.NRGBA64. Only the windows'
// neighbourhood is computed; the rest is a copy, which for a large image
// is most of the cost (CompositeInPlace avoids it).
func Composite(orig image.Image, patches []Patch, m *Mask, feather int) (image.Image, error) {
	if orig == nil {
		return nil, fmt.Errorf("canvas: no image to composite into")
	}
	if err := checkComposite(orig.Bounds(), patches, m, feather); err != nil {
		return nil, err
	}
	out := cloneForOutput(orig)
	blendPatches(out, orig, patches, m, feather)
	return out, nil
}

// CompositeInPlace is Composite writing into img itself, for images too
// large to copy on every edit: it writes only pixels inside ChangedRect and
// otherwise just scans the mask (an 8000x8000 edit takes milliseconds,
// where Composite's copy takes hundreds). img must be an
// *image.NRGBA, *image.RGBA, *image.NRGBA64, *image.RGBA64, *image.Gray or
// *image.Gray16 (the types Composite keeps), and the patch windows must not
// overlap (Windows' never do), so that every pixel is blended from its
// original value. A caller that keeps undo history saves ChangedRect first.
// On error img is unchanged.
func CompositeInPlace(img draw.Image, patches []Patch, m *Mask, feather int) error {
	switch img.(type) {
	case *image.NRGBA, *image.RGBA, *image.NRGBA64, *image.RGBA64, *image.Gray, *image.Gray16:
	case nil:
		return fmt.Errorf("canvas: no image to composite into")
	default:
		return fmt.Errorf("canvas: cannot composite into a %T in place; use Composite", img)
	}
	if err := checkComposite(img.Bounds(), patches, m, feather); err != nil {
		return err
	}
	for i := range patches {
		for j := i + 1; j < len(patches); j++ {
			if patches[i].Window.Overlaps(patches[j].Window) {
				return fmt.Errorf("canvas: patch windows %v and %v overlap; in place, windows must be disjoint",
					patches[i].Window, patches[j].Window)
			}
		}
	}
	blendPatches(img, img, patches, m, feather)
	return nil
}

// ChangedRect returns the smallest rectangle (mask coordinates) outside
// which Composite leaves every pixel unchanged: the parts of the windows
// within feather pixels of the mask's bounding box. It is empty when
// nothing can change.
func ChangedRect(patches []Patch, m *Mask, feather int) image.Rectangle {
	if m == nil {
		return image.Rectangle{}
	}
	reach := m.BoundingBox().Inset(-max(feather, 0))
	var r image.Rectangle
	if reach.Empty() {
		return r
	}
	for _, p := range patches {
		r = r.Union(p.Window.Intersect(reach).Intersect(m.Bounds()))
	}
	return r
}

// checkComposite validates Composite's arguments for an image of bounds b.
func checkComposite(b image.Rectangle, patches []Patch, m *Mask, feather int) error {
	if err := m.CheckSize(b); err != nil {
		return err
	}
	if feather < 0 || feather > MaxFeather {
		return fmt.Errorf("canvas: feather %d is outside [0, %d]", feather, MaxFeather)
	}
	for i, p := range patches {
		if err := checkWindow(p.Window, m.W, m.H); err != nil {
			return fmt.Errorf("canvas: patch %d: %w", i, err)
		}
		if p.Pixels == nil {
			return fmt.Errorf("canvas: patch %d has no pixels", i)
		}
		if ps := p.Pixels.Rect.Size(); ps != p.Window.Size() {
			return fmt.Errorf("canvas: patch %d is %dx%d but its window %v is %dx%d",
				i, ps.X, ps.Y, p.Window, p.Window.Dx(), p.Window.Dy())
		}
	}
	return checkCovered(m, patches)
}

// blendPatches blends every patch into out, reading the original colours
// from orig (which may be out itself when windows are disjoint). Rows of
// one patch run in parallel; patches run in order, so a later one wins.
func blendPatches(out draw.Image, orig image.Image, patches []Patch, m *Mask, feather int) {
	box := m.BoundingBox()
	if box.Empty() {
		return
	}
	b := orig.Bounds()
	reach := box.Inset(-feather)
	rd := newPixelReader(orig)
	var pool sync.Pool
	for _, p := range patches {
		r := p.Window.Intersect(reach)
		if r.Empty() {
			continue
		}
		featherRows(m, r, feather, func(y int, w []uint16) {
			bp, _ := pool.Get().(*[]uint16)
			if bp == nil {
				bp = new([]uint16)
			}
			if cap(*bp) < 4*len(w) {
				*bp = make([]uint16, 4*len(w))
			}
			buf := (*bp)[:4*len(w)]
			ox, oy := b.Min.X+r.Min.X, b.Min.Y+y
			rd.row(buf, oy, ox, ox+len(w))
			blendRow(buf, w, patchRow(p, r.Min.X, y, len(w)))
			writeBlended(out, oy, ox, buf, w)
			pool.Put(bp)
		})
	}
}

// patchRow returns the patch's pixel bytes for n pixels from (x, y) in mask
// coordinates.
func patchRow(p Patch, x, y, n int) []uint8 {
	px := p.Pixels
	off := px.PixOffset(px.Rect.Min.X+x-p.Window.Min.X, px.Rect.Min.Y+y-p.Window.Min.Y)
	return px.Pix[off : off+8*n]
}

// blendRow blends the patch colours (NRGBA64 bytes) into the original's
// un-premultiplied pixels in place, by weight w in 0..65535; alpha stays.
func blendRow(orig []uint16, w []uint16, patch []uint8) {
	for i, a := range w {
		if a == 0 {
			continue
		}
		a32 := uint32(a)
		o := orig[4*i : 4*i+3]
		for c := range o {
			pv := uint32(patch[8*i+2*c])<<8 | uint32(patch[8*i+2*c+1])
			o[c] = uint16((uint32(o[c])*(0xffff-a32) + pv*a32 + 0x7fff) / 0xffff)
		}
	}
}

// checkCovered returns an error if a masked pixel lies in no patch window.
// It scans only the parts of each mask row that no window covers.
func checkCovered(m *Mask, patches []Patch) error {
	wins := make([]image.Rectangle, len(patches))
	for i, p := range patches {
		wins[i] = p.Window
	}
	sort.Slice(wins, func(i, j int) bool { return wins[i].Min.X < wins[j].Min.X })
	count := 0
	var first image.Point
	var spans [][2]int
	for y := 0; y < m.H; y++ {
		row := m.Pix[y*m.W : (y+1)*m.W]
		spans = spans[:0]
		for _, w := range wins {
			if y < w.Min.Y || y >= w.Max.Y {
				continue
			}
			if n := len(spans); n > 0 && w.Min.X <= spans[n-1][1] {
				spans[n-1][1] = max(spans[n-1][1], w.Max.X)
			} else {
				spans = append(spans, [2]int{w.Min.X, w.Max.X})
			}
		}
		x := 0
		spans = append(spans, [2]int{m.W, m.W})
		for _, s := range spans {
			gap := row[x:s[0]]
			for i := nextNonZero(gap, 0); i < len(gap); i = nextNonZero(gap, i+1) {
				if count == 0 {
					first = image.Pt(x+i, y)
				}
				count++
			}
			x = s[1]
		}
	}
	if count > 0 {
		return fmt.Errorf("canvas: %d masked pixels lie in no patch window (the first at %v); "+
			"every masked pixel needs a window (see Windows)", count, first)
	}
	return nil
}
