package model

import "math"

// Reference is the slow, obviously correct pure-Go backend: plain loops,
// float64 accumulation, no parallelism. It is the oracle the conformance
// suite compares every other backend with (STYLE.md 12); it is not meant to
// run models.
type Reference struct{ hostMem }

var _ Backend = (*Reference)(nil)

// NewReference returns the oracle backend.
func NewReference() *Reference { return &Reference{} }

// Name implements Backend.
func (*Reference) Name() string { return "reference" }

// Linear implements Backend.
func (*Reference) Linear(dst, x, w, bias *Tensor) {
	n, k := w.Dim(0), w.Dim(1)
	must(x.Dim(-1) == k && x.Len()/k*n == dst.Len() && (bias == nil || bias.Len() == n),
		"Linear", "x %v w %v dst %v", x.shape, w.shape, dst.shape)
	xs, ws, ds := f32(x), f32(w), f32(dst)
	for r := 0; r < x.Len()/k; r++ {
		for c := 0; c < n; c++ {
			var s float64
			if bias != nil {
				s = float64(f32(bias)[c])
			}
			for i := 0; i < k; i++ {
				s += float64(xs[r*k+i]) * float64(ws[c*k+i])
			}
			ds[r*n+c] = float32(s)
		}
	}
}

// Conv2D implements Backend.
func (*Reference) Conv2D(dst, x, w, bias *Tensor, p ConvParams) {
	b, c, h, wd := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	o, kh, kw := w.Dim(0), w.Dim(2), w.Dim(3)
	ho, wo := convOut(h, kh, p.PadTop, p.PadBottom, p.Stride), convOut(wd, kw, p.PadLeft, p.PadRight, p.Stride)
	must(w.Dim(1) == c && dst.Len() == b*o*ho*wo, "Conv2D", "x %v w %v dst %v", x.shape, w.shape, dst.shape)
	xs, ws, ds := f32(x), f32(w), f32(dst)
	for n := 0; n < b; n++ {
		for oc := 0; oc < o; oc++ {
			for oy := 0; oy < ho; oy++ {
				for ox := 0; ox < wo; ox++ {
					var s float64
					if bias != nil {
						s = float64(f32(bias)[oc])
					}
					for ic := 0; ic < c; ic++ {
						for ky := 0; ky < kh; ky++ {
							iy := oy*p.Stride + ky - p.PadTop
							if iy < 0 || iy >= h {
								continue
							}
							for kx := 0; kx < kw; kx++ {
								ix := ox*p.Stride + kx - p.PadLeft
								if ix < 0 || ix >= wd {
									continue
								}
								s += float64(xs[((n*c+ic)*h+iy)*wd+ix]) * float64(ws[((oc*c+ic)*kh+ky)*kw+kx])
							}
						}
					}
					ds[((n*o+oc)*ho+oy)*wo+ox] = float32(s)
				}
			}
		}
	}
}

// convOut is the output size of a convolution along one axis.
func convOut(in, k, padA, padB, stride int) int { return (in+padA+padB-k)/stride + 1 }

// GroupNorm implements Backend.
func (*Reference) GroupNorm(dst, x, gamma, beta *Tensor, groups int, eps float32, silu bool) {
	b, c, hw, cg := checkGroupNorm(dst, x, gamma, beta, groups)
	xs, ds, gs, bs := f32(x), f32(dst), f32(gamma), f32(beta)
	for n := 0; n < b; n++ {
		for g := 0; g < groups; g++ {
			base := (n*c + g*cg) * hw
			seg := xs[base : base+cg*hw]
			mean, inv := meanInvStd(seg, eps)
			for i := range seg {
				ch := g*cg + i/hw
				v := (float64(seg[i])-mean)*inv*float64(gs[ch]) + float64(bs[ch])
				if silu {
					v = v / (1 + math.Exp(-v))
				}
				ds[base+i] = float32(v)
			}
		}
	}
}

// meanInvStd returns the mean and 1/sqrt(biased variance + eps) of xs.
func meanInvStd(xs []float32, eps float32) (mean, inv float64) {
	for _, v := range xs {
		mean += float64(v)
	}
	mean /= float64(len(xs))
	var vr float64
	for _, v := range xs {
		d := float64(v) - mean
		vr += d * d
	}
	vr /= float64(len(xs))
	return mean, 1 / math.Sqrt(vr+float64(eps))
}

// LayerNorm implements Backend.
func (*Reference) LayerNorm(dst, x, gamma, beta *Tensor, eps float32) {
	d := x.Dim(-1)
	must(dst.Len() == x.Len() && gamma.Len() == d && beta.Len() == d, "LayerNorm", "x %v", x.shape)
	xs, ds, gs, bs := f32(x), f32(dst), f32(gamma), f32(beta)
	for r := 0; r < x.Len()/d; r++ {
		row := xs[r*d : (r+1)*d]
		mean, inv := meanInvStd(row, eps)
		for i, v := range row {
			ds[r*d+i] = float32((float64(v)-mean)*inv*float64(gs[i]) + float64(bs[i]))
		}
	}
}

