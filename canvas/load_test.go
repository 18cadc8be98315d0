package canvas

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeader returns a PNG signature and IHDR chunk claiming w x h 8-bit RGB,
// and nothing else.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit truecolour
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// sampleImages returns small images of the colour models the decoders
// produce, keyed by the type they should decode to.
func sampleImages(t testing.TB) map[string][]byte {
	rng := rand.New(rand.NewSource(12))
	nrgba := randImage(rng, "NRGBA", 7, 5, false)
	opaque := image.NewRGBA(image.Rect(0, 0, 6, 3))
	rng.Read(opaque.Pix)
	for i := 3; i < len(opaque.Pix); i += 4 {
		opaque.Pix[i] = 255
	}
	pal := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.RGBA{1, 2, 3, 255}, color.RGBA{200, 100, 0, 255}})
	pal.Pix[5] = 1
	return map[string][]byte{
		"png *image.NRGBA":    encodePNG(t, nrgba),
		"png *image.RGBA":     encodePNG(t, opaque),
		"png *image.NRGBA64":  encodePNG(t, randImage(rng, "NRGBA64", 3, 4, false)),
		"png *image.Gray":     encodePNG(t, randImage(rng, "Gray", 5, 2, false)),
		"png *image.Gray16":   encodePNG(t, randImage(rng, "Gray16", 1, 1, false)),
		"png *image.Paletted": encodePNG(t, pal),
		"jpeg *image.YCbCr":   encodeJPEG(t, opaque),
		"jpeg *image.Gray":    encodeJPEG(t, randImage(rng, "Gray", 9, 9, false)),
	}
}

func TestDecodeImageKeepsModel(t *testing.T) {
	for key, data := range sampleImages(t) {
		t.Run(key, func(t *testing.T) {
			img, format, err := DecodeImage(bytes.NewReader(data), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := format + " " + fmt.Sprintf("%T", img); got != key {
				t.Errorf("decoded as %s", got)
			}
		})
	}
}

func TestDecodeImagePixelsExact(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	want := randImage(rng, "NRGBA64", 17, 9, false).(*image.NRGBA64)
	img, _, err := DecodeImage(iotestOneByte(encodePNG(t, want)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := img.(*image.NRGBA64)
	if !ok || !bytes.Equal(got.Pix, want.Pix) {
		t.Fatalf("16-bit PNG did not round-trip (%T)", img)
	}
}

// iotestOneByte gives a reader returning one byte per Read, to check the
// header replay does not depend on read sizes.
func iotestOneByte(b []byte) io.Reader { return &oneByte{b} }

type oneByte struct{ b []byte }

func (r *oneByte) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.b[0]
	r.b = r.b[1:]
	return 1, nil
}

func TestDecodeImageErrors(t *testing.T) {
	small := sampleImages(t)["png *image.NRGBA"]
	jpg := sampleImages(t)["jpeg *image.YCbCr"]
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black}), nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		data   []byte
		limits Limits
		want   string
		is     error
	}{
		{"gif", gifBuf.Bytes(), Limits{}, "GIF image: not a PNG or JPEG image", ErrUnsupportedFormat},
		{"webp", []byte("RIFF\x10\x00\x00\x00WEBPVP8 \x00\x00"), Limits{}, "WebP image: not a PNG or JPEG", ErrUnsupportedFormat},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00"), Limits{}, "HEIC image", ErrUnsupportedFormat},
		{"text", []byte("hello, world"), Limits{}, "canvas: not a PNG or JPEG image", ErrUnsupportedFormat},
		{"empty", nil, Limits{}, "not a PNG or JPEG image", ErrUnsupportedFormat},
		{"png cut in the header", small[:20], Limits{}, "decode PNG header: unexpected EOF", io.ErrUnexpectedEOF},
		{"png cut in the data", small[:len(small)-20], Limits{}, "decode PNG: file is truncated", io.ErrUnexpectedEOF},
		{"png bad crc", append(append([]byte{}, small[:30]...), 0xff), Limits{}, "decode PNG", nil},
		{"jpeg cut in the header", jpg[:300], Limits{}, "decode JPEG header: unexpected EOF", io.ErrUnexpectedEOF},
		{"jpeg cut in the data", jpg[:len(jpg)-40], Limits{}, "decode JPEG", io.ErrUnexpectedEOF},
		{"broken gif is still a gif", []byte("GIF89a..."), Limits{}, "GIF image: not a PNG or JPEG", ErrUnsupportedFormat},
		{"over the limit", small, Limits{MaxPixels: 34}, "image is 7x5 (0.0 megapixels), over the limit of 0.0 megapixels; raise the pixel limit to open it", nil},
		{"hint", small, Limits{MaxPixels: 34, Hint: "use --max-megapixels"}, "; use --max-megapixels", nil},
		{"zero size", pngHeader(0, 5), Limits{}, "decode PNG header", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, _, err := DecodeImage(bytes.NewReader(c.data), c.limits)
			if err == nil || img != nil {
				t.Fatalf("no error (img %T)", img)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %q, want it to contain %q", err, c.want)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("err = %v, want it to wrap %v", err, c.is)
			}
		})
	}
	if _, _, err := DecodeImage(bytes.NewReader(small), Limits{MaxPixels: 35}); err != nil {
		t.Errorf("exactly at the limit: %v", err)
	}
	if _, _, err := DecodeImage(bytes.NewReader(small), Limits{MaxPixels: -1}); err != nil {
		t.Errorf("no limit: %v", err)
	}
}

