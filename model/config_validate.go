package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// MetaError lists every problem Validate found in a metadata document.
type MetaError struct {
	Problems []string
}

func (e *MetaError) Error() string {
	return "invalid bartedit metadata: " + strings.Join(e.Problems, "; ")
}

type problems []string

func (p *problems) addf(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

// size checks that v lies in [lo, maxDim] and reports it otherwise.
func (p *problems) size(what string, v, lo int) bool {
	if v < lo || v > maxDim {
		p.addf("%s = %d, want %d..%d", what, v, lo, maxDim)
		return false
	}
	return true
}

// Validate checks every rule of docs/bundle-format.md that the metadata
// alone decides. It returns nil or a *MetaError listing all problems.
func (m *Meta) Validate() error {
	var p problems
	if m.FormatVersion > FormatVersion {
		p.addf("format_version %d is newer than this reader supports (%d)", m.FormatVersion, FormatVersion)
	} else if m.FormatVersion < 1 {
		p.addf("format_version = %d, want %d", m.FormatVersion, FormatVersion)
	}
	if strings.TrimSpace(m.Name) == "" {
		p.addf("name is empty")
	}
	stageOK := m.validateFirstStage(&p)
	condOK := m.validateConditioning(&p)
	t := m.T()
	tOK := true
	switch {
	case len(m.Schedule.Betas) < 2:
		p.addf("schedule.betas has %d values, want T+1 >= 2 (beta_0..beta_T)", len(m.Schedule.Betas))
		tOK = false
	case t > maxScales:
		p.addf("schedule.betas has %d values: T = %d exceeds the limit %d", len(m.Schedule.Betas), t, maxScales)
		tOK = false
	default:
		b := m.Schedule.Betas
		for i, v := range b[1:] {
			if !(v > 0 && v <= 1) {
				p.addf("schedule.betas[%d] = %v, want a value in (0, 1]", i+1, v)
			}
		}
		if b[0] != 0 {
			p.addf("schedule.betas[0] = %v, want beta_0 = 0", b[0])
		}
		if b[t] != 1 {
			p.addf("schedule.betas[%d] = %v, want beta_T = 1 (x_T is pure noise)", t, b[t])
		}
	}
	if tOK && len(m.Scales) != t {
		p.addf("%d scales for T = %d (len(betas)-1); want exactly T", len(m.Scales), t)
	}
	if tOK {
		m.validateSampling(&p, t)
	}
	if m.Tokens.Sos >= m.CodebookSize {
		p.addf("tokens.sos = %d, want a code below codebook_size = %d", m.Tokens.Sos, m.CodebookSize)
	}
	tokOK := p.size("tokens.sos", m.Tokens.Sos, 0)
	tokOK = p.size("tokens.class_offset", m.Tokens.ClassOffset, 0) && tokOK
	tokOK = p.size("tokens.text_offset", m.Tokens.TextOffset, 0) && tokOK
	if len(m.Scales) <= maxScales {
		for i := range m.Scales {
			m.validateScale(&p, i, stageOK && condOK && tOK && tokOK)
		}
	}
	for k, v := range m.Metrics {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			p.addf("metrics[%q] = %v is not a finite number", k, v)
		}
	}
	if len(p) > 0 {
		return &MetaError{Problems: p}
	}
	return nil
}

