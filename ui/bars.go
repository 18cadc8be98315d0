package ui

import (
	"fmt"
	"image"
	"image/color"
	"time"

	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/paint"
	"gioui.org/text"
	"gioui.org/unit"
	"gioui.org/widget"
)

// toolBar holds the file, brush, mask, history and view buttons.
type toolBar struct {
	open, save, saveAs             widget.Clickable
	brush, eraser, smaller, bigger widget.Clickable
	hardness                       widget.Float
	showMask, clear, invert        widget.Clickable
	importMask, exportMask         widget.Clickable
	undo, redo, fit, actual        widget.Clickable
}

func (t *toolBar) update(gtx layout.Context, e *Editor) {
	acts := []struct {
		c  *widget.Clickable
		do func()
	}{
		{&t.open, e.open},
		{&t.save, func() { e.save(false, nil) }},
		{&t.saveAs, func() { e.save(true, nil) }},
		{&t.brush, func() { e.canvas.Brush.Erase = false }},
		{&t.eraser, func() { e.canvas.Brush.Erase = true }},
		{&t.smaller, func() { e.canvas.Brush.Diameter = brushStep(e.canvas.Brush.Diameter, false) }},
		{&t.bigger, func() { e.canvas.Brush.Diameter = brushStep(e.canvas.Brush.Diameter, true) }},
		{&t.showMask, func() { e.canvas.ShowMask = !e.canvas.ShowMask }},
		{&t.clear, e.clearMask},
		{&t.invert, e.invertMask},
		{&t.importMask, e.importMask},
		{&t.exportMask, e.exportMask},
		{&t.undo, e.undo},
		{&t.redo, e.redo},
		{&t.fit, e.canvas.Fit},
		{&t.actual, e.canvas.Actual},
	}
	for _, a := range acts {
		if a.c.Clicked(gtx) {
			a.do()
		}
	}
	if t.hardness.Update(gtx) {
		e.canvas.Brush.Hardness = float64(t.hardness.Value)
	}
}

func (t *toolBar) layout(gtx layout.Context, e *Editor) layout.Dimensions {
	th := e.th
	btn := func(c *widget.Clickable, label string, on bool) layout.FlexChild {
		return layout.Rigid(func(gtx layout.Context) layout.Dimensions {
			b := flatButton(th, c, label)
			b.Inset = layout.Inset{Top: unit.Dp(5), Bottom: unit.Dp(5), Left: unit.Dp(8), Right: unit.Dp(8)}
			b.TextSize = unit.Sp(12)
			if on {
				b.Background = accent
			} else {
				b.Background = color.NRGBA{R: 0x5f, G: 0x63, B: 0x68, A: 0xff}
			}
			return layout.Inset{Right: unit.Dp(4)}.Layout(gtx, b.Layout)
		})
	}
	gap := layout.Rigid(layout.Spacer{Width: unit.Dp(10)}.Layout)
	label := func(s string) layout.FlexChild {
		return layout.Rigid(func(gtx layout.Context) layout.Dimensions {
			l := caption(th, s)
			l.Color = color.NRGBA{R: 0xe8, G: 0xea, B: 0xed, A: 0xff}
			return layout.Inset{Right: unit.Dp(4)}.Layout(gtx, l.Layout)
		})
	}
	b := e.canvas.Brush
	return layout.Background{}.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
		fill(gtx, gtx.Constraints.Min, color.NRGBA{R: 0x30, G: 0x33, B: 0x37, A: 0xff})
		return layout.Dimensions{Size: gtx.Constraints.Min}
	}, func(gtx layout.Context) layout.Dimensions {
		return layout.UniformInset(unit.Dp(5)).Layout(gtx, func(gtx layout.Context) layout.Dimensions {
			return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
				btn(&t.open, "Open", false), btn(&t.save, "Save", false), btn(&t.saveAs, "Save as", false), gap,
				btn(&t.brush, "Brush B", !b.Erase), btn(&t.eraser, "Eraser E", b.Erase),
				btn(&t.smaller, "[", false), label(fmt.Sprintf("%.0f px", b.Diameter)), btn(&t.bigger, "]", false),
				label("hardness"),
				layout.Rigid(func(gtx layout.Context) layout.Dimensions {
					gtx.Constraints.Max.X = gtx.Dp(80)
					gtx.Constraints.Min.X = gtx.Constraints.Max.X
					return flatSlider(gtx, &t.hardness, th.Palette.ContrastBg)
				}), gap,
				btn(&t.showMask, "Mask H", e.canvas.ShowMask), btn(&t.clear, "Clear", false), btn(&t.invert, "Invert", false),
				btn(&t.importMask, "Import", false), btn(&t.exportMask, "Export", false), gap,
				btn(&t.undo, "Undo", false), btn(&t.redo, "Redo", false), gap,
				btn(&t.fit, "Fit", false), btn(&t.actual, "100%", false),
			)
		})
	})
}

// layoutStatus is the status bar: picture size, zoom, backend, last run
// time, and the newest message.
func (e *Editor) layoutStatus(gtx layout.Context) layout.Dimensions {
	parts := "no picture"
	if e.doc != nil {
		s := e.doc.Size()
		parts = fmt.Sprintf("%d x %d px   %.0f%%", s.X, s.Y, 100*e.canvas.View.Zoom)
	}
	parts += "   " + e.card.Backend
	if e.lastRun > 0 {
		parts += fmt.Sprintf("   last run %s", e.lastRun.Round(10*time.Millisecond))
	}
	return layout.Background{}.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
		fill(gtx, gtx.Constraints.Min, color.NRGBA{R: 0xe0, G: 0xe3, B: 0xe7, A: 0xff})
		return layout.Dimensions{Size: gtx.Constraints.Min}
	}, func(gtx layout.Context) layout.Dimensions {
		return layout.Inset{Top: unit.Dp(3), Bottom: unit.Dp(3), Left: unit.Dp(8), Right: unit.Dp(8)}.Layout(gtx,
			func(gtx layout.Context) layout.Dimensions {
				return layout.Flex{}.Layout(gtx,
					layout.Rigid(caption(e.th, parts).Layout),
					layout.Flexed(1, func(gtx layout.Context) layout.Dimensions {
						l := caption(e.th, e.status)
						if e.statusBad {
							l.Color = badColor
						}
						l.Alignment = text.End
						l.MaxLines = 1
						return l.Layout(gtx)
					}),
				)
			})
	})
}

func paintFill(gtx layout.Context, c color.NRGBA) { paint.Fill(gtx.Ops, c) }

func offset(x, y int) op.TransformOp { return op.Offset(image.Pt(x, y)) }
