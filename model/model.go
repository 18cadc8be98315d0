package model

import "fmt"

// Model is a loaded ImageBART chain: the first stage and one transition
// model per scale, all on one backend.
type Model struct {
	Meta   *Meta
	VQ     *VQGAN
	Scales []Transition // Scales[t-1] inverts diffusion step t
	b      Backend
}

// NewModel builds every network of meta from src on b. used is the codebook
// remap table (nil when meta's remap policy is "none").
func NewModel(b Backend, meta *Meta, src TensorSource, used []int64) (*Model, error) {
	if err := meta.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Meta: meta, b: b}
	vq, err := NewVQGAN(b, src, meta.FirstStage, meta.CodebookSize, used)
	if err != nil {
		return nil, err
	}
	m.VQ = vq
	for _, sc := range meta.Scales {
		var tr Transition
		switch sc.Arch {
		case ArchXTransformer:
			tr, err = NewXTransformer(b, src, meta, sc)
		case ArchGPT:
			tr, err = NewGPT(b, src, meta, sc)
		default:
			err = fmt.Errorf("scale %d: unknown arch %q", sc.Scale, sc.Arch)
		}
		if err != nil {
			m.Close()
			return nil, err
		}
		m.Scales = append(m.Scales, tr)
	}
	return m, nil
}

// Backend is the backend the model runs on.
func (m *Model) Backend() Backend { return m.b }

// Close frees every network.
func (m *Model) Close() {
	if m.VQ != nil {
		m.VQ.Close()
	}
	for _, s := range m.Scales {
		s.Close()
	}
	m.Scales = nil
}

// LoadModel builds the networks of an open bundle on b.
func LoadModel(b Backend, bundle *Bundle) (*Model, error) {
	var used []int64
	if bundle.Meta.FirstStage.Remap != RemapNone {
		var err error
		if used, err = bundle.Ints("first_stage_model.quantize.used"); err != nil {
			return nil, fmt.Errorf("load %s: %w", bundle.Path, err)
		}
	}
	m, err := NewModel(b, bundle.Meta, bundle, used)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", bundle.Path, err)
	}
	return m, nil
}
