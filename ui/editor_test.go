package ui

import (
	"math"
	"strings"
	"testing"

	"gioui.org/f32"
	"gioui.org/io/key"
	"gioui.org/io/pointer"

	"bartedit/canvas"
)

// TestDragPaintsAtZoomLevels: a drag paints the pixels under the path,
// with the brush's size in image pixels, at several zoom levels; the
// eraser removes them.
func TestDragPaintsAtZoomLevels(t *testing.T) {
	for _, zoom := range []float64{0.5, 1, 3.7} {
		h := newHarness(t)
		h.open(400, 300)
		c := h.ed.Canvas()
		c.View = canvas.View{Zoom: zoom, OffX: 13.5, OffY: 7}
		c.Brush = canvas.Brush{Diameter: 10, Hardness: 1}
		ax, ay, bx, by := 40.0, 60.0, 160.0, 100.0
		h.drag(pointer.ButtonPrimary, h.screen(ax, ay), h.screen(bx, by), 7, 0)
		m := h.ed.Document().Mask
		for y := 0; y < m.H; y++ {
			for x := 0; x < m.W; x++ {
				d := segDist(float64(x)+0.5, float64(y)+0.5, ax, ay, bx, by)
				v := m.Value(x, y)
				// One screen pixel of slack for where the pointer lands.
				slack := 1 / zoom
				if d <= 5-0.6-slack && v != 255 {
					t.Fatalf("zoom %v: pixel (%d,%d) on the path is %d", zoom, x, y, v)
				}
				if d >= 5+0.5+slack && v != 0 {
					t.Fatalf("zoom %v: pixel (%d,%d) %.1f from the path is %d", zoom, x, y, d, v)
				}
			}
		}
		if h.ed.Document().History.Len() != 1 {
			t.Errorf("zoom %v: the drag made %d undo steps, want 1", zoom, h.ed.Document().History.Len())
		}
		// The eraser removes what the brush painted along the same path.
		h.key("E", 0)
		c.Brush.Diameter = 16
		h.drag(pointer.ButtonPrimary, h.screen(ax, ay), h.screen(bx, by), 3, 0)
		if !m.Empty() {
			t.Errorf("zoom %v: the eraser left %v masked", zoom, m.BoundingBox())
		}
	}
}

func segDist(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := min(max(((px-ax)*dx+(py-ay)*dy)/(dx*dx+dy*dy), 0), 1)
	return math.Hypot(px-ax-t*dx, py-ay-t*dy)
}

