package app

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"strings"

	"bartedit/canvas"
)

// Document is one open picture: its pixels (in a type edits write in
// place), the painted mask, where it came from, and its history. It
// belongs to one goroutine, the UI's; the worker gets snapshots (NewJob).
type Document struct {
	Image   draw.Image
	Mask    *canvas.Mask
	Path    string // "" for a picture not yet saved
	Format  string // "png" or "jpeg" as read; "" when new
	History *History
	// OverwriteConfirmed records the one-time confirmation to overwrite
	// the opened PNG on save.
	OverwriteConfirmed bool

	original image.Image // as opened, for comparing
	gen      uint64      // image version: changes with every image edit
	savedGen uint64      // gen when last saved or opened
	nextGen  uint64
	version  uint64 // changes with every edit, image or mask
	stroke   *strokeRec
}

// NewDocument makes a document of img (copied into an editable type).
func NewDocument(img image.Image, path, format string) *Document {
	ed := canvas.Editable(img)
	b := ed.Bounds()
	if b.Min != (image.Point{}) {
		// Masks start at (0, 0); so do documents.
		moved := canvas.Editable(translated(ed, b.Min))
		ed = moved
	}
	b = ed.Bounds()
	return &Document{
		Image: ed, Mask: canvas.NewMask(b.Dx(), b.Dy()), Path: path, Format: format,
		History: newHistory(), original: img,
	}
}

// OpenDocument reads a PNG or JPEG file. The error names the file and the
// problem (not an image, truncated, too large for limits).
func OpenDocument(path string, limits canvas.Limits) (*Document, error) {
	img, format, err := canvas.LoadImage(path, limits)
	if err != nil {
		return nil, err
	}
	return NewDocument(img, path, format), nil
}

// Size returns the picture's width and height.
func (d *Document) Size() image.Point { return d.Image.Bounds().Size() }

// Original returns the picture as it was opened.
func (d *Document) Original() image.Image { return d.original }

// Dirty reports whether the picture differs from the file (mask changes
// do not count: the mask is not saved in the picture).
func (d *Document) Dirty() bool { return d.gen != d.savedGen }

// Version changes with every edit of the picture or the mask.
func (d *Document) Version() uint64 { return d.version }

// Name is the file's base name, or "Untitled".
func (d *Document) Name() string {
	if d.Path == "" {
		return "Untitled"
	}
	return filepath.Base(d.Path)
}

// Title is the window title: the name, "*" when there are unsaved
// changes, and the program.
func (d *Document) Title() string {
	star := ""
	if d.Dirty() {
		star = "*"
	}
	return d.Name() + star + " - bartedit"
}

// strokeRec remembers the mask values under a stroke before it painted,
// tile by tile as the stroke reaches them, so one undo step stores only
// the stroke's rectangle whatever the picture's size.
type strokeRec struct {
	s     *canvas.Stroke
	tiles map[image.Point][]uint8
}

const strokeTile = 64

func (r *strokeRec) save(m *canvas.Mask, rect image.Rectangle) {
	rect = rect.Intersect(m.Bounds())
	if rect.Empty() {
		return
	}
	for ty := rect.Min.Y / strokeTile; ty <= (rect.Max.Y-1)/strokeTile; ty++ {
		for tx := rect.Min.X / strokeTile; tx <= (rect.Max.X-1)/strokeTile; tx++ {
			p := image.Pt(tx, ty)
			if _, ok := r.tiles[p]; !ok {
				r.tiles[p] = m.Region(tileRect(p))
			}
		}
	}
}

func tileRect(p image.Point) image.Rectangle {
	return image.Rect(p.X*strokeTile, p.Y*strokeTile, (p.X+1)*strokeTile, (p.Y+1)*strokeTile)
}

// BeginStroke starts painting (or erasing) the mask with b at image point
// (x, y) and returns the mask rectangle that changed.
func (d *Document) BeginStroke(b canvas.Brush, x, y float64) image.Rectangle {
	if d.stroke != nil {
		d.EndStroke()
	}
	r := &strokeRec{tiles: map[image.Point][]uint8{}}
	r.save(d.Mask, b.Reach(x, y))
	r.s = b.BeginStroke(d.Mask, x, y)
	d.stroke = r
	d.version++
	return r.s.Changed
}

// Stroking reports whether a stroke is in progress.
func (d *Document) Stroking() bool { return d.stroke != nil }

// StrokeTo extends the stroke to (x, y).
func (d *Document) StrokeTo(x, y float64) image.Rectangle {
	r := d.stroke
	if r == nil {
		return image.Rectangle{}
	}
	from := r.s
	px, py := strokePos(from)
	r.save(d.Mask, from.Brush.Reach(px, py).Union(from.Brush.Reach(x, y)))
	d.version++
	return r.s.LineTo(x, y)
}