// Attention implements Backend.
func (*Reference) Attention(dst, q, k, v *Tensor, p AttnParams) {
	b, lq, lk, kvLen, width, dh := checkAttention(dst, q, k, v, p)
	qs, ks, vs, ds := f32(q), f32(k), f32(v), f32(dst)
	scores := make([]float64, kvLen)
	for n := 0; n < b; n++ {
		for h := 0; h < p.Heads; h++ {
			for i := 0; i < lq; i++ {
				qrow := qs[(n*lq+i)*width+h*dh:]
				maxS := math.Inf(-1)
				for j := 0; j < kvLen; j++ {
					if !p.Visible(p.QOffset+i, j) {
						scores[j] = math.Inf(-1)
						continue
					}
					krow := ks[(n*lk+j)*width+h*dh:]
					var s float64
					for e := 0; e < dh; e++ {
						s += float64(qrow[e]) * float64(krow[e])
					}
					scores[j] = s * float64(p.Scale)
					maxS = math.Max(maxS, scores[j])
				}
				var sum float64
				for j := range scores {
					scores[j] = math.Exp(scores[j] - maxS)
					sum += scores[j]
				}
				out := ds[(n*lq+i)*width+h*dh:]
				for e := 0; e < dh; e++ {
					var s float64
					for j := 0; j < kvLen; j++ {
						s += scores[j] * float64(vs[(n*lk+j)*width+h*dh+e])
					}
					out[e] = float32(s / sum)
				}
			}
		}
	}
}

// GELU implements Backend.
func (*Reference) GELU(dst, x *Tensor) {
	must(dst.Len() == x.Len(), "GELU", "%v", x.shape)
	ds := f32(dst)
	for i, v := range f32(x) {
		ds[i] = float32(0.5 * float64(v) * (1 + math.Erf(float64(v)/math.Sqrt2)))
	}
}

// SiLU implements Backend.
func (*Reference) SiLU(dst, x *Tensor) {
	must(dst.Len() == x.Len(), "SiLU", "%v", x.shape)
	ds := f32(dst)
	for i, v := range f32(x) {
		ds[i] = float32(float64(v) / (1 + math.Exp(-float64(v))))
	}
}

// Add implements Backend.
func (*Reference) Add(dst, a, b *Tensor) {
	must(dst.Len() == a.Len() && b.Len() > 0 && a.Len()%b.Len() == 0, "Add", "a %v b %v", a.shape, b.shape)
	ds, as, bs := f32(dst), f32(a), f32(b)
	for i := range ds {
		ds[i] = as[i] + bs[i%len(bs)]
	}
}

// Gather implements Backend.
func (*Reference) Gather(dst, table *Tensor, ids []int32) {
	v, d := table.Dim(0), table.Dim(1)
	must(dst.Len() == len(ids)*d, "Gather", "dst %v ids %d table %v", dst.shape, len(ids), table.shape)
	ts, ds := f32(table), f32(dst)
	for i, id := range ids {
		must(id >= 0 && int(id) < v, "Gather", "id %d outside table of %d rows", id, v)
		copy(ds[i*d:(i+1)*d], ts[int(id)*d:(int(id)+1)*d])
	}
}

// Upsample2x implements Backend.
func (*Reference) Upsample2x(dst, x *Tensor) {
	h, w := x.Dim(-2), x.Dim(-1)
	must(dst.Len() == 4*x.Len(), "Upsample2x", "x %v dst %v", x.shape, dst.shape)
	xs, ds := f32(x), f32(dst)
	for p := 0; p < x.Len()/(h*w); p++ {
		for y := 0; y < 2*h; y++ {
			for xx := 0; xx < 2*w; xx++ {
				ds[(p*2*h+y)*2*w+xx] = xs[(p*h+y/2)*w+xx/2]
			}
		}
	}
}

// Transpose implements Backend.
func (*Reference) Transpose(dst, x *Tensor) {
	m, n := x.Dim(-2), x.Dim(-1)
	must(dst.Len() == x.Len(), "Transpose", "x %v dst %v", x.shape, dst.shape)
	xs, ds := f32(x), f32(dst)
	for b := 0; b < x.Len()/(m*n); b++ {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				ds[b*m*n+j*m+i] = xs[b*m*n+i*n+j]
			}
		}
	}
}

// CopyRows implements Backend.
func (*Reference) CopyRows(dst *Tensor, row int, src *Tensor) {
	b, l, d := dst.Dim(0), dst.Dim(1), dst.Dim(2)
	n := src.Dim(1)
	must(src.Dim(0) == b && src.Dim(2) == d && row >= 0 && row+n <= l, "CopyRows",
		"dst %v row %d src %v", dst.shape, row, src.shape)
	ds, ss := f32(dst), f32(src)
	for i := 0; i < b; i++ {
		copy(ds[(i*l+row)*d:(i*l+row+n)*d], ss[i*n*d:(i+1)*n*d])
	}
}
