package app

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"bartedit/canvas"
)

func gradient(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) % 256), 255})
		}
	}
	return img
}

func stroke(d *Document, b canvas.Brush, pts ...image.Point) {
	d.BeginStroke(b, float64(pts[0].X), float64(pts[0].Y))
	for _, p := range pts[1:] {
		d.StrokeTo(float64(p.X), float64(p.Y))
	}
	d.EndStroke()
}

func TestStrokeUndoRedo(t *testing.T) {
	d := NewDocument(gradient(300, 200), "", "")
	brush := canvas.Brush{Diameter: 12, Hardness: 0.8}
	stroke(d, brush, image.Pt(20, 20), image.Pt(200, 150), image.Pt(250, 30))
	afterFirst := d.Mask.Clone()
	stroke(d, canvas.Brush{Diameter: 30, Hardness: 1, Erase: true}, image.Pt(100, 100), image.Pt(140, 110))
	afterErase := d.Mask.Clone()
	if bytes.Equal(afterFirst.Pix, afterErase.Pix) {
		t.Fatal("the eraser changed nothing")
	}
	if d.Dirty() {
		t.Error("mask strokes made the picture dirty")
	}
	if d.History.Len() != 2 {
		t.Fatalf("history has %d steps, want 2", d.History.Len())
	}
	// Undo restores exactly, redo re-applies exactly.
	if _, ok := d.Undo(); !ok || !bytes.Equal(d.Mask.Pix, afterFirst.Pix) {
		t.Fatal("undo of the eraser stroke did not restore the mask")
	}
	if _, ok := d.Undo(); !ok || !d.Mask.Empty() {
		t.Fatal("undo of the first stroke did not empty the mask")
	}
	if _, ok := d.Undo(); ok {
		t.Error("undo past the first step")
	}
	d.Redo()
	d.Redo()
	if !bytes.Equal(d.Mask.Pix, afterErase.Pix) {
		t.Fatal("redo did not re-apply both strokes")
	}
	// A stroke that changes nothing is no step.
	stroke(d, canvas.Brush{Diameter: 5, Erase: true}, image.Pt(290, 190), image.Pt(295, 195))
	if d.History.Len() != 2 {
		t.Errorf("an empty eraser stroke made a history step")
	}
	// Clear and invert undo.
	d.InvertMask()
	d.ClearMask()
	if !d.Mask.Empty() {
		t.Error("clear left pixels")
	}
	d.Undo()
	d.Undo()
	if !bytes.Equal(d.Mask.Pix, afterErase.Pix) {
		t.Error("undoing clear and invert did not restore the mask")
	}
}

// TestHistoryMemoryBound: a stroke on a large picture stores only its
// rectangle, and the oldest steps go past the budget.
func TestHistoryMemoryBound(t *testing.T) {
	d := NewDocument(image.NewGray(image.Rect(0, 0, 4000, 3000)), "", "")
	stroke(d, canvas.Brush{Diameter: 10, Hardness: 1}, image.Pt(100, 100), image.Pt(150, 100))
	if b := d.History.Bytes(); b > 100*100 {
		t.Errorf("a 60x10 stroke on 4000x3000 stores %d bytes", b)
	}
	d.History.Budget = 30 << 20
	for i := 0; i < 5; i++ {
		d.InvertMask() // 12 MB each
	}
	if d.History.Bytes() > d.History.Budget || d.History.Len() > 3 {
		t.Errorf("history holds %d steps, %d bytes over a budget of %d", d.History.Len(), d.History.Bytes(), d.History.Budget)
	}
	for d.History.CanUndo() {
		d.Undo()
	}
	// 5 inversions with the first 3 forgotten: 2 undone leave the mask
	// inverted 3 times, i.e. inverted, with the stroke kept out.
	if d.Mask.Value(0, 0) != 255 {
		t.Errorf("after undoing what was kept, pixel (0,0) = %d, want 255", d.Mask.Value(0, 0))
	}
}

