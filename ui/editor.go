package ui

import (
	"image"
	"image/color"
	"time"

	"gioui.org/font/gofont"
	"gioui.org/io/event"
	"gioui.org/io/key"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/text"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"bartedit/app"
	"bartedit/canvas"
)

// Env is what the editor is given to work with: capabilities, not
// engines, so tests pass fakes.
type Env struct {
	Runner   app.Runner    // runs jobs (the worker)
	Files    FileDialogs   // native file dialogs; nil when there are none
	Recovery *app.Recovery // recovery files; nil for none
	Limits   canvas.Limits // the largest picture opened
	Settings *app.Settings // the panel's starting values; nil for the model's defaults

	// Models, when set, offers its models in the panel; Model is the
	// name of the one Runner runs.
	Models ModelSource
	Model  string
	// Prefs holds the remembered model choice (nil: nothing remembered);
	// SavePrefs, when set, stores it after a change.
	Prefs     *app.Prefs
	SavePrefs func(app.Prefs) error
}

// RecoveryInterval is how often changed work is written for recovery.
var RecoveryInterval = 20 * time.Second

// Editor is the whole editor window's content and state. It belongs to
// the window loop: every method runs there (work from other goroutines
// arrives through post).
type Editor struct {
	env        Env
	card       app.Card
	th         *material.Theme
	inbox      chan func()
	invalidate func()
	dialogs    *dialogThread
	dialogOpen bool

	doc    *app.Document
	canvas CanvasView
	panel  sidePanel
	tools  toolBar
	strip  filmStrip

	run       *app.Run
	snap      app.Snapshot
	pending   *app.Result // a finished run waiting for Accept or Discard
	step      int         // film strip selection; -1 shows the newest
	variation int
	lastRun   time.Duration

	prompt       *prompt
	status       string
	statusBad    bool
	quit         bool
	title        string
	keys         int // the editor's key focus tag
	focused      bool
	refocus      bool // give the key focus back to the editor (Esc in a text field)
	runRequested bool

	lastRecovery time.Time
	canvasOrigin image.Point // where the canvas lies in the window

	models     modelSwitch
	runnerStop chan struct{} // stops forwarding the current runner's notifications
	notified   chan struct{} // the runner has news
}

// New returns an editor with no document.
func New(env Env) *Editor {
	th := material.NewTheme()
	th.Shaper = text.NewShaper(text.NoSystemFonts(), text.WithCollection(gofont.Collection()))
	th.TextSize = 13
	e := &Editor{env: env, th: th, inbox: make(chan func(), 16), dialogs: newDialogThread(), step: -1,
		notified: make(chan struct{}, 1)}
	e.attachRunner(env.Runner)
	e.card = env.Runner.Card()
	if env.Models != nil {
		e.models.names = env.Models.Names()
		e.models.buttons = make([]widget.Clickable, len(e.models.names))
		e.models.current = env.Model
	}
	e.canvas.Brush = canvas.Brush{Diameter: 24, Hardness: 0.8}
	e.canvas.ShowMask = true
	e.canvas.FocusTag = &e.keys
	start := e.card.Defaults
	if env.Settings != nil {
		start = *env.Settings
	}
	e.panel.init(e.card, start)
	e.tools.hardness.Value = float32(e.canvas.Brush.Hardness)
	e.lastRecovery = time.Now()
	e.offerRecovery()
	return e
}

// SetInvalidate tells the editor how to wake the window loop from another
// goroutine (app.Window.Invalidate).
func (e *Editor) SetInvalidate(fn func()) { e.invalidate = fn }

// Document returns the open document (nil when none).
func (e *Editor) Document() *app.Document { return e.doc }

// Canvas returns the canvas view (for tests: its View and Brush).
func (e *Editor) Canvas() *CanvasView { return &e.canvas }

// CanvasOrigin is where the canvas's top-left corner lies in the window,
// as of the last frame (pointer positions for tests and tools).
func (e *Editor) CanvasOrigin() image.Point { return e.canvasOrigin }

// Title is the window title.
func (e *Editor) Title() string {
	if e.doc == nil {
		return "bartedit"
	}
	return e.doc.Title()
}

// Status is the message shown in the status bar.
func (e *Editor) Status() string { return e.status }

// QuitRequested reports whether the editor asked to close the window.
func (e *Editor) QuitRequested() bool { return e.quit }

// Snapshot returns the state of the current or last run.
func (e *Editor) Snapshot() (app.Snapshot, bool) { return e.snap, e.run != nil || e.pending != nil }

// Pending reports whether a finished run waits for Accept or Discard.
func (e *Editor) Pending() bool { return e.pending != nil }

// Running reports whether a run is in progress.
func (e *Editor) Running() bool { return e.run != nil && !e.snap.Done }

// Settings returns the settings the panel holds now.
func (e *Editor) Settings() (app.Settings, error) { return e.panel.settings(e.card) }

func (e *Editor) setStatus(msg string, bad bool) { e.status, e.statusBad = msg, bad }

