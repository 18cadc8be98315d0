package ui

import (
	"os"
	"testing"
)

func TestTuneSoftwareGL(t *testing.T) {
	for cpus, want := range map[int]int{1: 4, 2: 8, 4: 16, 64: 16} {
		if got := softGLThreads(cpus); got != want {
			t.Errorf("%d cores: %d rasteriser threads, want %d", cpus, got, want)
		}
	}
	t.Setenv("LP_NUM_THREADS", "3") // the user's choice wins
	TuneSoftwareGL()
	if v := os.Getenv("LP_NUM_THREADS"); v != "3" {
		t.Errorf("LP_NUM_THREADS=%q after tuning, want the user's 3", v)
	}
	os.Unsetenv("LP_NUM_THREADS")
	TuneSoftwareGL()
	if v := os.Getenv("LP_NUM_THREADS"); v == "" {
		t.Error("LP_NUM_THREADS left unset")
	}
}
