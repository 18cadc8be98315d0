package app

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"bartedit/canvas"
)

func TestRecoveryRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rec := NewRecovery(dir)
	d := NewDocument(gradient(60, 40), "/pictures/cat.png", "png")
	if rec.Snapshot(d) {
		t.Error("a clean document with an empty mask was written")
	}
	stroke(d, canvas.Brush{Diameter: 8, Hardness: 1}, image.Pt(10, 10), image.Pt(40, 20))
	if !rec.Snapshot(d) {
		t.Fatal("a painted mask was not written")
	}
	if err := rec.Wait(); err != nil {
		t.Fatal(err)
	}
	if rec.Snapshot(d) {
		t.Error("an unchanged document was written again")
	}
	if got := rec.Orphans(); len(got) != 0 {
		t.Errorf("this process's own data offered as an orphan: %v", got)
	}
	// Pretend the writer crashed: its folder under a process id that does
	// not run.
	dead := filepath.Join(dir, strconv.Itoa(1<<30))
	if err := os.Rename(filepath.Join(dir, strconv.Itoa(os.Getpid())), dead); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "12345678"), 0o700) // incomplete: no info.json
	got := rec.Orphans()
	if len(got) != 1 || got[0].Path != "/pictures/cat.png" || got[0].Width != 60 || got[0].Dirty {
		t.Fatalf("orphans = %+v", got)
	}
	r, err := Restore(got[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Mask.Pix, d.Mask.Pix) || !canvas.EqualPixels(r.Image, d.Image) || r.Path != d.Path {
		t.Error("restored document differs")
	}
	if err := Discard(got[0]); err != nil || len(rec.Orphans()) != 0 {
		t.Errorf("discard: %v, %d left", err, len(rec.Orphans()))
	}
	rec.Snapshot(d)
	rec.Wait()
	rec.Clear()
	if _, err := os.Stat(filepath.Join(dir, strconv.Itoa(os.Getpid()))); !os.IsNotExist(err) {
		t.Error("Clear left the recovery folder")
	}
}