// validateFirstStage reports whether the sizes that later checks derive
// from (grid, codebook) are sound.
func (m *Meta) validateFirstStage(p *problems) bool {
	fs := &m.FirstStage
	ok := p.size("first_stage.ch", fs.Ch, 1)
	if fs.NumResBlocks < 1 || fs.NumResBlocks > maxResBlocks {
		p.addf("first_stage.num_res_blocks = %d, want 1..%d", fs.NumResBlocks, maxResBlocks)
	}
	p.size("first_stage.in_channels", fs.InChannels, 1)
	p.size("first_stage.out_ch", fs.OutCh, 1)
	p.size("first_stage.z_channels", fs.ZChannels, 1)
	p.size("first_stage.embed_dim", fs.EmbedDim, 1)
	ok = p.size("first_stage.n_embed", fs.NEmbed, 1) && ok
	ok = p.size("first_stage.resolution", fs.Resolution, 1) && ok
	if fs.DoubleZ {
		p.addf("first_stage.double_z must be false")
	}
	l := len(fs.ChMult)
	if l < 1 || l > maxLevels {
		p.addf("first_stage.ch_mult has %d entries, want 1..%d", l, maxLevels)
		ok = false
	} else if ok {
		for i, mult := range fs.ChMult {
			c := fs.Ch * mult
			if mult < 1 || mult > maxDim || c > maxDim {
				p.addf("first_stage.ch_mult[%d] = %d, want 1..%d channels in all", i, mult, maxDim)
			} else if c%32 != 0 {
				p.addf("first_stage: ch*ch_mult[%d] = %d channels is not a multiple of 32 (GroupNorm uses 32 groups)", i, c)
			}
		}
		if f := 1 << (l - 1); fs.Resolution%f != 0 {
			p.addf("first_stage.resolution = %d is not divisible by the downsampling factor 2^(len(ch_mult)-1) = %d", fs.Resolution, f)
			ok = false
		}
	}
	if ok {
		var levels []int
		for i := range l {
			levels = append(levels, fs.Resolution>>i)
		}
		for _, r := range fs.AttnResolutions {
			found := false
			for _, lr := range levels {
				found = found || lr == r
			}
			if !found {
				p.addf("first_stage.attn_resolutions entry %d matches no level (levels are at %v)", r, levels)
			}
		}
	}
	if m.ImageSize != fs.Resolution {
		p.addf("image_size = %d, want first_stage.resolution = %d", m.ImageSize, fs.Resolution)
	}
	k := m.CodebookSize
	switch fs.Remap {
	case RemapNone:
		if k != fs.NEmbed {
			p.addf("codebook_size = %d, want n_embed = %d for remap \"none\"", k, fs.NEmbed)
			ok = false
		}
	case RemapRandom:
		if k < 1 || k > fs.NEmbed {
			p.addf("codebook_size = %d, want 1..n_embed (%d) for remap \"random\" (K = len(used))", k, fs.NEmbed)
			ok = false
		}
	case RemapExtra:
		if k < 2 || k-1 > fs.NEmbed {
			p.addf("codebook_size = %d, want 2..n_embed+1 (%d) for remap \"extra\" (K = len(used)+1)", k, fs.NEmbed+1)
			ok = false
		}
	default:
		p.addf("first_stage.remap = %q, want \"none\", \"random\" or \"extra\"", fs.Remap)
		ok = false
	}
	return ok
}

func (m *Meta) validateConditioning(p *problems) bool {
	ok := true
	if c := m.Conditioning.Class; c != nil {
		if len(c.Names) < 1 || len(c.Names) > maxDim {
			p.addf("conditioning.class.names has %d entries, want 1..%d", len(c.Names), maxDim)
			ok = false
		}
	}
	if c := m.Conditioning.Text; c != nil {
		ok = p.size("conditioning.text.length", c.Length, 1) && ok
		n := len(c.Vocab)
		if n < 1 || n > maxDim {
			p.addf("conditioning.text.vocab has %d words, want 1..%d", n, maxDim)
			return false
		}
		if c.Pad < 0 || c.Pad >= n {
			p.addf("conditioning.text.pad = %d is not a vocabulary index (0..%d)", c.Pad, n-1)
		}
		if c.Unk < 0 || c.Unk >= n {
			p.addf("conditioning.text.unk = %d is not a vocabulary index (0..%d)", c.Unk, n-1)
		}
		seen := make(map[string]int, n)
		for i, w := range c.Vocab {
			if w == "" {
				p.addf("conditioning.text.vocab[%d] is empty", i)
			} else if j, dup := seen[w]; dup {
				p.addf("conditioning.text.vocab[%d] = %q repeats vocab[%d]", i, w, j)
			}
			seen[w] = i
		}
	}
	return ok
}

