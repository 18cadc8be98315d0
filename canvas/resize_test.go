package canvas

import (
	"image"
	"image/color"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

func uniform(model string, w, h int, c color.Color) image.Image {
	var m interface {
		image.Image
		Set(x, y int, c color.Color)
	}
	r := image.Rect(0, 0, w, h)
	switch model {
	case "NRGBA":
		m = image.NewNRGBA(r)
	case "NRGBA64":
		m = image.NewNRGBA64(r)
	case "Gray16":
		m = image.NewGray16(r)
	case "RGBA":
		m = image.NewRGBA(r)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Set(x, y, c)
		}
	}
	return m
}

func TestToModelValues(t *testing.T) {
	cases := []struct {
		name    string
		img     image.Image
		win     image.Rectangle
		size    int
		r, g, b float64
	}{
		{"8-bit x/127.5-1", uniform("NRGBA", 50, 40, color.NRGBA{0, 255, 51, 255}), image.Rect(5, 5, 45, 35), 8,
			-1, 1, 51/127.5 - 1},
		{"16-bit precision", uniform("NRGBA64", 9, 9, color.NRGBA64{0x8000, 0x0101, 0xfffe, 0xffff}), image.Rect(0, 0, 9, 9), 4,
			0x8000/32767.5 - 1, 0x0101/32767.5 - 1, 0xfffe/32767.5 - 1},
		{"gray16", uniform("Gray16", 3, 3, color.Gray16{0x1234}), image.Rect(0, 0, 3, 3), 16,
			0x1234/32767.5 - 1, 0x1234/32767.5 - 1, 0x1234/32767.5 - 1},
		{"un-premultiplied colour, alpha ignored", uniform("NRGBA", 4, 4, color.NRGBA{200, 100, 0, 10}), image.Rect(0, 0, 4, 4), 4,
			200/127.5 - 1, 100/127.5 - 1, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ToModel(c.img, c.win, c.size)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 3*c.size*c.size {
				t.Fatalf("len %d", len(got))
			}
			n := c.size * c.size
			for i, want := range []float64{c.r, c.g, c.b} {
				for _, v := range got[i*n : (i+1)*n] {
					if math.Abs(float64(v)-want) > 1e-5 {
						t.Fatalf("channel %d: %v, want %v", i, v, want)
					}
				}
			}
		})
	}
}

// At scale 1 the resampler must be the identity, and FromModel must invert
// ToModel to within 16-bit rounding.
func TestToModelFromModelIdentity(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	for _, model := range []string{"NRGBA", "NRGBA64", "Gray", "YCbCr", "Paletted", "RGBA64"} {
		img := randImage(rng, model, 20, 13, true)
		win := image.Rect(3, 0, 16, 13)
		pix, err := ToModel(img, win, 13)
		if err != nil {
			t.Fatal(err)
		}
		back, err := FromModel(pix, 13, 13, 13)
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		rd := newPixelReader(img)
		row := make([]uint16, 4*13)
		for y := 0; y < 13; y++ {
			rd.row(row, b.Min.Y+win.Min.Y+y, b.Min.X+win.Min.X, b.Min.X+win.Max.X)
			for x := 0; x < 13; x++ {
				got := back.NRGBA64At(x, y)
				for c, g := range []uint16{got.R, got.G, got.B} {
					if d := int(g) - int(row[4*x+c]); d > 2 || d < -2 {
						t.Fatalf("%s (%d,%d) channel %d: %d, want %d", model, x, y, c, g, row[4*x+c])
					}
				}
				if got.A != 0xffff {
					t.Fatalf("alpha %d", got.A)
				}
			}
		}
	}
}

func TestToModelDownsampleSmooth(t *testing.T) {
	// A 1-pixel checkerboard shrunk 8x averages to grey, not to aliasing.
	img := image.NewGray(image.Rect(0, 0, 256, 256))
	for i := range img.Pix {
		if (i%256+i/256)%2 == 0 {
			img.Pix[i] = 255
		}
	}
	pix, err := ToModel(img, img.Rect, 32)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range pix {
		if math.Abs(float64(v)) > 0.02 {
			t.Fatalf("value %v, want about 0", v)
		}
	}
}