func TestDecodeImageHugeHeaderRefusedWithoutAllocating(t *testing.T) {
	data := pngHeader(20000, 20000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, _, err := DecodeImage(bytes.NewReader(data), Limits{})
	runtime.ReadMemStats(&after)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Width != 20000 || tl.Height != 20000 || tl.Limit != DefaultMaxPixels {
		t.Fatalf("err = %v, want a TooLargeError for 20000x20000", err)
	}
	for _, s := range []string{"20000x20000", "400.0 megapixels", "limit of 100.0 megapixels", "raise the pixel limit"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%q lacks %q", err, s)
		}
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("refusing the header allocated %d bytes", n)
	}
}

func TestDecodeImage8000Passes(t *testing.T) {
	// The header alone: the size check passes and decoding then fails on
	// the missing data, not on the limit.
	_, _, err := DecodeImage(bytes.NewReader(pngHeader(8000, 8000)), Limits{})
	var tl *TooLargeError
	if err == nil || errors.As(err, &tl) {
		t.Fatalf("err = %v, want a decode error", err)
	}
	if testing.Short() {
		t.Skip("decoding a real 8000x8000 PNG in -short mode")
	}
	img := image.NewGray(image.Rect(0, 0, 8000, 8000))
	got, _, err := DecodeImage(bytes.NewReader(encodePNG(t, img)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Bounds() != img.Rect {
		t.Fatalf("bounds %v", got.Bounds())
	}
}

func TestLoadImage(t *testing.T) {
	dir := t.TempDir()
	data := sampleImages(t)["png *image.Gray16"]
	good := filepath.Join(dir, "good.png")
	cut := filepath.Join(dir, "cut.png")
	os.WriteFile(good, data, 0o644)
	os.WriteFile(cut, data[:len(data)-10], 0o644)
	img, format, err := LoadImage(good, Limits{})
	if err != nil || format != "png" {
		t.Fatalf("LoadImage: %v (%s)", err, format)
	}
	if _, ok := img.(*image.Gray16); !ok {
		t.Errorf("decoded as %T", img)
	}
	for _, path := range []string{cut, filepath.Join(dir, "missing.png")} {
		_, _, err := LoadImage(path, Limits{})
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("LoadImage(%s): err = %v, want it to name the file", path, err)
		}
	}
}

func FuzzDecodeImage(f *testing.F) {
	for _, data := range sampleImages(f) {
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add(pngHeader(20000, 20000))
	f.Add(pngHeader(64, 65))
	const limit = 64 * 64
	f.Fuzz(func(t *testing.T, data []byte) {
		img, format, err := DecodeImage(bytes.NewReader(data), Limits{MaxPixels: limit})
		if err != nil {
			if img != nil {
				t.Fatal("image and error")
			}
			return
		}
		if format != "png" && format != "jpeg" {
			t.Fatalf("accepted format %q", format)
		}
		b := img.Bounds()
		if b.Empty() || int64(b.Dx())*int64(b.Dy()) > limit {
			t.Fatalf("accepted %v over the %d pixel limit", b, limit)
		}
	})
}