// EndStroke finishes the stroke and records it as one undo step.
func (d *Document) EndStroke() image.Rectangle {
	r := d.stroke
	if r == nil {
		return image.Rectangle{}
	}
	d.stroke = nil
	px, py := strokePos(r.s)
	r.save(d.Mask, r.s.Brush.Reach(px, py))
	changed := r.s.End()
	rect := r.s.Changed.Intersect(d.Mask.Bounds())
	if rect.Empty() {
		return changed
	}
	before := d.Mask.Region(rect)
	now := append([]uint8(nil), before...)
	w := rect.Dx()
	for p, vals := range r.tiles {
		tr := tileRect(p).Intersect(d.Mask.Bounds())
		in := tr.Intersect(rect)
		for y := in.Min.Y; y < in.Max.Y; y++ {
			src := vals[(y-tr.Min.Y)*tr.Dx()+in.Min.X-tr.Min.X:][:in.Dx()]
			copy(before[(y-rect.Min.Y)*w+in.Min.X-rect.Min.X:][:in.Dx()], src)
		}
	}
	if bytes.Equal(before, now) {
		return changed // the stroke changed nothing: no undo step
	}
	label := "brush stroke"
	if r.s.Brush.Erase {
		label = "eraser stroke"
	}
	d.History.push(&histEntry{label: label, rect: rect, mask: before})
	return changed
}

// strokePos is where the stroke's path ends now.
func strokePos(s *canvas.Stroke) (float64, float64) { return s.Pos() }

// maskStep records a mask change of rect made by change.
func (d *Document) maskStep(label string, rect image.Rectangle, change func()) Change {
	d.EndStroke()
	rect = rect.Intersect(d.Mask.Bounds())
	if rect.Empty() {
		return Change{}
	}
	before := d.Mask.Region(rect)
	change()
	d.version++
	d.History.push(&histEntry{label: label, rect: rect, mask: before})
	return Change{Mask: rect, Label: label}
}

// ClearMask unmasks every pixel.
func (d *Document) ClearMask() Change {
	return d.maskStep("clear mask", d.Mask.BoundingBox(), func() { d.Mask.Fill(d.Mask.Bounds(), 0) })
}

// InvertMask masks what was kept and keeps what was masked.
func (d *Document) InvertMask() Change {
	return d.maskStep("invert mask", d.Mask.Bounds(), d.Mask.Invert)
}

// SetMask replaces the mask by m (as large as the picture).
func (d *Document) SetMask(m *canvas.Mask, label string) (Change, error) {
	if err := m.CheckSize(d.Image.Bounds()); err != nil {
		return Change{}, err
	}
	return d.maskStep(label, d.Mask.Bounds(), func() { copy(d.Mask.Pix, m.Pix) }), nil
}

// ImportMask reads a mask PNG (white, or opaque, pixels are masked; see
// canvas.MaskFromImage) of the picture's size.
func (d *Document) ImportMask(path string, limits canvas.Limits) (Change, error) {
	img, _, err := canvas.LoadImage(path, limits)
	if err != nil {
		return Change{}, err
	}
	ch, err := d.SetMask(canvas.MaskFromImage(img), "import mask")
	if err != nil {
		return Change{}, fmt.Errorf("%s: %w", path, err)
	}
	return ch, nil
}

// ExportMask writes the mask as a grayscale PNG (white = regenerate),
// replacing path if it exists.
func (d *Document) ExportMask(path string) error {
	g := image.NewGray(d.Mask.Bounds())
	copy(g.Pix, d.Mask.Pix)
	return canvas.WritePNGAtomic(path, g, true)
}

// Accept makes variation v of a finished run part of the picture, as one
// undo step.
func (d *Document) Accept(res *Result, v int) (Change, error) {
	if res == nil || v < 0 || v >= len(res.Images) {
		return Change{}, errors.New("no such result")
	}
	d.EndStroke()
	rect := res.Changed.Intersect(d.Image.Bounds())
	if rect.Empty() {
		return Change{}, nil
	}
	before := canvas.CopyRect(d.Image, rect)
	if err := canvas.PasteImage(d.Image, res.Images[v]); err != nil {
		return Change{}, err
	}
	d.nextGen++
	e := &histEntry{label: "accept result", rect: rect, img: before, genBefore: d.gen, genAfter: d.nextGen}
	d.gen = e.genAfter
	d.version++
	d.History.push(e)
	return Change{Image: rect, Label: e.label}, nil
}

