package canvas

import (
	"fmt"
	"image"
	"image/color"
	"math/rand"
	"strings"
	"testing"
)

// randPatches returns patches covering every masked pixel of m: the windows
// of Windows, or (half the time) random rectangles plus one covering the
// mask's bounding box, all filled with random colours.
func randPatches(rng *rand.Rand, m *Mask) []Patch {
	var wins []image.Rectangle
	if rng.Intn(2) == 0 {
		wins = Windows(m, m.W, m.H, rng.Intn(6), 2+rng.Intn(20))
	} else {
		for i := rng.Intn(3); i > 0; i-- {
			x, y := rng.Intn(m.W), rng.Intn(m.H)
			wins = append(wins, image.Rect(x, y, x+1+rng.Intn(m.W-x), y+1+rng.Intn(m.H-y)))
		}
		if box := m.BoundingBox(); !box.Empty() {
			wins = append(wins, box)
		}
		rng.Shuffle(len(wins), func(i, j int) { wins[i], wins[j] = wins[j], wins[i] })
	}
	patches := make([]Patch, len(wins))
	for i, w := range wins {
		px := image.NewNRGBA64(image.Rect(0, 0, w.Dx(), w.Dy()).Add(image.Pt(rng.Intn(5)-2, rng.Intn(5)-2)))
		rng.Read(px.Pix)
		patches[i] = Patch{Window: w, Pixels: px}
	}
	return patches
}

// nearMask reports whether a pixel with a mask value above 0 lies within
// Euclidean distance feather of (x, y).
func nearMask(m *Mask, x, y, feather int) bool {
	for dy := -feather; dy <= feather; dy++ {
		for dx := -feather; dx <= feather; dx++ {
			if dx*dx+dy*dy <= feather*feather && m.Value(x+dx, y+dy) != 0 {
				return true
			}
		}
	}
	return false
}

// TestCompositeKeepsFarPixels is the compositing guarantee: every pixel
// farther than feather pixels (Euclidean, d > feather exactly) from every
// masked pixel is bit-identical to the input, alpha included, and every
// pixel's alpha is unchanged, for random images of every colour model and
// size (1x1 and odd sizes included, sub-images with offset origins), random
// masks, feathers and patches.
func TestCompositeKeepsFarPixels(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	iters := 1500
	if testing.Short() {
		iters = 300
	}
	changed, checked := 0, 0
	for it := 0; it < iters; it++ {
		w, h := 1+rng.Intn(40), 1+rng.Intn(40)
		if rng.Intn(10) == 0 {
			w, h = 1, 1+rng.Intn(3)
		}
		model := modelNames[rng.Intn(len(modelNames))]
		orig := randImage(rng, model, w, h, rng.Intn(4) == 0)
		m := randMask(rng, w, h)
		feather := rng.Intn(8)
		patches := randPatches(rng, m)
		name := fmt.Sprintf("iter %d: %s %dx%d bounds %v feather %d, %d patches", it, model, w, h, orig.Bounds(), feather, len(patches))

		before := cloneForOutput(orig) // a second copy, to see orig is untouched
		out, err := Composite(orig, patches, m, feather)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		after := cloneForOutput(orig)
		b := orig.Bounds()
		if out.Bounds() != b {
			t.Fatalf("%s: bounds %v, want %v", name, out.Bounds(), b)
		}
		var inWin func(x, y int) bool = func(x, y int) bool {
			for _, p := range patches {
				if image.Pt(x, y).In(p.Window) {
					return true
				}
			}
			return false
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				px, py := b.Min.X+x, b.Min.Y+y
				if ok, msg := samePixel(before, after, px, py); !ok {
					t.Fatalf("%s: Composite changed its input at (%d,%d): %s", name, x, y, msg)
				}
				if _, _, _, a0 := orig.At(px, py).RGBA(); true {
					if _, _, _, a1 := out.At(px, py).RGBA(); a1 != a0 {
						t.Fatalf("%s: alpha at (%d,%d) is %#x, want %#x", name, x, y, a1, a0)
					}
				}
				same, msg := samePixel(orig, out, px, py)
				if !same {
					changed++
				}
				if !nearMask(m, x, y, feather) || !inWin(x, y) {
					checked++
					if !same {
						t.Fatalf("%s: pixel (%d,%d), farther than %d from the mask or outside the windows, changed: %s",
							name, x, y, feather, msg)
					}
				}
			}
		}
		checkMaskedTakesPatch(t, name, orig, out, patches, m)
		checkChangedRect(t, name, orig, out, patches, m, feather)
		checkInPlace(t, name, orig, out, patches, m, feather)
	}
	t.Logf("%d pixels changed, %d far pixels checked unchanged", changed, checked)
	if changed == 0 || checked == 0 {
		t.Fatal("the random cases exercise nothing")
	}
}

