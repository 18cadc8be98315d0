package ui

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"time"

	"gioui.org/layout"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"
	xdraw "golang.org/x/image/draw"

	"bartedit/app"
)

// filmStrip is the progress bar over the film strip of streamed steps.
// Clicking a step shows it on the canvas; clicking it again (or Live)
// goes back to the newest.
type filmStrip struct {
	list   widget.List
	clicks []widget.Clickable
	thumbs [][]*image.RGBA // per step, per variation, side x side pixels
	src    [][]*image.RGBA // the steps' thumbnails as the model made them
	side   int
	cells  map[cellKey]paint.ImageOp
	live   widget.Clickable
}

// cellKey names a film strip cell: a thumbnail with its frame and label,
// drawn as one image (one draw instead of three, which is what a draw
// costs in software GL: a strip of 20 steps took 60 draws a frame).
type cellKey struct {
	step, variation int
	selected        bool
}

func (f *filmStrip) reset() {
	f.clicks, f.thumbs, f.src, f.cells = nil, nil, nil, nil
	f.list.Position = layout.Position{}
}

func (f *filmStrip) update(gtx layout.Context, e *Editor) {
	for i := range f.clicks {
		if f.clicks[i].Clicked(gtx) {
			if e.step == i {
				e.step = -1
			} else {
				e.step = i
				st := e.snap.Steps[i]
				e.setStatus(fmt.Sprintf("Showing step %d: scale %d, iteration %d (click again or Live for the newest)",
					i+1, st.Scale, st.Iteration+1), false)
			}
		}
	}
	if f.live.Clicked(gtx) {
		e.step = -1
	}
}

// sync builds the thumbnails of new steps.
func (f *filmStrip) sync(steps []app.Step) {
	for len(f.src) < len(steps) {
		st := steps[len(f.src)]
		f.src = append(f.src, st.Thumbs)
		f.thumbs = append(f.thumbs, f.scaled(st.Thumbs))
		f.clicks = append(f.clicks, widget.Clickable{})
	}
}

// setSide rescales every thumbnail to side x side pixels.
func (f *filmStrip) setSide(side int) {
	if side == f.side {
		return
	}
	f.side, f.cells = side, nil
	for i, src := range f.src {
		f.thumbs[i] = f.scaled(src)
	}
}

// scaled resizes the thumbnails on the CPU, so they draw 1:1 (an image
// under a scale transform is a clip path for Gio, slow without a GPU):
// nearest neighbour when enlarging, to show the model's pixels, and
// Catmull-Rom when reducing.
func (f *filmStrip) scaled(src []*image.RGBA) []*image.RGBA {
	out := make([]*image.RGBA, len(src))
	side := max(f.side, 1)
	for v, t := range src {
		dst := image.NewRGBA(image.Rect(0, 0, side, side))
		k := xdraw.Interpolator(xdraw.CatmullRom)
		if side >= t.Rect.Dx() {
			k = xdraw.NearestNeighbor
		}
		k.Scale(dst, dst.Rect, t, t.Rect, xdraw.Src, nil)
		out[v] = dst
	}
	return out
}

func (f *filmStrip) layout(gtx layout.Context, e *Editor) layout.Dimensions {
	if e.run == nil && e.pending == nil {
		return layout.Dimensions{}
	}
	s := e.snap
	f.sync(s.Steps)
	th := e.th
	return layout.Background{}.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
		fill(gtx, gtx.Constraints.Min, stripColour)
		return layout.Dimensions{Size: gtx.Constraints.Min}
	}, func(gtx layout.Context) layout.Dimensions {
		return layout.UniformInset(unit.Dp(6)).Layout(gtx, func(gtx layout.Context) layout.Dimensions {
			return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
				layout.Rigid(func(gtx layout.Context) layout.Dimensions { return f.layoutBar(gtx, th, s) }),
				layout.Rigid(layout.Spacer{Height: unit.Dp(4)}.Layout),
				layout.Rigid(func(gtx layout.Context) layout.Dimensions { return f.layoutThumbs(gtx, e) }),
			)
		})
	})
}

// ProgressText is the progress line: window, scale, chain iteration,
// token position and the time left.
func ProgressText(p app.Progress) string {
	var b strings.Builder
	switch p.State {
	case app.Finished:
		fmt.Fprintf(&b, "Done in %s", p.Elapsed.Round(10*time.Millisecond))
	case app.Cancelled:
		b.WriteString("Cancelled")
	case app.Failed:
		b.WriteString("Failed")
	default:
		if p.Windows > 1 {
			fmt.Fprintf(&b, "window %d/%d  ", p.Window+1, p.Windows)
		}
		if p.Scale > 0 {
			fmt.Fprintf(&b, "scale %d (%d of %d)  iteration %d/%d  token %d/%d", p.Scale, p.T-p.Scale+1, p.T,
				p.Iteration+1, p.Chain, p.Position, p.Tokens)
		} else {
			b.WriteString("encoding")
		}
		if p.Left >= 0 {
			fmt.Fprintf(&b, "  %s left", p.Left.Round(100*time.Millisecond))
		}
	}
	fmt.Fprintf(&b, "  %3.0f%%", 100*p.Fraction)
	return b.String()
}

