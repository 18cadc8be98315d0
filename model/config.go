package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
)

// FormatVersion is the newest .bart format version this package reads and
// the one it writes (docs/bundle-format.md).
const FormatVersion = 1

// Remap policies of the first stage's codebook (first_stage.remap).
const (
	RemapNone   = "none"   // codes are raw indices, K = n_embed
	RemapRandom = "random" // official: an index outside used becomes a random code
	RemapExtra  = "extra"  // an index outside used becomes code K-1 = len(used)
)

// Transition model architectures (ScaleConfig.Arch).
const (
	ArchXTransformer = "xtransformer" // encoder-decoder, scales 1..T-1
	ArchGPT          = "gpt"          // decoder-only prior, scale T
)

// Upper limits on metadata sizes. They are far above any real model and
// exist so that a lying header cannot make the reader build an enormous
// list of expected tensors before the file's own tensors are compared.
const (
	maxScales    = 32      // T
	maxLevels    = 10      // len(first_stage.ch_mult)
	maxResBlocks = 16      // first_stage.num_res_blocks
	maxDepth     = 256     // layers of one transformer stack
	maxDim       = 1 << 20 // any single size: channels, vocabulary, length
)

// Meta is the `bartedit` metadata document of a bundle: everything besides
// the weights that is needed to run the model. docs/bundle-format.md
// defines every field; Validate enforces its rules.
type Meta struct {
	FormatVersion int                `json:"format_version"`
	Name          string             `json:"name"`
	Description   string             `json:"description"`
	License       string             `json:"license"`
	Attribution   string             `json:"attribution"`
	ImageSize     int                `json:"image_size"`
	FirstStage    FirstStageConfig   `json:"first_stage"`
	CodebookSize  int                `json:"codebook_size"`
	Schedule      ScheduleConfig     `json:"schedule"`
	Scales        []ScaleConfig      `json:"scales"`
	Tokens        TokenConfig        `json:"tokens"`
	Conditioning  Conditioning       `json:"conditioning"`
	Sampling      SamplingConfig     `json:"sampling"`
	Metrics       map[string]float64 `json:"metrics"`
}

// FirstStageConfig is the VQGAN configuration: the taming ddconfig plus
// embed_dim, n_embed and the remap policy (spec 1.1).
type FirstStageConfig struct {
	Ch              int    `json:"ch"`
	ChMult          []int  `json:"ch_mult"`
	NumResBlocks    int    `json:"num_res_blocks"`
	AttnResolutions []int  `json:"attn_resolutions"`
	InChannels      int    `json:"in_channels"`
	OutCh           int    `json:"out_ch"`
	Resolution      int    `json:"resolution"`
	ZChannels       int    `json:"z_channels"`
	DoubleZ         bool   `json:"double_z"`
	EmbedDim        int    `json:"embed_dim"`
	NEmbed          int    `json:"n_embed"`
	Remap           string `json:"remap"`
}

// ScheduleConfig is the multinomial diffusion schedule beta_0..beta_T.
type ScheduleConfig struct {
	Kind  string    `json:"kind"` // informational: geometric, alphacum, metric, constant
	Betas []float32 `json:"betas"`
}

// ScaleConfig configures the transition model of one scale. Arch selects
// which group of fields applies; the other group must be zero.
type ScaleConfig struct {
	Scale int    `json:"scale"`
	Arch  string `json:"arch"`

	// xtransformer (spec 2.1, 2.2)
	Dim            int             `json:"dim,omitempty"`
	Heads          int             `json:"heads,omitempty"`
	DimHead        int             `json:"dim_head,omitempty"`
	EncDepth       int             `json:"enc_depth,omitempty"`
	DecDepth       int             `json:"dec_depth,omitempty"`
	EncNumTokens   int             `json:"enc_num_tokens,omitempty"`
	EncMaxSeqLen   int             `json:"enc_max_seq_len,omitempty"`
	DecNumTokens   int             `json:"dec_num_tokens,omitempty"`
	DecMaxSeqLen   int             `json:"dec_max_seq_len,omitempty"`
	ResidualScaled *ResidualScaled `json:"residual_scaled,omitempty"`

	// gpt (spec 2.1, 2.8)
	VocabSize      int `json:"vocab_size,omitempty"`
	InputVocabSize int `json:"input_vocab_size,omitempty"`
	BlockSize      int `json:"block_size,omitempty"`
	NLayer         int `json:"n_layer,omitempty"`
	NHead          int `json:"n_head,omitempty"`
	NEmbd          int `json:"n_embd,omitempty"`
	NUnmasked      int `json:"n_unmasked,omitempty"`
}

