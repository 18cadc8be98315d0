package canvas

import (
	"fmt"
	"image"
	"math"
	"sync"
)

// Seamless returns a copy of the patch p whose colours inside the mask are
// corrected so that they meet the original at the mask's edge: gradient-
// domain ("Poisson") blending, after Pérez, Gangnet and Blake, "Poisson
// Image Editing" (SIGGRAPH 2003). The fill keeps its own texture (its
// gradients) but takes its low frequencies, the overall colour and
// brightness, from the pixels around the hole. It is what removes the
// colour seams a model's fill leaves when its hue is slightly off, at the
// price of the fill's own colour where that was deliberate (a new object of
// another colour than its surroundings is pulled towards them).
//
// Per colour channel, with d = original - patch on every pixel of the
// window, the correction c is the harmonic function (Laplace's equation,
// 4-neighbour stencil) on the masked pixels (mask > 0) that equals d on
// their unmasked neighbours; window edges are free (zero normal gradient).
// The result is patch + c on masked pixels and the original on the others,
// so Composite's feather ramp outside the mask blends the original with
// itself and changes nothing there: the blend makes the seam, not the
// feather. A masked region that touches no unmasked pixel of the window
// keeps the patch's colours. Values are clamped to 0..65535; alpha is the
// patch's.
//
// The solve runs coarse to fine: the window is halved until it is at most
// seamlessCoarsest pixels on a side, solved there by conjugate gradients,
// and each finer level starts from the coarser solution, interpolated, and
// refines it with a bounded number of iterations (the coarse level has
// already settled the low frequencies those iterations converge slowly on);
// see seamlessMaxSolve for very large windows. The three channels are
// solved in parallel.
func Seamless(orig image.Image, p Patch, m *Mask) (Patch, error) {
	if orig == nil {
		return Patch{}, fmt.Errorf("canvas: no image to blend into")
	}
	if err := m.CheckSize(orig.Bounds()); err != nil {
		return Patch{}, err
	}
	if err := checkWindow(p.Window, m.W, m.H); err != nil {
		return Patch{}, err
	}
	if p.Pixels == nil || p.Pixels.Rect.Size() != p.Window.Size() {
		return Patch{}, fmt.Errorf("canvas: the patch's pixels are not its window's size %v", p.Window.Size())
	}
	w, h := p.Window.Dx(), p.Window.Dy()
	unknown := make([]bool, w*h)
	for y := 0; y < h; y++ {
		row := m.Pix[(p.Window.Min.Y+y)*m.W+p.Window.Min.X:][:w]
		for x, v := range row {
			unknown[y*w+x] = v > 0
		}
	}
	// d = original - patch, channel-planar, in 0..65535 units; the solve
	// replaces its masked entries by the correction.
	var d [3][]float32
	for c := range d {
		d[c] = make([]float32, w*h)
	}
	rd := newPixelReader(orig)
	b := orig.Bounds()
	buf := make([]uint16, 4*w)
	px := p.Pixels
	origRow := func(y int) {
		rd.row(buf, b.Min.Y+p.Window.Min.Y+y, b.Min.X+p.Window.Min.X, b.Min.X+p.Window.Max.X)
	}
	for y := 0; y < h; y++ {
		origRow(y)
		prow := px.Pix[px.PixOffset(px.Rect.Min.X, px.Rect.Min.Y+y):][:8*w]
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				d[c][y*w+x] = float32(buf[4*x+c]) - float32(patchValue(prow, x, c))
			}
		}
	}
	solveHarmonic(w, h, unknown, d)
	out := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		origRow(y)
		prow := px.Pix[px.PixOffset(px.Rect.Min.X, px.Rect.Min.Y+y):][:8*w]
		orow := out.Pix[out.PixOffset(0, y):][:8*w]
		copy(orow, prow) // alpha
		for x := 0; x < w; x++ {
			i := y*w + x
			for c := 0; c < 3; c++ {
				v := float32(buf[4*x+c])
				if unknown[i] {
					v = float32(patchValue(prow, x, c)) + d[c][i]
				}
				q := uint16(math.Round(float64(min(max(v, 0), 65535))))
				orow[8*x+2*c], orow[8*x+2*c+1] = uint8(q>>8), uint8(q)
			}
		}
	}
	return Patch{Window: p.Window, Pixels: out}, nil
}

