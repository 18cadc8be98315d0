package canvas

import (
	"image"
	"math"
)

// stripRows is how many rows featherRows handles at once: each strip also
// sweeps feather rows above and below it, so strips grow with the feather
// (up to a limit) to keep that overhead small.
func stripRows(feather int) int { return min(max(feather, 64), 256) }

// featherWeight is the blend weight, in 0..65535, of an unmasked pixel at
// Euclidean distance sqrt(d2) from its nearest masked pixel, whose mask
// value is v: v/255 * smoothstep(1 - d/(feather+1)). It is positive for
// d <= feather (before rounding) and 0 beyond, and continuous with the
// weight v/255 of the masked pixel itself at d = 0.
func featherWeight(d2 int, v uint8, feather int) uint16 {
	if d2 > feather*feather {
		return 0
	}
	t := 1 - math.Sqrt(float64(d2))/float64(feather+1)
	s := t * t * (3 - 2*t)
	return uint16(math.Round(s * float64(v) * 257))
}

// featherRows computes the blend weight of every pixel of r (mask
// coordinates, inside m) and calls fn(y, w) for each row y of r, where
// w[i] is the weight of pixel (r.Min.X+i, y) in 0..65535. A masked pixel
// weighs its mask value (v*257); an unmasked one weighs
// featherWeight(d², v) of the nearest masked pixel, at squared Euclidean
// distance d², with v that pixel's value. fn may be called from several
// goroutines at once, always for different rows, and must not keep w.
//
// The distance is an exact Euclidean feature transform (Felzenszwalb and
// Huttenlocher's lower envelope of parabolas), computed only within
// feather pixels around r: a masked pixel farther away cannot reach r's
// ramp. Rows are processed in strips, so memory stays proportional to the
// strip, not to r.
func featherRows(m *Mask, r image.Rectangle, feather int, fn func(y int, w []uint16)) {
	r = r.Intersect(m.Bounds())
	if r.Empty() {
		return
	}
	if feather <= 0 {
		w := make([]uint16, r.Dx())
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := m.Pix[y*m.W+r.Min.X : y*m.W+r.Max.X]
			for i, v := range row {
				w[i] = uint16(v) * 257
			}
			fn(y, w)
		}
		return
	}
	sr := stripRows(feather)
	strips := (r.Dy() + sr - 1) / sr
	parallelRows(strips, 1, func(lo, hi int) {
		fs := newFeatherScratch(m, r, feather, sr)
		for s := lo; s < hi; s++ {
			y0 := r.Min.Y + s*sr
			fs.strip(y0, min(y0+sr, r.Max.Y), fn)
		}
	})
}

// featherScratch holds one goroutine's buffers for featherRows.
type featherScratch struct {
	m          *Mask
	r          image.Rectangle
	feather    int
	ex0, ex1   int     // columns within feather of r
	near       []int32 // (strip rows, ex1-ex0): nearest masked row in the column, or -1
	last, next []int32 // per column, during the column sweeps
	// lower envelope of parabolas for one row
	v []int32
	z []float64
	g []int64
	w []uint16
}

func newFeatherScratch(m *Mask, r image.Rectangle, feather, rows int) *featherScratch {
	ex0, ex1 := max(r.Min.X-feather, 0), min(r.Max.X+feather, m.W)
	n := ex1 - ex0
	return &featherScratch{
		m: m, r: r, feather: feather, ex0: ex0, ex1: ex1,
		near: make([]int32, rows*n),
		last: make([]int32, n),
		next: make([]int32, n),
		v:    make([]int32, n),
		z:    make([]float64, n+1),
		g:    make([]int64, n),
		w:    make([]uint16, r.Dx()),
	}
}

// strip computes the weights of rows [s0, s1) of r.
func (fs *featherScratch) strip(s0, s1 int, fn func(y int, w []uint16)) {
	m, F := fs.m, fs.feather
	n := fs.ex1 - fs.ex0
	a0, a1 := max(s0-F, 0), min(s1+F, m.H)
	// Column pass, row by row for cache order: the nearest masked row at or
	// above (down sweep) and at or below (up sweep) each pixel, kept only
	// if within feather rows.
	for i := range fs.last {
		fs.last[i] = -1
	}
	for y := a0; y < s1; y++ {
		row := m.Pix[y*m.W+fs.ex0 : y*m.W+fs.ex1]
		for x := nextNonZero(row, 0); x < n; x = nextNonZero(row, x+1) {
			fs.last[x] = int32(y)
		}
		if y >= s0 {
			near := fs.near[(y-s0)*n : (y-s0+1)*n]
			for x, l := range fs.last {
				if l >= 0 && y-int(l) <= F {
					near[x] = l
				} else {
					near[x] = -1
				}
			}
		}
	}
	for i := range fs.next {
		fs.next[i] = -1
	}
	for y := a1 - 1; y >= s0; y-- {
		row := m.Pix[y*m.W+fs.ex0 : y*m.W+fs.ex1]
		for x := nextNonZero(row, 0); x < n; x = nextNonZero(row, x+1) {
			fs.next[x] = int32(y)
		}
		if y < s1 {
			near := fs.near[(y-s0)*n : (y-s0+1)*n]
			for x, nx := range fs.next {
				if nx >= 0 && int(nx)-y <= F && (near[x] < 0 || int(nx)-y < y-int(near[x])) {
					near[x] = nx
				}
			}
		}
	}
	for y := s0; y < s1; y++ {
		fs.row(y, fs.near[(y-s0)*n:(y-s0+1)*n])
		fn(y, fs.w)
	}
}

// row fills fs.w for row y from near, the nearest masked row per column.
func (fs *featherScratch) row(y int, near []int32) {
	m, F, w := fs.m, fs.feather, fs.w
	clear(w)
	// Sites: columns with a masked pixel within feather rows; g is the
	// squared vertical distance.
	k := -1
	v, z, g := fs.v, fs.z, fs.g
	for q, nr := range near {
		if nr < 0 {
			continue
		}
		dy := int64(y - int(nr))
		g[q] = dy * dy
		fq := g[q] + int64(q)*int64(q)
		for k >= 0 {
			p := int(v[k])
			s := float64(fq-(g[p]+int64(p)*int64(p))) / float64(2*(q-p))
			if s > z[k] {
				z[k+1] = s
				break
			}
			k--
		}
		k++
		v[k] = int32(q)
		if k == 0 {
			z[0] = math.Inf(-1)
		}
		z[k+1] = math.Inf(1)
	}
	if k < 0 {
		return // nothing masked within reach of this row
	}
	mrow := m.Pix[y*m.W : (y+1)*m.W]
	j := 0
	for i := range w {
		x := fs.r.Min.X + i
		if mv := mrow[x]; mv != 0 {
			w[i] = uint16(mv) * 257
			continue
		}
		q := float64(x - fs.ex0)
		for z[j+1] < q {
			j++
		}
		p := int(v[j])
		dx := x - fs.ex0 - p
		d2 := dx*dx + int(g[p])
		if d2 <= F*F {
			w[i] = featherWeight(d2, m.Pix[int(near[p])*m.W+fs.ex0+p], F)
		}
	}
}