// ResidualScaled marks a ResidualScaledXTransformer (spec 2.7).
type ResidualScaled struct {
	NScales  int `json:"n_scales"`
	ScalePos int `json:"scale_pos"`
	XtStart  int `json:"xt_start"`
}

// TokenConfig places the special and condition tokens in the input
// vocabularies.
type TokenConfig struct {
	Sos         int `json:"sos"`
	ClassOffset int `json:"class_offset"`
	TextOffset  int `json:"text_offset"`
}

// Conditioning says which condition tokens a model takes; either may be nil.
type Conditioning struct {
	Class *ClassCond `json:"class"`
	Text  *TextCond  `json:"text"`
}

// ClassCond is class conditioning. With Null set, class len(Names) is the
// "no class" token.
type ClassCond struct {
	Names []string `json:"names"`
	Null  bool     `json:"null"`
}

// TextCond is text conditioning: a word vocabulary and a fixed length.
type TextCond struct {
	Vocab  []string `json:"vocab"`
	Length int      `json:"length"`
	Pad    int      `json:"pad"`
	Unk    int      `json:"unk"`
}

// SamplingConfig holds per-scale sampling defaults; index 0 is scale 1.
type SamplingConfig struct {
	TopK        []int     `json:"top_k"`
	Temperature []float32 `json:"temperature"`
	Chain       []int     `json:"chain"`
}

// T is the number of scales (diffusion steps): len(betas) - 1.
func (m *Meta) T() int { return max(len(m.Schedule.Betas)-1, 0) }

// GridSize is the side g of the token grid: image_size / 2^(len(ch_mult)-1).
func (m *Meta) GridSize() int {
	l := len(m.FirstStage.ChMult)
	if l < 1 || l > 32 {
		return 0
	}
	return m.ImageSize >> (l - 1)
}

// NumTokens is N = g*g, the number of tokens of one image.
func (m *Meta) NumTokens() int { g := m.GridSize(); return g * g }

// NumCondTokens is P: one class token if class conditioning is on, plus
// text.length text tokens if text conditioning is on.
func (m *Meta) NumCondTokens() int {
	p := 0
	if m.Conditioning.Class != nil {
		p++
	}
	if m.Conditioning.Text != nil {
		p += m.Conditioning.Text.Length
	}
	return p
}

// UsedLen is the length of first_stage_model.quantize.used: K for the
// "random" remap, K-1 for "extra", 0 (no table) for "none".
func (m *Meta) UsedLen() int {
	switch m.FirstStage.Remap {
	case RemapRandom:
		return m.CodebookSize
	case RemapExtra:
		return m.CodebookSize - 1
	}
	return 0
}

// Alphas returns alpha_t = 1 - beta_t for t = 0..T, in float32 (spec 4.1).
func (m *Meta) Alphas() []float32 {
	a := make([]float32, len(m.Schedule.Betas))
	for i, b := range m.Schedule.Betas {
		a[i] = 1 - b
	}
	return a
}

// AlphaCum returns alphacum_t = prod_{s<=t} alpha_s for t = 0..T (spec
// 4.1): the product of the float32 alphas, accumulated in float64 and
// rounded to float32 per entry as torch.cumprod does on the CPU. This
// reproduces the float32 values of spec 4.5; a float32 running product
// is one ulp off for ImageNet-5's alphacum_3.
func (m *Meta) AlphaCum() []float32 {
	a := m.Alphas()
	p := 1.0
	for i := range a {
		p *= float64(a[i])
		a[i] = float32(p)
	}
	return a
}

