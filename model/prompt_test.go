package model

import (
	"slices"
	"strings"
	"testing"
)

func TestWords(t *testing.T) {
	cases := map[string][]string{
		"Red ZEBRA!":           {"red", "zebra", "!"},
		"  grinning-face  2x ": {"grinning", "-", "face", "2x"},
		"café":                 {"caf", "é"},
		"":                     nil,
	}
	for in, want := range cases {
		if got := Words(in); !slices.Equal(got, want) {
			t.Errorf("Words(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePrompt(t *testing.T) {
	text := loadFixture(t, NewReference(), "fixture-text").model.Meta
	class := loadFixture(t, NewReference(), "fixture-class").model.Meta
	uncond := loadFixture(t, NewReference(), "fixture-uncond").model.Meta

	// The doc's worked example: "Red ZEBRA!" with the null class.
	p, err := text.ParsePrompt(Prompt{Text: "Red ZEBRA!"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int32{43, 47, 45, 51, 44}; !slices.Equal(p.Tokens, want) {
		t.Errorf("tokens %v, want %v", p.Tokens, want)
	}
	if !slices.Equal(p.Unknown, []string{"zebra"}) {
		t.Errorf("unknown words %q, want [zebra]", p.Unknown)
	}
	p, err = text.ParsePrompt(Prompt{Text: "red red red red red extra"})
	if err != nil || !slices.Equal(p.Dropped, []string{"red", "extra"}) {
		t.Errorf("over-long text: dropped %q, err %v", p.Dropped, err)
	}
	for _, c := range []struct {
		meta    *Meta
		p       Prompt
		class   int
		errPart string
	}{
		{class, Prompt{Class: "DOG"}, 1, ""},
		{class, Prompt{Class: "0"}, 0, ""},
		{class, Prompt{Class: "dgo"}, 0, `did you mean "dog"`},
		{class, Prompt{Class: "7"}, 0, "outside 0..1"},
		{class, Prompt{}, 0, "needs a class"},
		{class, Prompt{Class: "cat", Text: "a cat"}, 0, "takes no text prompt (it takes a class)"},
		{uncond, Prompt{Class: "cat"}, 0, "takes no class (it takes no prompt)"},
		{text, Prompt{Class: "cat"}, 0, ""},
	} {
		got, err := c.meta.ParsePrompt(c.p)
		switch {
		case c.errPart == "" && err != nil:
			t.Errorf("%s %+v: %v", c.meta.Name, c.p, err)
		case c.errPart != "" && (err == nil || !strings.Contains(err.Error(), c.errPart)):
			t.Errorf("%s %+v: error %v, want one containing %q", c.meta.Name, c.p, err, c.errPart)
		case c.errPart == "" && got.Class != c.class:
			t.Errorf("%s %+v: class %d, want %d", c.meta.Name, c.p, got.Class, c.class)
		}
	}
}