func TestToolShortcuts(t *testing.T) {
	h := newHarness(t)
	h.open(400, 300)
	c := h.ed.Canvas()
	h.key("E", 0)
	if !c.Brush.Erase {
		t.Error("E did not pick the eraser")
	}
	h.key("B", 0)
	if c.Brush.Erase {
		t.Error("B did not pick the brush")
	}
	h.key("X", 0)
	if !c.Brush.Erase {
		t.Error("X did not toggle to the eraser")
	}
	h.key("X", 0)
	d := c.Brush.Diameter
	h.key("]", 0)
	if c.Brush.Diameter <= d {
		t.Errorf("] did not grow the brush: %v -> %v", d, c.Brush.Diameter)
	}
	h.key("[", 0)
	h.key("[", 0)
	if c.Brush.Diameter >= d {
		t.Errorf("[ did not shrink the brush: %v", c.Brush.Diameter)
	}
	d = c.Brush.Diameter
	mid := h.screen(200, 150)
	h.scroll(mid, 0, -10, key.ModShortcut)
	if c.Brush.Diameter <= d {
		t.Errorf("Ctrl+wheel up did not grow the brush")
	}
	h.key("H", 0)
	if c.ShowMask {
		t.Error("H did not hide the mask")
	}
	h.key("H", 0)

	// Wheel zoom keeps the point under the cursor.
	z := c.View.Zoom
	under := h.screen(100, 80)
	h.scroll(under, 0, -10, 0)
	if c.View.Zoom <= z {
		t.Errorf("wheel up did not zoom in: %v -> %v", z, c.View.Zoom)
	}
	if p := h.screen(100, 80); p.Sub(under).X > 0.01 || p.Sub(under).Y > 0.01 {
		t.Errorf("the point under the cursor moved: %v -> %v", under, p)
	}
	// Sideways or touchpad scrolling pans.
	off := c.View.OffX
	h.scroll(under, 7.5, 0, 0)
	if c.View.OffX != off-7.5 {
		t.Errorf("sideways scroll did not pan: %v -> %v", off, c.View.OffX)
	}
	h.key("1", key.ModShortcut)
	if c.View.Zoom != 1 {
		t.Errorf("Ctrl+1 gave zoom %v", c.View.Zoom)
	}
	h.key("=", key.ModShortcut)
	if c.View.Zoom != 1.5 {
		t.Errorf("Ctrl+= gave zoom %v", c.View.Zoom)
	}
	h.key("-", key.ModShortcut)
	h.key("-", key.ModShortcut)
	if c.View.Zoom != 2.0/3 {
		t.Errorf("Ctrl+- twice gave zoom %v", c.View.Zoom)
	}
	h.key("0", key.ModShortcut)
	fit := canvas.FitView(400, 300, c.size.X, c.size.Y, 16)
	if c.View != fit {
		t.Errorf("Ctrl+0 gave %+v, want %+v", c.View, fit)
	}

	// Space+drag and middle-drag pan instead of painting.
	for _, pan := range []struct {
		name  string
		btn   pointer.Buttons
		space bool
	}{{"space+drag", pointer.ButtonPrimary, true}, {"middle drag", pointer.ButtonTertiary, false}} {
		v := c.View
		if pan.space {
			h.keyState(key.NameSpace, key.Press)
		}
		h.drag(pan.btn, h.screen(100, 100), h.screen(100, 100).Add(f32.Pt(30, -20)), 4, 0)
		if pan.space {
			h.keyState(key.NameSpace, key.Release)
		}
		if c.View.OffX != v.OffX+30 || c.View.OffY != v.OffY-20 {
			t.Errorf("%s: view %+v -> %+v, want a pan by (30,-20)", pan.name, v, c.View)
		}
		if !h.ed.Document().Mask.Empty() {
			t.Errorf("%s painted", pan.name)
		}
	}

	// Tab held compares.
	h.keyState(key.NameTab, key.Press)
	if !c.Compare {
		t.Error("holding Tab does not compare")
	}
	h.keyState(key.NameTab, key.Release)
	if c.Compare {
		t.Error("releasing Tab still compares")
	}
}

func TestMaskShortcutsAndHistory(t *testing.T) {
	h := newHarness(t)
	h.open(300, 200)
	m := h.ed.Document().Mask
	h.drag(pointer.ButtonPrimary, h.screen(50, 50), h.screen(150, 120), 5, 0)
	painted := m.Clone()
	if m.Empty() {
		t.Fatal("nothing painted")
	}
	h.key("I", key.ModShortcut|key.ModShift)
	if m.Value(0, 0) != 255 {
		t.Error("Ctrl+Shift+I did not invert")
	}
	h.key("D", key.ModShortcut)
	if !m.Empty() {
		t.Error("Ctrl+D did not clear")
	}
	h.key("Z", key.ModShortcut)
	h.key("Z", key.ModShortcut)
	if string(m.Pix) != string(painted.Pix) {
		t.Error("two undos did not restore the painted mask")
	}
	h.key("Z", key.ModShortcut)
	if !m.Empty() {
		t.Error("undo of the stroke left pixels")
	}
	h.key("Z", key.ModShortcut|key.ModShift)
	if string(m.Pix) != string(painted.Pix) {
		t.Error("Ctrl+Shift+Z did not redo the stroke")
	}
	h.key("Y", key.ModShortcut)
	if m.Value(0, 0) != 255 {
		t.Error("Ctrl+Y did not redo the inversion")
	}
}

