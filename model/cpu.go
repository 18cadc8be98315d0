package model

import (
	"sync"
)

// CPU is the fast CPU backend: matrix work goes through sgemm (OpenBLAS
// with cgo, the packed pure-Go GEMM without), the rest through
// goroutine-parallel loops. Memory moves (Gather, CopyRows) are the
// reference's.
type CPU struct {
	Reference
	mu   sync.Mutex
	taps map[*Tensor][]float32 // conv weights repacked per kernel tap
}

var _ Backend = (*CPU)(nil)

// NewCPU returns the CPU backend.
func NewCPU() *CPU { return &CPU{taps: map[*Tensor][]float32{}} }

// Free implements Backend.
func (c *CPU) Free(t *Tensor) {
	c.mu.Lock()
	delete(c.taps, t)
	c.mu.Unlock()
	c.Reference.Free(t)
}

// Name implements Backend.
func (*CPU) Name() string { return "cpu/" + GemmName }

// Linear implements Backend.
func (*CPU) Linear(dst, x, w, bias *Tensor) {
	n, k := w.Dim(0), w.Dim(1)
	m := x.Len() / k
	must(x.Dim(-1) == k && m*n == dst.Len() && (bias == nil || bias.Len() == n),
		"Linear", "x %v w %v dst %v", x.shape, w.shape, dst.shape)
	ds := f32(dst)
	var beta float32
	if bias != nil {
		bs := f32(bias)
		for r := 0; r < m; r++ {
			copy(ds[r*n:(r+1)*n], bs)
		}
		beta = 1
	}
	sgemm(false, true, m, n, k, 1, f32(x), k, f32(w), k, beta, ds, n)
}

// im2colBudget bounds the unfolded-input buffer of a convolution (in
// floats): a 3x3 conv over 128 channels at 256x256 would otherwise need 300 MB.
const im2colBudget = 1 << 21

// Conv2D implements Backend: im2col over bands of output rows, then one GEMM
// per band, dst(O, band) = W(O, C*kh*kw) * cols(C*kh*kw, band).
func (cpu *CPU) Conv2D(dst, x, w, bias *Tensor, p ConvParams) {
	b, c, h, wd := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	o, kh, kw := w.Dim(0), w.Dim(2), w.Dim(3)
	ho, wo := convOut(h, kh, p.PadTop, p.PadBottom, p.Stride), convOut(wd, kw, p.PadLeft, p.PadRight, p.Stride)
	must(w.Dim(1) == c && dst.Len() == b*o*ho*wo && (bias == nil || bias.Len() == o),
		"Conv2D", "x %v w %v dst %v", x.shape, w.shape, dst.shape)
	xs, ws, ds := f32(x), f32(w), f32(dst)
	kk := c * kh * kw
	pointwise := kh == 1 && kw == 1 && p == (ConvParams{Stride: 1})
	if !pointwise && kh == kw && p.Stride == 1 && p.PadTop == kh/2 && p.PadBottom == kh/2 &&
		p.PadLeft == kw/2 && p.PadRight == kw/2 && kh%2 == 1 {
		cpu.convSame(dst, x, w, bias)
		return
	}
	band := max(1, min(ho, im2colBudget/max(1, kk*wo)))
	var cols []float32
	if !pointwise {
		cols = make([]float32, kk*band*wo)
	}
	for n := 0; n < b; n++ {
		img := xs[n*c*h*wd : (n+1)*c*h*wd]
		out := ds[n*o*ho*wo : (n+1)*o*ho*wo]
		var beta float32
		if bias != nil {
			bs := f32(bias)
			parallelFor(o, 16, func(lo, hi int) {
				for oc := lo; oc < hi; oc++ {
					row := out[oc*ho*wo : (oc+1)*ho*wo]
					for i := range row {
						row[i] = bs[oc]
					}
				}
			})
			beta = 1
		}
		if pointwise {
			sgemm(false, false, o, h*wd, c, 1, ws, c, img, h*wd, beta, out, ho*wo)
			continue
		}
		for y0 := 0; y0 < ho; y0 += band {
			rows := min(band, ho-y0)
			nc := rows * wo
			im2col(cols[:kk*nc], img, c, h, wd, kh, kw, p, y0, rows, wo)
			sgemm(false, false, o, nc, kk, 1, ws, kk, cols, nc, beta, out[y0*wo:], ho*wo)
		}
	}
}

// im2col unfolds output rows [y0, y0+rows) of one image into cols
// (C*kh*kw, rows*wo): row (ic, ky, kx) holds the input pixel each output
// position multiplies with that weight, zero outside the image.
func im2col(cols, img []float32, c, h, wd, kh, kw int, p ConvParams, y0, rows, wo int) {
	nc := rows * wo
	parallelFor(c*kh*kw, 8, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ic, ky, kx := r/(kh*kw), r/kw%kh, r%kw
			dstRow := cols[r*nc : (r+1)*nc]
			plane := img[ic*h*wd : (ic+1)*h*wd]
			for oy := 0; oy < rows; oy++ {
				iy := (y0+oy)*p.Stride + ky - p.PadTop
				seg := dstRow[oy*wo : (oy+1)*wo]
				if iy < 0 || iy >= h {
					clear(seg)
					continue
				}
				src := plane[iy*wd : (iy+1)*wd]
				for ox := range seg {
					ix := ox*p.Stride + kx - p.PadLeft
					if ix < 0 || ix >= wd {
						seg[ox] = 0
					} else {
						seg[ox] = src[ix]
					}
				}
			}
		}
	})
}

