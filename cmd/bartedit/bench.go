package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"bartedit/model"
)

func init() {
	var (
		torchFile, torchScript, python, gemmSizes string
		reps                                      int
	)
	commands = append(commands, &command{
		Name:      "bench",
		UsageLine: "[--pytorch train/bench.py | --torch results.jsonl] [--reps N] [--gemm 256,1024] MODEL.bart...",
		Short:     "time the inference engine (and compare with PyTorch)",
		Long: `Bench times GEMM (OpenBLAS and the pure-Go path) and, for each bundle, one
VQ decode, one VQ encode, one scale-1 encoder pass, and the per-token cost
of generating all N tokens with the key/value cache (scale-1 decoder and
top-scale GPT, sampling included). Each number is the median of N runs
after a warm-up. With --pytorch, the PyTorch reference (train/bench.py) is
timed on the same bundles in the same run, with the same thread count and
OpenBLAS kernels, and shown beside Go with the ratio Go/PyTorch (below 1:
Go is faster); --torch reads such results from a file instead.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&torchFile, "torch", "", "JSON lines from train/bench.py")
			fs.StringVar(&torchScript, "pytorch", "", "run this PyTorch bench script (train/bench.py) on each bundle")
			fs.StringVar(&python, "python", "/usr/bin/python3", "Python with PyTorch, for --pytorch")
			fs.IntVar(&reps, "reps", 5, "timed runs per measurement")
			fs.StringVar(&gemmSizes, "gemm", "256,1024", "square GEMM sizes to time")
		},
		Run: func(ctx context.Context, std stdio, args []string) error {
			if reps < 1 {
				return usagef("--reps must be at least 1")
			}
			var sizes []int
			for _, f := range strings.Split(gemmSizes, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(f))
				if err != nil || n < 1 {
					return usagef("--gemm: bad size %q", f)
				}
				sizes = append(sizes, n)
			}
			if torchFile != "" && torchScript != "" {
				return usagef("--torch and --pytorch exclude each other")
			}
			torch, err := readTorchResults(torchFile)
			if err != nil {
				return err
			}
			if torchScript != "" {
				if torch, err = runTorchBench(ctx, std, python, torchScript, args, reps); err != nil {
					return err
				}
			}
			return runBench(ctx, std.Out, args, sizes, reps, torch)
		},
	})
}

type torchKey struct{ bench, model string }

func readTorchResults(path string) (map[torchKey]float64, error) {
	if path == "" {
		return map[torchKey]float64{}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseTorchResults(path, f, map[torchKey]float64{})
}

// runTorchBench runs the PyTorch bench script on each bundle. The child
// inherits this process's environment, including the OPENBLAS_CORETYPE
// the engine chose, and gets the same thread count, so both sides use the
// same BLAS kernels on the same cores.
func runTorchBench(ctx context.Context, std stdio, python, script string, bundles []string, reps int) (map[torchKey]float64, error) {
	res := map[torchKey]float64{}
	for _, b := range bundles {
		cmd := exec.CommandContext(ctx, python, script, b, "--threads", strconv.Itoa(runtimeProcs()),
			"--reps", strconv.Itoa(reps))
		cmd.Stderr = std.Err
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", script, b, err)
		}
		if _, err := parseTorchResults(script, bytes.NewReader(out), res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func parseTorchResults(name string, r io.Reader, res map[torchKey]float64) (map[torchKey]float64, error) {
	path := name
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		var r struct {
			Bench, Model string
			Seconds      float64
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		res[torchKey{r.Bench, r.Model}] = r.Seconds
	}
	return res, sc.Err()
}

func runBench(ctx context.Context, w io.Writer, bundles []string, sizes []int, reps int, torch map[torchKey]float64) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "GEMM (n x n x n)\t%s GFLOP/s\tpure Go GFLOP/s\tratio\t\n", model.GemmName)
	for _, n := range sizes {
		sel := model.MeasureGEMM(n, false, 500*time.Millisecond)
		pure := model.MeasureGEMM(n, true, 500*time.Millisecond)
		fmt.Fprintf(tw, "%d\t%.1f\t%.1f\t%.1fx\t\n", n, sel, pure, sel/pure)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "measurement\tmodel\tGo\tPyTorch\tGo/PyTorch\t\n")
	for _, path := range bundles {
		results, name, err := benchBundle(ctx, path, reps)
		if err != nil {
			return err
		}
		var e5, e100 float64
		for _, r := range results {
			switch r.name {
			case "edit_5":
				e5 = r.seconds
			case "edit_100":
				e100 = r.seconds
			}
			pt, ok := torch[torchKey{r.name, name}]
			ptS, ratio := "-", "-"
			if ok {
				ptS, ratio = fmtDur(pt), fmt.Sprintf("%.2f", r.seconds/pt)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", r.name, name, fmtDur(r.seconds), ptS, ratio)
		}
		if e100 > 0 {
			fmt.Fprintf(tw, "edit_5 / edit_100\t%s\t%.2f\t\t\t\n", name, e5/e100)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\nGo backend %s, GOMAXPROCS %d, OPENBLAS_CORETYPE=%s; median of %d runs\n",
		newBackend().Name(), runtimeProcs(), os.Getenv("OPENBLAS_CORETYPE"), reps)
	if model.BLASStatus != "" {
		fmt.Fprintln(w, model.BLASStatus)
	}
	return nil
}

// benchEdit runs what sample_full and edit_* measure: sampling from noise
// with one chain iteration per scale, or a masked edit of x0 with the
// model's default settings and a compact central block of frac*N tokens
// masked; then the final decode.
func benchEdit(m *model.Model, cond, x0 []int32, frac float64, sample bool) error {
	s := m.Meta.Sampling
	req := model.EditRequest{Cond: cond, Chain: s.Chain, TopK: s.TopK, Temperature: s.Temperature, Seed: 1, Batch: 1}
	if sample {
		req.Chain = make([]int, m.Meta.T())
		for i := range req.Chain {
			req.Chain[i] = 1
		}
	} else {
		req.X0, req.Mask = x0, centralBlock(m.Meta.GridSize(), frac)
	}
	res, err := m.Edit(context.Background(), req, nil)
	if err != nil {
		return err
	}
	_, err = m.VQ.Decode(res.Tokens, 1)
	return err
}

// centralBlock masks the max(1, round(frac*g*g)) tokens nearest the grid
// centre (ties in raster order), as train/bench.py does.
func centralBlock(g int, frac float64) []bool {
	n := g * g
	k := max(1, int(math.Round(frac*float64(n))))
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	c := float64(g-1) / 2
	dist := func(i int) float64 {
		dy, dx := float64(i/g)-c, float64(i%g)-c
		return dy*dy + dx*dx
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(dist(a), dist(b)) })
	mask := make([]bool, n)
	for _, i := range idx[:k] {
		mask[i] = true
	}
	return mask
}

type benchResult struct {
	name    string
	seconds float64
}

func benchBundle(ctx context.Context, path string, reps int) ([]benchResult, string, error) {
	m, err := loadModel(path)
	if err != nil {
		return nil, "", err
	}
	defer m.Close()
	meta := m.Meta
	rng := rand.New(rand.NewPCG(0, 1))
	n, k, s := meta.NumTokens(), meta.CodebookSize, meta.ImageSize
	codes := make([]int32, n)
	for i := range codes {
		codes[i] = int32(rng.IntN(k))
	}
	img := make([]float32, 3*s*s)
	for i := range img {
		img[i] = rng.Float32()*2 - 1
	}
	c := model.Condition{Class: model.NoClass}
	if cc := meta.Conditioning.Class; cc != nil {
		c.Class = 0
	}
	cond, err := meta.CondTokens(c)
	if err != nil {
		return nil, "", err
	}
	xt := m.Scales[0]
	src := meta.StepInput(1, cond, codes, 1)
	gpt := m.Scales[meta.T()-1]
	prefix := meta.StepInput(meta.T(), cond, nil, 1)
	params := func(t int) model.SampleParams {
		return model.SampleParams{TopK: meta.Sampling.TopK[t-1], Temperature: meta.Sampling.Temperature[t-1]}
	}
	var firstErr error
	check := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	// decodeOnly times DecodeTokens after an untimed Start, as
	// train/bench.py does (encoder and cross-attention keys precomputed).
	decodeOnly := func(tr model.Transition, input []int32, p model.SampleParams) func() func() {
		return func() func() {
			st, logits, err := tr.Start(input, 1)
			check(err)
			return func() {
				if st != nil {
					_, err := model.DecodeTokens(tr, st, logits, p, rng)
					check(err)
					st.Close()
				}
			}
		}
	}
	once := func(f func()) func() func() { return func() func() { return f } }
	benches := []struct {
		name string
		per  int
		run  func() func() // untimed setup returning the timed part
	}{
		{"vq_decode", 1, once(func() { _, err := m.VQ.Decode(codes, 1); check(err) })},
		{"vq_encode", 1, once(func() { _, err := m.VQ.Encode(img, 1, rng); check(err) })},
		{"encoder_pass", 1, once(func() {
			h, err := xt.(*model.XTransformer).Encode(src, 1)
			check(err)
			if h != nil {
				m.Backend().Free(h)
			}
		})},
		{"decoder_token", n, decodeOnly(xt, src, params(1))},
		{"gpt_token", n, func() func() { // the prefix pass is part of generation
			return func() { _, err := model.ReverseStep(gpt, prefix, 1, params(meta.T()), rng); check(err) }
		}},
		{"sample_full", 1, once(func() { check(benchEdit(m, cond, nil, 0, true)) })},
		{"edit_25", 1, once(func() { check(benchEdit(m, cond, codes, 0.25, false)) })},
		{"edit_5", 1, once(func() { check(benchEdit(m, cond, codes, 0.05, false)) })},
		{"edit_100", 1, once(func() { check(benchEdit(m, cond, codes, 1, false)) })},
	}
	var out []benchResult
	for _, b := range benches {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		times := make([]float64, 0, reps)
		for i := 0; i <= reps; i++ {
			timed := b.run()
			start := time.Now()
			timed()
			if i > 0 { // the first run is a warm-up
				times = append(times, time.Since(start).Seconds())
			}
		}
		if firstErr != nil {
			return nil, "", fmt.Errorf("%s: %s: %w", filepath.Base(path), b.name, firstErr)
		}
		slices.Sort(times)
		out = append(out, benchResult{b.name, times[len(times)/2] / float64(b.per)})
	}
	return out, meta.Name, nil
}

func fmtDur(s float64) string {
	switch {
	case s >= 1:
		return fmt.Sprintf("%.2f s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.2f ms", s*1e3)
	}
	return fmt.Sprintf("%.1f µs", s*1e6)
}
