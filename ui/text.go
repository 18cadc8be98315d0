package ui

import (
	"image"
	"image/color"
	"strings"
	"sync"
	"unicode/utf8"

	"gioui.org/io/semantic"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
	"gioui.org/text"
	"gioui.org/unit"
	"gioui.org/widget/material"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The editor's labels and buttons draw their text as images rasterised
// once on the CPU (Go fonts, the faces Gio's default theme uses) instead of
// Gio's glyph paths. Gio re-renders every path's coverage on every frame;
// without a GPU (Mesa's llvmpipe, 2 cores) 30 labels of 30 characters cost
// 39 ms a frame as paths and 2.8 ms as cached images (headless GL window,
// frame plus read-back). The text fields (widget.Editor) still use Gio's
// text, which they need for the caret and selection.

// textLabel is a line (or a wrapped paragraph) of UI text.
type textLabel struct {
	Text      string
	Color     color.NRGBA
	TextSize  unit.Sp
	Bold      bool
	Alignment text.Alignment // of the text block within the label's width
	MaxLines  int            // 0: no limit; cut lines end in an ellipsis
}

func newLabel(th *material.Theme, size unit.Sp, s string) textLabel {
	return textLabel{Text: s, Color: th.Palette.Fg, TextSize: size}
}

func caption(th *material.Theme, s string) textLabel { return newLabel(th, 12, s) }
func body1(th *material.Theme, s string) textLabel   { return newLabel(th, 16, s) }
func body2(th *material.Theme, s string) textLabel   { return newLabel(th, 14, s) }
func h5(th *material.Theme, s string) textLabel      { return newLabel(th, 24, s) }
func h6(th *material.Theme, s string) textLabel      { return newLabel(th, 20, s) }

// Layout draws the text at the top left (or per Alignment) of a box that
// fits it within the constraints; text wider than the maximum width wraps
// at spaces.
func (l textLabel) Layout(gtx layout.Context) layout.Dimensions {
	px := max(gtx.Sp(l.TextSize), 1)
	im := uiText.image(l.Text, px, l.Bold, l.Color, gtx.Constraints.Max.X, l.MaxLines)
	size := gtx.Constraints.Constrain(im.size)
	x := 0
	switch l.Alignment {
	case text.End:
		x = size.X - im.size.X
	case text.Middle:
		x = (size.X - im.size.X) / 2
	}
	defer clip.Rect{Max: size}.Push(gtx.Ops).Pop()
	semantic.LabelOp(l.Text).Add(gtx.Ops)
	if im.size.X > 0 {
		st := op.Offset(image.Pt(max(x, 0), 0)).Push(gtx.Ops)
		im.op.Add(gtx.Ops)
		paint.PaintOp{}.Add(gtx.Ops)
		st.Pop()
	}
	return layout.Dimensions{Size: size, Baseline: size.Y - im.ascent}
}

// textCache holds rasterised text. Entries live for two generations: a
// generation ends after maxEntries new images, and the entries not used
// during it are dropped, so typing into a field cannot grow it unbounded.
type textCache struct {
	mu        sync.Mutex
	faces     map[faceKey]font.Face
	cur, prev map[textKey]*textImage
}

const maxTextEntries = 512

type faceKey struct {
	px   int
	bold bool
}

type textKey struct {
	s     string
	px    int
	bold  bool
	c     color.NRGBA
	wrap  int // the width the text was wrapped to; 0 when it fits on one line
	lines int
}

type textImage struct {
	img    *image.RGBA // premultiplied; nil for empty text
	op     paint.ImageOp
	size   image.Point
	ascent int // of the first line, for the baseline
}

var uiText = &textCache{faces: map[faceKey]font.Face{}, cur: map[textKey]*textImage{}}

var fontRegular, fontBold = mustParse(goregular.TTF), mustParse(gobold.TTF)

func mustParse(ttf []byte) *opentype.Font {
	f, err := opentype.Parse(ttf)
	if err != nil {
		panic(err) // the embedded Go fonts always parse
	}
	return f
}

func (c *textCache) face(px int, bold bool) font.Face {
	k := faceKey{px, bold}
	if f, ok := c.faces[k]; ok {
		return f
	}
	src := fontRegular
	if bold {
		src = fontBold
	}
	f, err := opentype.NewFace(src, &opentype.FaceOptions{Size: float64(px), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic(err) // only fails for a size <= 0, which Layout rules out
	}
	c.faces[k] = f
	return f
}

// image returns s drawn in colour col, wrapped to maxW pixels.
func (c *textCache) image(s string, px int, bold bool, col color.NRGBA, maxW, maxLines int) *textImage {
	c.mu.Lock()
	defer c.mu.Unlock()
	face := c.face(px, bold)
	k := textKey{s: s, px: px, bold: bold, c: col, lines: maxLines}
	if strings.Contains(s, "\n") || font.MeasureString(face, s).Ceil() > maxW {
		k.wrap = maxW
	}
	if im, ok := c.cur[k]; ok {
		return im
	}
	im, ok := c.prev[k]
	if !ok {
		im = render(face, wrapLines(face, s, k.wrap, maxLines), col)
	}
	if len(c.cur) >= maxTextEntries {
		c.prev, c.cur = c.cur, map[textKey]*textImage{}
	}
	c.cur[k] = im
	return im
}

// wrapLines splits s at newlines and, when width > 0, at the spaces that
// keep each line within width; with maxLines > 0 the last kept line ends
// in an ellipsis when text was cut.
func wrapLines(face font.Face, s string, width, maxLines int) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		if width <= 0 || font.MeasureString(face, para).Ceil() <= width {
			lines = append(lines, para)
			continue
		}
		line := ""
		for _, w := range strings.Fields(para) {
			next := w
			if line != "" {
				next = line + " " + w
			}
			if line != "" && font.MeasureString(face, next).Ceil() > width {
				lines = append(lines, line)
				next = w
			}
			line = next
		}
		lines = append(lines, line)
	}
	if maxLines > 0 && len(lines) > maxLines {
		lines = lines[:maxLines]
		lines[maxLines-1] += " …"
	}
	if width > 0 {
		for i, l := range lines { // a single word wider than the box
			for font.MeasureString(face, l).Ceil() > width && utf8.RuneCountInString(l) > 1 {
				_, n := utf8.DecodeLastRuneInString(strings.TrimSuffix(l, "…"))
				l = strings.TrimSuffix(l, "…")
				l = l[:len(l)-n] + "…"
			}
			lines[i] = l
		}
	}
	return lines
}