// patchValue is channel c of pixel x of a row of NRGBA64 bytes.
func patchValue(row []uint8, x, c int) uint16 {
	return uint16(row[8*x+2*c])<<8 | uint16(row[8*x+2*c+1])
}

// seamlessCoarsest is the largest side solved to convergence; finer levels
// start from the level below and run at most seamlessFineIters iterations.
// Every level stops once the residual is below seamlessTol of the
// right-hand side's norm. Levels of more than seamlessMaxSolve pixels (a
// window over 1024x1024) are not iterated on: their correction is the
// level below's, interpolated, which keeps the memory of a window of tens
// of megapixels to a few planes (such a window's fill is the model's
// 128x128 output stretched, smooth at that scale anyway).
const (
	seamlessCoarsest  = 64
	seamlessFineIters = 150
	seamlessTol       = 1e-4
)

var seamlessMaxSolve = 1 << 20 // a variable for the tests

// solveHarmonic replaces, per channel, the unknown entries of x by the
// harmonic function equal to x at their known 4-neighbours (w x h grid,
// free edges). Without any known pixel the unknowns become 0.
func solveHarmonic(w, h int, unknown []bool, x [3][]float32) {
	n := 0
	for i, u := range unknown {
		if u { // v says nothing at the unknowns
			n++
			x[0][i], x[1][i], x[2][i] = 0, 0, 0
		}
	}
	if n == 0 || n == w*h {
		return
	}
	iters := 4 * (w + h) // enough for the coarsest level to converge
	if max(w, h) > seamlessCoarsest {
		iters = seamlessFineIters
		cw, ch := (w+1)/2, (h+1)/2
		cu, coarse := coarsen(w, h, unknown, x)
		solveHarmonic(cw, ch, cu, coarse)
		for c := range x {
			upsampleInto(x[c], w, h, unknown, coarse[c], cw, ch)
		}
		if w*h > seamlessMaxSolve {
			return
		}
	}
	sys := newLaplaceSystem(w, h, unknown)
	var wg sync.WaitGroup
	for c := range x {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			sys.conjugateGradient(x[c], iters)
		}(c)
	}
	wg.Wait()
}

// coarsen halves the grid: a coarse pixel is unknown when all its fine
// pixels are, and otherwise holds the mean of its known fine pixels.
func coarsen(w, h int, unknown []bool, v [3][]float32) ([]bool, [3][]float32) {
	cw, ch := (w+1)/2, (h+1)/2
	cu := make([]bool, cw*ch)
	var cv [3][]float32
	for c := range cv {
		cv[c] = make([]float32, cw*ch)
	}
	for cy := 0; cy < ch; cy++ {
		for cx := 0; cx < cw; cx++ {
			var sum [3]float32
			n := 0
			for y := 2 * cy; y < min(2*cy+2, h); y++ {
				for xx := 2 * cx; xx < min(2*cx+2, w); xx++ {
					if !unknown[y*w+xx] {
						for c := range sum {
							sum[c] += v[c][y*w+xx]
						}
						n++
					}
				}
			}
			cu[cy*cw+cx] = n == 0
			for c := range sum {
				if n > 0 {
					cv[c][cy*cw+cx] = sum[c] / float32(n)
				}
			}
		}
	}
	return cu, cv
}

