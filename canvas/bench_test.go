package canvas

import (
	"image"
	"math/rand"
	"testing"
)

// benchSetup returns a w x h NRGBA photo, a mask with a disc of radius rad
// and a stroke, and patches for its windows (model size 256, context 32).
func benchSetup(b *testing.B, w, h, rad int) (image.Image, *Mask, []Patch) {
	b.Helper()
	rng := rand.New(rand.NewSource(15))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng.Read(img.Pix)
	m := NewMask(w, h)
	cx, cy := w/2, h/2
	for y := cy - rad; y <= cy+rad; y++ {
		for x := cx - rad; x <= cx+rad; x++ {
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= rad*rad {
				m.Set(x, y, 255)
			}
		}
	}
	for x := w / 10; x < w/10+rad; x++ {
		m.Set(x, h/10, 255)
	}
	var patches []Patch
	for _, win := range Windows(m, w, h, 32, 256) {
		px := make([]float32, 3*256*256)
		for i := range px {
			px[i] = rng.Float32()*2 - 1
		}
		p, err := FromModel(px, 256, win.Dx(), win.Dy())
		if err != nil {
			b.Fatal(err)
		}
		patches = append(patches, Patch{Window: win, Pixels: p})
	}
	return img, m, patches
}

func benchComposite(b *testing.B, w, h int) {
	img, m, patches := benchSetup(b, w, h, 100)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Composite(img, patches, m, 16); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComposite4000x3000: a 12-megapixel photo, a 200-pixel disc and
// a stroke, feather 16.
func BenchmarkComposite4000x3000(b *testing.B) { benchComposite(b, 4000, 3000) }

// BenchmarkComposite8000x8000: the largest default image; the cost is the
// copy of the image plus the windows' neighbourhood.
func BenchmarkComposite8000x8000(b *testing.B) { benchComposite(b, 8000, 8000) }

// BenchmarkCompositeInPlace8000x8000: the same edit without the copy; the
// cost is scanning the mask and blending the windows' neighbourhood.
func BenchmarkCompositeInPlace8000x8000(b *testing.B) {
	img, m, patches := benchSetup(b, 8000, 8000, 100)
	dst := img.(*image.NRGBA)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := CompositeInPlace(dst, patches, m, 16); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenMask: a 1024-pixel window onto a 256 model input with a
// 16x16 token grid.
func BenchmarkTokenMask(b *testing.B) {
	m := NewMask(2000, 2000)
	rng := rand.New(rand.NewSource(16))
	for i := 0; i < 2000; i++ {
		m.Set(500+rng.Intn(1024), 500+rng.Intn(1024), 255)
	}
	win := image.Rect(500, 500, 1524, 1524)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := TokenMask(m, win, 256, 16, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkToModel: a 1024-pixel window shrunk to 256.
func BenchmarkToModel(b *testing.B) {
	img, _, _ := benchSetup(b, 2000, 2000, 10)
	win := image.Rect(500, 500, 1524, 1524)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ToModel(img, win, 256); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFromModel: 256 back up to a 1024-pixel window.
func BenchmarkFromModel(b *testing.B) {
	px := make([]float32, 3*256*256)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := FromModel(px, 256, 1024, 1024); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWindows8000x8000: finding the windows of a small mask in a
// 64-megapixel mask.
func BenchmarkWindows8000x8000(b *testing.B) {
	_, m, _ := benchSetup(b, 8000, 8000, 100)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Windows(m, 8000, 8000, 32, 256)
	}
}

// BenchmarkWindowsNoise: a pathological 4000x4000 mask of 5% noise, which
// Components labels on a coarser view.
func BenchmarkWindowsNoise(b *testing.B) {
	m := NewMask(4000, 4000)
	rng := rand.New(rand.NewSource(18))
	for i := range m.Pix {
		if rng.Intn(20) == 0 {
			m.Pix[i] = 255
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Windows(m, 4000, 4000, 32, 256)
	}
}
