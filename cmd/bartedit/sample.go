package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"time"

	"bartedit/canvas"
	"bartedit/model"
)

func init() {
	var (
		g        genFlags
		out      string
		stepsDir string
		count    int
		force    bool
	)
	commands = append(commands, &command{
		Name:      "sample",
		UsageLine: "-o out.png [--class C] [--text \"...\"] [--seed N] [-n N] [--steps-dir DIR] [sampling flags]",
		Short:     "generate images from noise",
		Long: `Sample runs the whole chain from uniform noise: each scale t = T..1 samples
x_{t-1} from x_t, and the final tokens are decoded. With -n N > 1 the images
are written as out-1.png .. out-N.png. Chain iterations default to 1 per
scale (plain sampling); more iterations re-noise and resample each scale.`,
		Flags: func(fs *flag.FlagSet) {
			g.register(fs, true)
			fs.StringVar(&out, "o", "", "output PNG (required)")
			fs.StringVar(&stepsDir, "steps-dir", "", "also write every reverse step as a PNG into this folder")
			fs.IntVar(&count, "n", 1, "number of images")
			fs.BoolVar(&force, "force", false, "overwrite existing output files")
		},
		Run: func(ctx context.Context, std stdio, args []string) error {
			switch {
			case len(args) > 0:
				return usagef("unexpected argument %q", args[0])
			case out == "":
				return usagef("-o is required")
			case count < 1 || count > 64:
				return usagef("-n must be 1..64")
			}
			return runSample(ctx, std, g, out, stepsDir, count, force)
		},
	})
}

func runSample(ctx context.Context, std stdio, g genFlags, out, stepsDir string, count int, force bool) error {
	outs := numbered(out, count)
	for _, o := range outs {
		if err := checkWritable(o, force); err != nil {
			return err
		}
	}
	m, err := loadModel(g.model)
	if err != nil {
		return err
	}
	defer m.Close()
	ones := make([]int, m.Meta.T())
	for i := range ones {
		ones[i] = 1
	}
	req, err := g.request(m.Meta, std, ones)
	if err != nil {
		return err
	}
	req.Batch, req.Preview = count, stepsDir != ""
	pix, err := generate(ctx, std, m, req, stepsDir)
	if err != nil {
		return err
	}
	s := m.Meta.ImageSize
	for i := range outs {
		if err := writePNG(outs[i], planarToImage(pix[i*3*s*s:(i+1)*3*s*s], s), force); err != nil {
			return err
		}
		fmt.Fprintf(std.Err, "wrote %s\n", outs[i])
	}
	return nil
}

// generate runs an edit request with a progress bar (on a terminal) and
// the per-step PNGs, and decodes the final tokens: (Batch, 3, S, S) in
// [-1, 1].
func generate(ctx context.Context, std stdio, m *model.Model, req model.EditRequest, stepsDir string) ([]float32, error) {
	if stepsDir != "" {
		if err := os.MkdirAll(stepsDir, 0o755); err != nil {
			return nil, err
		}
	}
	var bar *progressBar
	if f, ok := std.Err.(*os.File); ok && isTerminal(f) {
		bar = newProgressBar(f)
	}
	n, s := m.Meta.NumTokens(), m.Meta.ImageSize
	var stepErr error
	start := time.Now()
	res, err := m.Edit(ctx, req, func(e model.Event) {
		if bar != nil {
			bar.update(e, n)
		}
		if e.Kind != model.EventStep || e.Image == nil || stepErr != nil {
			return
		}
		for b := 0; b < req.Batch; b++ {
			name := fmt.Sprintf("step%02d-scale%d-iter%d", e.Step+1, e.Scale, e.Iteration+1)
			if req.Batch > 1 {
				name += fmt.Sprintf("-var%d", b+1)
			}
			img := planarToImage(e.Image[b*3*s*s:(b+1)*3*s*s], s)
			if err := writePNG(filepath.Join(stepsDir, name+".png"), img, true); err != nil {
				stepErr = err
			}
		}
	})
	if bar != nil {
		bar.done()
	}
	if err != nil {
		return nil, err
	}
	if stepErr != nil {
		return nil, stepErr
	}
	pix, err := m.VQ.Decode(res.Tokens, req.Batch)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(std.Err, "%d reverse steps on %s in %v\n", res.Steps, m.Backend().Name(), time.Since(start).Round(time.Millisecond))
	return pix, nil
}

// numbered returns out itself for one file, else out-1.png .. out-N.png.
func numbered(out string, count int) []string {
	if count == 1 {
		return []string{out}
	}
	ext := filepath.Ext(out)
	base := strings.TrimSuffix(out, ext)
	outs := make([]string, count)
	for i := range outs {
		outs[i] = fmt.Sprintf("%s-%d%s", base, i+1, ext)
	}
	return outs
}

// checkWritable refuses an existing output without --force, before any work.
func checkWritable(path string, force bool) error {
	if force {
		return nil
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists (use --force to overwrite)", path)
	}
	return nil
}

func writePNG(path string, img image.Image, force bool) error {
	return canvas.WritePNGAtomic(path, img, force)
}
