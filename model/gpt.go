package model

import (
	"fmt"
	"math"
)

// GPT is the decoder-only transition model of the top scale T (spec 2.8,
// 3.2): an autoregressive prior over x_{T-1} given [T, cond...]; x_T is
// pure noise and never read.
type GPT struct {
	b     Backend
	cfg   ScaleConfig
	s     *stack
	n     int
	plen  int // prefix length 1 + P
	owned []*Tensor
}

var _ Transition = (*GPT)(nil)

// NewGPT uploads scale T's weights (names under "scale{T}.transformer.").
func NewGPT(b Backend, src TensorSource, meta *Meta, cfg ScaleConfig) (*GPT, error) {
	l := newLoader(b, src, fmt.Sprintf("scale%d.transformer.", cfg.Scale))
	d := cfg.NEmbd
	s := &stack{dim: d, causal: true, nUnmasked: cfg.NUnmasked}
	s.tokEmb = l.tensor("tok_emb.weight", cfg.InputVocabSize, d)
	if pe := l.tensor("pos_emb", 1, cfg.BlockSize, d); pe != nil {
		s.posEmb = pe.Reshape(cfg.BlockSize, d)
	}
	lin := func(name string, out, in int) (*Tensor, *Tensor) {
		return l.tensor(name+".weight", out, in), l.tensor(name+".bias", out)
	}
	for i := 0; i < cfg.NLayer; i++ {
		p := fmt.Sprintf("blocks.%d.", i)
		a := attention{heads: cfg.NHead, scale: float32(1 / math.Sqrt(float64(d/cfg.NHead)))}
		a.wq, a.bq = lin(p+"attn.query", d, d)
		a.wk, a.bk = lin(p+"attn.key", d, d)
		a.wv, a.bv = lin(p+"attn.value", d, d)
		a.wo, a.bo = lin(p+"attn.proj", d, d)
		var f feedForward
		f.w1, f.b1 = lin(p+"mlp.0", 4*d, d)
		f.w2, f.b2 = lin(p+"mlp.2", d, 4*d)
		s.entries = append(s.entries,
			entry{kind: selfAttn, ln: loadLayerNorm(l, p+"ln1", d), att: a},
			entry{kind: ffEntry, ln: loadLayerNorm(l, p+"ln2", d), ff: f})
	}
	s.norm = loadLayerNorm(l, "ln_f", d)
	s.head = l.tensor("head.weight", cfg.VocabSize, d) // no bias (spec 2.8)
	if l.err != nil {
		freeAll(b, l.owned)
		return nil, l.err
	}
	return &GPT{b: b, cfg: cfg, s: s, n: meta.NumTokens(), plen: 1 + meta.NumCondTokens(), owned: l.owned}, nil
}

// Scale implements Transition.
func (g *GPT) Scale() int { return g.cfg.Scale }

// InputLen implements Transition: the prefix [T, cond...].
func (g *GPT) InputLen() int { return g.plen }

// Start implements Transition: the whole prefix goes through in one pass
// (bidirectional within the first n_unmasked positions).
func (g *GPT) Start(prefix []int32, batch int) (*DecodeState, []float32, error) {
	if err := checkInput(prefix, batch, g.InputLen(), g.cfg.InputVocabSize); err != nil {
		return nil, nil, err
	}
	st := &DecodeState{cache: g.s.newCache(g.b, batch, nil), n: g.n, b: g.b}
	h := g.s.forward(g.b, prefix, batch, g.InputLen(), st.cache)
	last, copied := lastRows(g.b, h, batch, g.InputLen(), g.s.dim)
	logits, err := g.s.logits(g.b, last)
	if copied {
		g.b.Free(last)
	}
	g.b.Free(h)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, logits, nil
}

// Feed implements Transition.
func (g *GPT) Feed(st *DecodeState, tokens []int32, n int, all bool) ([]float32, error) {
	return feedStack(g.b, g.s, st, tokens, n, all, g.cfg.VocabSize)
}

// Close implements Transition.
func (g *GPT) Close() { freeAll(g.b, g.owned); g.owned = nil }
