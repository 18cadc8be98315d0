package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"bartedit/model"
)

func init() {
	commands = append(commands, &command{
		Name:      "info",
		UsageLine: "[MODEL]",
		Short:     "show model cards",
		Long: `Info prints the model card of a .bart bundle, or of an embedded model named
as --model names it, or without an argument of every embedded model (the
default first): what it was trained on, its licence, resolution, scales and
schedule, codebook size, conditioning and parameter count. It reads only
the header.`,
		Run: runInfo,
	})
}

func runInfo(_ context.Context, std stdio, args []string) error {
	if len(args) > 1 {
		return usagef("at most one model")
	}
	arg := ""
	if len(args) == 1 {
		arg = args[0]
	}
	path, emb, err := resolveModel(arg)
	if err != nil {
		return err
	}
	if path != "" {
		meta, tensors, err := model.ReadBundleInfo(path)
		if err != nil {
			return err
		}
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		printCard(std.Out, meta, tensors, path, st.Size())
		return nil
	}
	list := []embeddedModel{emb}
	if arg == "" { // every embedded model, the default first
		if list, err = embeddedModels(); err != nil {
			return err
		}
	}
	for i, e := range list {
		meta, tensors, size, err := embeddedInfo(e.Bundle)
		if err != nil {
			return err
		}
		if i > 0 {
			fmt.Fprintln(std.Out)
		}
		source := e.Source()
		if i == 0 && arg == "" {
			source += ", the default"
		}
		printCard(std.Out, meta, tensors, source, size)
	}
	return nil
}

func printCard(w io.Writer, m *model.Meta, tensors []model.TensorInfo, source string, size int64) {
	fmt.Fprintf(w, "%s  (%s, %.1f MB)\n", m.Name, source, float64(size)/1e6)
	if m.Description != "" {
		fmt.Fprintf(w, "  %s\n", m.Description)
	}
	row := func(k, f string, a ...any) { fmt.Fprintf(w, "%-14s %s\n", k+":", fmt.Sprintf(f, a...)) }
	row("licence", "%s", orDash(m.License))
	row("attribution", "%s", orDash(m.Attribution))
	g := m.GridSize()
	row("resolution", "%dx%d pixels, %dx%d tokens (f=%d)", m.ImageSize, m.ImageSize, g, g, m.ImageSize/max(g, 1))
	row("codebook", "%d codes used of %d (remap %s)", m.CodebookSize, m.FirstStage.NEmbed, m.FirstStage.Remap)
	row("schedule", "%s, beta = %v", m.Schedule.Kind, m.Schedule.Betas)
	for _, s := range m.Scales {
		if s.Arch == model.ArchGPT {
			row(fmt.Sprintf("scale %d", s.Scale), "GPT prior, %d layers, width %d, %d heads", s.NLayer, s.NEmbd, s.NHead)
		} else {
			rs := ""
			if s.ResidualScaled != nil {
				rs = ", residual-scaled"
			}
			row(fmt.Sprintf("scale %d", s.Scale), "encoder-decoder, %d+%d layers, width %d, %d heads%s",
				s.EncDepth, s.DecDepth, s.Dim, s.Heads, rs)
		}
	}
	var conds []string
	if c := m.Conditioning.Class; c != nil {
		s := fmt.Sprintf("class (%d: %s)", len(c.Names), abbreviate(c.Names, 8))
		if c.Null {
			s += ", optional"
		}
		conds = append(conds, s)
	}
	if t := m.Conditioning.Text; t != nil {
		conds = append(conds, fmt.Sprintf("text (%d words of %d known)", t.Length, len(t.Vocab)))
	}
	if len(conds) == 0 {
		conds = []string{"none (unconditional)"}
	}
	row("prompts", "%s", strings.Join(conds, "; "))
	row("sampling", "top-k %v, temperature %v, chain %v", m.Sampling.TopK, m.Sampling.Temperature, m.Sampling.Chain)
	dtypes := map[string]int{}
	for _, t := range tensors {
		dtypes[t.DType]++
	}
	row("parameters", "%s (%d tensors, dtypes %v)", humanCount(m.ParamCount()), len(tensors), dtypes)
	for _, k := range slices.Sorted(maps.Keys(m.Metrics)) {
		row("metric", "%s = %g", k, m.Metrics[k])
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func abbreviate(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(", ... (%d more)", len(names)-n)
}

func humanCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
