package model

import (
	"fmt"
	"math"
)

// XTransformer is an encoder-decoder transition model (scales 1..T-1,
// spec 2.2-2.7): a bidirectional encoder reads [t, cond..., x_t]; a causal
// decoder writes x_{t-1} token by token, cross-attending to it.
type XTransformer struct {
	b          Backend
	cfg        ScaleConfig
	enc, dec   *stack
	n          int       // tokens per image
	logScalors []float32 // residual-scaled variant only
	alpha      float32   // alpha_t, residual-scaled variant only
	sos        int32
	inputLen   int // 1 + P + N
	owned      []*Tensor
}

var _ Transition = (*XTransformer)(nil)

// NewXTransformer uploads scale t's weights (names under "scale{t}.transformer.").
func NewXTransformer(b Backend, src TensorSource, meta *Meta, cfg ScaleConfig) (*XTransformer, error) {
	l := newLoader(b, src, fmt.Sprintf("scale%d.transformer.", cfg.Scale))
	x := &XTransformer{b: b, cfg: cfg, n: meta.NumTokens(), sos: int32(meta.Tokens.Sos),
		inputLen: 1 + meta.NumCondTokens() + meta.NumTokens()}
	x.enc = loadXStack(l.sub("encoder."), cfg, cfg.EncDepth, cfg.EncNumTokens, cfg.EncMaxSeqLen, false)
	x.dec = loadXStack(l.sub("decoder."), cfg, cfg.DecDepth, cfg.DecNumTokens, cfg.DecMaxSeqLen, true)
	if rs := cfg.ResidualScaled; rs != nil {
		t := l.tensor("log_scalors", rs.NScales)
		if t != nil {
			x.logScalors = make([]float32, rs.NScales)
			l.err = b.Download(x.logScalors, t)
		}
		x.alpha = meta.Alphas()[cfg.Scale]
	}
	if l.err != nil {
		freeAll(b, l.owned)
		return nil, l.err
	}
	x.owned = l.owned
	return x, nil
}

// loadXStack reads an x-transformers TransformerWrapper: the encoder has
// ('a', 'f') entries per layer, the decoder ('a', 'c', 'f').
func loadXStack(l loader, cfg ScaleConfig, depth, vocab, maxLen int, decoder bool) *stack {
	d, inner := cfg.Dim, cfg.Heads*cfg.DimHead
	s := &stack{
		tokEmb: l.tensor("token_emb.weight", vocab, d),
		posEmb: l.tensor("pos_emb.emb.weight", maxLen, d),
		dim:    d, causal: decoder,
	}
	kinds := []byte{selfAttn, ffEntry}
	if decoder {
		kinds = []byte{selfAttn, crossAttn, ffEntry}
	}
	for i := 0; i < depth*len(kinds); i++ {
		kind := kinds[i%len(kinds)]
		p := fmt.Sprintf("attn_layers.layers.%d.", i)
		e := entry{kind: kind, ln: loadLayerNorm(l, p+"0", d)}
		if kind == ffEntry {
			e.ff = feedForward{
				w1: l.tensor(p+"1.net.0.0.weight", 4*d, d), b1: l.tensor(p+"1.net.0.0.bias", 4*d),
				w2: l.tensor(p+"1.net.2.weight", d, 4*d), b2: l.tensor(p+"1.net.2.bias", d),
			}
		} else {
			e.att = attention{
				wq: l.tensor(p+"1.to_q.weight", inner, d), wk: l.tensor(p+"1.to_k.weight", inner, d),
				wv: l.tensor(p+"1.to_v.weight", inner, d),
				wo: l.tensor(p+"1.to_out.weight", d, inner), bo: l.tensor(p+"1.to_out.bias", d),
				heads: cfg.Heads, scale: float32(1 / math.Sqrt(float64(cfg.DimHead))),
			}
		}
		s.entries = append(s.entries, e)
	}
	s.norm = loadLayerNorm(l, "norm", d)
	if decoder { // the encoder's to_logits is never used (spec 2.3)
		s.head = l.tensor("to_logits.weight", vocab, d)
		s.headBias = l.tensor("to_logits.bias", vocab)
	}
	return s
}

// Scale implements Transition.
func (x *XTransformer) Scale() int { return x.cfg.Scale }

// InputLen implements Transition.
func (x *XTransformer) InputLen() int { return x.inputLen }

// Encode runs the encoder on input (B, InputLen()) and returns (B, L, D).
func (x *XTransformer) Encode(input []int32, batch int) (*Tensor, error) {
	if err := checkInput(input, batch, x.InputLen(), x.cfg.EncNumTokens); err != nil {
		return nil, err
	}
	return x.enc.forward(x.b, input, batch, x.InputLen(), nil), nil
}

// Start implements Transition: it runs the encoder, prepares the
// cross-attention keys and values, and feeds the start token.
func (x *XTransformer) Start(input []int32, batch int) (*DecodeState, []float32, error) {
	ctx, err := x.Encode(input, batch)
	if err != nil {
		return nil, nil, err
	}
	st := &DecodeState{cache: x.dec.newCache(x.b, batch, ctx), n: x.n, b: x.b}
	x.b.Free(ctx)
	l := x.InputLen()
	st.xt = make([]int32, 0, batch*x.n)
	for i := 0; i < batch; i++ {
		st.xt = append(st.xt, input[i*l+l-x.n:(i+1)*l]...)
	}
	sos := make([]int32, batch)
	for i := range sos {
		sos[i] = x.sos
	}
	h := x.dec.forward(x.b, sos, batch, 1, st.cache)
	logits, err := x.dec.logits(x.b, h)
	x.b.Free(h)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	x.adjust(st, logits, 1, 0)
	return st, logits, nil
}

// Feed implements Transition.
func (x *XTransformer) Feed(st *DecodeState, tokens []int32, n int, all bool) ([]float32, error) {
	j := st.next
	logits, err := feedStack(x.b, x.dec, st, tokens, n, all, x.cfg.DecNumTokens)
	if err != nil {
		return nil, err
	}
	if all {
		x.adjust(st, logits, n, j+1)
	} else {
		x.adjust(st, logits, 1, j+n)
	}
	return logits, nil
}

// adjust applies the residual-scaled term to rows predicting x[j0..].
func (x *XTransformer) adjust(st *DecodeState, logits []float32, rows, j0 int) {
	if x.logScalors == nil {
		return
	}
	batch := st.cache.batch
	residualTerm(logits, st.xt, batch, rows, j0, x.n, x.cfg.DecNumTokens, x.logScalors[x.cfg.Scale-1], x.alpha)
}

// Close implements Transition.
func (x *XTransformer) Close() { freeAll(x.b, x.owned); x.owned = nil }
