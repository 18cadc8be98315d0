package model

import (
	"errors"
	"fmt"
)

// Sentinel errors a Backend reports through Err or its transfer methods.
var (
	// ErrUnsupported means the backend cannot run on this machine.
	ErrUnsupported = errors.New("model: backend unsupported")
	// ErrDeviceLost means the device failed; every tensor on it is gone.
	ErrDeviceLost = errors.New("model: device lost")
)

// Backend allocates tensors and runs the operations ImageBART's two networks
// need. Shapes are checked by the caller (the networks validate the bundle
// before building); an op given inconsistent shapes panics, because that is a
// programming error. Runtime failures (a lost device) are sticky: ops become
// no-ops and Err, Download and Upload report the first failure.
//
// All tensors are dense, row-major float32. dst never aliases an input unless
// the op says it may.
type Backend interface {
	// Name says which backend runs, for the user ("cpu/openblas", "cuda:0 ...").
	Name() string
	// New allocates a zero-filled tensor.
	New(shape ...int) *Tensor
	// Upload copies host data into a new tensor of the given shape.
	Upload(data []float32, shape ...int) (*Tensor, error)
	// Download copies t into dst, which must have t.Len() elements.
	Download(dst []float32, t *Tensor) error
	// Free releases t (a view frees nothing). Using t afterwards is an error.
	Free(t *Tensor)
	// Err reports the first runtime failure, if any.
	Err() error
	// Close releases the backend and everything allocated on it.
	Close() error

	// Linear: dst (M, N) = x (M, K) * w (N, K)^T + bias (N); bias may be nil.
	// Leading dimensions of x and dst are flattened into M.
	Linear(dst, x, w, bias *Tensor)
	// Conv2D: dst (B, O, Ho, Wo) = conv(x (B, C, H, W), w (O, C, kh, kw)) + bias (O),
	// with the given stride and zero padding on each side.
	Conv2D(dst, x, w, bias *Tensor, p ConvParams)
	// GroupNorm normalises x (B, C, ...) over groups of C/groups channels
	// and all trailing positions, then applies per-channel gamma and beta.
	// With silu set it applies x*sigmoid(x) afterwards. dst may alias x.
	GroupNorm(dst, x, gamma, beta *Tensor, groups int, eps float32, silu bool)
	// LayerNorm normalises over the last dimension (biased variance). dst may alias x.
	LayerNorm(dst, x, gamma, beta *Tensor, eps float32)
	// Attention computes multi-head scaled dot-product attention; see AttnParams.
	Attention(dst, q, k, v *Tensor, p AttnParams)
	// GELU applies the exact erf GELU elementwise. dst may alias x.
	GELU(dst, x *Tensor)
	// SiLU applies x*sigmoid(x) elementwise. dst may alias x.
	SiLU(dst, x *Tensor)
	// Add: dst = a + b, where b is broadcast by repetition (a.Len() is a
	// multiple of b.Len()). dst may alias a or b.
	Add(dst, a, b *Tensor)
	// Gather: dst (len(ids), D) = rows ids of table (V, D). Every id must be in [0, V).
	Gather(dst, table *Tensor, ids []int32)
	// Upsample2x: nearest-neighbour doubling of the last two dimensions of x (B, C, H, W).
	Upsample2x(dst, x *Tensor)
	// Transpose swaps the last two dimensions: dst (B, N, M) = x (B, M, N)^T.
	Transpose(dst, x *Tensor)
	// CopyRows writes src (B, n, D) into rows [row, row+n) of dst (B, L, D).
	CopyRows(dst *Tensor, row int, src *Tensor)
}

// ConvParams are the stride and the zero padding of a 2-D convolution.
// Padding may be asymmetric (the VQGAN's Downsample pads right and bottom only).
type ConvParams struct {
	Stride                               int
	PadTop, PadLeft, PadBottom, PadRight int
}

