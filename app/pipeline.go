package app

import (
	"context"
	"fmt"
	"image"
	"math/rand/v2"

	"bartedit/canvas"
	"bartedit/model"
)

// EditJob is one edit of one image: the windowed pipeline of DESIGN.md
// ("One edit, end to end", steps 3 to 5) that both the editor's worker and
// `bartedit inpaint` run.
type EditJob struct {
	Image image.Image  // the picture; the job never changes it
	Mask  *canvas.Mask // as large as Image; not changed either
	// Windows are the crop windows in mask coordinates; nil means
	// canvas.Windows(Mask, ..., Context, the model's size).
	Windows []image.Rectangle
	// Request holds the prompt tokens, per-scale settings, seed, variations
	// (Batch) and Preview; X0 and Mask are filled per window.
	Request model.EditRequest
	Context int  // context margin around each masked region, pixels
	Dilate  bool // also regenerate the tokens next to masked ones
}

// WindowEvent is one report of Inpaint.
type WindowEvent struct {
	model.Event
	Begin   bool // a window starts (Event is zero)
	Window  int  // 0-based index of the current window
	Windows int
	Rect    image.Rectangle // the window, mask coordinates
	Tokens  int             // N, tokens per image
	Masked  int             // tokens regenerated in this window
}

// Outcome is what Inpaint made: for every variation one patch per window,
// ready for canvas.Composite.
type Outcome struct {
	Windows []image.Rectangle
	Patches [][]canvas.Patch // [variation][window]
	Steps   int              // reverse steps run, over all windows
}

// Inpaint runs the edit window by window: crop and resize the window to
// the model's resolution, encode it to x_0, mark the tokens to regenerate,
// run the masked forward-backward process, decode and resize the result
// back. Progress goes to on (which may be nil) from the calling goroutine.
// The seed of the request makes the run reproducible: the encoder's
// random source and every window's edit are seeded from it. A cancelled
// ctx stops within one decoder step and returns ctx's error.
func Inpaint(ctx context.Context, eng Engine, job EditJob, on func(WindowEvent)) (Outcome, error) {
	if on == nil {
		on = func(WindowEvent) {}
	}
	meta := eng.Meta()
	s, grid, n := meta.ImageSize, meta.GridSize(), meta.NumTokens()
	b := job.Image.Bounds()
	if err := job.Mask.CheckSize(b); err != nil {
		return Outcome{}, err
	}
	wins := job.Windows
	if wins == nil {
		wins = canvas.Windows(job.Mask, b.Dx(), b.Dy(), job.Context, s)
	}
	batch := max(job.Request.Batch, 1)
	out := Outcome{Windows: wins, Patches: make([][]canvas.Patch, batch)}
	rng := rand.New(rand.NewPCG(job.Request.Seed, 0x656e636f6465))
	for i, win := range wins {
		pix, err := canvas.ToModel(job.Image, win, s)
		if err != nil {
			return out, err
		}
		req := job.Request
		req.Batch = batch
		if req.X0, err = eng.Encode(pix, rng); err != nil {
			return out, err
		}
		if req.Mask, err = canvas.TokenMask(job.Mask, win, s, grid, job.Dilate); err != nil {
			return out, err
		}
		we := WindowEvent{Window: i, Windows: len(wins), Rect: win, Tokens: n, Masked: count(req.Mask)}
		begin := we
		begin.Begin = true
		on(begin)
		res, err := eng.Edit(ctx, req, func(e model.Event) {
			we.Event = e
			on(we)
		})
		out.Steps += res.Steps
		if err != nil {
			return out, err
		}
		final, err := eng.Decode(res.Tokens, batch)
		if err != nil {
			return out, err
		}
		if len(final) != batch*3*s*s {
			return out, fmt.Errorf("decode gave %d values, want %d", len(final), batch*3*s*s)
		}
		for v := 0; v < batch; v++ {
			patch, err := canvas.FromModel(final[v*3*s*s:(v+1)*3*s*s], s, win.Dx(), win.Dy())
			if err != nil {
				return out, err
			}
			out.Patches[v] = append(out.Patches[v], canvas.Patch{Window: win, Pixels: patch})
		}
	}
	return out, nil
}

// SeamlessByDefault says whether edits with this model blend their fill
// with canvas.Seamless unless the user says otherwise: yes for a model
// without prompts (the photos model, which removes and continues what is
// there, where matching the surrounding colours is the point), no for a
// model that takes a class or text (a prompted object may be meant to
// differ in colour from what surrounds it, and the blend would pull it
// towards that).
func SeamlessByDefault(meta *model.Meta) bool {
	return meta.Conditioning.Class == nil && meta.Conditioning.Text == nil
}

// SeamlessPatches returns the patches blended with canvas.Seamless into
// img through the mask m (as large as img).
func SeamlessPatches(img image.Image, m *canvas.Mask, patches []canvas.Patch) ([]canvas.Patch, error) {
	out := make([]canvas.Patch, len(patches))
	for i, p := range patches {
		var err error
		if out[i], err = canvas.Seamless(img, p, m); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func count(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
