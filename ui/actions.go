package ui

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"bartedit/app"
)

// Everything the editor does on a shortcut, a button or a menu, on the
// window loop.

// SetDocument makes d the open document (nil closes it), dropping any run.
func (e *Editor) SetDocument(d *app.Document) {
	e.dropRun()
	e.doc = d
	e.canvas.SetDocument(d)
	e.lastRecovery = time.Now()
	e.pickModelFor(d)
}

// OpenPath opens the picture at path; a bad file gives a message and
// changes nothing. It does not ask about unsaved changes (Open does).
func (e *Editor) OpenPath(path string) bool {
	d, err := app.OpenDocument(path, e.env.Limits)
	if err != nil {
		e.prompt = message("Cannot open "+filepath.Base(path), err.Error())
		e.setStatus("Cannot open "+filepath.Base(path), true)
		return false
	}
	e.SetDocument(d)
	sz := d.Size()
	e.setStatus(fmt.Sprintf("Opened %s (%dx%d %s)", d.Name(), sz.X, sz.Y, d.Format), false)
	return true
}

// open asks for a file (after the unsaved-changes question) and opens it.
func (e *Editor) open() {
	e.confirmDiscard("open another picture", func() {
		e.ask(func() (string, error) {
			return e.env.Files.OpenFile("Open a picture", pictureFilters)
		}, func(path string, err error) {
			switch {
			case errors.Is(err, ErrCancelled):
			case err != nil:
				e.setStatus(err.Error(), true)
			default:
				e.OpenPath(path)
			}
		})
	})
}

// confirmDiscard runs then at once when the picture has no unsaved
// changes, and otherwise after asking: Save (then continue), Don't save,
// or Cancel.
func (e *Editor) confirmDiscard(what string, then func()) {
	if e.doc == nil || !e.doc.Dirty() {
		then()
		return
	}
	e.prompt = newPrompt("Unsaved changes",
		fmt.Sprintf("%s has unsaved changes. Save them before you %s?", e.doc.Name(), what),
		[]string{"Save", "Don't save", "Cancel"}, 0, 2, func(c int) {
			switch c {
			case 0:
				e.save(false, then)
			case 1:
				then()
			}
		})
}

// save writes the picture: Ctrl+S (as == false) follows the document's
// save plan, asking once before overwriting the opened PNG; Ctrl+Shift+S
// always asks for a name. then runs after a successful save.
func (e *Editor) save(as bool, then func()) {
	if e.doc == nil {
		return
	}
	if then == nil {
		then = func() {}
	}
	act, path, confirm := e.doc.SavePlan()
	switch {
	case as || act == app.SaveAsk:
		suggest := filepath.Base(path)
		if as && e.doc.Path != "" {
			suggest = trimExt(filepath.Base(e.doc.Path)) + "-edited.png"
		}
		e.ask(func() (string, error) {
			return e.env.Files.SaveFile("Save the picture as PNG", suggest, pngFilters)
		}, func(p string, err error) {
			switch {
			case errors.Is(err, ErrCancelled):
			case err != nil:
				e.setStatus(err.Error(), true)
			default:
				if filepath.Ext(p) == "" {
					p += ".png"
				}
				e.writeTo(p, then)
			}
		})
	case act == app.SaveOverwrite && confirm:
		e.prompt = newPrompt("Overwrite "+filepath.Base(path)+"?",
			"Saving replaces the opened PNG with the edited picture. You are asked this once per picture; use Save as (Ctrl+Shift+S) to keep the original.",
			[]string{"Overwrite", "Cancel"}, 0, 1, func(c int) {
				if c == 0 {
					e.writeTo(path, then)
				}
			})
	default:
		e.writeTo(path, then)
	}
}

func trimExt(s string) string { return s[:len(s)-len(filepath.Ext(s))] }

func (e *Editor) writeTo(path string, then func()) {
	if err := e.doc.Save(path); err != nil {
		e.prompt = message("Cannot save", err.Error())
		e.setStatus("Cannot save: "+err.Error(), true)
		return
	}
	e.setStatus("Saved "+path, false)
	if e.env.Recovery != nil {
		e.env.Recovery.Snapshot(e.doc)
	}
	then()
}

// requestQuit closes the window after the unsaved-changes question.
func (e *Editor) requestQuit() {
	e.confirmDiscard("quit", func() {
		e.dropRun()
		e.quit = true
	})
}

// requestRun starts a run at the end of this frame (startRun).
func (e *Editor) requestRun() { e.runRequested = true }

// startRun snapshots the document into a job and starts it.
func (e *Editor) startRun() {
	if e.doc == nil {
		e.setStatus("Open a picture first (Ctrl+O)", true)
		return
	}
	if e.Running() {
		return
	}
	if e.models.loading != "" {
		e.setStatus(fmt.Sprintf("Loading the %s model; run when it is ready", e.models.loading), true)
		return
	}
	s, err := e.panel.settings(e.card)
	if err != nil {
		e.setStatus(err.Error(), true)
		return
	}
	job, err := e.doc.NewJob(e.card, s)
	if err != nil {
		e.setStatus(err.Error(), true)
		return
	}
	run, err := e.env.Runner.Start(job)
	if err != nil {
		e.setStatus(err.Error(), true)
		return
	}
	e.pending, e.run, e.step, e.variation = nil, run, -1, 0
	e.snap = run.Snapshot()
	e.strip.reset()
	e.setStatus(fmt.Sprintf("Running on %s: Esc cancels", e.card.Backend), false)
}

// cancelRun stops a run; the picture stays as it was.
func (e *Editor) cancelRun() {
	if e.run != nil {
		e.run.Cancel()
		e.setStatus("Cancelling...", false)
	}
}

