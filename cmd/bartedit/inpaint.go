package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"bartedit/app"
	"bartedit/canvas"
	"bartedit/model"
)

// inpaintFlags are inpaint's own flags besides the model and sampling ones.
type inpaintFlags struct {
	in, maskPath, out, stepsDir string
	blend                       string
	feather, context            int
	dilate, force               bool
	maxPixels                   int64
}

func init() {
	var (
		g  genFlags
		fl inpaintFlags
	)
	commands = append(commands, &command{
		Name:      "inpaint",
		UsageLine: "-i in.png -m mask.png -o out.png [--class C] [--text \"...\"] [--seed N] [--blend B] [--feather PX] [--steps-dir DIR] [sampling flags]",
		Short:     "regenerate the masked part of an image",
		Long: `Inpaint regenerates the masked part of a PNG or JPEG image with the masked
forward-backward process of ImageBART. The mask is an image of the same size:
white pixels are regenerated (if it has transparency, opaque pixels are).
Each masked region goes to the model in a square window around it with
--context pixels of margin, resized to the model's resolution; the result
is resized back and blended in: with --blend seamless its colours are
corrected to meet the picture's at the mask's edge (gradient-domain
blending; the default for models without prompts, such as the photos
model), and in every case the edge is feathered over --feather pixels.
Pixels farther than the feather from the mask keep their exact values.
The output is always PNG and never overwrites a file without --force.`,
		Flags: func(fs *flag.FlagSet) {
			g.register(fs, true)
			fs.StringVar(&fl.in, "i", "", "input image (PNG or JPEG)")
			fs.StringVar(&fl.maskPath, "m", "", "mask image of the same size (white = regenerate)")
			fs.StringVar(&fl.out, "o", "", "output PNG")
			fs.StringVar(&fl.stepsDir, "steps-dir", "", "write every reverse step of every window as a PNG into this folder")
			fs.IntVar(&fl.feather, "feather", 4, "feather width in pixels outside the mask")
			fs.StringVar(&fl.blend, "blend", "auto", blendFlagHelp)
			fs.IntVar(&fl.context, "context", 32, "context margin in pixels around each masked region")
			fs.BoolVar(&fl.dilate, "dilate", false, "also regenerate the tokens next to masked ones")
			fs.BoolVar(&fl.force, "force", false, "overwrite the output file")
			fs.Int64Var(&fl.maxPixels, "max-pixels", canvas.DefaultMaxPixels, "largest image accepted, in pixels (width*height)")
		},
		Run: func(ctx context.Context, std stdio, args []string) error {
			switch {
			case len(args) > 0:
				return usagef("unexpected argument %q", args[0])
			case fl.in == "" || fl.maskPath == "" || fl.out == "":
				return usagef("need -i in.png, -m mask.png and -o out.png")
			case fl.feather < 0 || fl.feather > 1000:
				return usagef("--feather must be 0..1000")
			case fl.context < 0:
				return usagef("--context must not be negative")
			}
			if _, err := parseBlend(fl.blend, false); err != nil {
				return err
			}
			return runInpaint(ctx, std, g, fl)
		},
	})
}

