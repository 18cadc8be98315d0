package model

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// officialKeysFile is the generated key list of spec/ beside DESIGN.md; CI
// has shared/ beside the clone.
const officialKeysFile = "../../shared/spec/official-imagebart-keys.txt"

// imagenet5Meta is the official ImageNet 5-scale chain (spec 0, 1.1, 2.1,
// 4.5) written as bundle metadata.
func imagenet5Meta() *Meta {
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("class %d", i)
	}
	xt := ScaleConfig{Arch: ArchXTransformer, Dim: 1152, Heads: 16, DimHead: 64, EncDepth: 32, DecDepth: 6,
		EncNumTokens: 1000, EncMaxSeqLen: 258, DecNumTokens: 973, DecMaxSeqLen: 256}
	m := &Meta{
		FormatVersion: 1,
		Name:          "cin_5_scales_custom",
		ImageSize:     256,
		FirstStage: FirstStageConfig{Ch: 128, ChMult: []int{1, 1, 2, 2, 4}, NumResBlocks: 2,
			AttnResolutions: []int{16}, InChannels: 3, OutCh: 3, Resolution: 256, ZChannels: 256,
			EmbedDim: 256, NEmbed: 16384, Remap: RemapRandom},
		CodebookSize: 973,
		Schedule: ScheduleConfig{Kind: "metric",
			Betas: []float32{0, 0.0901111290, 0.1041797400, 0.1392024904, 0.2660215497, 1}},
		Tokens:       TokenConfig{Sos: 0, ClassOffset: 0},
		Conditioning: Conditioning{Class: &ClassCond{Names: names}},
		Sampling: SamplingConfig{TopK: []int{973, 973, 973, 973, 973},
			Temperature: []float32{1, 1, 1, 1, 1}, Chain: []int{5, 5, 5, 5, 1}},
	}
	for t := 1; t <= 4; t++ {
		s := xt
		s.Scale = t
		m.Scales = append(m.Scales, s)
	}
	m.Scales = append(m.Scales, ScaleConfig{Scale: 5, Arch: ArchGPT, VocabSize: 973, InputVocabSize: 1000,
		BlockSize: 258, NLayer: 36, NHead: 16, NEmbd: 1216, NUnmasked: 2})
	return m
}

type officialKey struct {
	name  string
	shape []int
	int   bool
}