// Layout handles this frame's input and draws the window.
func (e *Editor) Layout(gtx layout.Context) layout.Dimensions {
	for done := false; !done; {
		select {
		case fn := <-e.inbox:
			fn()
		default:
			done = true
		}
	}
	if !e.focused {
		gtx.Execute(key.FocusCmd{Tag: &e.keys})
		e.focused = true
	}
	e.handleKeys(gtx)
	e.pollRun()
	e.maybeRecover(gtx)
	e.tools.update(gtx, e)
	e.panel.update(gtx, e)
	e.models.update(gtx, e)
	e.strip.update(gtx, e)

	size := gtx.Constraints.Max
	// The key focus area covers the window, under everything else.
	// A first fill of the whole window becomes Gio's clear colour, which
	// costs nothing: it is the side panel's background.
	paint.Fill(gtx.Ops, panelColour)
	area := clip.Rect{Max: size}.Push(gtx.Ops)
	event.Op(gtx.Ops, &e.keys)
	area.Pop()

	e.canvas.Preview = e.shownPreview()
	layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(func(gtx layout.Context) layout.Dimensions {
			d := e.tools.layout(gtx, e)
			e.canvasOrigin = image.Pt(0, d.Size.Y)
			return d
		}),
		layout.Flexed(1, func(gtx layout.Context) layout.Dimensions {
			return layout.Flex{}.Layout(gtx,
				layout.Flexed(1, func(gtx layout.Context) layout.Dimensions {
					d := e.canvas.Layout(gtx)
					if e.doc == nil {
						e.layoutEmpty(gtx)
					}
					return d
				}),
				layout.Rigid(func(gtx layout.Context) layout.Dimensions { return e.panel.layout(gtx, e) }),
			)
		}),
		layout.Rigid(func(gtx layout.Context) layout.Dimensions { return e.strip.layout(gtx, e) }),
		layout.Rigid(func(gtx layout.Context) layout.Dimensions { return e.layoutStatus(gtx) }),
	)
	if e.runRequested {
		// Started after the canvas has handled this frame's pointer
		// events, so a stroke finished just before Ctrl+Enter is in the run.
		e.runRequested = false
		e.startRun()
		gtx.Execute(op.InvalidateCmd{})
	}
	if e.prompt != nil {
		if c := e.layoutPrompt(gtx); c >= 0 {
			e.choose(c)
			gtx.Execute(op.InvalidateCmd{})
		}
	}
	return layout.Dimensions{Size: size}
}

// layoutEmpty says what to do in an empty window.
func (e *Editor) layoutEmpty(gtx layout.Context) {
	layout.Center.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
		return layout.Flex{Axis: layout.Vertical, Alignment: layout.Middle}.Layout(gtx,
			layout.Rigid(func(gtx layout.Context) layout.Dimensions {
				l := h5(e.th, "Open a picture to edit")
				l.Color = color.NRGBA{R: 0xe8, G: 0xea, B: 0xed, A: 0xff}
				return l.Layout(gtx)
			}),
			layout.Rigid(layout.Spacer{Height: unit.Dp(8)}.Layout),
			layout.Rigid(func(gtx layout.Context) layout.Dimensions {
				l := body1(e.th, "Ctrl+O, or `bartedit photo.png`. Paint over what should change, then Ctrl+Enter.")
				l.Color = color.NRGBA{R: 0xb0, G: 0xb4, B: 0xba, A: 0xff}
				return l.Layout(gtx)
			}),
		)
	})
}

// pollRun reads the run's newest snapshot.
func (e *Editor) pollRun() {
	if e.run == nil {
		return
	}
	s := e.run.Snapshot()
	e.snap = s
	if !s.Done {
		return
	}
	e.run = nil
	switch s.Progress.State {
	case app.Finished:
		e.pending, e.lastRun = s.Result, s.Progress.Elapsed
		e.setStatus("Run finished: Enter accepts, Delete discards"+e.variationHint(), false)
	case app.Cancelled:
		e.pending, e.step = nil, -1
		e.setStatus("Run cancelled; the picture is unchanged", false)
	default:
		e.pending, e.step = nil, -1
		e.setStatus("Run failed: "+errText(s.Err), true)
	}
}

func (e *Editor) variationHint() string {
	if e.pending != nil && len(e.pending.Images) > 1 {
		return "; arrows flip between variations"
	}
	return ""
}

// shownPreview is what the canvas draws over the picture: the selected
// step of the film strip, else the finished result, else the live step.
func (e *Editor) shownPreview() *image.RGBA {
	if e.run == nil && e.pending == nil {
		return nil
	}
	v := e.variation
	if e.step >= 0 && e.step < len(e.snap.Steps) {
		if st := e.snap.Steps[e.step]; v < len(st.Views) {
			return st.Views[v]
		}
	}
	if e.pending != nil && v < len(e.pending.Views) {
		return e.pending.Views[v]
	}
	if v < len(e.snap.Live) {
		return e.snap.Live[v]
	}
	return nil
}

// maybeRecover writes the recovery file when the document changed and the
// interval has passed, and schedules a wake-up for the next write.
func (e *Editor) maybeRecover(gtx layout.Context) {
	if e.env.Recovery == nil || e.doc == nil || e.doc.Stroking() {
		return
	}
	next := e.lastRecovery.Add(RecoveryInterval)
	if gtx.Now.Before(next) {
		gtx.Execute(op.InvalidateCmd{At: next})
		return
	}
	e.lastRecovery = gtx.Now
	e.env.Recovery.Snapshot(e.doc)
}

func fill(gtx layout.Context, size image.Point, c color.NRGBA) {
	defer clip.Rect{Max: size}.Push(gtx.Ops).Pop()
	paintFill(gtx, c)
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}
