package ui

import (
	"math"

	"gioui.org/io/event"
	"gioui.org/io/key"
	"gioui.org/layout"
)

// shortcut binds a key to an action. Editing keys (single letters, Enter,
// arrows, Space, Tab, Ctrl+Z) act only while the editor itself has the
// key focus, so typing in a text field never paints or accepts; global
// ones (Ctrl+O, Ctrl+S, Ctrl+Enter, zoom, Esc) act anywhere.
type shortcut struct {
	name     key.Name
	mods     key.Modifiers // required
	opt      key.Modifiers // allowed
	global   bool
	releases bool // also told about key releases (keys held down)
	do       func(e *Editor, ev key.Event)
}

func press(fn func(e *Editor)) func(e *Editor, ev key.Event) {
	return func(e *Editor, ev key.Event) {
		if ev.State == key.Press {
			fn(e)
		}
	}
}

const ctrl = key.ModShortcut

var shortcuts = []shortcut{
	{name: "O", mods: ctrl, global: true, do: press((*Editor).open)},
	{name: "S", mods: ctrl, global: true, do: press(func(e *Editor) { e.save(false, nil) })},
	{name: "S", mods: ctrl | key.ModShift, global: true, do: press(func(e *Editor) { e.save(true, nil) })},
	{name: "Q", mods: ctrl, global: true, do: press((*Editor).requestQuit)},
	{name: key.NameReturn, mods: ctrl, global: true, do: press((*Editor).requestRun)},
	{name: key.NameEnter, mods: ctrl, global: true, do: press((*Editor).requestRun)},
	{name: key.NameEscape, global: true, do: press(func(e *Editor) {
		e.cancelRun()
		e.refocus = true // leave a text field
	})},
	{name: "+", mods: ctrl, opt: key.ModShift, global: true, do: press(func(e *Editor) { e.canvas.ZoomStep(true) })},
	{name: "=", mods: ctrl, opt: key.ModShift, global: true, do: press(func(e *Editor) { e.canvas.ZoomStep(true) })},
	{name: "-", mods: ctrl, global: true, do: press(func(e *Editor) { e.canvas.ZoomStep(false) })},
	{name: "0", mods: ctrl, global: true, do: press(func(e *Editor) { e.canvas.Fit() })},
	{name: "1", mods: ctrl, global: true, do: press(func(e *Editor) { e.canvas.Actual() })},

	{name: "Z", mods: ctrl, do: press((*Editor).undo)},
	{name: "Z", mods: ctrl | key.ModShift, do: press((*Editor).redo)},
	{name: "Y", mods: ctrl, do: press((*Editor).redo)},
	{name: "D", mods: ctrl, do: press((*Editor).clearMask)},
	{name: "I", mods: ctrl | key.ModShift, do: press((*Editor).invertMask)},
	{name: "B", do: press(func(e *Editor) { e.canvas.Brush.Erase = false })},
	{name: "E", do: press(func(e *Editor) { e.canvas.Brush.Erase = true })},
	{name: "X", do: press(func(e *Editor) { e.canvas.Brush.Erase = !e.canvas.Brush.Erase })},
	{name: "H", do: press(func(e *Editor) { e.canvas.ShowMask = !e.canvas.ShowMask })},
	{name: "[", do: press(func(e *Editor) { e.canvas.Brush.Diameter = brushStep(e.canvas.Brush.Diameter, false) })},
	{name: "]", do: press(func(e *Editor) { e.canvas.Brush.Diameter = brushStep(e.canvas.Brush.Diameter, true) })},
	{name: key.NameReturn, do: press((*Editor).accept)},
	{name: key.NameEnter, do: press((*Editor).accept)},
	{name: key.NameDeleteForward, do: press((*Editor).discard)},
	{name: key.NameDeleteBackward, do: press((*Editor).discard)},
	{name: key.NameLeftArrow, do: press(func(e *Editor) { e.flip(-1) })},
	{name: key.NameRightArrow, do: press(func(e *Editor) { e.flip(1) })},
	{name: key.NameTab, releases: true, do: func(e *Editor, ev key.Event) { e.canvas.Compare = ev.State == key.Press }},
	{name: key.NameSpace, releases: true, do: func(e *Editor, ev key.Event) { e.canvas.SpaceHeld = ev.State == key.Press }},
}

// handleKeys drains the key events of this frame.
func (e *Editor) handleKeys(gtx layout.Context) {
	defer func() {
		if e.refocus {
			gtx.Execute(key.FocusCmd{Tag: &e.keys})
			e.refocus = false
		}
	}()
	filters := make([]event.Filter, 0, len(shortcuts)+1)
	filters = append(filters, key.FocusFilter{Target: &e.keys})
	for _, s := range shortcuts {
		f := key.Filter{Name: s.name, Required: s.mods, Optional: s.opt}
		if !s.global {
			f.Focus = &e.keys
		}
		filters = append(filters, f)
	}
	if e.prompt != nil {
		// A prompt takes Enter and Esc wherever the focus is.
		filters = append(filters, key.Filter{Name: key.NameReturn}, key.Filter{Name: key.NameEnter},
			key.Filter{Name: key.NameEscape})
	}
	for {
		ev, ok := gtx.Event(filters...)
		if !ok {
			break
		}
		ke, ok := ev.(key.Event)
		if !ok {
			continue
		}
		if e.prompt != nil {
			e.choose(e.promptKey(ke))
			continue
		}
		for _, s := range shortcuts {
			if s.name == ke.Name && ke.Modifiers&^s.opt == s.mods && (ke.State == key.Press || s.releases) {
				if s.global || gtx.Focused(&e.keys) {
					s.do(e, ke)
				}
				break
			}
		}
	}
}

// brushStep is the next brush size for [ and ]: steps that grow with the
// size, as image editors use.
func brushStep(d float64, up bool) float64 {
	step := 1.0
	switch {
	case d >= 500:
		step = 100
	case d >= 200:
		step = 50
	case d >= 100:
		step = 25
	case d >= 50:
		step = 10
	case d >= 10:
		step = 5
	}
	if !up {
		step = -step
		if d <= 10 {
			step = -1
		}
	}
	n := math.Round((d+step)/math.Abs(step)) * math.Abs(step)
	return clampBrush(n)
}
