package main

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bartedit/canvas"
)

func writeTestPNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func gradient(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) % 256), 255})
		}
	}
	return img
}

func boxMask(w, h int, r image.Rectangle) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			m.SetGray(x, y, color.Gray{255})
		}
	}
	return m
}

// hugePNG is a valid PNG signature and IHDR claiming w x h, with no data:
// the size must be refused before any pixel memory is allocated.
func hugePNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2
	binary.Write(&b, binary.BigEndian, uint32(13))
	b.WriteString("IHDR")
	b.Write(ihdr)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte("IHDR"), ihdr...)))
	return b.Bytes()
}

// TestInpaintBadInput: every bad input gets its message and exit code and
// creates no output file.
func TestInpaintBadInput(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	writeTestPNG(t, p("in.png"), gradient(60, 40))
	writeTestPNG(t, p("mask.png"), boxMask(60, 40, image.Rect(20, 10, 30, 20)))
	writeTestPNG(t, p("small-mask.png"), boxMask(10, 10, image.Rect(0, 0, 5, 5)))
	var good bytes.Buffer
	png.Encode(&good, gradient(60, 40))
	os.WriteFile(p("truncated.png"), good.Bytes()[:good.Len()/2], 0o644)
	corrupt := append([]byte(nil), good.Bytes()...)
	for i := 40; i < len(corrupt); i += 7 {
		corrupt[i] ^= 0x5a
	}
	os.WriteFile(p("corrupt.png"), corrupt, 0o644)
	os.WriteFile(p("text.png"), []byte("this is not an image\n"), 0o644)
	os.WriteFile(p("huge.png"), hugePNG(20000, 20000), 0o644)
	os.WriteFile(p("exists.png"), []byte("keep me"), 0o644)

	cases := []struct {
		name, in, mask, out string
		extra               []string
		code                int
		errPart             string
	}{
		{"corrupt", "corrupt.png", "mask.png", "o1.png", nil, 1, "corrupt.png"},
		{"truncated", "truncated.png", "mask.png", "o2.png", nil, 1, "truncated.png"},
		{"not an image", "text.png", "mask.png", "o3.png", nil, 1, "not a PNG or JPEG"},
		{"oversized", "huge.png", "mask.png", "o4.png", nil, 1, "20000x20000"},
		{"over the raised limit", "in.png", "mask.png", "o5.png", []string{"--max-pixels", "100"}, 1, "--max-pixels"},
		{"mask size", "in.png", "small-mask.png", "o6.png", nil, 1, "10x10"},
		{"output exists", "in.png", "mask.png", "exists.png", nil, 1, "--force"},
		{"unwritable", "in.png", "mask.png", "no/such/dir/o7.png", nil, 1, "o7.png"},
		{"missing flags", "in.png", "", "o8.png", nil, 2, "need -i"},
		{"bad blend", "in.png", "mask.png", "o10.png", []string{"--blend", "soft"}, 2, "--blend must be auto, seamless or feather"},
		{"bad class", "in.png", "mask.png", "o9.png", []string{"--model", "../../model/testdata/fixture-text.bart", "--class", "dgo"}, 1, `did you mean "dog"`},
	}
	for _, c := range cases {
		args := []string{"inpaint", "-i", p(c.in), "-o", p(c.out)}
		if c.mask != "" {
			args = append(args, "-m", p(c.mask))
		}
		code, _, stderr := runCLI(t, append(args, c.extra...)...)
		if code != c.code || !strings.Contains(stderr, c.errPart) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", c.name, code, stderr, c.code, c.errPart)
		}
		if c.out == "exists.png" {
			if b, _ := os.ReadFile(p(c.out)); string(b) != "keep me" {
				t.Errorf("%s: the existing output was changed", c.name)
			}
		} else if _, err := os.Stat(p(c.out)); err == nil {
			t.Errorf("%s: an output file was created", c.name)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestInpaintKeepsOutsidePixels runs real edits on several colour models
// and checks the output keeps the input's colour model and every pixel
// farther than the feather from the mask.
func TestInpaintKeepsOutsidePixels(t *testing.T) {
	dir := t.TempDir()
	src := gradient(70, 50)
	gray := image.NewGray(src.Bounds())
	gray16 := image.NewGray16(src.Bounds())
	rgba64 := image.NewNRGBA64(src.Bounds())
	pal := image.NewPaletted(src.Bounds(), palette.Plan9)
	alpha := image.NewNRGBA(src.Bounds())
	for y := 0; y < 50; y++ {
		for x := 0; x < 70; x++ {
			c := src.NRGBAAt(x, y)
			gray.Set(x, y, c)
			gray16.Set(x, y, c)
			rgba64.SetNRGBA64(x, y, color.NRGBA64{uint16(x * 900), uint16(y * 1300), 4321, 65535})
			pal.Set(x, y, c)
			c.A = uint8(x * 3)
			alpha.SetNRGBA(x, y, c)
		}
	}
	box := image.Rect(30, 20, 40, 28)
	writeTestPNG(t, filepath.Join(dir, "mask.png"), boxMask(70, 50, box))
	const feather = 3
	for name, img := range map[string]image.Image{"nrgba": src, "gray": gray, "gray16": gray16,
		"nrgba64": rgba64, "paletted": pal, "alpha": alpha} {
		in, out := filepath.Join(dir, name+".png"), filepath.Join(dir, name+"-out.png")
		writeTestPNG(t, in, img)
		code, _, stderr := runCLI(t, "inpaint", "-i", in, "-m", filepath.Join(dir, "mask.png"), "-o", out,
			"--feather", "3", "--seed", "4")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		res, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := png.Decode(bytes.NewReader(mustRead(t, in)))
		if name != "paletted" && res.ColorModel() != want.ColorModel() {
			t.Errorf("%s: output colour model changed", name)
		}
		changedInside := false
		grown := box.Inset(-(feather + 1))
		for y := 0; y < 50; y++ {
			for x := 0; x < 70; x++ {
				r1, g1, b1, a1 := res.At(x, y).RGBA()
				r2, g2, b2, a2 := want.At(x, y).RGBA()
				same := r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
				switch {
				case !(image.Pt(x, y).In(grown)) && !same:
					t.Fatalf("%s: pixel (%d,%d) outside the mask and feather changed", name, x, y)
				case image.Pt(x, y).In(box) && !same:
					changedInside = true
				}
			}
		}
		if !changedInside {
			t.Errorf("%s: nothing changed inside the mask", name)
		}
	}
}

func TestInpaintEmptyMaskCopiesInput(t *testing.T) {
	dir := t.TempDir()
	in, mask, out := filepath.Join(dir, "in.png"), filepath.Join(dir, "m.png"), filepath.Join(dir, "o.png")
	writeTestPNG(t, in, gradient(30, 20))
	writeTestPNG(t, mask, image.NewGray(image.Rect(0, 0, 30, 20)))
	code, _, stderr := runCLI(t, "inpaint", "-i", in, "-m", mask, "-o", out)
	if code != 0 || !strings.Contains(stderr, "empty") {
		t.Fatalf("exit %d, stderr %q; want 0 and a notice", code, stderr)
	}
	a, _ := png.Decode(bytes.NewReader(mustRead(t, in)))
	b, _ := png.Decode(bytes.NewReader(mustRead(t, out)))
	if a.ColorModel() != b.ColorModel() || !canvas.EqualPixels(a, b) {
		t.Error("output differs from the input")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInpaintPhotosBlendsSeamlessly runs the embedded photos model on a
// smooth picture: by default (--blend auto, seamless for a model without
// prompts) the fill meets the picture along the mask's edge, with a far
// smaller step there than --blend feather leaves; both keep every pixel
// beyond the feather.
func TestInpaintPhotosBlendsSeamlessly(t *testing.T) {
	dir := t.TempDir()
	in, mask := filepath.Join(dir, "in.png"), filepath.Join(dir, "mask.png")
	src := gradient(160, 120)
	box := image.Rect(60, 40, 100, 80)
	writeTestPNG(t, in, src)
	writeTestPNG(t, mask, boxMask(160, 120, box))
	edge := func(blend string) float64 {
		out := filepath.Join(dir, blend+".png")
		args := []string{"inpaint", "--model", "photos", "-i", in, "-m", mask, "-o", out, "--seed", "3"}
		if blend != "auto" {
			args = append(args, "--blend", blend)
		}
		if code, _, stderr := runCLI(t, args...); code != 0 {
			t.Fatalf("--blend %s: exit %d: %s", blend, code, stderr)
		}
		res, err := png.Decode(bytes.NewReader(mustRead(t, out)))
		if err != nil {
			t.Fatal(err)
		}
		grown := box.Inset(-5) // the default feather, 4, and one pixel of rounding
		sum, n := 0.0, 0
		for y := 0; y < 120; y++ {
			for x := 0; x < 160; x++ {
				a, b := color.NRGBAModel.Convert(res.At(x, y)).(color.NRGBA), src.NRGBAAt(x, y)
				if !image.Pt(x, y).In(grown) && a != b {
					t.Fatalf("--blend %s: pixel (%d,%d) beyond the feather changed", blend, x, y)
				}
				onEdge := image.Pt(x, y).In(box) && !image.Pt(x, y).In(box.Inset(1))
				if onEdge {
					for _, d := range []int{int(a.R) - int(b.R), int(a.G) - int(b.G), int(a.B) - int(b.B)} {
						sum += float64(max(d, -d))
						n++
					}
				}
			}
		}
		return sum / float64(n)
	}
	feather, seamless := edge("feather"), edge("auto")
	if seamless > feather/3 {
		t.Errorf("mean step at the mask's edge: %.1f seamless (the default), %.1f feathered; want under a third", seamless, feather)
	}
}
