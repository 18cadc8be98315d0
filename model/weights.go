package model

import (
	"errors"
	"fmt"
)

// TensorSource is where networks read their weights from: a Bundle, or a
// map in tests. Names are full bundle names; values are float32 whatever
// the stored dtype.
type TensorSource interface {
	Float32(name string) ([]float32, error)
}

// loader uploads named weights to a backend and keeps the first error, so
// that a constructor reads as a list of names and checks once at the end.
// Sub-loaders (sub) share the error and the list of uploaded tensors.
type loader struct {
	*loadState
	prefix string
}

type loadState struct {
	b     Backend
	src   TensorSource
	err   error
	owned []*Tensor
}

func newLoader(b Backend, src TensorSource, prefix string) loader {
	return loader{&loadState{b: b, src: src}, prefix}
}

// tensor uploads prefix+name with the given shape (nil after an error).
func (l loader) tensor(name string, shape ...int) *Tensor {
	if l.err != nil {
		return nil
	}
	full := l.prefix + name
	data, err := l.src.Float32(full)
	if err != nil {
		l.err = fmt.Errorf("load %s: %w", full, err)
		return nil
	}
	if len(data) != numel(shape) {
		l.err = fmt.Errorf("load %s: %d values, want shape %v", full, len(data), shape)
		return nil
	}
	t, err := l.b.Upload(data, shape...)
	if err != nil {
		l.err = fmt.Errorf("load %s: %w", full, err)
		return nil
	}
	l.owned = append(l.owned, t)
	return t
}

// sub returns a loader for names under prefix+p.
func (l loader) sub(p string) loader { return loader{l.loadState, l.prefix + p} }

// MapSource is a TensorSource over host slices (tests, converters).
type MapSource map[string][]float32

// Float32 implements TensorSource.
func (m MapSource) Float32(name string) ([]float32, error) {
	v, ok := m[name]
	if !ok {
		return nil, errors.New("no such tensor")
	}
	return v, nil
}

// freeAll releases tensors a network owns.
func freeAll(b Backend, ts []*Tensor) {
	for _, t := range ts {
		if t != nil {
			b.Free(t)
		}
	}
}
