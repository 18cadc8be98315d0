package ui

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gioui.org/io/key"
	"gioui.org/io/pointer"

	"bartedit/app"
	"bartedit/app/apptest"
	"bartedit/canvas"
)

func (h *harness) paintBlob() {
	h.ed.Canvas().Brush = canvas.Brush{Diameter: 12, Hardness: 1}
	h.drag(pointer.ButtonPrimary, h.screen(60, 50), h.screen(90, 60), 4, 0)
}

// TestRunStreamsAcceptUndo: Ctrl+Enter runs the (fake) model; every step
// shows on the canvas and joins the film strip as it arrives; Enter
// accepts, which undo and redo take back and forth.
func TestRunStreamsAcceptUndo(t *testing.T) {
	h := newHarness(t)
	h.eng.Gate = make(chan struct{})
	h.open(200, 150)
	h.paintBlob()
	orig := canvas.Editable(h.ed.Document().Image)
	h.key(key.NameReturn, key.ModShortcut)
	if !h.ed.Running() {
		t.Fatalf("Ctrl+Enter did not start a run: %s", h.ed.Status())
	}
	steps := 6 // the fixture's default chain 3+2+1
	var shown []*image.RGBA
	for i := 0; i < steps; i++ {
		h.eng.Gate <- struct{}{}
		h.until("step to stream", func() bool { return len(h.ed.snap.Steps) == i+1 })
		p := h.ed.Canvas().Preview
		if p == nil {
			t.Fatalf("step %d: no preview on the canvas", i)
		}
		want := apptest.Colour(int32(((i + 1) * 7) % h.eng.M.CodebookSize))
		if c := p.RGBAAt(75, 55); c.R != want[0] || c.G != want[1] || c.B != want[2] {
			t.Errorf("step %d: canvas shows %v inside the mask, want %v", i, c, want)
		}
		shown = append(shown, p)
		if len(h.ed.strip.thumbs) != i+1 {
			t.Errorf("step %d: film strip has %d thumbnails", i, len(h.ed.strip.thumbs))
		}
	}
	h.until("run to finish", h.ed.Pending)
	if !strings.Contains(ProgressText(h.ed.snap.Progress), "Done") {
		t.Errorf("progress says %q", ProgressText(h.ed.snap.Progress))
	}
	// Clicking a film strip step shows it.
	h.ed.strip.clicks[1].Click()
	h.frame()
	if h.ed.Canvas().Preview != shown[1] || h.ed.step != 1 {
		t.Error("clicking step 2 of the film strip did not show it")
	}
	h.ed.strip.clicks[1].Click()
	h.frame()
	if h.ed.step != -1 {
		t.Error("clicking the shown step again did not go back to the newest")
	}
	if !canvas.EqualPixels(h.ed.Document().Image, orig) {
		t.Fatal("the picture changed before Accept")
	}
	h.key(key.NameReturn, 0)
	doc := h.ed.Document()
	if h.ed.Pending() || canvas.EqualPixels(doc.Image, orig) {
		t.Fatal("Enter did not accept the result")
	}
	if !doc.Dirty() || !strings.HasPrefix(h.ed.Title(), "in.png*") {
		t.Errorf("title after accept: %q", h.ed.Title())
	}
	if doc.Mask.Empty() {
		t.Error("the mask went away after the run; it should stay for another")
	}
	accepted := canvas.Editable(doc.Image)
	h.key("Z", key.ModShortcut)
	if !canvas.EqualPixels(doc.Image, orig) || doc.Dirty() {
		t.Error("Ctrl+Z did not take the accepted result back")
	}
	h.key("Y", key.ModShortcut)
	if !canvas.EqualPixels(doc.Image, accepted) {
		t.Error("Ctrl+Y did not redo the accepted result")
	}
}

