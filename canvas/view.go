package canvas

import (
	"image"
	"math"
)

// Zoom limits of a View, in screen pixels per image pixel.
const (
	MinZoom = 1.0 / 64
	MaxZoom = 64.0
)

// View maps image pixels to screen pixels and back: a point (x, y) of the
// image is drawn at (x*Zoom + OffX, y*Zoom + OffY) of the canvas area. It is
// pure arithmetic on float64, so the UI's pointer handling and the brush
// share one definition of where a pixel is. Image pixel (i, j) covers
// [i, i+1) x [j, j+1); its centre is (i+0.5, j+0.5).
type View struct {
	Zoom       float64 // screen pixels per image pixel
	OffX, OffY float64 // screen position of the image's top-left corner
}

// ToImage returns the image point under screen point (sx, sy).
func (v View) ToImage(sx, sy float64) (x, y float64) {
	z := v.zoom()
	return (sx - v.OffX) / z, (sy - v.OffY) / z
}

// ToScreen returns the screen point of image point (x, y).
func (v View) ToScreen(x, y float64) (sx, sy float64) {
	z := v.zoom()
	return x*z + v.OffX, y*z + v.OffY
}

func (v View) zoom() float64 {
	if v.Zoom <= 0 || math.IsNaN(v.Zoom) {
		return 1
	}
	return v.Zoom
}

// SetZoomAt sets the zoom to z (clamped to [MinZoom, MaxZoom]) keeping the
// image point under screen point (sx, sy) where it is: wheel zoom centred
// on the cursor.
func (v *View) SetZoomAt(z, sx, sy float64) {
	x, y := v.ToImage(sx, sy)
	v.Zoom = ClampZoom(z)
	v.OffX, v.OffY = sx-x*v.Zoom, sy-y*v.Zoom
}

// ZoomAt multiplies the zoom by factor around screen point (sx, sy).
func (v *View) ZoomAt(factor, sx, sy float64) { v.SetZoomAt(v.zoom()*factor, sx, sy) }

// Pan moves the image by (dx, dy) screen pixels.
func (v *View) Pan(dx, dy float64) { v.OffX, v.OffY = v.OffX+dx, v.OffY+dy }

// ClampZoom limits z to [MinZoom, MaxZoom]; NaN and non-positive values
// give 1.
func ClampZoom(z float64) float64 {
	if !(z > 0) {
		return 1
	}
	return min(max(z, MinZoom), MaxZoom)
}

// ZoomSteps are the zoom levels Ctrl+plus and Ctrl+minus step through,
// as image editors do: powers of two with thirds in between.
var ZoomSteps = []float64{
	1.0 / 64, 1.0 / 32, 1.0 / 16, 1.0 / 12, 1.0 / 8, 1.0 / 6, 1.0 / 4, 1.0 / 3, 1.0 / 2, 2.0 / 3,
	1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64,
}

// NextZoom returns the first step of ZoomSteps above z (up) or below it
// (!up), or the limit.
func NextZoom(z float64, up bool) float64 {
	const eps = 1e-9
	if up {
		for _, s := range ZoomSteps {
			if s > z*(1+eps) {
				return s
			}
		}
		return MaxZoom
	}
	for i := len(ZoomSteps) - 1; i >= 0; i-- {
		if ZoomSteps[i] < z*(1-eps) {
			return ZoomSteps[i]
		}
	}
	return MinZoom
}

// FitView returns the view that shows a whole imgW x imgH image centred in
// a viewW x viewH area with margin screen pixels on every side, enlarging
// a small image as "fit on screen" does.
func FitView(imgW, imgH, viewW, viewH, margin int) View {
	if imgW <= 0 || imgH <= 0 {
		return View{Zoom: 1}
	}
	aw, ah := max(viewW-2*margin, 1), max(viewH-2*margin, 1)
	z := ClampZoom(min(float64(aw)/float64(imgW), float64(ah)/float64(imgH)))
	return CenteredView(imgW, imgH, viewW, viewH, z)
}

// CenteredView returns the view at zoom z with the image centred in a
// viewW x viewH area; a zoom that makes a pixel cover whole screen pixels
// lands the image on whole pixels, so 100% is sharp.
func CenteredView(imgW, imgH, viewW, viewH int, z float64) View {
	z = ClampZoom(z)
	v := View{Zoom: z, OffX: (float64(viewW) - float64(imgW)*z) / 2, OffY: (float64(viewH) - float64(imgH)*z) / 2}
	if z >= 1 && z == math.Trunc(z) {
		v.OffX, v.OffY = math.Round(v.OffX), math.Round(v.OffY)
	}
	return v
}

// ScreenRect returns the screen rectangle covered by image rectangle r,
// rounded outward to whole pixels.
func (v View) ScreenRect(r image.Rectangle) image.Rectangle {
	x0, y0 := v.ToScreen(float64(r.Min.X), float64(r.Min.Y))
	x1, y1 := v.ToScreen(float64(r.Max.X), float64(r.Max.Y))
	return image.Rect(int(math.Floor(x0)), int(math.Floor(y0)), int(math.Ceil(x1)), int(math.Ceil(y1)))
}

// VisibleRect returns the part of an imgW x imgH image that shows in a
// viewW x viewH area, in image pixels (rounded outward).
func (v View) VisibleRect(imgW, imgH, viewW, viewH int) image.Rectangle {
	x0, y0 := v.ToImage(0, 0)
	x1, y1 := v.ToImage(float64(viewW), float64(viewH))
	r := image.Rect(int(math.Floor(x0)), int(math.Floor(y0)), int(math.Ceil(x1)), int(math.Ceil(y1)))
	return r.Intersect(image.Rect(0, 0, imgW, imgH))
}
