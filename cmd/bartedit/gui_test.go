package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
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
