package model

import (
	"fmt"
	"math"
)

// Transition is one scale's reverse model p(x_{t-1} | x_t, c), decoded
// autoregressively with a key/value cache. The sampler only talks to this.
type Transition interface {
	// Scale is t, the diffusion step this model inverts.
	Scale() int
	// InputLen is the length of the input Start takes: 1+P+N (scale token,
	// condition tokens, x_t) for an encoder-decoder scale, 1+P (scale token,
	// condition tokens) for the GPT.
	InputLen() int
	// Start begins decoding a batch: input is (B, InputLen()). It returns the
	// state and the logits (B, K) that predict x_{t-1}[0].
	Start(input []int32, batch int) (*DecodeState, []float32, error)
	// Feed appends the known tokens x_{t-1}[j..j+n) per batch row (tokens
	// (B, n)), j = st.Next(), in one batched pass. It returns the logits
	// predicting x_{t-1}[j+1..j+n] ((B, n, K)) when all is set, else only
	// those predicting x_{t-1}[j+n] ((B, K)). At most N-1 tokens are fed in
	// all: the last one predicts nothing.
	Feed(st *DecodeState, tokens []int32, n int, all bool) ([]float32, error)
	// Close frees the weights.
	Close()
}

// DecodeState is one batch's progress through a reverse step.
type DecodeState struct {
	cache *kvCache
	next  int     // index j of the token the latest logits predict
	n     int     // tokens per image, N
	xt    []int32 // (B, N) x_t, for the residual-scaled logit term
	b     Backend
}

// Next is the index of the token the latest logits predict.
func (s *DecodeState) Next() int { return s.next }

// Close frees the cache.
func (s *DecodeState) Close() {
	if s.cache != nil {
		s.cache.free(s.b)
		s.cache = nil
	}
}

// feedStack is Feed shared by both architectures.
func feedStack(b Backend, s *stack, st *DecodeState, tokens []int32, n int, all bool, k int) ([]float32, error) {
	if st.cache == nil {
		return nil, fmt.Errorf("model: feed on a closed decode state")
	}
	batch := st.cache.batch
	if n < 1 || len(tokens) != batch*n || st.next+n > st.n-1 {
		return nil, fmt.Errorf("model: feed %d tokens (n=%d) at %d of %d", len(tokens), n, st.next, st.n)
	}
	for _, t := range tokens {
		if t < 0 || int(t) >= k {
			return nil, fmt.Errorf("model: token %d outside [0, %d)", t, k)
		}
	}
	x := s.forward(b, tokens, batch, n, st.cache)
	defer b.Free(x)
	st.next += n
	if all {
		return s.logits(b, x)
	}
	last, copied := lastRows(b, x, batch, n, s.dim)
	if copied {
		defer b.Free(last)
	}
	return s.logits(b, last)
}

// checkInput validates a Start input against a model's vocabulary.
func checkInput(input []int32, batch, length, vocab int) error {
	if batch < 1 || len(input) != batch*length {
		return fmt.Errorf("model: start with %d tokens for batch %d of length %d", len(input), batch, length)
	}
	for i, t := range input {
		if t < 0 || int(t) >= vocab {
			return fmt.Errorf("model: input token %d at %d outside [0, %d)", t, i, vocab)
		}
	}
	return nil
}

// residualTerm adds the ResidualScaledXTransformer correction (spec 2.7)
// to logits (B, rows, K) predicting x_{t-1}[j0..j0+rows):
// logits*exp(s) + log(alpha onehot(x_t[j]) + (1-alpha)/K).
func residualTerm(logits []float32, xt []int32, batch, rows, j0, n, k int, logScale, alpha float32) {
	scale := float32(math.Exp(float64(logScale)))
	off := float32(math.Log(float64((1 - alpha) / float32(k))))
	on := float32(math.Log(float64(alpha + (1-alpha)/float32(k))))
	for bi := 0; bi < batch; bi++ {
		for r := 0; r < rows; r++ {
			row := logits[(bi*rows+r)*k : (bi*rows+r+1)*k]
			hot := xt[bi*n+j0+r]
			for c := range row {
				if c == int(hot) {
					row[c] = row[c]*scale + on
				} else {
					row[c] = row[c]*scale + off
				}
			}
		}
	}
}
