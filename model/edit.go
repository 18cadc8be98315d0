package model

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// The masked forward-backward process (paper appendix A.3; the exact
// procedure is docs/editing.md): masked tokens start as noise and are
// resampled scale by scale; kept tokens are the encoded original in every
// reverse step. Sampling from noise is the same process with every token
// masked.

// EditRequest is one run of the process.
type EditRequest struct {
	// X0 holds the codes of the original (N values, one image; every
	// variation starts from it). Nil means sampling from noise.
	X0 []int32
	// Mask marks the tokens to regenerate (N values); nil means all.
	Mask []bool
	// Cond are the condition tokens (Meta.CondTokens).
	Cond []int32
	// Chain, TopK and Temperature hold one value per scale, index t-1.
	Chain       []int
	TopK        []int
	Temperature []float32
	// Seed makes the run reproducible: the same seed, request and backend
	// give the same tokens.
	Seed uint64
	// Batch is the number of variations sampled together (at least 1).
	Batch int
	// Preview decodes the tokens after every reverse step into Event.Image.
	Preview bool
}

// EventKind tells what an Event reports.
type EventKind int

const (
	// EventToken: the decoder decided token Position of the current step.
	EventToken EventKind = iota
	// EventStep: a reverse step finished; Tokens (and Image) hold its result.
	EventStep
)

// Event is one progress report of Edit. Slices are fresh copies the
// receiver may keep.
type Event struct {
	Kind       EventKind
	Scale      int // t: this step samples x_{t-1}
	Iteration  int // chain iteration at this scale, 0-based
	Iterations int // chain length at this scale
	Step       int // reverse steps finished before this one, over the run
	Steps      int // reverse steps in the run
	Position   int // EventToken: token index; EventStep: N
	Tokens     []int32
	Image      []float32 // (Batch, 3, S, S) in [-1, 1], when Preview is set
	StepTime   time.Duration
	DecodeTime time.Duration
}

// EditResult is the outcome of Edit: the last complete state.
type EditResult struct {
	Tokens []int32 // (Batch, N)
	Steps  int     // reverse steps completed
}

// validate checks a request against the model and fills defaults.
func (m *Model) validate(req *EditRequest) error {
	n, k, T := m.Meta.NumTokens(), m.Meta.CodebookSize, m.Meta.T()
	if req.Batch == 0 {
		req.Batch = 1
	}
	switch {
	case req.Batch < 1 || req.Batch > 64:
		return fmt.Errorf("batch %d outside 1..64", req.Batch)
	case req.X0 != nil && len(req.X0) != n:
		return fmt.Errorf("original has %d tokens, the model takes %d", len(req.X0), n)
	case req.Mask != nil && len(req.Mask) != n:
		return fmt.Errorf("token mask has %d entries, the model takes %d", len(req.Mask), n)
	case req.X0 == nil && req.Mask != nil:
		return errors.New("a token mask needs the original's tokens")
	case len(req.Cond) != m.Meta.NumCondTokens():
		return fmt.Errorf("%d condition tokens, the model takes %d", len(req.Cond), m.Meta.NumCondTokens())
	case len(req.Chain) != T || len(req.TopK) != T || len(req.Temperature) != T:
		return fmt.Errorf("chain, top-k and temperature need %d values each (one per scale)", T)
	}
	for i, c := range req.X0 {
		if c < 0 || int(c) >= k {
			return fmt.Errorf("token %d of the original is %d, outside [0, %d)", i, c, k)
		}
	}
	for t := 1; t <= T; t++ {
		switch {
		case req.Chain[t-1] < 1 || req.Chain[t-1] > 100:
			return fmt.Errorf("scale %d: chain length %d outside 1..100", t, req.Chain[t-1])
		case req.TopK[t-1] < 1 || req.TopK[t-1] > k:
			return fmt.Errorf("scale %d: top-k %d outside 1..%d", t, req.TopK[t-1], k)
		case !(req.Temperature[t-1] >= 0 && req.Temperature[t-1] <= 100):
			return fmt.Errorf("scale %d: temperature %v outside 0..100", t, req.Temperature[t-1])
		}
	}
	return nil
}