// Undo undoes the newest step; ok is false when there is none.
func (d *Document) Undo() (Change, bool) {
	d.EndStroke()
	h := d.History
	if !h.CanUndo() {
		return Change{}, false
	}
	h.pos--
	e := h.entries[h.pos]
	ch := e.swap(d.Image, d.Mask)
	if e.img != nil {
		d.gen = e.genBefore
	}
	d.version++
	return ch, true
}

// Redo redoes the newest undone step; ok is false when there is none.
func (d *Document) Redo() (Change, bool) {
	d.EndStroke()
	h := d.History
	if !h.CanRedo() {
		return Change{}, false
	}
	e := h.entries[h.pos]
	h.pos++
	ch := e.swap(d.Image, d.Mask)
	if e.img != nil {
		d.gen = e.genAfter
	}
	d.version++
	return ch, true
}

// SaveAction is what saving in place (Ctrl+S) does for a document.
type SaveAction int

const (
	// SaveOverwrite writes the opened PNG again (after the one-time
	// confirmation when Confirm is set).
	SaveOverwrite SaveAction = iota
	// SaveNewPNG writes a new PNG beside a JPEG source.
	SaveNewPNG
	// SaveAsk needs a file name from the person (Save as).
	SaveAsk
)

// SavePlan says what Ctrl+S does: the action, the path it writes (or
// suggests), and whether the person must confirm overwriting first.
func (d *Document) SavePlan() (act SaveAction, path string, confirm bool) {
	switch {
	case d.Path == "":
		return SaveAsk, "untitled.png", false
	case d.Format == "png":
		return SaveOverwrite, d.Path, !d.OverwriteConfirmed
	}
	png := strings.TrimSuffix(d.Path, filepath.Ext(d.Path)) + ".png"
	if _, err := os.Stat(png); err == nil {
		return SaveAsk, png, false
	}
	return SaveNewPNG, png, false
}

// Save writes the picture to path as PNG, atomically, replacing the file
// if it exists (the UI asks first), and makes path the document's file.
func (d *Document) Save(path string) error {
	d.EndStroke()
	if err := canvas.WritePNGAtomic(path, d.Image, true); err != nil {
		return err
	}
	d.Path, d.Format, d.savedGen, d.OverwriteConfirmed = path, "png", d.gen, true
	return nil
}

// NewJob snapshots what a run needs: the crop windows around the mask,
// the picture and mask inside their union, the resolved prompt and
// settings. It fails when the mask is empty or the settings are invalid.
func (d *Document) NewJob(card Card, s Settings) (Job, error) {
	d.EndStroke()
	if d.Mask.Empty() {
		return Job{}, errors.New("the mask is empty: paint over what should change first")
	}
	if s.Feather < 0 || s.Feather > canvas.MaxFeather {
		return Job{}, fmt.Errorf("feather %d outside 0..%d", s.Feather, canvas.MaxFeather)
	}
	if s.Context < 0 {
		return Job{}, fmt.Errorf("context %d is negative", s.Context)
	}
	req, err := card.Request(s)
	if err != nil {
		return Job{}, err
	}
	sz := d.Size()
	// The feather ramp is clipped at window edges: keep the margin wider.
	context := max(s.Context, s.Feather)
	wins := canvas.Windows(d.Mask, sz.X, sz.Y, context, card.ImageSize)
	var crop image.Rectangle
	for _, w := range wins {
		crop = crop.Union(w)
	}
	local := make([]image.Rectangle, len(wins))
	for i, w := range wins {
		local[i] = w.Sub(crop.Min)
	}
	return Job{
		Crop: crop, Feather: s.Feather, Seamless: s.Seamless, Settings: s.Clone(),
		Edit: EditJob{
			Image: canvas.CopyRect(d.Image, crop), Mask: d.Mask.Crop(crop), Windows: local,
			Request: req, Context: context, Dilate: s.Dilate,
		},
	}, nil
}

// translated returns img with its bounds moved so that min becomes (0, 0),
// sharing pixels, for the Editable types.
func translated(img draw.Image, min image.Point) image.Image {
	b := img.Bounds().Sub(min)
	switch m := img.(type) {
	case *image.NRGBA:
		return &image.NRGBA{Pix: m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], Stride: m.Stride, Rect: b}
	case *image.RGBA:
		return &image.RGBA{Pix: m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], Stride: m.Stride, Rect: b}
	case *image.NRGBA64:
		return &image.NRGBA64{Pix: m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], Stride: m.Stride, Rect: b}
	case *image.RGBA64:
		return &image.RGBA64{Pix: m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], Stride: m.Stride, Rect: b}
	case *image.Gray:
		return &image.Gray{Pix: m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], Stride: m.Stride, Rect: b}
	case *image.Gray16:
		return &image.Gray16{Pix: m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], Stride: m.Stride, Rect: b}
	}
	return img
}
