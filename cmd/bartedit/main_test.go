package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	trunc := filepath.Join(dir, "trunc.bart")
	data, err := os.ReadFile("../../model/testdata/fixture-class.bart")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(trunc, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args    []string
		code    int
		errPart string
	}{
		{[]string{"nosuch"}, 2, "unknown command"},
		{[]string{"info", "a", "b"}, 2, "at most one model"},
		{[]string{"info", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"info", "--help"}, 0, "usage: bartedit info"},
		{[]string{"info", filepath.Join(dir, "missing.bart")}, 1, "no such file"},
		{[]string{"info", trunc}, 1, "unexpected EOF"},
		{[]string{"demo", "extra"}, 2, "unexpected argument"},
		{[]string{"bench", "--reps", "0"}, 2, "--reps"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.errPart) {
			t.Errorf("bartedit %v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.errPart)
		}
	}
}

func TestInfoShowsCard(t *testing.T) {
	code, out, stderr := runCLI(t, "info", "../../model/testdata/fixture-class.bart")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"fixture-class", "32x32 pixels, 8x8 tokens", "class (2: cat, dog)", "residual-scaled", "GPT prior"} {
		if !strings.Contains(out, want) {
			t.Errorf("card lacks %q:\n%s", want, out)
		}
	}
}

// Without an argument info shows every embedded model, the default first;
// --model and info take an embedded model's name as well as a file.
func TestEmbeddedModelsByName(t *testing.T) {
	all, err := embeddedModels()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 || all[0].File != "default.bart" {
		t.Fatalf("embedded models %v: want default.bart first", all)
	}
	code, out, stderr := runCLI(t, "info")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, e := range all {
		if !strings.Contains(out, e.Name+"  ("+e.Source()) {
			t.Errorf("info lacks the card of %s (%s):\n%s", e.Name, e.File, out)
		}
	}
	if !strings.Contains(out, "(embedded), the default") {
		t.Errorf("info does not say which model is the default:\n%s", out)
	}
	code, out, _ = runCLI(t, "info", all[0].Name)
	if code != 0 || !strings.HasPrefix(out, all[0].Name+"  (") {
		t.Errorf("info %s: exit %d, output %q", all[0].Name, code, out)
	}
	code, _, stderr = runCLI(t, "info", "no-such-model")
	if code != 1 || !strings.Contains(stderr, "embedded models are "+all[0].Name) {
		t.Errorf("unknown name: exit %d, %q; want the embedded names listed", code, stderr)
	}
	out = filepath.Join(t.TempDir(), "s.png")
	if code, _, stderr = runCLI(t, "sample", "--model", all[0].Name, "-o", out); code != 0 {
		t.Fatalf("sample --model %s: exit %d: %s", all[0].Name, code, stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}

func TestDemoWritesPNGAndKeepsExisting(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo.png")
	if code, _, stderr := runCLI(t, "demo", "-o", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dy() < 32 || b.Dx() < 3*b.Dy() {
		t.Errorf("demo image is %v, want one tile per scale (3) side by side", b)
	}
	before, _ := os.ReadFile(out)
	if code, _, stderr := runCLI(t, "demo", "-o", out, "--seed", "2"); code != 1 || !strings.Contains(stderr, "exists") {
		t.Errorf("second demo without --force: exit %d, %q; want exit 1 and a refusal", code, stderr)
	}
	if after, _ := os.ReadFile(out); !bytes.Equal(before, after) {
		t.Error("the refused demo changed the existing file")
	}
}
