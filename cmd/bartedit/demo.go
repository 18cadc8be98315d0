package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"os"
	"time"

	"bartedit/model"
)

func init() {
	var (
		out, modelPath string
		seed           uint64
		force          bool
	)
	commands = append(commands, &command{
		Name:      "demo",
		UsageLine: "[-o out.png] [--model M.bart] [--seed N] [--force]",
		Short:     "sample one image from noise, headless, and write every scale to a PNG",
		Long: `Demo runs the whole ImageBART chain once: x_T is uniform noise, each scale
t = T..1 samples x_{t-1} with its transition model, and every intermediate
token grid is decoded. The PNG shows them left to right, coarse to fine.
It uses no prompt (the null class and empty text where the model has them).`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&out, "o", "bartedit-demo.png", "output PNG")
			fs.StringVar(&modelPath, "model", "", modelFlagHelp)
			fs.Uint64Var(&seed, "seed", 1, "random seed")
			fs.BoolVar(&force, "force", false, "overwrite the output file")
		},
		Run: func(ctx context.Context, std stdio, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument %q", args[0])
			}
			return runDemo(ctx, std, out, modelPath, seed, force)
		},
	})
}

func runDemo(ctx context.Context, std stdio, out, modelPath string, seed uint64, force bool) error {
	if !force {
		if _, err := os.Stat(out); err == nil {
			return fmt.Errorf("%s exists (use --force to overwrite)", out)
		}
	}
	start := time.Now()
	m, err := loadModel(modelPath)
	if err != nil {
		return err
	}
	defer m.Close()
	meta := m.Meta
	c := model.Condition{Class: model.NoClass}
	if cc := meta.Conditioning.Class; cc != nil && !cc.Null {
		c.Class = 0
		fmt.Fprintf(std.Err, "model needs a class; using %q\n", cc.Names[0])
	}
	cond, err := meta.CondTokens(c)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 0x62617274))
	n, k := meta.NumTokens(), meta.CodebookSize
	x := make([]int32, n)
	for i := range x {
		x[i] = int32(rng.IntN(k)) // x_T: uniform noise
	}
	var tiles []image.Image
	for t := meta.T(); t >= 1; t-- {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := model.SampleParams{TopK: meta.Sampling.TopK[t-1], Temperature: meta.Sampling.Temperature[t-1]}
		stepStart := time.Now()
		x, err = model.ReverseStep(m.Scales[t-1], meta.StepInput(t, cond, x, 1), 1, p, rng)
		if err != nil {
			return fmt.Errorf("scale %d: %w", t, err)
		}
		pix, err := m.VQ.Decode(x, 1)
		if err != nil {
			return err
		}
		tiles = append(tiles, planarToImage(pix, meta.ImageSize))
		fmt.Fprintf(std.Err, "scale %d: sampled x_%d in %v\n", t, t-1, time.Since(stepStart).Round(time.Millisecond))
	}
	strip := stripOf(tiles, max(1, 128/meta.ImageSize))
	if err := writePNG(out, strip, force); err != nil {
		return err
	}
	fmt.Fprintf(std.Err, "wrote %s (%d scales of %s on %s, %v)\n", out, meta.T(), meta.Name,
		m.Backend().Name(), time.Since(start).Round(time.Millisecond))
	return nil
}

// planarToImage converts a (3, S, S) image in [-1, 1] to RGBA (clamped,
// (x+1)/2 as the official scripts display it).
func planarToImage(pix []float32, s int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, s, s))
	to8 := func(v float32) uint8 {
		v = (min(max(v, -1), 1) + 1) * 127.5
		return uint8(v + 0.5)
	}
	for y := 0; y < s; y++ {
		for x := 0; x < s; x++ {
			i := y*s + x
			img.SetRGBA(x, y, color.RGBA{to8(pix[i]), to8(pix[s*s+i]), to8(pix[2*s*s+i]), 255})
		}
	}
	return img
}

// stripOf lays tiles left to right, each scaled up by an integer factor
// with nearest-neighbour sampling, 4 pixels apart.
func stripOf(tiles []image.Image, scale int) *image.RGBA {
	s := tiles[0].Bounds().Dx() * scale
	const gap = 4
	out := image.NewRGBA(image.Rect(0, 0, len(tiles)*(s+gap)-gap, s))
	for i, t := range tiles {
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				out.Set(i*(s+gap)+x, y, t.At(x/scale, y/scale))
			}
		}
	}
	return out
}