// TensorSpec is one tensor a bundle must (or, if Optional, may) hold.
type TensorSpec struct {
	Name     string
	Shape    []int
	Int      bool // an integer table (I64 or I32) rather than weights
	Optional bool // may be absent (never loaded)
}

// ExpectedTensors lists every tensor a bundle with this metadata holds, in
// state-dict order: the first stage (spec 1.8, generalised by the ddconfig)
// and, for each scale t, `scale{t}.transformer.` + the XTransformer or GPT
// names of spec 2.9. GPT attn.mask buffers are not listed (they follow from
// n_unmasked); the encoder's unused to_logits is Optional. It returns nil
// if m does not pass Validate.
func (m *Meta) ExpectedTensors() []TensorSpec {
	if m.Validate() != nil {
		return nil
	}
	var l specList
	m.firstStageSpecs(&l)
	for i, s := range m.Scales {
		prefix := fmt.Sprintf("scale%d.transformer.", i+1)
		if s.Arch == ArchGPT {
			gptSpecs(&l, prefix, &s)
		} else {
			xtransformerSpecs(&l, prefix, &s)
		}
	}
	return l.specs
}

// ParamCount is the number of weights (every float tensor, optional ones
// included) that ExpectedTensors lists.
func (m *Meta) ParamCount() int64 {
	var n int64
	for _, s := range m.ExpectedTensors() {
		if !s.Int {
			n += int64(numel(s.Shape))
		}
	}
	return n
}

type specList struct{ specs []TensorSpec }

func (l *specList) add(name string, shape ...int) {
	l.specs = append(l.specs, TensorSpec{Name: name, Shape: shape})
}

// affine adds name.weight and name.bias of a norm over c channels.
func (l *specList) affine(name string, c int) {
	l.add(name+".weight", c)
	l.add(name+".bias", c)
}

// conv adds a k x k convolution in -> out with bias.
func (l *specList) conv(name string, out, in, k int) {
	l.add(name+".weight", out, in, k, k)
	l.add(name+".bias", out)
}

// linear adds a Linear in -> out, with bias if bias is set.
func (l *specList) linear(name string, out, in int, bias bool) {
	l.add(name+".weight", out, in)
	if bias {
		l.add(name+".bias", out)
	}
}

func (l *specList) resnet(name string, in, out int) {
	l.affine(name+".norm1", in)
	l.conv(name+".conv1", out, in, 3)
	l.affine(name+".norm2", out)
	l.conv(name+".conv2", out, out, 3)
	if in != out {
		l.conv(name+".nin_shortcut", out, in, 1)
	}
}

func (l *specList) attnBlock(name string, c int) {
	l.affine(name+".norm", c)
	for _, x := range []string{"q", "k", "v", "proj_out"} {
		l.conv(name+"."+x, c, c, 1)
	}
}

func (l *specList) mid(name string, c int) {
	l.resnet(name+".block_1", c, c)
	l.attnBlock(name+".attn_1", c)
	l.resnet(name+".block_2", c, c)
}

