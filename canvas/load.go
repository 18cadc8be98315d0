package canvas

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // register the JPEG decoder
	_ "image/png"  // register the PNG decoder
	"io"
	"os"
	"strings"
)

// DefaultMaxPixels is the pixel limit used when Limits.MaxPixels is zero:
// 100 megapixels, enough for an 8000x8000 photo while refusing the
// "decompression bomb" headers that claim gigapixels.
const DefaultMaxPixels = 100_000_000

// Limits bounds what DecodeImage accepts. The zero value uses the defaults.
type Limits struct {
	// MaxPixels is the largest width*height accepted; 0 means
	// DefaultMaxPixels. A negative value removes the limit.
	MaxPixels int64
	// Hint tells a person how to raise MaxPixels (for example
	// "use --max-megapixels"); it is appended to the error for a too-large
	// image. Empty means a generic hint.
	Hint string
}

func (l Limits) maxPixels() int64 {
	if l.MaxPixels == 0 {
		return DefaultMaxPixels
	}
	return l.MaxPixels
}

// ErrUnsupportedFormat is wrapped by the error for input that is not a PNG
// or JPEG image.
var ErrUnsupportedFormat = errors.New("not a PNG or JPEG image")

// TooLargeError reports an image whose header claims more pixels than
// Limits.MaxPixels allows. It is returned before any pixel memory is
// allocated.
type TooLargeError struct {
	Width, Height int
	Limit         int64
	Hint          string
}

func (e *TooLargeError) Error() string {
	hint := e.Hint
	if hint == "" {
		hint = "raise the pixel limit to open it"
	}
	return fmt.Sprintf("image is %dx%d (%s), over the limit of %s; %s",
		e.Width, e.Height, megapixels(int64(e.Width)*int64(e.Height)), megapixels(e.Limit), hint)
}

func megapixels(n int64) string {
	return fmt.Sprintf("%.1f megapixels", float64(n)/1e6)
}

// DecodeImage reads one PNG or JPEG image from r and returns it with its
// format name ("png" or "jpeg"). The header is read first with
// image.DecodeConfig, and an image larger than limits allows is refused
// with a *TooLargeError before decoding. The image keeps the colour model the
// decoder chose (*image.Gray16, *image.Paletted, *image.YCbCr, ...).
//
// Other formats give an error wrapping ErrUnsupportedFormat that names the
// format when it can be recognised; corrupt data gives the decoder's
// error, and data that ends early an error wrapping io.ErrUnexpectedEOF.
func DecodeImage(r io.Reader, limits Limits) (image.Image, string, error) {
	img, format, err := decode(r, limits)
	if err != nil {
		return nil, format, fmt.Errorf("canvas: %w", err)
	}
	return img, format, nil
}

// LoadImage opens the file at path and decodes it as DecodeImage does.
// Every error names the file.
func LoadImage(path string, limits Limits) (image.Image, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("canvas: %w", err)
	}
	defer f.Close()
	img, format, err := decode(f, limits)
	if err != nil {
		return nil, format, fmt.Errorf("canvas: load %s: %w", path, err)
	}
	return img, format, nil
}