func TestAcceptUndoDirtyAndSave(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "in.png")
	var buf bytes.Buffer
	png.Encode(&buf, gradient(64, 48))
	os.WriteFile(path, buf.Bytes(), 0o644)
	d, err := OpenDocument(path, canvas.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Dirty() || d.Title() != "in.png - bartedit" {
		t.Fatalf("fresh document: dirty %v, title %q", d.Dirty(), d.Title())
	}
	orig := canvas.Editable(d.Image)
	r := image.Rect(10, 10, 30, 20)
	patch := canvas.CopyRect(d.Image, r)
	draw.Draw(patch, r, image.NewUniform(color.Gray{200}), image.Point{}, draw.Src)
	res := &Result{Changed: r, Images: []draw.Image{patch}}
	if _, err := d.Accept(res, 0); err != nil {
		t.Fatal(err)
	}
	if !d.Dirty() || d.Title() != "in.png* - bartedit" {
		t.Fatalf("after accept: dirty %v, title %q", d.Dirty(), d.Title())
	}
	if gray(d.Image.At(15, 15)) != 200 {
		t.Error("accept did not paste the result")
	}
	d.Undo()
	if d.Dirty() || !canvas.EqualPixels(d.Image, orig) {
		t.Error("undo of accept did not restore the picture or left it dirty")
	}
	d.Redo()
	if !d.Dirty() {
		t.Error("redo of accept is not dirty")
	}
	act, p, confirm := d.SavePlan()
	if act != SaveOverwrite || p != path || !confirm {
		t.Errorf("save plan of an opened PNG = %v %q %v; want overwrite, confirm", act, p, confirm)
	}
	if err := d.Save(p); err != nil {
		t.Fatal(err)
	}
	if d.Dirty() {
		t.Error("dirty after save")
	}
	if _, _, confirm := d.SavePlan(); confirm {
		t.Error("overwrite confirmation asked twice")
	}
	d.Undo()
	if !d.Dirty() {
		t.Error("undo past the save is not dirty")
	}
	saved, _, err := canvas.LoadImage(path, canvas.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if gray(saved.At(15, 15)) != 200 {
		t.Error("saved file lacks the accepted result")
	}

	// A JPEG source saves as a new PNG beside it, or asks when that exists.
	j := &Document{Path: filepath.Join(dir, "photo.jpg"), Format: "jpeg"}
	if act, p, _ := j.SavePlan(); act != SaveNewPNG || p != filepath.Join(dir, "photo.png") {
		t.Errorf("jpeg save plan = %v %q", act, p)
	}
	os.WriteFile(filepath.Join(dir, "photo.png"), []byte("x"), 0o644)
	if act, _, _ := j.SavePlan(); act != SaveAsk {
		t.Errorf("jpeg save plan with the PNG present = %v, want ask", act)
	}
	if act, _, _ := NewDocument(gradient(2, 2), "", "").SavePlan(); act != SaveAsk {
		t.Error("untitled save plan should ask")
	}
}

func TestMaskImportExport(t *testing.T) {
	dir := t.TempDir()
	d := NewDocument(gradient(40, 30), "", "")
	stroke(d, canvas.Brush{Diameter: 8, Hardness: 1}, image.Pt(5, 5), image.Pt(30, 20))
	p := filepath.Join(dir, "mask.png")
	if err := d.ExportMask(p); err != nil {
		t.Fatal(err)
	}
	want := d.Mask.Clone()
	d.ClearMask()
	if _, err := d.ImportMask(p, canvas.Limits{}); err != nil {
		t.Fatal(err)
	}
	for i, v := range d.Mask.Pix {
		if (v >= 128) != (want.Pix[i] >= 128) {
			t.Fatalf("imported mask differs at %d", i)
		}
	}
	small := filepath.Join(dir, "small.png")
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 5, 5)))
	os.WriteFile(small, buf.Bytes(), 0o644)
	before := d.Mask.Clone()
	if _, err := d.ImportMask(small, canvas.Limits{}); err == nil {
		t.Error("a mask of the wrong size was accepted")
	}
	if !bytes.Equal(before.Pix, d.Mask.Pix) {
		t.Error("a refused import changed the mask")
	}
}

func TestOpenBadFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "text.png")
	os.WriteFile(p, []byte("not an image"), 0o644)
	if _, err := OpenDocument(p, canvas.Limits{}); err == nil {
		t.Error("a text file opened as a picture")
	}
	if _, err := OpenDocument(filepath.Join(dir, "missing.png"), canvas.Limits{}); err == nil {
		t.Error("a missing file opened")
	}
}

func gray(c color.Color) uint8 { return color.GrayModel.Convert(c).(color.Gray).Y }