// render rasterises lines into a premultiplied RGBA image of colour col.
func render(face font.Face, lines []string, col color.NRGBA) *textImage {
	m := face.Metrics()
	asc, desc := m.Ascent.Ceil(), m.Descent.Ceil()
	lh := max(m.Height.Ceil(), asc+desc)
	w := 0
	for _, l := range lines {
		w = max(w, font.MeasureString(face, l).Ceil())
	}
	size := image.Pt(w, lh*len(lines))
	im := &textImage{size: size, ascent: asc}
	if w == 0 {
		return im
	}
	cov := image.NewAlpha(image.Rectangle{Max: size})
	d := font.Drawer{Dst: cov, Src: image.Opaque, Face: face}
	for i, l := range lines {
		d.Dot = fixed.P(0, i*lh+asc)
		d.DrawString(l)
	}
	dst := image.NewRGBA(cov.Rect)
	for i, a := range cov.Pix {
		if a == 0 {
			continue
		}
		k := uint32(a) * uint32(col.A) // coverage times alpha, in 0..255*255
		p := dst.Pix[4*i : 4*i+4 : 4*i+4]
		p[0] = uint8((uint32(col.R)*k + 255*255/2) / (255 * 255))
		p[1] = uint8((uint32(col.G)*k + 255*255/2) / (255 * 255))
		p[2] = uint8((uint32(col.B)*k + 255*255/2) / (255 * 255))
		p[3] = uint8((k + 127) / 255)
	}
	im.img, im.op = dst, pixelOp(dst)
	return im
}