func (m *Meta) validateSampling(p *problems, t int) {
	s := &m.Sampling
	if len(s.TopK) != t || len(s.Temperature) != t || len(s.Chain) != t {
		p.addf("sampling lists have %d top_k, %d temperature, %d chain entries; want T = %d each",
			len(s.TopK), len(s.Temperature), len(s.Chain), t)
	}
	for i, k := range s.TopK {
		if k < 1 || k > m.CodebookSize {
			p.addf("sampling.top_k[%d] = %d, want 1..codebook_size (%d)", i, k, m.CodebookSize)
		}
	}
	for i, v := range s.Temperature {
		if !(v > 0) || math.IsInf(float64(v), 0) {
			p.addf("sampling.temperature[%d] = %v, want a positive finite number", i, v)
		}
	}
	for i, c := range s.Chain {
		if c < 1 {
			p.addf("sampling.chain[%d] = %d, want >= 1", i, c)
		}
	}
}

// maxInputID returns the largest token id fed to the input embedding of
// scale t (encoder or GPT) and what it is.
func (m *Meta) maxInputID(t int) (int, string) {
	id, what := t, fmt.Sprintf("scale token %d", t)
	if k := m.CodebookSize - 1; k > id {
		id, what = k, "code K-1"
	}
	if c := m.Conditioning.Class; c != nil {
		n := len(c.Names) - 1
		w := "class " + fmt.Sprint(n)
		if c.Null {
			n, w = len(c.Names), "the null class"
		}
		if v := m.Tokens.ClassOffset + n; v > id {
			id, what = v, w
		}
	}
	if c := m.Conditioning.Text; c != nil {
		if v := m.Tokens.TextOffset + len(c.Vocab) - 1; v > id {
			id, what = v, "the last text word"
		}
	}
	return id, what
}

