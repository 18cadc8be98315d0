package canvas

import (
	"image"
	"math/rand"
	"reflect"
	"testing"
)

func TestWindows(t *testing.T) {
	cases := []struct {
		name          string
		w, h          int
		mask          []image.Rectangle
		context, size int
		want          []image.Rectangle
	}{
		{"empty mask", 100, 100, nil, 8, 64, nil},
		{"centre, context decides", 200, 200, []image.Rectangle{image.Rect(90, 95, 110, 105)}, 20, 32,
			[]image.Rectangle{image.Rect(70, 70, 130, 130)}}, // 60x50 box -> 60 square
		{"tiny mask gets modelSize/2", 200, 200, []image.Rectangle{image.Rect(100, 100, 101, 101)}, 2, 64,
			[]image.Rectangle{image.Rect(100-15, 100-15, 100-15+32, 100-15+32)}},
		{"top-left corner slides inward", 100, 100, []image.Rectangle{image.Rect(0, 0, 3, 3)}, 10, 64,
			[]image.Rectangle{image.Rect(0, 0, 32, 32)}},
		{"bottom-right corner slides inward", 100, 80, []image.Rectangle{image.Rect(97, 77, 100, 80)}, 10, 64,
			[]image.Rectangle{image.Rect(68, 48, 100, 80)}},
		{"two far components, two windows", 300, 300,
			[]image.Rectangle{image.Rect(10, 10, 20, 20), image.Rect(250, 250, 260, 260)}, 10, 32,
			[]image.Rectangle{image.Rect(0, 0, 30, 30), image.Rect(240, 240, 270, 270)}},
		{"two near components merge", 300, 300,
			[]image.Rectangle{image.Rect(100, 100, 110, 110), image.Rect(125, 100, 135, 110)}, 10, 32,
			[]image.Rectangle{image.Rect(90, 78, 145, 133)}}, // 15 px apart: two windows, which overlap
		{"windows overlapping after squaring merge", 300, 300,
			[]image.Rectangle{image.Rect(100, 100, 101, 101), image.Rect(120, 100, 121, 101)}, 0, 64,
			[]image.Rectangle{image.Rect(85, 75, 137, 127)}},
		{"windows just apart stay apart", 300, 300,
			[]image.Rectangle{image.Rect(100, 100, 101, 101), image.Rect(140, 100, 141, 101)}, 0, 64,
			[]image.Rectangle{image.Rect(85, 85, 117, 117), image.Rect(125, 85, 157, 117)}},
		{"1x1 image", 1, 1, []image.Rectangle{image.Rect(0, 0, 1, 1)}, 16, 256,
			[]image.Rectangle{image.Rect(0, 0, 1, 1)}},
		{"7x5000 image: full width, square height", 7, 5000, []image.Rectangle{image.Rect(2, 2500, 4, 2510)}, 16, 64,
			[]image.Rectangle{image.Rect(0, 2505-21, 7, 2505-21+42)}},
		{"mask covering everything", 640, 480, []image.Rectangle{image.Rect(0, 0, 640, 480)}, 32, 256,
			[]image.Rectangle{image.Rect(0, 0, 640, 480)}},
		{"wide image, tall mask", 1000, 50, []image.Rectangle{image.Rect(500, 0, 501, 50)}, 0, 16,
			[]image.Rectangle{image.Rect(476, 0, 526, 50)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := maskOf(c.w, c.h, c.mask...)
			got := Windows(m, c.w, c.h, c.context, c.size)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			checkWindows(t, m, c.w, c.h, c.context, c.size, got)
		})
	}
}

// checkWindows checks the invariants of Windows' result.
func checkWindows(t *testing.T, m *Mask, w, h, context, size int, wins []image.Rectangle) {
	t.Helper()
	bounds := image.Rect(0, 0, w, h)
	minSide := max(size/2, 1)
	for i, win := range wins {
		if win.Empty() || !win.In(bounds) {
			t.Fatalf("window %v not inside %v", win, bounds)
		}
		dx, dy := win.Dx(), win.Dy()
		switch {
		case dx == dy:
			if dx < minSide && dx < w && dx < h {
				t.Fatalf("window %v smaller than %d", win, minSide)
			}
		case dx == w && dx < dy, dy == h && dy < dx:
			// a full-span axis; the other is the square's side
		default:
			t.Fatalf("window %v is neither square nor spanning a whole axis of %dx%d", win, w, h)
		}
		for j := i + 1; j < len(wins); j++ {
			if win.Overlaps(wins[j]) {
				t.Fatalf("windows %v and %v overlap", win, wins[j])
			}
		}
	}
	for _, box := range Components(m, context) {
		want := box.Inset(-context).Intersect(bounds)
		found := false
		for _, win := range wins {
			if box.In(win) {
				found = true
				// The context margin is there unless the border cut it.
				if !want.In(win) && win.Dx() >= want.Dx() && win.Dy() >= want.Dy() && !touchesBorder(win, want, bounds) {
					t.Fatalf("window %v lacks context for %v (want %v inside)", win, box, want)
				}
			}
		}
		if !found {
			t.Fatalf("region %v in no window of %v", box, wins)
		}
	}
}

func touchesBorder(win, want, bounds image.Rectangle) bool {
	return win.Min.X == bounds.Min.X || win.Min.Y == bounds.Min.Y || win.Max.X == bounds.Max.X || win.Max.Y == bounds.Max.Y
}

func TestWindowsRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for it := 0; it < 1000; it++ {
		w, h := 1+rng.Intn(120), 1+rng.Intn(120)
		if rng.Intn(5) == 0 {
			w = 1 + rng.Intn(8)
		}
		m := randMask(rng, w, h)
		context, size := rng.Intn(20), []int{8, 32, 64, 256}[rng.Intn(4)]
		wins := Windows(m, w, h, context, size)
		checkWindows(t, m, w, h, context, size, wins)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if m.Value(x, y) == 0 {
					continue
				}
				n := 0
				for _, win := range wins {
					if image.Pt(x, y).In(win) {
						n++
					}
				}
				if n != 1 {
					t.Fatalf("iter %d: masked (%d,%d) in %d windows of %v", it, x, y, n, wins)
				}
			}
		}
	}
}

func TestWindowsLargeImage(t *testing.T) {
	m := NewMask(8000, 8000)
	m.Fill(image.Rect(7990, 10, 8000, 20), 255)
	m.Fill(image.Rect(4000, 4000, 4100, 4030), 255)
	got := Windows(m, 8000, 8000, 64, 256)
	want := []image.Rectangle{image.Rect(7862, 0, 8000, 138), image.Rect(3936, 3901, 4164, 4129)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestWindowsBadInput(t *testing.T) {
	m := maskOf(10, 10, image.Rect(2, 2, 4, 4))
	if got := Windows(nil, 10, 10, 1, 8); got != nil {
		t.Errorf("nil mask: %v", got)
	}
	if got := Windows(m, 0, 10, 1, 8); got != nil {
		t.Errorf("zero width: %v", got)
	}
	// A mask larger than the image: regions are clipped to the image.
	big := maskOf(20, 20, image.Rect(15, 15, 18, 18), image.Rect(1, 1, 2, 2))
	for _, win := range Windows(big, 10, 10, -5, 0) {
		if !win.In(image.Rect(0, 0, 10, 10)) {
			t.Errorf("window %v outside the image", win)
		}
	}
}
