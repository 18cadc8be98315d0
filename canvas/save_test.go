package canvas

import (
	"bytes"
	"errors"
	"image"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dirNames lists the names in dir, to see no temporary file is left.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestWritePNGAtomic(t *testing.T) {
	rng := rand.New(rand.NewSource(14))
	img := randImage(rng, "NRGBA64", 11, 7, false).(*image.NRGBA64)
	dir := t.TempDir()
	path := filepath.Join(dir, "out.png")

	if err := WritePNGAtomic(path, img, false); err != nil {
		t.Fatal(err)
	}
	got, _, err := LoadImage(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := got.(*image.NRGBA64); !ok || !bytes.Equal(g.Pix, img.Pix) {
		t.Fatalf("read back %T, not the same pixels", got)
	}
	first, _ := os.ReadFile(path)

	// Refused without overwrite; the file is unchanged.
	other := randImage(rng, "Gray", 3, 3, false)
	err = WritePNGAtomic(path, other, false)
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want ErrExists naming the path and how to force", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, first) {
		t.Fatal("refused write changed the file")
	}

	// Overwrite keeps the old permission bits.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WritePNGAtomic(path, other, true); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after overwrite, want 0600", st.Mode().Perm())
	}
	if g, _, _ := LoadImage(path, Limits{}); g == nil || g.Bounds().Dx() != 3 {
		t.Error("overwrite did not write the new image")
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v, want only out.png", names)
	}
}

func TestWritePNGAtomicErrors(t *testing.T) {
	dir := t.TempDir()
	img := image.NewGray(image.Rect(0, 0, 2, 2))
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	cases := []struct {
		name string
		path string
		img  image.Image
		want string
	}{
		{"missing directory", filepath.Join(dir, "nope", "x.png"), img, "nope"},
		{"a directory", sub, img, "is a directory"},
		{"no image", filepath.Join(dir, "a.png"), nil, "no image"},
		{"empty image", filepath.Join(dir, "b.png"), image.NewGray(image.Rect(0, 0, 0, 5)), "b.png"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := WritePNGAtomic(c.path, c.img, true)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
			if _, serr := os.Stat(c.path); c.path != sub && serr == nil {
				t.Error("a file was created despite the error")
			}
		})
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != "sub" {
		t.Errorf("directory holds %v, want only sub (no temporary files)", names)
	}
}