func (m *Meta) firstStageSpecs(l *specList) {
	fs := &m.FirstStage
	const p = "first_stage_model."
	levels, nrb := len(fs.ChMult), fs.NumResBlocks
	chAt := func(i int) int { return fs.Ch * fs.ChMult[i] }
	attnAt := func(i int) bool { return slices.Contains(fs.AttnResolutions, fs.Resolution>>i) }

	// Encoder (spec 1.3): per level the blocks, then their attention, then
	// the downsampling; module order equals execution order.
	l.conv(p+"encoder.conv_in", fs.Ch, fs.InChannels, 3)
	in := fs.Ch
	for i := range levels {
		name := fmt.Sprintf("%sencoder.down.%d.", p, i)
		for j := range nrb {
			l.resnet(fmt.Sprintf("%sblock.%d", name, j), in, chAt(i))
			in = chAt(i)
		}
		if attnAt(i) {
			for j := range nrb {
				l.attnBlock(fmt.Sprintf("%sattn.%d", name, j), in)
			}
		}
		if i < levels-1 {
			l.conv(name+"downsample.conv", in, in, 3)
		}
	}
	l.mid(p+"encoder.mid", in)
	l.affine(p+"encoder.norm_out", in)
	l.conv(p+"encoder.conv_out", fs.ZChannels, in, 3)

	// Decoder (spec 1.4): runs up.L-1 .. up.0 but is stored up.0 .. up.L-1;
	// level i starts from the channels of level i+1.
	top := chAt(levels - 1)
	l.conv(p+"decoder.conv_in", top, fs.ZChannels, 3)
	l.mid(p+"decoder.mid", top)
	for i := range levels {
		name := fmt.Sprintf("%sdecoder.up.%d.", p, i)
		in := chAt(min(i+1, levels-1))
		for j := range nrb + 1 {
			l.resnet(fmt.Sprintf("%sblock.%d", name, j), in, chAt(i))
			in = chAt(i)
		}
		if attnAt(i) {
			for j := range nrb + 1 {
				l.attnBlock(fmt.Sprintf("%sattn.%d", name, j), in)
			}
		}
		if i != 0 {
			l.conv(name+"upsample.conv", in, in, 3)
		}
	}
	l.affine(p+"decoder.norm_out", chAt(0))
	l.conv(p+"decoder.conv_out", fs.OutCh, chAt(0), 3)

	if fs.Remap != RemapNone {
		l.specs = append(l.specs, TensorSpec{Name: p + "quantize.used", Shape: []int{m.UsedLen()}, Int: true})
	}
	l.add(p+"quantize.embedding.weight", fs.NEmbed, fs.EmbedDim)
	l.conv(p+"quant_conv", fs.EmbedDim, fs.ZChannels, 1)
	l.conv(p+"post_quant_conv", fs.ZChannels, fs.EmbedDim, 1)
}

// xtransformerSpecs lists an encoder-decoder (spec 2.9): the encoder has
// (self-attention, feed-forward) entries, the decoder (self-attention,
// cross-attention, feed-forward); entry i is layers.i.0 (LayerNorm) and
// layers.i.1 (the block).
func xtransformerSpecs(l *specList, prefix string, s *ScaleConfig) {
	if s.ResidualScaled != nil {
		l.add(prefix+"log_scalors", s.ResidualScaled.NScales)
	}
	dim, inner := s.Dim, s.Heads*s.DimHead
	stack := func(name string, numTokens, maxLen, depth int, kinds string, logitsOptional bool) {
		l.add(name+"token_emb.weight", numTokens, dim)
		l.add(name+"pos_emb.emb.weight", maxLen, dim)
		for i := range depth * len(kinds) {
			entry := fmt.Sprintf("%sattn_layers.layers.%d.", name, i)
			l.affine(entry+"0", dim)
			if kinds[i%len(kinds)] == 'f' {
				l.linear(entry+"1.net.0.0", 4*dim, dim, true)
				l.linear(entry+"1.net.2", dim, 4*dim, true)
				continue
			}
			for _, x := range []string{"to_q", "to_k", "to_v"} {
				l.linear(entry+"1."+x, inner, dim, false)
			}
			l.linear(entry+"1.to_out", dim, inner, true)
		}
		l.affine(name+"norm", dim)
		n := len(l.specs)
		l.linear(name+"to_logits", numTokens, dim, true)
		for i := n; i < len(l.specs); i++ {
			l.specs[i].Optional = logitsOptional
		}
	}
	stack(prefix+"encoder.", s.EncNumTokens, s.EncMaxSeqLen, s.EncDepth, "af", true)
	stack(prefix+"decoder.", s.DecNumTokens, s.DecMaxSeqLen, s.DecDepth, "acf", false)
}

