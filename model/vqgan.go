package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// VQGAN is the first stage (spec section 1): a taming-style encoder, a
// vector quantizer with the codebook remap table, and a decoder. Images are
// (B, 3, S, S) float32 in [-1, 1], channel-planar; token grids are (B, N)
// codes in raster order.
type VQGAN struct {
	b   Backend
	cfg FirstStageConfig

	encConvIn, encConvOut, quantConv conv
	down                             []vqLevel
	encMid                           vqMid
	encNormOut                       norm

	postQuantConv, decConvIn, decConvOut conv
	decMid                               vqMid
	up                                   []vqLevel // up[i] is level i; run from the last to 0
	decNormOut                           norm

	codebook   *Tensor   // (n_embed, embed_dim)
	codeNorms  []float32 // |e_n|^2, for the expanded distance
	used       []int64   // remap table: code -> raw index (nil without remap)
	codebookSz int       // K
	owned      []*Tensor
}

type vqLevel struct {
	blocks []resBlock
	attns  []attnBlock // empty or one per block
	resize *conv       // downsample (encoder) or upsample conv (decoder)
}

type vqMid struct {
	block1, block2 resBlock
	attn           attnBlock
}

// NewVQGAN uploads the first stage's weights (names under
// "first_stage_model.") to b. cfg must be valid (Meta.Validate).
func NewVQGAN(b Backend, src TensorSource, cfg FirstStageConfig, codebookSize int, used []int64) (*VQGAN, error) {
	l := newLoader(b, src, "first_stage_model.")
	v := &VQGAN{b: b, cfg: cfg, used: used, codebookSz: codebookSize}
	L := len(cfg.ChMult)
	attnAt := func(res int) bool { return slices.Contains(cfg.AttnResolutions, res) }
	top := cfg.Ch * cfg.ChMult[L-1]

	e := l.sub("encoder.")
	v.encConvIn = loadConv(e, "conv_in", cfg.Ch, cfg.InChannels, 3, same3)
	res, in := cfg.Resolution, cfg.Ch
	for i := 0; i < L; i++ {
		out := cfg.Ch * cfg.ChMult[i]
		var lv vqLevel
		for j := 0; j < cfg.NumResBlocks; j++ {
			lv.blocks = append(lv.blocks, loadResBlock(e, fmt.Sprintf("down.%d.block.%d", i, j), in, out))
			in = out
			if attnAt(res) {
				lv.attns = append(lv.attns, loadAttnBlock(e, fmt.Sprintf("down.%d.attn.%d", i, j), out))
			}
		}
		if i < L-1 {
			c := loadConv(e, fmt.Sprintf("down.%d.downsample.conv", i), out, out, 3, down3)
			lv.resize = &c
			res /= 2
		}
		v.down = append(v.down, lv)
	}
	v.encMid = loadMid(e, "mid.", top)
	v.encNormOut = loadNorm(e, "norm_out", top)
	v.encConvOut = loadConv(e, "conv_out", cfg.ZChannels, top, 3, same3)
	v.quantConv = loadConv(l, "quant_conv", cfg.EmbedDim, cfg.ZChannels, 1, same1)

	v.postQuantConv = loadConv(l, "post_quant_conv", cfg.ZChannels, cfg.EmbedDim, 1, same1)
	d := l.sub("decoder.")
	v.decConvIn = loadConv(d, "conv_in", top, cfg.ZChannels, 3, same3)
	v.decMid = loadMid(d, "mid.", top)
	v.up = make([]vqLevel, L)
	in = top
	for i := L - 1; i >= 0; i-- {
		out := cfg.Ch * cfg.ChMult[i]
		var lv vqLevel
		for j := 0; j <= cfg.NumResBlocks; j++ {
			lv.blocks = append(lv.blocks, loadResBlock(d, fmt.Sprintf("up.%d.block.%d", i, j), in, out))
			in = out
			if attnAt(res) {
				lv.attns = append(lv.attns, loadAttnBlock(d, fmt.Sprintf("up.%d.attn.%d", i, j), out))
			}
		}
		if i != 0 {
			c := loadConv(d, fmt.Sprintf("up.%d.upsample.conv", i), out, out, 3, same3)
			lv.resize = &c
			res *= 2
		}
		v.up[i] = lv
	}
	v.decNormOut = loadNorm(d, "norm_out", cfg.Ch*cfg.ChMult[0])
	v.decConvOut = loadConv(d, "conv_out", cfg.OutCh, cfg.Ch*cfg.ChMult[0], 3, same3)

	v.codebook = l.tensor("quantize.embedding.weight", cfg.NEmbed, cfg.EmbedDim)
	if l.err != nil {
		freeAll(b, l.owned)
		return nil, l.err
	}
	v.owned = l.owned
	host := make([]float32, v.codebook.Len())
	if err := b.Download(host, v.codebook); err != nil {
		v.Close()
		return nil, err
	}
	v.codeNorms = make([]float32, cfg.NEmbed)
	for n := range v.codeNorms {
		var s float32
		for _, x := range host[n*cfg.EmbedDim : (n+1)*cfg.EmbedDim] {
			s += x * x
		}
		v.codeNorms[n] = s
	}
	return v, nil
}

