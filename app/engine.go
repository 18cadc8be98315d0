package app

import (
	"context"
	"math/rand/v2"

	"bartedit/model"
)

// Engine is what the worker drives: the three operations of an edit on
// one loaded model. ModelEngine is the real one; tests drive the worker
// with a fake, so they need no model.
type Engine interface {
	// Meta describes the model (sizes, scales, prompts, defaults).
	Meta() *model.Meta
	// Backend names the backend the model runs on ("cpu/openblas/...").
	Backend() string
	// Encode turns one image (3, S, S) in [-1, 1] into its N codes x_0.
	Encode(pix []float32, rng *rand.Rand) ([]int32, error)
	// Edit runs the masked forward-backward process (model.Model.Edit).
	Edit(ctx context.Context, req model.EditRequest, on func(model.Event)) (model.EditResult, error)
	// Decode turns (batch, N) codes into (batch, 3, S, S) pixels in [-1, 1].
	Decode(codes []int32, batch int) ([]float32, error)
}

// ModelEngine runs a loaded model.Model.
type ModelEngine struct{ M *model.Model }

var _ Engine = ModelEngine{}

// Meta returns the model's metadata.
func (e ModelEngine) Meta() *model.Meta { return e.M.Meta }

// Backend returns the name of the model's backend.
func (e ModelEngine) Backend() string { return e.M.Backend().Name() }

// Encode runs the VQGAN encoder on one image.
func (e ModelEngine) Encode(pix []float32, rng *rand.Rand) ([]int32, error) {
	enc, err := e.M.VQ.Encode(pix, 1, rng)
	if err != nil {
		return nil, err
	}
	return enc.Codes, nil
}

// Edit runs model.Model.Edit.
func (e ModelEngine) Edit(ctx context.Context, req model.EditRequest, on func(model.Event)) (model.EditResult, error) {
	return e.M.Edit(ctx, req, on)
}

// Decode runs the VQGAN decoder.
func (e ModelEngine) Decode(codes []int32, batch int) ([]float32, error) {
	return e.M.VQ.Decode(codes, batch)
}

// Close frees the model.
func (e ModelEngine) Close() { e.M.Close() }

// LoadEngine loads a model on the CPU backend: the bundle file at path,
// or, when path is "", the bundle bytes data named name (the embedded
// default model). The card names where the model came from.
func LoadEngine(path, name string, data []byte) (ModelEngine, Card, error) {
	var (
		bundle *model.Bundle
		err    error
	)
	if path != "" {
		bundle, err = model.OpenBundle(path)
		name = path
	} else {
		bundle, err = model.OpenBundleBytes(name, data)
	}
	if err != nil {
		return ModelEngine{}, Card{}, err
	}
	defer bundle.Close()
	m, err := model.LoadModel(model.NewCPU(), bundle)
	if err != nil {
		return ModelEngine{}, Card{}, err
	}
	e := ModelEngine{M: m}
	return e, NewCard(m.Meta, name, e.Backend()), nil
}