func (f *filmStrip) layoutBar(gtx layout.Context, th *material.Theme, s app.Snapshot) layout.Dimensions {
	return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
		layout.Flexed(1, func(gtx layout.Context) layout.Dimensions {
			h := gtx.Dp(8)
			w := gtx.Constraints.Max.X
			paint.FillShape(gtx.Ops, color.NRGBA{R: 0x4a, G: 0x4d, B: 0x52, A: 0xff}, clip.Rect(image.Rect(0, 0, w, h)).Op())
			fw := int(float64(w) * min(max(s.Progress.Fraction, 0), 1))
			if fw > 0 {
				paint.FillShape(gtx.Ops, color.NRGBA{R: 0x4c, G: 0x9a, B: 0xff, A: 0xff}, clip.Rect(image.Rect(0, 0, fw, h)).Op())
			}
			return layout.Dimensions{Size: image.Pt(w, h)}
		}),
		layout.Rigid(layout.Spacer{Width: unit.Dp(10)}.Layout),
		layout.Rigid(func(gtx layout.Context) layout.Dimensions {
			l := caption(th, ProgressText(s.Progress))
			l.Color = color.NRGBA{R: 0xe8, G: 0xea, B: 0xed, A: 0xff}
			return l.Layout(gtx)
		}),
	)
}

func (f *filmStrip) layoutThumbs(gtx layout.Context, e *Editor) layout.Dimensions {
	th := e.th
	side := gtx.Dp(56)
	f.setSide(side)
	v := e.variation
	f.list.Axis = layout.Horizontal
	return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
		layout.Rigid(func(gtx layout.Context) layout.Dimensions {
			b := flatButton(th, &f.live, "Live")
			if e.step < 0 {
				b.Background = accent
			} else {
				b.Background = color.NRGBA{R: 0x5f, G: 0x63, B: 0x68, A: 0xff}
			}
			return layout.Inset{Right: unit.Dp(8)}.Layout(gtx, b.Layout)
		}),
		layout.Flexed(1, func(gtx layout.Context) layout.Dimensions {
			gtx.Constraints.Min.Y = side + gtx.Dp(16)
			return flatList(th, &f.list).Layout(gtx, len(f.thumbs), func(gtx layout.Context, i int) layout.Dimensions {
				return layout.Inset{Right: unit.Dp(6)}.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
					return f.clicks[i].Layout(gtx, func(gtx layout.Context) layout.Dimensions {
						return f.layoutThumb(gtx, e, i, v, side)
					})
				})
			})
		}),
	)
}

// Film strip colours.
var (
	stripColour    = color.NRGBA{R: 0x26, G: 0x28, B: 0x2c, A: 0xff}
	cellFrame      = color.NRGBA{R: 0x4a, G: 0x4d, B: 0x52, A: 0xff}
	cellFrameSel   = color.NRGBA{R: 0xff, G: 0xc1, B: 0x07, A: 0xff}
	cellTextColour = color.NRGBA{R: 0xc8, G: 0xcb, B: 0xd0, A: 0xff}
)

func (f *filmStrip) layoutThumb(gtx layout.Context, e *Editor, i, v, side int) layout.Dimensions {
	ts := f.thumbs[i]
	if len(ts) == 0 {
		return layout.Dimensions{}
	}
	v = min(v, len(ts)-1)
	k := cellKey{step: i, variation: v, selected: e.step == i}
	im, ok := f.cells[k]
	if !ok {
		st := e.snap.Steps[i]
		label := uiText.image(fmt.Sprintf("s%d i%d", st.Scale, st.Iteration+1), max(gtx.Sp(10), 1), false,
			cellTextColour, 1<<20, 1)
		im = pixelOp(drawCell(ts[v], gtx.Dp(2), gtx.Dp(14), k.selected, label))
		if f.cells == nil {
			f.cells = map[cellKey]paint.ImageOp{}
		}
		f.cells[k] = im
	}
	im.Add(gtx.Ops)
	size := im.Size()
	defer clip.Rect{Max: size}.Push(gtx.Ops).Pop()
	paint.PaintOp{}.Add(gtx.Ops)
	return layout.Dimensions{Size: size}
}

// drawCell draws a film strip cell: the thumbnail in a frame of width
// border (highlighted when selected), the label in labelH pixels below.
func drawCell(thumb *image.RGBA, border, labelH int, selected bool, label *textImage) *image.RGBA {
	total := thumb.Rect.Dx() + 2*border
	dst := image.NewRGBA(image.Rect(0, 0, total, total+labelH))
	frame := cellFrame
	if selected {
		frame = cellFrameSel
	}
	draw.Draw(dst, dst.Rect, image.NewUniform(stripColour), image.Point{}, draw.Src)
	draw.Draw(dst, image.Rect(0, 0, total, total), image.NewUniform(frame), image.Point{}, draw.Src)
	draw.Draw(dst, thumb.Rect.Add(image.Pt(border, border)), thumb, thumb.Rect.Min, draw.Over)
	if label.img != nil {
		draw.Draw(dst, label.img.Rect.Add(image.Pt(0, total)), label.img, image.Point{}, draw.Over)
	}
	return dst
}