func loadMid(l loader, p string, c int) vqMid {
	return vqMid{
		block1: loadResBlock(l, p+"block_1", c, c),
		attn:   loadAttnBlock(l, p+"attn_1", c),
		block2: loadResBlock(l, p+"block_2", c, c),
	}
}

func (m vqMid) forward(b Backend, x *Tensor) *Tensor {
	return m.block2.forward(b, m.attn.forward(b, m.block1.forward(b, x)))
}

func (lv vqLevel) forward(b Backend, x *Tensor) *Tensor {
	for j, blk := range lv.blocks {
		x = blk.forward(b, x)
		if len(lv.attns) > 0 {
			x = lv.attns[j].forward(b, x)
		}
	}
	return x
}

// Close frees the weights.
func (v *VQGAN) Close() { freeAll(v.b, v.owned); v.owned = nil }

// GridSize is the side of the token grid.
func (v *VQGAN) GridSize() int { return v.cfg.Resolution >> (len(v.cfg.ChMult) - 1) }

// Prequant runs encoder and quant_conv: image (B, 3, S, S) -> h (B, embed_dim, g, g).
func (v *VQGAN) Prequant(img *Tensor) *Tensor {
	b := v.b
	x := v.encConvIn.apply(b, img)
	for _, lv := range v.down {
		x = lv.forward(b, x)
		if lv.resize != nil {
			y := lv.resize.apply(b, x)
			b.Free(x)
			x = y
		}
	}
	x = v.encMid.forward(b, x)
	b.GroupNorm(x, x, v.encNormOut.g, v.encNormOut.b, gnGroups, gnEps, true)
	z := v.encConvOut.apply(b, x)
	b.Free(x)
	h := v.quantConv.apply(b, z)
	b.Free(z)
	return h
}

// Encoding is the quantizer's answer for a batch of images.
type Encoding struct {
	Codes   []int32 // (B, N) remapped codes in [0, K)
	Raw     []int32 // (B, N) nearest codebook entries
	Unknown int     // how many raw entries were outside the remap table
}

// Encode turns images (B, 3, S, S) in [-1, 1] into token grids. rng draws
// the replacement for a raw index outside the remap table under the
// "random" policy (spec 1.6); it may be nil for other policies.
func (v *VQGAN) Encode(img []float32, batch int, rng *rand.Rand) (Encoding, error) {
	s := v.cfg.Resolution
	if len(img) != batch*v.cfg.InChannels*s*s {
		return Encoding{}, fmt.Errorf("vqgan: encode %d values as %d images of %dx%d", len(img), batch, s, s)
	}
	x, err := v.b.Upload(img, batch, v.cfg.InChannels, s, s)
	if err != nil {
		return Encoding{}, err
	}
	h := v.Prequant(x)
	v.b.Free(x)
	defer v.b.Free(h)
	return v.Quantize(h, rng)
}

