package canvas

import (
	"image"
	"math/rand"
	"sync"
	"testing"
)

// collectWeights runs featherRows and gathers its rows into one array.
func collectWeights(m *Mask, r image.Rectangle, feather int) [][]uint16 {
	out := make([][]uint16, r.Dy())
	var mu sync.Mutex
	featherRows(m, r, feather, func(y int, w []uint16) {
		mu.Lock()
		defer mu.Unlock()
		if out[y-r.Min.Y] != nil {
			panic("row emitted twice")
		}
		out[y-r.Min.Y] = append([]uint16(nil), w...)
	})
	return out
}

// TestFeatherSoftMasks checks every weight against a brute-force search of
// the disc of radius feather: masked pixels weigh their value, others the
// ramp of one of their nearest masked pixels (ties may pick any).
func TestFeatherSoftMasks(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for it := 0; it < 300; it++ {
		w, h := 1+rng.Intn(30), 1+rng.Intn(30)
		m := randMask(rng, w, h)
		F := rng.Intn(9)
		x0, y0 := rng.Intn(w), rng.Intn(h)
		r := image.Rect(x0, y0, x0+1+rng.Intn(w-x0), y0+1+rng.Intn(h-y0))
		got := collectWeights(m, r, F)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				g := got[y-r.Min.Y][x-r.Min.X]
				if v := m.Value(x, y); v != 0 {
					if g != uint16(v)*257 {
						t.Fatalf("iter %d: masked (%d,%d) weighs %d, want %d", it, x, y, g, uint16(v)*257)
					}
					continue
				}
				best := -1
				ok := false
				for d2 := 0; d2 <= F*F && best < 0; d2++ {
					for dy := -F; dy <= F; dy++ {
						for dx := -F; dx <= F; dx++ {
							if dx*dx+dy*dy == d2 {
								if v := m.Value(x+dx, y+dy); v != 0 {
									best = d2
									ok = ok || featherWeight(d2, v, F) == g
								}
							}
						}
					}
				}
				if best < 0 && g != 0 {
					t.Fatalf("iter %d: (%d,%d) has no masked pixel within %d but weighs %d", it, x, y, F, g)
				}
				if best >= 0 && !ok {
					t.Fatalf("iter %d: (%d,%d) weighs %d, no nearest masked pixel (d²=%d) gives that", it, x, y, g, best)
				}
			}
		}
	}
}

// TestFeatherLarge checks the strip logic on taller windows and feathers
// wider than a strip, against an exact distance computed column by column.
func TestFeatherLarge(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for it := 0; it < 12; it++ {
		w, h := 1+rng.Intn(120), 1+rng.Intn(400)
		m := NewMask(w, h)
		for i := rng.Intn(8); i >= 0; i-- {
			x, y := rng.Intn(w), rng.Intn(h)
			m.Fill(image.Rect(x, y, x+1+rng.Intn(4), y+1+rng.Intn(4)), 255)
		}
		F := rng.Intn(150)
		x0, y0 := rng.Intn(w), rng.Intn(h)
		r := image.Rect(x0, y0, x0+1+rng.Intn(w-x0), y0+1+rng.Intn(h-y0))
		got := collectWeights(m, r, F)
		// col[x][y]: squared distance to the nearest masked pixel in column x.
		const inf = 1 << 40
		col := make([][]int, w)
		for x := range col {
			col[x] = make([]int, h)
			for y := range col[x] {
				col[x][y] = inf
				for yy := 0; yy < h; yy++ {
					if m.Value(x, yy) != 0 && (y-yy)*(y-yy) < col[x][y] {
						col[x][y] = (y - yy) * (y - yy)
					}
				}
			}
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				d2 := inf
				for xx := 0; xx < w; xx++ {
					d2 = min(d2, (x-xx)*(x-xx)+col[xx][y])
				}
				want := uint16(0)
				if d2 == 0 {
					want = 0xffff
				} else if d2 <= F*F {
					want = featherWeight(d2, 255, F)
				}
				if g := got[y-r.Min.Y][x-r.Min.X]; g != want {
					t.Fatalf("iter %d (%dx%d, F=%d, r=%v): (%d,%d) weighs %d, want %d (d²=%d)", it, w, h, F, r, x, y, g, want, d2)
				}
			}
		}
	}
}

func TestFeatherWeight(t *testing.T) {
	cases := []struct {
		d2, feather int
		v           uint8
		want        uint16
	}{
		{0, 4, 255, 0xffff},
		{0, 0, 255, 0xffff},
		{1, 0, 255, 0},
		{16, 4, 255, featherWeight(16, 255, 4)},
		{17, 4, 255, 0},
		{0, 4, 0, 0},
	}
	for _, c := range cases {
		if got := featherWeight(c.d2, c.v, c.feather); got != c.want {
			t.Errorf("featherWeight(%d, %d, %d) = %d, want %d", c.d2, c.v, c.feather, got, c.want)
		}
	}
	// Positive up to the feather, decreasing with distance.
	for F := 1; F < 50; F++ {
		prev := uint16(0xffff)
		for d2 := 1; d2 <= F*F; d2++ {
			w := featherWeight(d2, 255, F)
			if w == 0 || w > prev {
				t.Fatalf("F=%d d²=%d: weight %d after %d", F, d2, w, prev)
			}
			prev = w
		}
	}
}
