// Package apptest provides a fake app.Engine, so the worker, the document
// and the UI can be tested without running a model: it takes the metadata
// of a real bundle (sizes, scales, prompts, defaults) and streams the
// events of a real edit, with tokens and pixels that are simple functions
// of the step.
package apptest

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"bartedit/app"
	"bartedit/model"
)

// Engine is a fake app.Engine. Reverse step k (over a run, from 0) sets
// every masked token to code (k+1)*7 mod K; Decode paints each token's
// cell in a colour that is a function of its code.
type Engine struct {
	M *model.Meta
	// Gate, when set, makes every reverse step wait for a value from it
	// (or for cancellation), so a test can hold a run mid-way.
	Gate chan struct{}
	// StepDelay is slept in every reverse step, token by token.
	StepDelay time.Duration
	// OnEdit, when set, is called at the start of every Edit, on the
	// goroutine (and OS thread) that runs it.
	OnEdit func()

	mu    sync.Mutex
	edits int
}

var _ app.Engine = (*Engine)(nil)

// New returns a fake engine for the model described by meta.
func New(meta *model.Meta) *Engine { return &Engine{M: meta} }

// Load returns a fake engine with the metadata of the bundle at path.
func Load(path string) (*Engine, error) {
	meta, _, err := model.ReadBundleInfo(path)
	if err != nil {
		return nil, err
	}
	return New(meta), nil
}

// Card describes the fake's model.
func (e *Engine) Card() app.Card { return app.NewCard(e.M, "fake", e.Backend()) }

// Edits returns how many edits ran.
func (e *Engine) Edits() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.edits
}

// Meta returns the model's metadata.
func (e *Engine) Meta() *model.Meta { return e.M }

// Backend names the fake.
func (e *Engine) Backend() string { return "fake" }

// Encode returns code 1 for every token.
func (e *Engine) Encode(pix []float32, rng *rand.Rand) ([]int32, error) {
	x := make([]int32, e.M.NumTokens())
	for i := range x {
		x[i] = 1
	}
	return x, nil
}

// Edit streams token and step events as model.Model.Edit does.
func (e *Engine) Edit(ctx context.Context, req model.EditRequest, on func(model.Event)) (model.EditResult, error) {
	e.mu.Lock()
	e.edits++
	e.mu.Unlock()
	if e.OnEdit != nil {
		e.OnEdit()
	}
	n, k, T := e.M.NumTokens(), e.M.CodebookSize, e.M.T()
	batch := max(req.Batch, 1)
	x := make([]int32, batch*n)
	for b := 0; b < batch; b++ {
		copy(x[b*n:], req.X0)
	}
	steps := 0
	for _, c := range req.Chain {
		steps += c
	}
	res := model.EditResult{Tokens: append([]int32(nil), x...)}
	step := 0
	for t := T; t >= 1; t-- {
		c := req.Chain[t-1]
		for i := 0; i < c; i++ {
			ev := model.Event{Scale: t, Iteration: i, Iterations: c, Step: step, Steps: steps}
			start := time.Now()
			if e.Gate != nil {
				select {
				case <-e.Gate:
				case <-ctx.Done():
					return res, ctx.Err()
				}
			}
			for j := 0; j < n; j++ {
				if req.Mask != nil && !req.Mask[j] {
					continue
				}
				if err := ctx.Err(); err != nil {
					return res, err
				}
				if e.StepDelay > 0 {
					time.Sleep(e.StepDelay / time.Duration(n))
				}
				for b := 0; b < batch; b++ {
					x[b*n+j] = int32(((step+1)*7 + 3*b) % k)
				}
				ev.Kind, ev.Position = model.EventToken, j
				on(ev)
			}
			step++
			res.Tokens, res.Steps = append([]int32(nil), x...), step
			ev.Kind, ev.Position, ev.Tokens, ev.StepTime = model.EventStep, n, append([]int32(nil), x...), time.Since(start)
			if req.Preview {
				ev.Image, _ = e.Decode(x, batch)
			}
			on(ev)
		}
	}
	return res, nil
}

// Decode paints each token's cell in the colour Colour gives its code.
func (e *Engine) Decode(codes []int32, batch int) ([]float32, error) {
	s, g := e.M.ImageSize, e.M.GridSize()
	f := s / g
	out := make([]float32, batch*3*s*s)
	for b := 0; b < batch; b++ {
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				c := Colour(codes[b*g*g+(y/f)*g+x/f])
				for ch := 0; ch < 3; ch++ {
					out[((b*3+ch)*s+y)*s+x] = float32(c[ch])/127.5 - 1
				}
			}
		}
	}
	return out, nil
}

// Colour is the colour the fake decodes code c to.
func Colour(c int32) [3]uint8 {
	return [3]uint8{uint8(c * 37 % 256), uint8(c * 91 % 256), uint8(c * 13 % 256)}
}
