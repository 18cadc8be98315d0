package ui

import (
	"image"
	"image/color"
	"image/draw"

	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"
)

// Text fields: a flat frame of rectangles around a single-line
// widget.Editor. A focused field is Gio's editor as it is (glyphs, caret,
// selection). An unfocused one is drawn as one cached image, frame and
// text together, while its editor, still laid out on top for the clicks,
// the focus and Tab, shapes blanks (Editor.Mask = ' '), so it draws
// nothing. Gio's glyphs are paths whose coverage Mesa's llvmpipe renders
// again every frame: the panel's 17 fields cost 2.5 ms of a frame's
// single-core rendering as glyphs (a headless 1280x820 frame, this 2-core
// VM), and their frames two more draws each.

// Field colours.
var (
	fieldBorder = color.NRGBA{R: 0xbd, G: 0xc1, B: 0xc6, A: 0xff}
	fieldFill   = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
)

// fieldInset is the space between a field's frame and its text.
const fieldInset = unit.Dp(4)

// fields remembers, per editor, whether it had the focus in the last frame
// and the image that shows it unfocused.
type fields struct {
	focused map[*widget.Editor]bool
	images  map[*widget.Editor]*fieldImage
}

type fieldImage struct {
	text, hint string
	size       image.Point
	op         paint.ImageOp
}

// selectAll says how a field takes the focus: true selects its text (the
// number fields: typing replaces the value), false puts the caret at the
// end (the prompt).
func (f *fields) layout(gtx layout.Context, th *material.Theme, ed *widget.Editor, hint string, selectAll bool) layout.Dimensions {
	if f.focused == nil {
		f.focused, f.images = map[*widget.Editor]bool{}, map[*widget.Editor]*fieldImage{}
	}
	focused := gtx.Focused(ed)
	if was, seen := f.focused[ed]; !seen || was != focused {
		f.focused[ed] = focused
		switch {
		case !focused:
			ed.Mask = ' '
		case selectAll:
			ed.Mask = 0
			ed.SetCaret(ed.Len(), 0)
		default:
			// The click that focused the field placed the caret on the
			// blanks; the end of the text is the useful place.
			ed.Mask = 0
			ed.SetCaret(ed.Len(), ed.Len())
		}
	}
	inset := layout.UniformInset(fieldInset)
	if focused {
		return layout.Background{}.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
			sz := gtx.Constraints.Min
			paint.FillShape(gtx.Ops, fieldBorder, clip.Rect{Max: sz}.Op())
			paint.FillShape(gtx.Ops, fieldFill, clip.Rect{Min: image.Pt(1, 1), Max: sz.Sub(image.Pt(1, 1))}.Op())
			return layout.Dimensions{Size: sz}
		}, func(gtx layout.Context) layout.Dimensions {
			return inset.Layout(gtx, material.Editor(th, ed, hint).Layout)
		})
	}
	// The editor first, recorded, for its size; then the image under it.
	m := op.Record(gtx.Ops)
	dims := inset.Layout(gtx, material.Editor(th, ed, "").Layout)
	call := m.Stop()
	im := f.image(gtx, th, ed, hint, dims.Size)
	im.op.Add(gtx.Ops)
	paint.PaintOp{}.Add(gtx.Ops)
	call.Add(gtx.Ops)
	return dims
}

// image returns the cached picture of an unfocused field of the given size.
func (f *fields) image(gtx layout.Context, th *material.Theme, ed *widget.Editor, hint string, size image.Point) *fieldImage {
	text := ed.Text()
	if im := f.images[ed]; im != nil && im.text == text && im.hint == hint && im.size == size {
		return im
	}
	dst := image.NewRGBA(image.Rectangle{Max: size})
	draw.Draw(dst, dst.Rect, image.NewUniform(fieldBorder), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Rect.Inset(1), image.NewUniform(fieldFill), image.Point{}, draw.Src)
	s, col := text, th.Palette.Fg
	if s == "" {
		s, col = hint, hintColour(th)
	}
	pad := gtx.Dp(fieldInset)
	if s != "" {
		t := uiText.image(s, max(gtx.Sp(th.TextSize), 1), false, col, size.X-2*pad, 1)
		if t.img != nil {
			r := image.Rectangle{Min: image.Pt(pad, pad), Max: size.Sub(image.Pt(pad, pad))}
			draw.Draw(dst, r, t.img, image.Point{}, draw.Over)
		}
	}
	im := &fieldImage{text: text, hint: hint, size: size, op: pixelOp(dst)}
	f.images[ed] = im
	return im
}

// hintColour is material.Editor's hint colour: the text colour, fainter.
func hintColour(th *material.Theme) color.NRGBA {
	c := th.Palette.Fg
	c.A = uint8(uint32(c.A) * 0xbb / 0xff)
	return c
}
