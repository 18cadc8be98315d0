package ui

import (
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	gioapp "gioui.org/app"
	"gioui.org/io/system"
	"gioui.org/op"
)

// Run runs the window loop of w for e until the window closes, and
// returns the window's error (nil when it closed normally). The worker's
// notifications wake the loop; nothing here blocks on the worker or on
// dialogs.
//
// With the environment variable BARTEDIT_FRAMETIMES set to a file name,
// the time each frame took (layout and GPU submission, in milliseconds)
// is appended there when the window closes. With BARTEDIT_STATE_LOG set,
// a line of JSON (StateLine) is appended there whenever it changes: where
// the picture lies in the window and what the editor is doing, so scripts
// driving the real window (the Xvfb test, the screenshots) know where to
// point and when a run has finished.
func Run(w *gioapp.Window, e *Editor) error {
	e.SetInvalidate(w.Invalidate)
	stop := make(chan struct{})
	defer close(stop)
	var frameCost atomic.Int64 // nanoseconds the latest frame took
	go func() {
		for {
			select {
			case <-e.notified:
				// Progress frames at most 30 a second, and spaced so that
				// they take at most a third of a core: the worker reports
				// every token, and without a GPU a frame costs CPU the
				// worker needs. Input is drawn at once regardless.
				w.Invalidate()
				time.Sleep(max(30*time.Millisecond, 3*time.Duration(frameCost.Load())))
			case <-stop:
				return
			}
		}
	}()
	var ops op.Ops
	var frames []time.Duration
	logPath := os.Getenv("BARTEDIT_FRAMETIMES")
	statePath, lastState := os.Getenv("BARTEDIT_STATE_LOG"), ""
	title := ""
	for {
		switch ev := w.Event().(type) {
		case gioapp.DestroyEvent:
			if logPath != "" {
				writeFrameTimes(logPath, frames)
			}
			return ev.Err
		case gioapp.FrameEvent:
			start := time.Now()
			gtx := gioapp.NewContext(&ops, ev)
			e.Layout(gtx)
			if t := e.Title(); t != title {
				title = t
				w.Option(gioapp.Title(t))
			}
			if e.QuitRequested() {
				w.Perform(system.ActionClose)
			}
			ev.Frame(gtx.Ops)
			frameCost.Store(int64(time.Since(start)))
			if statePath != "" {
				if st := e.StateLine(); st != lastState {
					lastState = st
					appendFile(statePath, st+"\n")
				}
			}
			if logPath != "" {
				frames = append(frames, time.Since(start))
			}
		}
	}
}

func writeFrameTimes(path string, frames []time.Duration) {
	var b strings.Builder
	for _, f := range frames {
		b.WriteString(strconv.FormatFloat(float64(f.Microseconds())/1000, 'f', 3, 64))
		b.WriteByte('\n')
	}
	appendFile(path, b.String())
}

func appendFile(path, s string) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	f.WriteString(s)
	f.Close()
}

// State is what StateLine reports.
type State struct {
	Title        string     `json:"title"`
	CanvasOrigin [2]int     `json:"canvas_origin"` // the canvas's top-left corner in the window
	Zoom         float64    `json:"zoom"`
	Offset       [2]float64 `json:"offset"` // where image (0, 0) lies on the canvas
	Brush        float64    `json:"brush"`
	Running      bool       `json:"running"`
	Steps        int        `json:"steps"`
	Pending      bool       `json:"pending"`
	Dirty        bool       `json:"dirty"`
	Prompt       string     `json:"prompt"`
	Status       string     `json:"status"`
}

// StateLine is the editor's state as one line of JSON.
func (e *Editor) StateLine() string {
	s := State{Title: e.Title(), CanvasOrigin: [2]int{e.canvasOrigin.X, e.canvasOrigin.Y}, Zoom: e.canvas.View.Zoom,
		Offset: [2]float64{e.canvas.View.OffX, e.canvas.View.OffY}, Brush: e.canvas.Brush.Diameter,
		Running: e.Running(), Steps: len(e.snap.Steps), Pending: e.Pending(), Status: e.status}
	if e.doc != nil {
		s.Dirty = e.doc.Dirty()
	}
	if e.prompt != nil {
		s.Prompt = e.prompt.Title
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// Median returns the median of ds (0 for none).
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
