package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"bartedit/canvas"
	"bartedit/model"
)

// tokenGrid is the JSON form of a token grid x_t: codes in raster order,
// one row of the grid per inner array.
type tokenGrid struct {
	Model  string    `json:"model"`
	Scale  int       `json:"scale"` // t: these tokens are x_t (0 = the image's codes)
	Grid   int       `json:"grid"`
	Tokens [][]int32 `json:"tokens"`
}

func (g tokenGrid) flat() []int32 {
	var out []int32
	for _, row := range g.Tokens {
		out = append(out, row...)
	}
	return out
}

func newGrid(meta *model.Meta, t int, flat []int32) tokenGrid {
	g := meta.GridSize()
	grid := tokenGrid{Model: meta.Name, Scale: t, Grid: g}
	for r := 0; r < g; r++ {
		grid.Tokens = append(grid.Tokens, flat[r*g:(r+1)*g])
	}
	return grid
}

// readGrid reads a token grid ("-" is stdin) and checks it against the model.
func readGrid(path string, meta *model.Meta) (tokenGrid, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return tokenGrid{}, err
		}
		defer f.Close()
		r = f
	}
	var g tokenGrid
	dec := json.NewDecoder(io.LimitReader(r, 64<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return g, fmt.Errorf("%s: not a token grid: %w", path, err)
	}
	want := meta.GridSize()
	if len(g.Tokens) != want {
		return g, fmt.Errorf("%s: %d rows, the model's grid is %dx%d", path, len(g.Tokens), want, want)
	}
	for i, row := range g.Tokens {
		if len(row) != want {
			return g, fmt.Errorf("%s: row %d has %d tokens, the model's grid is %dx%d", path, i, len(row), want, want)
		}
		for _, c := range row {
			if c < 0 || int(c) >= meta.CodebookSize {
				return g, fmt.Errorf("%s: token %d outside the codebook [0, %d)", path, c, meta.CodebookSize)
			}
		}
	}
	if g.Model != "" && g.Model != meta.Name {
		fmt.Fprintf(os.Stderr, "note: %s was made with model %s, reading it with %s\n", path, g.Model, meta.Name)
	}
	return g, nil
}

// writeGrid writes a token grid as JSON ("-" or "" is stdout).
func writeGrid(std stdio, path string, g tokenGrid, force bool) error {
	data, err := json.Marshal(g)
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if path == "" || path == "-" {
		_, err := std.Out.Write(data)
		return err
	}
	return writeFileAtomic(path, force, func(f *os.File) error { _, err := f.Write(data); return err })
}