func TestFromModelClampAndStretch(t *testing.T) {
	pix := make([]float32, 3*4*4)
	for i := range pix {
		pix[i] = []float32{-7, 7, float32(math.NaN())}[i/16]
	}
	img, err := FromModel(pix, 4, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	if img.Rect != image.Rect(0, 0, 10, 3) {
		t.Fatalf("bounds %v", img.Rect)
	}
	for y := 0; y < 3; y++ {
		for x := 0; x < 10; x++ {
			c := img.NRGBA64At(x, y)
			if c.B == 0x7fff { // (0+1)/2 after float resampling may round down
				c.B = 0x8000
			}
			if c != (color.NRGBA64{0, 0xffff, 0x8000, 0xffff}) {
				t.Fatalf("(%d,%d) = %v", x, y, c)
			}
		}
	}
}

func TestModelIOErrors(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	m := NewMask(10, 10)
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"ToModel empty window", err2(ToModel(img, image.Rect(3, 3, 3, 8), 8)), "is empty"},
		{"ToModel outside", err2(ToModel(img, image.Rect(-1, 0, 5, 5), 8)), "not inside"},
		{"ToModel size", err2(ToModel(img, image.Rect(0, 0, 5, 5), 0)), "must be positive"},
		{"FromModel length", err2(FromModel(make([]float32, 10), 2, 4, 4)), "has 10 values"},
		{"FromModel size", err2(FromModel(make([]float32, 12), 2, 0, 4)), "must be positive"},
		{"TokenMask grid", err2(TokenMask(m, image.Rect(0, 0, 5, 5), 32, 5, false)), "not a positive multiple"},
		{"TokenMask nil", err2(TokenMask(nil, image.Rect(0, 0, 5, 5), 32, 4, false)), "no mask"},
		{"TokenMask window", err2(TokenMask(m, image.Rect(0, 0, 11, 5), 32, 4, false)), "not inside"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, c.err, c.want)
		}
	}
}

func err2[T any](_ T, err error) error { return err }

func grid(rows ...string) []bool {
	var out []bool
	for _, r := range rows {
		for _, c := range r {
			out = append(out, c == '#')
		}
	}
	return out
}

func TestTokenMask(t *testing.T) {
	cases := []struct {
		name   string
		mask   *Mask
		win    image.Rectangle
		size   int
		g      int
		dilate bool
		want   []bool
	}{
		{"one pixel", maskOf(16, 16, image.Rect(5, 9, 6, 10)), image.Rect(0, 0, 16, 16), 16, 4, false,
			grid("....", "....", ".#..", "....")},
		{"one pixel dilated", maskOf(16, 16, image.Rect(5, 9, 6, 10)), image.Rect(0, 0, 16, 16), 16, 4, true,
			grid("....", "###.", "###.", "###.")},
		{"corner dilated", maskOf(16, 16, image.Rect(15, 15, 16, 16)), image.Rect(0, 0, 16, 16), 16, 4, true,
			grid("....", "....", "..##", "..##")},
		{"window offset", maskOf(40, 40, image.Rect(20, 20, 21, 21)), image.Rect(20, 20, 36, 36), 16, 4, false,
			grid("#...", "....", "....", "....")},
		{"thin stroke in a big window", maskOf(1000, 1000, image.Rect(0, 999, 1000, 1000)), image.Rect(0, 0, 1000, 1000), 256, 16, false,
			grid(strings.Repeat(".", 16*15), strings.Repeat("#", 16))},
		{"pixel straddling two cells marks both", maskOf(10, 10, image.Rect(3, 0, 4, 1)), image.Rect(0, 0, 10, 10), 9, 3, false,
			grid("##.", "...", "...")}, // cells are 3.33 px: pixel 3 spans [3,4)
		{"rectangular window", maskOf(7, 50, image.Rect(6, 49, 7, 50)), image.Rect(0, 0, 7, 50), 8, 2, false,
			grid("..", ".#")},
		{"empty", NewMask(8, 8), image.Rect(0, 0, 8, 8), 8, 8, true, make([]bool, 64)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := TokenMask(c.mask, c.win, c.size, c.g, c.dilate)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %v\nwant %v", got, c.want)
			}
		})
	}
}

// TestTokenMaskAreaMax compares TokenMask with its definition: shrink the
// window's mask to size x size by area-max (a model pixel is set if any
// window pixel overlapping it with positive area is masked), then max-pool
// f x f cells.
func TestTokenMaskAreaMax(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for it := 0; it < 300; it++ {
		w, h := 1+rng.Intn(90), 1+rng.Intn(90)
		m := NewMask(w, h)
		for i := rng.Intn(4); i > 0; i-- {
			m.Set(rng.Intn(w), rng.Intn(h), uint8(1+rng.Intn(255)))
		}
		x0, y0 := rng.Intn(w), rng.Intn(h)
		win := image.Rect(x0, y0, x0+1+rng.Intn(w-x0), y0+1+rng.Intn(h-y0))
		g := []int{1, 2, 4, 8}[rng.Intn(4)]
		size := g * (1 + rng.Intn(4))
		got, err := TokenMask(m, win, size, g, false)
		if err != nil {
			t.Fatal(err)
		}
		W, H := win.Dx(), win.Dy()
		small := make([]bool, size*size)
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				if m.Value(win.Min.X+x, win.Min.Y+y) == 0 {
					continue
				}
				// model pixels i with [x, x+1) overlapping [i*W/size, (i+1)*W/size)
				for j := 0; j < size; j++ {
					for i := 0; i < size; i++ {
						if x*size < (i+1)*W && (x+1)*size > i*W && y*size < (j+1)*H && (y+1)*size > j*H {
							small[j*size+i] = true
						}
					}
				}
			}
		}
		f := size / g
		want := make([]bool, g*g)
		for j := 0; j < size; j++ {
			for i := 0; i < size; i++ {
				if small[j*size+i] {
					want[(j/f)*g+i/f] = true
				}
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("iter %d: win %v size %d grid %d:\ngot  %v\nwant %v", it, win, size, g, got, want)
		}
	}
}