// dropRun forgets the run and its result (cancelling a live one).
func (e *Editor) dropRun() {
	if e.run != nil {
		e.run.Cancel()
	}
	e.run, e.pending, e.step, e.variation = nil, nil, -1, 0
	e.snap = app.Snapshot{}
	e.strip.reset()
}

// accept makes the shown variation part of the picture (one undo step).
func (e *Editor) accept() {
	if e.pending == nil || e.doc == nil {
		return
	}
	ch, err := e.doc.Accept(e.pending, e.variation)
	if err != nil {
		e.setStatus(err.Error(), true)
		return
	}
	e.canvas.Changed(ch)
	e.dropRun()
	e.setStatus("Accepted; Ctrl+Z undoes it. The mask stays for another run.", false)
}

// discard drops a finished run's result.
func (e *Editor) discard() {
	if e.pending == nil {
		return
	}
	e.dropRun()
	e.setStatus("Discarded the result", false)
}

// flip shows the next (d = 1) or previous (d = -1) variation.
func (e *Editor) flip(d int) {
	n := e.snap.Progress.Variations
	if n < 2 {
		return
	}
	e.variation = (e.variation + d + n) % n
	e.setStatus(fmt.Sprintf("Variation %d of %d", e.variation+1, n), false)
}

func (e *Editor) undo() {
	if e.doc == nil {
		return
	}
	if ch, ok := e.doc.Undo(); ok {
		e.canvas.Changed(ch)
		e.setStatus("Undid "+ch.Label, false)
	}
}

func (e *Editor) redo() {
	if e.doc == nil {
		return
	}
	if ch, ok := e.doc.Redo(); ok {
		e.canvas.Changed(ch)
		e.setStatus("Redid "+ch.Label, false)
	}
}

func (e *Editor) clearMask() {
	if e.doc != nil {
		e.canvas.Changed(e.doc.ClearMask())
	}
}

func (e *Editor) invertMask() {
	if e.doc != nil {
		e.canvas.Changed(e.doc.InvertMask())
	}
}

func (e *Editor) importMask() {
	if e.doc == nil {
		return
	}
	e.ask(func() (string, error) {
		return e.env.Files.OpenFile("Import a mask (white = regenerate)", pictureFilters)
	}, func(p string, err error) {
		if err != nil {
			if !errors.Is(err, ErrCancelled) {
				e.setStatus(err.Error(), true)
			}
			return
		}
		ch, err := e.doc.ImportMask(p, e.env.Limits)
		if err != nil {
			e.prompt = message("Cannot import the mask", err.Error())
			return
		}
		e.canvas.Changed(ch)
		e.setStatus("Imported the mask from "+filepath.Base(p), false)
	})
}

func (e *Editor) exportMask() {
	if e.doc == nil {
		return
	}
	suggest := trimExt(e.doc.Name()) + "-mask.png"
	e.ask(func() (string, error) {
		return e.env.Files.SaveFile("Export the mask as PNG", suggest, pngFilters)
	}, func(p string, err error) {
		if err != nil {
			if !errors.Is(err, ErrCancelled) {
				e.setStatus(err.Error(), true)
			}
			return
		}
		if err := e.doc.ExportMask(p); err != nil {
			e.prompt = message("Cannot export the mask", err.Error())
			return
		}
		e.setStatus("Exported the mask to "+p, false)
	})
}

// offerRecovery asks about work a crashed session left behind.
func (e *Editor) offerRecovery() {
	if e.env.Recovery == nil {
		return
	}
	orphans := e.env.Recovery.Orphans()
	if len(orphans) == 0 {
		return
	}
	info := orphans[0]
	name := "an untitled picture"
	if info.Path != "" {
		name = filepath.Base(info.Path)
	}
	e.prompt = newPrompt("Recover unsaved work?",
		fmt.Sprintf("bartedit did not close cleanly. Work on %s (%dx%d) from %s was kept. Recover it?",
			name, info.Width, info.Height, info.Saved.Format("Jan 2 15:04")),
		[]string{"Recover", "Discard", "Later"}, 0, 2, func(c int) {
			switch c {
			case 0:
				d, err := app.Restore(info)
				if err != nil {
					e.prompt = message("Cannot recover", err.Error())
					return
				}
				e.SetDocument(d)
				app.Discard(info)
				e.setStatus("Recovered "+name, false)
			case 1:
				app.Discard(info)
			}
		})
}

// AfterClose runs once the window has closed: with unsaved changes it
// asks (through the native dialogs) whether to save them. It reports
// whether the work is safe (saved, discarded on purpose, or nothing to
// save); when not, the recovery file stays for the next start.
func (e *Editor) AfterClose() bool {
	safe := true
	if e.doc != nil && e.doc.Dirty() && e.env.Files == nil {
		safe = false
	}
	if e.doc != nil && e.doc.Dirty() && e.env.Files != nil {
		e.Sync(func() {
			if !e.env.Files.Ask("bartedit", fmt.Sprintf("Save the changes to %s before closing?", e.doc.Name())) {
				return
			}
			act, path, _ := e.doc.SavePlan()
			if act == app.SaveAsk {
				p, err := e.env.Files.SaveFile("Save the picture as PNG", filepath.Base(path), pngFilters)
				if err != nil {
					safe = false
					return
				}
				path = p
			}
			if err := e.doc.Save(path); err != nil {
				safe = false
			}
		})
	}
	if e.env.Recovery != nil {
		if safe {
			e.env.Recovery.Clear()
		} else {
			e.env.Recovery.Wait()
			e.env.Recovery.Snapshot(e.doc)
			e.env.Recovery.Wait()
		}
	}
	return safe
}