// Quantize maps prequant activations h (B, D, g, g) to codes with the
// expanded distance |z|^2 + |e|^2 - 2 z.e in float32, first minimum on ties.
func (v *VQGAN) Quantize(h *Tensor, rng *rand.Rand) (Encoding, error) {
	b := v.b
	batch, d, n := h.Dim(0), h.Dim(1), h.Dim(2)*h.Dim(3)
	z := b.New(batch, n, d) // channels last: row b*N + y*g + x
	b.Transpose(z, h.Reshape(batch, d, n))
	dots := b.New(batch*n, v.cfg.NEmbed)
	b.Linear(dots, z, v.codebook, nil)
	zh, dh := make([]float32, z.Len()), make([]float32, dots.Len())
	err1, err2 := b.Download(zh, z), b.Download(dh, dots)
	b.Free(z)
	b.Free(dots)
	if err := firstErr(err1, err2); err != nil {
		return Encoding{}, err
	}
	enc := Encoding{Codes: make([]int32, batch*n), Raw: make([]int32, batch*n)}
	for m := range enc.Raw {
		var zz float32
		for _, x := range zh[m*d : (m+1)*d] {
			zz += x * x
		}
		row := dh[m*v.cfg.NEmbed : (m+1)*v.cfg.NEmbed]
		best, bestD := 0, float32(0)
		for e, dot := range row {
			dist := zz + v.codeNorms[e] - 2*dot
			if e == 0 || dist < bestD {
				best, bestD = e, dist
			}
		}
		enc.Raw[m] = int32(best)
		code, ok := v.remap(best)
		if !ok {
			enc.Unknown++
			switch {
			case v.cfg.Remap == RemapExtra:
				code = v.codebookSz - 1
			case rng != nil:
				code = rng.IntN(v.codebookSz)
			default:
				return Encoding{}, fmt.Errorf("vqgan: raw index %d is outside the remap table and no random source was given", best)
			}
		}
		enc.Codes[m] = int32(code)
	}
	return enc, nil
}

// remap maps a raw codebook index to its code (spec 1.6 remap_to_used).
func (v *VQGAN) remap(raw int) (int, bool) {
	if v.used == nil {
		return raw, true
	}
	return slices.BinarySearch(v.used, int64(raw))
}

// Decode turns codes (B, N) into images (B, 3, S, S), roughly in [-1, 1].
func (v *VQGAN) Decode(codes []int32, batch int) ([]float32, error) {
	g := v.GridSize()
	if len(codes) != batch*g*g {
		return nil, fmt.Errorf("vqgan: decode %d codes as %d grids of %dx%d", len(codes), batch, g, g)
	}
	raw := make([]int32, len(codes))
	for i, c := range codes {
		if c < 0 || int(c) >= v.codebookSz {
			return nil, fmt.Errorf("vqgan: code %d at %d outside [0, %d)", c, i, v.codebookSz)
		}
		raw[i] = c
		if v.used != nil {
			if int(c) < len(v.used) {
				raw[i] = int32(v.used[c])
			} else {
				raw[i] = 0 // the "extra" code (spec 1.6 unmap_to_all)
			}
		}
	}
	b := v.b
	zq := b.New(batch, g*g, v.cfg.EmbedDim)
	b.Gather(zq.Reshape(batch*g*g, v.cfg.EmbedDim), v.codebook, raw)
	zc := b.New(batch, v.cfg.EmbedDim, g, g)
	b.Transpose(zc.Reshape(batch, v.cfg.EmbedDim, g*g), zq)
	b.Free(zq)
	x := v.postQuantConv.apply(b, zc)
	b.Free(zc)
	y := v.decConvIn.apply(b, x)
	b.Free(x)
	x = v.decMid.forward(b, y)
	for i := len(v.up) - 1; i >= 0; i-- {
		x = v.up[i].forward(b, x)
		if v.up[i].resize != nil {
			x = upsample(b, *v.up[i].resize, x)
		}
	}
	b.GroupNorm(x, x, v.decNormOut.g, v.decNormOut.b, gnGroups, gnEps, true)
	img := v.decConvOut.apply(b, x)
	b.Free(x)
	out := make([]float32, img.Len())
	err := b.Download(out, img)
	b.Free(img)
	if err != nil {
		return nil, err
	}
	return out, b.Err()
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
