package ui

import (
	"fmt"

	"gioui.org/layout"
	"gioui.org/widget"

	"bartedit/app"
)

// ModelSource lists the models the editor can switch between and loads
// one.
type ModelSource interface {
	// Names are the models' names, the default first.
	Names() []string
	// Load builds a runner for the named model. The editor calls it on a
	// goroutine of its own, never the window loop, and closes the runner
	// it replaces when that has a Close method.
	Load(name string) (app.Runner, error)
}

// modelSwitch is the panel's model picker: one button per model and Auto,
// which picks per picture (app.PickModel).
type modelSwitch struct {
	names   []string
	buttons []widget.Clickable
	auto    widget.Clickable
	current string // the name of the model the runner runs
	loading string // the model being loaded, "" for none
}

// attachRunner makes r the editor's runner; its notifications wake the
// window loop until another runner replaces it.
func (e *Editor) attachRunner(r app.Runner) {
	if e.runnerStop != nil {
		close(e.runnerStop)
	}
	stop := make(chan struct{})
	e.runnerStop = stop
	e.env.Runner = r
	go func() {
		for {
			select {
			case <-r.Notify():
				select {
				case e.notified <- struct{}{}:
				default:
				}
			case <-stop:
				return
			}
		}
	}()
}

// autoModel reports whether the editor picks the model per picture: no
// model was chosen by hand (or Auto was chosen).
func (e *Editor) autoModel() bool { return e.env.Prefs == nil || e.env.Prefs.Model == "" }

// pickModelFor switches to the model suited to d, in Auto mode.
func (e *Editor) pickModelFor(d *app.Document) {
	if d == nil || len(e.models.names) < 2 || !e.autoModel() {
		return
	}
	if want := app.PickModel(e.models.names, d.Original()); want != "" {
		e.switchModel(want)
	}
}

// chooseModel is a click on a model's button: the choice is remembered.
func (e *Editor) chooseModel(name string) {
	e.savePrefs(app.Prefs{Model: name})
	e.switchModel(name)
}

// chooseAuto is a click on Auto: the model follows the picture again.
func (e *Editor) chooseAuto() {
	e.savePrefs(app.Prefs{})
	e.pickModelFor(e.doc)
}

func (e *Editor) savePrefs(p app.Prefs) {
	if e.env.Prefs == nil {
		return
	}
	*e.env.Prefs = p
	if e.env.SavePrefs != nil {
		if err := e.env.SavePrefs(p); err != nil {
			e.setStatus("Cannot save preferences: "+err.Error(), true)
		}
	}
}

// switchModel loads the named model in the background and swaps it in.
// A run in progress or waiting for Accept keeps the model it ran on.
func (e *Editor) switchModel(name string) {
	m := &e.models
	if e.env.Models == nil || name == m.current || name == m.loading {
		return
	}
	if e.run != nil || e.pending != nil {
		e.setStatus("Accept or discard the run before switching models", true)
		return
	}
	m.loading = name
	e.setStatus(fmt.Sprintf("Loading the %s model…", name), false)
	src := e.env.Models
	go func() {
		r, err := src.Load(name)
		e.post(func() {
			if m.loading != name { // superseded by a later choice
				closeRunner(r)
				return
			}
			m.loading = ""
			if err != nil {
				e.setStatus(fmt.Sprintf("Cannot load the %s model: %v", name, err), true)
				return
			}
			old := e.env.Runner
			e.attachRunner(r)
			closeRunner(old)
			m.current = name
			e.card = r.Card()
			e.panel.init(e.card, e.card.Defaults)
			e.setStatus(fmt.Sprintf("Model: %s (%s)", name, e.card.Prompts()), false)
		})
	}()
}

func closeRunner(r app.Runner) {
	if c, ok := r.(interface{ Close() }); ok && r != nil {
		c.Close()
	}
}

// update handles the picker's clicks.
func (m *modelSwitch) update(gtx layout.Context, e *Editor) {
	for i := range m.buttons {
		if m.buttons[i].Clicked(gtx) {
			e.chooseModel(m.names[i])
		}
	}
	if m.auto.Clicked(gtx) {
		e.chooseAuto()
	}
}

// layout draws the picker: nothing with a single model.
func (m *modelSwitch) layout(gtx layout.Context, e *Editor) layout.Dimensions {
	if len(m.names) < 2 {
		return layout.Dimensions{}
	}
	btn := func(c *widget.Clickable, label string, on bool) layout.FlexChild {
		return layout.Rigid(choiceButton(e.th, c, label, on))
	}
	var cs []layout.FlexChild
	for i, n := range m.names {
		label := n
		if n == m.loading {
			label += "…"
		}
		cs = append(cs, btn(&m.buttons[i], label, n == m.current && m.loading == ""))
	}
	cs = append(cs, btn(&m.auto, "Auto", e.autoModel()))
	return layout.Flex{Alignment: layout.Middle}.Layout(gtx, cs...)
}
