package model

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// editFixture loads the class-and-text fixture on the CPU backend.
func editFixture(t *testing.T) *Model {
	t.Helper()
	return loadFixture(t, NewCPU(), "fixture-text").model
}

func defaultRequest(m *Model, x0 []int32, mask []bool, seed uint64) EditRequest {
	cond, err := m.Meta.CondTokens(Condition{Class: NoClass})
	if err != nil {
		panic(err)
	}
	s := m.Meta.Sampling
	return EditRequest{X0: x0, Mask: mask, Cond: cond, Chain: s.Chain, TopK: s.TopK,
		Temperature: s.Temperature, Seed: seed, Batch: 1}
}

func randomOriginal(m *Model, rng *rand.Rand, frac float64) ([]int32, []bool) {
	n := m.Meta.NumTokens()
	x0, mask := make([]int32, n), make([]bool, n)
	for j := range x0 {
		x0[j] = int32(rng.IntN(m.Meta.CodebookSize))
		mask[j] = rng.Float64() < frac
	}
	return x0, mask
}

func TestEditKeepsUnmaskedTokens(t *testing.T) {
	m := editFixture(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 6; trial++ {
		x0, mask := randomOriginal(m, rng, rng.Float64())
		req := defaultRequest(m, x0, mask, uint64(trial))
		req.Batch = 1 + trial%3
		steps := 0
		res, err := m.Edit(context.Background(), req, func(e Event) {
			if e.Kind != EventStep {
				return
			}
			steps++
			for b := 0; b < req.Batch; b++ {
				for j, keep := range mask {
					if !keep && e.Tokens[b*len(mask)+j] != x0[j] {
						t.Fatalf("trial %d step %d: kept token %d of variation %d changed", trial, e.Step, j, b)
					}
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if anyTrue(mask) && steps != res.Steps {
			t.Errorf("%d step events for %d steps", steps, res.Steps)
		}
		for j, mk := range mask {
			if !mk && res.Tokens[j] != x0[j] {
				t.Fatalf("final kept token %d changed", j)
			}
		}
	}
}

func TestEditEmptyMaskReturnsOriginal(t *testing.T) {
	m := editFixture(t)
	x0, _ := randomOriginal(m, rand.New(rand.NewPCG(1, 1)), 0)
	res, err := m.Edit(context.Background(), defaultRequest(m, x0, make([]bool, len(x0)), 1), nil)
	if err != nil || !slices.Equal(res.Tokens, x0) || res.Steps != 0 {
		t.Fatalf("empty mask: steps %d err %v, tokens changed: %v", res.Steps, err, !slices.Equal(res.Tokens, x0))
	}
}

func TestEditSameSeedSameTokens(t *testing.T) {
	m := editFixture(t)
	x0, mask := randomOriginal(m, rand.New(rand.NewPCG(5, 6)), 0.5)
	run := func(seed uint64) []int32 {
		req := defaultRequest(m, x0, mask, seed)
		req.Batch = 2
		res, err := m.Edit(context.Background(), req, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Tokens
	}
	a, b, c := run(7), run(7), run(8)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different tokens")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds gave identical tokens")
	}
}

// TestEditCancelsWithinOneToken cancels while the second reverse step is
// decoding and checks that no further token is decided and that the last
// complete state (after the first step) comes back.
func TestEditCancelsWithinOneToken(t *testing.T) {
	m := editFixture(t)
	x0, mask := randomOriginal(m, rand.New(rand.NewPCG(9, 9)), 1)
	ctx, cancel := context.WithCancel(context.Background())
	var firstStep []int32
	tokensAfterCancel := 0
	cancelled := false
	res, err := m.Edit(ctx, defaultRequest(m, x0, mask, 1), func(e Event) {
		switch {
		case cancelled && e.Kind == EventToken:
			tokensAfterCancel++
		case e.Kind == EventStep && firstStep == nil:
			firstStep = e.Tokens
		case e.Kind == EventToken && e.Step == 1 && e.Position == 3:
			cancel()
			cancelled = true
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if tokensAfterCancel != 0 {
		t.Errorf("%d tokens decided after cancel, want 0", tokensAfterCancel)
	}
	if res.Steps != 1 || !slices.Equal(res.Tokens, firstStep) {
		t.Errorf("returned %d steps; want the state after step 1", res.Steps)
	}
}

// countingTransition counts the tokens fed to a transition.
type countingTransition struct {
	Transition
	fed, calls int
}

func (c *countingTransition) Feed(st *DecodeState, tokens []int32, n int, all bool) ([]float32, error) {
	c.fed += n
	c.calls++
	return c.Transition.Feed(st, tokens, n, all)
}

// TestKnownRunsBatched checks that a reverse step with few masked tokens
// makes few decoder calls, and gives the same tokens as feeding every kept
// token on its own (greedy, so both are deterministic).
func TestKnownRunsBatched(t *testing.T) {
	m := editFixture(t)
	n := m.Meta.NumTokens()
	x0, _ := randomOriginal(m, rand.New(rand.NewPCG(2, 2)), 0)
	mask := make([]bool, n)
	mask[5], mask[6], mask[40] = true, true, true
	for _, tr := range m.Scales {
		cond, _ := m.Meta.CondTokens(Condition{Class: NoClass})
		input := m.Meta.StepInput(tr.Scale(), cond, x0, 1)
		ct := &countingTransition{Transition: tr}
		greedy := &sampler{p: SampleParams{TopK: 1}}
		batched, err := reverseStepKnown(context.Background(), ct, input, 1, x0, mask, greedy, func(int) {})
		if err != nil {
			t.Fatal(err)
		}
		// runs: [0,5) 5|6 [7,40) 40 [41,64): 6 feeds, the last run is never fed
		if ct.calls != 5 || ct.fed != n-(n-41) {
			t.Errorf("scale %d: %d decoder calls feeding %d tokens, want 5 calls feeding %d", tr.Scale(), ct.calls, ct.fed, 41)
		}
		st, logits, err := tr.Start(input, 1)
		if err != nil {
			t.Fatal(err)
		}
		one := make([]int32, n)
		for j := 0; j < n; j++ {
			one[j] = x0[j]
			if mask[j] {
				one[j] = int32(argmax(logits))
			}
			if j < n-1 {
				if logits, err = tr.Feed(st, one[j:j+1], 1, false); err != nil {
					t.Fatal(err)
				}
			}
		}
		st.Close()
		if !slices.Equal(batched, one) {
			t.Errorf("scale %d: batched known runs differ from token-by-token forcing", tr.Scale())
		}
	}
}