// Edit runs the masked forward-backward process. It reports progress to on
// (which may be nil) from the calling goroutine, and stops within one
// decoder step when ctx is cancelled, returning the last complete state
// with ctx's error.
func (m *Model) Edit(ctx context.Context, req EditRequest, on func(Event)) (EditResult, error) {
	if err := m.validate(&req); err != nil {
		return EditResult{}, fmt.Errorf("edit: %w", err)
	}
	if on == nil {
		on = func(Event) {}
	}
	n, k, T, batch := m.Meta.NumTokens(), m.Meta.CodebookSize, m.Meta.T(), req.Batch
	rng := rand.New(rand.NewPCG(req.Seed, 0x696d616765626172))
	masked := req.Mask
	if masked == nil {
		masked = make([]bool, n)
		for j := range masked {
			masked[j] = true
		}
	}
	x := make([]int32, batch*n) // x_T: noise on the masked tokens, x0 elsewhere
	for b := 0; b < batch; b++ {
		for j := 0; j < n; j++ {
			if masked[j] {
				x[b*n+j] = int32(rng.IntN(k))
			} else {
				x[b*n+j] = req.X0[j]
			}
		}
	}
	res := EditResult{Tokens: clone32(x)}
	if !anyTrue(masked) {
		return res, nil // nothing to regenerate: the original, unchanged
	}
	steps := 0
	for _, c := range req.Chain {
		steps += c
	}
	betas := m.Meta.Schedule.Betas
	for t := T; t >= 1; t-- {
		c := req.Chain[t-1]
		s := &sampler{p: SampleParams{TopK: req.TopK[t-1], Temperature: req.Temperature[t-1]}, rng: rng}
		for i := 0; i < c; i++ {
			if i > 0 { // re-noise the masked tokens only (docs/editing.md)
				p := (1 - float64(i)/float64(c)) * float64(betas[t])
				for b := 0; b < batch; b++ {
					for j := 0; j < n; j++ {
						if masked[j] && rng.Float64() < p {
							x[b*n+j] = int32(rng.IntN(k))
						}
					}
				}
			}
			ev := Event{Scale: t, Iteration: i, Iterations: c, Step: res.Steps, Steps: steps}
			start := time.Now()
			tr := m.Scales[t-1]
			next, err := reverseStepKnown(ctx, tr, m.Meta.StepInput(t, req.Cond, x, batch), batch, req.X0, masked, s,
				func(j int) { ev.Kind, ev.Position = EventToken, j; on(ev) })
			if err != nil {
				return res, err
			}
			x = next
			res.Tokens, res.Steps = clone32(x), res.Steps+1
			ev.Kind, ev.Position, ev.Tokens, ev.StepTime = EventStep, n, clone32(x), time.Since(start)
			if req.Preview {
				dstart := time.Now()
				if ev.Image, err = m.VQ.Decode(x, batch); err != nil {
					return res, err
				}
				ev.DecodeTime = time.Since(dstart)
			}
			on(ev)
		}
	}
	return res, nil
}

// reverseStepKnown samples x_{t-1} with the kept tokens forced to x0: a
// run of kept tokens goes through the decoder in one batched Feed, so the
// cost grows with the masked tokens, not N. progress is told each masked
// position as it is decided. ctx is checked before every decoder call.
func reverseStepKnown(ctx context.Context, tr Transition, input []int32, batch int, x0 []int32, masked []bool,
	s *sampler, progress func(j int)) ([]int32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, logits, err := tr.Start(input, batch)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	n := len(masked)
	k := len(logits) / batch
	out := make([]int32, batch*n)
	feed := make([]int32, 0, batch*n)
	for j := 0; j < n; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r := 1 // tokens decided at this turn: one masked token or a run of kept ones
		if masked[j] {
			for b := 0; b < batch; b++ {
				out[b*n+j] = int32(s.draw(logits[b*k : (b+1)*k]))
			}
			progress(j)
		} else {
			for j+r < n && !masked[j+r] {
				r++
			}
			for b := 0; b < batch; b++ {
				copy(out[b*n+j:b*n+j+r], x0[j:j+r])
			}
		}
		if j+r == n {
			break // the last token predicts nothing
		}
		feed = feed[:0]
		for b := 0; b < batch; b++ {
			feed = append(feed, out[b*n+j:b*n+j+r]...)
		}
		if logits, err = tr.Feed(st, feed, r, false); err != nil {
			return nil, err
		}
		j += r
	}
	return out, nil
}

func clone32(s []int32) []int32 { return append([]int32(nil), s...) }

func anyTrue(bs []bool) bool {
	for _, b := range bs {
		if b {
			return true
		}
	}
	return false
}
