package model

import "math"

// The VQGAN's building blocks (spec 1.2). Activations are (B, C, H, W).

const (
	gnGroups = 32
	gnEps    = 1e-6
)

type conv struct {
	w, b *Tensor
	p    ConvParams
}

func loadConv(l loader, name string, out, in, k int, p ConvParams) conv {
	return conv{w: l.tensor(name+".weight", out, in, k, k), b: l.tensor(name+".bias", out), p: p}
}

var (
	same3 = ConvParams{Stride: 1, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1}
	same1 = ConvParams{Stride: 1}
	// down3 pads right and bottom only (spec 1.2: Downsample is asymmetric).
	down3 = ConvParams{Stride: 2, PadBottom: 1, PadRight: 1}
)

// apply returns conv(x) as a new tensor.
func (c conv) apply(b Backend, x *Tensor) *Tensor {
	o, k := c.w.Dim(0), c.w.Dim(2)
	ho := convOut(x.Dim(2), k, c.p.PadTop, c.p.PadBottom, c.p.Stride)
	wo := convOut(x.Dim(3), k, c.p.PadLeft, c.p.PadRight, c.p.Stride)
	y := b.New(x.Dim(0), o, ho, wo)
	b.Conv2D(y, x, c.w, c.b, c.p)
	return y
}

type norm struct{ g, b *Tensor }

func loadNorm(l loader, name string, c int) norm {
	return norm{l.tensor(name+".weight", c), l.tensor(name+".bias", c)}
}

// groupNorm returns GroupNorm(x), followed by SiLU when silu is set.
func (n norm) groupNorm(b Backend, x *Tensor, silu bool) *Tensor {
	y := b.New(x.Shape()...)
	b.GroupNorm(y, x, n.g, n.b, gnGroups, gnEps, silu)
	return y
}

// resBlock is ResnetBlock(in, out): no time embedding, a 1x1 nin_shortcut
// when the channel count changes.
type resBlock struct {
	norm1, norm2 norm
	conv1, conv2 conv
	shortcut     *conv
}

func loadResBlock(l loader, name string, in, out int) resBlock {
	l = l.sub(name + ".")
	r := resBlock{
		norm1: loadNorm(l, "norm1", in), conv1: loadConv(l, "conv1", out, in, 3, same3),
		norm2: loadNorm(l, "norm2", out), conv2: loadConv(l, "conv2", out, out, 3, same3),
	}
	if in != out {
		s := loadConv(l, "nin_shortcut", out, in, 1, same1)
		r.shortcut = &s
	}
	return r
}

// forward returns shortcut(x) + conv2(silu(GN2(conv1(silu(GN1(x)))))) and frees x.
func (r resBlock) forward(b Backend, x *Tensor) *Tensor {
	h := r.norm1.groupNorm(b, x, true)
	h2 := r.conv1.apply(b, h)
	b.Free(h)
	b.GroupNorm(h2, h2, r.norm2.g, r.norm2.b, gnGroups, gnEps, true)
	h = r.conv2.apply(b, h2)
	b.Free(h2)
	if r.shortcut != nil {
		s := r.shortcut.apply(b, x)
		b.Free(x)
		x = s
	}
	b.Add(h, h, x)
	b.Free(x)
	return h
}

// attnBlock is the single-head spatial self-attention block; its 1x1 convs
// run as Linear layers on the transposed (B, HW, C) activations.
type attnBlock struct {
	norm                   norm
	wq, bq, wk, bk, wv, bv *Tensor
	wo, bo                 *Tensor
	channels               int
}

func loadAttnBlock(l loader, name string, c int) attnBlock {
	l = l.sub(name + ".")
	lin := func(n string) (*Tensor, *Tensor) {
		w := l.tensor(n+".weight", c, c, 1, 1)
		if w != nil {
			w = w.Reshape(c, c)
		}
		return w, l.tensor(n+".bias", c)
	}
	a := attnBlock{norm: loadNorm(l, "norm", c), channels: c}
	a.wq, a.bq = lin("q")
	a.wk, a.bk = lin("k")
	a.wv, a.bv = lin("v")
	a.wo, a.bo = lin("proj_out")
	return a
}

// forward returns x + proj_out(attention(GN(x))) and frees x.
func (a attnBlock) forward(b Backend, x *Tensor) *Tensor {
	n, c, h, w := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	hn := a.norm.groupNorm(b, x, false)
	t := b.New(n, h*w, c) // (B, HW, C)
	b.Transpose(t, hn.Reshape(n, c, h*w))
	b.Free(hn)
	q, k, v := b.New(n, h*w, c), b.New(n, h*w, c), b.New(n, h*w, c)
	b.Linear(q, t, a.wq, a.bq)
	b.Linear(k, t, a.wk, a.bk)
	b.Linear(v, t, a.wv, a.bv)
	// Scale C^-1/2 applied after the dot product (spec 1.2).
	b.Attention(t, q, k, v, AttnParams{Heads: 1, Scale: 1 / sqrt32(float32(c))})
	b.Linear(q, t, a.wo, a.bo) // (B, HW, C)
	b.Transpose(t.Reshape(n, c, h*w), q)
	b.Add(x, x, t.Reshape(x.Shape()...))
	freeAll(b, []*Tensor{t, q, k, v})
	return x
}

func upsample(b Backend, c conv, x *Tensor) *Tensor {
	u := b.New(x.Dim(0), x.Dim(1), 2*x.Dim(2), 2*x.Dim(3))
	b.Upsample2x(u, x)
	b.Free(x)
	y := c.apply(b, u)
	b.Free(u)
	return y
}

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
