package ui

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"strconv"
	"strings"

	"gioui.org/layout"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"bartedit/app"
)

// sidePanel is the model card, the prompt and the settings, with the run
// buttons at the bottom.
type sidePanel struct {
	list        widget.List
	classFilter widget.Editor
	classList   widget.List
	classClicks []widget.Clickable // one per class, then "no class"
	class       int                // selected class index, -1 for none
	text        widget.Editor
	feedback    app.TextFeedback
	lastText    string
	chain, topK []widget.Editor // per scale, index t-1
	temp        []widget.Editor
	seed        widget.Editor
	dice        widget.Clickable
	feather     widget.Editor
	seamless    bool // the blend: seamless, else feather
	seamlessBtn widget.Clickable
	featherBtn  widget.Clickable
	variations  widget.Editor
	runBtn      widget.Clickable
	acceptBtn   widget.Clickable
	discardBtn  widget.Clickable
	prevBtn     widget.Clickable
	nextBtn     widget.Clickable
	fields      fields
	rng         *rand.Rand
}

func numberEditor(ed *widget.Editor, v string, filter string) {
	ed.SingleLine, ed.Filter = true, filter
	ed.SetText(v)
}

func (p *sidePanel) init(card app.Card, d app.Settings) {
	p.list.Axis = layout.Vertical
	p.classList.Axis = layout.Vertical
	p.classFilter.SingleLine = true
	p.text.SingleLine, p.text.Submit = true, true
	p.fields = fields{} // the editors below are new
	p.classClicks = make([]widget.Clickable, len(card.Classes)+1)
	p.class = -1
	if d.Class != "" {
		for i, n := range card.Classes {
			if strings.EqualFold(n, d.Class) || strconv.Itoa(i) == d.Class {
				p.class = i
			}
		}
	}
	p.text.SetText(d.Text)
	p.chain = make([]widget.Editor, card.T)
	p.topK = make([]widget.Editor, card.T)
	p.temp = make([]widget.Editor, card.T)
	for i := 0; i < card.T; i++ {
		numberEditor(&p.chain[i], strconv.Itoa(d.Chain[i]), "0123456789")
		numberEditor(&p.topK[i], strconv.Itoa(d.TopK[i]), "0123456789")
		numberEditor(&p.temp[i], strconv.FormatFloat(float64(d.Temperature[i]), 'g', -1, 32), "0123456789.")
	}
	numberEditor(&p.seed, strconv.FormatUint(d.Seed, 10), "0123456789")
	numberEditor(&p.feather, strconv.Itoa(d.Feather), "0123456789")
	p.seamless = d.Seamless
	numberEditor(&p.variations, strconv.Itoa(d.Variations), "0123456789")
	p.rng = rand.New(rand.NewPCG(rand.Uint64(), 1))
}

// settings reads the panel into run settings.
func (p *sidePanel) settings(card app.Card) (app.Settings, error) {
	s := card.Defaults.Clone()
	s.Class = ""
	if p.class >= 0 && p.class < len(card.Classes) {
		s.Class = card.Classes[p.class]
	}
	s.Text = p.text.Text()
	num := func(name string, ed *widget.Editor) (int, error) {
		v, err := strconv.Atoi(strings.TrimSpace(ed.Text()))
		if err != nil {
			return 0, fmt.Errorf("%s: %q is not a whole number", name, ed.Text())
		}
		return v, nil
	}
	var err error
	for i := 0; i < card.T; i++ {
		if s.Chain[i], err = num(fmt.Sprintf("chain of scale %d", i+1), &p.chain[i]); err != nil {
			return s, err
		}
		if s.TopK[i], err = num(fmt.Sprintf("top-k of scale %d", i+1), &p.topK[i]); err != nil {
			return s, err
		}
		f, ferr := strconv.ParseFloat(strings.TrimSpace(p.temp[i].Text()), 32)
		if ferr != nil {
			return s, fmt.Errorf("temperature of scale %d: %q is not a number", i+1, p.temp[i].Text())
		}
		s.Temperature[i] = float32(f)
	}
	seed, err := strconv.ParseUint(strings.TrimSpace(p.seed.Text()), 10, 64)
	if err != nil {
		return s, fmt.Errorf("seed: %q is not a whole number", p.seed.Text())
	}
	s.Seed = seed
	if s.Feather, err = num("feather", &p.feather); err != nil {
		return s, err
	}
	if s.Variations, err = num("variations", &p.variations); err != nil {
		return s, err
	}
	s.Seamless = p.seamless
	return s, nil
}

