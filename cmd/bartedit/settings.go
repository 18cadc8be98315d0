package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"bartedit/model"
)

// blendFlagHelp is the help of --blend (inpaint and edit).
const blendFlagHelp = `how the fill meets the picture: "seamless" (gradient-domain blend, the fill's colours ` +
	`meet the picture's at the mask's edge), "feather" (the fill as the model drew it, softened over ` +
	`--feather pixels) or "auto" (seamless for a model without prompts, feather for one with)`

// parseBlend resolves --blend against the model's default (app.SeamlessByDefault):
// true for the seamless blend.
func parseBlend(v string, byDefault bool) (bool, error) {
	switch v {
	case "", "auto":
		return byDefault, nil
	case "seamless":
		return true, nil
	case "feather":
		return false, nil
	}
	return false, usagef("--blend must be auto, seamless or feather, not %q", v)
}

// genFlags are the model, prompt and sampling flags shared by inpaint,
// sample and denoise.
type genFlags struct {
	model, class, text       string
	seed                     uint64
	chain, topK, temperature string
}

func (g *genFlags) register(fs *flag.FlagSet, withChain bool) {
	fs.StringVar(&g.model, "model", "", modelFlagHelp)
	fs.StringVar(&g.class, "class", "", "class prompt: a name (case-insensitive) or an index")
	fs.StringVar(&g.text, "text", "", "text prompt")
	fs.Uint64Var(&g.seed, "seed", 1, "random seed: the same seed and settings give the same pixels")
	if withChain {
		fs.StringVar(&g.chain, "chain", "", "chain iterations per scale, coarse to fine (scale T first), or one value for all (default: the model's)")
	}
	fs.StringVar(&g.topK, "top-k", "", "top-k per scale, coarse to fine, or one value for all (default: the model's)")
	fs.StringVar(&g.temperature, "temperature", "", "temperature per scale, coarse to fine, or one value for all (default: the model's)")
}

// request builds an edit request from the flags: prompt resolved (unknown
// words reported on stderr), per-scale lists parsed. Lists on the command
// line run coarse to fine, the order the scales are sampled in; the bundle
// stores them by scale (index t-1).
func (g *genFlags) request(meta *model.Meta, std stdio, defaultChain []int) (model.EditRequest, error) {
	p, err := meta.ParsePrompt(model.Prompt{Class: g.class, Text: g.text})
	if err != nil {
		return model.EditRequest{}, err
	}
	if len(p.Unknown) > 0 {
		fmt.Fprintf(std.Err, "note: the model does not know %s; they are fed as the unknown word\n", quoteList(p.Unknown))
	}
	if len(p.Dropped) > 0 {
		fmt.Fprintf(std.Err, "note: the text is longer than the model's %d words; ignored: %s\n",
			meta.Conditioning.Text.Length, quoteList(p.Dropped))
	}
	T := meta.T()
	req := model.EditRequest{Cond: p.Tokens, Seed: g.seed, Batch: 1}
	if req.Chain, err = perScale("--chain", g.chain, T, defaultChain, strconv.Atoi); err != nil {
		return req, err
	}
	if req.TopK, err = perScale("--top-k", g.topK, T, meta.Sampling.TopK, strconv.Atoi); err != nil {
		return req, err
	}
	parseTemp := func(s string) (float32, error) {
		f, err := strconv.ParseFloat(s, 32)
		return float32(f), err
	}
	if req.Temperature, err = perScale("--temperature", g.temperature, T, meta.Sampling.Temperature, parseTemp); err != nil {
		return req, err
	}
	return req, nil
}

// perScale parses "a,b,c" (coarse to fine) or "a" into T values indexed
// by scale t-1; "" gives the defaults.
func perScale[V any](name, s string, T int, defaults []V, parse func(string) (V, error)) ([]V, error) {
	if s == "" {
		return append([]V(nil), defaults...), nil
	}
	fields := strings.Split(s, ",")
	if len(fields) != 1 && len(fields) != T {
		return nil, usagef("%s: %d values for %d scales (give one value or one per scale)", name, len(fields), T)
	}
	out := make([]V, T)
	for i := range out {
		f := fields[0]
		if len(fields) == T {
			f = fields[T-1-i] // coarse to fine: the first value is scale T
		}
		v, err := parse(strings.TrimSpace(f))
		if err != nil {
			return nil, usagef("%s: bad value %q", name, f)
		}
		out[i] = v
	}
	return out, nil
}

func quoteList(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = strconv.Quote(w)
	}
	return strings.Join(q, ", ")
}

// isTerminal reports whether f is a terminal (for the progress bar).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