// readOfficialKeys parses the key list into one list per "## config" section.
func readOfficialKeys(t *testing.T) map[string][]officialKey {
	f, err := os.Open(officialKeysFile)
	if os.IsNotExist(err) {
		t.Skipf("%s not found (shared/ is expected beside the repository)", officialKeysFile)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sections := map[string][]officialKey{}
	var section string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "## "); ok {
			section, _, _ = strings.Cut(rest, " ")
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		open, closing := strings.Index(line, " ("), strings.LastIndex(line, ") ")
		if open < 0 || closing < open {
			t.Fatalf("cannot parse key line %q", line)
		}
		k := officialKey{name: line[:open], int: strings.HasPrefix(line[closing+2:], "int")}
		for d := range strings.SplitSeq(line[open+2:closing], ",") {
			if d = strings.TrimSpace(d); d != "" {
				n, err := strconv.Atoi(d)
				if err != nil {
					t.Fatalf("bad shape in %q", line)
				}
				k.shape = append(k.shape, n)
			}
		}
		sections[section] = append(sections[section], k)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return sections
}

func TestExpectedTensorsOfficialImageNet5(t *testing.T) {
	sections := readOfficialKeys(t)
	s1 := sections["configs/imagenet/5_scales/imagenet-custom-scale1.yaml"]
	s5 := sections["configs/imagenet/5_scales/imagenet-custom-scale5.yaml"]
	if len(s1) == 0 || len(s5) == 0 {
		t.Fatalf("key file lacks the ImageNet 5-scale sections (have %d sections)", len(sections))
	}
	// want holds the official keys under our names, in file order.
	var want []officialKey
	for _, k := range s1 {
		if strings.HasPrefix(k.name, "first_stage_model.") {
			want = append(want, k)
		}
	}
	for scale := 1; scale <= 5; scale++ {
		src := s1
		if scale == 5 {
			src = s5
		}
		for _, k := range src {
			rest, ok := strings.CutPrefix(k.name, "transformer.")
			if !ok || strings.HasSuffix(rest, ".attn.mask") {
				continue
			}
			k.name = fmt.Sprintf("scale%d.transformer.%s", scale, rest)
			want = append(want, k)
		}
	}

	m := imagenet5Meta()
	if err := m.Validate(); err != nil {
		t.Fatalf("official config rejected: %v", err)
	}
	got := m.ExpectedTensors()
	gotByName := map[string]TensorSpec{}
	var gotOrder []string
	for _, s := range got {
		if _, dup := gotByName[s.Name]; dup {
			t.Errorf("duplicate expected tensor %s", s.Name)
		}
		gotByName[s.Name] = s
		gotOrder = append(gotOrder, s.Name)
	}
	var wantOrder []string
	for _, k := range want {
		wantOrder = append(wantOrder, k.name)
		s, ok := gotByName[k.name]
		if !ok {
			t.Errorf("missing %s %v", k.name, k.shape)
			continue
		}
		if !slices.Equal(s.Shape, k.shape) || s.Int != k.int {
			t.Errorf("%s: got shape %v int=%v, want %v int=%v", k.name, s.Shape, s.Int, k.shape, k.int)
		}
		wantOptional := strings.Contains(k.name, ".encoder.to_logits.")
		if s.Optional != wantOptional {
			t.Errorf("%s: Optional = %v, want %v", k.name, s.Optional, wantOptional)
		}
		delete(gotByName, k.name)
	}
	for name := range gotByName {
		t.Errorf("unexpected %s", name)
	}
	if !t.Failed() && !slices.Equal(gotOrder, wantOrder) {
		t.Errorf("same names but not in state-dict order")
	}
	// Spec 2.11: transformer and VQGAN parameters of the whole chain.
	if n := m.ParamCount(); n != 3_184_780_311 {
		t.Errorf("ParamCount = %d, want 3184780311", n)
	}
}

// tinyMeta is a small valid model: 4x4 pixels, 2x2 tokens, T = 3, class and
// text conditioning, a residual-scaled scale 2.
func tinyMeta() *Meta {
	return &Meta{
		FormatVersion: 1,
		Name:          "tiny",
		Description:   "test model",
		ImageSize:     4,
		FirstStage: FirstStageConfig{Ch: 32, ChMult: []int{1, 2}, NumResBlocks: 1, AttnResolutions: []int{2},
			InChannels: 3, OutCh: 3, Resolution: 4, ZChannels: 4, EmbedDim: 4, NEmbed: 16, Remap: RemapRandom},
		CodebookSize: 10,
		Schedule:     ScheduleConfig{Kind: "geometric", Betas: []float32{0, 1.0 / 3, 0.5, 1}},
		Scales: []ScaleConfig{
			{Scale: 1, Arch: ArchXTransformer, Dim: 8, Heads: 2, DimHead: 3, EncDepth: 1, DecDepth: 1,
				EncNumTokens: 16, EncMaxSeqLen: 8, DecNumTokens: 10, DecMaxSeqLen: 4},
			{Scale: 2, Arch: ArchXTransformer, Dim: 8, Heads: 2, DimHead: 3, EncDepth: 1, DecDepth: 2,
				EncNumTokens: 16, EncMaxSeqLen: 8, DecNumTokens: 10, DecMaxSeqLen: 4,
				ResidualScaled: &ResidualScaled{NScales: 3, ScalePos: 0, XtStart: 4}},
			{Scale: 3, Arch: ArchGPT, VocabSize: 10, InputVocabSize: 16, BlockSize: 7, NLayer: 1, NHead: 2,
				NEmbd: 6, NUnmasked: 4},
		},
		Tokens: TokenConfig{Sos: 0, ClassOffset: 10, TextOffset: 12},
		Conditioning: Conditioning{
			Class: &ClassCond{Names: []string{"cat"}, Null: true},
			Text:  &TextCond{Vocab: []string{"<pad>", "<unk>", "red", "apple"}, Length: 2, Pad: 0, Unk: 1},
		},
		Sampling: SamplingConfig{TopK: []int{5, 5, 5}, Temperature: []float32{1, 1, 0.5}, Chain: []int{2, 2, 1}},
		Metrics:  map[string]float64{"fid": 12.5},
	}
}

func TestConfigHelpers(t *testing.T) {
	m := tinyMeta()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.T() != 3 || m.GridSize() != 2 || m.NumTokens() != 4 || m.NumCondTokens() != 3 || m.UsedLen() != 10 {
		t.Errorf("T %d grid %d N %d P %d used %d", m.T(), m.GridSize(), m.NumTokens(), m.NumCondTokens(), m.UsedLen())
	}
	// Spec 4.5: geometric schedule in float32.
	g := imagenet5Meta()
	g.Schedule.Betas = []float32{0, 0.25, 1.0 / 3, 0.5, 1}
	if got, want := g.Alphas(), []float32{1, 0.75, 0.6666666269302368, 0.5, 0}; !slices.Equal(got, want) {
		t.Errorf("Alphas = %v, want %v", got, want)
	}
	if got, want := g.AlphaCum(), []float32{1, 0.75, 0.49999997, 0.24999999, 0}; !slices.Equal(got, want) {
		t.Errorf("AlphaCum = %v, want %v", got, want)
	}
	im := imagenet5Meta().AlphaCum()
	for i, want := range []float32{0.9098888636, 0.8150968552, 0.7016333938, 0.5149837732} {
		if im[i+1] != want {
			t.Errorf("ImageNet-5 alphacum_%d = %.10f, want %.10f", i+1, im[i+1], want)
		}
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	m := tinyMeta()
	b, err := encodeMeta(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeMeta(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, back) {
		t.Errorf("round trip changed the metadata:\n%s", b)
	}
	for _, key := range []string{`"residual_scaled":null`, `"n_unmasked":4`, `"null":true`, `"metrics":{"fid":12.5}`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("encoded document lacks %s: %s", key, b)
		}
	}
	if bytes.Contains(b, []byte(`"n_layer":0`)) || bytes.Contains(b, []byte(`\u003c`)) {
		t.Errorf("encoded document has keys of the other architecture or HTML escapes: %s", b)
	}
	for _, bad := range []string{
		`{"format_version": 1, "nmae": "x"}`,
		`{"format_version": 1} {}`,
		`{"format_version": "1"}`,
		`[]`,
		`null`,
	} {
		if _, err := decodeMeta([]byte(bad)); err == nil {
			t.Errorf("decodeMeta(%s) accepted", bad)
		}
	}
}

// TestConfigKeys checks that every object holds exactly its keys.
func TestConfigKeys(t *testing.T) {
	good, err := encodeMeta(tinyMeta())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ from, to, want string }{
		{`"description":"test model",`, ``, `metadata: missing key "description"`},
		{`"name":"tiny"`, `"Name":"tiny"`, `unknown key "Name"`},
		{`"kind":"geometric",`, ``, `schedule: missing key "kind"`},
		{`"remap":"random"`, `"remap":"random","dropout":0`, `unknown field "dropout"`},
		{`"residual_scaled":null`, `"residual_scaled":null,"n_layer":0`, `scales[0]: unknown key "n_layer"`},
		{`,"n_unmasked":4`, ``, `scales[2]: missing key "n_unmasked"`},
		{`,"residual_scaled":null}`, `}`, `scales[0]: missing key "residual_scaled"`},
		{`"n_scales":3,`, ``, `scales[1].residual_scaled: missing key "n_scales"`},
		{`"null":true`, `"Null":true`, `conditioning.class: unknown key "Null"`},
		{`"pad":0,`, ``, `conditioning.text: missing key "pad"`},
		{`"tokens":{"sos":0,"class_offset":10,"text_offset":12}`, `"tokens":null`, `tokens is null`},
		{`"attn_resolutions":[2]`, `"attn_resolutions":null`, `first_stage: "attn_resolutions" is null`},
	}
	for _, c := range cases {
		doc := strings.Replace(string(good), c.from, c.to, 1)
		if doc == string(good) {
			t.Fatalf("%q not in the document", c.from)
		}
		_, err := decodeMeta([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s -> %s: got %v, want %q", c.from, c.to, err, c.want)
		}
	}
	// Optional: metrics, and null conditioning entries or conditioning.
	for _, c := range []struct{ from, to string }{
		{`,"metrics":{"fid":12.5}`, ``},
		{`"text":{"vocab":["<pad>","<unk>","red","apple"],"length":2,"pad":0,"unk":1}`, `"text":null`},
	} {
		doc := strings.Replace(string(good), c.from, c.to, 1)
		if doc == string(good) {
			t.Fatalf("%q not in the document", c.from)
		}
		if _, err := decodeMeta([]byte(doc)); err != nil {
			t.Errorf("%s -> %s: %v", c.from, c.to, err)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(m *Meta)
		want   string
	}{
		{"version new", func(m *Meta) { m.FormatVersion = 2 }, "newer than this reader"},
		{"version zero", func(m *Meta) { m.FormatVersion = 0 }, "format_version = 0"},
		{"name", func(m *Meta) { m.Name = " " }, "name is empty"},
		{"T zero", func(m *Meta) { m.Schedule.Betas = []float32{0} }, "want T+1 >= 2"},
		{"T huge", func(m *Meta) { m.Schedule.Betas = make([]float32, 100) }, "exceeds the limit"},
		{"beta0", func(m *Meta) { m.Schedule.Betas[0] = 0.1 }, "want beta_0 = 0"},
		{"betaT", func(m *Meta) { m.Schedule.Betas[3] = 0.9 }, "want beta_T = 1"},
		{"beta range", func(m *Meta) { m.Schedule.Betas[1] = 1.5 }, "betas[1] = 1.5"},
		{"beta NaN", func(m *Meta) { m.Schedule.Betas[2] = float32(nan()) }, "betas[2] = NaN"},
		{"scale count", func(m *Meta) { m.Scales = m.Scales[:2] }, "2 scales for T = 3"},
		{"scale order", func(m *Meta) { m.Scales[0].Scale, m.Scales[1].Scale = 2, 1 }, "scales[0].scale = 2, want 1"},
		{"arch top", func(m *Meta) { m.Scales[2].Arch = ArchXTransformer }, `scale 3: arch = "xtransformer", want "gpt"`},
		{"arch low", func(m *Meta) { m.Scales[0].Arch = ArchGPT }, `scale 1: arch = "gpt", want "xtransformer"`},
		{"mixed fields", func(m *Meta) { m.Scales[0].NLayer = 2 }, "sets the gpt field n_layer"},
		{"mixed fields gpt", func(m *Meta) { m.Scales[2].Dim = 2 }, "sets the xtransformer field dim"},
		{"gpt residual", func(m *Meta) { m.Scales[2].ResidualScaled = &ResidualScaled{NScales: 3} }, "(gpt) sets residual_scaled"},
		{"channels 32", func(m *Meta) { m.FirstStage.Ch = 48 }, "not a multiple of 32"},
		{"ch_mult empty", func(m *Meta) { m.FirstStage.ChMult = nil }, "ch_mult has 0 entries"},
		{"ch_mult zero", func(m *Meta) { m.FirstStage.ChMult[1] = 0 }, "ch_mult[1] = 0"},
		{"res blocks", func(m *Meta) { m.FirstStage.NumResBlocks = 0 }, "num_res_blocks = 0"},
		{"double_z", func(m *Meta) { m.FirstStage.DoubleZ = true }, "double_z must be false"},
		{"image size", func(m *Meta) { m.ImageSize = 8 }, "image_size = 8, want first_stage.resolution = 4"},
		{"divisible", func(m *Meta) { m.FirstStage.Resolution, m.ImageSize = 5, 5 }, "not divisible by the downsampling factor"},
		{"attn res", func(m *Meta) { m.FirstStage.AttnResolutions = []int{3} }, "attn_resolutions entry 3 matches no level"},
		{"remap", func(m *Meta) { m.FirstStage.Remap = "raw" }, `remap = "raw"`},
		{"K none", func(m *Meta) { m.FirstStage.Remap = RemapNone }, `want n_embed = 16 for remap "none"`},
		{"K random", func(m *Meta) { m.CodebookSize = 17 }, `for remap "random"`},
		{"K extra", func(m *Meta) { m.FirstStage.Remap, m.CodebookSize = RemapExtra, 18 }, `for remap "extra"`},
		{"enc vocab codes", func(m *Meta) { m.Scales[0].EncNumTokens = 9 }, "enc_num_tokens = 9 is too small: the encoder is fed id 15 (the last text word)"},
		{"enc vocab null class", func(m *Meta) { m.Conditioning.Text = nil; m.Scales[0].EncNumTokens = 11; m.Scales[0].EncMaxSeqLen = 6 }, "fed id 11 (the null class)"},
		{"enc vocab scale token", func(m *Meta) {
			m.Conditioning = Conditioning{}
			m.CodebookSize, m.Scales[1].DecNumTokens, m.Scales[2].VocabSize = 2, 2, 2
			m.Scales[1].EncNumTokens = 2
		}, "fed id 2 (scale token 2)"},
		{"gpt vocab", func(m *Meta) { m.Scales[2].InputVocabSize = 15 }, "input_vocab_size = 15 is too small"},
		{"dec vocab", func(m *Meta) { m.Scales[0].DecNumTokens = 11 }, "dec_num_tokens = 11, want codebook_size = 10"},
		{"gpt head vocab", func(m *Meta) { m.Scales[2].VocabSize = 11 }, "vocab_size = 11, want codebook_size = 10"},
		{"sos", func(m *Meta) { m.Tokens.Sos = 10 }, "tokens.sos = 10, want a code below codebook_size = 10"},
		{"beta zero", func(m *Meta) { m.Schedule.Betas[1] = 0 }, "betas[1] = 0, want a value in (0, 1]"},
		{"top_k above K", func(m *Meta) { m.Sampling.TopK[2] = 11 }, "top_k[2] = 11, want 1..codebook_size (10)"},
		{"negative offset", func(m *Meta) { m.Tokens.ClassOffset = -1 }, "tokens.class_offset = -1"},
		{"enc len", func(m *Meta) { m.Scales[1].EncMaxSeqLen = 7 }, "enc_max_seq_len = 7, want >= 1+P+N = 8"},
		{"dec len", func(m *Meta) { m.Scales[0].DecMaxSeqLen = 3 }, "dec_max_seq_len = 3, want >= N = 4"},
		{"block", func(m *Meta) { m.Scales[2].BlockSize = 6 }, "block_size = 6, want >= P+N = 7"},
		{"n_unmasked", func(m *Meta) { m.Scales[2].NUnmasked = 1 }, "n_unmasked = 1, want the prefix length 1+P = 4"},
		{"heads divide", func(m *Meta) { m.Scales[2].NHead = 4 }, "n_head = 4 does not divide n_embd = 6"},
		{"depth", func(m *Meta) { m.Scales[0].EncDepth = 0 }, "enc_depth = 0"},
		{"depth huge", func(m *Meta) { m.Scales[2].NLayer = 1 << 30 }, "n_layer = 1073741824"},
		{"dim_head", func(m *Meta) { m.Scales[0].DimHead = 0 }, "dim_head = 0"},
		{"n_scales", func(m *Meta) { m.Scales[1].ResidualScaled.NScales = 1 }, "residual_scaled.n_scales = 1"},
		{"scale_pos", func(m *Meta) { m.Scales[1].ResidualScaled.ScalePos = 1 }, "residual_scaled.scale_pos = 1"},
		{"xt_start", func(m *Meta) { m.Scales[1].ResidualScaled.XtStart = 2 }, "residual_scaled.xt_start = 2, want 1+P = 4"},
		{"class names", func(m *Meta) { m.Conditioning.Class.Names = nil }, "class.names has 0 entries"},
		{"text length", func(m *Meta) { m.Conditioning.Text.Length = 0 }, "text.length = 0"},
		{"text pad", func(m *Meta) { m.Conditioning.Text.Pad = 4 }, "text.pad = 4"},
		{"text unk", func(m *Meta) { m.Conditioning.Text.Unk = -1 }, "text.unk = -1"},
		{"text dup", func(m *Meta) { m.Conditioning.Text.Vocab[3] = "red" }, `vocab[3] = "red" repeats vocab[2]`},
		{"text empty word", func(m *Meta) { m.Conditioning.Text.Vocab[3] = "" }, "vocab[3] is empty"},
		{"sampling len", func(m *Meta) { m.Sampling.Chain = m.Sampling.Chain[:1] }, "1 chain entries; want T = 3"},
		{"top_k", func(m *Meta) { m.Sampling.TopK[0] = 0 }, "top_k[0] = 0"},
		{"temperature", func(m *Meta) { m.Sampling.Temperature[1] = 0 }, "temperature[1] = 0"},
		{"chain", func(m *Meta) { m.Sampling.Chain[2] = 0 }, "chain[2] = 0"},
		{"metric", func(m *Meta) { m.Metrics["x"] = nan() }, `metrics["x"] = NaN`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := tinyMeta()
			c.change(m)
			err := m.Validate()
			if err == nil {
				t.Fatalf("accepted; want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q\ndoes not mention %q", err, c.want)
			}
			if m.ExpectedTensors() != nil {
				t.Errorf("ExpectedTensors of an invalid Meta is not nil")
			}
		})
	}
}

func TestExpectedTensorsTiny(t *testing.T) {
	m := tinyMeta()
	specs := m.ExpectedTensors()
	byName := map[string]TensorSpec{}
	for _, s := range specs {
		byName[s.Name] = s
	}
	for name, shape := range map[string][]int{
		"first_stage_model.encoder.down.0.downsample.conv.weight":        {32, 32, 3, 3},
		"first_stage_model.encoder.down.1.block.0.nin_shortcut.bias":     {64},
		"first_stage_model.encoder.down.1.attn.0.q.weight":               {64, 64, 1, 1},
		"first_stage_model.decoder.up.1.block.1.conv1.weight":            {64, 64, 3, 3},
		"first_stage_model.decoder.up.1.attn.1.proj_out.bias":            {64},
		"first_stage_model.decoder.up.1.upsample.conv.weight":            {64, 64, 3, 3},
		"first_stage_model.decoder.up.0.block.0.nin_shortcut.weight":     {32, 64, 1, 1},
		"first_stage_model.quantize.used":                                {10},
		"first_stage_model.quantize.embedding.weight":                    {16, 4},
		"scale2.transformer.log_scalors":                                 {3},
		"scale2.transformer.decoder.attn_layers.layers.4.1.to_k.weight":  {6, 8},
		"scale1.transformer.encoder.attn_layers.layers.1.1.net.2.weight": {8, 32},
		"scale3.transformer.pos_emb":                                     {1, 7, 6},
		"scale3.transformer.head.weight":                                 {10, 6},
	} {
		if s, ok := byName[name]; !ok || !slices.Equal(s.Shape, shape) {
			t.Errorf("%s: got %v (present %v), want %v", name, s.Shape, ok, shape)
		}
	}
	for _, absent := range []string{
		"first_stage_model.decoder.up.0.upsample.conv.weight",
		"first_stage_model.encoder.down.1.downsample.conv.weight",
		"first_stage_model.encoder.down.0.attn.0.q.weight",
		"scale1.transformer.log_scalors",
		"scale3.transformer.blocks.0.attn.mask",
	} {
		if _, ok := byName[absent]; ok {
			t.Errorf("%s listed", absent)
		}
	}
	m.FirstStage.Remap, m.CodebookSize = RemapExtra, 11
	m.Scales[0].DecNumTokens, m.Scales[1].DecNumTokens, m.Scales[2].VocabSize = 11, 11, 11
	for _, s := range m.ExpectedTensors() {
		if s.Name == "first_stage_model.quantize.used" && !slices.Equal(s.Shape, []int{10}) {
			t.Errorf("extra remap: used shape %v, want [10]", s.Shape)
		}
	}
}

func nan() float64 { return math.NaN() }
