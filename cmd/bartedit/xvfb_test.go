package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"bartedit/canvas"
	"bartedit/ui"
)

// xserver is an Xvfb display for a test.
type xserver struct {
	display string
	cmd     *exec.Cmd
}

// startXvfb starts Xvfb on a free display, or skips the test (fails it
// when BARTEDIT_REQUIRE_XVFB is set, as `make test` does) when Xvfb or
// xdotool is missing.
func startXvfb(t *testing.T) *xserver {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := fmt.Sprintf("%s is not installed: the real-window test needs Xvfb and xdotool (scripts/deps.sh installs them)", tool)
			if os.Getenv("BARTEDIT_REQUIRE_XVFB") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// -displayfd makes Xvfb pick a free display and tell us its number.
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1400x900x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatal("Xvfb did not start")
		}
		return &xserver{display: ":" + n, cmd: cmd}
	case <-time.After(20 * time.Second):
		t.Fatal("Xvfb did not start in 20 s")
	}
	return nil
}

// xdo runs xdotool on the display.
func (x *xserver) xdo(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+x.display)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %v: %v: %s", args, err, out)
	}
	return string(out)
}

// editorBinary returns bin/bartedit from BARTEDIT_BIN, or builds one.
func editorBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("BARTEDIT_BIN"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	bin := filepath.Join(t.TempDir(), "bartedit")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// readState returns the newest state line the editor wrote.
func readState(path string) (ui.State, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ui.State{}, false
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var s ui.State
	if json.Unmarshal([]byte(lines[len(lines)-1]), &s) != nil {
		return ui.State{}, false
	}
	return s, true
}

func waitState(t *testing.T, path, what string, cond func(ui.State) bool) ui.State {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if s, ok := readState(path); ok && cond(s) {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	s, _ := readState(path)
	t.Fatalf("timed out waiting for %s; last state %+v", what, s)
	return s
}

// TestRealWindowEdit runs the real binary under Xvfb: it opens a picture
// given on the command line, paints a stroke and presses Ctrl+Enter with
// xdotool, waits for the run, accepts with Enter, saves with Ctrl+S
// (confirming the overwrite), and checks that the saved PNG differs from
// the original only inside the stroke and its feather band.
func TestRealWindowEdit(t *testing.T) {
	if testing.Short() {
		t.Skip("the real-window test is not short")
	}
	x := startXvfb(t)
	bin := editorBinary(t)
	dir := t.TempDir()
	pic := filepath.Join(dir, "photo.png")
	orig := image.NewNRGBA(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for xx := 0; xx < 320; xx++ {
			orig.SetNRGBA(xx, y, color.NRGBA{uint8(xx * 255 / 320), uint8(y * 255 / 240), uint8((xx ^ y) & 0x7f), 255})
		}
	}
	if err := canvas.WritePNGAtomic(pic, orig, false); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state.jsonl")
	cmd := exec.Command(bin, pic)
	cmd.Env = append(os.Environ(), "DISPLAY="+x.display, "XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"BARTEDIT_STATE_LOG="+state, "WAYLAND_DISPLAY=")
	logf, _ := os.Create(filepath.Join(dir, "editor.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "editor.log"))
			t.Logf("editor output:\n%s", log)
		}
	})
	s := waitState(t, state, "the window with the picture", func(s ui.State) bool {
		return s.Title == "photo.png - bartedit" && s.Zoom > 0 && s.CanvasOrigin[1] > 0
	})
	wid := strings.Fields(x.xdo(t, "search", "--sync", "--name", "photo.png"))[0]
	geo := map[string]int{}
	for _, l := range strings.Split(x.xdo(t, "getwindowgeometry", "--shell", wid), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			geo[k], _ = strconv.Atoi(v)
		}
	}
	screen := func(ix, iy float64) (string, string) {
		sx := float64(geo["X"]+s.CanvasOrigin[0]) + ix*s.Zoom + s.Offset[0]
		sy := float64(geo["Y"]+s.CanvasOrigin[1]) + iy*s.Zoom + s.Offset[1]
		return strconv.Itoa(int(math.Round(sx))), strconv.Itoa(int(math.Round(sy)))
	}
	// A stroke from (120, 100) to (200, 130) in image pixels.
	ax, ay, bx, by := 120.0, 100.0, 200.0, 130.0
	px, py := screen(ax, ay)
	x.xdo(t, "mousemove", "--sync", px, py)
	time.Sleep(200 * time.Millisecond)
	x.xdo(t, "mousedown", "1")
	for i := 1; i <= 8; i++ {
		f := float64(i) / 8
		qx, qy := screen(ax+(bx-ax)*f, ay+(by-ay)*f)
		x.xdo(t, "mousemove", "--sync", qx, qy)
		time.Sleep(30 * time.Millisecond)
	}
	x.xdo(t, "mouseup", "1")
	time.Sleep(300 * time.Millisecond)
	x.xdo(t, "key", "ctrl+Return")
	s = waitState(t, state, "the run to finish", func(s ui.State) bool { return s.Pending })
	if s.Steps < 1 {
		t.Errorf("the run streamed %d steps", s.Steps)
	}
	x.xdo(t, "key", "Return")
	waitState(t, state, "accept", func(s ui.State) bool { return s.Dirty && !s.Pending })
	x.xdo(t, "key", "ctrl+s")
	waitState(t, state, "the overwrite confirmation", func(s ui.State) bool { return strings.HasPrefix(s.Prompt, "Overwrite") })
	x.xdo(t, "key", "Return")
	waitState(t, state, "the save", func(s ui.State) bool { return !s.Dirty && s.Prompt == "" })

	saved, _, err := canvas.LoadImage(pic, canvas.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if saved.Bounds() != orig.Bounds() {
		t.Fatalf("saved picture is %v", saved.Bounds())
	}
	// The brush radius is s.Brush/2 (hard part and rim); the feather is 4;
	// 2 pixels of slack cover where the pointer landed.
	reach := s.Brush/2 + 0.5 + 4 + 2
	changed := 0
	for y := 0; y < 240; y++ {
		for xx := 0; xx < 320; xx++ {
			r1, g1, b1, a1 := saved.At(xx, y).RGBA()
			r2, g2, b2, a2 := orig.At(xx, y).RGBA()
			if r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2 {
				continue
			}
			changed++
			if d := distSeg(float64(xx)+0.5, float64(y)+0.5, ax, ay, bx, by); d > reach {
				t.Fatalf("pixel (%d,%d), %.1f pixels from the stroke, changed (allowed %.1f)", xx, y, d, reach)
			}
		}
	}
	if changed < 100 {
		t.Errorf("only %d pixels changed", changed)
	}
	x.xdo(t, "key", "ctrl+q")
	select {
	case <-done:
		if waitErr != nil {
			t.Errorf("the editor exited with %v", waitErr)
		}
	case <-time.After(20 * time.Second):
		t.Error("Ctrl+Q did not close the editor")
	}
}

func distSeg(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	f := min(max(((px-ax)*dx+(py-ay)*dy)/(dx*dx+dy*dy), 0), 1)
	return math.Hypot(px-ax-f*dx, py-ay-f*dy)
}