func init() {
	var (
		in, out, modelPath string
		force              bool
	)
	commands = append(commands, &command{
		Name:      "decode",
		UsageLine: "-i tokens.json -o out.png [--model M]",
		Short:     "decode a token grid to an image",
		Long:      `Decode turns a token grid (JSON, as encode and denoise write it) into an image with the model's VQGAN decoder.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&in, "i", "", "token grid JSON (- for stdin)")
			fs.StringVar(&out, "o", "", "output PNG")
			fs.StringVar(&modelPath, "model", "", modelFlagHelp)
			fs.BoolVar(&force, "force", false, "overwrite the output file")
		},
		Run: func(ctx context.Context, std stdio, args []string) error {
			if len(args) > 0 || in == "" || out == "" {
				return usagef("need -i tokens.json and -o out.png")
			}
			if err := checkWritable(out, force); err != nil {
				return err
			}
			m, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			defer m.Close()
			g, err := readGrid(in, m.Meta)
			if err != nil {
				return err
			}
			pix, err := m.VQ.Decode(g.flat(), 1)
			if err != nil {
				return err
			}
			return writePNG(out, planarToImage(pix, m.Meta.ImageSize), force)
		},
	})
}

func init() {
	var (
		g       genFlags
		in, out string
		scale   int
		greedy  bool
		force   bool
	)
	commands = append(commands, &command{
		Name:      "denoise",
		UsageLine: "--scale t [-i x_t.json] [-o x_t-1.json] [--greedy] [prompt and sampling flags]",
		Short:     "run one reverse step on a token grid",
		Long: `Denoise samples x_{t-1} from x_t with the transition model of scale t: one
step of the latent hierarchy, for inspection and testing. The top scale T
ignores its input (x_T is pure noise), so -i may be left out there. With
--greedy every token is the most likely one (top-k 1).`,
		Flags: func(fs *flag.FlagSet) {
			g.register(fs, false)
			fs.StringVar(&in, "i", "", "x_t token grid JSON (- for stdin)")
			fs.StringVar(&out, "o", "-", "output JSON (- for stdout)")
			fs.IntVar(&scale, "scale", 0, "the scale t (1..T)")
			fs.BoolVar(&greedy, "greedy", false, "take the most likely token everywhere")
			fs.BoolVar(&force, "force", false, "overwrite the output file")
		},
		Run: func(ctx context.Context, std stdio, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument %q", args[0])
			}
			if out != "-" {
				if err := checkWritable(out, force); err != nil {
					return err
				}
			}
			m, err := loadModel(g.model)
			if err != nil {
				return err
			}
			defer m.Close()
			T := m.Meta.T()
			if scale < 1 || scale > T {
				return usagef("--scale must be 1..%d for this model", T)
			}
			if in == "" && scale < T {
				return usagef("-i is required below the top scale %d", T)
			}
			req, err := g.request(m.Meta, std, m.Meta.Sampling.Chain)
			if err != nil {
				return err
			}
			xt := make([]int32, m.Meta.NumTokens())
			if in != "" {
				grid, err := readGrid(in, m.Meta)
				if err != nil {
					return err
				}
				xt = grid.flat()
			}
			p := model.SampleParams{TopK: req.TopK[scale-1], Temperature: req.Temperature[scale-1]}
			if greedy {
				p.TopK = 1
			}
			rng := rand.New(rand.NewPCG(g.seed, 0x64656e6f697365))
			x, err := model.ReverseStep(m.Scales[scale-1], m.Meta.StepInput(scale, req.Cond, xt, 1), 1, p, rng)
			if err != nil {
				return err
			}
			return writeGrid(std, out, newGrid(m.Meta, scale-1, x), force)
		},
	})
}

func init() {
	var (
		in, out, modelPath string
		seed               uint64
		force              bool
	)
	commands = append(commands, &command{
		Name:      "encode",
		UsageLine: "-i in.png [-o tokens.json] [--model M]",
		Short:     "encode an image to a token grid",
		Long: `Encode resizes the whole image to the model's resolution and turns it into
its token grid x_0 (JSON) with the VQGAN encoder and quantizer. A codebook
entry outside the model's remap table becomes a random code (--seed) as
in the official models; the count is reported.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&in, "i", "", "input image (PNG or JPEG)")
			fs.StringVar(&out, "o", "-", "output JSON (- for stdout)")
			fs.StringVar(&modelPath, "model", "", modelFlagHelp)
			fs.Uint64Var(&seed, "seed", 1, "random seed for codes outside the remap table")
			fs.BoolVar(&force, "force", false, "overwrite the output file")
		},
		Run: func(ctx context.Context, std stdio, args []string) error {
			if len(args) > 0 || in == "" {
				return usagef("need -i in.png")
			}
			if out != "-" {
				if err := checkWritable(out, force); err != nil {
					return err
				}
			}
			img, _, err := canvas.LoadImage(in, canvas.Limits{})
			if err != nil {
				return err
			}
			m, err := loadModel(modelPath)
			if err != nil {
				return err
			}
			defer m.Close()
			pix, err := canvas.ToModel(img, img.Bounds(), m.Meta.ImageSize)
			if err != nil {
				return err
			}
			enc, err := m.VQ.Encode(pix, 1, rand.New(rand.NewPCG(seed, 0x656e636f6465)))
			if err != nil {
				return err
			}
			if enc.Unknown > 0 {
				fmt.Fprintf(std.Err, "note: %d codebook entries were outside the remap table and became random codes\n", enc.Unknown)
			}
			return writeGrid(std, out, newGrid(m.Meta, 0, enc.Codes), force)
		},
	})
}