// checkMaskedTakesPatch checks that opaque fully masked pixels take the
// last covering patch's colour (to the output's precision).
func checkMaskedTakesPatch(t *testing.T, name string, orig, out image.Image, patches []Patch, m *Mask) {
	t.Helper()
	b := orig.Bounds()
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			if m.Value(x, y) != 255 {
				continue
			}
			if _, _, _, a := orig.At(b.Min.X+x, b.Min.Y+y).RGBA(); a != 0xffff {
				continue
			}
			var want color.NRGBA64
			for _, p := range patches {
				if image.Pt(x, y).In(p.Window) {
					q := image.Pt(x, y).Sub(p.Window.Min).Add(p.Pixels.Rect.Min)
					want = p.Pixels.NRGBA64At(q.X, q.Y)
				}
			}
			want.A = 0xffff
			exp := out.ColorModel().Convert(want)
			if got := out.At(b.Min.X+x, b.Min.Y+y); got != exp {
				t.Fatalf("%s: masked pixel (%d,%d) is %v, want the patch's %v", name, x, y, got, exp)
			}
		}
	}
}

func TestCompositeModels(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	cases := []struct {
		model string
		want  string
	}{
		{"NRGBA", "*image.NRGBA"},
		{"RGBA", "*image.RGBA"},
		{"NRGBA64", "*image.NRGBA64"},
		{"RGBA64", "*image.RGBA64"},
		{"Gray", "*image.Gray"},
		{"Gray16", "*image.Gray16"},
		{"Paletted", "*image.NRGBA"},
		{"YCbCr", "*image.NRGBA"},
		{"CMYK", "*image.NRGBA"},
		{"Alpha", "*image.NRGBA64"},
		{"NYCbCrA", "*image.NRGBA64"},
	}
	for _, c := range cases {
		t.Run(c.model, func(t *testing.T) {
			orig := randImage(rng, c.model, 9, 7, false)
			m := NewMask(9, 7)
			m.Set(4, 3, 255)
			px := image.NewNRGBA64(image.Rect(0, 0, 9, 7))
			out, err := Composite(orig, []Patch{{Window: m.Bounds(), Pixels: px}}, m, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%T", out); got != c.want {
				t.Errorf("output is %s, want %s", got, c.want)
			}
		})
	}
}

func TestCompositeBlend(t *testing.T) {
	// A gray 8-bit image, a white patch, one soft mask pixel and a feather.
	orig := image.NewGray(image.Rect(0, 0, 7, 1))
	m := NewMask(7, 1)
	m.Set(0, 0, 255)
	m.Set(1, 0, 128)
	white := image.NewNRGBA64(image.Rect(0, 0, 7, 1))
	for i := range white.Pix {
		white.Pix[i] = 0xff
	}
	out, err := Composite(orig, []Patch{{Window: m.Bounds(), Pixels: white}}, m, 3)
	if err != nil {
		t.Fatal(err)
	}
	g := out.(*image.Gray).Pix
	// x=0: full; x=1: 128/255; x=2,3,4: ramp from the soft pixel (distance
	// 1, 2, 3 of feather 3, scaled by 128/255); x=5,6: beyond the feather.
	want := []uint8{255, 128}
	for d := 1; d <= 3; d++ {
		want = append(want, uint8(uint32(featherWeight(d*d, 128, 3))*255/0xffff))
	}
	want = append(want, 0, 0)
	for i := range want {
		if int(g[i])-int(want[i]) > 1 || int(want[i])-int(g[i]) > 1 {
			t.Errorf("pixel %d = %d, want %d (row %v)", i, g[i], want[i], g)
		}
	}
	if !(g[1] > g[2] && g[2] > g[3] && g[3] > g[4] && g[4] > 0) {
		t.Errorf("ramp is not decreasing: %v", g)
	}
}

