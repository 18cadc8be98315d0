package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"bartedit/app"
)

// TestGUIArgs: no arguments, or a first argument that is an existing file
// and not a command, open the window; everything else stays a command.
func TestGUIArgs(t *testing.T) {
	dir := t.TempDir()
	pic := filepath.Join(dir, "photo.png")
	os.WriteFile(pic, []byte("x"), 0o644)
	cases := []struct {
		in   []string
		want []string
		gui  bool
	}{
		{nil, []string{"edit"}, true},
		{[]string{pic}, []string{"edit", pic}, true},
		{[]string{"info"}, []string{"info"}, false},
		{[]string{filepath.Join(dir, "missing.png")}, []string{filepath.Join(dir, "missing.png")}, false},
		{[]string{dir}, []string{dir}, false},
	}
	for _, c := range cases {
		got, gui := guiArgs(c.in)
		if !reflect.DeepEqual(got, c.want) || gui != c.gui {
			t.Errorf("guiArgs(%q) = %q, %v; want %q, %v", c.in, got, gui, c.want, c.gui)
		}
	}
	code, out, _ := runCLI(t, "help")
	if code != 0 || !strings.Contains(out, "bartedit picture.png") || !strings.Contains(out, "edit ") {
		t.Errorf("help: exit %d, %q", code, out)
	}
	code, _, stderr := runCLI(t, "edit", "--help")
	if code != 0 || !strings.Contains(stderr, "usage: bartedit edit") {
		t.Errorf("edit --help: exit %d, %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "edit", "--variations", "0", pic)
	if code == 0 {
		t.Errorf("edit --variations 0: exit 0 (%q)", stderr)
	}
	code, _, stderr = runCLI(t, "edit", "--blend", "soft", pic)
	if code == 0 || !strings.Contains(stderr, "--blend must be auto, seamless or feather") {
		t.Errorf("edit --blend soft: exit %d (%q)", code, stderr)
	}
}

// TestSessionPrefs: --model pins the editor's model for the session (Auto
// then does not switch away from it when a picture opens); without it the
// remembered choice holds.
func TestSessionPrefs(t *testing.T) {
	emoji := embeddedModel{Name: "emoji"}
	cases := []struct {
		saved     app.Prefs
		flag      string
		emb       embeddedModel
		wantModel string
	}{
		{app.Prefs{}, "", embeddedModel{}, ""},
		{app.Prefs{Model: "photos"}, "", embeddedModel{}, "photos"},
		{app.Prefs{}, "emoji", emoji, "emoji"},
		{app.Prefs{Model: "photos"}, "emoji", emoji, "emoji"},
		{app.Prefs{}, "/models/mine.bart", embeddedModel{}, "/models/mine.bart"},
	}
	for _, c := range cases {
		if got := sessionPrefs(c.saved, c.flag, c.emb); got.Model != c.wantModel {
			t.Errorf("sessionPrefs(%+v, %q) model %q, want %q", c.saved, c.flag, got.Model, c.wantModel)
		}
	}
}