// validateScale checks scale index i; full enables the checks that need a
// sound first stage, conditioning and T.
func (m *Meta) validateScale(p *problems, i int, full bool) {
	s := &m.Scales[i]
	t, T := i+1, m.T()
	name := fmt.Sprintf("scale %d", t)
	if s.Scale != t {
		p.addf("scales[%d].scale = %d, want %d (scales are listed 1..T in order)", i, s.Scale, t)
	}
	want := ArchXTransformer
	if t == T {
		want = ArchGPT
	}
	if s.Arch != want {
		p.addf("%s: arch = %q, want %q (scales 1..T-1 are xtransformer, scale T is gpt)", name, s.Arch, want)
		return
	}
	k, n, pc := m.CodebookSize, m.NumTokens(), m.NumCondTokens()
	maxID, what := m.maxInputID(t)
	if s.Arch == ArchXTransformer {
		for _, f := range []struct {
			n string
			v int
		}{{"vocab_size", s.VocabSize}, {"input_vocab_size", s.InputVocabSize}, {"block_size", s.BlockSize},
			{"n_layer", s.NLayer}, {"n_head", s.NHead}, {"n_embd", s.NEmbd}, {"n_unmasked", s.NUnmasked}} {
			if f.v != 0 {
				p.addf("%s (xtransformer) sets the gpt field %s", name, f.n)
			}
		}
		sizesOK := p.size(name+": dim", s.Dim, 1)
		sizesOK = p.size(name+": heads", s.Heads, 1) && sizesOK
		sizesOK = p.size(name+": dim_head", s.DimHead, 1) && sizesOK
		if sizesOK && s.Heads*s.DimHead > maxDim {
			p.addf("%s: heads*dim_head = %d exceeds %d", name, s.Heads*s.DimHead, maxDim)
		}
		for _, d := range []struct {
			n string
			v int
		}{{"enc_depth", s.EncDepth}, {"dec_depth", s.DecDepth}} {
			if d.v < 1 || d.v > maxDepth {
				p.addf("%s: %s = %d, want 1..%d", name, d.n, d.v, maxDepth)
			}
		}
		p.size(name+": enc_num_tokens", s.EncNumTokens, 1)
		p.size(name+": enc_max_seq_len", s.EncMaxSeqLen, 1)
		p.size(name+": dec_num_tokens", s.DecNumTokens, 1)
		p.size(name+": dec_max_seq_len", s.DecMaxSeqLen, 1)
		if rs := s.ResidualScaled; rs != nil {
			if rs.NScales < t || rs.NScales > maxScales {
				p.addf("%s: residual_scaled.n_scales = %d, want %d..%d (log_scalors is indexed by the scale token)", name, rs.NScales, t, maxScales)
			}
			if rs.ScalePos != 0 {
				p.addf("%s: residual_scaled.scale_pos = %d, want 0 (the scale token leads the encoder input)", name, rs.ScalePos)
			}
			if full && rs.XtStart != 1+pc {
				p.addf("%s: residual_scaled.xt_start = %d, want 1+P = %d (x_t follows the scale and condition tokens)", name, rs.XtStart, 1+pc)
			}
		}
		if !full {
			return
		}
		if s.EncNumTokens <= maxID {
			p.addf("%s: enc_num_tokens = %d is too small: the encoder is fed id %d (%s)", name, s.EncNumTokens, maxID, what)
		}
		if s.EncMaxSeqLen < 1+pc+n {
			p.addf("%s: enc_max_seq_len = %d, want >= 1+P+N = %d", name, s.EncMaxSeqLen, 1+pc+n)
		}
		if s.DecNumTokens != k {
			p.addf("%s: dec_num_tokens = %d, want codebook_size = %d", name, s.DecNumTokens, k)
		}
		if s.DecMaxSeqLen < n {
			p.addf("%s: dec_max_seq_len = %d, want >= N = %d", name, s.DecMaxSeqLen, n)
		}
		return
	}
	for _, f := range []struct {
		n string
		v int
	}{{"dim", s.Dim}, {"heads", s.Heads}, {"dim_head", s.DimHead}, {"enc_depth", s.EncDepth}, {"dec_depth", s.DecDepth},
		{"enc_num_tokens", s.EncNumTokens}, {"enc_max_seq_len", s.EncMaxSeqLen}, {"dec_num_tokens", s.DecNumTokens},
		{"dec_max_seq_len", s.DecMaxSeqLen}} {
		if f.v != 0 {
			p.addf("%s (gpt) sets the xtransformer field %s", name, f.n)
		}
	}
	if s.ResidualScaled != nil {
		p.addf("%s (gpt) sets residual_scaled", name)
	}
	if s.NLayer < 1 || s.NLayer > maxDepth {
		p.addf("%s: n_layer = %d, want 1..%d", name, s.NLayer, maxDepth)
	}
	p.size(name+": vocab_size", s.VocabSize, 1)
	p.size(name+": input_vocab_size", s.InputVocabSize, 1)
	p.size(name+": block_size", s.BlockSize, 1)
	if p.size(name+": n_embd", s.NEmbd, 1) && p.size(name+": n_head", s.NHead, 1) && s.NEmbd%s.NHead != 0 {
		p.addf("%s: n_head = %d does not divide n_embd = %d", name, s.NHead, s.NEmbd)
	}
	if !full {
		return
	}
	if s.VocabSize != k {
		p.addf("%s: vocab_size = %d, want codebook_size = %d", name, s.VocabSize, k)
	}
	if s.InputVocabSize <= maxID {
		p.addf("%s: input_vocab_size = %d is too small: the GPT is fed id %d (%s)", name, s.InputVocabSize, maxID, what)
	}
	if s.BlockSize < pc+n {
		p.addf("%s: block_size = %d, want >= P+N = %d (input [T, cond..., x[0..N-2]])", name, s.BlockSize, pc+n)
	}
	if s.NUnmasked != 1+pc && !(pc == 0 && s.NUnmasked == 0) {
		p.addf("%s: n_unmasked = %d, want the prefix length 1+P = %d", name, s.NUnmasked, 1+pc)
	}
}

