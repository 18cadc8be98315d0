package ui

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"gioui.org/f32"
	"gioui.org/io/event"
	"gioui.org/io/key"
	"gioui.org/io/pointer"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"

	"bartedit/app"
	"bartedit/canvas"
)

// maskColour is the overlay colour of masked pixels (opacity included).
var (
	maskColour    = color.NRGBA{R: 255, G: 40, B: 90, A: 130}
	maskColourDim = color.NRGBA{R: 255, G: 40, B: 90, A: 45}
)

// CanvasView shows the document: the picture, the mask overlay, a run's
// preview, and the brush cursor; it turns drags into brush strokes and
// wheel, middle-drag and Space+drag into zoom and pan. The picture, the
// original and the overlay are cached as tiles of image ops, rebuilt only
// where pixels changed.
type CanvasView struct {
	View      canvas.View
	Brush     canvas.Brush
	ShowMask  bool
	Compare   bool        // hold Tab: show the picture without the preview (or the original)
	SpaceHeld bool        // Space is down: the primary button pans
	Preview   *image.RGBA // drawn over the picture at Preview.Rect; nil for none
	FocusTag  event.Tag   // focused on a press, so shortcuts work after clicking the canvas

	doc                      *app.Document
	fitted                   bool
	size                     image.Point
	picture, mask            *pyramid
	image, original, overlay tiles
	dimOverlay               tiles // the overlay, fainter, over a preview
	previewSrc               *image.RGBA
	preview                  tiles

	pointerIn, panning, painting bool
	pos, panLast                 f32.Point
	ring                         brushRing
}

// SetDocument shows d (nil for none), fitted to the window at the next
// layout.
func (c *CanvasView) SetDocument(d *app.Document) {
	c.doc, c.fitted, c.painting, c.panning, c.Preview = d, false, false, false, nil
	if d == nil {
		return
	}
	img, m := d.Image, d.Mask
	b := img.Bounds()
	c.picture = newRGBAPyramid(b.Dx(), b.Dy(), func(dst *image.RGBA, r image.Rectangle) {
		draw.Draw(dst, r, img, r.Min.Add(b.Min), draw.Src)
		flatten(dst.SubImage(r).(*image.RGBA), paperColour)
	})
	c.image.reset(c.picture)
	c.original.reset(nil) // built when first compared
	c.mask = newAlphaPyramid(m.Pix, m.W, m.H)
	c.overlay.reset(c.mask)
	c.overlay.lut, c.overlay.trim = overlayLUT(maskColour), true
	// Over a preview the overlay is fainter. A tile set of its own, not an
	// opacity layer, which is drawn offscreen (slow in software GL).
	c.dimOverlay.reset(c.mask)
	c.dimOverlay.lut, c.dimOverlay.trim = overlayLUT(maskColourDim), true
}

// showOriginal prepares the tiles of the picture as opened.
func (c *CanvasView) showOriginal() {
	if c.original.src != nil {
		return
	}
	orig := c.doc.Original()
	b := orig.Bounds()
	c.original.reset(newRGBAPyramid(b.Dx(), b.Dy(), func(dst *image.RGBA, r image.Rectangle) {
		draw.Draw(dst, r, orig, r.Min.Add(b.Min), draw.Src)
		flatten(dst.SubImage(r).(*image.RGBA), paperColour)
	}))
}

// paperColour shows through transparent pixels of the picture.
var paperColour = color.RGBA{R: 0xf4, G: 0xf4, B: 0xf4, A: 0xff}

// flatten composites the premultiplied dst onto the opaque colour bg, so
// picture tiles are opaque and nothing needs drawing under them.
func flatten(dst *image.RGBA, bg color.RGBA) {
	for i := 3; i < len(dst.Pix); i += 4 {
		if a := dst.Pix[i]; a != 0xff {
			k := uint32(0xff - a)
			p := dst.Pix[i-3 : i+1 : i+1]
			p[0] += uint8((uint32(bg.R)*k + 127) / 255)
			p[1] += uint8((uint32(bg.G)*k + 127) / 255)
			p[2] += uint8((uint32(bg.B)*k + 127) / 255)
			p[3] = 0xff
		}
	}
}

// Changed redraws what ch says changed.
func (c *CanvasView) Changed(ch app.Change) {
	if c.picture != nil && !ch.Image.Empty() {
		c.picture.update(ch.Image)
		c.image.invalidate(ch.Image)
	}
	c.invalidateMask(ch.Mask)
}

