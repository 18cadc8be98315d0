package canvas

import (
	"image"
	"math"
)

// Brush limits, in image pixels.
const (
	MinBrush = 1.0
	MaxBrush = 2000.0
)

// Brush is a round mask brush. A dab at (cx, cy) gives each pixel whose
// centre lies at distance d from (cx, cy) the coverage
//
//	c(d) = min(edge(d), soft(d)),
//	edge(d) = clamp(r + 0.5 - d, 0, 1)                   (one-pixel anti-aliased rim)
//	soft(d) = 1 - smoothstep((d - h*r) / (r - h*r))      (1 inside h*r, 0 at r)
//
// with r the radius and h the hardness. Painting raises a pixel to
// 255*c(d) (the maximum of what is there and the dab, so overlapping dabs
// never build up: a stroke is as dense as one dab); erasing lowers it to
// 255*(1 - c(d)).
type Brush struct {
	Diameter float64 // image pixels, MinBrush..MaxBrush
	Hardness float64 // 0 (soft) .. 1 (hard edge)
	Erase    bool
}

// Spacing is the distance between dabs along a stroke, in image pixels: a
// tenth of the diameter (at least half a pixel), so a stroke looks the
// same whatever the zoom or pointer speed, and dragging fast leaves a
// continuous line rather than a row of dots.
func (b Brush) Spacing() float64 { return max(0.5, b.diameter()*0.1) }

func (b Brush) diameter() float64 {
	return min(max(b.Diameter, MinBrush), MaxBrush)
}

// Reach returns the pixels a dab at (cx, cy) can change.
func (b Brush) Reach(cx, cy float64) image.Rectangle {
	r := b.diameter()/2 + 1
	return image.Rect(int(math.Floor(cx-r)), int(math.Floor(cy-r)), int(math.Ceil(cx+r)), int(math.Ceil(cy+r)))
}

// Dab paints (or erases) one dab centred at image point (cx, cy) and
// returns the rectangle of pixels it may have changed, clipped to m.
func (b Brush) Dab(m *Mask, cx, cy float64) image.Rectangle {
	rect := b.Reach(cx, cy).Intersect(m.Bounds())
	if rect.Empty() {
		return image.Rectangle{}
	}
	r := b.diameter() / 2
	h := min(max(b.Hardness, 0), 1)
	inner := h * r
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		dy := float64(y) + 0.5 - cy
		row := m.Pix[y*m.W : (y+1)*m.W]
		for x := rect.Min.X; x < rect.Max.X; x++ {
			dx := float64(x) + 0.5 - cx
			d := math.Sqrt(dx*dx + dy*dy)
			c := min(max(r+0.5-d, 0), 1)
			if d > inner && r > inner {
				t := min((d-inner)/(r-inner), 1)
				c = min(c, 1-t*t*(3-2*t))
			}
			if c <= 0 {
				continue
			}
			v := uint8(math.Round(255 * c))
			if b.Erase {
				row[x] = min(row[x], 255-v)
			} else {
				row[x] = max(row[x], v)
			}
		}
	}
	return rect
}

// Stroke is one drag of a brush over a mask: dabs spaced Brush.Spacing()
// apart along the path, the first at the press point. Changed collects
// every pixel the stroke may have changed (for undo and redraw).
type Stroke struct {
	Brush   Brush
	Mask    *Mask
	Changed image.Rectangle
	x, y    float64 // last point of the path
	rest    float64 // path length since the last dab
}

// BeginStroke starts a stroke at image point (x, y), painting its first
// dab.
func (b Brush) BeginStroke(m *Mask, x, y float64) *Stroke {
	s := &Stroke{Brush: b, Mask: m, x: x, y: y}
	s.Changed = b.Dab(m, x, y)
	return s
}

// LineTo extends the stroke to (x, y), painting a dab every Spacing along
// the segment, and returns the rectangle this call may have changed.
func (s *Stroke) LineTo(x, y float64) image.Rectangle {
	dx, dy := x-s.x, y-s.y
	dist := math.Hypot(dx, dy)
	var changed image.Rectangle
	if dist == 0 {
		return changed
	}
	step := s.Brush.Spacing()
	// The next dab falls step - rest along the segment.
	last := -s.rest // where the last dab fell, along this segment
	for t := step - s.rest; t <= dist; t += step {
		f := t / dist
		changed = changed.Union(s.Brush.Dab(s.Mask, s.x+dx*f, s.y+dy*f))
		last = t
	}
	s.rest = dist - last
	s.x, s.y = x, y
	s.Changed = s.Changed.Union(changed)
	return changed
}

// End finishes the stroke with a dab at its last point, unless a dab fell
// there already, so the stroke reaches where the pointer was released. It
// returns the rectangle it may have changed.
func (s *Stroke) End() image.Rectangle {
	if s.rest == 0 {
		return image.Rectangle{}
	}
	s.rest = 0
	r := s.Brush.Dab(s.Mask, s.x, s.y)
	s.Changed = s.Changed.Union(r)
	return r
}

// Pos returns the last point of the stroke's path.
func (s *Stroke) Pos() (x, y float64) { return s.x, s.y }
