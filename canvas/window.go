package canvas

import "image"

// Windows returns the crop windows the model is run on for mask m over an
// imgW x imgH image, in mask coordinates. Every masked pixel lies in exactly
// one window, and the windows do not overlap. The rules, in order:
//
//  1. The masked regions are Components(m, context): regions fewer than
//     context pixels apart share a window.
//  2. Each region's bounding box grows by context pixels on every side.
//  3. It becomes a square centred on it, of side the larger of its two
//     sides, and never smaller than modelSize/2 (at least 1): a tiny mask
//     still gets enough surroundings for the model to continue, and is not
//     blown up from a few pixels to the model's whole input.
//  4. The square slides inward at the image borders, keeping its size, so
//     a mask in a corner gets its context from the inside. If the side is
//     larger than the image's width (height), the window spans the whole
//     width (height) instead and is then a rectangle: ToModel stretches it
//     to the square model input, which distorts the content, and FromModel
//     to the window's size stretches it back.
//  5. Windows that overlap are replaced by their union, made square and
//     slid again by rules 3 and 4, until no two overlap.
//
// The windows are sorted by Min.Y, then Min.X. An empty mask gives none.
// Mask pixels outside the image are ignored; negative context counts as 0.
func Windows(m *Mask, imgW, imgH, context, modelSize int) []image.Rectangle {
	if m == nil || imgW <= 0 || imgH <= 0 {
		return nil
	}
	context = max(context, 0)
	minSide := max(modelSize/2, 1)
	bounds := image.Rect(0, 0, imgW, imgH)
	fit := func(r image.Rectangle) image.Rectangle {
		return squareIn(r, minSide, imgW, imgH)
	}
	var wins []image.Rectangle
	for _, box := range Components(m, context) {
		box = box.Intersect(bounds)
		if box.Empty() {
			continue
		}
		wins = append(wins, fit(box.Inset(-context)))
	}
	return mergeBoxes(wins, 0, fit)
}

// squareIn returns the square of side max(r.Dx(), r.Dy(), minSide) centred
// on r, slid to lie inside (0, 0)-(w, h); along an axis shorter than the
// side it spans the whole axis.
func squareIn(r image.Rectangle, minSide, w, h int) image.Rectangle {
	side := max(r.Dx(), r.Dy(), minSide)
	x0, x1 := fitAxis(r.Min.X, r.Max.X, side, w)
	y0, y1 := fitAxis(r.Min.Y, r.Max.Y, side, h)
	return image.Rect(x0, y0, x1, y1)
}

// fitAxis grows [lo, hi) evenly to length side (the odd pixel goes after)
// and slides it into [0, n), or returns [0, n) when side >= n.
func fitAxis(lo, hi, side, n int) (int, int) {
	if side >= n {
		return 0, n
	}
	lo -= (side - (hi - lo)) / 2
	hi = lo + side
	if lo < 0 {
		lo, hi = 0, side
	}
	if hi > n {
		lo, hi = n-side, n
	}
	return lo, hi
}
