package app

import (
	"image"
	"image/color"
	"image/draw"

	"bartedit/canvas"
)

// previewer composites every streamed step into the crop, one working
// image per variation: the window being sampled shows the newest step,
// finished windows their result, the rest the original. Steps are blended
// as the result will be (seamless or not).
type previewer struct {
	crop     image.Rectangle
	orig     image.Image
	mask     *canvas.Mask // the job's, for the seamless blend
	seamless bool
	views    []draw.Image  // working composites, bounds crop
	live     []*image.RGBA // display copies of views, replaced (never changed) per step
	budget   int64         // bytes of step views still allowed
}

func newPreviewer(job Job, batch int) *previewer {
	p := &previewer{crop: job.Crop, orig: job.Edit.Image, mask: job.Edit.Mask, seamless: job.Seamless,
		budget: StepViewBudget}
	for v := 0; v < batch; v++ {
		p.views = append(p.views, canvas.Editable(job.Edit.Image))
		p.live = append(p.live, toRGBA(job.Edit.Image, job.Crop))
	}
	return p
}

// step composites the step event e of the window win (crop-relative, with
// its mask winMask) and returns the step record.
func (p *previewer) step(e WindowEvent, win image.Rectangle, winMask *canvas.Mask, s, feather int) Step {
	st := Step{Window: e.Window, Scale: e.Scale, Iteration: e.Iteration}
	winDoc := win.Add(p.crop.Min)
	live := make([]*image.RGBA, len(p.views))
	for v := range p.views {
		pix := e.Image[v*3*s*s : (v+1)*3*s*s]
		st.Thumbs = append(st.Thumbs, planarRGBA(pix, s))
		live[v] = p.live[v]
		patch, err := canvas.FromModel(pix, s, win.Dx(), win.Dy())
		if err != nil {
			continue
		}
		if p.seamless { // the steps show what the result will look like
			blended, err := canvas.Seamless(p.orig, canvas.Patch{Window: win, Pixels: patch}, p.mask)
			if err != nil {
				continue
			}
			patch = blended.Pixels
		}
		if canvas.PasteImage(p.views[v], canvas.CopyRect(p.orig, winDoc)) != nil {
			continue
		}
		if canvas.CompositeInPlace(p.views[v], []canvas.Patch{{Window: win, Pixels: patch}}, winMask, feather) != nil {
			continue
		}
		l := image.NewRGBA(p.crop)
		copy(l.Pix, p.live[v].Pix)
		draw.Draw(l, winDoc, p.views[v], winDoc.Min, draw.Src)
		live[v] = l
	}
	p.live = live
	size := int64(len(live)) * int64(4*p.crop.Dx()*p.crop.Dy())
	if size <= p.budget {
		p.budget -= size
		st.Views = live
	}
	return st
}

// planarRGBA converts one channel-planar (3, s, s) image in [-1, 1] into
// an opaque RGBA image.
func planarRGBA(pix []float32, s int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, s, s))
	to8 := func(v float32) uint8 {
		if v != v {
			v = 0
		}
		return uint8((min(max(v, -1), 1)+1)*127.5 + 0.5)
	}
	for y := 0; y < s; y++ {
		for x := 0; x < s; x++ {
			i := y*s + x
			img.SetRGBA(x, y, color.RGBA{to8(pix[i]), to8(pix[s*s+i]), to8(pix[2*s*s+i]), 255})
		}
	}
	return img
}
