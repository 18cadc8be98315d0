package canvas

import (
	"image"
	"image/color"
	"math"
	"math/rand"
	"testing"
)

// distToSegment is the distance from p to the segment a-b.
func distToSegment(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = min(max(((px-ax)*dx+(py-ay)*dy)/l2, 0), 1)
	}
	return math.Hypot(px-ax-t*dx, py-ay-t*dy)
}

// TestStrokeCoversPath: a hard stroke sets every pixel whose centre is
// inside the swept disc (less half a pixel) and no pixel beyond it, for
// any number of pointer events along the path.
func TestStrokeCoversPath(t *testing.T) {
	for _, events := range []int{1, 3, 50} {
		for _, d := range []float64{1, 4, 11, 40} {
			m := NewMask(120, 80)
			b := Brush{Diameter: d, Hardness: 1}
			ax, ay, bx, by := 10.3, 20.7, 100.2, 61.1
			s := b.BeginStroke(m, ax, ay)
			for i := 1; i <= events; i++ {
				f := float64(i) / float64(events)
				s.LineTo(ax+(bx-ax)*f, ay+(by-ay)*f)
			}
			s.End()
			r := d / 2
			for y := 0; y < m.H; y++ {
				for x := 0; x < m.W; x++ {
					dist := distToSegment(float64(x)+0.5, float64(y)+0.5, ax, ay, bx, by)
					v := m.Value(x, y)
					switch {
					case dist <= r-0.55-0.01*r && v != 255: // discrete dabs: a sagitta of s²/8r
						t.Fatalf("d=%v events=%d: pixel (%d,%d) at %.2f from the path is %d, want 255", d, events, x, y, dist, v)
					case dist >= r+0.5 && v != 0:
						t.Fatalf("d=%v events=%d: pixel (%d,%d) at %.2f from the path is %d, want 0", d, events, x, y, dist, v)
					case v != 0 && !image.Pt(x, y).In(s.Changed):
						t.Fatalf("pixel (%d,%d) changed outside Changed %v", x, y, s.Changed)
					}
				}
			}
		}
	}
}

func TestDabHardness(t *testing.T) {
	m := NewMask(41, 41)
	Brush{Diameter: 30, Hardness: 0.2}.Dab(m, 20.5, 20.5)
	if v := m.Value(20, 20); v != 255 {
		t.Errorf("centre of a soft dab is %d, want 255", v)
	}
	prev := uint8(255)
	for x := 20; x < 41; x++ { // falls off monotonically towards the rim
		v := m.Value(x, 20)
		if v > prev {
			t.Fatalf("soft dab rises at x=%d: %d after %d", x, v, prev)
		}
		prev = v
	}
	if v := m.Value(31, 20); v == 0 || v == 255 {
		t.Errorf("soft dab at 0.7 radius is %d, want a partial value", v)
	}
	if v := m.Value(36, 20); v != 0 {
		t.Errorf("soft dab past the radius is %d, want 0", v)
	}
}

func TestEraserRemoves(t *testing.T) {
	m := NewMask(50, 50)
	m.Fill(m.Bounds(), 255)
	e := Brush{Diameter: 10, Hardness: 1, Erase: true}
	s := e.BeginStroke(m, 5, 25)
	s.LineTo(45, 25)
	if v := m.Value(25, 25); v != 0 {
		t.Errorf("erased pixel is %d", v)
	}
	if v := m.Value(25, 10); v != 255 {
		t.Errorf("pixel away from the eraser is %d", v)
	}
}

func TestDabSpacingIsEven(t *testing.T) {
	// A long path fed in many tiny moves and one big move paints the same.
	a, b := NewMask(200, 30), NewMask(200, 30)
	br := Brush{Diameter: 9, Hardness: 0.5}
	s := br.BeginStroke(a, 5, 15)
	for x := 5.0; x <= 195; x += 0.37 {
		s.LineTo(x, 15)
	}
	s.LineTo(195, 15)
	s.End()
	s2 := br.BeginStroke(b, 5, 15)
	s2.LineTo(195, 15)
	s2.End()
	diff := 0
	for i := range a.Pix {
		if d := int(a.Pix[i]) - int(b.Pix[i]); d > 2 || d < -2 {
			diff++
		}
	}
	if diff > 0 {
		t.Errorf("%d pixels differ between a path fed in small and in one step", diff)
	}
}

func TestViewRoundTripAndZoomAt(t *testing.T) {
	v := View{Zoom: 2.5, OffX: 13, OffY: -7}
	x, y := v.ToImage(v.ToScreen(17.25, 3.5))
	if math.Abs(x-17.25) > 1e-9 || math.Abs(y-3.5) > 1e-9 {
		t.Errorf("round trip gives (%v, %v)", x, y)
	}
	ix, iy := v.ToImage(300, 200)
	v.ZoomAt(1.7, 300, 200)
	jx, jy := v.ToImage(300, 200)
	if math.Abs(ix-jx) > 1e-9 || math.Abs(iy-jy) > 1e-9 {
		t.Errorf("zoom at the cursor moved the point under it: (%v,%v) -> (%v,%v)", ix, iy, jx, jy)
	}
	v.SetZoomAt(1e9, 0, 0)
	if v.Zoom != MaxZoom {
		t.Errorf("zoom not clamped: %v", v.Zoom)
	}
	f := FitView(4000, 3000, 800, 600, 0)
	if f.Zoom != 0.2 || f.OffX != 0 || f.OffY != 0 {
		t.Errorf("fit = %+v", f)
	}
	if r := f.VisibleRect(4000, 3000, 800, 600); r != image.Rect(0, 0, 4000, 3000) {
		t.Errorf("visible rect of a fitted view = %v", r)
	}
	if NextZoom(1, true) != 1.5 || NextZoom(1, false) != 2.0/3 || NextZoom(0.3, true) != 1.0/3 {
		t.Error("zoom steps wrong")
	}
}

func TestRegionsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, name := range []string{"NRGBA", "RGBA", "NRGBA64", "Gray16", "Paletted", "YCbCr"} {
		img := Editable(randImage(rng, name, 30, 20, false))
		orig := Editable(img)
		r := image.Rect(5, 3, 17, 11)
		saved := CopyRect(img, r)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				img.Set(x, y, color.NRGBA{1, 2, 3, 255})
			}
		}
		if err := PasteImage(img, saved); err != nil {
			t.Fatal(err)
		}
		if !samePix(img, orig) {
			t.Errorf("%s: paste did not restore the region", name)
		}
	}
	m := NewMask(10, 10)
	m.Set(3, 4, 200)
	r := image.Rect(2, 2, 6, 6)
	vals := m.Region(r)
	m.Fill(r, 9)
	m.SwapRegion(r, vals)
	if m.Value(3, 4) != 200 || m.Value(2, 2) != 0 || vals[0] != 9 {
		t.Error("SwapRegion did not swap")
	}
	m.Invert()
	if m.Value(3, 4) != 55 || m.Value(0, 0) != 255 {
		t.Error("Invert")
	}
	if c := m.Crop(image.Rect(3, 4, 5, 6)); c.W != 2 || c.H != 2 || c.Value(0, 0) != 55 {
		t.Errorf("Crop = %+v", c)
	}
	dst := image.NewRGBA(image.Rect(0, 0, 10, 10))
	PaintOverlay(dst, m, dst.Rect, color.NRGBA{255, 0, 0, 128})
	if got := dst.RGBAAt(0, 0); got != (color.RGBA{128, 0, 0, 128}) {
		t.Errorf("overlay pixel = %v", got)
	}
}

func samePix(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}