func TestCompositeErrors(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	m := NewMask(10, 10)
	m.Set(8, 8, 255)
	px := func(w, h int) *image.NRGBA64 { return image.NewNRGBA64(image.Rect(0, 0, w, h)) }
	cases := []struct {
		name    string
		mask    *Mask
		patches []Patch
		feather int
		want    string
	}{
		{"nil mask", nil, nil, 0, "no mask"},
		{"mask size", NewMask(10, 9), nil, 0, "mask is 10x9 pixels but the image is 10x10"},
		{"uncovered", m, []Patch{{image.Rect(0, 0, 5, 5), px(5, 5)}}, 0, "1 masked pixels lie in no patch window (the first at (8,8))"},
		{"no patches", m, nil, 0, "lie in no patch window"},
		{"nil pixels", m, []Patch{{image.Rect(5, 5, 10, 10), nil}}, 0, "patch 0 has no pixels"},
		{"patch size", m, []Patch{{image.Rect(5, 5, 10, 10), px(4, 5)}}, 0, "patch 0 is 4x5 but its window"},
		{"window outside", m, []Patch{{image.Rect(5, 5, 11, 10), px(6, 5)}}, 0, "not inside the 10x10 image"},
		{"empty window", m, []Patch{{image.Rect(5, 5, 5, 10), px(0, 5)}}, 0, "is empty"},
		{"negative feather", m, []Patch{{image.Rect(5, 5, 10, 10), px(5, 5)}}, -1, "feather -1 is outside"},
		{"huge feather", m, []Patch{{image.Rect(5, 5, 10, 10), px(5, 5)}}, MaxFeather + 1, "outside [0, 1024]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Composite(img, c.patches, c.mask, c.feather)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
	if _, err := Composite(nil, nil, m, 0); err == nil {
		t.Error("nil image: no error")
	}
}

func TestCompositeEmptyMaskCopies(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	orig := randImage(rng, "RGBA64", 5, 4, true)
	out, err := Composite(orig, nil, NewMask(5, 4), 4)
	if err != nil {
		t.Fatal(err)
	}
	b := orig.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if ok, msg := samePixel(orig, out, x, y); !ok {
				t.Fatalf("(%d,%d): %s", x, y, msg)
			}
		}
	}
}

// checkChangedRect checks that no pixel outside ChangedRect changed.
func checkChangedRect(t *testing.T, name string, orig, out image.Image, patches []Patch, m *Mask, feather int) {
	t.Helper()
	cr := ChangedRect(patches, m, feather)
	b := orig.Bounds()
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			if image.Pt(x, y).In(cr) {
				continue
			}
			if ok, msg := samePixel(orig, out, b.Min.X+x, b.Min.Y+y); !ok {
				t.Fatalf("%s: (%d,%d) outside ChangedRect %v changed: %s", name, x, y, cr, msg)
			}
		}
	}
}

// checkInPlace checks that CompositeInPlace gives Composite's bytes where
// it applies (a type Composite keeps, disjoint windows), and refuses
// otherwise without touching the image.
func checkInPlace(t *testing.T, name string, orig, out image.Image, patches []Patch, m *Mask, feather int) {
	t.Helper()
	img := cloneForOutput(orig)
	disjoint := true
	for i := range patches {
		for j := i + 1; j < len(patches); j++ {
			disjoint = disjoint && !patches[i].Window.Overlaps(patches[j].Window)
		}
	}
	keeps := fmt.Sprintf("%T", img) == fmt.Sprintf("%T", orig)
	err := CompositeInPlace(img, patches, m, feather)
	if disjoint && keeps {
		if err != nil {
			t.Fatalf("%s: CompositeInPlace: %v", name, err)
		}
	} else if err == nil && !disjoint {
		t.Fatalf("%s: CompositeInPlace accepted overlapping windows", name)
	}
	want := out
	if err != nil {
		want = cloneForOutput(orig)
	}
	if !keeps {
		return
	}
	b := orig.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if ok, msg := samePixel(want, img, x, y); !ok {
				t.Fatalf("%s: CompositeInPlace (err %v) differs at (%d,%d): %s", name, err, x, y, msg)
			}
		}
	}
}

func TestCompositeInPlaceRefuses(t *testing.T) {
	m := NewMask(4, 4)
	m.Set(1, 1, 255)
	px := image.NewNRGBA64(image.Rect(0, 0, 4, 4))
	p := []Patch{{Window: m.Bounds(), Pixels: px}}
	pal := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black})
	if err := CompositeInPlace(pal, p, m, 0); err == nil || !strings.Contains(err.Error(), "use Composite") {
		t.Errorf("Paletted: err = %v", err)
	}
	if err := CompositeInPlace(nil, p, m, 0); err == nil {
		t.Error("nil image accepted")
	}
	if err := CompositeInPlace(image.NewGray(image.Rect(0, 0, 4, 4)), append(p, p...), m, 0); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("overlapping windows: err = %v", err)
	}
}