func runInpaint(ctx context.Context, std stdio, g genFlags, fl inpaintFlags) error {
	if err := checkWritable(fl.out, fl.force); err != nil {
		return err
	}
	if same, _ := samePath(fl.in, fl.out); same && !fl.force {
		return fmt.Errorf("%s is the input; write elsewhere or use --force", fl.out)
	}
	limits := canvas.Limits{MaxPixels: fl.maxPixels, Hint: "raise it with --max-pixels"}
	img, _, err := canvas.LoadImage(fl.in, limits)
	if err != nil {
		return err
	}
	maskImg, _, err := canvas.LoadImage(fl.maskPath, limits)
	if err != nil {
		return err
	}
	mask := canvas.MaskFromImage(maskImg)
	if err := mask.CheckSize(img.Bounds()); err != nil {
		return fmt.Errorf("%s: %w", fl.maskPath, err)
	}
	if mask.Empty() {
		fmt.Fprintf(std.Err, "note: the mask %s is empty; the output equals the input\n", fl.maskPath)
		return canvas.WritePNGAtomic(fl.out, img, fl.force)
	}
	m, err := loadModel(g.model)
	if err != nil {
		return err
	}
	defer m.Close()
	req, err := g.request(m.Meta, std, m.Meta.Sampling.Chain)
	if err != nil {
		return err
	}
	req.Preview = fl.stepsDir != ""
	seamless, err := parseBlend(fl.blend, app.SeamlessByDefault(m.Meta))
	if err != nil {
		return err
	}
	start := time.Now()
	out, err := app.Inpaint(ctx, app.ModelEngine{M: m}, app.EditJob{
		// The feather ramp is clipped at window edges: keep the margin wider.
		Image: img, Mask: mask, Request: req, Context: max(fl.context, fl.feather), Dilate: fl.dilate,
	}, inpaintProgress(std, m.Meta.ImageSize, req.Batch, fl.stepsDir))
	if err != nil {
		return err
	}
	fmt.Fprintf(std.Err, "%d reverse steps on %s\n", out.Steps, m.Backend().Name())
	patches, windows := out.Patches[0], out.Windows
	if seamless {
		if patches, err = app.SeamlessPatches(img, mask, patches); err != nil {
			return err
		}
		if fl.blend != "seamless" {
			fmt.Fprintln(std.Err, "blend: seamless, the default for a model without prompts (--blend feather keeps the fill's own colours)")
		}
	}
	result, err := canvas.Composite(img, patches, mask, fl.feather)
	if err != nil {
		return err
	}
	if err := canvas.WritePNGAtomic(fl.out, result, fl.force); err != nil {
		return err
	}
	fmt.Fprintf(std.Err, "wrote %s (%d windows, %v)\n", fl.out, len(windows), time.Since(start).Round(time.Millisecond))
	return nil
}

// inpaintProgress reports app.Inpaint's progress on stderr: a line per
// window, the progress bar on a terminal, and every reverse step as a PNG
// in stepsDir (a subfolder per window when there are several).
func inpaintProgress(std stdio, s, batch int, stepsDir string) func(app.WindowEvent) {
	var bar *progressBar
	var stepErr error
	return func(e app.WindowEvent) {
		if e.Begin {
			if bar != nil {
				bar.done()
				bar = nil
			}
			fmt.Fprintf(std.Err, "window %d/%d: %v, %d of %d tokens regenerated\n", e.Window+1, e.Windows, e.Rect, e.Masked, e.Tokens)
			if f, ok := std.Err.(*os.File); ok && isTerminal(f) {
				bar = newProgressBar(f)
			}
			return
		}
		if bar != nil {
			bar.update(e.Event, e.Tokens)
			if e.Kind == model.EventStep && e.Step+1 == e.Steps && e.Window+1 == e.Windows {
				bar.done()
				bar = nil
			}
		}
		if e.Kind != model.EventStep || e.Image == nil || stepsDir == "" || stepErr != nil {
			return
		}
		dir := stepsDir
		if e.Windows > 1 {
			dir = filepath.Join(dir, fmt.Sprintf("window%d", e.Window+1))
		}
		if stepErr = os.MkdirAll(dir, 0o755); stepErr != nil {
			fmt.Fprintf(std.Err, "steps: %v\n", stepErr)
			return
		}
		for b := 0; b < batch; b++ {
			name := fmt.Sprintf("step%02d-scale%d-iter%d", e.Step+1, e.Scale, e.Iteration+1)
			if batch > 1 {
				name += fmt.Sprintf("-var%d", b+1)
			}
			img := planarToImage(e.Image[b*3*s*s:(b+1)*3*s*s], s)
			if err := writePNG(filepath.Join(dir, name+".png"), img, true); err != nil && stepErr == nil {
				stepErr = err
				fmt.Fprintf(std.Err, "steps: %v\n", err)
			}
		}
	}
}

// samePath reports whether two paths name the same existing file.
func samePath(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}
