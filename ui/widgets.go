package ui

import (
	"image"
	"image/color"
	"image/draw"

	"gioui.org/io/semantic"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"
)

// Flat widgets: axis-aligned rectangles only. A rectangle is a scissor
// clip for the GPU; rounded corners, circles and material's ink ripples
// are paths, which software GL (Mesa's llvmpipe, no GPU) rasterises again
// on every frame.

// button is a flat rectangular button with a text label. A rectangle is
// a scissor clip for the GPU; rounded corners and the material ink
// ripples are paths, slow in software GL on every frame.
type button struct {
	Clickable  *widget.Clickable
	Text       string
	Background color.NRGBA
	Color      color.NRGBA
	TextSize   unit.Sp
	Inset      layout.Inset
}

func flatButton(th *material.Theme, c *widget.Clickable, label string) button {
	return button{Clickable: c, Text: label, Background: th.Palette.ContrastBg, Color: th.Palette.ContrastFg,
		TextSize: 14, Inset: layout.Inset{Top: 10, Bottom: 10, Left: 12, Right: 12}}
}

// choiceButton is a small button of a row of choices (the model picker,
// the blend): in the accent colour when on, grey when off.
func choiceButton(th *material.Theme, c *widget.Clickable, label string, on bool) layout.Widget {
	return func(gtx layout.Context) layout.Dimensions {
		b := flatButton(th, c, label)
		b.Inset = layout.Inset{Top: 4, Bottom: 4, Left: 8, Right: 8}
		b.TextSize = 12
		if !on {
			b.Background = grey
		}
		return layout.Inset{Right: unit.Dp(4)}.Layout(gtx, b.Layout)
	}
}

// Layout draws the button as one cached image (background and text):
// one draw instead of two, which is what a draw costs in software GL.
func (b button) Layout(gtx layout.Context) layout.Dimensions {
	min := gtx.Constraints.Min
	return b.Clickable.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
		semantic.Button.Add(gtx.Ops)
		semantic.LabelOp(b.Text).Add(gtx.Ops)
		bg := b.Background
		switch {
		case !gtx.Enabled():
			bg = mix(bg, color.NRGBA{R: 0x88, G: 0x88, B: 0x88, A: bg.A}, 0.5)
		case b.Clickable.Pressed():
			bg = shade(bg, 0.25)
		case b.Clickable.Hovered() || gtx.Focused(b.Clickable):
			bg = shade(bg, 0.12)
		}
		l, r := gtx.Dp(b.Inset.Left), gtx.Dp(b.Inset.Right)
		t, bt := gtx.Dp(b.Inset.Top), gtx.Dp(b.Inset.Bottom)
		px := max(gtx.Sp(b.TextSize), 1)
		txt := uiText.image(b.Text, px, false, b.Color, max(gtx.Constraints.Max.X-l-r, 0), 1)
		content := txt.size.Add(image.Pt(l+r, t+bt))
		size := gtx.Constraints.Constrain(image.Pt(max(content.X, min.X), max(content.Y, min.Y)))
		k := buttonKey{text: b.Text, px: px, fg: b.Color, bg: bg, size: size,
			at: image.Pt((size.X-content.X)/2+l, (size.Y-content.Y)/2+t)}
		defer clip.Rect{Max: size}.Push(gtx.Ops).Pop()
		buttonImages.get(k, txt).Add(gtx.Ops)
		paint.PaintOp{}.Add(gtx.Ops)
		return layout.Dimensions{Size: size}
	})
}

type buttonKey struct {
	text   string
	px     int
	fg, bg color.NRGBA
	size   image.Point
	at     image.Point // where the text goes
}

// buttonCache holds the buttons' images for two generations of 256
// entries, as textCache does for text.
type buttonCache struct {
	cur, prev map[buttonKey]paint.ImageOp
}

var buttonImages = &buttonCache{cur: map[buttonKey]paint.ImageOp{}}

// get returns the image of a button; buttons are drawn on the window's
// goroutine only.
func (c *buttonCache) get(k buttonKey, txt *textImage) paint.ImageOp {
	if im, ok := c.cur[k]; ok {
		return im
	}
	im, ok := c.prev[k]
	if !ok {
		dst := image.NewRGBA(image.Rectangle{Max: k.size})
		draw.Draw(dst, dst.Rect, image.NewUniform(k.bg), image.Point{}, draw.Src)
		if txt.img != nil {
			draw.Draw(dst, txt.img.Rect.Add(k.at), txt.img, image.Point{}, draw.Over)
		}
		im = pixelOp(dst)
	}
	if len(c.cur) >= 256 {
		c.prev, c.cur = c.cur, map[buttonKey]paint.ImageOp{}
	}
	c.cur[k] = im
	return im
}

// shade moves c towards white when dark and towards black when light.
func shade(c color.NRGBA, f float64) color.NRGBA {
	if int(c.R)+int(c.G)+int(c.B) < 3*128 {
		return mix(c, color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: c.A}, f)
	}
	return mix(c, color.NRGBA{A: c.A}, f)
}

func mix(a, b color.NRGBA, f float64) color.NRGBA {
	m := func(x, y uint8) uint8 { return uint8(float64(x)*(1-f) + float64(y)*f + 0.5) }
	return color.NRGBA{R: m(a.R, b.R), G: m(a.G, b.G), B: m(a.B, b.B), A: m(a.A, b.A)}
}

// flatSlider is a horizontal slider over f with a square thumb.
func flatSlider(gtx layout.Context, f *widget.Float, col color.NRGBA) layout.Dimensions {
	half := gtx.Dp(6)
	size := image.Pt(max(gtx.Constraints.Min.X, 5*half), max(gtx.Dp(24), 2*half))
	size = gtx.Constraints.Constrain(size)
	st := op.Offset(image.Pt(half, 0)).Push(gtx.Ops)
	g := gtx
	g.Constraints.Min = image.Pt(size.X-2*half, size.Y)
	dims := f.Layout(g, layout.Horizontal, unit.Dp(6))
	st.Pop()
	if !gtx.Enabled() {
		col = mix(col, color.NRGBA{R: 0x88, G: 0x88, B: 0x88, A: col.A}, 0.5)
	}
	x := half + int(f.Value*float32(dims.Size.X))
	y := size.Y / 2
	t := max(gtx.Dp(1), 1)
	paint.FillShape(gtx.Ops, col, clip.Rect(image.Rect(half, y-t, x, y+t)).Op())
	paint.FillShape(gtx.Ops, color.NRGBA{R: col.R, G: col.G, B: col.B, A: col.A / 3}, clip.Rect(image.Rect(x, y-t, size.X-half, y+t)).Op())
	paint.FillShape(gtx.Ops, col, clip.Rect(image.Rect(x-half, y-half, x+half, y+half)).Op())
	return layout.Dimensions{Size: size}
}

// flatList is a material list whose scroll indicator is a rectangle.
func flatList(th *material.Theme, state *widget.List) material.ListStyle {
	l := material.List(th, state)
	l.Indicator.CornerRadius = 0
	return l
}

// pixelOp is the image op for a picture drawn 1:1 at whole-pixel offsets
// (canvas tiles, text, thumbnails): nearest filtering gives the same pixels
// as linear there, and Mesa's llvmpipe textures a quad with it at about
// 1.8x the rate (140 against 80 Mpx/s on this 2-core VM), which is most of
// a frame without a GPU.
func pixelOp(img image.Image) paint.ImageOp {
	op := paint.NewImageOp(img)
	op.Filter = paint.FilterNearest
	return op
}
