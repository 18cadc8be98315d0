package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Prompts: a class given by index or name, and a text through the word
// tokenizer the bundle declares (docs/bundle-format.md).

// Prompt is what a user asks for: a class (by index or name, "" for none)
// and a text ("" for none).
type Prompt struct {
	Class string
	Text  string
}

// ParsedPrompt is a Prompt resolved against a model.
type ParsedPrompt struct {
	Condition
	Tokens  []int32  // the P condition tokens
	Unknown []string // words of the text the vocabulary lacks (fed as <unk>)
	Dropped []string // words past the text length, not fed at all
}

// ParsePrompt resolves p against the model. A class or text the model
// cannot take is an error; unknown words are reported, never dropped
// silently.
func (m *Meta) ParsePrompt(p Prompt) (ParsedPrompt, error) {
	out := ParsedPrompt{Condition: Condition{Class: NoClass}}
	if strings.TrimSpace(p.Class) != "" {
		c, err := m.ClassIndex(p.Class)
		if err != nil {
			return out, err
		}
		out.Class = c
	}
	if strings.TrimSpace(p.Text) != "" {
		tc := m.Conditioning.Text
		if tc == nil {
			return out, fmt.Errorf("model %s takes no text prompt (%s)", m.Name, m.promptKinds())
		}
		words := Words(p.Text)
		index := make(map[string]int, len(tc.Vocab))
		for i, w := range tc.Vocab {
			index[w] = i
		}
		for i, w := range words {
			if i >= tc.Length {
				out.Dropped = append(out.Dropped, w)
				continue
			}
			id, ok := index[w]
			if !ok {
				id = tc.Unk
				out.Unknown = append(out.Unknown, w)
			}
			out.Words = append(out.Words, id)
		}
	}
	toks, err := m.CondTokens(out.Condition)
	if err != nil {
		return out, err
	}
	out.Tokens = toks
	return out, nil
}

// promptKinds describes what prompts a model takes.
func (m *Meta) promptKinds() string {
	switch c, t := m.Conditioning.Class != nil, m.Conditioning.Text != nil; {
	case c && t:
		return "it takes a class and a text"
	case c:
		return "it takes a class"
	case t:
		return "it takes a text"
	}
	return "it takes no prompt"
}

// Words splits text as the tokenizer does: lowercase, runs of [a-z0-9]
// and single other non-space characters.
func Words(text string) []string {
	var out []string
	run := -1
	s := strings.ToLower(text)
	for i, r := range s {
		word := r < 128 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
		if word {
			if run < 0 {
				run = i
			}
			continue
		}
		if run >= 0 {
			out = append(out, s[run:i])
			run = -1
		}
		if !unicode.IsSpace(r) {
			out = append(out, string(r))
		}
	}
	if run >= 0 {
		out = append(out, s[run:])
	}
	return out
}

// ClassIndex resolves a class by index ("12") or name (case-insensitive).
// An unknown name gets an error with the closest names.
func (m *Meta) ClassIndex(s string) (int, error) {
	cc := m.Conditioning.Class
	if cc == nil {
		return 0, fmt.Errorf("model %s takes no class (%s)", m.Name, m.promptKinds())
	}
	s = strings.TrimSpace(s)
	if i, err := strconv.Atoi(s); err == nil {
		if i < 0 || i >= len(cc.Names) {
			return 0, fmt.Errorf("class %d outside 0..%d", i, len(cc.Names)-1)
		}
		return i, nil
	}
	for i, n := range cc.Names {
		if strings.EqualFold(n, s) {
			return i, nil
		}
	}
	msg := fmt.Sprintf("model %s has no class %q", m.Name, s)
	if sug := suggest(s, cc.Names, 3); len(sug) > 0 {
		msg += "; did you mean " + quoteJoin(sug) + "?"
	}
	return 0, fmt.Errorf("%s", msg)
}

// suggest returns up to n names close to s: those containing it, then
// those within an edit distance of about a third of its length.
func suggest(s string, names []string, n int) []string {
	s = strings.ToLower(s)
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, name := range names {
		l := strings.ToLower(name)
		d := editDistance(s, l)
		if strings.Contains(l, s) || strings.Contains(s, l) {
			d = 0
		}
		if d <= max(2, len(s)/3) {
			cs = append(cs, cand{name, d})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.d - b.d })
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func quoteJoin(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
