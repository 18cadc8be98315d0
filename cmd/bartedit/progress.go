package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"bartedit/model"
)

// progressBar draws one line on a terminal, redrawn at most 10 times a
// second: scale, chain iteration, token position, and the time left,
// estimated from the steps done so far.
type progressBar struct {
	w     io.Writer
	start time.Time
	last  time.Time
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, start: time.Now()} }

func (p *progressBar) update(e model.Event, n int) {
	now := time.Now()
	if e.Kind == model.EventToken && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	frac := (float64(e.Step) + float64(e.Position)/float64(n)) / float64(max(1, e.Steps))
	if e.Kind == model.EventStep {
		frac = float64(e.Step+1) / float64(max(1, e.Steps))
	}
	left := "?"
	if el := now.Sub(p.start); frac > 0.02 {
		left = (time.Duration(float64(el)/frac) - el).Round(time.Second).String()
	}
	const width = 24
	fill := int(frac * width)
	fmt.Fprintf(p.w, "\rscale %d  iteration %d/%d  token %3d/%d  [%s%s] %3.0f%%  %s left ",
		e.Scale, e.Iteration+1, e.Iterations, e.Position, n,
		strings.Repeat("=", fill), strings.Repeat(" ", width-fill), 100*frac, left)
}

func (p *progressBar) done() { fmt.Fprintln(p.w) }
