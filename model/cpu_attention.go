package model

import "math"

// Attention implements Backend. Several queries (a prefill, an encoder, a
// run of known tokens) go through two GEMMs per head, S = Q K^T and O = S V;
// a single query (one decoded token) uses plain dot products, spread over
// heads.
func (*CPU) Attention(dst, q, k, v *Tensor, p AttnParams) {
	b, lq, lk, kvLen, width, dh := checkAttention(dst, q, k, v, p)
	qs, ks, vs, ds := f32(q), f32(k), f32(v), f32(dst)
	if lq == 1 {
		parallelFor(b*p.Heads, max(1, 65536/(kvLen*dh)), func(lo, hi int) {
			scores := make([]float32, kvLen)
			for bh := lo; bh < hi; bh++ {
				n, h := bh/p.Heads, bh%p.Heads
				qrow := qs[n*width+h*dh : n*width+(h+1)*dh]
				for j := range scores {
					if !p.Visible(p.QOffset, j) {
						scores[j] = float32(math.Inf(-1))
						continue
					}
					scores[j] = dot(qrow, ks[(n*lk+j)*width+h*dh:(n*lk+j)*width+(h+1)*dh]) * p.Scale
				}
				softmaxRow(scores)
				out := ds[n*width+h*dh : n*width+(h+1)*dh]
				clear(out)
				for j, s := range scores {
					axpy(out, s, vs[(n*lk+j)*width+h*dh:(n*lk+j)*width+(h+1)*dh])
				}
			}
		})
		return
	}
	scores := make([]float32, lq*kvLen)
	for n := 0; n < b; n++ {
		for h := 0; h < p.Heads; h++ {
			qo, ko := n*lq*width+h*dh, n*lk*width+h*dh
			sgemm(false, true, lq, kvLen, dh, p.Scale, qs[qo:], width, ks[ko:], width, 0, scores, kvLen)
			parallelFor(lq, 16, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					row := scores[i*kvLen : (i+1)*kvLen]
					if p.Causal {
						for j := range row {
							if !p.Visible(p.QOffset+i, j) {
								row[j] = float32(math.Inf(-1))
							}
						}
					}
					softmaxRow(row)
				}
			})
			sgemm(false, false, lq, dh, kvLen, 1, scores, kvLen, vs[ko:], width, 0, ds[qo:], width)
		}
	}
}

// softmaxRow replaces a row of scores (at least one finite) by its softmax.
func softmaxRow(row []float32) {
	m := float32(math.Inf(-1))
	for _, s := range row {
		m = max(m, s)
	}
	var sum float32
	for j, s := range row {
		e := expf(s - m)
		row[j] = e
		sum += e
	}
	inv := 1 / sum
	for j := range row {
		row[j] *= inv
	}
}

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+3 < len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// axpy: y += alpha*x.
func axpy(y []float32, alpha float32, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i]
	}
}
