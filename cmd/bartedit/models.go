package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"bartedit/assets"
	"bartedit/model"
)

// modelFlagHelp is the help of every --model flag.
const modelFlagHelp = "model: an embedded model's name (see 'bartedit info') or a .bart file (default: the embedded default model)"

// embeddedModel is an embedded bundle and the name its card gives it.
type embeddedModel struct {
	assets.Bundle
	Name string
}

// embeddedModels lists the embedded bundles, the default first, with the
// model names their headers give.
func embeddedModels() ([]embeddedModel, error) {
	var out []embeddedModel
	for _, b := range assets.Bundles() {
		meta, _, _, err := embeddedInfo(b)
		if err != nil {
			return nil, err
		}
		out = append(out, embeddedModel{Bundle: b, Name: meta.Name})
	}
	return out, nil
}

// embeddedInfo reads the header of an embedded bundle in place.
func embeddedInfo(b assets.Bundle) (*model.Meta, []model.TensorInfo, int64, error) {
	f, err := b.Open()
	if err != nil {
		return nil, nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, 0, err
	}
	r, ok := f.(io.ReaderAt)
	if !ok {
		return nil, nil, 0, fmt.Errorf("%s: embedded file is not seekable", b.Source())
	}
	meta, tensors, err := model.ReadBundleInfoAt(b.Source(), r, st.Size())
	return meta, tensors, st.Size(), err
}

// resolveModel says what --model names: a file (path set), or an embedded
// bundle ("" for the default). A name that is neither an existing file
// nor an embedded model is an error listing the embedded names.
func resolveModel(arg string) (path string, emb embeddedModel, err error) {
	all, err := embeddedModels()
	if err != nil {
		return "", emb, err
	}
	if arg == "" {
		return "", all[0], nil
	}
	if _, err := os.Stat(arg); err == nil || strings.HasSuffix(arg, ".bart") || strings.ContainsRune(arg, filepath.Separator) {
		return arg, emb, nil
	}
	var names []string
	for _, e := range all {
		if e.Name == arg {
			return "", e, nil
		}
		names = append(names, e.Name)
	}
	return "", emb, fmt.Errorf("no model %q: no such file, and the embedded models are %s", arg, strings.Join(names, ", "))
}

// openModel opens the bundle named by --model (see resolveModel).
func openModel(arg string) (*model.Bundle, error) {
	path, emb, err := resolveModel(arg)
	if err != nil {
		return nil, err
	}
	if path != "" {
		return model.OpenBundle(path)
	}
	return model.OpenBundleBytes(emb.Source(), emb.Data())
}

// newBackend returns the backend the command line runs on.
func newBackend() model.Backend { return model.NewCPU() }

// loadModel opens and builds a model on the backend.
func loadModel(path string) (*model.Model, error) {
	bundle, err := openModel(path)
	if err != nil {
		return nil, err
	}
	defer bundle.Close()
	return model.LoadModel(newBackend(), bundle)
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder and a rename, so a failed write leaves no partial file. Without
// force an existing file is an error.
func writeFileAtomic(path string, force bool, write func(f *os.File) error) error {
	if !force {
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("%s exists (use --force to overwrite)", path)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}