func TestDiscardVariationsAndCancel(t *testing.T) {
	h := newHarness(t)
	h.open(200, 150)
	h.paintBlob()
	h.ed.panel.variations.SetText("3")
	orig := canvas.Editable(h.ed.Document().Image)
	h.key(key.NameReturn, key.ModShortcut)
	h.until("run to finish", h.ed.Pending)
	first := h.ed.Canvas().Preview
	h.key(key.NameRightArrow, 0)
	if h.ed.variation != 1 || h.ed.Canvas().Preview == first {
		t.Error("the right arrow did not flip to variation 2")
	}
	h.key(key.NameLeftArrow, 0)
	h.key(key.NameLeftArrow, 0)
	if h.ed.variation != 2 {
		t.Errorf("left twice from 2 gave variation %d, want 3 (wrapping)", h.ed.variation+1)
	}
	h.key(key.NameDeleteForward, 0)
	if h.ed.Pending() || h.ed.Canvas().Preview != nil || !canvas.EqualPixels(h.ed.Document().Image, orig) {
		t.Error("Delete did not discard the result")
	}

	// Esc cancels a run mid-way and keeps the picture.
	h.eng.Gate = make(chan struct{})
	h.key(key.NameReturn, key.ModShortcut)
	h.eng.Gate <- struct{}{}
	h.until("a step", func() bool { return len(h.ed.snap.Steps) >= 1 })
	h.key(key.NameEscape, 0)
	h.until("cancel", func() bool { return !h.ed.Running() })
	if h.ed.Pending() || h.ed.Canvas().Preview != nil || !canvas.EqualPixels(h.ed.Document().Image, orig) {
		t.Error("Esc did not cancel cleanly")
	}
	if !strings.Contains(h.ed.Status(), "cancelled") {
		t.Errorf("status %q", h.ed.Status())
	}
	// A run with an empty mask says what to do.
	h.key("D", key.ModShortcut)
	h.key(key.NameReturn, key.ModShortcut)
	if h.ed.Running() || !strings.Contains(h.ed.Status(), "mask is empty") {
		t.Errorf("empty mask: running %v, status %q", h.ed.Running(), h.ed.Status())
	}
}