// upsampleInto sets the unknown entries of the fine grid x (w x h) to the
// bilinear interpolation of the coarse grid (cw x ch, pixel centres at
// twice the coarse coordinates plus one half).
func upsampleInto(x []float32, w, h int, unknown []bool, coarse []float32, cw, ch int) {
	axis := func(i, n int) (int, int, float32) {
		f := (float32(i)+0.5)/2 - 0.5
		i0 := int(math.Floor(float64(f)))
		t := f - float32(i0)
		return min(max(i0, 0), n-1), min(max(i0+1, 0), n-1), t
	}
	for y := 0; y < h; y++ {
		y0, y1, ty := axis(y, ch)
		for xx := 0; xx < w; xx++ {
			i := y*w + xx
			if !unknown[i] {
				continue
			}
			x0, x1, tx := axis(xx, cw)
			top := coarse[y0*cw+x0]*(1-tx) + coarse[y0*cw+x1]*tx
			bottom := coarse[y1*cw+x0]*(1-tx) + coarse[y1*cw+x1]*tx
			x[i] = top*(1-ty) + bottom*ty
		}
	}
}

// laplaceSystem is the 4-neighbour Laplace equation on the unknown pixels
// of a w x h grid: deg_k x_k - (unknown neighbours) = (known neighbours),
// deg_k the pixel's neighbours inside the grid (free edges).
type laplaceSystem struct {
	w, h int
	idx  []int     // grid index of unknown k
	pos  []int32   // unknown number of a grid index, -1 for known pixels
	deg  []float64 // per unknown
	nb   [][4]int32
}

func newLaplaceSystem(w, h int, unknown []bool) *laplaceSystem {
	s := &laplaceSystem{w: w, h: h, pos: make([]int32, w*h)}
	for i, u := range unknown {
		s.pos[i] = -1
		if u {
			s.pos[i] = int32(len(s.idx))
			s.idx = append(s.idx, i)
		}
	}
	s.deg = make([]float64, len(s.idx))
	s.nb = make([][4]int32, len(s.idx))
	for k, i := range s.idx {
		y, x := i/w, i%w
		nb := [4]int32{-1, -1, -1, -1}
		n := 0
		if x > 0 {
			nb[n], n = int32(i-1), n+1
		}
		if x < w-1 {
			nb[n], n = int32(i+1), n+1
		}
		if y > 0 {
			nb[n], n = int32(i-w), n+1
		}
		if y < h-1 {
			nb[n], n = int32(i+w), n+1
		}
		s.nb[k], s.deg[k] = nb, float64(n)
	}
	return s
}

// conjugateGradient improves the unknown entries of the grid x (its known
// entries are the boundary values) by at most iters iterations of
// Jacobi-preconditioned conjugate gradients.
func (s *laplaceSystem) conjugateGradient(x []float32, iters int) {
	n := len(s.idx)
	b := make([]float64, n) // the known neighbours' sum
	r := make([]float64, n)
	for k, nb := range s.nb {
		ax := s.deg[k] * float64(x[s.idx[k]])
		for _, j := range nb {
			switch {
			case j < 0:
			case s.pos[j] < 0:
				b[k] += float64(x[j])
			default:
				ax -= float64(x[j])
			}
		}
		r[k] = b[k] - ax
	}
	stop := seamlessTol * math.Sqrt(dot(b, b))
	z, p, ap := make([]float64, n), make([]float64, n), make([]float64, n)
	for k := range r {
		z[k] = r[k] / s.deg[k]
	}
	copy(p, z)
	rz := dot(r, z)
	for it := 0; it < iters && math.Sqrt(dot(r, r)) > stop; it++ {
		for k, nb := range s.nb {
			v := s.deg[k] * p[k]
			for _, j := range nb {
				if j >= 0 && s.pos[j] >= 0 {
					v -= p[s.pos[j]]
				}
			}
			ap[k] = v
		}
		alpha := rz / dot(p, ap)
		for k, i := range s.idx {
			x[i] += float32(alpha * p[k])
			r[k] -= alpha * ap[k]
			z[k] = r[k] / s.deg[k]
		}
		rzNew := dot(r, z)
		beta := rzNew / rz
		rz = rzNew
		for k := range p {
			p[k] = z[k] + beta*p[k]
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
