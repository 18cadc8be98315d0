package ui

import (
	"errors"
	"runtime"
)

// FileDialogs are the native dialogs the editor needs. Their methods
// block until the person answers; the editor calls them only from its
// dialog goroutine (locked to one OS thread, as GTK wants), never from the
// window loop, and gets the answer back on the window loop.
type FileDialogs interface {
	// OpenFile asks for a file to open; ErrCancelled when cancelled.
	OpenFile(title string, filters []FileFilter) (string, error)
	// SaveFile asks where to save, suggesting a name; ErrCancelled when
	// cancelled. The dialog confirms replacing an existing file itself.
	SaveFile(title, suggested string, filters []FileFilter) (string, error)
	// Ask asks a yes/no question (used once the window has closed).
	Ask(title, question string) bool
}

// FileFilter is a named set of file extensions (without the dot).
type FileFilter struct {
	Name string
	Exts []string
}

// ErrCancelled is what FileDialogs return when the person cancels.
var ErrCancelled = errors.New("cancelled")

var (
	pictureFilters = []FileFilter{{"Pictures (PNG, JPEG)", []string{"png", "jpg", "jpeg", "PNG", "JPG", "JPEG"}}}
	pngFilters     = []FileFilter{{"PNG", []string{"png", "PNG"}}}
)

// dialogThread runs blocking dialog calls one at a time on a goroutine
// locked to its OS thread.
type dialogThread struct{ jobs chan func() }

func newDialogThread() *dialogThread {
	d := &dialogThread{jobs: make(chan func())}
	go func() {
		runtime.LockOSThread()
		for fn := range d.jobs {
			fn()
		}
	}()
	return d
}

// ask runs fn on the dialog goroutine and then(answer) back on the window
// loop. Only one dialog is open at a time; a request while one is open is
// ignored.
func (e *Editor) ask(fn func() (string, error), then func(string, error)) {
	if e.env.Files == nil {
		then("", errors.New("no file dialogs on this system; give the file on the command line"))
		return
	}
	if e.dialogOpen {
		return
	}
	e.dialogOpen = true
	e.dialogs.jobs <- func() {
		p, err := fn()
		e.post(func() {
			e.dialogOpen = false
			then(p, err)
		})
	}
}

// Sync runs fn on the dialog goroutine and waits for it: for the questions
// asked after the window has closed, when no window loop runs.
func (e *Editor) Sync(fn func()) {
	done := make(chan struct{})
	e.dialogs.jobs <- func() { fn(); close(done) }
	<-done
}

// post queues fn to run on the window loop and wakes it.
func (e *Editor) post(fn func()) {
	e.inbox <- fn
	e.wake()
}

func (e *Editor) wake() {
	if e.invalidate != nil {
		e.invalidate()
	}
}