// gptSpecs lists a minGPT (spec 2.9) without its attn.mask buffers.
func gptSpecs(l *specList, prefix string, s *ScaleConfig) {
	n := s.NEmbd
	l.add(prefix+"pos_emb", 1, s.BlockSize, n)
	l.add(prefix+"tok_emb.weight", s.InputVocabSize, n)
	for i := range s.NLayer {
		b := fmt.Sprintf("%sblocks.%d.", prefix, i)
		l.affine(b+"ln1", n)
		l.affine(b+"ln2", n)
		for _, x := range []string{"key", "query", "value", "proj"} {
			l.linear(b+"attn."+x, n, n, true)
		}
		l.linear(b+"mlp.0", 4*n, n, true)
		l.linear(b+"mlp.2", n, 4*n, true)
	}
	l.affine(prefix+"ln_f", n)
	l.linear(prefix+"head", s.VocabSize, n, false)
}

// decodeMeta parses a metadata document strictly: unknown fields and
// trailing data are errors.
func decodeMeta(data []byte) (*Meta, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Meta
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("parse bartedit metadata: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("parse bartedit metadata: trailing data after the document")
	}
	// The decoder above ignores absent keys and matches names without
	// regard to case; the document must spell out every key exactly.
	if err := checkDocKeys(data); err != nil {
		return nil, err
	}
	return &m, nil
}

// encodeMeta serializes m deterministically (struct field order, sorted
// metric names) without HTML escaping.
func encodeMeta(m *Meta) ([]byte, error) {
	c := *m
	if c.Metrics == nil {
		c.Metrics = map[string]float64{}
	}
	if c.FirstStage.AttnResolutions == nil {
		c.FirstStage.AttnResolutions = []int{} // a list, never null
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&c); err != nil {
		return nil, fmt.Errorf("encode bartedit metadata: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// MarshalJSON writes exactly the keys of the scale's architecture, zero
// values and a null residual_scaled included, as the format requires.
func (s ScaleConfig) MarshalJSON() ([]byte, error) {
	switch s.Arch {
	case ArchXTransformer:
		return json.Marshal(struct {
			Scale          int             `json:"scale"`
			Arch           string          `json:"arch"`
			Dim            int             `json:"dim"`
			Heads          int             `json:"heads"`
			DimHead        int             `json:"dim_head"`
			EncDepth       int             `json:"enc_depth"`
			DecDepth       int             `json:"dec_depth"`
			EncNumTokens   int             `json:"enc_num_tokens"`
			EncMaxSeqLen   int             `json:"enc_max_seq_len"`
			DecNumTokens   int             `json:"dec_num_tokens"`
			DecMaxSeqLen   int             `json:"dec_max_seq_len"`
			ResidualScaled *ResidualScaled `json:"residual_scaled"`
		}{s.Scale, s.Arch, s.Dim, s.Heads, s.DimHead, s.EncDepth, s.DecDepth, s.EncNumTokens,
			s.EncMaxSeqLen, s.DecNumTokens, s.DecMaxSeqLen, s.ResidualScaled})
	case ArchGPT:
		return json.Marshal(struct {
			Scale          int    `json:"scale"`
			Arch           string `json:"arch"`
			VocabSize      int    `json:"vocab_size"`
			InputVocabSize int    `json:"input_vocab_size"`
			BlockSize      int    `json:"block_size"`
			NLayer         int    `json:"n_layer"`
			NHead          int    `json:"n_head"`
			NEmbd          int    `json:"n_embd"`
			NUnmasked      int    `json:"n_unmasked"`
		}{s.Scale, s.Arch, s.VocabSize, s.InputVocabSize, s.BlockSize, s.NLayer, s.NHead, s.NEmbd, s.NUnmasked})
	}
	type plain ScaleConfig // no MarshalJSON: every non-zero field
	return json.Marshal(plain(s))
}