// decode runs DecodeConfig on the stream while recording what it consumed,
// then replays those bytes in front of the rest for the real decoder. This
// reads the file once, whatever kind of io.Reader it is.
func decode(r io.Reader, limits Limits) (image.Image, string, error) {
	var head bytes.Buffer
	cfg, format, err := image.DecodeConfig(io.TeeReader(r, &head))
	if format != "" && format != "png" && format != "jpeg" {
		return nil, format, unsupported(head.Bytes(), format)
	}
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, "", unsupported(head.Bytes(), "")
		}
		return nil, format, fmt.Errorf("decode %s header: %w", formatName(format), eofErr(err))
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, format, fmt.Errorf("decode %s: image is %dx%d, it has no pixels", formatName(format), cfg.Width, cfg.Height)
	}
	if err := limits.check(cfg.Width, cfg.Height); err != nil {
		return nil, format, err
	}
	rest := &eofReader{r: r}
	img, format2, err := image.Decode(io.MultiReader(bytes.NewReader(head.Bytes()), rest))
	if err != nil {
		err = eofErr(err)
		if rest.eof && !errors.Is(err, io.ErrUnexpectedEOF) {
			// The decoders report some truncations as format errors
			// ("png: invalid format: unexpected EOF"); the data ran out,
			// so say so and let callers test for io.ErrUnexpectedEOF.
			err = fmt.Errorf("file is truncated: %w", truncatedError{err})
		}
		return nil, format, fmt.Errorf("decode %s: %w", formatName(format), err)
	}
	b := img.Bounds()
	if format2 != format || b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		// The decoders read the same header twice, so this means the stream
		// changed under us; refuse rather than trust the limit check.
		return nil, format, fmt.Errorf("decode %s: header says %dx%d but %s data decoded to %dx%d",
			formatName(format), cfg.Width, cfg.Height, formatName(format2), b.Dx(), b.Dy())
	}
	return img, format, nil
}

func (l Limits) check(w, h int) error {
	max := l.maxPixels()
	if max < 0 {
		return nil
	}
	if int64(w)*int64(h) > max {
		return &TooLargeError{Width: w, Height: h, Limit: max, Hint: l.Hint}
	}
	return nil
}

// eofReader notes whether its reader ran out.
type eofReader struct {
	r   io.Reader
	eof bool
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		e.eof = true
	}
	return n, err
}

// truncatedError is a decoder's error for data that ended early; it
// matches both that error and io.ErrUnexpectedEOF.
type truncatedError struct{ err error }

func (t truncatedError) Error() string   { return t.err.Error() }
func (t truncatedError) Unwrap() []error { return []error{t.err, io.ErrUnexpectedEOF} }

// eofErr makes a bare io.EOF from a decoder (a file cut inside its header)
// read as the truncation it is.
func eofErr(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func formatName(format string) string {
	switch format {
	case "png":
		return "PNG"
	case "jpeg":
		return "JPEG"
	case "":
		return "image"
	}
	return strings.ToUpper(format) // gif, bmp, tiff: registered by imaging
}

// magics names formats bartedit does not read, so the error can say what a
// file is. Formats whose decoders are linked in (gif, bmp, tiff through
// imaging) are named by image.DecodeConfig instead.
var magics = []struct {
	prefix, name string
	offset       int
}{
	{"GIF8", "GIF", 0},
	{"BM", "BMP", 0},
	{"II*\x00", "TIFF", 0},
	{"MM\x00*", "TIFF", 0},
	{"WEBP", "WebP", 8},
	{"ftypheic", "HEIC", 4},
	{"ftypheix", "HEIC", 4},
	{"ftypmif1", "HEIF", 4},
	{"ftypavif", "AVIF", 4},
	{"8BPS", "Photoshop (PSD)", 0},
	{"\x00\x00\x01\x00", "ICO", 0},
	{"qoif", "QOI", 0},
	{"\xff\x0a", "JPEG XL", 0},
	{"\x00\x00\x00\x0cJXL ", "JPEG XL", 0},
	{"%PDF", "PDF", 0},
	{"<svg", "SVG", 0},
	{"<?xml", "XML/SVG", 0},
}

func unsupported(head []byte, format string) error {
	if format == "" {
		for _, m := range magics {
			if len(head) >= m.offset+len(m.prefix) && string(head[m.offset:m.offset+len(m.prefix)]) == m.prefix {
				format = m.name
				break
			}
		}
	} else {
		format = formatName(format)
	}
	if format == "" {
		return ErrUnsupportedFormat
	}
	return fmt.Errorf("%s image: %w (convert it to PNG first)", format, ErrUnsupportedFormat)
}
