package app

import (
	"image"
	"image/draw"

	"bartedit/canvas"
)

// DefaultHistoryBudget is how many bytes of undo data a document keeps by
// default; past it the oldest steps are forgotten.
const DefaultHistoryBudget int64 = 512 << 20

// History is the undo/redo stack of a document. Each step stores only the
// rectangle it changed, and only one state of it: the one not in the
// document. Undo and redo swap that state with the document's, so a step
// costs its rectangle once, whichever way it was last applied. When the
// steps' bytes pass Budget the oldest are dropped (the newest is always
// kept).
type History struct {
	Budget  int64
	entries []*histEntry
	pos     int // entries[:pos] are applied; entries[pos:] can be redone
	bytes   int64
}

// histEntry is one undoable step.
type histEntry struct {
	label string
	rect  image.Rectangle
	mask  []uint8    // mask values of rect (mask steps)
	img   draw.Image // pixels of rect (image steps)
	// image versions before and after the step, for the dirty flag.
	genBefore, genAfter uint64
}

func (e *histEntry) size() int64 {
	n := int64(len(e.mask)) + 64
	if e.img != nil {
		_, _, bpp, _ := rawPixelsInfo(e.img)
		n += int64(bpp * e.rect.Dx() * e.rect.Dy())
	}
	return n
}

func newHistory() *History { return &History{Budget: DefaultHistoryBudget} }

// push records a new step, dropping what could be redone.
func (h *History) push(e *histEntry) {
	for _, old := range h.entries[h.pos:] {
		h.bytes -= old.size()
	}
	h.entries = append(h.entries[:h.pos], e)
	h.pos++
	h.bytes += e.size()
	for h.bytes > h.Budget && len(h.entries) > 1 && h.pos > 0 {
		h.bytes -= h.entries[0].size()
		h.entries[0] = nil
		h.entries = h.entries[1:]
		h.pos--
	}
}

// CanUndo reports whether there is a step to undo; UndoLabel names it.
func (h *History) CanUndo() bool { return h.pos > 0 }

// CanRedo reports whether there is a step to redo.
func (h *History) CanRedo() bool { return h.pos < len(h.entries) }

// Len returns the number of steps kept; Bytes their size.
func (h *History) Len() int { return len(h.entries) }

// Bytes returns the memory the kept steps hold.
func (h *History) Bytes() int64 { return h.bytes }

// UndoLabel names the step Undo would undo ("" if none).
func (h *History) UndoLabel() string {
	if h.pos == 0 {
		return ""
	}
	return h.entries[h.pos-1].label
}

// RedoLabel names the step Redo would redo ("" if none).
func (h *History) RedoLabel() string {
	if h.pos == len(h.entries) {
		return ""
	}
	return h.entries[h.pos].label
}

// Change says what an operation changed, for redrawing: rectangles of the
// image and of the mask (empty when that part did not change).
type Change struct {
	Image, Mask image.Rectangle
	Label       string
}

// swap exchanges the entry's stored state with the document's.
func (e *histEntry) swap(img draw.Image, m *canvas.Mask) Change {
	if e.img != nil {
		cur := canvas.CopyRect(img, e.rect)
		canvas.PasteImage(img, e.img)
		e.img = cur
		return Change{Image: e.rect, Label: e.label}
	}
	m.SwapRegion(e.rect, e.mask)
	return Change{Mask: e.rect, Label: e.label}
}

func rawPixelsInfo(img image.Image) (w, h, bpp int, ok bool) {
	b := img.Bounds()
	switch img.(type) {
	case *image.NRGBA, *image.RGBA:
		return b.Dx(), b.Dy(), 4, true
	case *image.NRGBA64, *image.RGBA64:
		return b.Dx(), b.Dy(), 8, true
	case *image.Gray:
		return b.Dx(), b.Dy(), 1, true
	case *image.Gray16:
		return b.Dx(), b.Dy(), 2, true
	}
	return b.Dx(), b.Dy(), 8, false
}
