package canvas

import (
	"image"
	"image/color"
	"math"
	"math/rand"
	"testing"
)

// texturedImage is a w x h NRGBA64 photo stand-in: smooth colour gradients
// plus per-pixel noise, every channel inside 8000..57000 so offsets of a
// few thousand never clip.
func texturedImage(rng *rand.Rand, w, h int) *image.NRGBA64 {
	img := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var c [3]uint16
			for k := range c {
				base := 30000 + 15000*math.Sin(float64(x*(k+1))/40+float64(y)/(25+float64(k)))
				c[k] = uint16(base + rng.Float64()*8000 - 4000)
			}
			img.SetNRGBA64(x, y, color.NRGBA64{R: c[0], G: c[1], B: c[2], A: 0xffff})
		}
	}
	return img
}

// discMask masks a disc of radius r around (cx, cy).
func discMask(w, h, cx, cy, r int) *Mask {
	m := NewMask(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r {
				m.Set(x, y, 255)
			}
		}
	}
	return m
}

// offsetPatch is the window of img with f(x, y) (window coordinates) added
// to channel c.
func offsetPatch(img *image.NRGBA64, win image.Rectangle, f func(x, y, c int) float64) Patch {
	px := image.NewNRGBA64(image.Rect(0, 0, win.Dx(), win.Dy()))
	for y := 0; y < win.Dy(); y++ {
		for x := 0; x < win.Dx(); x++ {
			o := img.NRGBA64At(win.Min.X+x, win.Min.Y+y)
			ch := [3]uint16{o.R, o.G, o.B}
			for c := range ch {
				ch[c] = uint16(float64(ch[c]) + f(x, y, c))
			}
			px.SetNRGBA64(x, y, color.NRGBA64{R: ch[0], G: ch[1], B: ch[2], A: 0xffff})
		}
	}
	return Patch{Window: win, Pixels: px}
}

// maxDiffInMask is the largest channel difference between the patch and
// the original inside the mask.
func maxDiffInMask(img *image.NRGBA64, p Patch, m *Mask) float64 {
	worst := 0.0
	for y := p.Window.Min.Y; y < p.Window.Max.Y; y++ {
		for x := p.Window.Min.X; x < p.Window.Max.X; x++ {
			if m.Value(x, y) == 0 {
				continue
			}
			a := img.NRGBA64At(x, y)
			b := p.Pixels.NRGBA64At(x-p.Window.Min.X, y-p.Window.Min.Y)
			for _, d := range []float64{float64(a.R) - float64(b.R), float64(a.G) - float64(b.G), float64(a.B) - float64(b.B)} {
				worst = max(worst, math.Abs(d))
			}
		}
	}
	return worst
}

// TestSeamlessRemovesColourShift is the blend's promise: a fill whose
// texture is right but whose colour is off by a constant, or by a linear
// ramp across the window (both harmonic), comes out as the scene around the
// hole continues, whatever the photo had inside the hole, in a small window
// (solved directly) and a large one (through the pyramid); the unblended
// fill is thousands of units off (of 65535).
func TestSeamlessRemovesColourShift(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, tc := range []struct {
		name      string
		size, r   int
		offset    func(x, y, c int) float64
		tolerance float64
	}{
		{"constant, 48 px", 48, 14, func(_, _, c int) float64 { return []float64{3000, -2500, 1200}[c] }, 2},
		{"ramp, 48 px", 48, 14, func(x, y, c int) float64 { return 40*float64(x) - 30*float64(y) + float64(500*c) }, 2},
		{"constant, 400 px", 400, 150, func(_, _, c int) float64 { return []float64{-4000, 2000, 3500}[c] }, 16},
		{"ramp, 400 px", 400, 150, func(x, y, c int) float64 { return 10*float64(x) + 6*float64(y) - 3000 }, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// want is the scene; the photo has an object in the hole, which the
			// fill replaces with the scene's texture in the wrong colour.
			want := texturedImage(rng, tc.size+20, tc.size+10)
			m := discMask(want.Rect.Dx(), want.Rect.Dy(), 10+tc.size/2, 5+tc.size/2, tc.r)
			photo := image.NewNRGBA64(want.Rect)
			copy(photo.Pix, want.Pix)
			for y := 0; y < photo.Rect.Dy(); y++ {
				for x := 0; x < photo.Rect.Dx(); x++ {
					if m.Value(x, y) != 0 {
						photo.SetNRGBA64(x, y, color.NRGBA64{R: 60000, G: 1000, B: 20000, A: 0xffff})
					}
				}
			}
			win := image.Rect(10, 5, 10+tc.size, 5+tc.size)
			p := offsetPatch(want, win, tc.offset)
			if d := maxDiffInMask(want, p, m); d < 1000 {
				t.Fatalf("the test's fill is only %.0f off", d)
			}
			got, err := Seamless(photo, p, m)
			if err != nil {
				t.Fatal(err)
			}
			if got.Window != win {
				t.Fatalf("window %v, want %v", got.Window, win)
			}
			if d := maxDiffInMask(want, got, m); d > tc.tolerance {
				t.Fatalf("blended fill is up to %.1f off the original (of 65535), want <= %.0f", d, tc.tolerance)
			}
		})
	}
}

