package ui

import (
	"image"
	"image/color"

	"gioui.org/io/event"
	"gioui.org/io/key"
	"gioui.org/io/pointer"
	"gioui.org/layout"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"gioui.org/widget"
)

// prompt is an in-window question with buttons: unsaved changes, the
// one-time overwrite confirmation, a bad file, recovered work. While one
// is open it takes all input; Enter picks the default button and Esc the
// cancel button.
type prompt struct {
	Title, Text string
	Buttons     []string
	Default     int // Enter
	Cancel      int // Esc
	do          func(choice int)
	clicks      []widget.Clickable
}

// Prompt describes the open prompt, for tests.
type Prompt struct {
	Title, Text string
	Buttons     []string
}

func newPrompt(title, text string, buttons []string, def, cancel int, do func(int)) *prompt {
	return &prompt{Title: title, Text: text, Buttons: buttons, Default: def, Cancel: cancel, do: do,
		clicks: make([]widget.Clickable, len(buttons))}
}

// message is a prompt with one OK button.
func message(title, text string) *prompt {
	return newPrompt(title, text, []string{"OK"}, 0, 0, func(int) {})
}

// layoutPrompt draws the open prompt over everything and handles its
// buttons; it returns the chosen button or -1.
func (e *Editor) layoutPrompt(gtx layout.Context) int {
	p := e.prompt
	choice := -1
	for i := range p.clicks {
		if p.clicks[i].Clicked(gtx) {
			choice = i
		}
	}
	size := gtx.Constraints.Max
	// A scrim that swallows every pointer event below the prompt.
	area := clip.Rect{Max: size}.Push(gtx.Ops)
	event.Op(gtx.Ops, p)
	for {
		if _, ok := gtx.Event(pointer.Filter{Target: p, Kinds: pointer.Press | pointer.Release | pointer.Scroll,
			ScrollY: pointer.ScrollRange{Min: -1 << 20, Max: 1 << 20}}); !ok {
			break
		}
	}
	paint.Fill(gtx.Ops, color.NRGBA{A: 0x90})
	area.Pop()
	th := e.th
	layout.Center.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
		gtx.Constraints.Max.X = min(gtx.Constraints.Max.X, gtx.Dp(480))
		gtx.Constraints.Min = image.Point{}
		return panelCard(gtx, color.NRGBA{R: 0xfa, G: 0xfa, B: 0xfa, A: 0xff}, func(gtx layout.Context) layout.Dimensions {
			return layout.UniformInset(unit.Dp(16)).Layout(gtx, func(gtx layout.Context) layout.Dimensions {
				children := []layout.FlexChild{
					layout.Rigid(h6(th, p.Title).Layout),
					layout.Rigid(layout.Spacer{Height: unit.Dp(8)}.Layout),
					layout.Rigid(body1(th, p.Text).Layout),
					layout.Rigid(layout.Spacer{Height: unit.Dp(16)}.Layout),
					layout.Rigid(func(gtx layout.Context) layout.Dimensions {
						var btns []layout.FlexChild
						for i := range p.Buttons {
							i := i
							btns = append(btns, layout.Rigid(func(gtx layout.Context) layout.Dimensions {
								b := flatButton(th, &p.clicks[i], p.Buttons[i])
								if i != p.Default {
									b.Background = color.NRGBA{R: 0x80, G: 0x86, B: 0x8e, A: 0xff}
								}
								return layout.Inset{Right: unit.Dp(8)}.Layout(gtx, b.Layout)
							}))
						}
						return layout.Flex{}.Layout(gtx, btns...)
					}),
				}
				return layout.Flex{Axis: layout.Vertical}.Layout(gtx, children...)
			})
		})
	})
	return choice
}

// promptKeys are the keys a prompt answers to.
func (e *Editor) promptKey(ev key.Event) int {
	if ev.State != key.Press || e.prompt == nil || ev.Modifiers != 0 {
		return -1
	}
	switch ev.Name {
	case key.NameReturn, key.NameEnter:
		return e.prompt.Default
	case key.NameEscape:
		return e.prompt.Cancel
	}
	return -1
}

// choose closes the prompt with choice.
func (e *Editor) choose(choice int) {
	p := e.prompt
	if p == nil || choice < 0 || choice >= len(p.Buttons) {
		return
	}
	e.prompt = nil
	p.do(choice)
}

// OpenPrompt returns the prompt being shown, if any.
func (e *Editor) OpenPrompt() (Prompt, bool) {
	if e.prompt == nil {
		return Prompt{}, false
	}
	return Prompt{Title: e.prompt.Title, Text: e.prompt.Text, Buttons: e.prompt.Buttons}, true
}

// Answer picks a button of the open prompt by its label, as a click would.
func (e *Editor) Answer(button string) bool {
	if e.prompt == nil {
		return false
	}
	for i, b := range e.prompt.Buttons {
		if b == button {
			e.choose(i)
			return true
		}
	}
	return false
}

// panelCard fills a rounded rectangle behind w.
func panelCard(gtx layout.Context, bg color.NRGBA, w layout.Widget) layout.Dimensions {
	return layout.Background{}.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
		paint.FillShape(gtx.Ops, bg, clip.Rect{Max: gtx.Constraints.Min}.Op())
		return layout.Dimensions{Size: gtx.Constraints.Min}
	}, w)
}