// update handles the panel's clicks and text changes.
func (p *sidePanel) update(gtx layout.Context, e *Editor) {
	for i := range p.classClicks {
		if p.classClicks[i].Clicked(gtx) {
			if i == len(e.card.Classes) {
				p.class = -1
			} else {
				p.class = i
			}
		}
	}
	for {
		ev, ok := p.text.Update(gtx)
		if !ok {
			break
		}
		if _, ok := ev.(widget.SubmitEvent); ok {
			e.requestRun()
		}
	}
	if t := p.text.Text(); t != p.lastText {
		p.lastText, p.feedback = t, e.card.CheckText(t)
	}
	if p.seamlessBtn.Clicked(gtx) {
		p.seamless = true
	}
	if p.featherBtn.Clicked(gtx) {
		p.seamless = false
	}
	if p.dice.Clicked(gtx) {
		p.seed.SetText(strconv.FormatUint(p.rng.Uint64()%1_000_000, 10))
	}
	if p.runBtn.Clicked(gtx) {
		if e.Running() {
			e.cancelRun()
		} else {
			e.requestRun()
		}
	}
	if p.acceptBtn.Clicked(gtx) {
		e.accept()
	}
	if p.discardBtn.Clicked(gtx) {
		e.discard()
	}
	if p.prevBtn.Clicked(gtx) {
		e.flip(-1)
	}
	if p.nextBtn.Clicked(gtx) {
		e.flip(1)
	}
}

var (
	grey      = color.NRGBA{R: 0x5f, G: 0x63, B: 0x68, A: 0xff}
	warnColor = color.NRGBA{R: 0xb0, G: 0x5a, B: 0x00, A: 0xff}
	badColor  = color.NRGBA{R: 0xc5, G: 0x22, B: 0x1f, A: 0xff}
	accent    = color.NRGBA{R: 0x1a, G: 0x73, B: 0xe8, A: 0xff}
	// panelColour is the side panel's background and the window's.
	panelColour = color.NRGBA{R: 0xf8, G: 0xf9, B: 0xfa, A: 0xff}
)

