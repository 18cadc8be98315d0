package canvas

import (
	"math"

	"github.com/disintegration/imaging"

	"bartedit/internal/par"
)

// The resampler works on float32 planes so that 16-bit sources keep their
// precision (imaging's own Resize goes through 8-bit NRGBA); it borrows
// imaging's filter kernels.
var (
	// downFilter shrinks windows to the model input: Lanczos-3, sharp with
	// little aliasing.
	downFilter = imaging.Lanczos
	// upFilter enlarges the model output to the window: Catmull-Rom rings
	// less than Lanczos at the hard edges generated content can have.
	upFilter = imaging.CatmullRom
)

// tap is one source sample's weight in one output sample.
type tap struct {
	idx int32
	w   float32
}

// filterTaps returns, for each of dst output samples, the source samples and
// weights that make it, mapping pixel centres ((i+0.5)*src/dst - 0.5).
// When shrinking, the kernel is stretched by the scale so every source
// pixel contributes (no aliasing). Samples beyond the edges are clamped to
// the edge pixel. Weights are normalised to sum to 1.
func filterTaps(src, dst int, f imaging.ResampleFilter) [][]tap {
	scale := float64(src) / float64(dst)
	fs := math.Max(scale, 1)
	radius := f.Support * fs
	out := make([][]tap, dst)
	for i := range out {
		center := (float64(i)+0.5)*scale - 0.5
		lo := int(math.Ceil(center - radius))
		hi := int(math.Floor(center + radius))
		var ts []tap
		var sum float64
		for j := lo; j <= hi; j++ {
			w := f.Kernel((float64(j) - center) / fs)
			if w == 0 {
				continue
			}
			k := int32(min(max(j, 0), src-1))
			if n := len(ts); n > 0 && ts[n-1].idx == k {
				ts[n-1].w += float32(w)
			} else {
				ts = append(ts, tap{k, float32(w)})
			}
			sum += w
		}
		if len(ts) == 0 || sum == 0 {
			// The kernel missed every sample (cannot happen for the
			// filters used, whose support is at least 1): take the nearest.
			ts = []tap{{int32(min(max(int(math.Round(center)), 0), src-1)), 1}}
			sum = 1
		}
		for k := range ts {
			ts[k].w /= float32(sum)
		}
		out[i] = ts
	}
	return out
}

// threads caps the goroutines of parallelRows.
var threads par.Limit

// SetThreads caps how many goroutines resampling, compositing and pixel
// conversion use (n <= 0: GOMAXPROCS). The editor's worker sets it as it
// sets model.SetThreads, so a run leaves the window its core.
func SetThreads(n int) { threads.Set(n) }

// parallelRows runs fn over [0, n) split into chunks of at least grain
// items on up to SetThreads (default GOMAXPROCS) goroutines.
func parallelRows(n, grain int, fn func(lo, hi int)) { threads.For(n, grain, fn) }

// resample3 resizes a 3-channel image of sw x sh to dw x dh. row(y, buf)
// must fill buf (3*sw floats, channel-planar: R[0..sw), G, B) with source
// row y; it is called once per source row, possibly from several
// goroutines at once, each with its own buf. The result is channel-planar
// (3, dh, dw). The horizontal pass runs first, so a large source is never
// held in float form.
func resample3(sw, sh, dw, dh int, f imaging.ResampleFilter, row func(y int, buf []float32)) []float32 {
	xt := filterTaps(sw, dw, f)
	yt := filterTaps(sh, dh, f)
	tmp := make([]float32, 3*sh*dw) // (3, sh, dw)
	parallelRows(sh, 16, func(lo, hi int) {
		buf := make([]float32, 3*sw)
		for y := lo; y < hi; y++ {
			row(y, buf)
			for c := 0; c < 3; c++ {
				in := buf[c*sw : (c+1)*sw]
				out := tmp[(c*sh+y)*dw : (c*sh+y+1)*dw]
				for x, ts := range xt {
					var s float32
					for _, t := range ts {
						s += in[t.idx] * t.w
					}
					out[x] = s
				}
			}
		}
	})
	res := make([]float32, 3*dh*dw) // (3, dh, dw)
	parallelRows(dh, 16, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			for c := 0; c < 3; c++ {
				out := res[(c*dh+y)*dw : (c*dh+y+1)*dw]
				for _, t := range yt[y] {
					in := tmp[(c*sh+int(t.idx))*dw : (c*sh+int(t.idx)+1)*dw]
					for x := range out {
						out[x] += in[x] * t.w
					}
				}
			}
		}
	})
	return res
}