// GroupNorm implements Backend.
func (*CPU) GroupNorm(dst, x, gamma, beta *Tensor, groups int, eps float32, doSiLU bool) {
	b, c, hw, cg := checkGroupNorm(dst, x, gamma, beta, groups)
	xs, ds, gs, bs := f32(x), f32(dst), f32(gamma), f32(beta)
	parallelFor(b*groups, 1, func(lo, hi int) {
		for bg := lo; bg < hi; bg++ {
			n, g := bg/groups, bg%groups
			base := (n*c + g*cg) * hw
			mean, inv := meanInvStd(xs[base:base+cg*hw], eps)
			for ci := 0; ci < cg; ci++ {
				ch := g*cg + ci
				scale := float32(inv) * gs[ch]
				shift := bs[ch] - float32(mean)*scale
				affineSiLU(ds[base+ci*hw:base+(ci+1)*hw], xs[base+ci*hw:base+(ci+1)*hw], scale, shift, doSiLU)
			}
		}
	})
}

// LayerNorm implements Backend.
func (*CPU) LayerNorm(dst, x, gamma, beta *Tensor, eps float32) {
	d := x.Dim(-1)
	must(dst.Len() == x.Len() && gamma.Len() == d && beta.Len() == d, "LayerNorm", "x %v", x.shape)
	xs, ds, gs, bs := f32(x), f32(dst), f32(gamma), f32(beta)
	parallelFor(x.Len()/d, 16, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row, out := xs[r*d:(r+1)*d], ds[r*d:(r+1)*d]
			mean, inv := meanInvStd(row, eps)
			m, iv := float32(mean), float32(inv)
			for i, v := range row {
				out[i] = (v-m)*iv*gs[i] + bs[i]
			}
		}
	})
}

// GELU implements Backend.
func (*CPU) GELU(dst, x *Tensor) {
	must(dst.Len() == x.Len(), "GELU", "%v", x.shape)
	xs, ds := f32(x), f32(dst)
	parallelFor(len(xs), 4096, func(lo, hi int) {
		geluSlice(ds[lo:hi], xs[lo:hi])
	})
}

// SiLU implements Backend.
func (*CPU) SiLU(dst, x *Tensor) {
	must(dst.Len() == x.Len(), "SiLU", "%v", x.shape)
	xs, ds := f32(x), f32(dst)
	parallelFor(len(xs), 4096, func(lo, hi int) {
		siluSlice(ds[lo:hi], xs[lo:hi])
	})
}

// Add implements Backend.
func (*CPU) Add(dst, a, b *Tensor) {
	must(dst.Len() == a.Len() && b.Len() > 0 && a.Len()%b.Len() == 0, "Add", "a %v b %v", a.shape, b.shape)
	ds, as, bs := f32(dst), f32(a), f32(b)
	nb := len(bs)
	parallelFor(len(ds)/nb, max(1, 8192/nb), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			out, in := ds[r*nb:(r+1)*nb], as[r*nb:(r+1)*nb]
			for i, v := range bs {
				out[i] = in[i] + v
			}
		}
	})
}

// Upsample2x implements Backend.
func (*CPU) Upsample2x(dst, x *Tensor) {
	h, w := x.Dim(-2), x.Dim(-1)
	must(dst.Len() == 4*x.Len(), "Upsample2x", "x %v dst %v", x.shape, dst.shape)
	xs, ds := f32(x), f32(dst)
	parallelFor(x.Len()/(h*w), 4, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			for y := 0; y < 2*h; y++ {
				src := xs[(p*h+y/2)*w : (p*h+y/2+1)*w]
				out := ds[(p*2*h+y)*2*w : (p*2*h+y+1)*2*w]
				for i, v := range src {
					out[2*i], out[2*i+1] = v, v
				}
			}
		}
	})
}

// Transpose implements Backend.
func (*CPU) Transpose(dst, x *Tensor) {
	m, n := x.Dim(-2), x.Dim(-1)
	must(dst.Len() == x.Len(), "Transpose", "x %v dst %v", x.shape, dst.shape)
	xs, ds := f32(x), f32(dst)
	const tile = 32
	tilesM, tilesN := (m+tile-1)/tile, (n+tile-1)/tile
	per := tilesM * tilesN
	parallelFor(x.Len()/(m*n)*per, 4, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			b, i0, j0 := t/per, t%per/tilesN*tile, t%tilesN*tile
			src, out := xs[b*m*n:(b+1)*m*n], ds[b*m*n:(b+1)*m*n]
			for i := i0; i < min(i0+tile, m); i++ {
				for j := j0; j < min(j0+tile, n); j++ {
					out[j*m+i] = src[i*n+j]
				}
			}
		}
	})
}
