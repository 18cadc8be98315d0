package canvas

import (
	"image"
	"image/color"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestMaskFromImage(t *testing.T) {
	gray := func(vs ...uint8) image.Image {
		m := image.NewGray(image.Rect(0, 0, len(vs), 1))
		copy(m.Pix, vs)
		return m
	}
	nrgba := func(cs ...color.NRGBA) image.Image {
		m := image.NewNRGBA(image.Rect(0, 0, len(cs), 1))
		for i, c := range cs {
			m.SetNRGBA(i, 0, c)
		}
		return m
	}
	g16 := image.NewGray16(image.Rect(0, 0, 3, 1))
	g16.SetGray16(0, 0, color.Gray16{0x7fff})
	g16.SetGray16(1, 0, color.Gray16{0x8000})
	g16.SetGray16(2, 0, color.Gray16{0xffff})
	sub := image.NewGray(image.Rect(-2, -2, 4, 4))
	sub.SetGray(1, 1, color.Gray{255})
	cases := []struct {
		name string
		img  image.Image
		want []uint8
	}{
		{"gray threshold", gray(0, 127, 128, 255), []uint8{0, 0, 255, 255}},
		{"gray16 threshold", g16, []uint8{0, 255, 255}},
		{"opaque colour by luminance", nrgba(
			color.NRGBA{255, 0, 0, 255},     // red: dark
			color.NRGBA{0, 255, 0, 255},     // green: bright
			color.NRGBA{255, 255, 255, 255}, // white
		), []uint8{0, 255, 255}},
		{"alpha decides when any pixel is translucent", nrgba(
			color.NRGBA{0, 0, 0, 255},       // black but opaque: masked
			color.NRGBA{255, 255, 255, 127}, // white but faint: kept
			color.NRGBA{255, 255, 255, 0},
			color.NRGBA{10, 10, 10, 128},
		), []uint8{255, 0, 0, 255}},
		{"sub-image origin", sub.SubImage(image.Rect(0, 0, 3, 2)), []uint8{0, 0, 0, 0, 255, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := MaskFromImage(c.img)
			if s := c.img.Bounds().Size(); m.W != s.X || m.H != s.Y {
				t.Fatalf("mask %dx%d for image %v", m.W, m.H, c.img.Bounds())
			}
			if !reflect.DeepEqual(m.Pix, c.want) {
				t.Errorf("got %v, want %v", m.Pix, c.want)
			}
		})
	}
}

func TestMaskRoundTripAsImage(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	m := randMask(rng, 23, 17)
	for i, v := range m.Pix {
		if v != 0 {
			m.Pix[i] = 255
		}
	}
	m.Set(0, 0, 0) // keep one transparent pixel so the alpha rule applies
	if got := MaskFromImage(m); !reflect.DeepEqual(got.Pix, m.Pix) {
		t.Error("MaskFromImage(mask) differs from the mask")
	}
	if got := MaskFromImage(m.Alpha()); !reflect.DeepEqual(got.Pix, m.Pix) {
		t.Error("MaskFromImage(mask.Alpha()) differs from the mask")
	}
}

func TestMaskBasics(t *testing.T) {
	m := NewMask(5, 4)
	if !m.Empty() || !m.BoundingBox().Empty() {
		t.Fatal("new mask not empty")
	}
	m.Set(-1, 0, 9)
	m.Set(5, 0, 9)
	if !m.Empty() {
		t.Fatal("Set outside the mask changed it")
	}
	m.Set(1, 2, 9)
	m.Set(3, 1, 1)
	if m.Empty() || m.Value(1, 2) != 9 || m.Value(9, 9) != 0 {
		t.Fatal("Set/Value")
	}
	if got, want := m.BoundingBox(), image.Rect(1, 1, 4, 3); got != want {
		t.Errorf("BoundingBox = %v, want %v", got, want)
	}
	c := m.Clone()
	c.Set(0, 0, 1)
	if m.Value(0, 0) != 0 {
		t.Error("Clone shares pixels")
	}
	if NewMask(-3, 2).W != 0 {
		t.Error("negative size")
	}
	var nilMask *Mask
	if !nilMask.Empty() {
		t.Error("nil mask not empty")
	}
}

func TestMaskCheckSize(t *testing.T) {
	cases := []struct {
		m    *Mask
		b    image.Rectangle
		want string
	}{
		{NewMask(4, 3), image.Rect(0, 0, 4, 3), ""},
		{NewMask(4, 3), image.Rect(10, 10, 14, 13), ""},
		{NewMask(4, 3), image.Rect(0, 0, 3, 4), "mask is 4x3 pixels but the image is 3x4"},
		{nil, image.Rect(0, 0, 1, 1), "no mask"},
		{&Mask{W: 2, H: 2, Pix: make([]uint8, 3)}, image.Rect(0, 0, 2, 2), "holds 3 values"},
	}
	for _, c := range cases {
		err := c.m.CheckSize(c.b)
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckSize(%v) = %v, want %q", c.b, err, c.want)
		}
	}
}