// TestFilesAndPrompts: Ctrl+O, Ctrl+S with its one-time confirmation,
// Ctrl+Shift+S, bad files, and the unsaved-changes prompt on open and
// quit.
func TestFilesAndPrompts(t *testing.T) {
	h := newHarness(t)
	first := h.writePicture("first.png", 120, 90)
	second := h.writePicture("second.png", 80, 60)
	bad := filepath.Join(h.dir, "bad.png")
	os.WriteFile(bad, []byte("not a picture"), 0o644)

	h.files.answers = []string{first}
	h.key("O", key.ModShortcut)
	h.until("the picture to open", func() bool { return h.ed.Document() != nil })
	if h.ed.Title() != "first.png - bartedit" {
		t.Errorf("title %q", h.ed.Title())
	}
	// Make it dirty: run and accept.
	h.paintBlob()
	h.key(key.NameReturn, key.ModShortcut)
	h.until("run", h.ed.Pending)
	h.key(key.NameReturn, 0)
	if !h.ed.Document().Dirty() {
		t.Fatal("not dirty after accept")
	}
	// Ctrl+O with unsaved changes asks first; Cancel keeps everything.
	h.key("O", key.ModShortcut)
	if p, ok := h.ed.OpenPrompt(); !ok || p.Title != "Unsaved changes" {
		t.Fatalf("no unsaved-changes prompt on open: %+v", p)
	}
	h.key(key.NameEscape, 0)
	if _, ok := h.ed.OpenPrompt(); ok || len(h.files.questions()) != 1 {
		t.Error("Esc on the prompt did not cancel the open")
	}
	// Ctrl+Q likewise.
	h.key("Q", key.ModShortcut)
	if p, ok := h.ed.OpenPrompt(); !ok || !strings.Contains(p.Text, "quit") {
		t.Fatalf("no unsaved-changes prompt on quit: %+v", p)
	}
	h.ed.Answer("Cancel")
	h.frame()
	if h.ed.QuitRequested() {
		t.Error("cancelled quit still quits")
	}
	// Ctrl+S asks once before overwriting the opened PNG.
	h.key("S", key.ModShortcut)
	if p, ok := h.ed.OpenPrompt(); !ok || !strings.HasPrefix(p.Title, "Overwrite first.png") {
		t.Fatalf("no overwrite confirmation: %+v", p)
	}
	h.key(key.NameReturn, 0)
	if h.ed.Document().Dirty() || h.ed.Title() != "first.png - bartedit" {
		t.Errorf("after saving: dirty %v, title %q", h.ed.Document().Dirty(), h.ed.Title())
	}
	saved, _, err := canvas.LoadImage(first, canvas.Limits{})
	if err != nil || !canvas.EqualPixels(saved, h.ed.Document().Image) {
		t.Errorf("the saved file differs from the picture (%v)", err)
	}
	h.paintBlob()
	h.key(key.NameReturn, key.ModShortcut)
	h.until("run", h.ed.Pending)
	h.key(key.NameReturn, 0)
	h.key("S", key.ModShortcut)
	if _, ok := h.ed.OpenPrompt(); ok {
		t.Error("the overwrite confirmation was asked twice")
	}
	// Ctrl+Shift+S asks for a name.
	as := filepath.Join(h.dir, "copy.png")
	h.files.answers = []string{as}
	h.key("S", key.ModShortcut|key.ModShift)
	h.until("save as", func() bool { _, err := os.Stat(as); return err == nil })
	h.until("the new name", func() bool { return h.ed.Title() == "copy.png - bartedit" })

	// Open with unsaved changes: Don't save, then the dialog, then a bad
	// file: a message, and the picture stays.
	h.paintBlob()
	h.key(key.NameReturn, key.ModShortcut)
	h.until("run", h.ed.Pending)
	h.key(key.NameReturn, 0)
	h.files.answers = []string{bad}
	h.key("O", key.ModShortcut)
	h.ed.Answer("Don't save")
	h.until("the bad file's message", func() bool {
		p, ok := h.ed.OpenPrompt()
		return ok && strings.HasPrefix(p.Title, "Cannot open bad.png")
	})
	h.key(key.NameReturn, 0)
	if h.ed.Title() != "copy.png* - bartedit" {
		t.Errorf("a bad file replaced the picture: %q", h.ed.Title())
	}
	h.files.answers = []string{second}
	h.key("O", key.ModShortcut)
	h.ed.Answer("Don't save")
	h.until("the second picture", func() bool { return h.ed.Title() == "second.png - bartedit" })
	h.key("Q", key.ModShortcut)
	if !h.ed.QuitRequested() {
		t.Error("Ctrl+Q on a saved picture did not quit")
	}
}

// TestRecoveryOffered: work left by a session that crashed is offered at
// the next start and comes back with its mask.
func TestRecoveryOffered(t *testing.T) {
	h := newHarness(t)
	h.open(100, 80)
	h.paintBlob()
	dir := filepath.Join(h.dir, "recovery")
	rec := app.NewRecovery(dir)
	rec.Snapshot(h.ed.Document())
	if err := rec.Wait(); err != nil {
		t.Fatal(err)
	}
	// Pretend that process died.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d recovery folders", len(entries))
	}
	os.Rename(filepath.Join(dir, entries[0].Name()), filepath.Join(dir, "1073741824"))
	ed := New(Env{Runner: h.ed.env.Runner, Files: h.files, Recovery: app.NewRecovery(dir)})
	p, ok := ed.OpenPrompt()
	if !ok || p.Title != "Recover unsaved work?" {
		t.Fatalf("no recovery offered: %+v", p)
	}
	ed.Answer("Recover")
	if ed.Document() == nil || ed.Document().Mask.Empty() || ed.Document().Name() != "in.png" {
		t.Error("recovered work lacks the picture or its mask")
	}
	if len(app.NewRecovery(dir).Orphans()) != 0 {
		t.Error("the recovered data was not removed")
	}
}