func (c *CanvasView) invalidateMask(r image.Rectangle) {
	if c.mask == nil || r.Empty() {
		return
	}
	c.mask.update(r)
	c.overlay.invalidate(r)
	c.dimOverlay.invalidate(r)
}

// Fit zooms so the whole picture shows; Actual shows it at 100%.
func (c *CanvasView) Fit() {
	if c.doc == nil || c.size == (image.Point{}) {
		c.fitted = false
		return
	}
	s := c.doc.Size()
	c.View, c.fitted = canvas.FitView(s.X, s.Y, c.size.X, c.size.Y, 16), true
}

// Actual shows the picture at 100%, centred on the view's centre.
func (c *CanvasView) Actual() { c.zoomCentre(1) }

// ZoomStep zooms in or out one step around the view's centre.
func (c *CanvasView) ZoomStep(in bool) { c.zoomCentre(canvas.NextZoom(c.View.Zoom, in)) }

func (c *CanvasView) zoomCentre(z float64) {
	c.View.SetZoomAt(z, float64(c.size.X)/2, float64(c.size.Y)/2)
}

// pointerFilter asks for every pointer event over the canvas.
func (c *CanvasView) pointerFilter() pointer.Filter {
	return pointer.Filter{
		Target: c,
		Kinds: pointer.Press | pointer.Drag | pointer.Release | pointer.Move | pointer.Enter |
			pointer.Leave | pointer.Scroll | pointer.Cancel,
		ScrollX: pointer.ScrollRange{Min: -1 << 20, Max: 1 << 20},
		ScrollY: pointer.ScrollRange{Min: -1 << 20, Max: 1 << 20},
	}
}

func (c *CanvasView) update(gtx layout.Context) {
	for {
		ev, ok := gtx.Event(c.pointerFilter())
		if !ok {
			break
		}
		e, ok := ev.(pointer.Event)
		if !ok {
			continue
		}
		switch e.Kind {
		case pointer.Enter, pointer.Move:
			c.pointerIn, c.pos = true, e.Position
		case pointer.Leave:
			c.pointerIn = false
		case pointer.Press:
			c.pos = e.Position
			if c.FocusTag != nil {
				gtx.Execute(key.FocusCmd{Tag: c.FocusTag})
			}
			switch {
			case e.Buttons.Contain(pointer.ButtonTertiary),
				e.Buttons.Contain(pointer.ButtonPrimary) && c.SpaceHeld:
				c.panning, c.panLast = true, e.Position
			case e.Buttons.Contain(pointer.ButtonPrimary) && c.doc != nil && !c.painting:
				x, y := c.View.ToImage(float64(e.Position.X), float64(e.Position.Y))
				c.invalidateMask(c.doc.BeginStroke(c.Brush, x, y))
				c.painting = true
			}
		case pointer.Drag:
			c.pos = e.Position
			if c.panning {
				d := e.Position.Sub(c.panLast)
				c.View.Pan(float64(d.X), float64(d.Y))
				c.panLast = e.Position
			}
			if c.painting {
				x, y := c.View.ToImage(float64(e.Position.X), float64(e.Position.Y))
				c.invalidateMask(c.doc.StrokeTo(x, y))
			}
		case pointer.Release, pointer.Cancel:
			if c.painting {
				if e.Kind == pointer.Release {
					x, y := c.View.ToImage(float64(e.Position.X), float64(e.Position.Y))
					c.invalidateMask(c.doc.StrokeTo(x, y))
				}
				c.invalidateMask(c.doc.EndStroke())
				c.painting = false
			}
			c.panning = false
		case pointer.Scroll:
			c.scroll(e)
		}
	}
}

// wheelStep is the scroll distance of one wheel click on X11 (Gio reports
// 10) and Wayland (100); smooth touchpad scrolling gives other amounts.
const wheelStep = 10

// scroll handles the wheel: Ctrl+wheel sizes the brush; a plain wheel
// click zooms at the cursor; sideways (Shift+wheel) and touchpad
// two-finger scrolling pan.
func (c *CanvasView) scroll(e pointer.Event) {
	s := e.Scroll
	clicks := float64(s.Y) / wheelStep
	wheel := s.X == 0 && s.Y != 0 && clicks == math.Trunc(clicks)
	switch {
	case e.Modifiers.Contain(key.ModShortcut):
		if s.Y != 0 {
			c.Brush.Diameter = clampBrush(c.Brush.Diameter * math.Pow(1.1, -float64(s.Y)/wheelStep))
		}
	case wheel:
		c.View.ZoomAt(math.Pow(1.25, -clicks), float64(e.Position.X), float64(e.Position.Y))
	default:
		c.View.Pan(-float64(s.X), -float64(s.Y))
	}
}