// TestTextFieldFeedbackAndFocus: typing in the prompt shows the unknown
// words, and single-letter shortcuts do not fire while typing.
func TestTextFieldFeedbackAndFocus(t *testing.T) {
	h := newHarness(t)
	h.open(200, 100)
	p := &h.ed.panel
	h.focus(&p.text)
	h.r.Queue(key.EditEvent{Text: "a zebra cat"})
	h.r.Queue(key.SelectionEvent{Start: 11, End: 11})
	h.r.Queue(key.Event{Name: "E", State: key.Press})
	h.frame()
	h.frame()
	if got := p.text.Text(); got != "a zebra cat" {
		t.Fatalf("text field holds %q", got)
	}
	if h.ed.Canvas().Brush.Erase {
		t.Error("a letter typed in the text field switched to the eraser")
	}
	if fb := p.feedback; len(fb.Unknown) == 0 || fb.Unknown[0] != "zebra" {
		t.Errorf("feedback %+v, want zebra unknown", fb)
	}
	// Esc gives the focus back to the editor; then E works.
	h.key(key.NameEscape, 0)
	h.key("E", 0)
	if !h.ed.Canvas().Brush.Erase {
		t.Error("after Esc, E did not pick the eraser")
	}
	if s, err := h.ed.Settings(); err != nil || s.Text != "a zebra cat" {
		t.Errorf("settings %+v, %v", s, err)
	}
	if !strings.Contains(ProgressText(h.ed.snap.Progress), "%") {
		t.Error("progress text")
	}
}

// TestNumberFieldFocus: an unfocused field's editor shapes blanks (the
// field is drawn as an image); taking the focus shows the text and
// selects the value, so what is typed replaces it; losing it blanks again.
func TestNumberFieldFocus(t *testing.T) {
	h := newHarness(t)
	h.open(200, 100)
	p := &h.ed.panel
	if p.seed.Mask != ' ' {
		t.Fatalf("unfocused seed field shapes %q, want blanks", p.seed.Mask)
	}
	h.focus(&p.seed)
	if p.seed.Mask != 0 {
		t.Fatalf("focused seed field still masked with %q", p.seed.Mask)
	}
	a, b := p.seed.Selection()
	if min(a, b) != 0 || max(a, b) != p.seed.Len() || p.seed.Len() == 0 {
		t.Fatalf("focus selected %d..%d of %q, want all of it", a, b, p.seed.Text())
	}
	h.r.Queue(key.EditEvent{Range: key.Range{Start: min(a, b), End: max(a, b)}, Text: "42"})
	h.frame()
	h.frame()
	if got := p.seed.Text(); got != "42" {
		t.Fatalf("typing over the selected seed gave %q", got)
	}
	h.key(key.NameEscape, 0)
	h.frame()
	if p.seed.Mask != ' ' {
		t.Errorf("after Esc the seed field shapes %q, want blanks", p.seed.Mask)
	}
	if s, err := h.ed.Settings(); err != nil || s.Seed != 42 {
		t.Errorf("settings seed %v, %v; want 42", s.Seed, err)
	}
}

// TestBlendChoice: the panel starts with the model's blend (the fixture
// takes prompts: feather) and its two buttons set Settings.Seamless.
func TestBlendChoice(t *testing.T) {
	h := newHarness(t)
	h.open(200, 100)
	seamless := func() bool {
		t.Helper()
		s, err := h.ed.Settings()
		if err != nil {
			t.Fatal(err)
		}
		return s.Seamless
	}
	if seamless() {
		t.Fatal("a prompted model starts with the seamless blend")
	}
	h.ed.panel.seamlessBtn.Click()
	h.frame()
	if !seamless() {
		t.Error("the seamless button did not choose the seamless blend")
	}
	h.ed.panel.featherBtn.Click()
	h.frame()
	if seamless() {
		t.Error("the feather button did not choose the feathered fill")
	}
}
