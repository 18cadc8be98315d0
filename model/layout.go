package model

import "fmt"

// Token layout (docs/bundle-format.md): the condition tokens are one class
// token (when the model takes classes) followed by Text.Length text tokens
// (when it takes text); an encoder-decoder scale reads [t, cond..., x_t],
// the GPT reads the prefix [T, cond...].

// Condition says what to condition on: a class index (or NoClass) and
// text word indices (nil for no text). Validation against the model is
// CondTokens' job.
type Condition struct {
	Class int   // index into Conditioning.Class.Names, or NoClass
	Words []int // vocabulary indices, already tokenised
}

// NoClass asks for no class: the model's null class, if it has one.
const NoClass = -1

// CondTokens returns the P condition tokens for c.
func (m *Meta) CondTokens(c Condition) ([]int32, error) {
	var out []int32
	cc, tc := m.Conditioning.Class, m.Conditioning.Text
	switch {
	case cc == nil && c.Class != NoClass:
		return nil, fmt.Errorf("model %s takes no class", m.Name)
	case cc != nil && c.Class == NoClass && !cc.Null:
		return nil, fmt.Errorf("model %s needs a class (it has no null class)", m.Name)
	case cc != nil && (c.Class < NoClass || c.Class >= len(cc.Names)):
		return nil, fmt.Errorf("class %d outside 0..%d", c.Class, len(cc.Names)-1)
	case cc != nil && c.Class == NoClass:
		out = append(out, int32(m.Tokens.ClassOffset+len(cc.Names)))
	case cc != nil:
		out = append(out, int32(m.Tokens.ClassOffset+c.Class))
	}
	if tc == nil {
		if len(c.Words) > 0 {
			return nil, fmt.Errorf("model %s takes no text", m.Name)
		}
		return out, nil
	}
	for i := 0; i < tc.Length; i++ {
		w := tc.Pad
		if i < len(c.Words) {
			w = c.Words[i]
			if w < 0 || w >= len(tc.Vocab) {
				return nil, fmt.Errorf("word index %d outside the vocabulary of %d", w, len(tc.Vocab))
			}
		}
		out = append(out, int32(m.Tokens.TextOffset+w))
	}
	return out, nil
}

// StepInput builds the input of scale t's transition for a batch sharing
// one condition: [t, cond..., x_t] for an encoder-decoder scale (xt is
// (B, N)), [T, cond...] for the GPT (xt is ignored: x_T carries nothing).
func (m *Meta) StepInput(t int, cond []int32, xt []int32, batch int) []int32 {
	n := m.NumTokens()
	var out []int32
	for b := 0; b < batch; b++ {
		out = append(out, int32(t))
		out = append(out, cond...)
		if t < m.T() {
			out = append(out, xt[b*n:(b+1)*n]...)
		}
	}
	return out
}