// Key sets of the metadata document's objects (docs/bundle-format.md).
var (
	topKeys = []string{"format_version", "name", "description", "license", "attribution", "image_size",
		"first_stage", "codebook_size", "schedule", "scales", "tokens", "conditioning", "sampling"}
	firstStageKeys = []string{"ch", "ch_mult", "num_res_blocks", "attn_resolutions", "in_channels",
		"out_ch", "resolution", "z_channels", "double_z", "embed_dim", "n_embed", "remap"}
	xtransformerKeys = []string{"scale", "arch", "dim", "heads", "dim_head", "enc_depth", "dec_depth",
		"enc_num_tokens", "enc_max_seq_len", "dec_num_tokens", "dec_max_seq_len", "residual_scaled"}
	gptKeys = []string{"scale", "arch", "vocab_size", "input_vocab_size", "block_size", "n_layer",
		"n_head", "n_embd", "n_unmasked"}
	// nullableKeys may hold null; every other value may not.
	nullableKeys = []string{"conditioning", "class", "text", "residual_scaled", "metrics"}
)

// checkDocKeys requires every object of the document to hold exactly its
// keys: all required ones (metrics and the conditioning entries are
// optional) and no others, spelled exactly, and null only where the format
// allows it. It mirrors train/layout.py.
func checkDocKeys(data []byte) error {
	var p problems
	// object decodes raw as an object and checks its keys; nil means null
	// (reported unless nullable) or not an object (reported).
	object := func(where string, raw json.RawMessage, nullable bool, required []string, optional ...string) map[string]json.RawMessage {
		if raw == nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			if !nullable {
				p.addf("%s is null, want an object", where)
			}
			return nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			p.addf("%s is not an object", where)
			return nil
		}
		for _, k := range required {
			if _, ok := m[k]; !ok {
				p.addf("%s: missing key %q", where, k)
			}
		}
		for k, v := range m {
			if !slices.Contains(required, k) && !slices.Contains(optional, k) {
				p.addf("%s: unknown key %q", where, k)
			} else if bytes.Equal(bytes.TrimSpace(v), []byte("null")) && !slices.Contains(nullableKeys, k) {
				p.addf("%s: %q is null", where, k)
			}
		}
		return m
	}
	top := object("metadata", data, false, topKeys, "metrics")
	if top == nil {
		return &MetaError{Problems: p}
	}
	object("first_stage", top["first_stage"], false, firstStageKeys)
	object("schedule", top["schedule"], false, []string{"kind", "betas"})
	object("tokens", top["tokens"], false, []string{"sos", "class_offset", "text_offset"})
	object("sampling", top["sampling"], false, []string{"top_k", "temperature", "chain"})
	if cond := object("conditioning", top["conditioning"], true, nil, "class", "text"); cond != nil {
		object("conditioning.class", cond["class"], true, []string{"names", "null"})
		object("conditioning.text", cond["text"], true, []string{"vocab", "length", "pad", "unk"})
	}
	var scales []json.RawMessage
	json.Unmarshal(top["scales"], &scales) // its type was checked by decoding into Meta
	for i, raw := range scales {
		var head struct{ Arch string }
		json.Unmarshal(raw, &head)
		where := fmt.Sprintf("scales[%d]", i)
		switch head.Arch {
		case ArchXTransformer:
			if s := object(where, raw, false, xtransformerKeys); s != nil {
				object(where+".residual_scaled", s["residual_scaled"], true, []string{"n_scales", "scale_pos", "xt_start"})
			}
		case ArchGPT:
			object(where, raw, false, gptKeys)
		}
	}
	if len(p) > 0 {
		return &MetaError{Problems: p}
	}
	return nil
}
