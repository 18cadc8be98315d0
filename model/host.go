package model

import "fmt"

// hostMem is the storage shared by the two CPU-side backends (the reference
// oracle and the fast CPU backend): tensors are Go float32 slices.
type hostMem struct{}

func (hostMem) New(shape ...int) *Tensor {
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("model: negative dimension in %v", shape))
		}
	}
	return NewTensor(make([]float32, numel(shape)), 0, shape...)
}

func (h hostMem) Upload(data []float32, shape ...int) (*Tensor, error) {
	if len(data) != numel(shape) {
		return nil, fmt.Errorf("model: upload %d values as shape %v", len(data), shape)
	}
	t := h.New(shape...)
	copy(f32(t), data)
	return t, nil
}

func (hostMem) Download(dst []float32, t *Tensor) error {
	if len(dst) != t.Len() {
		return fmt.Errorf("model: download %v into %d values", t.Shape(), len(dst))
	}
	copy(dst, f32(t))
	return nil
}

func (hostMem) Free(t *Tensor) {
	if !t.view {
		t.mem = nil
	}
}

func (hostMem) Err() error   { return nil }
func (hostMem) Close() error { return nil }

// f32 returns the elements of a host tensor.
func f32(t *Tensor) []float32 {
	mem, ok := t.mem.([]float32)
	if !ok {
		panic(fmt.Sprintf("model: tensor %v is not host memory (freed or foreign)", t.shape))
	}
	return mem[t.off : t.off+t.Len()]
}

// must panics with a shape message when a precondition of an op fails:
// shapes are validated when a model is built, so this is a programming error.
func must(ok bool, op string, format string, args ...any) {
	if !ok {
		panic("model: " + op + ": " + fmt.Sprintf(format, args...))
	}
}