func clampBrush(d float64) float64 {
	return min(max(math.Round(d*10)/10, canvas.MinBrush), canvas.MaxBrush)
}

// Layout handles pointer input and draws the canvas in the whole area.
func (c *CanvasView) Layout(gtx layout.Context) layout.Dimensions {
	c.update(gtx)
	size := gtx.Constraints.Max
	if size != c.size && c.size != (image.Point{}) && c.doc != nil && c.fitted {
		// Keep the picture's centre where it was when the window resizes.
		c.View.Pan(float64(size.X-c.size.X)/2, float64(size.Y-c.size.Y)/2)
	}
	c.size = size
	if !c.fitted && c.doc != nil && size.X > 0 && size.Y > 0 {
		c.Fit()
		gtx.Execute(op.InvalidateCmd{}) // what was laid out before the canvas shows the new zoom
	}
	defer clip.Rect{Max: size}.Push(gtx.Ops).Pop()
	var xf screenXf
	var picture image.Rectangle // on the screen
	if c.doc != nil {
		xf = screenXf{Zoom: float32(c.View.Zoom), Off: f32.Pt(float32(c.View.OffX), float32(c.View.OffY))}
		picture = xf.pictureRect(c.doc.Size())
	}
	fillAround(gtx.Ops, image.Rectangle{Max: size}, picture, color.NRGBA{R: 0x3a, G: 0x3c, B: 0x40, A: 0xff})
	event.Op(gtx.Ops, c)
	cursor := pointer.CursorCrosshair
	if c.panning || c.SpaceHeld {
		cursor = pointer.CursorGrab
	}
	cursor.Add(gtx.Ops)
	if c.doc == nil {
		return layout.Dimensions{Size: size}
	}
	// Everything is drawn 1:1 at whole pixels (see tiles); the picture
	// tiles are opaque (see flatten): nothing is drawn under them.
	area := image.Rectangle{Max: size}
	switch {
	case c.Compare && c.Preview == nil:
		c.showOriginal()
		c.original.draw(gtx.Ops, area, xf)
	default:
		c.image.draw(gtx.Ops, area, xf)
	}
	if c.Preview != nil && !c.Compare {
		if c.Preview != c.previewSrc {
			p := c.Preview
			c.previewSrc = p
			c.preview.reset(newRGBAPyramid(p.Rect.Dx(), p.Rect.Dy(), func(dst *image.RGBA, r image.Rectangle) {
				draw.Draw(dst, r, p, r.Min.Add(p.Rect.Min), draw.Src)
			}))
		}
		c.preview.origin = c.Preview.Rect.Min // sampled on the picture's pixel grid
		c.preview.draw(gtx.Ops, area, xf)
	}
	if c.ShowMask && !c.Compare {
		if c.Preview != nil && !c.painting {
			c.dimOverlay.draw(gtx.Ops, area, xf) // the preview shows through
		} else {
			c.overlay.draw(gtx.Ops, area, xf)
		}
	}
	if c.pointerIn && !c.panning && !c.SpaceHeld {
		c.drawCursor(gtx)
	}
	return layout.Dimensions{Size: size}
}

// fillAround paints area outside hole with col: four rectangles, so the
// pixels under the opaque picture are not filled twice.
func fillAround(ops *op.Ops, area, hole image.Rectangle, col color.NRGBA) {
	hole = hole.Intersect(area)
	if hole.Empty() {
		paint.FillShape(ops, col, clip.Rect(area).Op())
		return
	}
	for _, r := range []image.Rectangle{
		{Min: area.Min, Max: image.Pt(area.Max.X, hole.Min.Y)},
		{Min: image.Pt(area.Min.X, hole.Max.Y), Max: area.Max},
		{Min: image.Pt(area.Min.X, hole.Min.Y), Max: image.Pt(hole.Min.X, hole.Max.Y)},
		{Min: image.Pt(hole.Max.X, hole.Min.Y), Max: image.Pt(area.Max.X, hole.Max.Y)},
	} {
		if !r.Empty() {
			paint.FillShape(ops, col, clip.Rect(r).Op())
		}
	}
}

// drawCursor outlines the brush at the pointer (see brushRing).
func (c *CanvasView) drawCursor(gtx layout.Context) {
	centre := image.Pt(int(math.Round(float64(c.pos.X))), int(math.Round(float64(c.pos.Y))))
	c.ring.draw(gtx.Ops, centre, c.Brush.Diameter*c.View.Zoom/2, image.Rectangle{Max: c.size})
}