// AttnParams describes one attention call.
//
// q is (B, Lq, Heads*Dh); k and v are (B, Lk, Heads*Dh) of which only the
// first KVLen rows are used (KVLen = 0 means all Lk); dst is like q. Head h
// owns features [h*Dh, (h+1)*Dh). Scores are (q . k) * Scale.
//
// With Causal set, query i sits at absolute position QOffset+i and sees key
// j only if j <= QOffset+i, except that the first NUnmasked positions see
// each other (the GPT prefix is bidirectional, spec 2.8).
type AttnParams struct {
	Heads     int
	Scale     float32
	KVLen     int
	Causal    bool
	QOffset   int
	NUnmasked int
}

// Visible reports whether query position qi (absolute) may attend to key kj.
func (p AttnParams) Visible(qi, kj int) bool {
	if !p.Causal || kj <= qi {
		return true
	}
	return qi < p.NUnmasked && kj < p.NUnmasked
}

// checkAttention measures Attention's operands (batch, query rows, key
// rows, keys used, width, head width), panicking (as every op does) when
// they disagree; every backend's Attention starts with it.
func checkAttention(dst, q, k, v *Tensor, p AttnParams) (b, lq, lk, kvLen, width, dh int) {
	b, lq, width, lk, kvLen = q.Dim(0), q.Dim(1), q.Dim(2), k.Dim(1), p.KVLen
	if kvLen == 0 {
		kvLen = lk
	}
	must(p.Heads > 0 && width%p.Heads == 0 && k.Dim(0) == b && k.Dim(2) == width &&
		v.Len() == k.Len() && kvLen <= lk && kvLen > 0 && dst.Len() == q.Len(),
		"Attention", "q %v k %v v %v", q.shape, k.shape, v.shape)
	return b, lq, lk, kvLen, width, width / p.Heads
}

// checkGroupNorm measures GroupNorm's operands (batch, channels, elements
// per channel, channels per group), panicking when they disagree.
func checkGroupNorm(dst, x, gamma, beta *Tensor, groups int) (b, c, hw, cg int) {
	b, c = x.Dim(0), x.Dim(1)
	must(groups > 0 && c%groups == 0 && dst.Len() == x.Len() && gamma.Len() == c && beta.Len() == c,
		"GroupNorm", "x %v groups %d", x.shape, groups)
	return b, c, x.Len() / (b * c), c / groups
}

// Tensor is a dense row-major float32 array that lives on a Backend.
// A view (Rows) shares storage with its parent.
type Tensor struct {
	shape []int
	off   int // element offset into the backing storage
	mem   any // backend-specific storage
	view  bool
}

// NewTensor is for Backend implementations: it wraps backend storage.
func NewTensor(mem any, off int, shape ...int) *Tensor {
	return &Tensor{shape: append([]int(nil), shape...), off: off, mem: mem}
}

// Shape returns the dimensions (the caller must not modify them).
func (t *Tensor) Shape() []int { return t.shape }

// Dim returns dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// Len is the number of elements.
func (t *Tensor) Len() int { return numel(t.shape) }

// Mem and Offset are for Backend implementations.
func (t *Tensor) Mem() any    { return t.mem }
func (t *Tensor) Offset() int { return t.off }

// IsView reports whether t shares another tensor's storage.
func (t *Tensor) IsView() bool { return t.view }

// Rows returns a view of rows [i, j) along the first dimension.
func (t *Tensor) Rows(i, j int) *Tensor {
	if i < 0 || j < i || j > t.shape[0] {
		panic(fmt.Sprintf("model: Rows(%d, %d) of shape %v", i, j, t.shape))
	}
	inner := numel(t.shape[1:])
	shape := append([]int{j - i}, t.shape[1:]...)
	return &Tensor{shape: shape, off: t.off + i*inner, mem: t.mem, view: true}
}

// Reshape returns a view with the same elements and another shape.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	if numel(shape) != t.Len() {
		panic(fmt.Sprintf("model: Reshape %v to %v", t.shape, shape))
	}
	return &Tensor{shape: append([]int(nil), shape...), off: t.off, mem: t.mem, view: true}
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
