package app

import "image"

// The embedded models the editor chooses between by picture.
const (
	PhotosModel = "photos"
	EmojiModel  = "emoji"
)

// drawingSide is the longest side up to which a picture counts as an
// emoji-sized drawing rather than a photograph.
const drawingSide = 256

// PickModel chooses among the models named in names for img: the photos
// model for photographs, the emoji model for emoji-sized drawings (at most
// drawingSide pixels on the long side, or with transparent pixels, which
// photographs do not have). It returns "" when the choice is not among
// names, and the caller keeps the current model.
func PickModel(names []string, img image.Image) string {
	want := PhotosModel
	b := img.Bounds()
	if max(b.Dx(), b.Dy()) <= drawingSide || hasTransparency(img) {
		want = EmojiModel
	}
	for _, n := range names {
		if n == want {
			return want
		}
	}
	return ""
}

// hasTransparency reports whether any pixel of img is not opaque: exactly
// for the image types that can tell (all the decoders' types), else from
// about 64k pixels spread over the picture.
func hasTransparency(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return !o.Opaque()
	}
	b := img.Bounds()
	step := max(1, max(b.Dx(), b.Dy())/256)
	for y := b.Min.Y; y < b.Max.Y; y += step {
		for x := b.Min.X; x < b.Max.X; x += step {
			if _, _, _, a := img.At(x, y).RGBA(); a < 0xffff {
				return true
			}
		}
	}
	return false
}