func (p *sidePanel) layout(gtx layout.Context, e *Editor) layout.Dimensions {
	th := e.th
	w := gtx.Dp(300)
	gtx.Constraints = layout.Exact(image.Pt(w, gtx.Constraints.Max.Y))
	// The background is the window's clear colour (see Editor.Layout).
	card := e.card
	var items []layout.Widget
	add := func(ws ...layout.Widget) { items = append(items, ws...) }
	heading := func(s string) layout.Widget {
		return func(gtx layout.Context) layout.Dimensions {
			l := newLabel(th, 14, s)
			l.Bold = true
			return layout.Inset{Top: unit.Dp(10), Bottom: unit.Dp(4)}.Layout(gtx, l.Layout)
		}
	}
	caption := func(s string, c color.NRGBA) layout.Widget {
		return func(gtx layout.Context) layout.Dimensions {
			l := caption(th, s)
			l.Color = c
			return l.Layout(gtx)
		}
	}
	add(func(gtx layout.Context) layout.Dimensions { return e.models.layout(gtx, e) })
	add(heading("Model: " + card.Name))
	if card.Description != "" {
		add(caption(card.Description, grey))
	}
	add(caption(fmt.Sprintf("%dx%d pixels, %dx%d tokens, %d scales; takes %s", card.ImageSize, card.ImageSize,
		card.Grid, card.Grid, card.T, card.Prompts()), grey))
	if card.License != "" {
		add(caption("Licence: "+card.License, grey))
	}
	if card.StandIn {
		add(caption("Stand-in model with random weights: it draws noise until the trained model lands.", warnColor))
	}
	if card.Classes != nil {
		add(heading("Class"), func(gtx layout.Context) layout.Dimensions {
			return p.fields.layout(gtx, th, &p.classFilter, "type to filter classes", true)
		}, func(gtx layout.Context) layout.Dimensions { return p.layoutClasses(gtx, e) })
	}
	if card.TakesText {
		add(heading("Text"), func(gtx layout.Context) layout.Dimensions {
			return p.fields.layout(gtx, th, &p.text, fmt.Sprintf("up to %d words", card.TextLength), false)
		}, p.layoutFeedback(th))
	}
	add(heading("Sampling (coarse to fine)"), func(gtx layout.Context) layout.Dimensions {
		return p.row(gtx, th, []string{"", "chain", "top-k", "temp."}, nil)
	})
	for t := card.T; t >= 1; t-- {
		t := t
		add(func(gtx layout.Context) layout.Dimensions {
			return p.row(gtx, th, []string{fmt.Sprintf("scale %d", t)}, []*widget.Editor{&p.chain[t-1], &p.topK[t-1], &p.temp[t-1]})
		})
	}
	add(func(gtx layout.Context) layout.Dimensions {
		return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
			layout.Flexed(1, func(gtx layout.Context) layout.Dimensions {
				return p.row(gtx, th, []string{"seed"}, []*widget.Editor{&p.seed})
			}),
			layout.Rigid(flatButton(th, &p.dice, "Dice").Layout),
		)
	}, func(gtx layout.Context) layout.Dimensions {
		return p.row(gtx, th, []string{"feather px"}, []*widget.Editor{&p.feather})
	}, func(gtx layout.Context) layout.Dimensions {
		return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
			layout.Flexed(1, func(gtx layout.Context) layout.Dimensions {
				return p.row(gtx, th, []string{"blend"}, nil)
			}),
			layout.Rigid(choiceButton(th, &p.seamlessBtn, "seamless", p.seamless)),
			layout.Rigid(choiceButton(th, &p.featherBtn, "feather", !p.seamless)),
		)
	}, func(gtx layout.Context) layout.Dimensions {
		return p.row(gtx, th, []string{"variations"}, []*widget.Editor{&p.variations})
	})
	// The settings scroll; the run buttons stay in view below them.
	return layout.UniformInset(unit.Dp(10)).Layout(gtx, func(gtx layout.Context) layout.Dimensions {
		return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
			layout.Flexed(1, func(gtx layout.Context) layout.Dimensions {
				return flatList(th, &p.list).Layout(gtx, len(items), func(gtx layout.Context, i int) layout.Dimensions {
					return layout.Inset{Bottom: unit.Dp(3)}.Layout(gtx, items[i])
				})
			}),
			layout.Rigid(layout.Spacer{Height: unit.Dp(10)}.Layout),
			layout.Rigid(func(gtx layout.Context) layout.Dimensions { return p.layoutButtons(gtx, e) }),
		)
	})
}

// row lays out labels then editors in equal columns.
func (p *sidePanel) row(gtx layout.Context, th *material.Theme, labels []string, eds []*widget.Editor) layout.Dimensions {
	var cs []layout.FlexChild
	for _, l := range labels {
		l := l
		cs = append(cs, layout.Flexed(1, func(gtx layout.Context) layout.Dimensions {
			lb := caption(th, l)
			lb.Color = grey
			return lb.Layout(gtx)
		}))
	}
	for _, ed := range eds {
		ed := ed
		cs = append(cs, layout.Flexed(1, func(gtx layout.Context) layout.Dimensions {
			return layout.Inset{Right: unit.Dp(4)}.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
				return p.fields.layout(gtx, th, ed, "", true)
			})
		}))
	}
	return layout.Flex{Alignment: layout.Middle}.Layout(gtx, cs...)
}

