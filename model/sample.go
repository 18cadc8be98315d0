package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// SampleParams control how one token is drawn from a row of logits.
type SampleParams struct {
	// TopK keeps every logit at least as large as the k-th largest (ties
	// kept, spec 5.1); 0 keeps all. TopK 1 is greedy decoding.
	TopK int
	// Temperature divides the logits; 0 means greedy. Unlike the official
	// script, which hard-wires 1.0 for encoder-decoder scales (spec 5.1), we
	// honour it at every scale.
	Temperature float32
}

// sampler draws tokens; it keeps its scratch space between calls.
type sampler struct {
	p       SampleParams
	rng     *rand.Rand
	scratch []float32
}

// draw returns a token index for one row of logits.
func (s *sampler) draw(row []float32) int {
	if s.p.TopK == 1 || s.p.Temperature == 0 {
		return argmax(row)
	}
	thresh := float32(math.Inf(-1))
	if s.p.TopK > 0 && s.p.TopK < len(row) {
		s.scratch = append(s.scratch[:0], row...)
		slices.Sort(s.scratch)
		thresh = s.scratch[len(row)-s.p.TopK]
	}
	m := row[argmax(row)]
	s.scratch = s.scratch[:0]
	var sum float64
	for _, v := range row {
		w := 0.0
		if v >= thresh {
			w = math.Exp(float64((v - m) / s.p.Temperature))
		}
		s.scratch = append(s.scratch, float32(w))
		sum += w
	}
	u := s.rng.Float64() * sum
	for i, w := range s.scratch {
		u -= float64(w)
		if u < 0 && w > 0 {
			return i
		}
	}
	return argmax(row) // rounding left u >= 0: the mode is a safe answer
}

// argmax returns the index of the first largest value.
func argmax(row []float32) int {
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	return best
}

// ReverseStep samples x_{t-1} (B, N) from one transition given its input
// (B, InputLen()), token by token with the key/value cache.
func ReverseStep(m Transition, input []int32, batch int, p SampleParams, rng *rand.Rand) ([]int32, error) {
	if rng == nil && p.TopK != 1 && p.Temperature != 0 {
		return nil, fmt.Errorf("model: sampling needs a random source")
	}
	st, logits, err := m.Start(input, batch)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return DecodeTokens(m, st, logits, p, rng)
}

// DecodeTokens finishes a reverse step begun with Start: it samples every
// token of x_{t-1} from logits, feeding each back. Split from ReverseStep
// so that benchmarks can time the decoder alone.
func DecodeTokens(m Transition, st *DecodeState, logits []float32, p SampleParams, rng *rand.Rand) ([]int32, error) {
	batch, n := st.cache.batch, st.n
	k := len(logits) / batch
	s := &sampler{p: p, rng: rng}
	out := make([]int32, batch*n)
	col := make([]int32, batch)
	for j := 0; ; j++ {
		for bi := range col {
			col[bi] = int32(s.draw(logits[bi*k : (bi+1)*k]))
			out[bi*n+j] = col[bi]
		}
		if j == n-1 {
			return out, nil
		}
		var err error
		if logits, err = m.Feed(st, col, 1, false); err != nil {
			return nil, err
		}
	}
}
