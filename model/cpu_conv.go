package model

// convSame is a stride-1 "same" convolution (odd k x k kernel, padding k/2)
// without im2col: the input is zero-padded once to (C, H+k-1, W+k-1), and
// for each kernel tap (ky, kx) one GEMM multiplies the tap's (O, C) weights
// with the padded input shifted by ky rows and kx columns, read in place as
// a (C, H*Wp) matrix whose rows are the channels. The output is computed
// over the padded width Wp and cropped. This reads the input k*k times from
// cache instead of writing a k*k times larger unfolded copy to memory (a
// third of the VQ decoder's time went to im2col).
func (cpu *CPU) convSame(dst, x, w, bias *Tensor) {
	b, c, h, wd := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	o, k := w.Dim(0), w.Dim(2)
	pad := k / 2
	hp, wp := h+2*pad, wd+2*pad
	ld := hp*wp + k - 1 // per-channel stride; the tail keeps the last shifted read inside
	taps := cpu.tapWeights(w)
	xs, ds := f32(x), f32(dst)
	padded := make([]float32, c*ld)
	out := make([]float32, o*h*wp)
	for n := 0; n < b; n++ {
		img := xs[n*c*h*wd : (n+1)*c*h*wd]
		parallelFor(c, 8, func(lo, hi int) {
			for ch := lo; ch < hi; ch++ {
				plane := padded[ch*ld : (ch+1)*ld]
				for y := 0; y < h; y++ {
					copy(plane[(y+pad)*wp+pad:], img[(ch*h+y)*wd:(ch*h+y+1)*wd])
				}
			}
		})
		for t := 0; t < k*k; t++ {
			ky, kx := t/k, t%k
			beta := float32(1)
			if t == 0 {
				beta = 0
			}
			sgemm(false, false, o, h*wp, c, 1, taps[t*o*c:(t+1)*o*c], c, padded[ky*wp+kx:], ld, beta, out, h*wp)
		}
		res := ds[n*o*h*wd : (n+1)*o*h*wd]
		parallelFor(o, 8, func(lo, hi int) {
			for oc := lo; oc < hi; oc++ {
				var bv float32
				if bias != nil {
					bv = f32(bias)[oc]
				}
				for y := 0; y < h; y++ {
					src := out[(oc*h+y)*wp : (oc*h+y)*wp+wd]
					row := res[(oc*h+y)*wd : (oc*h+y+1)*wd]
					for i, v := range src {
						row[i] = v + bv
					}
				}
			}
		})
	}
}

// tapWeights returns w (O, C, k, k) repacked as (k*k, O, C), cached per
// weight tensor until it is freed.
func (cpu *CPU) tapWeights(w *Tensor) []float32 {
	cpu.mu.Lock()
	defer cpu.mu.Unlock()
	if t, ok := cpu.taps[w]; ok {
		return t
	}
	o, c, k := w.Dim(0), w.Dim(1), w.Dim(2)
	ws := f32(w)
	t := make([]float32, len(ws))
	for oc := 0; oc < o; oc++ {
		for ic := 0; ic < c; ic++ {
			for tap := 0; tap < k*k; tap++ {
				t[(tap*o+oc)*c+ic] = ws[(oc*c+ic)*k*k+tap]
			}
		}
	}
	cpu.taps[w] = t
	return t
}
