package app

import (
	"fmt"
	"math"
	"strings"

	"bartedit/model"
)

// Card is the model card the editor shows, and what the prompt and
// settings panel needs to know about the model, without the model itself.
type Card struct {
	Name, Description, License, Attribution string
	Source                                  string // where the bundle came from
	Backend                                 string // what it runs on
	StandIn                                 bool   // a random-weight fixture: it draws noise
	ImageSize, Grid, T                      int
	Classes                                 []string // nil: the model takes no class
	ClassOptional                           bool     // it has a "no class" token
	TakesText                               bool
	TextLength                              int
	Defaults                                Settings

	meta *model.Meta
}

// NewCard describes the model behind meta.
func NewCard(meta *model.Meta, source, backend string) Card {
	c := Card{
		Name: meta.Name, Description: meta.Description, License: meta.License, Attribution: meta.Attribution,
		Source: source, Backend: backend, StandIn: strings.HasPrefix(meta.Name, "fixture-"),
		ImageSize: meta.ImageSize, Grid: meta.GridSize(), T: meta.T(), meta: meta,
	}
	if cc := meta.Conditioning.Class; cc != nil {
		c.Classes, c.ClassOptional = cc.Names, cc.Null
	}
	if tc := meta.Conditioning.Text; tc != nil {
		c.TakesText, c.TextLength = true, tc.Length
	}
	c.Defaults = Settings{
		Chain:       append([]int(nil), meta.Sampling.Chain...),
		TopK:        append([]int(nil), meta.Sampling.TopK...),
		Temperature: append([]float32(nil), meta.Sampling.Temperature...),
		Seed:        1, Feather: 4, Context: 32, Variations: 1,
		Seamless: SeamlessByDefault(meta),
	}
	if c.Classes != nil && !c.ClassOptional && len(c.Classes) > 0 {
		c.Defaults.Class = c.Classes[0]
	}
	return c
}

// Prompts says in words which prompts the model takes.
func (c Card) Prompts() string {
	var parts []string
	if c.Classes != nil {
		s := fmt.Sprintf("a class (%d)", len(c.Classes))
		if c.ClassOptional {
			s += ", optional"
		}
		parts = append(parts, s)
	}
	if c.TakesText {
		parts = append(parts, fmt.Sprintf("a text of up to %d words", c.TextLength))
	}
	if len(parts) == 0 {
		return "no prompt (unconditional)"
	}
	return strings.Join(parts, " and ")
}

// FilterClasses returns the indices of the class names containing q
// (case-insensitive), those starting with it first; an empty q gives all.
func (c Card) FilterClasses(q string) []int {
	q = strings.ToLower(strings.TrimSpace(q))
	var first, rest []int
	for i, n := range c.Classes {
		l := strings.ToLower(n)
		switch {
		case strings.HasPrefix(l, q):
			first = append(first, i)
		case strings.Contains(l, q):
			rest = append(rest, i)
		}
	}
	return append(first, rest...)
}

// TextFeedback is what the model makes of a text prompt.
type TextFeedback struct {
	Words   int      // words fed to the model
	Unknown []string // words the vocabulary lacks (fed as the unknown word)
	Dropped []string // words past the model's text length (ignored)
	Err     error    // the model takes no text, or another problem
}

// CheckText reports which words of text the model does not know, for live
// feedback while typing.
func (c Card) CheckText(text string) TextFeedback {
	if c.meta == nil || strings.TrimSpace(text) == "" {
		return TextFeedback{}
	}
	p, err := c.meta.ParsePrompt(model.Prompt{Text: text})
	if err != nil {
		return TextFeedback{Err: err}
	}
	return TextFeedback{Words: len(p.Words), Unknown: p.Unknown, Dropped: p.Dropped}
}

// Settings are the prompt and sampling settings of a run. Per-scale lists
// are indexed by scale t-1 (index 0 is the finest scale, 1; the last is
// the coarsest, T, sampled first), as in the bundle.
type Settings struct {
	Class       string // a class name or index; "" for none
	Text        string
	Chain       []int
	TopK        []int
	Temperature []float32
	Seed        uint64
	Feather     int // pixels of blend outside the mask
	Context     int // pixels of context around each masked region
	Variations  int // images sampled together, 1..8
	Dilate      bool
	// Seamless blends the fill in the gradient domain (canvas.Seamless):
	// its colours meet the picture's at the mask's edge, and the feather
	// then has nothing left to soften. The default is SeamlessByDefault.
	Seamless bool
}

// MaxVariations is the most variations one run samples.
const MaxVariations = 8

// Request resolves s against the model into an edit request (without the
// original's tokens and mask, which the pipeline fills per window).
func (c Card) Request(s Settings) (model.EditRequest, error) {
	if c.meta == nil {
		return model.EditRequest{}, fmt.Errorf("no model")
	}
	p, err := c.meta.ParsePrompt(model.Prompt{Class: s.Class, Text: s.Text})
	if err != nil {
		return model.EditRequest{}, err
	}
	if s.Variations < 1 || s.Variations > MaxVariations {
		return model.EditRequest{}, fmt.Errorf("variations %d outside 1..%d", s.Variations, MaxVariations)
	}
	T := c.T
	if len(s.Chain) != T || len(s.TopK) != T || len(s.Temperature) != T {
		return model.EditRequest{}, fmt.Errorf("settings need %d values per scale", T)
	}
	for i := 0; i < T; i++ {
		if s.Chain[i] < 1 || s.Chain[i] > 100 {
			return model.EditRequest{}, fmt.Errorf("scale %d: chain %d outside 1..100", i+1, s.Chain[i])
		}
		if s.TopK[i] < 1 || s.TopK[i] > c.meta.CodebookSize {
			return model.EditRequest{}, fmt.Errorf("scale %d: top-k %d outside 1..%d", i+1, s.TopK[i], c.meta.CodebookSize)
		}
		if t := s.Temperature[i]; !(t >= 0 && t <= 100) || math.IsNaN(float64(t)) {
			return model.EditRequest{}, fmt.Errorf("scale %d: temperature %v outside 0..100", i+1, t)
		}
	}
	return model.EditRequest{
		Cond:        p.Tokens,
		Chain:       append([]int(nil), s.Chain...),
		TopK:        append([]int(nil), s.TopK...),
		Temperature: append([]float32(nil), s.Temperature...),
		Seed:        s.Seed,
		Batch:       s.Variations,
	}, nil
}

// Clone returns a deep copy of s.
func (s Settings) Clone() Settings {
	s.Chain = append([]int(nil), s.Chain...)
	s.TopK = append([]int(nil), s.TopK...)
	s.Temperature = append([]float32(nil), s.Temperature...)
	return s
}