func (p *sidePanel) layoutFeedback(th *material.Theme) layout.Widget {
	return func(gtx layout.Context) layout.Dimensions {
		f := p.feedback
		var msg string
		c := grey
		switch {
		case f.Err != nil:
			msg, c = f.Err.Error(), badColor
		case len(f.Unknown) > 0:
			msg, c = "unknown to the model: "+strings.Join(f.Unknown, ", "), warnColor
		case f.Words > 0:
			msg = fmt.Sprintf("%d words, all known", f.Words)
		}
		if len(f.Dropped) > 0 {
			msg += "; ignored (too long): " + strings.Join(f.Dropped, " ")
			c = warnColor
		}
		l := caption(th, msg)
		l.Color = c
		return l.Layout(gtx)
	}
}

// layoutClasses is the class picker: the classes matching the filter,
// the selected one highlighted.
func (p *sidePanel) layoutClasses(gtx layout.Context, e *Editor) layout.Dimensions {
	card := e.card
	idx := card.FilterClasses(p.classFilter.Text())
	if card.ClassOptional {
		idx = append([]int{len(card.Classes)}, idx...)
	}
	gtx.Constraints.Max.Y = min(gtx.Constraints.Max.Y, gtx.Dp(120))
	if len(idx) == 0 {
		return caption(e.th, "no class matches").Layout(gtx)
	}
	return flatList(e.th, &p.classList).Layout(gtx, len(idx), func(gtx layout.Context, i int) layout.Dimensions {
		c := idx[i]
		name := "(no class)"
		if c < len(card.Classes) {
			name = card.Classes[c]
		}
		sel := c == p.class || (c == len(card.Classes) && p.class == -1)
		return p.classClicks[c].Layout(gtx, func(gtx layout.Context) layout.Dimensions {
			l := body2(e.th, name)
			if sel {
				l.Color, l.Bold = accent, true
				name = "> " + name
				l.Text = name
			}
			return layout.Inset{Top: unit.Dp(2), Bottom: unit.Dp(2), Left: unit.Dp(4)}.Layout(gtx, l.Layout)
		})
	})
}

func (p *sidePanel) layoutButtons(gtx layout.Context, e *Editor) layout.Dimensions {
	th := e.th
	runLabel := "Run (Ctrl+Enter)"
	if e.Running() {
		runLabel = "Cancel (Esc)"
	}
	btn := func(c *widget.Clickable, label string, enabled bool) layout.FlexChild {
		return layout.Rigid(func(gtx layout.Context) layout.Dimensions {
			b := flatButton(th, c, label)
			if !enabled {
				b.Background = color.NRGBA{R: 0xbd, G: 0xc1, B: 0xc6, A: 0xff}
				gtx = gtx.Disabled()
			}
			return layout.Inset{Bottom: unit.Dp(6), Right: unit.Dp(6)}.Layout(gtx, b.Layout)
		})
	}
	pending := e.pending != nil
	n := e.snap.Progress.Variations
	children := []layout.FlexChild{
		btn(&p.runBtn, runLabel, e.doc != nil),
		layout.Rigid(func(gtx layout.Context) layout.Dimensions {
			return layout.Flex{}.Layout(gtx, btn(&p.acceptBtn, "Accept (Enter)", pending), btn(&p.discardBtn, "Discard (Del)", pending))
		}),
	}
	if n > 1 && (pending || e.Running()) {
		children = append(children, layout.Rigid(func(gtx layout.Context) layout.Dimensions {
			return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
				btn(&p.prevBtn, "<", true),
				layout.Rigid(body2(th, fmt.Sprintf("variation %d of %d", e.variation+1, n)).Layout),
				layout.Rigid(layout.Spacer{Width: unit.Dp(6)}.Layout),
				btn(&p.nextBtn, ">", true),
			)
		}))
	}
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx, children...)
}
