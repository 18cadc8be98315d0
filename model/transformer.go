package model

// The pre-norm transformer stack shared by the encoder-decoder scales
// (x-transformers layout, spec 2.3-2.6) and the GPT scale (minGPT layout,
// spec 2.8): x <- x + block(LayerNorm(x)) for every entry, then a final
// LayerNorm. Only the weight names differ between the two; forward is one.

const lnEps = 1e-5

type layerNorm struct{ g, b *Tensor }

func loadLayerNorm(l loader, name string, d int) layerNorm {
	return layerNorm{l.tensor(name+".weight", d), l.tensor(name+".bias", d)}
}

func (n layerNorm) apply(b Backend, dst, x *Tensor) { b.LayerNorm(dst, x, n.g, n.b, lnEps) }

// attention is a multi-head attention block. x-transformers has no q/k/v
// biases (nil here), minGPT has them.
type attention struct {
	wq, bq, wk, bk, wv, bv, wo, bo *Tensor
	heads                          int
	scale                          float32
}

func (a attention) inner() int { return a.wq.Dim(0) }

type feedForward struct{ w1, b1, w2, b2 *Tensor }

// entry kinds of an attention-layer list (spec 2.4).
const (
	selfAttn  = 'a'
	crossAttn = 'c'
	ffEntry   = 'f'
)

type entry struct {
	kind byte
	ln   layerNorm
	att  attention
	ff   feedForward
}

// stack is one transformer: embeddings, entries, final norm, optional head.
type stack struct {
	tokEmb, posEmb *Tensor // (V, D), (maxLen, D)
	entries        []entry
	norm           layerNorm
	head, headBias *Tensor // nil for the encoder; headBias nil for the GPT
	dim            int
	causal         bool
	nUnmasked      int
}

func (s *stack) maxLen() int { return s.posEmb.Dim(0) }

// kvCache holds, per attention entry, the keys and values seen so far
// (self-attention: (B, maxLen, inner)) or the fixed encoder-side keys and
// values (cross-attention: (B, Lenc, inner)).
type kvCache struct {
	k, v  []*Tensor // indexed like entries; nil for feed-forward entries
	batch int
	pos   int // positions filled so far
}

// newCache allocates the self-attention caches and computes the
// cross-attention keys and values of ctx (B, Lenc, D) once.
func (s *stack) newCache(b Backend, batch int, ctx *Tensor) *kvCache {
	c := &kvCache{k: make([]*Tensor, len(s.entries)), v: make([]*Tensor, len(s.entries)), batch: batch}
	for i, e := range s.entries {
		switch e.kind {
		case selfAttn:
			c.k[i] = b.New(batch, s.maxLen(), e.att.inner())
			c.v[i] = b.New(batch, s.maxLen(), e.att.inner())
		case crossAttn:
			l := ctx.Dim(1)
			c.k[i] = b.New(batch, l, e.att.inner())
			c.v[i] = b.New(batch, l, e.att.inner())
			b.Linear(c.k[i], ctx, e.att.wk, e.att.bk)
			b.Linear(c.v[i], ctx, e.att.wv, e.att.bv)
		}
	}
	return c
}

func (c *kvCache) free(b Backend) {
	for i := range c.k {
		if c.k[i] != nil {
			b.Free(c.k[i])
			b.Free(c.v[i])
		}
	}
}

// forward runs n new tokens per batch row (ids (B, n)) at positions
// cache.pos.. (or 0.. without a cache, bidirectionally) and returns the
// normalised hidden states (B, n, D). With a cache, their keys and values
// are appended to it.
func (s *stack) forward(b Backend, ids []int32, batch, n int, cache *kvCache) *Tensor {
	pos := 0
	if cache != nil {
		pos = cache.pos
	}
	x := b.New(batch, n, s.dim)
	b.Gather(x.Reshape(batch*n, s.dim), s.tokEmb, ids)
	b.Add(x, x, s.posEmb.Rows(pos, pos+n)) // learned absolute positions
	h := b.New(batch, n, s.dim)
	var scratch [4]*Tensor // q, k, v, attention output; or the FF hidden layer
	for i, e := range s.entries {
		e.ln.apply(b, h, x)
		switch e.kind {
		case selfAttn, crossAttn:
			w := e.att.inner()
			q, o := b.New(batch, n, w), b.New(batch, n, w)
			b.Linear(q, h, e.att.wq, e.att.bq)
			p := AttnParams{Heads: e.att.heads, Scale: e.att.scale}
			var k, v *Tensor
			switch {
			case e.kind == crossAttn:
				k, v = cache.k[i], cache.v[i]
			case cache != nil:
				k, v = b.New(batch, n, w), b.New(batch, n, w)
				b.Linear(k, h, e.att.wk, e.att.bk)
				b.Linear(v, h, e.att.wv, e.att.bv)
				b.CopyRows(cache.k[i], pos, k)
				b.CopyRows(cache.v[i], pos, v)
				scratch[1], scratch[2] = k, v
				k, v = cache.k[i], cache.v[i]
				p.KVLen, p.Causal, p.QOffset, p.NUnmasked = pos+n, s.causal, pos, s.nUnmasked
			default:
				k, v = b.New(batch, n, w), b.New(batch, n, w)
				b.Linear(k, h, e.att.wk, e.att.bk)
				b.Linear(v, h, e.att.wv, e.att.bv)
				scratch[1], scratch[2] = k, v
				p.Causal, p.NUnmasked = s.causal, s.nUnmasked
			}
			b.Attention(o, q, k, v, p)
			b.Linear(h, o, e.att.wo, e.att.bo)
			scratch[0], scratch[3] = q, o
		case ffEntry:
			u := b.New(batch, n, e.ff.w1.Dim(0))
			b.Linear(u, h, e.ff.w1, e.ff.b1)
			b.GELU(u, u)
			b.Linear(h, u, e.ff.w2, e.ff.b2)
			scratch[0] = u
		}
		b.Add(x, x, h)
		for j, t := range scratch {
			if t != nil {
				b.Free(t)
				scratch[j] = nil
			}
		}
	}
	s.norm.apply(b, x, x)
	b.Free(h)
	if cache != nil {
		cache.pos += n
	}
	return x
}

// logits applies the head to hidden states x (R, D) and downloads (R, V).
func (s *stack) logits(b Backend, x *Tensor) ([]float32, error) {
	rows := x.Len() / s.dim
	out := b.New(rows, s.head.Dim(0))
	b.Linear(out, x, s.head, s.headBias)
	host := make([]float32, out.Len())
	err := b.Download(host, out)
	b.Free(out)
	return host, err
}

// lastRows returns a (B, D) tensor of the last of n rows per batch entry
// of x (B, n, D) (a view when possible) and whether it is a copy to free.
func lastRows(b Backend, x *Tensor, batch, n, d int) (*Tensor, bool) {
	flat := x.Reshape(batch*n, d)
	if n == 1 {
		return flat, false
	}
	if batch == 1 {
		return flat.Rows(n-1, n), false
	}
	out := b.New(batch, d)
	for i := 0; i < batch; i++ {
		b.CopyRows(out.Reshape(1, batch, d), i, flat.Rows(i*n+n-1, i*n+n).Reshape(1, 1, d))
	}
	return out, true
}
