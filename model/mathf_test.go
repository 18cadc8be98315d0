package model

import (
	"math"
	"testing"
)

func TestExpf(t *testing.T) {
	worst := 0.0
	for x := float32(-104); x < 89; x += 0.00037 {
		want := math.Exp(float64(x))
		got := float64(expf(x))
		if want == 0 || math.IsInf(want, 0) {
			continue
		}
		ulp := float64(math.Nextafter32(float32(want), float32(math.Inf(1))) - float32(want))
		if want < 1.2e-38 { // subnormals: absolute
			ulp = 1.4e-45
		}
		worst = max(worst, math.Abs(got-want)/ulp)
	}
	if worst > 2 {
		t.Errorf("expf is %.2f ulp from math.Exp at worst, want <= 2", worst)
	}
	for _, c := range []struct{ x, want float32 }{{0, 1}, {-200, 0}, {100, float32(math.Inf(1))}} {
		if got := expf(c.x); got != c.want {
			t.Errorf("expf(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if nan := float32(math.NaN()); expf(nan) == expf(nan) {
		t.Error("expf(NaN) is not NaN")
	}
}

func TestGELU(t *testing.T) {
	worst := 0.0
	for x := -12.0; x < 12; x += 0.0007 {
		want := 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
		worst = max(worst, math.Abs(float64(gelu(float32(x)))-want)/(1+math.Abs(want)))
	}
	if worst > 4e-7 {
		t.Errorf("gelu differs from the erf form by %.3g (relative to 1+|y|), want <= 4e-7", worst)
	}
}
