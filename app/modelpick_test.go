package app

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
)

func TestPickModel(t *testing.T) {
	both := []string{EmojiModel, PhotosModel}
	opaque := func(w, h int) image.Image {
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		for i := 3; i < len(img.Pix); i += 4 {
			img.Pix[i] = 255
		}
		return img
	}
	cutout := opaque(800, 600).(*image.NRGBA)
	cutout.SetNRGBA(400, 300, color.NRGBA{}) // one transparent pixel
	for _, c := range []struct {
		name  string
		img   image.Image
		names []string
		want  string
	}{
		{"photo", opaque(4000, 3000), both, PhotosModel},
		{"emoji-sized drawing", opaque(72, 72), both, EmojiModel},
		{"picture with transparency", cutout, both, EmojiModel},
		{"256 px is still a drawing", opaque(256, 200), both, EmojiModel},
		{"only the emoji model", opaque(4000, 3000), []string{EmojiModel}, ""},
		{"other models", opaque(64, 64), []string{"mine"}, ""},
	} {
		if got := PickModel(c.names, c.img); got != c.want {
			t.Errorf("%s: picked %q, want %q", c.name, got, c.want)
		}
	}
}

func TestPrefsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "prefs.json")
	p, err := LoadPrefs(path)
	if err != nil || p != (Prefs{}) {
		t.Fatalf("missing file: %+v, %v; want the defaults", p, err)
	}
	if err := (Prefs{Model: PhotosModel}).Save(path); err != nil {
		t.Fatal(err)
	}
	if p, err = LoadPrefs(path); err != nil || p.Model != PhotosModel {
		t.Fatalf("read back %+v, %v", p, err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPrefs(path); err == nil {
		t.Fatal("a corrupt prefs file loaded without an error")
	}
}
