package app_test

import (
	"image"
	"image/color"
	"testing"

	"bartedit/app"
	"bartedit/canvas"
)

// TestSeamlessDefault: the blend is on by default for a model without
// prompts (the photos model) and off for one with a class or text.
func TestSeamlessDefault(t *testing.T) {
	eng, w := fakeWorker(t)
	if w.Card().Defaults.Seamless {
		t.Error("a prompted model defaults to the seamless blend")
	}
	meta := *eng.M
	meta.Conditioning.Class, meta.Conditioning.Text = nil, nil
	if !app.NewCard(&meta, "fake", "fake").Defaults.Seamless {
		t.Error("a model without prompts defaults to the feathered fill")
	}
}

// edgeError is the mean absolute difference, over the channels of the
// masked pixels that touch an unmasked one, between img and orig: how
// visible the seam along the mask's edge is.
func edgeError(orig, img image.Image, m *canvas.Mask) float64 {
	sum, n := 0.0, 0
	for y := 1; y < m.H-1; y++ {
		for x := 1; x < m.W-1; x++ {
			if m.Value(x, y) < 255 || (m.Value(x-1, y) > 0 && m.Value(x+1, y) > 0 && m.Value(x, y-1) > 0 && m.Value(x, y+1) > 0) {
				continue
			}
			a := color.NRGBAModel.Convert(orig.At(x, y)).(color.NRGBA)
			b := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			for _, d := range []int{int(a.R) - int(b.R), int(a.G) - int(b.G), int(a.B) - int(b.B)} {
				sum += float64(max(d, -d))
				n++
			}
		}
	}
	return sum / float64(max(n, 1))
}

// TestWorkerSeamlessBlend: with Settings.Seamless the fake model's flat
// colour cells meet the picture at the mask's edge, in the result and in
// every streamed step, and nothing beyond the feather changes.
func TestWorkerSeamlessBlend(t *testing.T) {
	_, w := fakeWorker(t)
	card := w.Card()
	run := func(seamless bool) (*app.Document, image.Image, app.Snapshot) {
		d := app.NewDocument(gradient(120, 90), "", "")
		paint(d, image.Rect(40, 30, 70, 55))
		s := card.Defaults.Clone()
		s.Seamless = seamless
		job, err := d.NewJob(card, s)
		if err != nil {
			t.Fatal(err)
		}
		if job.Seamless != seamless {
			t.Fatalf("job.Seamless %v, want %v", job.Seamless, seamless)
		}
		snap := runToResult(t, w, job)
		orig := canvas.Editable(d.Image)
		if _, err := d.Accept(snap.Result, 0); err != nil {
			t.Fatal(err)
		}
		checkChange(t, orig, d.Image, d.Mask, s.Feather)
		return d, orig, snap
	}
	d, orig, plainSnap := run(false)
	plain := edgeError(orig, d.Image, d.Mask)
	d, orig, snap := run(true)
	blended := edgeError(orig, d.Image, d.Mask)
	if plain < 20 || blended > plain/4 {
		t.Errorf("seam along the mask's edge: %.1f blended, %.1f plain (0-255); want the blend under a quarter", blended, plain)
	}
	if len(snap.Steps) != len(plainSnap.Steps) || len(snap.Steps) == 0 {
		t.Fatalf("%d steps blended, %d plain", len(snap.Steps), len(plainSnap.Steps))
	}
	for i, st := range snap.Steps {
		if e := edgeError(orig, st.Views[0], d.Mask); e > plain/4 {
			t.Errorf("step %d: seam %.1f, not blended", i, e)
		}
	}
}