func maskOf(w, h int, rects ...image.Rectangle) *Mask {
	m := NewMask(w, h)
	for _, r := range rects {
		m.Fill(r, 255)
	}
	return m
}

func TestComponents(t *testing.T) {
	ring := maskOf(20, 20, image.Rect(2, 2, 12, 3), image.Rect(2, 11, 12, 12), image.Rect(2, 2, 3, 12), image.Rect(11, 2, 12, 12))
	ring.Set(6, 6, 255) // a dot inside the ring: its box overlaps the ring's
	cases := []struct {
		name string
		m    *Mask
		gap  int
		want []image.Rectangle
	}{
		{"empty", NewMask(8, 8), 3, nil},
		{"one pixel", maskOf(8, 8, image.Rect(3, 4, 4, 5)), 0, []image.Rectangle{image.Rect(3, 4, 4, 5)}},
		{"two far", maskOf(30, 30, image.Rect(0, 0, 2, 2), image.Rect(20, 20, 25, 22)), 5,
			[]image.Rectangle{image.Rect(0, 0, 2, 2), image.Rect(20, 20, 25, 22)}},
		{"diagonal touch is connected", maskOf(8, 8, image.Rect(0, 0, 2, 2), image.Rect(2, 2, 4, 4)), 0,
			[]image.Rectangle{image.Rect(0, 0, 4, 4)}},
		{"gap of 2 empty columns, gap 2 keeps apart", maskOf(10, 3, image.Rect(0, 0, 2, 1), image.Rect(4, 0, 5, 1)), 2,
			[]image.Rectangle{image.Rect(0, 0, 2, 1), image.Rect(4, 0, 5, 1)}},
		{"gap of 2 empty columns, gap 3 merges", maskOf(10, 3, image.Rect(0, 0, 2, 1), image.Rect(4, 0, 5, 1)), 3,
			[]image.Rectangle{image.Rect(0, 0, 5, 1)}},
		{"chain merge", maskOf(40, 3, image.Rect(0, 0, 1, 1), image.Rect(3, 2, 4, 3), image.Rect(6, 0, 7, 1), image.Rect(30, 0, 31, 1)), 3,
			[]image.Rectangle{image.Rect(0, 0, 7, 3), image.Rect(30, 0, 31, 1)}},
		{"overlapping boxes merge at gap 0", ring, 0, []image.Rectangle{image.Rect(2, 2, 12, 12)}},
		{"U shape is one region", maskOf(9, 9, image.Rect(0, 0, 1, 9), image.Rect(8, 0, 9, 9), image.Rect(0, 8, 9, 9)), 0,
			[]image.Rectangle{image.Rect(0, 0, 9, 9)}},
		{"full", maskOf(7, 5, image.Rect(0, 0, 7, 5)), 0, []image.Rectangle{image.Rect(0, 0, 7, 5)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Components(c.m, c.gap); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

// bruteComponents labels with a flood fill and merges boxes pairwise.
func bruteComponents(m *Mask, gap int) []image.Rectangle {
	seen := make([]bool, len(m.Pix))
	var boxes []image.Rectangle
	for i, v := range m.Pix {
		if v == 0 || seen[i] {
			continue
		}
		var box image.Rectangle
		stack := []int{i}
		seen[i] = true
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := p%m.W, p/m.W
			box = box.Union(image.Rect(x, y, x+1, y+1))
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if m.Value(x+dx, y+dy) != 0 && !seen[(y+dy)*m.W+x+dx] {
						seen[(y+dy)*m.W+x+dx] = true
						stack = append(stack, (y+dy)*m.W+x+dx)
					}
				}
			}
		}
		boxes = append(boxes, box)
	}
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(boxes) && !merged; i++ {
			for j := i + 1; j < len(boxes); j++ {
				if boxesClose(boxes[i], boxes[j], gap) {
					boxes[i] = boxes[i].Union(boxes[j])
					boxes = append(boxes[:j], boxes[j+1:]...)
					merged = true
					break
				}
			}
		}
	}
	sort.Slice(boxes, func(i, j int) bool {
		if boxes[i].Min.Y != boxes[j].Min.Y {
			return boxes[i].Min.Y < boxes[j].Min.Y
		}
		return boxes[i].Min.X < boxes[j].Min.X
	})
	return boxes
}

func TestComponentsRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for it := 0; it < 500; it++ {
		w, h := 1+rng.Intn(50), 1+rng.Intn(50)
		m := randMask(rng, w, h)
		if rng.Intn(3) == 0 { // sparse noise: many small regions
			for i := range m.Pix {
				if rng.Intn(20) == 0 {
					m.Pix[i] = 255
				}
			}
		}
		gap := rng.Intn(6)
		got, want := Components(m, gap), bruteComponents(m, gap)
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("iter %d (%dx%d gap %d): got %v, want %v", it, w, h, gap, got, want)
		}
		for i := range got {
			for j := i + 1; j < len(got); j++ {
				if boxesClose(got[i], got[j], gap) {
					t.Fatalf("iter %d: boxes %v and %v are closer than %d", it, got[i], got[j], gap)
				}
			}
		}
	}
}

func TestNonZeroScans(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for it := 0; it < 2000; it++ {
		b := make([]byte, rng.Intn(40))
		for i := rng.Intn(3); i > 0 && len(b) > 0; i-- {
			b[rng.Intn(len(b))] = byte(1 + rng.Intn(255))
		}
		from := rng.Intn(len(b) + 1)
		wantNext, wantLast := len(b), -1
		for i := len(b) - 1; i >= 0; i-- {
			if b[i] != 0 {
				if i >= from {
					wantNext = i
				}
				if wantLast < 0 {
					wantLast = i
				}
			}
		}
		if got := nextNonZero(b, from); got != wantNext {
			t.Fatalf("nextNonZero(%v, %d) = %d, want %d", b, from, got, wantNext)
		}
		if got := lastNonZero(b); got != wantLast {
			t.Fatalf("lastNonZero(%v) = %d, want %d", b, got, wantLast)
		}
	}
}

// TestComponentsCoarse: masks with more regions than the fine labelling
// keeps are labelled on blocks; the boxes still hold every masked pixel,
// are disjoint and few.
func TestComponentsCoarse(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	cases := []struct {
		name string
		m    *Mask
	}{
		{"dots every 3 px", func() *Mask {
			m := NewMask(600, 500)
			for y := 0; y < 500; y += 3 {
				for x := 0; x < 600; x += 3 {
					m.Set(x, y, 255)
				}
			}
			return m
		}()},
		{"5% noise", func() *Mask {
			m := NewMask(700, 700)
			for i := range m.Pix {
				if rng.Intn(20) == 0 {
					m.Pix[i] = 255
				}
			}
			return m
		}()},
		{"dots every 40 px", func() *Mask {
			m := NewMask(4000, 4000)
			for y := 0; y < 4000; y += 40 {
				for x := 0; x < 4000; x += 40 {
					m.Set(x, y, 255)
				}
			}
			return m
		}()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, gap := range []int{0, 5} {
				boxes := Components(c.m, gap)
				if len(boxes) == 0 || len(boxes) > maxRegions {
					t.Fatalf("gap %d: %d boxes", gap, len(boxes))
				}
				for i := range boxes {
					if !boxes[i].In(c.m.Bounds()) {
						t.Fatalf("box %v outside the mask", boxes[i])
					}
					for j := i + 1; j < len(boxes); j++ {
						if boxesClose(boxes[i], boxes[j], gap) {
							t.Fatalf("boxes %v and %v closer than %d", boxes[i], boxes[j], gap)
						}
					}
				}
				for y := 0; y < c.m.H; y++ {
					for x := 0; x < c.m.W; x++ {
						if c.m.Value(x, y) == 0 {
							continue
						}
						in := false
						for _, b := range boxes {
							in = in || image.Pt(x, y).In(b)
						}
						if !in {
							t.Fatalf("gap %d: masked (%d,%d) in no box", gap, x, y)
						}
					}
				}
			}
		})
	}
}