// TestSeamlessLargeWindow: a window above seamlessMaxSolve takes the
// correction of the largest level it solves, interpolated; a ramp-shifted
// fill still comes out within a fraction of a percent of the scene.
func TestSeamlessLargeWindow(t *testing.T) {
	defer func(v int) { seamlessMaxSolve = v }(seamlessMaxSolve)
	seamlessMaxSolve = 120 * 120 // a 400x400 window interpolates from 200x200
	rng := rand.New(rand.NewSource(8))
	want := texturedImage(rng, 400, 400)
	m := discMask(400, 400, 200, 200, 150)
	photo := image.NewNRGBA64(want.Rect)
	copy(photo.Pix, want.Pix)
	p := offsetPatch(want, want.Rect, func(x, y, c int) float64 { return 8*float64(x) - 5*float64(y) + float64(1000*c) - 2000 })
	got, err := Seamless(photo, p, m)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiffInMask(want, got, m); d > 64 {
		t.Fatalf("blended fill is up to %.1f off the scene (of 65535), want <= 64", d)
	}
}

// TestSeamlessKeepsTexture: the correction is smooth, so the fill's own
// detail survives. A fill of pure noise on a flat grey original gets a
// correction that stays within its low frequencies: the blended fill minus
// the fill is harmonic (its discrete Laplacian vanishes) inside the mask.
func TestSeamlessKeepsTexture(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	const w, h = 90, 70
	img := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	m := discMask(w, h, 45, 35, 25)
	win := image.Rect(5, 0, 85, 70)
	p := offsetPatch(img, win, func(_, _, _ int) float64 { return rng.Float64()*16000 - 8000 })
	got, err := Seamless(img, p, m)
	if err != nil {
		t.Fatal(err)
	}
	corr := func(x, y int) float64 {
		a := got.Pixels.NRGBA64At(x-win.Min.X, y-win.Min.Y)
		b := p.Pixels.NRGBA64At(x-win.Min.X, y-win.Min.Y)
		if m.Value(x, y) == 0 {
			a = img.NRGBA64At(x, y)
		}
		return float64(a.G) - float64(b.G)
	}
	worst := 0.0
	for y := 1; y < h-1; y++ {
		for x := win.Min.X + 1; x < win.Max.X-1; x++ {
			if m.Value(x, y) == 0 {
				continue
			}
			lap := 4*corr(x, y) - corr(x-1, y) - corr(x+1, y) - corr(x, y-1) - corr(x, y+1)
			worst = max(worst, math.Abs(lap))
		}
	}
	if worst > 4 { // rounding to 16 bits: the four neighbours' and the pixel's
		t.Fatalf("the correction's Laplacian reaches %.1f inside the mask", worst)
	}
}

// TestSeamlessOutsideMaskIsOriginal: unmasked pixels of the blended patch
// are the original's, so Composite with any feather changes only masked
// pixels, and it leaves them exactly where the correction put them.
func TestSeamlessOutsideMaskIsOriginal(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	img := texturedImage(rng, 64, 64)
	m := randMask(rng, 64, 64)
	m.Fill(image.Rect(0, 0, 64, 8), 0)
	if m.Empty() {
		m.Set(30, 30, 255)
	}
	win := image.Rect(0, 0, 64, 64)
	p := offsetPatch(img, win, func(x, y, c int) float64 { return float64((x*7+y*3+c)%2000) - 1000 })
	got, err := Seamless(img, p, m)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Composite(img, []Patch{got}, m, 12)
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			if m.Value(x, y) == 0 {
				if same, why := samePixel(img, out, x, y); !same {
					t.Fatalf("unmasked pixel (%d, %d) changed: %s", x, y, why)
				}
			}
		}
	}
}

// TestSeamlessWholeWindowMasked: with no unmasked pixel to match, the fill
// keeps its colours.
func TestSeamlessWholeWindowMasked(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	img := texturedImage(rng, 40, 30)
	m := NewMask(40, 30)
	m.Fill(m.Bounds(), 255)
	p := offsetPatch(img, image.Rect(0, 0, 40, 30), func(_, _, _ int) float64 { return 1234 })
	got, err := Seamless(img, p, m)
	if err != nil {
		t.Fatal(err)
	}
	if !EqualPixels(got.Pixels, p.Pixels) {
		t.Fatal("a fully masked window was changed")
	}
}

// TestSeamlessRejectsBadInput: mismatched sizes give errors, not panics.
func TestSeamlessRejectsBadInput(t *testing.T) {
	img := image.NewNRGBA64(image.Rect(0, 0, 20, 20))
	px := image.NewNRGBA64(image.Rect(0, 0, 10, 10))
	for _, tc := range []struct {
		name string
		img  image.Image
		p    Patch
		m    *Mask
	}{
		{"no image", nil, Patch{Window: image.Rect(0, 0, 10, 10), Pixels: px}, NewMask(20, 20)},
		{"mask size", img, Patch{Window: image.Rect(0, 0, 10, 10), Pixels: px}, NewMask(19, 20)},
		{"window outside", img, Patch{Window: image.Rect(15, 15, 25, 25), Pixels: px}, NewMask(20, 20)},
		{"pixels size", img, Patch{Window: image.Rect(0, 0, 12, 10), Pixels: px}, NewMask(20, 20)},
		{"no pixels", img, Patch{Window: image.Rect(0, 0, 10, 10)}, NewMask(20, 20)},
	} {
		if _, err := Seamless(tc.img, tc.p, tc.m); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// BenchmarkSeamless blends a 1024x1024 window with a disc covering about
// 30% of it (the largest windows the editor makes for big masks).
func BenchmarkSeamless(b *testing.B) {
	rng := rand.New(rand.NewSource(7))
	img := texturedImage(rng, 1024, 1024)
	m := discMask(1024, 1024, 512, 512, 315)
	p := offsetPatch(img, img.Rect, func(x, y, c int) float64 { return float64(x+y) - 1000 })
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Seamless(img, p, m); err != nil {
			b.Fatal(err)
		}
	}
}
